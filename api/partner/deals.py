"""The partner's own deal registrations and feedback, in the partner schema.

- `myDeals`, `deal` (scope `deals:read`): its registrations, newest first; another
  partner's deal does not exist for it (NOT_FOUND, the same as an unknown id).
- `registerDeal`, `advanceDeal`, `closeDeal` (scope `deals:write`): for a customer that
  exists for it (one it registered a deal for, or one whose live consent lets it know of
  them for the token's purpose) or a lead it accepted; anything else is NOT_FOUND.
- `submitFeedback` (scope `feedback:write`): an interaction on the partner channel about
  such a customer; an ISSUE also opens a service case.
- `myDealFigures` (scope `reports:read`).

A registration colliding with what is already being sold to the same customer or lead
is flagged for sales (`partners/deals.py`); the partner sees that it is flagged and what
sales decided, never what it collided with (another partner's deal, our opportunity).
The customer appears only by the id the partner registered with: its data is read
through `customer(id)` and the consent policy. Only an active partner writes; it still
reads its own registrations when suspended.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import strawberry
from anyio import to_thread
from pydantic import Field

from api.graphql.context import caught_up
from api.graphql.deals import DealConflict, DealStatus, registrations
from api.graphql.errors import user_error
from api.graphql.pagination import Connection, connection
from api.graphql.sales_types import OpportunityOutcome, OpportunityStage
from api.graphql.types import InputModel, Money, input_type, validated
from api.partner.auth import scoped
from api.partner.context import PartnerInfo, partner_id, principal, read, run_command
from domain.interactions import Interaction
from domain.opportunities import REASON_MAX
from domain.opportunities import OpportunityStage as Stage
from partners import deals as model
from partners.deal_commands import TEXT_MAX, FeedbackKind
from projections import prm_deals as queries

Text = Annotated[str, Field(min_length=1, max_length=model.NAME_MAX)]


@strawberry.type(description="A deal you registered, as it stands.")
class PartnerDeal:
    id: strawberry.ID
    version: int
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer you registered it for (read them with `customer`).")
    lead_id: strawberry.ID | None = strawberry.field(
        description="The lead you registered it for, one you accepted.")
    name: str
    stage: OpportunityStage
    probability: Decimal = strawberry.field(description="Chance of winning, from 0 to 1.")
    status: DealStatus
    amount: Money
    expected_close_date: date
    registered_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    conflict: DealConflict = strawberry.field(description=(
        "FLAGGED: it collides with a deal already being worked for the same customer or lead; "
        "you may work it or close it lost, and win it once we have KEPT it. (Our note on "
        "the decision is about the customer's business: it stays with us.)"))

    @classmethod
    def of(cls, deal: model.DealRegistration) -> PartnerDeal:
        return cls(
            id=strawberry.ID(str(deal.id)), version=deal.version,
            customer_id=None if deal.customer_id is None else strawberry.ID(str(deal.customer_id)),
            lead_id=None if deal.lead_id is None else strawberry.ID(str(deal.lead_id)),
            name=deal.name, stage=Stage(deal.stage), probability=deal.probability,
            status=model.DealStatus(deal.status),
            amount=Money(amount=deal.amount, currency=deal.currency),
            expected_close_date=deal.expected_close_date, registered_at=deal.occurred_on,
            closed_at=None if deal.is_open else deal.last_occurred_on,
            close_reason=deal.close_reason, conflict=model.ConflictState(deal.conflict_state))


@strawberry.type(description="Your deals in a period, and your open pipeline now.")
class PartnerDealFigures:
    start: str
    end: str
    registered: int = strawberry.field(description="Deals you registered in the period.")
    open: int = strawberry.field(description="Your open deals now.")
    won: int
    lost: int
    rejected: int = strawberry.field(description="Deals we rejected over a conflict in it.")
    won_revenue: list[Money] = strawberry.field(description="Won in the period, per currency.")
    pipeline: list[Money] = strawberry.field(description="Your open deals now, per currency.")


@strawberry.enum(name="FeedbackKind", description=(
    "FEEDBACK: how things go with the customer. ISSUE: a problem we must act on; it opens "
    "a service case."))
class Feedback(StrEnum):
    FEEDBACK = FeedbackKind.FEEDBACK.value
    ISSUE = FeedbackKind.ISSUE.value


@strawberry.type(description="Feedback received: the interaction recorded, and any case opened.")
class FeedbackReceipt:
    id: strawberry.ID
    case_id: strawberry.ID | None


class RegisterDealModel(InputModel):
    customer_id: UUID | None = None
    lead_id: UUID | None = None
    name: Text
    amount: Decimal
    currency: str
    expected_close_date: date
    stage: Stage = Stage.PROSPECTING


class AdvanceDealModel(InputModel):
    deal_id: UUID
    stage: Stage


class CloseDealModel(InputModel):
    deal_id: UUID
    outcome: OpportunityOutcome
    reason: Annotated[str, Field(max_length=REASON_MAX)] | None = Field(
        default=None, description="Required when the deal is lost.")


class SubmitFeedbackModel(InputModel):
    customer_id: UUID
    kind: Feedback
    subject: Text
    text: Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]


RegisterDealInput = input_type(RegisterDealModel, "RegisterDealInput",
                               customer_id=strawberry.ID | None, lead_id=strawberry.ID | None)
AdvanceDealInput = input_type(AdvanceDealModel, "AdvanceDealInput", deal_id=strawberry.ID)
CloseDealInput = input_type(CloseDealModel, "CloseDealInput", deal_id=strawberry.ID)
SubmitFeedbackInput = input_type(SubmitFeedbackModel, "SubmitFeedbackInput",
                                 customer_id=strawberry.ID)


# -- reading --------------------------------------------------------------------------------


def _parse(value: str, field: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise user_error(f"{value!r} is not an id", "BAD_USER_INPUT", field=field) from None


async def _deal(info: PartnerInfo, deal_id: UUID) -> PartnerDeal:
    return PartnerDeal.of(await read(info, info.context.hub.partner_deal, partner_id(info),
                                     deal_id))


def _my_page(hub: Any, views: Any, partner: UUID, **kwargs: Any) -> Any:
    return registrations(hub, queries.partner_deals(views, partner, **kwargs))


def _figures(views: Any, partner: UUID, start: datetime, end: datetime) -> PartnerDealFigures:
    f = queries.deal_figures(views, partner, start, end)
    return PartnerDealFigures(
        start=f.start, end=f.end, registered=f.registered, open=f.open, won=f.won, lost=f.lost,
        rejected=f.rejected, won_revenue=[Money(amount=a, currency=c) for a, c in f.won_revenue],
        pipeline=[Money(amount=a, currency=c) for a, c in f.pipeline])


# -- writing: what the views know, for the command to confirm ---------------------------------


def _register(hub: Any, views: Any, *, actor: str, partner: UUID, purpose: str | None,
              data: RegisterDealModel) -> UUID:
    customer, lead = data.customer_id, data.lead_id
    return hub.register_deal(
        actor=actor, partner_id=partner, customer_id=customer, lead_id=lead, name=data.name,
        amount=data.amount, currency=data.currency, expected_close_date=data.expected_close_date,
        stage=data.stage.value, purpose=purpose,
        conflicts=queries.conflict_candidates(views, customer_id=customer, lead_id=lead),
        deal_ids=[] if customer is None else queries.partner_deal_ids(views, partner, customer))


def _feedback(hub: Any, views: Any, *, actor: str, partner: UUID, purpose: str | None,
              data: SubmitFeedbackModel) -> UUID:
    interaction: UUID = hub.submit_partner_feedback(
        actor=actor, partner_id=partner, customer_id=data.customer_id, kind=data.kind.value,
        subject=data.subject, text=data.text, purpose=purpose,
        deal_ids=queries.partner_deal_ids(views, partner, data.customer_id))
    return interaction


async def _write(info: PartnerInfo, write: Any, data: Any) -> Any:
    """Run a write that reads the views first, in one worker thread, as the partner, once
    the views show the whole log as it is now (bounded wait): a registration is checked
    against every deal and opportunity recorded before it, not only those projected."""
    context, caller = info.context, principal(info)
    await caught_up(context, await to_thread.run_sync(context.hub.position))

    def command(*, actor: str) -> Any:
        return write(context.hub, context.views, actor=actor, partner=partner_id(info),
                     purpose=caller.purpose, data=data)

    return await run_command(info, command)


@strawberry.type
class DealQuery:
    @strawberry.field(extensions=scoped("deals:read"),
                      description="Your deals, newest first: all, or those of one status.")
    async def my_deals(self, info: PartnerInfo, status: DealStatus | None = None,
                       first: int = 50, after: str | None = None) -> Connection[PartnerDeal]:
        context = info.context
        page = await read(info, _my_page, context.hub, context.views, partner_id(info),
                          status=None if status is None else status.value, first=first,
                          after=after)
        return connection(page, PartnerDeal.of)

    @strawberry.field(extensions=scoped("deals:read"), description="One of your deals.")
    async def deal(self, info: PartnerInfo, id: strawberry.ID) -> PartnerDeal:  # noqa: A002
        return await _deal(info, _parse(id, "id"))

    @strawberry.field(extensions=scoped("reports:read"), description=(
        "Your deals registered, won, lost and rejected in [start, end) (date-times with a "
        "time zone), what you won per currency, and your open deals now."))
    async def my_deal_figures(self, info: PartnerInfo, start: datetime,
                              end: datetime) -> PartnerDealFigures:
        return await read(info, _figures, info.context.views, partner_id(info), start, end)


@strawberry.type
class DealMutation:
    @strawberry.mutation(extensions=scoped("deals:write"), description=(
        "Register a deal for a customer you may know or a lead you accepted (give one). "
        "If it collides with a deal already worked for them it is FLAGGED for our review."))
    async def register_deal(self, info: PartnerInfo, input: RegisterDealInput) -> PartnerDeal:
        deal_id = await _write(info, _register, validated(RegisterDealModel, input))
        return await _deal(info, deal_id)

    @strawberry.mutation(extensions=scoped("deals:write"), description=(
        "Move one of your open deals to a later stage, or back by one stage."))
    async def advance_deal(self, info: PartnerInfo, input: AdvanceDealInput) -> PartnerDeal:
        data = validated(AdvanceDealModel, input)
        await run_command(info, info.context.hub.advance_deal, partner_id=partner_id(info),
                          deal_id=data.deal_id, stage=data.stage.value)
        return await _deal(info, data.deal_id)

    @strawberry.mutation(extensions=scoped("deals:write"), description=(
        "Win or lose one of your open deals; losing needs a reason. A FLAGGED deal is won "
        "only once we have kept it."))
    async def close_deal(self, info: PartnerInfo, input: CloseDealInput) -> PartnerDeal:
        data = validated(CloseDealModel, input)
        await run_command(info, info.context.hub.close_deal, partner_id=partner_id(info),
                          deal_id=data.deal_id, outcome=data.outcome.value, reason=data.reason)
        return await _deal(info, data.deal_id)

    @strawberry.mutation(extensions=scoped("feedback:write"), description=(
        "Tell us how things go with a customer you may know, or report an issue (which "
        "opens a service case)."))
    async def submit_feedback(self, info: PartnerInfo,
                              input: SubmitFeedbackInput) -> FeedbackReceipt:
        interaction_id = await _write(info, _feedback, validated(SubmitFeedbackModel, input))
        found = await read(info, _interaction_case, info.context.hub, interaction_id)
        return FeedbackReceipt(id=strawberry.ID(str(interaction_id)),
                               case_id=None if found is None else strawberry.ID(str(found)))


def _interaction_case(hub: Any, interaction_id: UUID) -> UUID | None:
    case: UUID | None = hub.load(Interaction, interaction_id).case_id
    return case

