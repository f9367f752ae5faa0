"""The partner registry in the internal GraphQL schema: register, update, suspend,
reactivate and terminate partners (admins), and read one (admins and sales)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.auth import requires
from api.graphql.consent import PartnerCategory
from api.graphql.context import Info, read, run_command
from api.graphql.types import InputModel, Versioned, input_type, validated, versioned_fields
from api.permissions import Action
from partners import partner as model

PartnerStatus = strawberry.enum(
    model.PartnerStatus, description="active <-> suspended; either -> terminated, which is final.")

Name = Annotated[str, Field(min_length=1, max_length=model.NAME_MAX)]
Country = Annotated[str, Field(min_length=1, max_length=2)]
Product = Annotated[str, Field(min_length=1, max_length=model.PRODUCT_MAX)]
Capacity = Annotated[int, Field(ge=0, le=model.CAPACITY_MAX)]
Reason = Annotated[str, Field(max_length=model.REASON_MAX,
                              description="About the organisation: name no person in it.")]


@strawberry.type(description="A supplier, vendor, distributor or reseller the CRM works with.")
class Partner(Versioned):
    name: str
    kind: PartnerCategory
    territories: list[str] = strawberry.field(
        description="The countries it serves: ISO 3166-1 alpha-2 codes.")
    products: list[str] = strawberry.field(description="The products or categories it serves.")
    capacity: int = strawberry.field(description="How many leads it can take at once.")
    status: PartnerStatus
    status_reason: str | None = strawberry.field(description="Why its status last changed.")

    @classmethod
    def of(cls, partner: model.Partner) -> Partner:
        return cls(**versioned_fields(partner), name=partner.name,
                   kind=model.PartnerCategory(partner.kind),
                   territories=list(partner.territories), products=list(partner.products),
                   capacity=partner.capacity, status=model.PartnerStatus(partner.status),
                   status_reason=partner.status_reason)


# -- inputs ---------------------------------------------------------------------------


class RegisterPartnerModel(InputModel):
    name: Name
    kind: PartnerCategory
    territories: list[Country] = Field(min_length=1, max_length=250)
    products: list[Product] = Field(min_length=1, max_length=model.PRODUCTS_MAX)
    capacity: Capacity


class UpdatePartnerModel(InputModel):
    partner_id: UUID
    name: Name | None = None
    territories: list[Country] | None = Field(default=None, min_length=1, max_length=250)
    products: list[Product] | None = Field(default=None, min_length=1,
                                           max_length=model.PRODUCTS_MAX)
    capacity: Capacity | None = None
    expected_version: int | None = Field(default=None, description="Refuse a lost update.")


class SuspendPartnerModel(InputModel):
    partner_id: UUID
    reason: Annotated[Reason, Field(min_length=1)]


class ReactivatePartnerModel(InputModel):
    partner_id: UUID
    reason: Reason | None = None


RegisterPartnerInput = input_type(RegisterPartnerModel, "RegisterPartnerInput")
UpdatePartnerInput = input_type(UpdatePartnerModel, "UpdatePartnerInput",
                                partner_id=strawberry.ID)
SuspendPartnerInput = input_type(SuspendPartnerModel, "SuspendPartnerInput",
                                 partner_id=strawberry.ID)
ReactivatePartnerInput = input_type(ReactivatePartnerModel, "ReactivatePartnerInput",
                                    partner_id=strawberry.ID)
TerminatePartnerInput = input_type(SuspendPartnerModel, "TerminatePartnerInput",
                                   partner_id=strawberry.ID)


# -- queries and mutations ---------------------------------------------------------


async def _partner(info: Info, partner_id: UUID | str) -> Partner:
    return Partner.of(await read(info, info.context.hub.partner, partner_id))


@strawberry.type
class PartnerQuery:
    @strawberry.field(extensions=requires(Action.PARTNERS_READ))
    async def partner(self, info: Info, id: strawberry.ID) -> Partner | None:
        return await _partner(info, id)


@strawberry.type
class PartnerMutation:
    @strawberry.mutation(extensions=requires(Action.PARTNERS_WRITE),
                         description="Register an active partner.")
    async def register_partner(self, info: Info, input: RegisterPartnerInput) -> Partner:
        data = validated(RegisterPartnerModel, input)
        partner_id = await run_command(
            info, info.context.hub.register_partner, name=data.name, kind=data.kind,
            territories=data.territories, products=data.products, capacity=data.capacity)
        return await _partner(info, partner_id)

    @strawberry.mutation(extensions=requires(Action.PARTNERS_WRITE),
                         description="Change what is given of a partner's profile; not once "
                                     "terminated. A list given replaces the old one.")
    async def update_partner(self, info: Info, input: UpdatePartnerInput) -> Partner:
        data = validated(UpdatePartnerModel, input)
        await run_command(
            info, info.context.hub.update_partner, partner_id=data.partner_id, name=data.name,
            territories=data.territories, products=data.products, capacity=data.capacity,
            expected_version=data.expected_version)
        return await _partner(info, data.partner_id)

    @strawberry.mutation(extensions=requires(Action.PARTNERS_WRITE),
                         description="Stop working with an active partner for now.")
    async def suspend_partner(self, info: Info, input: SuspendPartnerInput) -> Partner:
        data = validated(SuspendPartnerModel, input)
        await run_command(info, info.context.hub.suspend_partner, partner_id=data.partner_id,
                          reason=data.reason)
        return await _partner(info, data.partner_id)

    @strawberry.mutation(extensions=requires(Action.PARTNERS_WRITE),
                         description="Work with a suspended partner again.")
    async def reactivate_partner(self, info: Info, input: ReactivatePartnerInput) -> Partner:
        data = validated(ReactivatePartnerModel, input)
        await run_command(info, info.context.hub.reactivate_partner, partner_id=data.partner_id,
                          reason=data.reason)
        return await _partner(info, data.partner_id)

    @strawberry.mutation(extensions=requires(Action.PARTNERS_WRITE),
                         description="End the relationship with a partner for good.")
    async def terminate_partner(self, info: Info, input: TerminatePartnerInput) -> Partner:
        data = validated(SuspendPartnerModel, input)
        await run_command(info, info.context.hub.terminate_partner, partner_id=data.partner_id,
                          reason=data.reason)
        return await _partner(info, data.partner_id)
