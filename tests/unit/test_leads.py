"""Sales: leads captured, qualified, disqualified and converted. Every refused command
must leave the log as it was.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from domain.customers import Customer
from domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
)
from domain.hub import Hub
from domain.sales import Lead, Opportunity
from tests.stories import events_since, records_nothing
from tests.unit.sales_stories import (
    ACTOR,
    NEXT_MONTH,
    TODAY,
    a_customer,
    a_lead,
    a_qualified_lead,
    an_opportunity,
)

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
