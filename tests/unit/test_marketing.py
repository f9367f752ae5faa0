"""Campaigns through their lifecycle, the messages they send, and customers' responses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4, uuid5

import pytest

from domain.commands.marketing import MAX_MESSAGES_BATCH
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

MARKETER = "marketer-1"
TODAY = datetime.now(UTC).date()


def new_campaign(hub: Hub, **changes: Any) -> UUID:
    arguments = {"name": "Spring sale", "channel": "email", "budget": "1500",
                 "currency": "EUR", "starts_on": TODAY - timedelta(days=1),
                 "ends_on": TODAY + timedelta(days=30), **changes}
    return hub.create_campaign(actor=MARKETER, **arguments)


def register(hub: Hub, name: str) -> UUID:
    return hub.register_customer(actor="clerk", kind="person", profile={"given_name": name})


@pytest.fixture
def customers(hub: Hub) -> list[UUID]:
    return [register(hub, name) for name in ("Ada", "Bob", "Cyd")]


@pytest.fixture
def campaign_id(hub: Hub) -> UUID:
    campaign_id = new_campaign(hub)
    hub.launch_campaign(actor=MARKETER, campaign_id=campaign_id)
    return campaign_id


@pytest.fixture
def sent_to(hub: Hub, campaign_id: UUID, customers: list[UUID]) -> UUID:
    """A customer to whom the launched campaign has sent its message."""
    hub.send_campaign_message(actor=MARKETER, campaign_id=campaign_id, customer_id=customers[0])
    return customers[0]


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


# -- messages -------------------------------------------------------------------------


def test_sending_a_message_records_it_under_an_id_derived_from_campaign_and_customer(
    hub: Hub, campaign_id: UUID, customers: list[UUID]
) -> None:
    start = hub.position()
    message_id = hub.send_campaign_message(actor=MARKETER, campaign_id=campaign_id,
                                           customer_id=str(customers[0]))

    assert message_id == uuid5(campaign_id, str(customers[0]))
    assert message_id == CampaignMessage.create_id(campaign_id, customers[0])
    (event,) = events_since(hub, start)
    assert isinstance(event, CampaignMessage.Sent)
    assert (event.originator_id, event.actor) == (message_id, MARKETER)
    assert (event.campaign_id, event.customer_id, event.channel) == (
        campaign_id, customers[0], "email")
    message = hub.load(CampaignMessage, message_id)
    assert message.response_counts == {} and not message.unsubscribed


def test_a_customer_gets_a_campaign_message_only_once(
    hub: Hub, campaign_id: UUID, sent_to: UUID
) -> None:
    with records_nothing(hub), pytest.raises(InvalidTransitionError) as raised:
        hub.send_campaign_message(actor=MARKETER, campaign_id=campaign_id, customer_id=sent_to)
    assert "already sent" in raised.value.message


def test_only_a_launched_campaign_within_its_period_sends(
    hub: Hub, customers: list[UUID]
) -> None:
    draft_id = new_campaign(hub)
    later_id = new_campaign(hub, starts_on=TODAY + timedelta(days=3),
                            ends_on=TODAY + timedelta(days=9))
    hub.launch_campaign(actor=MARKETER, campaign_id=later_id)
    done_id = new_campaign(hub)
    hub.launch_campaign(actor=MARKETER, campaign_id=done_id)
    hub.complete_campaign(actor=MARKETER, campaign_id=done_id)
    for campaign_id in (draft_id, later_id, done_id):
        with records_nothing(hub), pytest.raises(InvalidTransitionError):
            hub.send_campaign_message(actor=MARKETER, campaign_id=campaign_id,
                                      customer_id=customers[0])
        with records_nothing(hub), pytest.raises(InvalidTransitionError):
            hub.send_campaign_messages(actor=MARKETER, campaign_id=campaign_id,
                                       customer_ids=customers)


def test_a_message_to_an_unknown_customer_is_refused(hub: Hub, campaign_id: UUID) -> None:
    for unknown in (uuid4(), campaign_id):  # nobody, and an id of another kind
        with records_nothing(hub), pytest.raises(NotFoundError) as raised:
            hub.send_campaign_message(actor=MARKETER, campaign_id=campaign_id,
                                      customer_id=unknown)
        assert raised.value.kind == "customer"
    with records_nothing(hub), pytest.raises(InvalidValueError) as bad_id:
        hub.send_campaign_message(actor=MARKETER, campaign_id=campaign_id, customer_id="x")
    assert bad_id.value.field == "customerId"


def test_a_batch_sends_every_message_in_one_go(
    hub: Hub, campaign_id: UUID, customers: list[UUID]
) -> None:
    start = hub.position()
    ids = hub.send_campaign_messages(actor=MARKETER, campaign_id=campaign_id,
                                     customer_ids=customers)

    assert ids == [CampaignMessage.create_id(campaign_id, c) for c in customers]
    events = events_since(hub, start)
    assert [type(e) for e in events] == [CampaignMessage.Sent] * 3
    assert [e.customer_id for e in events] == customers
    assert {e.actor for e in events} == {MARKETER}


@pytest.mark.parametrize(("batch", "field"), [
    (lambda customers: [], "customerIds"),
    (lambda customers: [customers[0], customers[1], customers[0]], "customerIds[2]"),
    (lambda customers: [customers[0], "nonsense"], "customerIds[1]"),
    (lambda customers: [customers[0]] * (MAX_MESSAGES_BATCH + 1), "customerIds"),
], ids=["empty", "duplicate", "bad id", "too many"])
def test_a_bad_batch_names_the_entry_and_records_nothing(
    hub: Hub, campaign_id: UUID, customers: list[UUID],
    batch: Callable[[list[UUID]], list[Any]], field: str,
) -> None:
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        hub.send_campaign_messages(actor=MARKETER, campaign_id=campaign_id,
                                   customer_ids=batch(customers))
    assert raised.value.field == field


def test_a_batch_with_one_unknown_or_already_served_customer_records_nothing(
    hub: Hub, campaign_id: UUID, customers: list[UUID], sent_to: UUID
) -> None:
    fresh = customers[1:]
    with records_nothing(hub), pytest.raises(NotFoundError) as raised:
        hub.send_campaign_messages(actor=MARKETER, campaign_id=campaign_id,
                                   customer_ids=[*fresh, uuid4()])
    assert raised.value.kind == "customer"
    assert "customerIds[2]" in raised.value.message
    with records_nothing(hub), pytest.raises(InvalidTransitionError) as already:
        hub.send_campaign_messages(actor=MARKETER, campaign_id=campaign_id,
                                   customer_ids=[*fresh, sent_to])
    assert "customerIds[2]" in already.value.message
    hub.send_campaign_messages(actor=MARKETER, campaign_id=campaign_id, customer_ids=fresh)


# -- responses ------------------------------------------------------------------------


def respond(hub: Hub, campaign_id: UUID, customer_id: UUID, response: str, **kw: Any) -> int:
    return hub.record_campaign_response(actor="tracker", campaign_id=campaign_id,
                                        customer_id=customer_id, response=response, **kw)


def test_responses_are_recorded_on_the_message(
    hub: Hub, campaign_id: UUID, sent_to: UUID
) -> None:
    start = hub.position()
    for response in ("delivered", "opened", "opened", "clicked", "clicked", "opened"):
        respond(hub, campaign_id, sent_to, response)
    respond(hub, campaign_id, sent_to, "converted", value="49.90")

    events = events_since(hub, start)
    assert {type(e) for e in events} == {CampaignMessage.ResponseRecorded}
    delivered, converted = events[0], events[-1]
    assert (delivered.campaign_id, delivered.customer_id, delivered.actor) == (
        campaign_id, sent_to, "tracker")
    assert (delivered.response, delivered.value, delivered.currency) == (
        "delivered", None, None)
    assert (converted.response, converted.value, converted.currency) == (
        "converted", Decimal("49.90"), "EUR")
    message = hub.load(CampaignMessage, CampaignMessage.create_id(campaign_id, sent_to))
    assert message.response_counts == {"delivered": 1, "opened": 3, "clicked": 2,
                                       "converted": 1}
    assert message.converted_value == Decimal("49.90")


def test_no_order_is_imposed_between_delivery_opening_and_conversion(
    hub: Hub, campaign_id: UUID, sent_to: UUID
) -> None:
    respond(hub, campaign_id, sent_to, "converted")
    respond(hub, campaign_id, sent_to, "opened")
    respond(hub, campaign_id, sent_to, "delivered")


@pytest.mark.parametrize("response", ["delivered", "converted", "unsubscribed"])
def test_some_responses_happen_only_once(
    hub: Hub, campaign_id: UUID, sent_to: UUID, response: str
) -> None:
    respond(hub, campaign_id, sent_to, response)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        respond(hub, campaign_id, sent_to, response)


@pytest.mark.parametrize("response", ["delivered", "opened", "clicked", "converted"])
def test_nothing_is_recorded_after_unsubscribing(
    hub: Hub, campaign_id: UUID, sent_to: UUID, response: str
) -> None:
    respond(hub, campaign_id, sent_to, "unsubscribed")
    with records_nothing(hub), pytest.raises(InvalidTransitionError) as raised:
        respond(hub, campaign_id, sent_to, response)
    assert "unsubscribed" in raised.value.message
    assert hub.load(CampaignMessage,
                    CampaignMessage.create_id(campaign_id, sent_to)).unsubscribed


@pytest.mark.parametrize(("response", "value", "field"), [
    ("bounced", None, "response"),
    ("clicked", "10.00", "value"),
    ("converted", "-5", "value"),
    ("converted", 9.99, "value"),
])
def test_a_bad_response_names_the_field_and_records_nothing(
    hub: Hub, campaign_id: UUID, sent_to: UUID, response: str, value: Any, field: str
) -> None:
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        respond(hub, campaign_id, sent_to, response, value=value)
    assert raised.value.field == field


def test_a_response_needs_a_message_that_was_sent(
    hub: Hub, campaign_id: UUID, customers: list[UUID], sent_to: UUID
) -> None:
    with records_nothing(hub), pytest.raises(NotFoundError) as raised:
        respond(hub, campaign_id, customers[1], "opened")
    assert raised.value.kind == "campaign message"
    with records_nothing(hub), pytest.raises(NotFoundError) as unknown:
        respond(hub, campaign_id, uuid4(), "opened")
    assert unknown.value.kind == "customer"
    other = new_campaign(hub)
    with records_nothing(hub), pytest.raises(NotFoundError) as elsewhere:
        respond(hub, other, sent_to, "opened")
    assert elsewhere.value.kind == "campaign message"


def test_responses_still_arrive_after_the_campaign_ends(
    hub: Hub, campaign_id: UUID, sent_to: UUID
) -> None:
    hub.complete_campaign(actor=MARKETER, campaign_id=campaign_id)
    respond(hub, campaign_id, sent_to, "converted", value=120)
    message = hub.load(CampaignMessage, CampaignMessage.create_id(campaign_id, sent_to))
    assert message.converted_value == Decimal("120.00")


def test_a_response_checks_the_expected_version_of_the_message(
    hub: Hub, campaign_id: UUID, sent_to: UUID
) -> None:
    respond(hub, campaign_id, sent_to, "delivered", expected_version=1)
    with records_nothing(hub), pytest.raises(ConcurrencyError):
        respond(hub, campaign_id, sent_to, "opened", expected_version=1)


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
