"""Sales: opportunities through the pipeline. Every refused command must leave the log
as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import (
    ConcurrencyError,
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
)
from domain.hub import Hub
from domain.sales import Opportunity
from tests.stories import events_since, records_nothing
from tests.unit.sales_stories import ACTOR, NEXT_MONTH, TODAY, a_customer, a_quote, an_opportunity

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
