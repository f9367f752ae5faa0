"""Sales: leads captured, qualified and converted; opportunities through the pipeline;
quotes issued and answered. Every refused command must leave the log as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.customers import Customer
from domain.errors import (
    ConcurrencyError,
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
)
from domain.hub import Hub
from domain.personal_data import NO_PERSONAL_DATA, PERSONAL_DATA
from domain.sales import Lead, Opportunity, Quote, QuoteLineDraft
from tests.stories import events_since, records_nothing

ACTOR = "user:alice"
TODAY = datetime.now(UTC).date()
NEXT_MONTH = TODAY + timedelta(days=30)


# -- given ---------------------------------------------------------------------------


def a_lead(hub: Hub, **details: Any) -> UUID:
    return hub.capture_lead(**{
        "actor": ACTOR, "source": "trade_show", "channel": "direct", "given_name": "Ada",
        "family_name": "Lovelace", "email": "Ada@Example.org", "phone": "+44 20 7946 0000",
        "company_name": "Analytical Engines Ltd", "notes": "Met at booth 12", "owner": "user:bob",
        **details,
    })


def a_qualified_lead(hub: Hub) -> UUID:
    lead_id = a_lead(hub)
    hub.qualify_lead(actor=ACTOR, lead_id=lead_id, reason="budget approved")
    return lead_id


def a_customer(hub: Hub) -> UUID:
    return hub.register_customer(actor=ACTOR, kind="organisation",
                                 profile={"company_name": "Globex"}, stage="prospect")


def an_opportunity(hub: Hub, **details: Any) -> UUID:
    if "customer_id" not in details:
        details["customer_id"] = a_customer(hub)
    return hub.open_opportunity(**{
        "actor": ACTOR, "name": "Globex fleet renewal",
        "amount": "12000.00", "currency": "EUR", "expected_close_date": NEXT_MONTH, **details,
    })


LINES = [
    QuoteLineDraft(sku="LIC-100", quantity=3, unit_price="100.00", discount_percent="10",
                   description="Annual licence"),
    QuoteLineDraft(sku="SUP-H", quantity=Decimal("2.5"), unit_price="19.99"),
]


def a_quote(hub: Hub, opportunity_id: UUID | None = None, **details: Any) -> UUID:
    return hub.issue_quote(**{
        "actor": ACTOR, "opportunity_id": opportunity_id or an_opportunity(hub),
        "currency": "EUR", "lines": LINES, "valid_until": TODAY + timedelta(days=14), **details,
    })


# -- leads ---------------------------------------------------------------------------


def test_a_captured_lead_keeps_its_details_and_who_captured_it(hub: Hub) -> None:
    before = hub.position()
    lead_id = a_lead(hub)

    lead = hub.load(Lead, lead_id)
    assert (lead.source, lead.channel, lead.status) == ("trade_show", "direct", "new")
    assert (lead.given_name, lead.family_name, lead.email) == ("Ada", "Lovelace", "ada@example.org")
    assert (lead.company_name, lead.notes, lead.owner) == (
        "Analytical Engines Ltd", "Met at booth 12", "user:bob")
    (captured,) = events_since(hub, before)
    assert isinstance(captured, Lead.Captured)
    assert (captured.actor, captured.phone, captured.campaign_id) == (ACTOR, "+44 20 7946 0000", None)


@pytest.mark.parametrize(("details", "field"), [
    ({"source": "carrier_pigeon"}, "source"),
    ({"channel": "telepathy"}, "channel"),
    ({"given_name": None, "family_name": " "}, "familyName"),
    ({"email": None, "phone": None}, "email"),
    ({"email": "not-an-address"}, "email"),
    ({"phone": "call me"}, "phone"),
    ({"notes": "x" * 4001}, "notes"),
    ({"campaign_id": "not-an-id"}, "campaignId"),
])
def test_a_lead_with_bad_details_is_refused(hub: Hub, details: dict[str, Any], field: str) -> None:
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        a_lead(hub, **details)
    assert error.value.field == field


def test_a_campaign_is_credited_on_its_leads_and_their_opportunities(hub: Hub) -> None:
    campaign_id = hub.create_campaign(actor=ACTOR, name="Spring webinar", channel="email",
                                      budget="500", currency="EUR", starts_on=TODAY,
                                      ends_on=NEXT_MONTH)
    lead_id = a_lead(hub, source="campaign", channel="web", campaign_id=str(campaign_id))
    hub.qualify_lead(actor=ACTOR, lead_id=lead_id)

    created = hub.convert_lead(actor=ACTOR, lead_id=lead_id, opportunity_name="Webinar deal",
                               amount="800", currency="EUR", expected_close_date=NEXT_MONTH)

    assert hub.load(Lead, lead_id).campaign_id == campaign_id
    assert hub.load(Opportunity, created.opportunity_id).campaign_id == campaign_id
    direct = an_opportunity(hub, campaign_id=campaign_id)
    assert hub.load(Opportunity, direct).campaign_id == campaign_id


def test_a_lead_from_an_unknown_campaign_is_refused(hub: Hub) -> None:
    with records_nothing(hub), pytest.raises(NotFoundError):
        a_lead(hub, source="campaign", campaign_id=uuid4())


def test_a_lead_is_qualified_then_may_still_be_disqualified(hub: Hub) -> None:
    lead_id = a_lead(hub)
    before = hub.position()

    hub.qualify_lead(actor="user:carol", lead_id=lead_id, reason="budget approved")
    hub.disqualify_lead(actor="user:carol", lead_id=lead_id, reason="bought from a competitor")

    qualified, disqualified = events_since(hub, before)
    assert isinstance(qualified, Lead.Qualified) and qualified.reason == "budget approved"
    assert isinstance(disqualified, Lead.Disqualified)
    assert (disqualified.actor, disqualified.reason) == ("user:carol", "bought from a competitor")
    assert hub.load(Lead, lead_id).status == "disqualified"


def test_a_disqualified_lead_is_final(hub: Hub) -> None:
    lead_id = a_lead(hub)
    hub.disqualify_lead(actor=ACTOR, lead_id=lead_id, reason="student project, no budget")

    with records_nothing(hub):
        for attempt in (
            lambda: hub.qualify_lead(actor=ACTOR, lead_id=lead_id),
            lambda: hub.disqualify_lead(actor=ACTOR, lead_id=lead_id, reason="again"),
            lambda: hub.convert_lead(actor=ACTOR, lead_id=lead_id, opportunity_name="Deal",
                                     amount="1", currency="EUR", expected_close_date=NEXT_MONTH),
        ):
            with pytest.raises(InvalidTransitionError):
                attempt()


def test_a_lead_is_qualified_once_and_disqualified_only_with_a_reason(hub: Hub) -> None:
    lead_id = a_qualified_lead(hub)

    with records_nothing(hub):
        with pytest.raises(InvalidTransitionError):
            hub.qualify_lead(actor=ACTOR, lead_id=lead_id)
        with pytest.raises(InvalidValueError) as error:
            hub.disqualify_lead(actor=ACTOR, lead_id=lead_id, reason="  ")
    assert error.value.field == "reason"


def test_an_unknown_lead_is_not_found(hub: Hub) -> None:
    customer_id = a_customer(hub)
    with records_nothing(hub):
        with pytest.raises(NotFoundError):
            hub.qualify_lead(actor=ACTOR, lead_id=uuid4())
        with pytest.raises(NotFoundError):  # an id of another kind of aggregate
            hub.disqualify_lead(actor=ACTOR, lead_id=customer_id, reason="wrong id")
        with pytest.raises(InvalidValueError) as error:
            hub.qualify_lead(actor=ACTOR, lead_id="lead-42")
    assert error.value.field == "leadId"


# -- conversion ----------------------------------------------------------------------


def test_converting_a_qualified_lead_creates_a_prospect_and_its_opportunity_together(
    hub: Hub,
) -> None:
    lead_id = a_qualified_lead(hub)
    before = hub.position()

    created = hub.convert_lead(actor="user:carol", lead_id=lead_id, opportunity_name="Engines",
                               amount="5000", currency="GBP", expected_close_date=NEXT_MONTH)

    customer = hub.load(Customer, created.customer_id)
    assert (customer.kind, customer.stage, customer.owner) == ("person", "prospect", "user:bob")
    assert (customer.given_name, customer.family_name) == ("Ada", "Lovelace")
    assert (customer.emails, customer.phones) == (["ada@example.org"], ["+44 20 7946 0000"])
    assert customer.company_name == "Analytical Engines Ltd"
    opportunity = hub.load(Opportunity, created.opportunity_id)
    assert (opportunity.customer_id, opportunity.lead_id) == (customer.id, lead_id)
    assert (opportunity.amount, opportunity.currency) == (Decimal("5000.00"), "GBP")
    assert (opportunity.stage, opportunity.probability) == ("prospecting", Decimal("0.10"))
    lead = hub.load(Lead, lead_id)
    assert (lead.status, lead.customer_id, lead.opportunity_id) == (
        "converted", customer.id, opportunity.id)
    recorded = events_since(hub, before)
    assert sorted(type(e).__qualname__ for e in recorded) == [
        "Customer.Registered", "Lead.Converted", "Opportunity.Opened"]
    assert {e.actor for e in recorded} == {"user:carol"}


def test_converting_an_unqualified_lead_records_no_customer(hub: Hub) -> None:
    lead_id = a_lead(hub)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.convert_lead(actor=ACTOR, lead_id=lead_id, opportunity_name="Deal", amount="1",
                         currency="EUR", expected_close_date=NEXT_MONTH)


def test_a_conversion_with_a_bad_opportunity_records_neither_customer_nor_lead_change(
    hub: Hub,
) -> None:
    lead_id = a_qualified_lead(hub)
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        hub.convert_lead(actor=ACTOR, lead_id=lead_id, opportunity_name="Deal", amount="1",
                         currency="pounds", expected_close_date=NEXT_MONTH)
    assert error.value.field == "currency"
    assert hub.load(Lead, lead_id).status == "qualified"


def test_a_converted_lead_is_final(hub: Hub) -> None:
    lead_id = a_qualified_lead(hub)
    hub.convert_lead(actor=ACTOR, lead_id=lead_id, opportunity_name="Deal", amount="1",
                     currency="EUR", expected_close_date=NEXT_MONTH, owner="user:dan")
    with records_nothing(hub):
        with pytest.raises(InvalidTransitionError):
            hub.convert_lead(actor=ACTOR, lead_id=lead_id, opportunity_name="Deal", amount="1",
                             currency="EUR", expected_close_date=NEXT_MONTH)
        with pytest.raises(InvalidTransitionError):
            hub.disqualify_lead(actor=ACTOR, lead_id=lead_id, reason="changed our minds")


# -- opportunities -------------------------------------------------------------------


def test_an_opened_opportunity_starts_in_prospecting(hub: Hub) -> None:
    customer_id = a_customer(hub)
    before = hub.position()

    opportunity_id = an_opportunity(hub, customer_id=customer_id, owner="user:bob")

    opportunity = hub.load(Opportunity, opportunity_id)
    assert (opportunity.customer_id, opportunity.name) == (customer_id, "Globex fleet renewal")
    assert (opportunity.amount, opportunity.currency) == (Decimal("12000.00"), "EUR")
    assert opportunity.expected_close_date == NEXT_MONTH
    assert (opportunity.stage, opportunity.probability, opportunity.owner) == (
        "prospecting", Decimal("0.10"), "user:bob")
    (opened,) = events_since(hub, before)
    assert isinstance(opened, Opportunity.Opened)
    assert (opened.actor, opened.customer_id, opened.lead_id) == (ACTOR, customer_id, None)


@pytest.mark.parametrize(("details", "field"), [
    ({"currency": "euro"}, "currency"),
    ({"amount": "-1"}, "amount"),
    ({"amount": 12.5}, "amount"),
    ({"name": ""}, "name"),
    ({"expected_close_date": TODAY - timedelta(days=1)}, "expectedCloseDate"),
    ({"expected_close_date": datetime.now(UTC)}, "expectedCloseDate"),
    ({"expected_close_date": "next friday"}, "expectedCloseDate"),
    ({"stage": "won"}, "stage"),
    ({"stage": "closing"}, "stage"),
    ({"campaign_id": "spring"}, "campaignId"),
])
def test_an_opportunity_with_bad_details_is_refused(
    hub: Hub, details: dict[str, Any], field: str,
) -> None:
    customer_id = a_customer(hub)
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        an_opportunity(hub, customer_id=customer_id, **details)
    assert error.value.field == field


def test_an_opportunity_for_an_unknown_customer_or_campaign_is_refused(hub: Hub) -> None:
    customer_id = a_customer(hub)
    with records_nothing(hub):
        with pytest.raises(NotFoundError):
            an_opportunity(hub, customer_id=uuid4())
        with pytest.raises(NotFoundError):
            an_opportunity(hub, customer_id=customer_id, campaign_id=uuid4())


def test_an_opportunity_moves_forward_skipping_stages_and_back_one_stage(hub: Hub) -> None:
    opportunity_id = an_opportunity(hub)
    before = hub.position()

    for stage in ("proposal", "negotiation", "proposal"):
        hub.advance_opportunity(actor=ACTOR, opportunity_id=opportunity_id, stage=stage)

    changes = events_since(hub, before)
    assert [type(e) for e in changes] == [Opportunity.StageChanged] * 3
    assert [(e.stage, e.probability) for e in changes] == [
        ("proposal", Decimal("0.50")), ("negotiation", Decimal("0.80")),
        ("proposal", Decimal("0.50"))]
    assert hub.load(Opportunity, opportunity_id).stage == "proposal"


@pytest.mark.parametrize(("stage", "error"), [
    ("proposal", InvalidTransitionError),       # the stage it is in
    ("prospecting", InvalidTransitionError),    # two stages back
    ("won", InvalidValueError),                 # only by closing
    ("signed", InvalidValueError),              # no such stage
])
def test_an_opportunity_refuses_an_illegal_move(
    hub: Hub, stage: str, error: type[Exception],
) -> None:
    opportunity_id = an_opportunity(hub, stage="proposal")
    with records_nothing(hub), pytest.raises(error):
        hub.advance_opportunity(actor=ACTOR, opportunity_id=opportunity_id, stage=stage)


def test_details_of_an_open_opportunity_are_updated(hub: Hub) -> None:
    opportunity_id = an_opportunity(hub)
    before = hub.position()

    hub.update_opportunity(actor=ACTOR, opportunity_id=opportunity_id, amount="15000",
                           expected_close_date=(NEXT_MONTH + timedelta(days=7)).isoformat(),
                           name="Globex fleet renewal")

    (updated,) = events_since(hub, before)
    assert isinstance(updated, Opportunity.Updated)
    assert (updated.amount, updated.expected_close_date) == (
        Decimal("15000.00"), NEXT_MONTH + timedelta(days=7))
    assert (updated.name, updated.owner, updated.customer_id) == (
        None, None, hub.load(Opportunity, opportunity_id).customer_id)
    with records_nothing(hub):  # nothing changes: nothing to record
        hub.update_opportunity(actor=ACTOR, opportunity_id=opportunity_id, amount="15000.00")
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        hub.update_opportunity(actor=ACTOR, opportunity_id=opportunity_id, amount="-5")
    assert error.value.field == "amount"
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        hub.update_opportunity(actor=ACTOR, opportunity_id=opportunity_id,
                               expected_close_date=TODAY - timedelta(days=1))
    assert error.value.field == "expectedCloseDate"


def test_an_overdue_opportunity_is_updated_with_its_close_date_sent_back_unchanged(
    hub: Hub,
) -> None:
    overdue = TODAY - timedelta(days=3)
    opportunity_id = an_opportunity(hub, expected_close_date=overdue,
                                    occurred_at=datetime.now(UTC) - timedelta(days=10))

    hub.update_opportunity(actor=ACTOR, opportunity_id=opportunity_id, amount="9000",
                           expected_close_date=overdue)

    opportunity = hub.load(Opportunity, opportunity_id)
    assert (opportunity.amount, opportunity.expected_close_date) == (Decimal("9000.00"), overdue)


def test_a_won_opportunity_is_closed_for_good(hub: Hub) -> None:
    opportunity_id = an_opportunity(hub, stage="negotiation")
    before = hub.position()

    hub.close_opportunity(actor=ACTOR, opportunity_id=opportunity_id, outcome="won")

    (closed,) = events_since(hub, before)
    assert isinstance(closed, Opportunity.Closed)
    assert (closed.outcome, closed.probability, closed.reason) == ("won", Decimal("1.00"), None)
    with records_nothing(hub):
        for attempt in (
            lambda: hub.close_opportunity(actor=ACTOR, opportunity_id=opportunity_id,
                                          outcome="lost", reason="too late"),
            lambda: hub.advance_opportunity(actor=ACTOR, opportunity_id=opportunity_id,
                                            stage="negotiation"),
            lambda: hub.update_opportunity(actor=ACTOR, opportunity_id=opportunity_id,
                                           amount="1"),
            lambda: a_quote(hub, opportunity_id),
        ):
            with pytest.raises(InvalidTransitionError):
                attempt()


def test_losing_an_opportunity_needs_a_reason_and_a_lost_one_cannot_be_won(hub: Hub) -> None:
    opportunity_id = an_opportunity(hub)
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        hub.close_opportunity(actor=ACTOR, opportunity_id=opportunity_id, outcome="lost")
    assert error.value.field == "reason"

    hub.close_opportunity(actor=ACTOR, opportunity_id=opportunity_id, outcome="lost",
                          reason="price too high")

    lost = hub.load(Opportunity, opportunity_id)
    assert (lost.stage, lost.probability, lost.close_reason) == (
        "lost", Decimal("0.00"), "price too high")
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.close_opportunity(actor=ACTOR, opportunity_id=opportunity_id, outcome="won")


@pytest.mark.parametrize("outcome", ["proposal", "abandoned"])
def test_an_opportunity_closes_only_as_won_or_lost(hub: Hub, outcome: str) -> None:
    opportunity_id = an_opportunity(hub)
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        hub.close_opportunity(actor=ACTOR, opportunity_id=opportunity_id, outcome=outcome,
                              reason="whatever")
    assert error.value.field == "outcome"


def test_commands_on_an_unknown_or_changed_opportunity_are_refused(hub: Hub) -> None:
    opportunity_id = an_opportunity(hub)
    unknown = uuid4()
    with records_nothing(hub):
        for attempt in (
            lambda: hub.advance_opportunity(actor=ACTOR, opportunity_id=unknown, stage="proposal"),
            lambda: hub.update_opportunity(actor=ACTOR, opportunity_id=unknown, amount="1"),
            lambda: hub.close_opportunity(actor=ACTOR, opportunity_id=unknown, outcome="won"),
            lambda: a_quote(hub, unknown),
        ):
            with pytest.raises(NotFoundError):
                attempt()
        with pytest.raises(ConcurrencyError):
            hub.advance_opportunity(actor=ACTOR, opportunity_id=opportunity_id,
                                    stage="proposal", expected_version=2)


# -- quotes --------------------------------------------------------------------------


def test_an_issued_quote_computes_its_totals_in_the_opportunitys_currency(hub: Hub) -> None:
    opportunity_id = an_opportunity(hub)
    before = hub.position()

    quote_id = a_quote(hub, opportunity_id)

    quote = hub.load(Quote, quote_id)
    assert (quote.status, quote.currency, quote.opportunity_id) == ("issued", "EUR", opportunity_id)
    assert quote.customer_id == hub.load(Opportunity, opportunity_id).customer_id
    assert [(line["quantity"], line["discount_percent"], line["total"]) for line in quote.lines] == [
        (Decimal(3), Decimal("10.00"), Decimal("270.00")),
        (Decimal("2.5"), Decimal("0.00"), Decimal("49.98")),
    ]
    assert quote.total == Decimal("319.98")
    assert quote.valid_until == TODAY + timedelta(days=14)
    (issued,) = events_since(hub, before)
    assert isinstance(issued, Quote.Issued) and issued.actor == ACTOR
    assert hub.load(Opportunity, opportunity_id).stage == "prospecting"


@pytest.mark.parametrize(("line", "field"), [
    ({"quantity": 0}, "lines[1].quantity"),
    ({"quantity": -2}, "lines[1].quantity"),
    ({"quantity": 1.5}, "lines[1].quantity"),
    ({"quantity": "a few"}, "lines[1].quantity"),
    ({"unit_price": "-5"}, "lines[1].unitPrice"),
    ({"discount_percent": "100.5"}, "lines[1].discountPercent"),
    ({"discount_percent": -1}, "lines[1].discountPercent"),
    ({"sku": " "}, "lines[1].sku"),
])
def test_a_quote_with_a_bad_line_is_refused(hub: Hub, line: dict[str, Any], field: str) -> None:
    opportunity_id = an_opportunity(hub)
    bad = QuoteLineDraft(**{"sku": "X-1", "quantity": 1, "unit_price": "10", **line})
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        a_quote(hub, opportunity_id, lines=[LINES[0], bad])
    assert error.value.field == field


@pytest.mark.parametrize(("details", "field"), [
    ({"lines": []}, "lines"),
    ({"currency": "eur"}, "currency"),
    ({"currency": "USD"}, "currency"),  # not the opportunity's currency
    ({"valid_until": TODAY - timedelta(days=1)}, "validUntil"),
])
def test_a_quote_with_bad_terms_is_refused(hub: Hub, details: dict[str, Any], field: str) -> None:
    opportunity_id = an_opportunity(hub)
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        a_quote(hub, opportunity_id, **details)
    assert error.value.field == field


def test_an_accepted_quote_leaves_its_opportunity_alone_and_is_final(hub: Hub) -> None:
    opportunity_id = an_opportunity(hub)
    quote_id = a_quote(hub, opportunity_id)
    opportunity_version = hub.load(Opportunity, opportunity_id).version
    before = hub.position()

    hub.accept_quote(actor="user:carol", quote_id=quote_id)

    (accepted,) = events_since(hub, before)
    assert isinstance(accepted, Quote.Accepted) and accepted.actor == "user:carol"
    assert hub.load(Quote, quote_id).status == "accepted"
    assert hub.load(Opportunity, opportunity_id).version == opportunity_version
    with records_nothing(hub):
        with pytest.raises(InvalidTransitionError):
            hub.accept_quote(actor=ACTOR, quote_id=quote_id)
        with pytest.raises(InvalidTransitionError):
            hub.reject_quote(actor=ACTOR, quote_id=quote_id, reason="second thoughts")


def test_a_rejected_quote_records_the_reason_and_is_final(hub: Hub) -> None:
    quote_id = a_quote(hub)
    with records_nothing(hub), pytest.raises(InvalidValueError) as error:
        hub.reject_quote(actor=ACTOR, quote_id=quote_id, reason="")
    assert error.value.field == "reason"
    before = hub.position()

    hub.reject_quote(actor=ACTOR, quote_id=quote_id, reason="over budget")

    (rejected,) = events_since(hub, before)
    assert isinstance(rejected, Quote.Rejected)
    assert (rejected.reason, rejected.customer_id) == (
        "over budget", hub.load(Quote, quote_id).customer_id)
    with records_nothing(hub):
        with pytest.raises(InvalidTransitionError):
            hub.accept_quote(actor=ACTOR, quote_id=quote_id)
        with pytest.raises(InvalidTransitionError):
            hub.expire_quote(actor=ACTOR, quote_id=quote_id)


def test_a_quote_past_its_last_valid_day_expires_and_cannot_be_accepted(hub: Hub) -> None:
    three_weeks_ago = datetime.now(UTC) - timedelta(days=21)
    opportunity_id = an_opportunity(hub, occurred_at=three_weeks_ago)
    quote_id = a_quote(hub, opportunity_id, valid_until=TODAY - timedelta(days=7),
                       occurred_at=three_weeks_ago)

    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.accept_quote(actor=ACTOR, quote_id=quote_id)
    hub.expire_quote(actor="system:scheduler", quote_id=quote_id)

    expired = hub.load(Quote, quote_id)
    assert expired.status == "expired"
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.reject_quote(actor=ACTOR, quote_id=quote_id, reason="too late anyway")


def test_a_quote_does_not_expire_while_still_valid(hub: Hub) -> None:
    quote_id = a_quote(hub, valid_until=TODAY)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.expire_quote(actor=ACTOR, quote_id=quote_id)
    hub.accept_quote(actor=ACTOR, quote_id=quote_id)  # still valid on its last day


def test_commands_on_an_unknown_or_changed_quote_are_refused(hub: Hub) -> None:
    quote_id = a_quote(hub)
    with records_nothing(hub):
        for attempt in (
            lambda: hub.accept_quote(actor=ACTOR, quote_id=uuid4()),
            lambda: hub.reject_quote(actor=ACTOR, quote_id=uuid4(), reason="no"),
            lambda: hub.expire_quote(actor=ACTOR, quote_id=uuid4()),
        ):
            with pytest.raises(NotFoundError):
                attempt()
        with pytest.raises(ConcurrencyError):
            hub.accept_quote(actor=ACTOR, quote_id=quote_id, expected_version=5)


# -- personal data -------------------------------------------------------------------


def test_every_sales_event_declares_its_personal_data_and_names_its_subject(hub: Hub) -> None:
    lead_id = a_qualified_lead(hub)
    hub.disqualify_lead(actor=ACTOR, lead_id=a_lead(hub), reason="no budget")
    converted = hub.convert_lead(actor=ACTOR, lead_id=lead_id, opportunity_name="Engines",
                                 amount="10", currency="EUR", expected_close_date=NEXT_MONTH)
    opportunity_id = converted.opportunity_id
    hub.update_opportunity(actor=ACTOR, opportunity_id=opportunity_id, name="Engines, phase 1")
    hub.advance_opportunity(actor=ACTOR, opportunity_id=opportunity_id, stage="proposal")
    hub.reject_quote(actor=ACTOR, quote_id=a_quote(hub, opportunity_id), reason="too dear")
    hub.accept_quote(actor=ACTOR, quote_id=a_quote(hub, opportunity_id))
    hub.close_opportunity(actor=ACTOR, opportunity_id=opportunity_id, outcome="lost",
                          reason="went quiet")

    sales_events = [e for e in events_since(hub, 0) if not isinstance(e, Customer.Event)]
    assert len({type(e) for e in sales_events}) == 11
    for recorded in sales_events:
        if type(recorded) in NO_PERSONAL_DATA:
            continue
        personal = PERSONAL_DATA[type(recorded)]
        subject = recorded.originator_id if isinstance(recorded, Lead.Event) else (
            converted.customer_id)
        assert getattr(recorded, personal.subject) == subject
        for name in personal.fields:
            assert hasattr(recorded, name), f"{type(recorded).__qualname__} has no {name}"
