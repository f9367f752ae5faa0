"""Marketing in the internal GraphQL schema: campaigns, their messages and the responses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.auth import requires
from api.graphql.context import Info, read, run_command
from api.graphql.types import (
    Channel,
    InputModel,
    Money,
    Versioned,
    input_type,
    validated,
    versioned_fields,
)
from api.permissions import Action
from domain import marketing as model
from domain import values
from domain.commands.marketing import MAX_MESSAGES_BATCH
from domain.core import parse_id
from domain.hub import Hub

CampaignStatus = strawberry.enum(model.CampaignStatus)
CampaignResponse = strawberry.enum(model.CampaignResponse,
                                   description="How a customer answered a campaign's message.")

Version = Annotated[int, Field(ge=1)]


# -- output types -------------------------------------------------------------------


@strawberry.type(description="A marketing campaign on one channel, with a budget and a period.")
class Campaign(Versioned):
    name: str
    channel: Channel
    budget: Money
    starts_on: date = strawberry.field(description="The first day it may send.")
    ends_on: date = strawberry.field(description="The last day it may send.")
    status: CampaignStatus
    purpose: str | None
    description: str | None

    @classmethod
    def of(cls, c: model.Campaign) -> Campaign:
        return cls(
            **versioned_fields(c), name=c.name, channel=values.Channel(c.channel),
            budget=Money(amount=c.budget, currency=c.currency), starts_on=c.starts_on,
            ends_on=c.ends_on, status=model.CampaignStatus(c.status), purpose=c.purpose,
            description=c.description,
        )


@strawberry.type(description="How many times a message received one kind of response.")
class CampaignResponseCount:
    response: CampaignResponse
    count: int


@strawberry.type(description="The message a campaign sent to one customer, and the responses.")
class CampaignMessage(Versioned):
    campaign_id: strawberry.ID
    customer_id: strawberry.ID
    channel: Channel
    responses: list[CampaignResponseCount] = strawberry.field(
        description="The responses recorded so far, in the order of the CampaignResponse enum.")
    converted_value: Money | None = strawberry.field(
        description="The revenue attributed to the campaign when the customer converted.")
    unsubscribed: bool = strawberry.field(
        description="The customer unsubscribed: no further response is recorded.")

    @classmethod
    def of(cls, m: model.CampaignMessage, currency: str) -> CampaignMessage:
        """`currency` is the campaign's: the one its converted value is in."""
        counts = [CampaignResponseCount(response=kind, count=m.response_counts[kind.value])
                  for kind in model.CampaignResponse if kind.value in m.response_counts]
        value = m.converted_value
        return cls(
            **versioned_fields(m), campaign_id=strawberry.ID(str(m.campaign_id)),
            customer_id=strawberry.ID(str(m.customer_id)), channel=values.Channel(m.channel),
            responses=counts, unsubscribed=m.unsubscribed,
            converted_value=Money(amount=value, currency=currency) if value is not None else None,
        )


@strawberry.type
class SendCampaignMessagesPayload:
    ids: list[strawberry.ID] = strawberry.field(
        description="The messages' ids, in the order of the customerIds sent.")
    count: int


# -- inputs ---------------------------------------------------------------------------


class CreateCampaignModel(InputModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    channel: Channel
    budget: Decimal
    currency: str
    starts_on: date
    ends_on: date
    purpose: Annotated[str, Field(max_length=200)] | None = None
    description: Annotated[str, Field(max_length=model.TEXT_MAX)] | None = None


class CampaignVersionModel(InputModel):
    id: UUID
    expected_version: Version | None = None


class CancelCampaignModel(CampaignVersionModel):
    reason: Annotated[str, Field(max_length=model.REASON_MAX)] | None = None


class SendMessageModel(InputModel):
    campaign_id: UUID
    customer_id: UUID


class SendMessagesModel(InputModel):
    campaign_id: UUID
    customer_ids: list[UUID] = Field(min_length=1, max_length=MAX_MESSAGES_BATCH)


class RecordResponseModel(InputModel):
    campaign_id: UUID
    customer_id: UUID
    response: CampaignResponse
    value: Decimal | None = Field(
        default=None, description="Converted only: the revenue, in the campaign's currency.")
    expected_version: Version | None = None


CreateCampaignInput = input_type(CreateCampaignModel, "CreateCampaignInput")
LaunchCampaignInput = input_type(CampaignVersionModel, "LaunchCampaignInput", id=strawberry.ID)
CompleteCampaignInput = input_type(CampaignVersionModel, "CompleteCampaignInput",
                                   id=strawberry.ID)
CancelCampaignInput = input_type(CancelCampaignModel, "CancelCampaignInput", id=strawberry.ID)
SendCampaignMessageInput = input_type(SendMessageModel, "SendCampaignMessageInput",
                                      campaign_id=strawberry.ID, customer_id=strawberry.ID)
SendCampaignMessagesInput = input_type(SendMessagesModel, "SendCampaignMessagesInput",
                                       campaign_id=strawberry.ID,
                                       customer_ids=list[strawberry.ID])
RecordCampaignResponseInput = input_type(RecordResponseModel, "RecordCampaignResponseInput",
                                         campaign_id=strawberry.ID, customer_id=strawberry.ID)


# -- queries and mutations ---------------------------------------------------------


async def _campaign(info: Info, campaign_id: UUID | str) -> Campaign:
    return Campaign.of(await read(info, info.context.hub.load, model.Campaign, campaign_id))


def _load_message(
    hub: Hub, campaign_id: UUID | str, customer_id: UUID | str
) -> tuple[model.Campaign, model.CampaignMessage]:
    campaign = hub.load(model.Campaign, parse_id(campaign_id, "campaignId"))
    message_id = model.CampaignMessage.create_id(campaign.id, parse_id(customer_id, "customerId"))
    return campaign, hub.load(model.CampaignMessage, message_id)


async def _message(
    info: Info, campaign_id: UUID | str, customer_id: UUID | str
) -> CampaignMessage:
    campaign, message = await read(info, _load_message, info.context.hub, campaign_id,
                                   customer_id)
    return CampaignMessage.of(message, campaign.currency)


@strawberry.type
class MarketingQuery:
    @strawberry.field(extensions=requires(Action.MARKETING_READ))
    async def campaign(self, info: Info, id: strawberry.ID) -> Campaign | None:
        return await _campaign(info, id)

    @strawberry.field(extensions=requires(Action.MARKETING_READ),
                      description="The message a campaign sent to a customer.")
    async def campaign_message(
        self, info: Info, campaign_id: strawberry.ID, customer_id: strawberry.ID
    ) -> CampaignMessage | None:
        return await _message(info, campaign_id, customer_id)


@strawberry.type
class MarketingMutation:
    @strawberry.mutation(extensions=requires(Action.MARKETING_WRITE),
                         description="Create a draft campaign.")
    async def create_campaign(self, info: Info, input: CreateCampaignInput) -> Campaign:
        data = validated(CreateCampaignModel, input)
        campaign_id = await run_command(info, info.context.hub.create_campaign,
                                        **data.model_dump())
        return await _campaign(info, campaign_id)

    @strawberry.mutation(extensions=requires(Action.MARKETING_WRITE),
                         description="Launch a draft campaign whose period is not over.")
    async def launch_campaign(self, info: Info, input: LaunchCampaignInput) -> Campaign:
        data = validated(CampaignVersionModel, input)
        await run_command(info, info.context.hub.launch_campaign, campaign_id=data.id,
                          expected_version=data.expected_version)
        return await _campaign(info, data.id)

    @strawberry.mutation(extensions=requires(Action.MARKETING_WRITE))
    async def complete_campaign(self, info: Info, input: CompleteCampaignInput) -> Campaign:
        data = validated(CampaignVersionModel, input)
        await run_command(info, info.context.hub.complete_campaign, campaign_id=data.id,
                          expected_version=data.expected_version)
        return await _campaign(info, data.id)

    @strawberry.mutation(extensions=requires(Action.MARKETING_WRITE),
                         description="Cancel a draft or launched campaign.")
    async def cancel_campaign(self, info: Info, input: CancelCampaignInput) -> Campaign:
        data = validated(CancelCampaignModel, input)
        await run_command(info, info.context.hub.cancel_campaign, campaign_id=data.id,
                          reason=data.reason, expected_version=data.expected_version)
        return await _campaign(info, data.id)

    @strawberry.mutation(
        extensions=requires(Action.MARKETING_WRITE),
        description="Record that a launched campaign sent its one message to a customer.",
    )
    async def send_campaign_message(
        self, info: Info, input: SendCampaignMessageInput
    ) -> CampaignMessage:
        data = validated(SendMessageModel, input)
        await run_command(info, info.context.hub.send_campaign_message,
                          campaign_id=data.campaign_id, customer_id=data.customer_id)
        return await _message(info, data.campaign_id, data.customer_id)

    @strawberry.mutation(
        extensions=requires(Action.MARKETING_WRITE),
        description="Batch send: all messages or none, one transaction.",
    )
    async def send_campaign_messages(
        self, info: Info, input: SendCampaignMessagesInput
    ) -> SendCampaignMessagesPayload:
        data = validated(SendMessagesModel, input)
        ids = await run_command(info, info.context.hub.send_campaign_messages,
                                campaign_id=data.campaign_id, customer_ids=data.customer_ids)
        return SendCampaignMessagesPayload(ids=[strawberry.ID(str(i)) for i in ids],
                                           count=len(ids))

    @strawberry.mutation(
        extensions=requires(Action.MARKETING_WRITE),
        description="Record a customer's response to the message the campaign sent them.",
    )
    async def record_campaign_response(
        self, info: Info, input: RecordCampaignResponseInput
    ) -> CampaignMessage:
        data = validated(RecordResponseModel, input)
        await run_command(info, info.context.hub.record_campaign_response,
                          campaign_id=data.campaign_id, customer_id=data.customer_id,
                          response=data.response, value=data.value,
                          expected_version=data.expected_version)
        return await _message(info, data.campaign_id, data.customer_id)
