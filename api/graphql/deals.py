"""Partners' deal registrations in the internal GraphQL schema: the list sales reviews
(with the conflicts awaiting a decision), the decision itself, and a partner's figures.

Lists are paged from the PRM deals view (`projections/prm_deals.py`); each registration
is then read from the log, which holds its name and reasons (the view keeps no personal
data). Partners register and work their deals through their own endpoint (`api/partner/`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.auth import requires
from api.graphql.context import Info, read, run_command
from api.graphql.pagination import Connection, connection
from api.graphql.sales_types import OpportunityStage
from api.graphql.types import PERIOD, InputModel, Money, Versioned, input_type, validated, versioned_fields
from api.permissions import Action
from domain.core import parse_id
from domain.opportunities import OpportunityStage as Stage
from partners import deals as model
from projections import prm_deals as queries
from projections.pages import Page

DealStatus = strawberry.enum(model.DealStatus, description=(
    "open while worked; won or lost when the partner closes it; rejected when sales "
    "rejects it over a conflict."))
DealConflict = strawberry.enum(model.ConflictState, name="DealConflict", description=(
    "none: registered without conflicts; flagged: it collided with open opportunities or "
    "registrations of the same customer or lead and awaits sales' decision; kept or "
    "rejected: what sales decided."))
DealConflictResolution = strawberry.enum(model.ConflictResolution, name="DealConflictResolution",
                                         description=(
    "keep: the registration stands and may be won; reject: it is closed as rejected."))


def _ident(value: UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(description="A partner's registration of a deal with a customer, or with a "
                             "lead it accepted, moved through the sales pipeline.")
class DealRegistration(Versioned):
    partner_id: strawberry.ID
    customer_id: strawberry.ID | None
    lead_id: strawberry.ID | None
    name: str
    stage: OpportunityStage
    probability: Decimal = strawberry.field(description="Chance of winning, from 0 to 1.")
    status: DealStatus
    amount: Money
    expected_close_date: date
    registered_at: datetime
    closed_at: datetime | None = strawberry.field(
        description="When it was won, lost or rejected.")
    close_reason: str | None
    conflict: DealConflict
    conflicts: list[strawberry.ID] = strawberry.field(description=(
        "The open opportunities and registrations it collided with when registered."))
    conflict_note: str | None = strawberry.field(description="Why sales kept or rejected it.")

    @classmethod
    def of(cls, deal: model.DealRegistration) -> DealRegistration:
        return cls(
            **versioned_fields(deal), partner_id=strawberry.ID(str(deal.partner_id)),
            customer_id=_ident(deal.customer_id), lead_id=_ident(deal.lead_id), name=deal.name,
            stage=Stage(deal.stage), probability=deal.probability,
            status=model.DealStatus(deal.status),
            amount=Money(amount=deal.amount, currency=deal.currency),
            expected_close_date=deal.expected_close_date, registered_at=deal.occurred_on,
            closed_at=None if deal.is_open else deal.last_occurred_on,
            close_reason=deal.close_reason, conflict=model.ConflictState(deal.conflict_state),
            conflicts=[strawberry.ID(str(conflict)) for conflict in deal.conflicts],
            conflict_note=deal.conflict_note)


@strawberry.type(description="A partner's deals in a period, and its open pipeline now.")
class DealFigures:
    start: str
    end: str
    registered: int = strawberry.field(description="Registrations made in the period.")
    open: int = strawberry.field(description="Its open registrations now.")
    won: int = strawberry.field(description="Registrations won in the period.")
    lost: int = strawberry.field(description="Registrations lost in the period.")
    rejected: int = strawberry.field(description="Registrations sales rejected in the period.")
    won_revenue: list[Money] = strawberry.field(
        description="The amount of those won in the period, per currency.")
    pipeline: list[Money] = strawberry.field(
        description="The amount of its open registrations now, per currency.")

    @classmethod
    def of(cls, f: queries.DealFigures) -> DealFigures:
        return cls(start=f.start, end=f.end, registered=f.registered, open=f.open, won=f.won,
                   lost=f.lost, rejected=f.rejected,
                   won_revenue=[Money(amount=a, currency=c) for a, c in f.won_revenue],
                   pipeline=[Money(amount=a, currency=c) for a, c in f.pipeline])


class ResolveDealConflictModel(InputModel):
    deal_id: UUID
    resolution: model.ConflictResolution
    note: Annotated[str, Field(min_length=1, max_length=model.NOTE_MAX,
                               description="Why: the partner is told.")]
    expected_version: Annotated[int, Field(ge=1)] | None = None


ResolveDealConflictInput = input_type(ResolveDealConflictModel, "ResolveDealConflictInput",
                                      deal_id=strawberry.ID)


def registrations(hub: Any, page: Page[queries.DealRow]) -> Page[model.DealRegistration]:
    """The page's registrations as the log holds them (name and reasons included)."""
    return Page(items=[(cursor, hub.load(model.DealRegistration, row.deal_id))
                       for cursor, row in page.items], has_next_page=page.has_next_page)


def _registration_page(hub: Any, views: Any, **kwargs: Any) -> Page[model.DealRegistration]:
    partner = kwargs.pop("partner_id")
    if partner is not None:
        partner = parse_id(partner, "partnerId")
    return registrations(hub, queries.deal_registrations(views, partner_id=partner, **kwargs))


def _figures(hub: Any, views: Any, partner_id: str, start: datetime,
             end: datetime) -> queries.DealFigures:
    partner = hub.partner(partner_id)
    return queries.deal_figures(views, partner.id, start, end)


async def _registration(info: Info, deal_id: UUID | str) -> DealRegistration:
    hub = info.context.hub
    return DealRegistration.of(await read(info, hub.load, model.DealRegistration, deal_id))


@strawberry.type
class DealQuery:
    @strawberry.field(extensions=requires(Action.PARTNERS_READ), description=(
        "Partners' deal registrations, newest first. conflicted: true, those awaiting sales' "
        "decision on a conflict (flagged and open); false, the others."))
    async def deal_registrations(
        self, info: Info, conflicted: bool | None = None, partner_id: strawberry.ID | None = None,
        first: int = 50, after: str | None = None,
    ) -> Connection[DealRegistration]:
        page = await read(info, _registration_page, info.context.hub, info.context.views,
                          conflicted=conflicted, partner_id=partner_id, first=first, after=after)
        return connection(page, DealRegistration.of)

    @strawberry.field(extensions=requires(Action.PARTNERS_READ))
    async def deal_registration(self, info: Info, id: strawberry.ID) -> DealRegistration | None:
        return await _registration(info, id)

    @strawberry.field(extensions=requires(Action.PARTNERS_READ), description=(
        "One partner's deal figures: registered, won, lost and rejected in the period, won "
        f"revenue per currency; open deals and their amount now. {PERIOD}"))
    async def partner_deals(self, info: Info, partner_id: strawberry.ID, start: datetime,
                            end: datetime) -> DealFigures:
        return DealFigures.of(await read(info, _figures, info.context.hub, info.context.views,
                                         partner_id, start, end))


@strawberry.type
class DealMutation:
    @strawberry.mutation(extensions=requires(Action.SALES_WRITE), description=(
        "Decide on a registration flagged for conflicts: keep it (it may then be won) or "
        "reject it (it is closed as rejected). Only an open, flagged registration."))
    async def resolve_deal_conflict(self, info: Info,
                                    input: ResolveDealConflictInput) -> DealRegistration:
        data = validated(ResolveDealConflictModel, input)
        await run_command(info, info.context.hub.resolve_deal_conflict, deal_id=data.deal_id,
                          resolution=data.resolution.value, note=data.note,
                          expected_version=data.expected_version)
        return await _registration(info, data.deal_id)
