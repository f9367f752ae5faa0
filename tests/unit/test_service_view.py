"""The service view: the queue, SLA breaches and risks, and the metrics per period.

The known answers come from one hand-made three days of service (Monday 6 to Wednesday
8 May 2024, UTC), told through the hub's commands with backdated business times; "now"
is Wednesday noon. SLA: urgent 4 h, high 8 h, normal 24 h, low 72 h after opening.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import InvalidTransitionError, InvalidValueError
from domain.hub import Hub
from domain.interactions import InteractionDraft
from projections.database import ViewDatabase
from projections.runner import ProjectionRunner
from projections.service import ServiceView
from projections.service_queries import (
    Count,
    QueueCounts,
    ServiceMetrics,
    cases_at_risk,
    open_cases,
    queue_counts,
    service_metrics,
    sla_breaches,
)

MONDAY = datetime(2024, 5, 6, tzinfo=UTC)
NOW = MONDAY + timedelta(days=2, hours=12)  # Wednesday noon


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Monday is day 0."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


@pytest.fixture
def views(database_url: str) -> Iterator[ViewDatabase]:
    database = ViewDatabase.connect(database_url)
    yield database
    database.close()


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


# -- the queue -----------------------------------------------------------------------------


def test_the_queue_lists_working_cases_oldest_due_first(views, week):
    queue = open_cases(views)
    assert case_ids(queue) == week.ids(6, 5, 7, 8, 9)
    assert not queue.has_next_page
    six = queue.items[0][1]
    assert (six.priority, six.status, six.assignee, six.due_at) == (
        "urgent", "open", None, "2024-05-07T14:00:00.000000Z")
    assert (six.channel, six.case_type, six.opened_at) == ("ivr", "request",
                                                           "2024-05-07T10:00:00.000000Z")


def test_the_queue_filters_by_assignee_priority_and_type(views, week):
    assert case_ids(open_cases(views, assignee="eve")) == week.ids(5, 7)
    assert case_ids(open_cases(views, unassigned=True)) == week.ids(6, 8, 9)
    assert case_ids(open_cases(views, priority="urgent")) == week.ids(6, 8)
    assert case_ids(open_cases(views, case_type="question")) == week.ids(8, 9)
    assert case_ids(open_cases(views, assignee="eve", case_type="billing")) == week.ids(5)
    assert case_ids(open_cases(views, assignee="nobody")) == []


def test_the_queue_is_paginated_by_cursor(views, week):
    first = open_cases(views, first=2)
    assert case_ids(first) == week.ids(6, 5) and first.has_next_page
    second = open_cases(views, first=2, after=first.end_cursor)
    assert case_ids(second) == week.ids(7, 8) and second.has_next_page
    last = open_cases(views, first=2, after=second.end_cursor)
    assert case_ids(last) == week.ids(9) and not last.has_next_page


def test_a_reopened_case_returns_to_its_working_status_in_the_queue(hub, runner, views, week):
    hub.reopen_case(actor="eve", case_id=week.cases[4], reason="Wrong label", occurred_at=NOW)
    runner.catch_up()
    (reopened,) = [case for _, case in open_cases(views).items if case.case_id == week.ids(4)[0]]
    assert (reopened.status, reopened.reopen_count, reopened.resolved_at) == (
        "open", 1, "2024-05-07T00:30:00.000000Z")
    (three,) = views.query("SELECT status, escalation_level, assignee, reopen_count, version,"
                           " last_activity_at FROM view_service_cases WHERE case_id = ?",
                           week.ids(3))
    assert three == {"status": "resolved", "escalation_level": 1, "assignee": "sam",
                     "reopen_count": 1, "version": 7,
                     "last_activity_at": "2024-05-07T20:00:00.000000Z"}


def test_the_queue_counts_by_assignee_priority_and_type(views, week):
    assert queue_counts(views) == QueueCounts(
        by_assignee=[Count("eve", 2), Count(None, 3)],
        by_priority=[Count("urgent", 2), Count("high", 1), Count("normal", 2)],
        by_type=[Count("billing", 1), Count("incident", 1), Count("question", 2),
                 Count("request", 1)],
    )


# -- SLA --------------------------------------------------------------------------------------


def test_sla_breaches_are_overdue_open_cases_and_cases_resolved_late(views, week):
    breaches = sla_breaches(views, now=NOW)
    # 3 resolved late (Mon 22:00), 2 resolved late and closed (Tue 10:00), 6 overdue since
    # a raised priority (Tue 14:00), 5 overdue (Wed 09:00); 1 and 4 were resolved in time.
    assert case_ids(breaches) == week.ids(3, 2, 6, 5)
    statuses = [case.status for _, case in breaches.items]
    assert statuses == ["resolved", "closed", "open", "assigned"]
    assert case_ids(sla_breaches(views, now=NOW, due_since=at(1, 0), due_until=at(2, 0))) == \
        week.ids(2, 6)
    page = sla_breaches(views, now=NOW, first=3)
    assert page.has_next_page
    assert case_ids(sla_breaches(views, now=NOW, after=page.end_cursor)) == week.ids(5)


def test_cases_at_risk_are_due_within_the_horizon(views, week):
    assert case_ids(cases_at_risk(views, now=NOW)) == week.ids(7, 8)  # due 13:00, 14:00 (edge)
    assert case_ids(cases_at_risk(views, now=NOW, horizon=timedelta(hours=24))) == \
        week.ids(7, 8, 9)
    assert case_ids(cases_at_risk(views, now=NOW, assignee="eve")) == week.ids(7)


def test_a_case_due_right_now_is_at_risk_and_not_yet_breached(views, week):
    one_pm = at(2, 13)
    assert case_ids(cases_at_risk(views, now=one_pm)) == week.ids(7, 8)
    assert case_ids(sla_breaches(views, now=one_pm)) == week.ids(3, 2, 6, 5)
    assert week.ids(7)[0] in case_ids(sla_breaches(views, now=one_pm + timedelta(microseconds=1)))


# -- metrics per period -------------------------------------------------------------------------


def test_monday_in_numbers(views, week):
    assert service_metrics(views, start=at(0, 0), end=at(1, 0)) == ServiceMetrics(
        start="2024-05-06T00:00:00.000000Z", end="2024-05-07T00:00:00.000000Z",
        cases_opened=4, cases_closed=1, closed_same_day=1, service_calls=1,
        cases_resolved=2, resolved_late=0,
        median_hours_to_resolution=1.5, p90_hours_to_resolution=pytest.approx(1.9),
        requests_by_type=[Count("complaint", 1), Count("incident", 1), Count("question", 1),
                          Count("return", 1)],
        requests_by_channel=[Count("email", 1), Count("phone", 1), Count("sms", 1),
                             Count("web", 1)],
        cases_reopened=0, reopen_rate=0.0,
    )


def test_tuesday_in_numbers(views, week):
    tuesday = service_metrics(views, start=at(1, 0), end=at(2, 0))
    assert (tuesday.cases_opened, tuesday.cases_closed, tuesday.closed_same_day) == (2, 1, 0)
    # call centre, IVR, and the sales call corrected into service; not the email, not the
    # sales call, not the service call corrected into an email
    assert tuesday.service_calls == 3
    assert (tuesday.cases_resolved, tuesday.resolved_late) == (3, 2)  # 4 in time; 2, 3 late
    # first resolutions on Tuesday: 4 after 1.5 h, 2 after 26 h (3 was first resolved Monday)
    assert tuesday.median_hours_to_resolution == 13.75
    assert tuesday.p90_hours_to_resolution == pytest.approx(23.55)
    assert tuesday.requests_by_type == [Count("billing", 1), Count("request", 1)]
    assert tuesday.requests_by_channel == [Count("ivr", 1), Count("phone", 1)]
    assert (tuesday.cases_reopened, tuesday.reopen_rate) == (1, pytest.approx(1 / 3))


def test_a_period_without_resolutions_has_no_times_and_no_rate(views, week):
    wednesday = service_metrics(views, start=at(2, 0), end=at(3, 0))
    assert (wednesday.cases_opened, wednesday.cases_closed, wednesday.closed_same_day) == (3, 1, 0)
    assert wednesday.service_calls == 0  # Thursday's midnight call belongs to Thursday
    assert wednesday.cases_resolved == wednesday.cases_reopened == 0
    assert wednesday.median_hours_to_resolution is None
    assert wednesday.p90_hours_to_resolution is None
    assert wednesday.reopen_rate is None
    assert service_metrics(views, start=at(3, 0), end=at(4, 0)).service_calls == 1


def test_the_three_days_in_numbers(views, week):
    days = service_metrics(views, start=at(0, 0), end=at(3, 0))
    assert (days.cases_opened, days.cases_closed, days.closed_same_day) == (9, 3, 1)
    assert days.service_calls == 4
    # case 3, resolved twice, counts once
    assert (days.cases_resolved, days.resolved_late) == (4, 2)
    # first resolutions: 1, 1.5, 2, 26 hours
    assert days.median_hours_to_resolution == 1.75
    assert days.p90_hours_to_resolution == pytest.approx(18.8)
    assert (days.cases_reopened, days.reopen_rate) == (1, 0.25)
    assert days.requests_by_type == [
        Count("billing", 1), Count("complaint", 1), Count("incident", 2), Count("question", 3),
        Count("request", 1), Count("return", 1)]
    assert days.requests_by_channel == [
        Count("email", 2), Count("ivr", 1), Count("phone", 3), Count("sms", 1), Count("web", 2)]


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "field"), [
    (lambda v: open_cases(v, first=0), "first"),
    (lambda v: open_cases(v, after="bm90IGEgY3Vyc29y"), "after"),
    (lambda v: open_cases(v, priority="asap"), "priority"),
    (lambda v: open_cases(v, case_type="rant"), "caseType"),
    (lambda v: open_cases(v, assignee="eve", unassigned=True), "unassigned"),
    (lambda v: cases_at_risk(v, now=datetime(2024, 5, 8, 12)), "now"),
    (lambda v: cases_at_risk(v, now=NOW, horizon=timedelta(0)), "horizon"),
    (lambda v: sla_breaches(v, now=NOW, due_since=datetime(2024, 5, 6)), "dueSince"),
    (lambda v: service_metrics(v, start=at(1, 0), end=at(1, 0)), "end"),
    (lambda v: service_metrics(v, start=datetime(2024, 5, 6), end=at(1, 0)), "start"),
])
def test_bad_input_is_refused_naming_the_field(views, runner, query, field):
    with pytest.raises(InvalidValueError) as refused:
        query(views)
    assert refused.value.field == field


# -- incremental equals rebuild ------------------------------------------------------------------


def test_the_story_projected_between_commands_equals_a_rebuild(hub, runner, views):
    story = given_three_days_of_service(hub, after_each=runner.catch_up)
    hub.reopen_case(actor="eve", case_id=story.cases[2], reason="Not answered after all")
    runner.catch_up()
    incremental = snapshot(views)
    assert len(incremental["view_service_cases"]) == 9

    runner.reset()
    assert runner.catch_up() == hub.position()
    assert snapshot(views) == incremental


STEPS = st.lists(st.tuples(
    st.sampled_from(["open", "assign", "escalate", "comment", "priority", "resolve", "close",
                     "reopen", "call", "correct", "catch_up"]),
    st.integers(min_value=0, max_value=7)), min_size=1, max_size=30)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_history_projected_incrementally_equals_a_rebuild(database_url, steps):
    hub = Hub.connect(database_url)
    views = ViewDatabase.connect(database_url)
    try:
        runner = ProjectionRunner(hub, views, [ServiceView()], page_size=3)
        runner.reset()
        customer = hub.register_customer(actor="x", kind="person", profile={"given_name": "Q"})
        cases: list[UUID] = []
        calls: list[UUID] = []
        for step, n in steps:
            attempt(hub, runner, step, n, customer, cases, calls)
        runner.catch_up()
        incremental = snapshot(views)

        runner.reset()
        runner.catch_up()
        assert snapshot(views) == incremental
    finally:
        views.close()
        hub.close()


def attempt(hub: Hub, runner: ProjectionRunner, step: str, n: int, customer: UUID,
            cases: list[UUID], calls: list[UUID]) -> None:
    """One random step; a step the case's state refuses records nothing and is skipped."""
    when = datetime.now(UTC) - timedelta(hours=n * 5)
    case = cases[n % len(cases)] if cases else None
    channels = ("phone", "ivr", "email", "call_centre")
    try:
        if step == "catch_up":
            runner.catch_up()
        elif step == "open":
            cases.append(hub.open_case(actor="x", customer_id=customer, channel=channels[n % 4],
                                       case_type="question", priority=("low", "urgent")[n % 2],
                                       subject="?", occurred_at=when))
        elif step == "call":
            calls.append(hub.record_interaction(actor="x", draft=InteractionDraft(
                customer_id=customer, channel=channels[n % 4], direction="inbound",
                department=("service", "sales")[n % 2], subject="Call", occurred_at=when)))
        elif step == "correct" and calls:
            hub.correct_interaction(actor="x", interaction_id=calls[n % len(calls)], reason="r",
                                    changes={"department": ("sales", "service")[n % 2]})
        elif case is None:
            return
        elif step == "assign":
            hub.assign_case(actor="x", case_id=case, assignee=f"agent{n % 2}")
        elif step == "escalate":
            hub.escalate_case(actor="x", case_id=case, reason="r")
        elif step == "comment":
            hub.comment_case(actor="x", case_id=case, text="t")
        elif step == "priority":
            hub.change_case_priority(actor="x", case_id=case, priority=("high", "normal")[n % 2])
        elif step == "resolve":
            hub.resolve_case(actor="x", case_id=case, resolution="done")
        elif step == "close":
            hub.close_case(actor="x", case_id=case)
        elif step == "reopen":
            hub.reopen_case(actor="x", case_id=case, reason="again")
    except (InvalidValueError, InvalidTransitionError):
        pass
