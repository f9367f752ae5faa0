"""The sales dashboard: pipeline, forecast, win rate, sales metrics and lead conversion,
read from the sales view.

The definitions of every figure are in projections/sales_queries.py; the field
descriptions below repeat what a client needs to read them right. Money is summed per
currency and never converted, so the pipeline and the forecast have a row per currency.
The forecast's months are chosen with `since`/`until` (dates, `[since, until)`), as the
customer 360's timeline names its bounds; the other periods are `start`/`end` date-times.
A series cuts such a period into buckets of an `Interval`; the service dashboard's series
use the same enum and description, from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import strawberry

from api.graphql.auth import requires
from api.graphql.context import Info, read
from api.graphql.pagination import Connection, connection
from api.graphql.sales_types import LeadSource, OpportunityStage
from api.graphql.types import PERIOD, SERIES, Interval, Money
from api.permissions import Action
from domain import sales as model
from domain.errors import InvalidValueError
from projections import sales_queries as queries
from projections.pages import Page


def _money(amounts: Sequence[queries.Money]) -> list[Money]:
    return [Money(amount=amount, currency=currency) for amount, currency in amounts]


@strawberry.type(description="The open opportunities at one stage, in one currency, as they "
                             "stand now.")
class PipelineStage:
    stage: OpportunityStage
    count: int
    amount: Money
    weighted_amount: Money = strawberry.field(
        description="The sum of each amount times its stage's win probability, rounded half "
                    "up to the cent after summing.")

    @classmethod
    def of(cls, s: queries.StageTotal) -> PipelineStage:
        return cls(stage=model.OpportunityStage(s.stage), count=s.count,
                   amount=Money(amount=s.amount, currency=s.currency),
                   weighted_amount=Money(amount=s.weighted_amount, currency=s.currency))


@strawberry.type(description="The open opportunities expected to close in one month, in one "
                             "currency; an overdue one stays in the month it was expected.")
class ForecastMonth:
    month: str = strawberry.field(description="YYYY-MM.")
    count: int
    amount: Money
    weighted_amount: Money

    @classmethod
    def of(cls, m: queries.ForecastMonth) -> ForecastMonth:
        return cls(month=m.month, count=m.count,
                   amount=Money(amount=m.amount, currency=m.currency),
                   weighted_amount=Money(amount=m.weighted_amount, currency=m.currency))


@strawberry.type(description="Won against lost, of the opportunities closed in [start, end).")
class WinRate:
    start: datetime
    end: datetime
    won: int
    lost: int
    win_rate: float | None = strawberry.field(
        description="won / (won + lost); null when none closed.")
    average_sales_cycle_days: float | None = strawberry.field(
        description="Mean days from opening to closing of those won; null when none was won.")

    @classmethod
    def of(cls, w: queries.WinRate) -> WinRate:
        return cls(start=datetime.fromisoformat(w.start), end=datetime.fromisoformat(w.end),
                   won=w.won, lost=w.lost, win_rate=w.win_rate,
                   average_sales_cycle_days=w.average_sales_cycle_days)


def _metric_fields(m: queries.SalesMetrics) -> dict[str, Any]:
    return {"start": datetime.fromisoformat(m.start), "end": datetime.fromisoformat(m.end),
            "prospects": m.prospects, "sales_calls": m.sales_calls, "proposals": m.proposals,
            "retained_customers": m.retained_customers,
            "recurring_revenue": _money(m.recurring_revenue)}


@strawberry.interface(description="The sales numbers of a period [start, end). Owners are the "
                                  "current ones: reassigning moves the history with it.")
class SalesFigures:
    start: datetime
    end: datetime
    prospects: int = strawberry.field(
        description="Distinct customers registered as, or moved to, the prospect stage.")
    sales_calls: int = strawberry.field(
        description="Outbound sales interactions by phone, call centre or in person.")
    proposals: int = strawberry.field(description="Quotes issued.")
    retained_customers: int = strawberry.field(
        description="Distinct customers who bought in the period and had bought before it.")
    recurring_revenue: list[Money] = strawberry.field(
        description="The retained customers' purchases in the period, net of refunds, per "
                    "currency.")


@strawberry.type(description="Everyone's, or one owner's, sales numbers of a period.")
class SalesMetrics(SalesFigures):
    @classmethod
    def of(cls, m: queries.SalesMetrics) -> SalesMetrics:
        return cls(**_metric_fields(m))


@strawberry.type(description="One owner's sales numbers of a period.")
class OwnerSalesMetrics(SalesFigures):
    owner: str | None = strawberry.field(description="A user id; null for nobody's.")

    @classmethod
    def of(cls, m: queries.OwnerSalesMetrics) -> OwnerSalesMetrics:
        return cls(**_metric_fields(m), owner=m.owner)


@strawberry.type(description="What became of the leads of one source captured in a period.")
class LeadSourceConversion:
    source: LeadSource
    captured: int
    qualified: int = strawberry.field(
        description="Ever qualified, including those converted or disqualified since.")
    disqualified: int = strawberry.field(description="Disqualified now.")
    converted: int = strawberry.field(description="Converted now.")
    conversion_rate: float = strawberry.field(description="converted / captured.")

    @classmethod
    def of(cls, c: queries.LeadSourceConversion) -> LeadSourceConversion:
        return cls(source=model.LeadSource(c.source), captured=c.captured,
                   qualified=c.qualified, disqualified=c.disqualified, converted=c.converted,
                   conversion_rate=c.conversion_rate)


def _forecast(views: Any, *, since: date | None, until: date | None, **kwargs: Any,
              ) -> Page[queries.ForecastMonth]:
    if since is not None and until is not None and until <= since:
        raise InvalidValueError("until", "must be after since")
    return queries.forecast(views, start=since, end=until, **kwargs)


@strawberry.type
class SalesDashboardQuery:
    @strawberry.field(extensions=requires(Action.SALES_READ),
                      description="Open opportunities per stage (in pipeline order) and currency.")
    async def sales_pipeline(self, info: Info, owner: str | None = None) -> list[PipelineStage]:
        stages = await read(info, queries.pipeline, info.context.views, owner=owner)
        return [PipelineStage.of(stage) for stage in stages]

    @strawberry.field(extensions=requires(Action.SALES_READ),
                      description="Open opportunities per expected close month and currency, "
                                  "expected in [since, until) (either bound optional).")
    async def sales_forecast(
        self, info: Info, since: date | None = None, until: date | None = None,
        owner: str | None = None, first: int = 24, after: str | None = None,
    ) -> Connection[ForecastMonth]:
        page = await read(info, _forecast, info.context.views, since=since, until=until,
                          owner=owner, first=first, after=after)
        return connection(page, ForecastMonth.of)

    @strawberry.field(extensions=requires(Action.SALES_READ), description=PERIOD)
    async def win_rate(self, info: Info, start: datetime, end: datetime,
                       owner: str | None = None) -> WinRate:
        found = await read(info, queries.win_rate, info.context.views, start=start, end=end,
                           owner=owner)
        return WinRate.of(found)

    @strawberry.field(extensions=requires(Action.SALES_READ),
                      description=f"Everyone's numbers, or one owner's. {PERIOD}")
    async def sales_metrics(self, info: Info, start: datetime, end: datetime,
                            owner: str | None = None) -> SalesMetrics:
        found = await read(info, queries.sales_metrics, info.context.views, start=start,
                           end=end, owner=owner)
        return SalesMetrics.of(found)

    @strawberry.field(extensions=requires(Action.SALES_READ),
                      description=f"Everyone's numbers, or one owner's, per bucket. {SERIES}")
    async def sales_metrics_series(
        self, info: Info, start: datetime, end: datetime, interval: Interval,
        time_zone: str | None = "UTC", owner: str | None = None,
    ) -> list[SalesMetrics]:
        found = await read(info, queries.sales_metrics_series, info.context.views, start=start,
                           end=end, interval=interval, time_zone=time_zone, owner=owner)
        return [SalesMetrics.of(metrics) for metrics in found]

    @strawberry.field(extensions=requires(Action.SALES_READ),
                      description=f"The numbers per owner with any (nobody's first, then by "
                                  f"id). {PERIOD}")
    async def sales_metrics_by_owner(
        self, info: Info, start: datetime, end: datetime, first: int = 50,
        after: str | None = None,
    ) -> Connection[OwnerSalesMetrics]:
        page = await read(info, queries.sales_metrics_by_owner, info.context.views,
                          start=start, end=end, first=first, after=after)
        return connection(page, OwnerSalesMetrics.of)

    @strawberry.field(extensions=requires(Action.SALES_READ),
                      description="Per source (alphabetical), the leads captured in [start, end) "
                                  "(both or neither; all leads when neither).")
    async def lead_conversion(
        self, info: Info, start: datetime | None = None, end: datetime | None = None,
        owner: str | None = None,
    ) -> list[LeadSourceConversion]:
        found = await read(info, queries.lead_conversion, info.context.views, start=start,
                           end=end, owner=owner)
        return [LeadSourceConversion.of(conversion) for conversion in found]
