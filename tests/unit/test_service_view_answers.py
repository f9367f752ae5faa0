"""The service view: the queue, SLA breaches and risks, and the metrics per period.

The known answers come from one hand-made three days of service (Monday 6 to Wednesday
8 May 2024, UTC), told through the hub's commands with backdated business times; "now"
is Wednesday noon. SLA: urgent 4 h, high 8 h, normal 24 h, low 72 h after opening.
"""


from __future__ import annotations

from datetime import timedelta

import pytest

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
from tests.unit.service_view_stories import NOW, at, case_ids

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
