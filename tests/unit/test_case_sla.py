"""Service cases: opening with an SLA, and priority changes that move the due time."""


from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
)
from domain.hub import Hub
from domain.service import Case
from tests.stories import events_since, records_nothing
from tests.unit.service_stories import AGENT, hours_ago, resolved_case

# -- opening ------------------------------------------------------------------------


def test_opening_a_case_records_who_what_and_the_sla_due_time(hub: Hub, customer: UUID) -> None:
    opened = hours_ago(2)
    start = hub.position()

    case_id = hub.open_case(actor=AGENT, customer_id=str(customer), channel="email",
                            case_type="complaint", subject="  Late delivery ",
                            description="Parcel two weeks late", priority="high",
                            occurred_at=opened)

    (event,) = events_since(hub, start)
    assert isinstance(event, Case.Opened)
    assert event.originator_id == case_id
    assert event.actor == AGENT
    assert event.occurred_at == opened
    assert event.customer_id == customer
    assert (event.channel, event.case_type, event.priority) == ("email", "complaint", "high")
    assert (event.subject, event.description) == ("Late delivery", "Parcel two weeks late")
    assert event.due_at == opened + timedelta(hours=8)
    case = hub.load(Case, case_id)
    assert case.status == "open"
    assert case.opened_at == opened
    assert case.due_at == opened + timedelta(hours=8)
    assert case.assignee is None and case.escalation_level == 0


@pytest.mark.parametrize(("priority", "hours"),
                         [("urgent", 4), ("high", 8), ("normal", 24), ("low", 72)])
def test_the_sla_due_time_follows_the_priority(
    hub: Hub, customer: UUID, priority: str, hours: int
) -> None:
    opened = hours_ago(1)
    case_id = hub.open_case(actor=AGENT, customer_id=customer, channel="web",
                            case_type="question", subject="How do I reset?",
                            priority=priority, occurred_at=opened)
    assert hub.load(Case, case_id).due_at == opened + timedelta(hours=hours)


def test_a_case_opened_now_is_due_a_day_from_now_by_default(hub: Hub, customer: UUID) -> None:
    before = datetime.now(UTC)
    case_id = hub.open_case(actor=AGENT, customer_id=customer, channel="chat",
                            case_type="request", subject="Change my plan")
    case = hub.load(Case, case_id)
    assert case.priority == "normal"
    assert before + timedelta(hours=24) <= case.due_at <= datetime.now(UTC) + timedelta(hours=24)
    assert case.description is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"channel": "pigeon"}, "channel"),
    ({"case_type": "gossip"}, "caseType"),
    ({"priority": "critical"}, "priority"),
    ({"subject": "   "}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"description": "x" * 4001}, "description"),
    ({"customer_id": "not-an-id"}, "customerId"),
])
def test_opening_with_a_bad_value_names_the_field_and_records_nothing(
    hub: Hub, customer: UUID, changes: dict[str, Any], field: str
) -> None:
    arguments = {"customer_id": customer, "channel": "phone", "case_type": "billing",
                 "subject": "Double charge", **changes}
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        hub.open_case(actor=AGENT, **arguments)
    assert raised.value.field == field


def test_a_case_for_an_unknown_customer_is_refused(hub: Hub, case_id: UUID) -> None:
    for unknown in (uuid4(), case_id):  # nobody, and an id of another kind
        with records_nothing(hub), pytest.raises(NotFoundError) as raised:
            hub.open_case(actor=AGENT, customer_id=unknown, channel="phone",
                          case_type="question", subject="Hello")
        assert raised.value.kind == "customer"


# -- priority ---------------------------------------------------------------------------


def test_a_priority_change_recomputes_the_due_time_from_the_opening(
    hub: Hub, case_id: UUID, customer: UUID
) -> None:
    opened = hub.load(Case, case_id).opened_at
    start = hub.position()

    hub.change_case_priority(actor=AGENT, case_id=case_id, priority="urgent",
                             reason="Whole office offline")

    (event,) = events_since(hub, start)
    assert isinstance(event, Case.PriorityChanged)
    assert (event.priority, event.reason, event.customer_id) == (
        "urgent", "Whole office offline", customer)
    assert event.due_at == opened + timedelta(hours=4)
    case = hub.load(Case, case_id)
    assert case.priority == "urgent"
    assert case.due_at == opened + timedelta(hours=4)
    assert case.due_at < datetime.now(UTC)  # opened 10 hours ago: already overdue


def test_the_same_priority_changes_nothing_and_a_bad_one_is_refused(
    hub: Hub, case_id: UUID
) -> None:
    with records_nothing(hub):
        hub.change_case_priority(actor=AGENT, case_id=case_id, priority="normal")
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        hub.change_case_priority(actor=AGENT, case_id=case_id, priority="asap")
    assert raised.value.field == "priority"


def test_the_priority_of_a_resolved_case_cannot_change(hub: Hub, case_id: UUID) -> None:
    resolved_case(hub, case_id)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.change_case_priority(actor=AGENT, case_id=case_id, priority="high")
