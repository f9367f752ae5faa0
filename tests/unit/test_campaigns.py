"""Campaigns through their lifecycle; unknown campaigns, concurrency, personal data."""


from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    ConcurrencyError,
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
)
from domain.hub import Hub
from domain.marketing import Campaign, CampaignMessage
from domain.personal_data import NO_PERSONAL_DATA, PERSONAL_DATA
from tests.stories import events_since, records_nothing
from tests.unit.marketing_stories import MARKETER, TODAY, new_campaign, respond

# -- campaigns -------------------------------------------------------------------------


def test_creating_a_campaign_records_a_draft(hub: Hub) -> None:
    start = hub.position()
    campaign_id = hub.create_campaign(
        actor=MARKETER, name=" Spring sale ", channel="sms", budget="1500.5", currency="EUR",
        starts_on="2025-03-01", ends_on=date(2025, 3, 31), purpose="Clear winter stock",
        description="Ten percent off everything",
    )

    (event,) = events_since(hub, start)
    assert isinstance(event, Campaign.Created)
    assert (event.originator_id, event.actor) == (campaign_id, MARKETER)
    assert (event.name, event.channel) == ("Spring sale", "sms")
    assert (event.budget, event.currency) == (Decimal("1500.50"), "EUR")
    assert (event.starts_on, event.ends_on) == (date(2025, 3, 1), date(2025, 3, 31))
    assert (event.purpose, event.description) == ("Clear winter stock",
                                                  "Ten percent off everything")
    campaign = hub.load(Campaign, campaign_id)
    assert campaign.status == "draft"
    assert campaign.budget == Decimal("1500.50")


def test_a_campaign_may_run_one_day_on_no_budget(hub: Hub) -> None:
    campaign_id = new_campaign(hub, budget=0, starts_on=TODAY, ends_on=TODAY)
    campaign = hub.load(Campaign, campaign_id)
    assert (campaign.budget, campaign.starts_on, campaign.ends_on) == (Decimal("0.00"), TODAY,
                                                                       TODAY)
    assert campaign.purpose is None and campaign.description is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": "  "}, "name"),
    ({"channel": "carrier-pigeon"}, "channel"),
    ({"budget": "-1"}, "budget"),
    ({"budget": 10.5}, "budget"),
    ({"budget": "10.505"}, "budget"),
    ({"budget": "lots"}, "budget"),
    ({"currency": "eur"}, "currency"),
    ({"starts_on": "31/03/2025"}, "startsOn"),
    ({"starts_on": datetime(2025, 3, 1, tzinfo=UTC)}, "startsOn"),
    ({"ends_on": "tomorrow"}, "endsOn"),
    ({"starts_on": date(2025, 4, 1), "ends_on": date(2025, 3, 31)}, "endsOn"),
    ({"description": "x" * 4001}, "description"),
])
def test_a_bad_campaign_names_the_field_and_records_nothing(
    hub: Hub, changes: dict[str, Any], field: str
) -> None:
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        new_campaign(hub, **changes)
    assert raised.value.field == field


def test_a_campaign_is_launched_then_completed(hub: Hub) -> None:
    campaign_id = new_campaign(hub)
    start = hub.position()
    hub.launch_campaign(actor=MARKETER, campaign_id=campaign_id)
    hub.complete_campaign(actor="manager", campaign_id=campaign_id)

    launched, completed = events_since(hub, start)
    assert isinstance(launched, Campaign.Launched) and launched.actor == MARKETER
    assert isinstance(completed, Campaign.Completed) and completed.actor == "manager"
    assert hub.load(Campaign, campaign_id).status == "completed"


def test_a_campaign_is_launched_once_and_completed_once(hub: Hub, campaign_id: UUID) -> None:
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.launch_campaign(actor=MARKETER, campaign_id=campaign_id)
    hub.complete_campaign(actor=MARKETER, campaign_id=campaign_id)
    for command in (hub.complete_campaign, hub.launch_campaign):
        with records_nothing(hub), pytest.raises(InvalidTransitionError):
            command(actor=MARKETER, campaign_id=campaign_id)


def test_a_draft_cannot_be_completed(hub: Hub) -> None:
    campaign_id = new_campaign(hub)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.complete_campaign(actor=MARKETER, campaign_id=campaign_id)


def test_a_campaign_whose_period_is_over_cannot_be_launched_now(hub: Hub) -> None:
    campaign_id = new_campaign(hub, starts_on=date(2024, 1, 1), ends_on=date(2024, 1, 31))
    with records_nothing(hub), pytest.raises(InvalidTransitionError) as raised:
        hub.launch_campaign(actor=MARKETER, campaign_id=campaign_id)
    assert "ended on 2024-01-31" in raised.value.message


def test_a_past_launch_can_be_recorded_with_its_business_time(hub: Hub) -> None:
    ends = TODAY - timedelta(days=2)
    campaign_id = new_campaign(hub, starts_on=ends - timedelta(days=10), ends_on=ends)
    launched_at = datetime.combine(ends - timedelta(days=10), datetime.min.time(), UTC)
    hub.launch_campaign(actor=MARKETER, campaign_id=campaign_id, occurred_at=launched_at)
    assert hub.load(Campaign, campaign_id).status == "launched"


def test_draft_and_launched_campaigns_can_be_cancelled(hub: Hub, campaign_id: UUID) -> None:
    draft_id = new_campaign(hub)
    start = hub.position()
    hub.cancel_campaign(actor=MARKETER, campaign_id=draft_id, reason="Budget cut")
    hub.cancel_campaign(actor=MARKETER, campaign_id=campaign_id)

    draft, launched = events_since(hub, start)
    assert isinstance(draft, Campaign.Cancelled)
    assert (draft.originator_id, draft.reason) == (draft_id, "Budget cut")
    assert (launched.originator_id, launched.reason) == (campaign_id, None)
    for cancelled in (draft_id, campaign_id):
        assert hub.load(Campaign, cancelled).status == "cancelled"
        for command in (hub.cancel_campaign, hub.launch_campaign, hub.complete_campaign):
            with records_nothing(hub), pytest.raises(InvalidTransitionError):
                command(actor=MARKETER, campaign_id=cancelled)


def test_a_completed_campaign_cannot_be_cancelled(hub: Hub, campaign_id: UUID) -> None:
    hub.complete_campaign(actor=MARKETER, campaign_id=campaign_id)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.cancel_campaign(actor=MARKETER, campaign_id=campaign_id, reason="too late")
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        hub.cancel_campaign(actor=MARKETER, campaign_id=campaign_id, reason="x" * 501)
    assert raised.value.field == "reason"


# -- unknown campaigns, concurrency, personal data ----------------------------------------


CAMPAIGN_COMMANDS: dict[str, Callable[..., Any]] = {
    "launch": lambda hub, **kw: hub.launch_campaign(**kw),
    "complete": lambda hub, **kw: hub.complete_campaign(**kw),
    "cancel": lambda hub, **kw: hub.cancel_campaign(**kw),
}


@pytest.mark.parametrize("name", CAMPAIGN_COMMANDS)
def test_lifecycle_commands_check_the_expected_version(hub: Hub, name: str) -> None:
    campaign_id = new_campaign(hub)
    with records_nothing(hub), pytest.raises(ConcurrencyError):
        CAMPAIGN_COMMANDS[name](hub, actor=MARKETER, campaign_id=campaign_id,
                                expected_version=2)


def test_every_marketing_command_refuses_an_unknown_campaign(
    hub: Hub, customers: list[UUID]
) -> None:
    commands: list[Callable[[UUID], Any]] = [
        *(lambda c, f=f: f(hub, actor=MARKETER, campaign_id=c)
          for f in CAMPAIGN_COMMANDS.values()),
        lambda c: hub.send_campaign_message(actor=MARKETER, campaign_id=c,
                                            customer_id=customers[0]),
        lambda c: hub.send_campaign_messages(actor=MARKETER, campaign_id=c,
                                             customer_ids=customers),
        lambda c: respond(hub, c, customers[0], "opened"),
    ]
    for command in commands:
        for unknown in (uuid4(), customers[0]):  # nobody, and a customer's id
            with records_nothing(hub), pytest.raises(NotFoundError) as raised:
                command(unknown)
            assert raised.value.kind == "campaign"


def test_marketing_events_carry_no_personal_data(
    hub: Hub, campaign_id: UUID, sent_to: UUID
) -> None:
    respond(hub, campaign_id, sent_to, "converted", value="5")
    hub.complete_campaign(actor=MARKETER, campaign_id=campaign_id)
    cancelled = new_campaign(hub)
    hub.cancel_campaign(actor=MARKETER, campaign_id=cancelled, reason="duplicate")
    kinds = {Campaign.Created, Campaign.Launched, Campaign.Completed, Campaign.Cancelled,
             CampaignMessage.Sent, CampaignMessage.ResponseRecorded}
    assert kinds <= NO_PERSONAL_DATA
    assert not kinds & set(PERSONAL_DATA)
    assert {type(e) for e in events_since(hub, 0)} >= kinds
