"""The customer directory and the customer 360, read from the customer view."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.graphql.auth import requires
from api.graphql.context import Info, read
from api.graphql.customers import Customer, CustomerKind, LifecycleStage
from api.graphql.customers import _customer as load_customer
from api.graphql.pagination import Connection, connection
from api.graphql.types import Channel, Department, Direction, Money
from api.permissions import Action
from domain import customers as model
from domain.core import parse_id
from domain.errors import NotFoundError
from projections import customer_queries as queries
from projections.database import ViewDatabase


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@strawberry.type(description="A customer as the directory and the 360 see them.")
class CustomerSummary:
    id: strawberry.ID
    kind: CustomerKind
    display_name: str
    company_name: str | None
    organisation_id: strawberry.ID | None
    stage: LifecycleStage
    owner: str | None
    tags: list[str]
    emails: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    open_cases: int
    open_opportunities: int
    last_purchase_at: datetime | None
    lifetime_revenue: list[Money] = strawberry.field(
        description="Purchases net of refunds, per currency.")
    erased: bool = strawberry.field(
        description="True once the customer's personal data was erased: names, contact "
                    "details and what was written about them are gone; numbers stay.")

    @classmethod
    def of(cls, s: queries.CustomerSummary) -> CustomerSummary:
        return cls(
            id=strawberry.ID(s.id), kind=model.CustomerKind(s.kind), display_name=s.display_name,
            company_name=s.company_name,
            organisation_id=strawberry.ID(s.organisation_id) if s.organisation_id else None,
            stage=model.LifecycleStage(s.stage), owner=s.owner, tags=s.tags, emails=s.emails,
            version=s.version, created_at=_time(s.created_at), updated_at=_time(s.updated_at),
            open_cases=s.open_cases, open_opportunities=s.open_opportunities,
            last_purchase_at=_time(s.last_purchase_at) if s.last_purchase_at else None,
            lifetime_revenue=[Money(amount=Decimal(a), currency=c) for a, c in s.lifetime_revenue],
            erased=s.erased,
        )


@strawberry.type(description="One contact on the customer's timeline.")
class TimelineEntry:
    interaction_id: strawberry.ID
    occurred_at: datetime
    recorded_at: datetime
    channel: Channel
    direction: Direction
    department: Department
    subject: str
    summary: str | None
    handled_by: str | None
    duration_seconds: int | None
    case_id: strawberry.ID | None
    opportunity_id: strawberry.ID | None
    campaign_id: strawberry.ID | None
    order_id: strawberry.ID | None
    corrected: bool

    @classmethod
    def of(cls, e: queries.TimelineEntry) -> TimelineEntry:
        def ident(value: str | None) -> strawberry.ID | None:
            return strawberry.ID(value) if value else None

        return cls(
            interaction_id=strawberry.ID(e.interaction_id), occurred_at=_time(e.occurred_at),
            recorded_at=_time(e.recorded_at), channel=Channel(e.channel),
            direction=Direction(e.direction), department=Department(e.department),
            subject=e.subject, summary=e.summary, handled_by=e.handled_by,
            duration_seconds=e.duration_seconds, case_id=ident(e.case_id),
            opportunity_id=ident(e.opportunity_id), campaign_id=ident(e.campaign_id),
            order_id=ident(e.order_id), corrected=e.corrected,
        )


@strawberry.type(description="Everything about one customer, across channels and departments.")
class Customer360:
    id: strawberry.ID
    summary: CustomerSummary
    #: Set by an as-of replay (`api.graphql.as_of`): the views and the profile as they
    #: were then. None: today's views and the current profile.
    views: strawberry.Private[ViewDatabase | None] = None
    as_of_profile: strawberry.Private[Customer | None] = None

    @strawberry.field(description="The current profile, from the event store (as of the "
                                  "instant asked, for `customerAsOf`).")
    async def profile(self, info: Info) -> Customer:
        if self.as_of_profile is not None:
            return self.as_of_profile
        return await load_customer(info, self.id)

    @strawberry.field(description="Every contact, newest first.")
    async def timeline(
        self, info: Info, channel: Channel | None = None, department: Department | None = None,
        direction: Direction | None = None, since: datetime | None = None,
        until: datetime | None = None, first: int = 50, after: str | None = None,
    ) -> Connection[TimelineEntry]:
        views = info.context.views if self.views is None else self.views
        page = await read(info, queries.timeline, views, customer_id=str(self.id),
                          channel=channel and channel.value,
                          department=department and department.value,
                          direction=direction and direction.value,
                          since=since, until=until, first=first, after=after)
        return connection(page, TimelineEntry.of)


@strawberry.type
class DirectoryQuery:
    @strawberry.field(extensions=requires(Action.CUSTOMERS_READ),
                      description="Customers by name; `search` matches a name or email prefix.")
    async def customers(
        self, info: Info, search: str | None = None, stage: LifecycleStage | None = None,
        owner: str | None = None, tag: str | None = None, company: str | None = None,
        first: int = 20, after: str | None = None,
    ) -> Connection[CustomerSummary]:
        page = await read(info, queries.search_customers, info.context.views, search=search,
                          stage=stage and stage.value, owner=owner, tag=tag, company=company,
                          first=first, after=after)
        return connection(page, CustomerSummary.of)

    @strawberry.field(extensions=requires(Action.CUSTOMERS_READ))
    async def customer360(self, info: Info, id: strawberry.ID) -> Customer360 | None:
        def summary() -> queries.CustomerSummary:
            customer_id = str(parse_id(id, "id"))
            found = queries.customer_summaries(info.context.views, [customer_id])
            if customer_id not in found:
                raise NotFoundError("customer", customer_id)
            return found[customer_id]

        found = await read(info, summary)
        return Customer360(id=strawberry.ID(found.id), summary=CustomerSummary.of(found))
