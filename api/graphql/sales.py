"""Sales in the internal GraphQL schema: leads, opportunities and quotes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.auth import requires
from api.graphql.context import Info, read, run_command
from api.graphql.customers import Customer
from api.graphql.sales_types import (
    Lead,
    LeadConversion,
    Opportunity,
    OpportunityOutcome,
    Quote,
)
from api.graphql.types import Channel, InputModel, input_type, validated
from api.permissions import Action
from domain import customers as model_customer
from domain import sales as model
from domain.quotes import MAX_LINES

Text = Annotated[str, Field(max_length=200)]
Reason = Annotated[str, Field(max_length=500)]
Version = Annotated[int, Field(ge=1)]


# -- inputs ---------------------------------------------------------------------------


class CaptureLeadModel(InputModel):
    source: model.LeadSource
    channel: Channel
    given_name: Text | None = None
    family_name: Text | None = None
    job_title: Text | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    phone: Annotated[str, Field(max_length=30)] | None = None
    company_name: Text | None = None
    notes: Annotated[str, Field(max_length=4000)] | None = None
    campaign_id: UUID | None = None
    owner: Text | None = None


class QualifyLeadModel(InputModel):
    id: UUID
    reason: Reason | None = None
    expected_version: Version | None = None


class DisqualifyLeadModel(InputModel):
    id: UUID
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    expected_version: Version | None = None


class ConvertLeadModel(InputModel):
    id: UUID
    opportunity_name: Annotated[str, Field(min_length=1, max_length=200)]
    amount: Decimal
    currency: str
    expected_close_date: date
    owner: Text | None = None
    expected_version: Version | None = None


class OpenOpportunityModel(InputModel):
    customer_id: UUID
    name: Annotated[str, Field(min_length=1, max_length=200)]
    amount: Decimal
    currency: str
    expected_close_date: date
    owner: Text | None = None
    stage: model.OpportunityStage = model.OpportunityStage.PROSPECTING
    campaign_id: UUID | None = None


class AdvanceOpportunityModel(InputModel):
    id: UUID
    stage: model.OpportunityStage
    expected_version: Version | None = None


class UpdateOpportunityModel(InputModel):
    """Only the details given change; the currency never does."""

    id: UUID
    name: Text | None = None
    amount: Decimal | None = None
    expected_close_date: date | None = None
    owner: Text | None = None
    expected_version: Version | None = None


class CloseOpportunityModel(InputModel):
    id: UUID
    outcome: OpportunityOutcome
    reason: Reason | None = Field(default=None, description="Required when the deal is lost.")
    expected_version: Version | None = None


class QuoteLineModel(InputModel):
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Decimal
    unit_price: Decimal
    description: Reason | None = None
    discount_percent: Decimal | None = None

    def draft(self) -> model.QuoteLineDraft:
        return model.QuoteLineDraft(**self.model_dump())


class IssueQuoteModel(InputModel):
    opportunity_id: UUID
    currency: str
    lines: list[QuoteLineModel] = Field(min_length=1, max_length=MAX_LINES)
    valid_until: date


class QuoteVersionModel(InputModel):
    id: UUID
    expected_version: Version | None = None


class RejectQuoteModel(QuoteVersionModel):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


CaptureLeadInput = input_type(CaptureLeadModel, "CaptureLeadInput",
                              campaign_id=strawberry.ID | None)
QualifyLeadInput = input_type(QualifyLeadModel, "QualifyLeadInput", id=strawberry.ID)
DisqualifyLeadInput = input_type(DisqualifyLeadModel, "DisqualifyLeadInput", id=strawberry.ID)
ConvertLeadInput = input_type(ConvertLeadModel, "ConvertLeadInput", id=strawberry.ID)
OpenOpportunityInput = input_type(OpenOpportunityModel, "OpenOpportunityInput",
                                  customer_id=strawberry.ID, campaign_id=strawberry.ID | None)
AdvanceOpportunityInput = input_type(AdvanceOpportunityModel, "AdvanceOpportunityInput",
                                     id=strawberry.ID)
UpdateOpportunityInput = input_type(UpdateOpportunityModel, "UpdateOpportunityInput",
                                    id=strawberry.ID)
CloseOpportunityInput = input_type(CloseOpportunityModel, "CloseOpportunityInput",
                                   id=strawberry.ID)
QuoteLineInput = input_type(QuoteLineModel, "QuoteLineInput")
IssueQuoteInput = input_type(IssueQuoteModel, "IssueQuoteInput", opportunity_id=strawberry.ID)
AcceptQuoteInput = input_type(QuoteVersionModel, "AcceptQuoteInput", id=strawberry.ID)
RejectQuoteInput = input_type(RejectQuoteModel, "RejectQuoteInput", id=strawberry.ID)
ExpireQuoteInput = input_type(QuoteVersionModel, "ExpireQuoteInput", id=strawberry.ID)


# -- queries and mutations ---------------------------------------------------------


async def _lead(info: Info, lead_id: UUID | str) -> Lead:
    return Lead.of(await read(info, info.context.hub.load, model.Lead, lead_id))


async def _opportunity(info: Info, opportunity_id: UUID | str) -> Opportunity:
    hub = info.context.hub
    return Opportunity.of(await read(info, hub.load, model.Opportunity, opportunity_id))


async def _quote(info: Info, quote_id: UUID | str) -> Quote:
    return Quote.of(await read(info, info.context.hub.load, model.Quote, quote_id))


@strawberry.type
class SalesQuery:
    @strawberry.field(extensions=requires(Action.SALES_READ))
    async def lead(self, info: Info, id: strawberry.ID) -> Lead | None:
        return await _lead(info, id)

    @strawberry.field(extensions=requires(Action.SALES_READ))
    async def opportunity(self, info: Info, id: strawberry.ID) -> Opportunity | None:
        return await _opportunity(info, id)

    @strawberry.field(extensions=requires(Action.SALES_READ))
    async def quote(self, info: Info, id: strawberry.ID) -> Quote | None:
        return await _quote(info, id)


@strawberry.type
class SalesMutation:
    @strawberry.mutation(extensions=requires(Action.SALES_WRITE))
    async def capture_lead(self, info: Info, input: CaptureLeadInput) -> Lead:
        data = validated(CaptureLeadModel, input)
        lead_id = await run_command(info, info.context.hub.capture_lead, **data.model_dump())
        return await _lead(info, lead_id)

    @strawberry.mutation(extensions=requires(Action.SALES_WRITE))
    async def qualify_lead(self, info: Info, input: QualifyLeadInput) -> Lead:
        data = validated(QualifyLeadModel, input)
        await run_command(info, info.context.hub.qualify_lead, lead_id=data.id,
                          reason=data.reason, expected_version=data.expected_version)
        return await _lead(info, data.id)

    @strawberry.mutation(extensions=requires(Action.SALES_WRITE))
    async def disqualify_lead(self, info: Info, input: DisqualifyLeadInput) -> Lead:
        data = validated(DisqualifyLeadModel, input)
        await run_command(info, info.context.hub.disqualify_lead, lead_id=data.id,
                          reason=data.reason, expected_version=data.expected_version)
        return await _lead(info, data.id)

    @strawberry.mutation(
        extensions=requires(Action.SALES_WRITE),
        description="A qualified lead becomes a prospect customer with an opportunity, at once.",
    )
    async def convert_lead(self, info: Info, input: ConvertLeadInput) -> LeadConversion:
        data = validated(ConvertLeadModel, input)
        created = await run_command(
            info, info.context.hub.convert_lead, lead_id=data.id,
            opportunity_name=data.opportunity_name, amount=data.amount, currency=data.currency,
            expected_close_date=data.expected_close_date, owner=data.owner,
            expected_version=data.expected_version,
        )
        customer = await read(info, info.context.hub.load, model_customer.Customer,
                              created.customer_id)
        return LeadConversion(lead=await _lead(info, data.id), customer=Customer.of(customer),
                              opportunity=await _opportunity(info, created.opportunity_id))

    @strawberry.mutation(extensions=requires(Action.SALES_WRITE))
    async def open_opportunity(self, info: Info, input: OpenOpportunityInput) -> Opportunity:
        data = validated(OpenOpportunityModel, input)
        opportunity_id = await run_command(info, info.context.hub.open_opportunity,
                                           **data.model_dump())
        return await _opportunity(info, opportunity_id)

    @strawberry.mutation(
        extensions=requires(Action.SALES_WRITE),
        description="Move an open opportunity to a later open stage, or back by one stage.",
    )
    async def advance_opportunity(
        self, info: Info, input: AdvanceOpportunityInput
    ) -> Opportunity:
        data = validated(AdvanceOpportunityModel, input)
        await run_command(info, info.context.hub.advance_opportunity, opportunity_id=data.id,
                          stage=data.stage, expected_version=data.expected_version)
        return await _opportunity(info, data.id)

    @strawberry.mutation(extensions=requires(Action.SALES_WRITE))
    async def update_opportunity(self, info: Info, input: UpdateOpportunityInput) -> Opportunity:
        data = validated(UpdateOpportunityModel, input)
        await run_command(info, info.context.hub.update_opportunity, opportunity_id=data.id,
                          **data.model_dump(exclude={"id"}))
        return await _opportunity(info, data.id)

    @strawberry.mutation(
        extensions=requires(Action.SALES_WRITE),
        description="Win or lose an open opportunity; losing needs a reason.",
    )
    async def close_opportunity(self, info: Info, input: CloseOpportunityInput) -> Opportunity:
        data = validated(CloseOpportunityModel, input)
        await run_command(info, info.context.hub.close_opportunity, opportunity_id=data.id,
                          outcome=data.outcome, reason=data.reason,
                          expected_version=data.expected_version)
        return await _opportunity(info, data.id)

    @strawberry.mutation(
        extensions=requires(Action.SALES_WRITE),
        description="Quote an open opportunity, in its currency. A quote is never edited.",
    )
    async def issue_quote(self, info: Info, input: IssueQuoteInput) -> Quote:
        data = validated(IssueQuoteModel, input)
        quote_id = await run_command(
            info, info.context.hub.issue_quote, opportunity_id=data.opportunity_id,
            currency=data.currency, lines=[line.draft() for line in data.lines],
            valid_until=data.valid_until,
        )
        return await _quote(info, quote_id)

    @strawberry.mutation(
        extensions=requires(Action.SALES_WRITE),
        description="The customer accepted; the opportunity is left open until closed.",
    )
    async def accept_quote(self, info: Info, input: AcceptQuoteInput) -> Quote:
        data = validated(QuoteVersionModel, input)
        await run_command(info, info.context.hub.accept_quote, quote_id=data.id,
                          expected_version=data.expected_version)
        return await _quote(info, data.id)

    @strawberry.mutation(extensions=requires(Action.SALES_WRITE))
    async def reject_quote(self, info: Info, input: RejectQuoteInput) -> Quote:
        data = validated(RejectQuoteModel, input)
        await run_command(info, info.context.hub.reject_quote, quote_id=data.id,
                          reason=data.reason, expected_version=data.expected_version)
        return await _quote(info, data.id)

    @strawberry.mutation(
        extensions=requires(Action.SALES_WRITE),
        description="Mark an issued quote expired once its last valid day has passed.",
    )
    async def expire_quote(self, info: Info, input: ExpireQuoteInput) -> Quote:
        data = validated(QuoteVersionModel, input)
        await run_command(info, info.context.hub.expire_quote, quote_id=data.id,
                          expected_version=data.expected_version)
        return await _quote(info, data.id)
