"""Reading the service view: the queue, SLA breaches and risks, and metrics per period.

Definitions (all times are business times, UTC; a period is `[start, end)`):

- **Working** cases are open, assigned or escalated. The queue lists them, oldest due
  time first.
- **Overdue**: a working case whose due time is before `now`. **Resolved late**: a
  resolved or closed case whose latest resolution came after its due time. Both are SLA
  breaches. **At risk**: a working case due between `now` and `now + horizon`, both
  included (a case due exactly at `now` is at risk, not yet overdue).
- Per period: cases *opened* in it; cases *closed* in it (distinct cases with a closing
  in it) and of those the ones closed on the UTC date they were opened; *service calls*,
  interactions of the service department on the phone, the call centre or the IVR
  (either direction); cases *resolved* in it (distinct, any resolution) and of those the
  ones with a resolution after the due time then in force; *time to resolution*, hours
  from opening to the first resolution, of the cases first resolved in it (median and
  90th percentile, linear interpolation between closest ranks); *requests* by type and
  by channel, of the cases opened in it; *reopen rate*, distinct cases reopened in it
  over distinct cases resolved in it (None when none was resolved; it may exceed 1
  when cases resolved earlier come back). A **series** of them has a period per day,
  week or month of a time zone (see projections/periods.py), all counted in the same
  four statements as one period; "closed the same day" still compares UTC dates.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import floor
from typing import Any

from domain.errors import InvalidValueError
from domain.service import WORKING, CasePriority, CaseType
from domain.values import Channel, Department
from projections.customers import iso
from projections.database import Row, ViewDatabase
from projections.pages import Page, decode_cursor, encode_cursor, page_size
from projections.periods import Interval, Period, period, periods_table, series

WORKING_STATUSES = tuple(sorted(status.value for status in WORKING))
CALL_CHANNELS = (Channel.PHONE.value, Channel.CALL_CENTRE.value, Channel.IVR.value)
AT_RISK_HORIZON = timedelta(hours=2)
_MARKS = ", ".join("?" * len(WORKING_STATUSES))


@dataclass(frozen=True)
class ServiceCase:
    case_id: str
    customer_id: str
    channel: str
    case_type: str
    priority: str
    status: str
    assignee: str | None
    escalation_level: int
    opened_at: str
    due_at: str
    first_resolved_at: str | None
    resolved_at: str | None  # the latest resolution (kept after a reopening)
    closed_at: str | None
    reopen_count: int
    version: int
    last_activity_at: str


@dataclass(frozen=True)
class Count:
    key: str | None  # None: no assignee
    count: int


@dataclass(frozen=True)
class QueueCounts:
    """Working cases per assignee, per priority (most urgent first) and per type."""

    by_assignee: list[Count]
    by_priority: list[Count]
    by_type: list[Count]


@dataclass(frozen=True)
class ServiceMetrics:
    start: str
    end: str
    cases_opened: int
    cases_closed: int
    closed_same_day: int
    service_calls: int
    cases_resolved: int
    resolved_late: int
    median_hours_to_resolution: float | None
    p90_hours_to_resolution: float | None
    requests_by_type: list[Count]
    requests_by_channel: list[Count]
    cases_reopened: int
    reopen_rate: float | None


# -- lists ---------------------------------------------------------------------------------


def open_cases(
    db: ViewDatabase,
    *,
    assignee: str | None = None,
    unassigned: bool = False,
    priority: str | None = None,
    case_type: str | None = None,
    first: int = 50,
    after: str | None = None,
) -> Page[ServiceCase]:
    """The queue: working cases, oldest due time first."""
    where: list[str] = [f"status IN ({_MARKS})"]
    params: list[Any] = [*WORKING_STATUSES]
    if assignee is not None and unassigned:
        raise InvalidValueError("unassigned", "cannot be combined with an assignee")
    if assignee is not None:
        where.append("assignee = ?")
        params.append(assignee)
    if unassigned:
        where.append("assignee IS NULL")
    if priority is not None:
        where.append("priority = ?")
        params.append(CasePriority.parse(priority, "priority").value)
    if case_type is not None:
        where.append("case_type = ?")
        params.append(CaseType.parse(case_type, "caseType").value)
    return _cases_by_due_time(db, where, params, first=first, after=after)


def sla_breaches(
    db: ViewDatabase,
    *,
    now: datetime,
    due_since: datetime | None = None,
    due_until: datetime | None = None,
    first: int = 50,
    after: str | None = None,
) -> Page[ServiceCase]:
    """Overdue working cases and late-resolved cases (optionally those due in
    `[due_since, due_until)`), oldest due time first. A breach is overdue when its
    status is working, resolved late otherwise."""
    moment = iso(_aware(now, "now"))
    where = [f"((status IN ({_MARKS}) AND due_at < ?)"
             f" OR (status NOT IN ({_MARKS}) AND resolved_at > due_at))"]
    params: list[Any] = [*WORKING_STATUSES, moment, *WORKING_STATUSES]
    if due_since is not None:
        where.append("due_at >= ?")
        params.append(iso(_aware(due_since, "dueSince")))
    if due_until is not None:
        where.append("due_at < ?")
        params.append(iso(_aware(due_until, "dueUntil")))
    return _cases_by_due_time(db, where, params, first=first, after=after)


def cases_at_risk(
    db: ViewDatabase,
    *,
    now: datetime,
    horizon: timedelta = AT_RISK_HORIZON,
    assignee: str | None = None,
    first: int = 50,
    after: str | None = None,
) -> Page[ServiceCase]:
    """Working cases due within `horizon` of `now` and not yet overdue, soonest first."""
    if horizon <= timedelta(0):
        raise InvalidValueError("horizon", "must be positive")
    moment = _aware(now, "now")
    where = [f"status IN ({_MARKS})", "due_at >= ?", "due_at <= ?"]
    params: list[Any] = [*WORKING_STATUSES, iso(moment), iso(moment + horizon)]
    if assignee is not None:
        where.append("assignee = ?")
        params.append(assignee)
    return _cases_by_due_time(db, where, params, first=first, after=after)


def _cases_by_due_time(db: ViewDatabase, where: list[str], params: list[Any], *,
                       first: int, after: str | None) -> Page[ServiceCase]:
    limit = page_size(first)
    key = decode_cursor(after, "case_queue", 2)
    if key is not None:
        where.append("(due_at > ? OR (due_at = ? AND case_id > ?))")
        params += [key[0], key[0], key[1]]
    rows = db.query("SELECT * FROM view_service_cases WHERE " + " AND ".join(where)  # noqa: S608
                    + " ORDER BY due_at, case_id LIMIT ?", (*params, limit + 1))
    cases = [ServiceCase(**row) for row in rows[:limit]]
    return Page(items=[(encode_cursor("case_queue", [c.due_at, c.case_id]), c) for c in cases],
                has_next_page=len(rows) > limit)


def queue_counts(db: ViewDatabase) -> QueueCounts:
    """How the working cases divide between assignees, priorities and types."""
    rows = db.query(f"SELECT assignee, priority, case_type, COUNT(*) AS n"  # noqa: S608
                    f" FROM view_service_cases WHERE status IN ({_MARKS})"
                    " GROUP BY assignee, priority, case_type", WORKING_STATUSES)
    urgency = {priority.value: rank for rank, priority in
               enumerate(reversed(list(CasePriority)))}
    return QueueCounts(
        by_assignee=_counts(rows, "assignee", order=lambda k: (k is None, k or "")),
        by_priority=_counts(rows, "priority", order=lambda k: urgency.get(k or "", 99)),
        by_type=_counts(rows, "case_type"),
    )


# -- metrics per period ------------------------------------------------------------------------


def service_metrics(db: ViewDatabase, *, start: datetime, end: datetime) -> ServiceMetrics:
    """The service department's numbers for the period `[start, end)`."""
    (metrics,) = _metrics(db, [period(start, end)])
    return metrics


def service_metrics_series(db: ViewDatabase, *, start: datetime, end: datetime,
                           interval: Interval, time_zone: str | None = "UTC") -> list[ServiceMetrics]:
    """The department's numbers for each bucket of `[start, end)`, in time order."""
    return _metrics(db, series(start, end, interval, time_zone))


def _metrics(db: ViewDatabase, periods: list[Period]) -> list[ServiceMetrics]:
    """The numbers of each period, in four statements however many periods there are:
    each joins its facts with the periods and groups them by the period's start."""
    periods_clause, bounds = periods_table(periods)
    with db.transaction(write=False) as tx:
        opened = _by_period(tx.query(
            periods_clause + "SELECT p.since, c.case_type, c.channel, COUNT(*) AS n"  # noqa: S608
            " FROM periods p, view_service_cases c"
            " WHERE c.opened_at >= p.since AND c.opened_at < p.until"
            " GROUP BY p.since, c.case_type, c.channel", bounds))
        milestones = _by_period(tx.query(
            periods_clause + "SELECT p.since, h.kind, COUNT(DISTINCT h.case_id) AS cases,"  # noqa: S608
            " COUNT(DISTINCT CASE WHEN h.kind = 'resolved' AND h.occurred_at > h.due_at"
            "  THEN h.case_id END) AS late,"
            " COUNT(DISTINCT CASE WHEN h.kind = 'closed'"
            "  AND substr(h.occurred_at, 1, 10) = substr(c.opened_at, 1, 10)"
            "  THEN h.case_id END) AS same_day"
            " FROM periods p, view_service_case_history h"
            " JOIN view_service_cases c ON c.case_id = h.case_id"
            " WHERE h.occurred_at >= p.since AND h.occurred_at < p.until"
            " GROUP BY p.since, h.kind", bounds))
        calls = _by_period(tx.query(
            periods_clause + "SELECT p.since, COUNT(*) AS n"  # noqa: S608
            " FROM periods p, view_service_interactions i WHERE i.department = ?"
            " AND i.channel IN (?, ?, ?) AND i.occurred_at >= p.since AND i.occurred_at < p.until"
            " GROUP BY p.since", (*bounds, Department.SERVICE.value, *CALL_CHANNELS)))
        resolutions = _by_period(tx.query(
            periods_clause + "SELECT p.since, c.opened_at, c.first_resolved_at"  # noqa: S608
            " FROM periods p, view_service_cases c"
            " WHERE c.first_resolved_at >= p.since AND c.first_resolved_at < p.until", bounds))
    return [_period_metrics(since, until, opened=opened[since],
                            milestones={row["kind"]: row for row in milestones[since]},
                            calls=sum(row["n"] for row in calls[since]),
                            resolutions=resolutions[since])
            for since, until in periods]


def _by_period(rows: list[Row]) -> defaultdict[str, list[Row]]:
    grouped: defaultdict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["since"]].append(row)
    return grouped


def _period_metrics(since: str, until: str, *, opened: list[Row], milestones: dict[str, Row],
                    calls: int, resolutions: list[Row]) -> ServiceMetrics:
    hours = sorted(_hours_between(row["opened_at"], row["first_resolved_at"])
                   for row in resolutions)
    resolved = _milestone(milestones, "resolved", "cases")
    reopened = _milestone(milestones, "reopened", "cases")
    return ServiceMetrics(
        start=since, end=until,
        cases_opened=sum(row["n"] for row in opened),
        cases_closed=_milestone(milestones, "closed", "cases"),
        closed_same_day=_milestone(milestones, "closed", "same_day"),
        service_calls=calls,
        cases_resolved=resolved,
        resolved_late=_milestone(milestones, "resolved", "late"),
        median_hours_to_resolution=quantile(hours, 0.5),
        p90_hours_to_resolution=quantile(hours, 0.9),
        requests_by_type=_counts(opened, "case_type"),
        requests_by_channel=_counts(opened, "channel"),
        cases_reopened=reopened,
        reopen_rate=reopened / resolved if resolved else None,
    )


def quantile(ordered: list[float], q: float) -> float | None:
    """The q-quantile of sorted values, interpolating linearly between closest ranks
    (the median for q = 0.5; NumPy's default method). None for no values."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    below = floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _hours_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600


def _milestone(milestones: dict[str, dict[str, Any]], kind: str, column: str) -> int:
    row = milestones.get(kind)
    return int(row[column]) if row else 0


def _counts(rows: list[dict[str, Any]], column: str, *,
            order: Callable[[str | None], Any] = lambda key: key or "") -> list[Count]:
    """Sum the `n` of grouped rows by one of their columns, in `order` of their values."""
    totals: Counter[str | None] = Counter()
    for row in rows:
        totals[row[column]] += row["n"]
    return [Count(key=key, count=totals[key]) for key in sorted(totals, key=order)]


def _aware(moment: datetime, field: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise InvalidValueError(field, "must be a date-time with a time zone (UTC ISO-8601)")
    return moment
