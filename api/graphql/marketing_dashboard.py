"""The marketing dashboard: campaign and channel reports, read from the marketing view,
and a campaign's audience.

The definitions of every figure are in projections/marketing_queries.py; the field
descriptions below repeat what a client needs to read them right.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from uuid import UUID

import strawberry

from api.graphql.auth import requires
from api.graphql.context import Info, read
from api.graphql.directory import CustomerSummary
from api.graphql.marketing import CampaignStatus
from api.graphql.pagination import Connection, connection
from api.graphql.types import Channel, Money
from api.permissions import Action
from api.store import CrmHub
from domain import marketing as model
from domain.core import parse_id
from domain.errors import NotFoundError
from privacy.audiences import covering_names, reach_of
from privacy.consent import RecipientKind
from projections import consent as consent_view
from projections import customer_queries
from projections import marketing_queries as queries
from projections.database import ViewDatabase
from projections.pages import MAX_PAGE, Page, page_size

DEFAULT_STATUSES = (model.CampaignStatus.LAUNCHED, model.CampaignStatus.COMPLETED)
ATTRIBUTION = (f"`attributionDays` (1 to {queries.MAX_ATTRIBUTION_DAYS}) is the window after a"
               " customer's conversion in which their purchases are attributed to the campaign.")


def _money(amounts: Sequence[queries.Money]) -> list[Money]:
    return [Money(amount=amount, currency=currency) for amount, currency in amounts]


def _counts(report: queries.ResponseCounts) -> dict[str, int]:
    return {name: getattr(report, name) for name in queries.COUNTS}


@strawberry.interface(description="What a campaign's messages reached. Counts are of distinct "
                                  "customers and independent of one another (not a funnel), "
                                  "except `sent`, `opens` and `clicks`.")
class CampaignReach:
    audience: int = strawberry.field(description="Customers the message was sent to.")
    sent: int = strawberry.field(description="Messages sent.")
    delivered: int
    opened: int
    clicked: int
    converted: int
    unsubscribed: int
    opens: int = strawberry.field(description="Every open recorded, repeats included.")
    clicks: int = strawberry.field(description="Every click recorded, repeats included.")
    attributed_purchases: int = strawberry.field(
        description="Purchases converted customers made within the attribution window.")


@strawberry.type(description="One campaign's reach, responses, cost and attributed revenue.")
class CampaignReport(CampaignReach):
    id: strawberry.ID
    name: str
    channel: Channel
    status: CampaignStatus
    starts_on: date
    ends_on: date
    budget: Money = strawberry.field(description="The planned budget, whatever the status.")
    cost_per_conversion: Money | None = strawberry.field(
        description="Budget over converted customers, rounded half up to the cent; null when "
                    "nobody converted.")
    conversion_value: Money = strawberry.field(
        description="The sum of the values recorded with the conversions.")
    attributed_revenue: list[Money] = strawberry.field(
        description="Converted customers' purchases from their conversion to the end of the "
                    "attribution window, net of refunds, per currency.")

    @classmethod
    def of(cls, r: queries.CampaignReport) -> CampaignReport:
        cost = r.cost_per_conversion
        return cls(
            id=strawberry.ID(r.id), name=r.name, channel=Channel(r.channel),
            status=model.CampaignStatus(r.status), starts_on=r.starts_on, ends_on=r.ends_on,
            budget=Money(amount=r.budget, currency=r.currency),
            cost_per_conversion=Money(amount=cost, currency=r.currency) if cost is not None else None,
            conversion_value=Money(amount=r.conversion_value, currency=r.currency),
            attributed_revenue=_money(r.attributed_revenue), **_counts(r),
        )


@strawberry.type(description="The campaigns of one channel summed; money per currency.")
class ChannelReport(CampaignReach):
    channel: Channel
    campaigns: int = strawberry.field(description="Campaigns counted: a customer reached by two "
                                                  "counts in both.")
    budget: list[Money]
    cost_per_conversion: list[Money] = strawberry.field(
        description="Per currency, the budgets in it over the conversions of their campaigns; "
                    "none for a currency without conversions.")
    conversion_value: list[Money]
    attributed_revenue: list[Money]

    @classmethod
    def of(cls, r: queries.ChannelReport) -> ChannelReport:
        return cls(
            channel=Channel(r.channel), campaigns=r.campaigns, budget=_money(r.budget),
            cost_per_conversion=_money(r.cost_per_conversion),
            conversion_value=_money(r.conversion_value),
            attributed_revenue=_money(r.attributed_revenue), **_counts(r),
        )


def campaign_audience(hub: CrmHub, views: ViewDatabase, campaign_id: str, *, first: int,
                      after: str | None) -> Page[customer_queries.CustomerSummary]:
    """A page of the customers the campaign may message now, by id.

    The consent view names the candidates; each is confirmed from the log
    (`CrmHub.in_audience`), so a withdrawal or an erasure the view has not applied yet
    already keeps the customer out. Candidates are read until the page is full and one more
    member shows that another page follows."""
    limit = page_size(first)
    campaign = hub.load(model.Campaign, parse_id(campaign_id, "campaignId"))
    reach = reach_of(campaign.channel)
    at = datetime.now(UTC)
    members: list[tuple[str, str]] = []  # (cursor, customer id)
    cursor = after
    while len(members) <= limit:
        candidates = consent_view.consenting_customers(
            views, recipient=RecipientKind.ORGANISATION.value, purposes=covering_names(reach.purpose),
            categories=covering_names(reach.category), at=at,
            first=min(limit + 1 - len(members), MAX_PAGE), after=cursor)
        members += [(key, customer) for key, customer in candidates.items
                    if hub.in_audience(campaign, UUID(customer), at)]
        if not candidates.has_next_page:
            break
        cursor = candidates.end_cursor
    summaries = customer_queries.customer_summaries(views, [c for _, c in members[:limit]])
    return Page(items=[(key, summaries[customer]) for key, customer in members[:limit]
                       if customer in summaries], has_next_page=len(members) > limit)


@strawberry.type
class MarketingDashboardQuery:
    @strawberry.field(
        extensions=requires(Action.MARKETING_READ),
        description="The customers the campaign may message now, by id: not erased, with a live "
                    "grant to our organisation covering the purpose and data category of the "
                    "campaign's channel (email: marketing.communications.email with "
                    "user.contact.email). Decided from the log, whatever the views' lag; a "
                    "grant the views have not shown yet may be missing for a moment. Whether "
                    "the campaign sends now, and to whom it already did, is not considered.")
    async def campaign_audience(
        self, info: Info, campaign_id: strawberry.ID, first: int = 50, after: str | None = None,
    ) -> Connection[CustomerSummary]:
        page = await read(info, campaign_audience, info.context.hub, info.context.views,
                          campaign_id, first=first, after=after)
        return connection(page, CustomerSummary.of)

    @strawberry.field(extensions=requires(Action.MARKETING_READ),
                      description="Campaigns with their reports, latest start first. " + ATTRIBUTION)
    async def campaign_reports(
        self, info: Info, status: CampaignStatus | None = None, channel: Channel | None = None,
        attribution_days: int = queries.DEFAULT_ATTRIBUTION_DAYS, first: int = 20,
        after: str | None = None,
    ) -> Connection[CampaignReport]:
        page = await read(info, queries.list_campaigns, info.context.views,
                          status=status and status.value, channel=channel and channel.value,
                          attribution_days=attribution_days, first=first, after=after)
        return connection(page, CampaignReport.of)

    @strawberry.field(extensions=requires(Action.MARKETING_READ),
                      description="One campaign's report. " + ATTRIBUTION)
    async def campaign_report(
        self, info: Info, id: strawberry.ID,
        attribution_days: int = queries.DEFAULT_ATTRIBUTION_DAYS,
    ) -> CampaignReport | None:
        def report() -> queries.CampaignReport:
            campaign_id = str(parse_id(id, "id"))
            found = queries.campaign_reports(info.context.views, ids=[campaign_id],
                                             attribution_days=attribution_days)
            if campaign_id not in found:
                raise NotFoundError("campaign", campaign_id)
            return found[campaign_id]

        return CampaignReport.of(await read(info, report))

    @strawberry.field(
        extensions=requires(Action.MARKETING_READ),
        description="Per channel, by name, the campaigns whose period (start and end dates, "
                    "inclusive) overlaps [since, until) summed. `statuses` picks the campaigns "
                    "counted: LAUNCHED and COMPLETED when omitted or null. " + ATTRIBUTION)
    async def channel_reports(
        self, info: Info, since: date, until: date,
        statuses: list[CampaignStatus] | None = None,
        attribution_days: int = queries.DEFAULT_ATTRIBUTION_DAYS,
    ) -> list[ChannelReport]:
        chosen = DEFAULT_STATUSES if statuses is None else statuses
        reports = await read(info, queries.channel_reports, info.context.views, since=since,
                             until=until, statuses=[s.value for s in chosen],
                             attribution_days=attribution_days)
        return [ChannelReport.of(r) for r in reports]
