"""Lead distribution in the internal schema: offer a lead to a partner by hand or by the
rules, take it back, read a lead's offers and a partner's PRM figures.

Sales and admins distribute (`sales:write`); whoever reads the partner registry reads the
distribution and the figures (`partners:read`); admins run the time-out sweep by hand
(`partners:write`; `crmhub serve` runs it on its own).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.auth import requires
from api.graphql.context import Info, caught_up, read, run_command
from api.graphql.partners import Partner
from api.graphql.types import InputModel, input_type, validated
from api.lead_offers import sweep_lead_offers, window
from api.permissions import Action
from partners import offers as model
from partners.partner import PRODUCT_MAX
from projections.prm_queries import PrmFigures, partner_candidates, partner_figures

LeadOfferStatus = strawberry.enum(model.OfferStatus, name="LeadOfferStatus", description=(
    "offered (waiting for the partner's answer until expiresAt) -> accepted, rejected or "
    "timed_out; an open offer may be withdrawn and an accepted lead recalled by us."))
LeadDistributionStatus = strawberry.enum(model.Distribution, name="LeadDistributionStatus",
                                         description=(
    "offered: waiting for a partner's answer; accepted: a partner holds the lead; returned: "
    "the lead is with internal sales (nobody eligible was left, or staff took it back)."))
OfferMethod = strawberry.enum(model.OfferMethod, name="LeadOfferMethod",
                              description="By hand, or by the rules.")

Product = Annotated[str, Field(max_length=PRODUCT_MAX)]
WINDOW = ("How long the partner has to answer, in seconds (default: the "
          "CRMHUB_LEAD_OFFER_WINDOW setting, 48 hours).")
Reason = Annotated[str, Field(max_length=model.REASON_MAX)]


@strawberry.type(description="One offer of a lead to one partner, and how it ended.")
class LeadOffer:
    id: strawberry.ID
    partner_id: strawberry.ID
    method: OfferMethod
    rule: str | None = strawberry.field(description=(
        "For an offer by the rules, how the partner matched: product, category or any "
        "(the lead named no product)."))
    territory: str | None
    product: str | None
    category: str | None
    source: str = strawberry.field(description="Where the lead came from.")
    status: LeadOfferStatus
    offered_at: datetime
    offered_by: str
    expires_at: datetime
    answered_at: datetime | None = strawberry.field(
        description="When it was accepted, rejected, timed out or withdrawn.")
    answered_by: str | None
    reason: str | None = strawberry.field(description="Why it was rejected, withdrawn or recalled.")

    @strawberry.field(description="The partner offered the lead.")
    async def partner(self, info: Info) -> Partner:
        return Partner.of(await read(info, info.context.hub.partner, self.partner_id))

    @classmethod
    def of(cls, offer: model.Offer) -> LeadOffer:
        criteria = offer.criteria
        return cls(
            id=strawberry.ID(str(offer.id)), partner_id=strawberry.ID(str(offer.partner_id)),
            method=model.OfferMethod(offer.method), rule=offer.rule,
            territory=criteria.territory if criteria else None,
            product=criteria.product if criteria else None,
            category=criteria.category if criteria else None, source=offer.source,
            status=model.OfferStatus(offer.status), offered_at=offer.offered_at,
            offered_by=offer.offered_by, expires_at=offer.expires_at,
            answered_at=offer.answered_at, answered_by=offer.answered_by, reason=offer.reason)


@strawberry.type(description="Every offer of one lead to partners, oldest first.")
class LeadDistribution:
    lead_id: strawberry.ID
    version: int
    status: LeadDistributionStatus
    holder_id: strawberry.ID | None = strawberry.field(
        description="The partner the lead is offered to or held by now.")
    territory: str | None = strawberry.field(description="What the latest offer by the rules "
                                                         "was about: the next partner is "
                                                         "chosen by it.")
    product: str | None
    category: str | None
    offers: list[LeadOffer]

    @classmethod
    def of(cls, distribution: model.LeadDistribution) -> LeadDistribution:
        current, criteria = distribution.current, distribution.criteria
        holding = current is not None and current.status in ("offered", "accepted")
        return cls(
            lead_id=strawberry.ID(str(distribution.lead_id)), version=distribution.version,
            status=model.Distribution(distribution.status),
            holder_id=strawberry.ID(str(current.partner_id)) if current and holding else None,
            territory=criteria.territory if criteria else None,
            product=criteria.product if criteria else None,
            category=criteria.category if criteria else None,
            offers=[LeadOffer.of(offer) for offer in distribution.offers])


@strawberry.type(description=(
    "A partner's lead figures of [start, end): offers made in it; offers accepted, rejected "
    "or timed out in it; accepted leads converted in it; the response time (offer to "
    "accept or reject) of the answers given in it, in seconds."))
class PartnerPerformance:
    partner_id: strawberry.ID
    start: datetime
    end: datetime
    offered: int
    accepted: int
    rejected: int
    timed_out: int
    converted: int
    acceptance_rate: float | None = strawberry.field(
        description="accepted / (accepted + rejected + timed out); null when none.")
    median_response_seconds: float | None
    p90_response_seconds: float | None

    @classmethod
    def of(cls, f: PrmFigures) -> PartnerPerformance:
        return cls(partner_id=strawberry.ID(str(f.partner_id)), start=f.start, end=f.end,
                   offered=f.offered, accepted=f.accepted, rejected=f.rejected,
                   timed_out=f.timed_out, converted=f.converted,
                   acceptance_rate=f.acceptance_rate,
                   median_response_seconds=f.median_response_seconds,
                   p90_response_seconds=f.p90_response_seconds)


@strawberry.type
class ExpireLeadOffersPayload:
    timed_out: int = strawberry.field(description="Offers timed out and moved on.")


# -- inputs ---------------------------------------------------------------------------


class OfferLeadModel(InputModel):
    lead_id: UUID
    partner_id: UUID
    territory: str | None = Field(default=None, max_length=2, description=(
        "ISO 3166-1 alpha-2; given, the partner must serve it, and if it says no the lead "
        "goes on to the next eligible partner."))
    product: Product | None = None
    category: Product | None = None
    window_seconds: int | None = Field(default=None, description=WINDOW)


class DistributeLeadModel(InputModel):
    lead_id: UUID
    territory: str = Field(max_length=2, description="ISO 3166-1 alpha-2, e.g. DE.")
    product: Product | None = Field(default=None, description="Null: any partner of the "
                                                              "territory.")
    category: Product | None = Field(default=None, description="The product's category: a "
                                                               "partner serving it matches too.")
    window_seconds: int | None = Field(default=None, description=WINDOW)


class TakeBackLeadModel(InputModel):
    lead_id: UUID
    reason: Reason | None = Field(default=None, description="About the lead.")


OfferLeadInput = input_type(OfferLeadModel, "OfferLeadInput", lead_id=strawberry.ID,
                            partner_id=strawberry.ID)
DistributeLeadInput = input_type(DistributeLeadModel, "DistributeLeadInput",
                                 lead_id=strawberry.ID)
WithdrawLeadOfferInput = input_type(TakeBackLeadModel, "WithdrawLeadOfferInput",
                                    lead_id=strawberry.ID)
RecallLeadInput = input_type(TakeBackLeadModel, "RecallLeadInput", lead_id=strawberry.ID)


# -- queries and mutations ------------------------------------------------------------


async def _distribution(info: Info, lead_id: UUID | str) -> LeadDistribution:
    found = await read(info, info.context.hub.lead_distribution, lead_id)
    assert found is not None, "a command just recorded it"
    return LeadDistribution.of(found)


def _window(info: Info, seconds: int | None) -> timedelta:
    return window(seconds, info.context.settings.lead_offer_window)


async def current_views(info: Info) -> None:
    """The PRM view as far as the log goes now (bounded wait): every partner's load
    counts the offers just made by anyone."""
    await caught_up(info.context, info.context.hub.position())


@strawberry.type
class LeadOfferQuery:
    @strawberry.field(extensions=requires(Action.PARTNERS_READ),
                      description="Every offer of a lead to partners; null if never offered.")
    async def lead_distribution(self, info: Info, lead_id: strawberry.ID) -> LeadDistribution | None:
        found = await read(info, info.context.hub.lead_distribution, lead_id)
        return None if found is None else LeadDistribution.of(found)

    @strawberry.field(extensions=requires(Action.PARTNERS_READ),
                      description="A partner's lead figures of [start, end).")
    async def partner_performance(self, info: Info, partner_id: strawberry.ID, start: datetime,
                                  end: datetime) -> PartnerPerformance:
        partner = await read(info, info.context.hub.partner, partner_id)
        figures = await read(info, partner_figures, info.context.views, partner.id, start, end)
        return PartnerPerformance.of(figures)


@strawberry.type
class LeadOfferMutation:
    @strawberry.mutation(extensions=requires(Action.SALES_WRITE), description=(
        "Offer a new or qualified lead to one partner by hand. The partner must be active "
        "(its capacity is not checked: a lead offered by hand may exceed it)."))
    async def offer_lead(self, info: Info, input: OfferLeadInput) -> LeadDistribution:
        data = validated(OfferLeadModel, input)
        await run_command(info, info.context.hub.offer_lead, lead_id=data.lead_id,
                          partner_id=data.partner_id, territory=data.territory,
                          product=data.product, category=data.category,
                          window=_window(info, data.window_seconds))
        return await _distribution(info, data.lead_id)

    @strawberry.mutation(extensions=requires(Action.SALES_WRITE), description=(
        "Offer a new or qualified lead by the rules: the active partner serving the territory "
        "and product (or its category), with room under its capacity, not asked before; "
        "the best match first, round-robin among equals. With nobody eligible the lead "
        "stays with internal sales (status returned)."))
    async def distribute_lead(self, info: Info, input: DistributeLeadInput) -> LeadDistribution:
        data = validated(DistributeLeadModel, input)
        await current_views(info)
        candidates = await read(info, partner_candidates, info.context.views,
                                territory=data.territory.strip().upper())
        await run_command(info, info.context.hub.distribute_lead, lead_id=data.lead_id,
                          territory=data.territory, product=data.product,
                          category=data.category, candidates=candidates,
                          window=_window(info, data.window_seconds))
        return await _distribution(info, data.lead_id)

    @strawberry.mutation(extensions=requires(Action.SALES_WRITE),
                         description="Take back a lead's open offer before the partner answers.")
    async def withdraw_lead_offer(self, info: Info, input: WithdrawLeadOfferInput
                                  ) -> LeadDistribution:
        data = validated(TakeBackLeadModel, input)
        await run_command(info, info.context.hub.withdraw_lead_offer, lead_id=data.lead_id,
                          reason=data.reason)
        return await _distribution(info, data.lead_id)

    @strawberry.mutation(extensions=requires(Action.SALES_WRITE), description=(
        "Take back a lead a partner accepted (it no longer counts against its capacity)."))
    async def recall_lead(self, info: Info, input: RecallLeadInput) -> LeadDistribution:
        data = validated(TakeBackLeadModel, input)
        await run_command(info, info.context.hub.recall_lead, lead_id=data.lead_id,
                          reason=data.reason)
        return await _distribution(info, data.lead_id)

    @strawberry.mutation(extensions=requires(Action.PARTNERS_WRITE), description=(
        "Time out the offers past their expiry now and offer each lead to the next eligible "
        "partner (`crmhub serve` does this on its own every CRMHUB_LEAD_OFFER_SWEEP "
        "seconds)."))
    async def expire_lead_offers(self, info: Info) -> ExpireLeadOffersPayload:
        context = info.context
        await current_views(info)

        def sweep(*, actor: str) -> int:
            return sweep_lead_offers(context.hub, context.views, actor=actor)

        return ExpireLeadOffersPayload(timed_out=await run_command(info, sweep))
