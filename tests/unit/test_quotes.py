"""Sales: quotes issued and answered, and the personal data of sales events. Every refused
command must leave the log as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

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
from tests.unit.sales_stories import (
    ACTOR,
    LINES,
    NEXT_MONTH,
    TODAY,
    a_lead,
    a_qualified_lead,
    a_quote,
    an_opportunity,
)

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
