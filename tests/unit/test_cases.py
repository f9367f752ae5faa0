"""Service cases: handling, escalation, comments, resolution, closing, reopening."""


from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
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
from domain.personal_data import NO_PERSONAL_DATA, PERSONAL_DATA
from domain.service import MAX_ESCALATION_LEVEL, Case
from tests.stories import events_since, records_nothing
from tests.unit.service_stories import AGENT, closed_case, resolved_case

# -- assignment, escalation, comments -------------------------------------------------


def test_assigning_a_case_records_the_assignee_once(hub: Hub, case_id: UUID) -> None:
    start = hub.position()
    hub.assign_case(actor="lead-1", case_id=case_id, assignee="agent-9")

    (event,) = events_since(hub, start)
    assert isinstance(event, Case.Assigned)
    assert (event.assignee, event.actor) == ("agent-9", "lead-1")
    case = hub.load(Case, case_id)
    assert (case.status, case.assignee) == ("assigned", "agent-9")

    with records_nothing(hub):
        hub.assign_case(actor="lead-1", case_id=case_id, assignee="agent-9")
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        hub.assign_case(actor="lead-1", case_id=case_id, assignee=" ")
    assert raised.value.field == "assignee"


def test_escalation_raises_the_level_and_keeps_priority_and_due_time(
    hub: Hub, case_id: UUID, customer: UUID
) -> None:
    due = hub.load(Case, case_id).due_at
    start = hub.position()

    hub.escalate_case(actor=AGENT, case_id=case_id, reason="Customer threatens to leave")

    (event,) = events_since(hub, start)
    assert isinstance(event, Case.Escalated)
    assert (event.level, event.reason, event.customer_id) == (
        1, "Customer threatens to leave", customer)
    case = hub.load(Case, case_id)
    assert (case.status, case.escalation_level) == ("escalated", 1)
    assert (case.priority, case.due_at) == ("normal", due)


def test_escalation_stops_at_the_highest_level(hub: Hub, case_id: UUID) -> None:
    for level in range(1, MAX_ESCALATION_LEVEL + 1):
        hub.escalate_case(actor=AGENT, case_id=case_id, reason=f"tier {level}")
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.escalate_case(actor=AGENT, case_id=case_id, reason="once more")
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        hub.escalate_case(actor=AGENT, case_id=case_id, reason="")
    assert raised.value.field == "reason"


def test_assigning_an_escalated_case_keeps_it_escalated(hub: Hub, case_id: UUID) -> None:
    hub.escalate_case(actor=AGENT, case_id=case_id, reason="needs second line")
    hub.assign_case(actor=AGENT, case_id=case_id, assignee="expert-2")
    case = hub.load(Case, case_id)
    assert (case.status, case.assignee) == ("escalated", "expert-2")


def test_comments_record_author_text_and_visibility(
    hub: Hub, case_id: UUID, customer: UUID
) -> None:
    start = hub.position()
    hub.comment_case(actor="agent-3", case_id=case_id, text="Asked for the serial number",
                     internal=True)
    hub.comment_case(actor="agent-3", case_id=case_id, text="We are on it")

    internal, public = events_since(hub, start)
    assert isinstance(internal, Case.Commented)
    assert (internal.actor, internal.text, internal.internal) == (
        "agent-3", "Asked for the serial number", True)
    assert internal.customer_id == customer
    assert public.internal is False
    assert hub.load(Case, case_id).comment_count == 2


def test_a_resolved_case_takes_comments_but_a_closed_one_does_not(
    hub: Hub, case_id: UUID
) -> None:
    resolved_case(hub, case_id)
    hub.comment_case(actor=AGENT, case_id=case_id, text="Customer confirmed by phone")
    hub.close_case(actor=AGENT, case_id=case_id)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.comment_case(actor=AGENT, case_id=case_id, text="Too late")


@pytest.mark.parametrize(("text", "internal", "field"), [
    ("", False, "text"), ("x" * 4001, False, "text"), ("fine", "yes", "internal"),
])
def test_a_bad_comment_is_refused(
    hub: Hub, case_id: UUID, text: str, internal: Any, field: str
) -> None:
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        hub.comment_case(actor=AGENT, case_id=case_id, text=text, internal=internal)
    assert raised.value.field == field


# -- resolution, closing, reopening -------------------------------------------------------


def test_a_case_is_resolved_then_closed(hub: Hub, case_id: UUID, customer: UUID) -> None:
    start = hub.position()
    hub.resolve_case(actor=AGENT, case_id=case_id, resolution="Replaced the router")
    hub.close_case(actor="lead-1", case_id=case_id)

    resolved, closed = events_since(hub, start)
    assert isinstance(resolved, Case.Resolved)
    assert (resolved.resolution, resolved.customer_id) == ("Replaced the router", customer)
    assert isinstance(closed, Case.Closed)
    assert closed.actor == "lead-1"
    case = hub.load(Case, case_id)
    assert (case.status, case.resolution) == ("closed", "Replaced the router")


def test_resolving_needs_a_resolution_and_a_case_in_work(hub: Hub, case_id: UUID) -> None:
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        hub.resolve_case(actor=AGENT, case_id=case_id, resolution="  ")
    assert raised.value.field == "resolution"
    resolved_case(hub, case_id)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.resolve_case(actor=AGENT, case_id=case_id, resolution="again")
    hub.close_case(actor=AGENT, case_id=case_id)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.resolve_case(actor=AGENT, case_id=case_id, resolution="after closing")


def test_an_unresolved_case_cannot_be_closed(hub: Hub, case_id: UUID) -> None:
    hub.assign_case(actor=AGENT, case_id=case_id, assignee=AGENT)
    with records_nothing(hub), pytest.raises(InvalidTransitionError) as raised:
        hub.close_case(actor=AGENT, case_id=case_id)
    assert "resolve it before closing" in raised.value.message


def test_a_case_cannot_be_closed_twice(hub: Hub, case_id: UUID) -> None:
    closed_case(hub, case_id)
    with records_nothing(hub), pytest.raises(InvalidTransitionError) as raised:
        hub.close_case(actor=AGENT, case_id=case_id)
    assert "already closed" in raised.value.message


@pytest.mark.parametrize("command", [
    lambda hub, case_id: hub.assign_case(actor=AGENT, case_id=case_id, assignee="agent-2"),
    lambda hub, case_id: hub.escalate_case(actor=AGENT, case_id=case_id, reason="why"),
    lambda hub, case_id: hub.change_case_priority(actor=AGENT, case_id=case_id,
                                                  priority="low"),
], ids=["assign", "escalate", "change priority"])
def test_a_closed_case_can_be_neither_assigned_escalated_nor_reprioritised(
    hub: Hub, case_id: UUID, command: Callable[[Hub, UUID], int]
) -> None:
    closed_case(hub, case_id)
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        command(hub, case_id)


def test_reopening_a_resolved_case_returns_it_to_work(
    hub: Hub, case_id: UUID, customer: UUID
) -> None:
    hub.assign_case(actor=AGENT, case_id=case_id, assignee="agent-9")
    due = hub.load(Case, case_id).due_at
    resolved_case(hub, case_id)
    start = hub.position()

    hub.reopen_case(actor=AGENT, case_id=case_id, reason="Router failed again")

    (event,) = events_since(hub, start)
    assert isinstance(event, Case.Reopened)
    assert (event.reason, event.customer_id) == ("Router failed again", customer)
    case = hub.load(Case, case_id)
    assert (case.status, case.assignee, case.resolution) == ("assigned", "agent-9", None)
    assert (case.reopen_count, case.due_at) == (1, due)


def test_a_reopened_case_that_was_escalated_is_escalated_again(
    hub: Hub, case_id: UUID
) -> None:
    hub.escalate_case(actor=AGENT, case_id=case_id, reason="second line")
    closed_case(hub, case_id)
    hub.reopen_case(actor=AGENT, case_id=case_id, reason="came back")
    case = hub.load(Case, case_id)
    assert (case.status, case.escalation_level) == ("escalated", 1)
    resolved_case(hub, case_id)
    hub.close_case(actor=AGENT, case_id=case_id)
    assert hub.load(Case, case_id).status == "closed"


def test_only_a_resolved_or_closed_case_can_be_reopened(hub: Hub, case_id: UUID) -> None:
    with records_nothing(hub), pytest.raises(InvalidTransitionError):
        hub.reopen_case(actor=AGENT, case_id=case_id, reason="why not")
    closed_case(hub, case_id)
    with records_nothing(hub), pytest.raises(InvalidValueError) as raised:
        hub.reopen_case(actor=AGENT, case_id=case_id, reason="")
    assert raised.value.field == "reason"
    hub.reopen_case(actor=AGENT, case_id=case_id, reason="customer called back")
    assert hub.load(Case, case_id).status == "open"


# -- unknown cases, concurrency, personal data ----------------------------------------------


CASE_COMMANDS: dict[str, Callable[..., int]] = {
    "assign": lambda hub, **kw: hub.assign_case(assignee="a", **kw),
    "escalate": lambda hub, **kw: hub.escalate_case(reason="r", **kw),
    "comment": lambda hub, **kw: hub.comment_case(text="t", **kw),
    "change priority": lambda hub, **kw: hub.change_case_priority(priority="high", **kw),
    "resolve": lambda hub, **kw: hub.resolve_case(resolution="r", **kw),
    "close": lambda hub, **kw: hub.close_case(**kw),
    "reopen": lambda hub, **kw: hub.reopen_case(reason="r", **kw),
}


@pytest.mark.parametrize("name", CASE_COMMANDS)
def test_every_case_command_refuses_an_unknown_case(
    hub: Hub, customer: UUID, name: str
) -> None:
    for unknown in (uuid4(), customer):  # nobody, and a customer's id
        with records_nothing(hub), pytest.raises(NotFoundError) as raised:
            CASE_COMMANDS[name](hub, actor=AGENT, case_id=unknown)
        assert raised.value.kind == "case"


@pytest.mark.parametrize("name", CASE_COMMANDS)
def test_every_case_command_checks_the_expected_version(
    hub: Hub, case_id: UUID, name: str
) -> None:
    with records_nothing(hub), pytest.raises(ConcurrencyError):
        CASE_COMMANDS[name](hub, actor=AGENT, case_id=case_id, expected_version=7)


def test_every_case_event_is_classified_and_personal_ones_name_the_customer(
    hub: Hub, customer: UUID
) -> None:
    start = hub.position()
    case_id = hub.open_case(actor=AGENT, customer_id=customer, channel="store",
                            case_type="return", subject="Wrong size")
    hub.assign_case(actor=AGENT, case_id=case_id, assignee="agent-2", expected_version=1)
    hub.escalate_case(actor=AGENT, case_id=case_id, reason="tier 2")
    hub.comment_case(actor=AGENT, case_id=case_id, text="note", internal=True)
    hub.change_case_priority(actor=AGENT, case_id=case_id, priority="high")
    closed_case(hub, case_id)
    hub.reopen_case(actor=AGENT, case_id=case_id, reason="again")

    events = events_since(hub, start)
    assert len(events) == 8
    for event in events:
        kind = type(event)
        assert (kind in PERSONAL_DATA) != (kind in NO_PERSONAL_DATA), kind
        if kind in PERSONAL_DATA:
            assert getattr(event, PERSONAL_DATA[kind].subject) == customer


def test_a_long_case_keeps_its_opening_time_across_snapshots(hub: Hub, case_id: UUID) -> None:
    opened = hub.load(Case, case_id).opened_at
    for number in range(60):
        hub.comment_case(actor=AGENT, case_id=case_id, text=f"update {number}")
    hub.change_case_priority(actor=AGENT, case_id=case_id, priority="low")

    assert hub.snapshots is not None
    assert list(hub.snapshots.get(case_id))
    case = hub.load(Case, case_id)
    assert (case.opened_at, case.comment_count) == (opened, 60)
    assert case.due_at == opened + timedelta(hours=72)
