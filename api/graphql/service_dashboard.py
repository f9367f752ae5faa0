"""The service dashboard, read from the service view: the queue, SLA breaches and cases at
risk (both relative to the server's clock), and the department's numbers per period or as
a series of buckets. A listed case's customer comes from the customer directory through
the request's DataLoader, one query for the whole list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Annotated

import strawberry

from api.graphql.auth import requires
from api.graphql.context import Info, read
from api.graphql.loaders import CustomerRef, loaders
from api.graphql.pagination import Connection, connection
from api.graphql.service_types import CasePriority, CaseStatus, CaseType
from api.graphql.types import SERIES, Channel, Interval
from api.permissions import Action
from domain import service as model
from domain import values
from domain.errors import InvalidValueError
from projections import service_queries as queries
from projections.pages import Page


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@strawberry.type(description="A case as the service view keeps it, for the queue and SLA lists.")
class QueuedCase:
    id: strawberry.ID
    customer_id: strawberry.ID
    channel: Channel
    case_type: CaseType = strawberry.field(name="type")
    priority: CasePriority
    status: CaseStatus
    assignee: str | None
    escalation_level: int
    opened_at: datetime
    due_at: datetime
    first_resolved_at: datetime | None
    resolved_at: datetime | None = strawberry.field(
        description="The latest resolution; kept when the case is reopened.")
    closed_at: datetime | None
    reopen_count: int
    version: int
    last_activity_at: datetime
    #: Set by an as-of replay (`api.graphql.as_of`): the directory as it was then, for
    #: the cases of the page. None: today's directory.
    directory: strawberry.Private[dict[str, CustomerRef] | None] = None

    @strawberry.field(extensions=requires(Action.CUSTOMERS_READ), description=(
        "Who the case is for, from the customer directory; null while the directory does "
        "not show them."))
    async def customer(self, info: Info) -> CustomerRef | None:
        if self.directory is not None:
            return self.directory.get(str(self.customer_id))
        return await loaders(info).customers.load(str(self.customer_id))

    @classmethod
    def of(cls, c: queries.ServiceCase) -> QueuedCase:
        return cls(
            id=strawberry.ID(c.case_id), customer_id=strawberry.ID(c.customer_id),
            channel=values.Channel(c.channel), case_type=model.CaseType(c.case_type),
            priority=model.CasePriority(c.priority), status=model.CaseStatus(c.status),
            assignee=c.assignee, escalation_level=c.escalation_level,
            opened_at=datetime.fromisoformat(c.opened_at), due_at=datetime.fromisoformat(c.due_at),
            first_resolved_at=_time(c.first_resolved_at), resolved_at=_time(c.resolved_at),
            closed_at=_time(c.closed_at), reopen_count=c.reopen_count, version=c.version,
            last_activity_at=datetime.fromisoformat(c.last_activity_at),
        )


@strawberry.type(description="How many cases share a key.")
class CaseCount:
    key: str | None = strawberry.field(description=(
        "An assignee (null: nobody), or the name of a CasePriority, CaseType or Channel value."))
    count: int

    @classmethod
    def of(cls, count: queries.Count, vocabulary: type[Enum] | None = None) -> CaseCount:
        """The count, its key named as GraphQL names the `vocabulary`'s values."""
        key = count.key
        if vocabulary is not None and key is not None:
            key = vocabulary(key).name
        return cls(key=key, count=count.count)


def _counts(counts: list[queries.Count], vocabulary: type[Enum] | None = None) -> list[CaseCount]:
    return [CaseCount.of(count, vocabulary) for count in counts]


@strawberry.type(description="How the cases being worked on divide up.")
class CaseQueueCounts:
    by_assignee: list[CaseCount] = strawberry.field(description="By assignee; unassigned last.")
    by_priority: list[CaseCount] = strawberry.field(description="Most urgent first.")
    by_type: list[CaseCount]

    @classmethod
    def of(cls, counts: queries.QueueCounts) -> CaseQueueCounts:
        return cls(by_assignee=_counts(counts.by_assignee),
                   by_priority=_counts(counts.by_priority, model.CasePriority),
                   by_type=_counts(counts.by_type, model.CaseType))


@strawberry.type(description="The service department's numbers for a period [start, end).")
class ServiceMetrics:
    start: datetime
    end: datetime
    cases_opened: int
    cases_closed: int
    closed_same_day: int = strawberry.field(
        description="Of the cases closed, those closed on the UTC date they were opened.")
    service_calls: int = strawberry.field(
        description="Service interactions by phone, call centre or IVR, either direction.")
    cases_resolved: int
    resolved_late: int = strawberry.field(
        description="Of the cases resolved, those resolved after their due time.")
    median_hours_to_resolution: float | None = strawberry.field(
        description="Opening to first resolution, of the cases first resolved in the period.")
    p90_hours_to_resolution: float | None
    requests_by_type: list[CaseCount] = strawberry.field(
        description="The cases opened in the period, by type.")
    requests_by_channel: list[CaseCount] = strawberry.field(
        description="The cases opened in the period, by channel.")
    cases_reopened: int
    reopen_rate: float | None = strawberry.field(description=(
        "Cases reopened over cases resolved in the period; null when none was resolved, "
        "above 1 when earlier resolutions come back."))

    @classmethod
    def of(cls, m: queries.ServiceMetrics) -> ServiceMetrics:
        return cls(
            start=datetime.fromisoformat(m.start), end=datetime.fromisoformat(m.end),
            cases_opened=m.cases_opened, cases_closed=m.cases_closed,
            closed_same_day=m.closed_same_day, service_calls=m.service_calls,
            cases_resolved=m.cases_resolved, resolved_late=m.resolved_late,
            median_hours_to_resolution=m.median_hours_to_resolution,
            p90_hours_to_resolution=m.p90_hours_to_resolution,
            requests_by_type=_counts(m.requests_by_type, model.CaseType),
            requests_by_channel=_counts(m.requests_by_channel, values.Channel),
            cases_reopened=m.cases_reopened, reopen_rate=m.reopen_rate,
        )


def _horizon(minutes: int) -> timedelta:
    if minutes <= 0:
        raise InvalidValueError("horizonMinutes", "must be positive")
    return timedelta(minutes=minutes)


@strawberry.type
class ServiceDashboardQuery:
    @strawberry.field(extensions=requires(Action.SERVICE_READ),
                      description="Cases being worked on (open, assigned, escalated), oldest due first.")
    async def case_queue(
        self, info: Info, assignee: str | None = None, unassigned: bool = False,
        priority: CasePriority | None = None,
        case_type: Annotated[CaseType | None, strawberry.argument(name="type")] = None,
        first: int = 50, after: str | None = None,
    ) -> Connection[QueuedCase]:
        page = await read(info, queries.open_cases, info.context.views, assignee=assignee,
                          unassigned=unassigned, priority=priority and priority.value,
                          case_type=case_type and case_type.value, first=first, after=after)
        return connection(page, QueuedCase.of)

    @strawberry.field(extensions=requires(Action.SERVICE_READ), description=(
        "Cases past due now, and cases resolved after their due time; optionally those due "
        "in [dueSince, dueUntil). Oldest due first."))
    async def sla_breaches(
        self, info: Info, due_since: datetime | None = None, due_until: datetime | None = None,
        first: int = 50, after: str | None = None,
    ) -> Connection[QueuedCase]:
        page = await read(info, queries.sla_breaches, info.context.views, now=datetime.now(UTC),
                          due_since=due_since, due_until=due_until, first=first, after=after)
        return connection(page, QueuedCase.of)

    @strawberry.field(extensions=requires(Action.SERVICE_READ), description=(
        "Cases being worked on, due from now to horizonMinutes from now, soonest first."))
    async def cases_at_risk(
        self, info: Info, horizon_minutes: int = 120, assignee: str | None = None,
        first: int = 50, after: str | None = None,
    ) -> Connection[QueuedCase]:
        def at_risk() -> Page[queries.ServiceCase]:
            return queries.cases_at_risk(info.context.views, now=datetime.now(UTC),
                                         horizon=_horizon(horizon_minutes), assignee=assignee,
                                         first=first, after=after)

        return connection(await read(info, at_risk), QueuedCase.of)

    @strawberry.field(extensions=requires(Action.SERVICE_READ))
    async def case_queue_counts(self, info: Info) -> CaseQueueCounts:
        return CaseQueueCounts.of(await read(info, queries.queue_counts, info.context.views))

    @strawberry.field(extensions=requires(Action.SERVICE_READ))
    async def service_metrics(self, info: Info, start: datetime, end: datetime) -> ServiceMetrics:
        metrics = await read(info, queries.service_metrics, info.context.views, start=start,
                             end=end)
        return ServiceMetrics.of(metrics)

    @strawberry.field(extensions=requires(Action.SERVICE_READ),
                      description=f"The department's numbers per bucket. {SERIES}")
    async def service_metrics_series(
        self, info: Info, start: datetime, end: datetime, interval: Interval,
        time_zone: str | None = "UTC",
    ) -> list[ServiceMetrics]:
        found = await read(info, queries.service_metrics_series, info.context.views,
                           start=start, end=end, interval=interval, time_zone=time_zone)
        return [ServiceMetrics.of(metrics) for metrics in found]
