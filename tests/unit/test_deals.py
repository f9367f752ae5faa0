"""Deal registration by partners: registration, the pipeline, conflicts and their
resolution. Every refused command leaves the log as it was."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from api.store import CrmHub
from domain.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from partners.deals import DealRegistration
from tests.stories import events_since, records_nothing
from tests.unit.deal_stories import (
    ADMIN,
    NEXT_MONTH,
    PURPOSE,
    SALES,
    TODAY,
    a_customer,
    a_deal,
    a_known_customer,
    a_partner,
    actor,
    an_accepted_lead,
    consent_for,
)

# -- registration --------------------------------------------------------------------------


def test_a_registered_deal_is_open_in_prospecting_without_conflicts(hub: CrmHub) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    before = hub.position()

    deal_id = a_deal(hub, partner, customer_id=customer)

    deal = hub.load(DealRegistration, deal_id)
    assert (deal.partner_id, deal.customer_id, deal.lead_id) == (partner, customer, None)
    assert (deal.name, deal.amount, deal.currency) == ("Globex router refresh",
                                                       Decimal("25000.00"), "EUR")
    assert (deal.stage, deal.probability, deal.status) == ("prospecting", Decimal("0.10"), "open")
    assert (deal.expected_close_date, deal.conflicts, deal.conflict_state) == (
        NEXT_MONTH, [], "none")
    (registered,) = events_since(hub, before)
    assert isinstance(registered, DealRegistration.Registered)  # type: ignore[attr-defined]
    assert (registered.actor, registered.subject_id) == (actor(partner), customer)


@pytest.mark.parametrize(("details", "field"), [
    ({"currency": "euro"}, "currency"),
    ({"amount": "-1"}, "amount"),
    ({"amount": "0"}, "amount"),
    ({"amount": "12.345"}, "amount"),
    ({"name": " "}, "name"),
    ({"expected_close_date": TODAY - timedelta(days=1)}, "expectedCloseDate"),
    ({"expected_close_date": "someday"}, "expectedCloseDate"),
    ({"stage": "won"}, "stage"),
    ({"stage": "closing"}, "stage"),
    ({"customer_id": "banana"}, "customerId"),
])
def test_a_deal_with_bad_details_is_refused(hub: CrmHub, details: dict[str, Any],
                                            field: str) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        a_deal(hub, partner, **{"customer_id": customer, **details})
    assert error.value.field == field


def test_a_deal_names_a_customer_or_a_lead(hub: CrmHub) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    lead = an_accepted_lead(hub, partner)
    with records_nothing(hub):
        for subjects in ({"customer_id": customer, "lead_id": lead},
                         {"customer_id": None, "lead_id": None}):
            with pytest.raises(InvalidValueError) as error:
                a_deal(hub, partner, **subjects)
            assert error.value.field == "customerId"


def test_a_customer_the_partner_may_not_know_does_not_exist_for_it(hub: CrmHub) -> None:
    partner, other = a_partner(hub), a_partner(hub, "Other AB")
    stranger = a_customer(hub)
    theirs = a_known_customer(hub, other)
    other_purpose = a_customer(hub)
    consent_for(hub, other_purpose, partner, purpose="marketing")
    erased = a_known_customer(hub, partner)
    hub.erase_customer(actor=ADMIN, customer_id=erased)
    known = a_known_customer(hub, partner)

    with records_nothing(hub):
        for customer in (uuid4(), stranger, theirs, other_purpose, erased):
            with pytest.raises(NotFoundError) as error:
                a_deal(hub, partner, customer_id=customer)
            assert (error.value.kind, error.value.id) == ("customer", customer)
        with pytest.raises(NotFoundError):  # no purpose: no consent can count
            a_deal(hub, partner, customer_id=known, purpose=None)


def test_a_customer_the_partner_registered_a_deal_for_stays_known(hub: CrmHub) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    first = a_deal(hub, partner, customer_id=customer)
    consent = hub.consent_of(customer)
    assert consent is not None
    hub.withdraw_consent(actor=SALES, customer_id=customer, grant_id=consent.grants[0].id,
                         channel="email")

    with pytest.raises(NotFoundError):
        a_deal(hub, partner, customer_id=customer)
    second = a_deal(hub, partner, customer_id=customer, deal_ids=[uuid4(), first])
    assert hub.load(DealRegistration, second).customer_id == customer
    other = a_partner(hub, "Other AB")  # another partner's deal id proves nothing
    with records_nothing(hub), pytest.raises(NotFoundError):
        a_deal(hub, other, customer_id=customer, deal_ids=[first])


def test_a_deal_for_a_lead_needs_the_partner_to_hold_it(hub: CrmHub) -> None:
    partner, other = a_partner(hub), a_partner(hub, "Other AB")
    lead = an_accepted_lead(hub, partner)

    deal = hub.load(DealRegistration, a_deal(hub, partner, lead_id=lead))
    assert (deal.customer_id, deal.lead_id, deal.subject_id) == (None, lead, lead)
    with records_nothing(hub):
        for who, lead_id in ((other, lead), (partner, uuid4())):
            with pytest.raises(NotFoundError) as error:
                a_deal(hub, who, lead_id=lead_id)
            assert error.value.kind == "lead"


def test_a_partner_that_is_not_active_works_no_deals(hub: CrmHub) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    deal = a_deal(hub, partner, customer_id=customer)
    hub.suspend_partner(actor=ADMIN, partner_id=partner, reason="contract review")
    with records_nothing(hub):
        with pytest.raises(InvalidTransitionError):
            a_deal(hub, partner, customer_id=customer)
        with pytest.raises(InvalidTransitionError):
            hub.advance_deal(actor=actor(partner), partner_id=partner, deal_id=deal,
                             stage="proposal")
        with pytest.raises(NotFoundError):
            a_deal(hub, uuid4(), customer_id=customer)


# -- the pipeline ------------------------------------------------------------------------------


def test_a_deal_moves_through_the_pipeline_and_closes_once(hub: CrmHub) -> None:
    partner = a_partner(hub)
    deal_id = a_deal(hub, partner)
    me = {"actor": actor(partner), "partner_id": partner, "deal_id": deal_id}

    for stage in ("proposal", "negotiation", "proposal"):
        hub.advance_deal(**me, stage=stage)
    assert hub.load(DealRegistration, deal_id).probability == Decimal("0.50")
    with records_nothing(hub):
        for stage, error in (("proposal", InvalidTransitionError),
                             ("prospecting", InvalidTransitionError),
                             ("won", InvalidValueError), ("closing", InvalidValueError)):
            with pytest.raises(error):
                hub.advance_deal(**me, stage=stage)
        with pytest.raises(InvalidValueError) as missing:
            hub.close_deal(**me, outcome="lost")
        assert missing.value.field == "reason"
        with pytest.raises(InvalidValueError):
            hub.close_deal(**me, outcome="proposal")

    hub.close_deal(**me, outcome="lost", reason="went with a competitor")
    deal = hub.load(DealRegistration, deal_id)
    assert (deal.status, deal.stage, deal.probability, deal.close_reason) == (
        "lost", "lost", Decimal("0.00"), "went with a competitor")
    with records_nothing(hub):
        for command, arguments in ((hub.close_deal, {"outcome": "won"}),
                                   (hub.close_deal, {"outcome": "lost", "reason": "again"}),
                                   (hub.advance_deal, {"stage": "negotiation"})):
            with pytest.raises(InvalidTransitionError):
                command(**me, **arguments)


def test_another_partners_deal_does_not_exist_for_a_partner(hub: CrmHub) -> None:
    partner, other = a_partner(hub), a_partner(hub, "Other AB")
    deal_id = a_deal(hub, partner)
    theirs = {"actor": actor(other), "partner_id": other, "deal_id": deal_id}
    with records_nothing(hub):
        for command, arguments in ((hub.advance_deal, {"stage": "proposal"}),
                                   (hub.close_deal, {"outcome": "won"}),
                                   (hub.close_deal, {"outcome": "lost", "reason": "x"})):
            with pytest.raises(NotFoundError) as error:
                command(**theirs, **arguments)
            assert (error.value.kind, error.value.id) == ("deal", deal_id)
        with pytest.raises(NotFoundError) as unknown:
            hub.advance_deal(**{**theirs, "deal_id": uuid4()}, stage="proposal")
        assert unknown.value.kind == "deal"


# -- conflicts -------------------------------------------------------------------------------


def test_conflicts_confirmed_by_the_log_flag_the_deal(hub: CrmHub) -> None:
    partner, other = a_partner(hub), a_partner(hub, "Other AB")
    customer = a_known_customer(hub, partner)
    consent_for(hub, customer, other)
    ours = hub.open_opportunity(actor=SALES, customer_id=customer, name="Internal",
                                amount="100", currency="EUR", expected_close_date=NEXT_MONTH)
    closed = hub.open_opportunity(actor=SALES, customer_id=customer, name="Old", amount="1",
                                  currency="EUR", expected_close_date=NEXT_MONTH)
    hub.close_opportunity(actor=SALES, opportunity_id=closed, outcome="won")
    elsewhere = hub.open_opportunity(actor=SALES, customer_id=a_customer(hub), name="Else",
                                     amount="1", currency="EUR", expected_close_date=NEXT_MONTH)
    first = a_deal(hub, other, customer_id=customer)

    deal_id = a_deal(hub, partner, customer_id=customer,
                     conflicts=[ours, closed, elsewhere, first, uuid4(), customer, str(ours)])

    deal = hub.load(DealRegistration, deal_id)
    assert (deal.conflicts, deal.conflict_state) == ([ours, first], "flagged")
    assert hub.load(DealRegistration, first).conflict_state == "none"  # the first keeps its claim


def test_a_flagged_deal_is_won_only_after_sales_keeps_it(hub: CrmHub) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    ours = hub.open_opportunity(actor=SALES, customer_id=customer, name="Internal",
                                amount="100", currency="EUR", expected_close_date=NEXT_MONTH)
    deal_id = a_deal(hub, partner, customer_id=customer, conflicts=[ours])
    me = {"actor": actor(partner), "partner_id": partner, "deal_id": deal_id}

    hub.advance_deal(**me, stage="negotiation")  # it may still be worked
    with records_nothing(hub):
        with pytest.raises(InvalidTransitionError):
            hub.close_deal(**me, outcome="won")
        for resolution, note, field in (("merge", "x", "resolution"), ("keep", " ", "note")):
            with pytest.raises(InvalidValueError) as error:
                hub.resolve_deal_conflict(actor=SALES, deal_id=deal_id, resolution=resolution,
                                          note=note)
            assert error.value.field == field

    before = hub.position()
    hub.resolve_deal_conflict(actor=SALES, deal_id=deal_id, resolution="keep",
                              note="separate project, other department")
    (resolved,) = events_since(hub, before)
    assert (resolved.resolution, resolved.note, resolved.actor) == (
        "kept", "separate project, other department", SALES)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.resolve_deal_conflict(actor=SALES, deal_id=deal_id, resolution="reject", note="no")
    hub.close_deal(**me, outcome="won")
    assert hub.load(DealRegistration, deal_id).status == "won"


def test_a_rejected_deal_is_closed_for_good(hub: CrmHub) -> None:
    partner = a_partner(hub)
    customer = a_known_customer(hub, partner)
    ours = hub.open_opportunity(actor=SALES, customer_id=customer, name="Internal",
                                amount="100", currency="EUR", expected_close_date=NEXT_MONTH)
    deal_id = a_deal(hub, partner, customer_id=customer, conflicts=[ours])
    unflagged = a_deal(hub, partner, customer_id=customer)  # the log proves no conflict
    me = {"actor": actor(partner), "partner_id": partner, "deal_id": deal_id}

    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.resolve_deal_conflict(actor=SALES, deal_id=unflagged, resolution="keep", note="ok")
    hub.resolve_deal_conflict(actor=SALES, deal_id=deal_id, resolution="reject",
                              note="our account team has owned this deal since March")

    deal = hub.load(DealRegistration, deal_id)
    assert (deal.status, deal.conflict_state, deal.probability) == (
        "rejected", "rejected", Decimal("0.00"))
    assert deal.conflict_note == "our account team has owned this deal since March"
    with records_nothing(hub):
        for command, arguments in ((hub.advance_deal, {"stage": "proposal"}),
                                   (hub.close_deal, {"outcome": "lost", "reason": "x"})):
            with pytest.raises(InvalidTransitionError):
                command(**me, **arguments)
        with pytest.raises(InvalidTransitionError):
            hub.resolve_deal_conflict(actor=SALES, deal_id=deal_id, resolution="keep", note="x")
        with pytest.raises(NotFoundError):
            hub.resolve_deal_conflict(actor=SALES, deal_id=uuid4(), resolution="keep", note="x")


def test_a_lead_and_the_customer_it_became_are_one_for_conflicts(hub: CrmHub) -> None:
    partner, other = a_partner(hub), a_partner(hub, "Other AB")
    lead = an_accepted_lead(hub, partner)
    lead_deal = a_deal(hub, partner, lead_id=lead)
    hub.qualify_lead(actor=SALES, lead_id=lead)
    conversion = hub.convert_lead(actor=SALES, lead_id=lead, opportunity_name="Engines",
                                  amount="10", currency="EUR", expected_close_date=NEXT_MONTH)
    consent_for(hub, conversion.customer_id, other)

    deal_id = a_deal(hub, other, customer_id=conversion.customer_id,
                     conflicts=[lead_deal, conversion.opportunity_id])

    assert hub.load(DealRegistration, deal_id).conflicts == [lead_deal, conversion.opportunity_id]


def test_the_deals_name_and_reasons_are_stored_encrypted(hub: CrmHub) -> None:
    partner = a_partner(hub)
    deal_id = a_deal(hub, partner, name="Secret Globex takeover")
    hub.close_deal(actor=actor(partner), partner_id=partner, deal_id=deal_id, outcome="lost",
                   reason="Mr Smith left Globex")
    stored = b"".join(event.state for event in hub.recorder.select_events(deal_id))
    assert b"Secret" not in stored and b"Smith" not in stored
    assert hub.load(DealRegistration, deal_id).name == "Secret Globex takeover"
    assert PURPOSE  # the purpose the partner knows its customers for
