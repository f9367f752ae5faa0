"""The messages campaigns send, and customers' responses."""


from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
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
from domain.marketing import CampaignMessage
from tests.stories import events_since, records_nothing
from tests.unit.marketing_stories import MARKETER, TODAY, new_campaign, respond

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
