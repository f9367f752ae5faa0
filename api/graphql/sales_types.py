"""Output types of the sales schema: leads, opportunities in the pipeline, and quotes."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

import strawberry

from api.graphql.auth import requires
from api.graphql.consent import ConsentGrant, customer_consents
from api.graphql.context import Info
from api.graphql.customers import Customer
from api.graphql.types import Channel, Money, Versioned, versioned_fields
from api.permissions import Action
from domain import sales as model
from domain import values

LeadSource = strawberry.enum(model.LeadSource, description="Where a lead came from.")
LeadStatus = strawberry.enum(model.LeadStatus)
OpportunityStage = strawberry.enum(model.OpportunityStage,
                                   description="Where an opportunity stands in the pipeline.")
QuoteStatus = strawberry.enum(model.QuoteStatus)

CENT = Decimal("0.01")


@strawberry.enum(description="How an opportunity is closed: the two final stages.")
class OpportunityOutcome(StrEnum):
    WON = model.OpportunityStage.WON.value
    LOST = model.OpportunityStage.LOST.value


def _ident(value: UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value else None


@strawberry.type(description="A person who showed interest, before they become a customer.")
class Lead(Versioned):
    source: LeadSource
    channel: Channel
    display_name: str
    given_name: str | None
    family_name: str | None
    job_title: str | None
    email: str | None
    phone: str | None
    company_name: str | None
    notes: str | None
    campaign_id: strawberry.ID | None
    owner: str | None
    status: LeadStatus
    status_reason: str | None = strawberry.field(
        description="Why the lead was qualified or disqualified.")
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer the lead became, once converted.")
    opportunity_id: strawberry.ID | None = strawberry.field(
        description="The opportunity opened on conversion.")

    @classmethod
    def of(cls, lead: model.Lead) -> Lead:
        return cls(
            **versioned_fields(lead), source=model.LeadSource(lead.source),
            channel=values.Channel(lead.channel),
            display_name=" ".join(p for p in (lead.given_name, lead.family_name) if p),
            given_name=lead.given_name, family_name=lead.family_name, job_title=lead.job_title,
            email=lead.email, phone=lead.phone, company_name=lead.company_name,
            notes=lead.notes, campaign_id=_ident(lead.campaign_id), owner=lead.owner,
            status=model.LeadStatus(lead.status), status_reason=lead.status_reason,
            customer_id=_ident(lead.customer_id), opportunity_id=_ident(lead.opportunity_id),
        )

    @strawberry.field(extensions=requires(Action.CONSENT_READ),
                      description="The lead's own consent grants, oldest first, with their status "
                                  "now and their history (they stay the lead's once converted).")
    async def consents(self, info: Info) -> list[ConsentGrant]:
        return await customer_consents(info, self.id)


@strawberry.type(description="A possible sale to one customer, moved through the pipeline.")
class Opportunity(Versioned):
    customer_id: strawberry.ID
    name: str
    stage: OpportunityStage
    probability: Decimal = strawberry.field(
        description="Chance of winning in the current stage, from 0 to 1.")
    amount: Money
    weighted_amount: Money = strawberry.field(
        description="The amount times the probability, rounded to the cent: the forecast.")
    expected_close_date: date
    owner: str | None
    lead_id: strawberry.ID | None = strawberry.field(description="The lead it was converted from.")
    campaign_id: strawberry.ID | None
    close_reason: str | None

    @classmethod
    def of(cls, o: model.Opportunity) -> Opportunity:
        weighted = (o.amount * o.probability).quantize(CENT, ROUND_HALF_UP)
        return cls(
            **versioned_fields(o), customer_id=strawberry.ID(str(o.customer_id)), name=o.name,
            stage=model.OpportunityStage(o.stage), probability=o.probability,
            amount=Money(amount=o.amount, currency=o.currency),
            weighted_amount=Money(amount=weighted, currency=o.currency),
            expected_close_date=o.expected_close_date, owner=o.owner,
            lead_id=_ident(o.lead_id), campaign_id=_ident(o.campaign_id),
            close_reason=o.close_reason,
        )


@strawberry.type(description="One priced line of a quote.")
class QuoteLine:
    sku: str
    description: str | None
    quantity: Decimal
    unit_price: Money
    discount_percent: Decimal
    total: Money = strawberry.field(description="Quantity times unit price, less the discount.")

    @classmethod
    def of(cls, line: dict[str, Any], currency: str) -> QuoteLine:
        return cls(
            sku=line["sku"], description=line["description"], quantity=line["quantity"],
            unit_price=Money(amount=line["unit_price"], currency=currency),
            discount_percent=line["discount_percent"],
            total=Money(amount=line["total"], currency=currency),
        )


@strawberry.type(description="Priced lines offered to a customer for one opportunity.")
class Quote(Versioned):
    opportunity_id: strawberry.ID
    customer_id: strawberry.ID
    status: QuoteStatus
    lines: list[QuoteLine]
    total: Money
    valid_until: date = strawberry.field(description="The last day the offer may be accepted.")
    rejection_reason: str | None

    @classmethod
    def of(cls, q: model.Quote) -> Quote:
        return cls(
            **versioned_fields(q), opportunity_id=strawberry.ID(str(q.opportunity_id)),
            customer_id=strawberry.ID(str(q.customer_id)), status=model.QuoteStatus(q.status),
            lines=[QuoteLine.of(line, q.currency) for line in q.lines],
            total=Money(amount=q.total, currency=q.currency), valid_until=q.valid_until,
            rejection_reason=q.rejection_reason,
        )


@strawberry.type(description="What converting a lead created, and the converted lead.")
class LeadConversion:
    lead: Lead
    customer: Customer
    opportunity: Opportunity
