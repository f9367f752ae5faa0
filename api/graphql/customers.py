"""Customers and interactions in the internal GraphQL schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.auth import requires
from api.graphql.consent import ConsentGrant, customer_consents
from api.graphql.context import Info, read, run_command
from api.graphql.types import (
    Channel,
    Department,
    Direction,
    InputModel,
    Versioned,
    input_type,
    validated,
    versioned_fields,
)
from api.permissions import Action
from domain import customers as model
from domain import interactions as model_interaction
from domain.interactions import InteractionDraft

CustomerKind = strawberry.enum(model.CustomerKind)
LifecycleStage = strawberry.enum(model.LifecycleStage)

Text = Annotated[str, Field(max_length=200)]
Tag = Annotated[str, Field(min_length=1, max_length=40)]


# -- output types -------------------------------------------------------------------


@strawberry.type
class Address:
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


@strawberry.type
class ExternalId:
    system: str
    external_id: str


@strawberry.type(description="A person or an organisation we do business with.")
class Customer(Versioned):
    kind: CustomerKind
    display_name: str
    given_name: str | None
    family_name: str | None
    job_title: str | None
    emails: list[str]
    phones: list[str]
    address: Address | None
    company_name: str | None
    industry: str | None
    website: str | None
    organisation_id: strawberry.ID | None
    stage: LifecycleStage
    owner: str | None
    tags: list[str]
    external_ids: list[ExternalId]
    erased: bool = strawberry.field(
        description="True once the customer's personal data was erased (`eraseCustomer`).")
    #: Set by an as-of replay (`api.graphql.as_of`): the grants as they stood then, with
    #: their status then. None: today's.
    as_of_consents: strawberry.Private[list[ConsentGrant] | None] = None

    @classmethod
    def of(cls, c: model.Customer) -> Customer:
        person = " ".join(p for p in (c.given_name, c.family_name) if p)
        return cls(
            **versioned_fields(c), kind=model.CustomerKind(c.kind),
            display_name=person or c.company_name or "", given_name=c.given_name,
            family_name=c.family_name, job_title=c.job_title, emails=c.emails, phones=c.phones,
            address=Address(**c.address) if c.address else None, company_name=c.company_name,
            industry=c.industry, website=c.website,
            organisation_id=strawberry.ID(str(c.organisation_id)) if c.organisation_id else None,
            stage=model.LifecycleStage(c.stage), owner=c.owner, tags=c.tags,
            external_ids=[ExternalId(system=s, external_id=e) for s, e in c.external_ids.items()],
            erased=c.erased,
        )

    @strawberry.field(extensions=requires(Action.CONSENT_READ),
                      description="Every consent grant, oldest first, with its status now and "
                                  "its history.")
    async def consents(self, info: Info) -> list[ConsentGrant]:
        if self.as_of_consents is not None:
            return self.as_of_consents
        return await customer_consents(info, self.id)


@strawberry.type(description="One contact with a customer, on one channel.")
class Interaction(Versioned):
    customer_id: strawberry.ID
    channel: Channel
    direction: Direction
    department: Department
    subject: str
    summary: str | None
    handled_by: str | None
    duration_seconds: int | None
    occurred_at: datetime = strawberry.field(description="When it happened.")
    case_id: strawberry.ID | None
    opportunity_id: strawberry.ID | None
    campaign_id: strawberry.ID | None
    order_id: strawberry.ID | None
    corrections: list[str] = strawberry.field(description="Reasons of corrections, oldest first.")

    @classmethod
    def of(cls, i: model_interaction.Interaction) -> Interaction:
        def ident(value: UUID | None) -> strawberry.ID | None:
            return strawberry.ID(str(value)) if value else None

        return cls(
            **versioned_fields(i), customer_id=strawberry.ID(str(i.customer_id)),
            channel=i.channel, direction=i.direction, department=i.department,
            subject=i.subject, summary=i.summary, handled_by=i.handled_by,
            duration_seconds=i.duration_seconds, occurred_at=i.occurred_at,
            case_id=ident(i.case_id), opportunity_id=ident(i.opportunity_id),
            campaign_id=ident(i.campaign_id), order_id=ident(i.order_id),
            corrections=i.corrections,
        )


# -- inputs ---------------------------------------------------------------------------


class AddressModel(InputModel):
    street: Text | None = None
    city: Text | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    region: Text | None = None
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = None


class ProfileModel(InputModel):
    given_name: Text | None = None
    family_name: Text | None = None
    job_title: Text | None = None
    emails: list[Annotated[str, Field(max_length=254)]] | None = Field(default=None, max_length=10)
    phones: list[Annotated[str, Field(max_length=30)]] | None = Field(default=None, max_length=10)
    address: AddressModel | None = None
    company_name: Text | None = None
    industry: Text | None = None
    website: Text | None = None

    def changes(self) -> dict[str, object]:
        return self.model_dump(include=set(ProfileModel.model_fields), exclude_none=True)


class RegisterCustomerModel(ProfileModel):
    kind: model.CustomerKind
    organisation_id: UUID | None = None
    stage: model.LifecycleStage = model.LifecycleStage.LEAD
    owner: Text | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)


class UpdateProfileModel(ProfileModel):
    id: UUID
    expected_version: int | None = Field(default=None, ge=1)


class StageModel(InputModel):
    id: UUID
    stage: model.LifecycleStage
    reason: Annotated[str, Field(max_length=500)] | None = None
    expected_version: int | None = Field(default=None, ge=1)


class InteractionModel(InputModel):
    customer_id: UUID
    channel: Channel
    direction: Direction
    department: Department
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    summary: Annotated[str, Field(max_length=4000)] | None = None
    handled_by: Text | None = None
    occurred_at: datetime | None = None
    duration_seconds: int | None = Field(default=None, ge=0, le=86_400)
    case_id: UUID | None = None
    opportunity_id: UUID | None = None
    campaign_id: UUID | None = None
    order_id: UUID | None = None

    def draft(self) -> InteractionDraft:
        return InteractionDraft(**self.model_dump())


class InteractionBatchModel(InputModel):
    interactions: list[InteractionModel] = Field(min_length=1, max_length=5_000)


class CorrectionModel(InputModel):
    id: UUID
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    channel: Channel | None = None
    direction: Direction | None = None
    department: Department | None = None
    subject: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    summary: Annotated[str, Field(max_length=4000)] | None = None
    handled_by: Text | None = None
    duration_seconds: int | None = Field(default=None, ge=0, le=86_400)


AddressInput = input_type(AddressModel, "AddressInput")
RegisterCustomerInput = input_type(RegisterCustomerModel, "RegisterCustomerInput",
                                   organisation_id=strawberry.ID | None)
UpdateCustomerProfileInput = input_type(UpdateProfileModel, "UpdateCustomerProfileInput",
                                        id=strawberry.ID)
ChangeCustomerStageInput = input_type(StageModel, "ChangeCustomerStageInput", id=strawberry.ID)
RecordInteractionInput = input_type(
    InteractionModel, "RecordInteractionInput", customer_id=strawberry.ID,
    case_id=strawberry.ID | None, opportunity_id=strawberry.ID | None,
    campaign_id=strawberry.ID | None, order_id=strawberry.ID | None,
)
RecordInteractionsInput = input_type(InteractionBatchModel, "RecordInteractionsInput")
CorrectInteractionInput = input_type(CorrectionModel, "CorrectInteractionInput", id=strawberry.ID)


@strawberry.type
class RecordInteractionsPayload:
    ids: list[strawberry.ID]
    count: int


# -- queries and mutations ---------------------------------------------------------


async def _customer(info: Info, customer_id: UUID | str) -> Customer:
    return Customer.of(await read(info, info.context.hub.load, model.Customer, customer_id))


async def _interaction(info: Info, interaction_id: UUID | str) -> Interaction:
    hub = info.context.hub
    return Interaction.of(await read(info, hub.load, model_interaction.Interaction, interaction_id))


@strawberry.type
class CustomerQuery:
    @strawberry.field(extensions=requires(Action.CUSTOMERS_READ))
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        return await _customer(info, id)

    @strawberry.field(extensions=requires(Action.CUSTOMERS_READ))
    async def interaction(self, info: Info, id: strawberry.ID) -> Interaction | None:
        return await _interaction(info, id)


@strawberry.type
class CustomerMutation:
    @strawberry.mutation(extensions=requires(Action.CUSTOMERS_WRITE))
    async def register_customer(self, info: Info, input: RegisterCustomerInput) -> Customer:
        data = validated(RegisterCustomerModel, input)
        customer_id = await run_command(
            info, info.context.hub.register_customer, kind=data.kind, profile=data.changes(),
            organisation_id=data.organisation_id, stage=data.stage, owner=data.owner,
            tags=data.tags,
        )
        return await _customer(info, customer_id)

    @strawberry.mutation(extensions=requires(Action.CUSTOMERS_WRITE))
    async def update_customer_profile(
        self, info: Info, input: UpdateCustomerProfileInput
    ) -> Customer:
        data = validated(UpdateProfileModel, input)
        await run_command(info, info.context.hub.update_customer_profile, customer_id=data.id,
                          changes=data.changes(), expected_version=data.expected_version)
        return await _customer(info, data.id)

    @strawberry.mutation(extensions=requires(Action.CUSTOMERS_WRITE))
    async def change_customer_stage(self, info: Info, input: ChangeCustomerStageInput) -> Customer:
        data = validated(StageModel, input)
        await run_command(info, info.context.hub.change_customer_stage, customer_id=data.id,
                          stage=data.stage, reason=data.reason,
                          expected_version=data.expected_version)
        return await _customer(info, data.id)

    @strawberry.mutation(extensions=requires(Action.CUSTOMERS_WRITE))
    async def assign_customer_owner(self, info: Info, id: strawberry.ID, owner: str) -> Customer:
        await run_command(info, info.context.hub.assign_customer_owner, customer_id=id,
                          owner=owner)
        return await _customer(info, id)

    @strawberry.mutation(extensions=requires(Action.CUSTOMERS_WRITE))
    async def tag_customer(
        self, info: Info, id: strawberry.ID, add: list[str] | None = None,
        remove: list[str] | None = None,
    ) -> Customer:
        await run_command(info, info.context.hub.tag_customer, customer_id=id,
                          add=add or [], remove=remove or [])
        return await _customer(info, id)

    @strawberry.mutation(extensions=requires(Action.CUSTOMERS_WRITE))
    async def link_external_id(
        self, info: Info, id: strawberry.ID, system: str, external_id: str
    ) -> Customer:
        await run_command(info, info.context.hub.link_external_id, customer_id=id,
                          system=system, external_id=external_id)
        return await _customer(info, id)

    @strawberry.mutation(extensions=requires(Action.INTERACTIONS_WRITE))
    async def record_interaction(self, info: Info, input: RecordInteractionInput) -> Interaction:
        data = validated(InteractionModel, input)
        interaction_id = await run_command(info, info.context.hub.record_interaction,
                                           draft=data.draft())
        return await _interaction(info, interaction_id)

    @strawberry.mutation(
        extensions=requires(Action.INTERACTIONS_WRITE),
        description="Batch ingest (call centres, web analytics): all or none, one transaction.",
    )
    async def record_interactions(
        self, info: Info, input: RecordInteractionsInput
    ) -> RecordInteractionsPayload:
        data = validated(InteractionBatchModel, input)
        ids = await run_command(info, info.context.hub.record_interactions,
                                drafts=[item.draft() for item in data.interactions])
        return RecordInteractionsPayload(ids=[strawberry.ID(str(i)) for i in ids], count=len(ids))

    @strawberry.mutation(
        extensions=requires(Action.INTERACTIONS_WRITE),
        description="Interactions are never edited: a correction is recorded beside the original.",
    )
    async def correct_interaction(self, info: Info, input: CorrectInteractionInput) -> Interaction:
        data = validated(CorrectionModel, input)
        changes = data.model_dump(exclude={"id", "reason"}, exclude_none=True)
        await run_command(info, info.context.hub.correct_interaction, interaction_id=data.id,
                          reason=data.reason, changes=changes)
        return await _interaction(info, data.id)

