"""Stories shared by the service view tests.

The known answers come from one hand-made three days of service (Monday 6 to Wednesday
8 May 2024, UTC), told through the hub's commands with backdated business times; "now"
is Wednesday noon. SLA: urgent 4 h, high 8 h, normal 24 h, low 72 h after opening.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.hub import Hub
from domain.interactions import InteractionDraft
from projections.database import ViewDatabase
from projections.runner import ProjectionRunner
from projections.service import ServiceView

MONDAY = datetime(2024, 5, 6, tzinfo=UTC)
NOW = MONDAY + timedelta(days=2, hours=12)  # Wednesday noon


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Monday is day 0."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


@pytest.fixture
def runner(hub: Hub, views: ViewDatabase) -> ProjectionRunner:
    runner = ProjectionRunner(hub, views, [ServiceView()], page_size=2)
    runner.setup()
    return runner


def snapshot(views: ViewDatabase) -> dict[str, list[dict[str, Any]]]:
    return {table: sorted(views.query(f"SELECT * FROM {table}"), key=repr)  # noqa: S608
            for table in ServiceView.tables}


@dataclass
class Week:
    """The cases of the story, by their number."""

    cases: dict[int, UUID]

    def ids(self, *numbers: int) -> list[str]:
        return [str(self.cases[n]) for n in numbers]


def given_three_days_of_service(hub: Hub, after_each: Callable[[], object] = lambda: None) -> Week:
    ada = hub.register_customer(actor="clerk", kind="person", profile={"given_name": "Ada"})
    bob = hub.register_customer(actor="clerk", kind="person", profile={"given_name": "Bob"})
    cases: dict[int, UUID] = {}

    def open_(n: int, customer: UUID, channel: str, case_type: str, priority: str,
              when: datetime) -> None:
        cases[n] = hub.open_case(actor="desk", customer_id=customer, channel=channel,
                                 case_type=case_type, priority=priority, subject=f"Case {n}",
                                 occurred_at=when)
        after_each()

    def then(command: Callable[..., object], n: int, when: datetime, **kwargs: Any) -> None:
        command(actor="eve", case_id=cases[n], occurred_at=when, **kwargs)
        after_each()

    def call(customer: UUID, channel: str, department: str, when: datetime) -> UUID:
        interaction = hub.record_interaction(actor="desk", draft=InteractionDraft(
            customer_id=customer, channel=channel, direction="inbound", department=department,
            subject="Call", occurred_at=when))
        after_each()
        return interaction

    # Monday
    open_(1, ada, "phone", "incident", "urgent", at(0, 9))            # due Mon 13:00
    call(ada, "phone", "service", at(0, 9))
    then(hub.assign_case, 1, at(0, 9, 10), assignee="eve")
    then(hub.resolve_case, 1, at(0, 10), resolution="Restarted")      # 1 h
    open_(2, ada, "email", "question", "normal", at(0, 10))           # due Tue 10:00
    open_(3, bob, "web", "complaint", "high", at(0, 14))              # due Mon 22:00
    then(hub.assign_case, 3, at(0, 14, 30), assignee="sam")
    then(hub.escalate_case, 3, at(0, 15), reason="Angry")
    then(hub.comment_case, 3, at(0, 15, 30), text="Called back")
    then(hub.resolve_case, 3, at(0, 16), resolution="Refunded")       # 2 h, first resolution
    then(hub.close_case, 1, at(0, 17))                                # closed the same day
    open_(4, bob, "sms", "return", "normal", at(0, 23))               # due Tue 23:00
    # Tuesday
    then(hub.resolve_case, 4, at(1, 0, 30), resolution="Label sent")  # 1.5 h
    then(hub.close_case, 4, at(1, 0, 45))                             # closed, not the same day
    then(hub.reopen_case, 3, at(1, 8), reason="Refund never came")
    open_(5, bob, "phone", "billing", "normal", at(1, 9))             # due Wed 09:00
    then(hub.assign_case, 5, at(1, 9, 30), assignee="eve")
    open_(6, ada, "ivr", "request", "low", at(1, 10))                 # due Thu 10:00 ...
    call(ada, "call_centre", "service", at(1, 10))
    call(bob, "ivr", "service", at(1, 11))
    call(bob, "email", "service", at(1, 11))                          # not a call
    call(ada, "phone", "sales", at(1, 11))                            # not service
    into_service = call(bob, "phone", "sales", at(1, 12))
    out_of_calls = call(ada, "phone", "service", at(1, 13))
    hub.correct_interaction(actor="lead", interaction_id=into_service, reason="was service",
                            changes={"department": "service"})
    hub.correct_interaction(actor="lead", interaction_id=out_of_calls, reason="was email",
                            changes={"channel": "email"})
    then(hub.change_case_priority, 6, at(1, 11), priority="urgent")   # ... now due Tue 14:00
    then(hub.resolve_case, 2, at(1, 12), resolution="Answered")       # 26 h, late
    then(hub.resolve_case, 3, at(1, 20), resolution="Refund paid")    # late
    # Wednesday
    open_(7, bob, "phone", "incident", "high", at(2, 5))              # due Wed 13:00
    then(hub.assign_case, 7, at(2, 5, 15), assignee="eve")
    then(hub.close_case, 2, at(2, 9))
    open_(8, ada, "web", "question", "urgent", at(2, 10))             # due Wed 14:00
    open_(9, ada, "email", "question", "normal", at(2, 11))           # due Thu 11:00
    # Thursday, just after the three days
    call(ada, "phone", "service", at(3, 0))
    return Week(cases)


@pytest.fixture
def week(hub: Hub, runner: ProjectionRunner) -> Week:
    story = given_three_days_of_service(hub)
    assert runner.catch_up() == hub.position()
    return story


def case_ids(page: Any) -> list[str]:
    return [case.case_id for _, case in page.items]
