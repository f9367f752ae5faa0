"""The leads offered to the partner: list them, accept or reject one, and its figures.

A partner sees only its own offers; a lead never offered to it does not exist for it
(NOT_FOUND, whether the id is unknown or another partner's). What a lead is about
(territory, product, source) comes with every offer; the person's contact details only
with a lead the partner *accepted* and holds, only as far as the lead's own consent lets
them through to this partner for the token's purpose (`privacy.policy.disclose`, the lead
as data subject), and every such read is logged (`api.partner.disclosure_log`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.context import caught_up
from api.graphql.errors import user_error
from api.graphql.lead_offers import LeadOfferStatus
from api.graphql.pagination import Connection, connection
from api.graphql.types import InputModel, validated
from api.partner.auth import scoped
from api.partner.context import PartnerInfo, partner_id, principal, read, run_command
from api.partner.data_categories import PARTNER_FIELD_CATEGORIES
from api.partner.disclosure_log import disclosed
from api.partner.selection import selected
from api.store import CrmHub
from domain.errors import NotFoundError
from partners import offers as model
from partners.offer_commands import OPEN_LEAD
from partners.partner import PartnerStatus
from privacy.policy import Disclosure, Reader, disclose
from projections import prm_queries as queries

#: Each contact field -> the lead's attribute it shows.
_CONTACT = {"givenName": "given_name", "familyName": "family_name", "email": "email",
            "phone": "phone", "companyName": "company_name", "jobTitle": "job_title"}
_CATEGORIES = PARTNER_FIELD_CATEGORIES["LeadContact"]
CURRENT = ("offered", "accepted")


@strawberry.type(description=(
    "The person behind a lead you accepted, as far as their consent lets each field through "
    "to you for your token's purpose; the others are null."))
class LeadContact:
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None
    company_name: str | None = None
    job_title: str | None = None


@strawberry.type(description="A lead offered to you, and what became of the offer.")
class PartnerLead:
    offer_id: strawberry.ID
    lead_id: strawberry.ID
    status: LeadOfferStatus
    territory: str | None = strawberry.field(description="ISO 3166-1 alpha-2.")
    product: str | None
    category: str | None
    source: str = strawberry.field(description="Where the lead came from.")
    offered_at: datetime
    expires_at: datetime = strawberry.field(description="Answer before this.")
    answered_at: datetime | None
    outcome: str | None = strawberry.field(
        description="For a lead you accepted: converted or disqualified, once it is.")

    @strawberry.field(extensions=scoped("leads:read"), description=(
        "Who the lead is: only once you accepted it, and only the fields the person's "
        "consent lets through to you (null without any)."))
    async def contact(self, info: PartnerInfo) -> LeadContact | None:
        if self.status is not model.OfferStatus.ACCEPTED:
            return None
        wanted = {name: _CATEGORIES[name] for name in selected(info)}
        if not wanted:
            return None
        reader = _reader(info)
        lead_id = UUID(str(self.lead_id))
        found = await read(info, _disclose, info.context.hub, reader, partner_id(info), lead_id,
                           {_CONTACT[name]: category for name, category in wanted.items()})
        if found is None:
            return None
        returned = {name: found.values[_CONTACT[name]] for name in wanted
                    if _CONTACT[name] in found.values}
        disclosed(info, lead_id, names=sorted(returned), values=returned, grants=found.grants)
        return LeadContact(**{attribute: returned.get(name) for name, attribute in _CONTACT.items()})

    @classmethod
    def of_row(cls, row: queries.OfferRow) -> PartnerLead:
        return cls(offer_id=strawberry.ID(str(row.offer_id)), lead_id=strawberry.ID(str(row.lead_id)),
                   status=model.OfferStatus(row.status), territory=row.territory,
                   product=row.product, category=row.category, source=row.source,
                   offered_at=row.offered_at, expires_at=row.expires_at,
                   answered_at=row.answered_at, outcome=row.outcome)

    @classmethod
    def of_offer(cls, offer: model.Offer, lead_id: UUID, lead_status: str) -> PartnerLead:
        criteria = offer.criteria
        held = offer.status == model.OfferStatus.ACCEPTED and lead_status not in OPEN_LEAD
        return cls(offer_id=strawberry.ID(str(offer.id)), lead_id=strawberry.ID(str(lead_id)),
                   status=model.OfferStatus(offer.status),
                   territory=criteria.territory if criteria else None,
                   product=criteria.product if criteria else None,
                   category=criteria.category if criteria else None, source=offer.source,
                   offered_at=offer.offered_at, expires_at=offer.expires_at,
                   answered_at=offer.answered_at, outcome=lead_status if held else None)


@strawberry.type(description=(
    "Your lead figures of [start, end): leads offered to you in it; offers you accepted, "
    "rejected or let time out in it; leads you accepted that were converted in it; how "
    "long you took to answer (accept or reject), in seconds."))
class PartnerLeadFigures:
    start: datetime
    end: datetime
    offered: int
    accepted: int
    rejected: int
    timed_out: int
    converted: int
    acceptance_rate: float | None
    median_response_seconds: float | None
    p90_response_seconds: float | None


class RejectLeadModel(InputModel):
    reason: Annotated[str, Field(min_length=1, max_length=model.REASON_MAX)]


# -- reading ------------------------------------------------------------------------------


def _reader(info: PartnerInfo) -> Reader | None:
    """The partner as a reader for its token's purpose (None: not active, sees nothing)."""
    caller = principal(info)
    if (caller.partner_status != PartnerStatus.ACTIVE or caller.partner_kind is None
            or caller.purpose is None):
        return None
    assert caller.partner_id is not None
    return Reader.partner(caller.partner_id, caller.partner_kind, caller.purpose)


def _disclose(hub: CrmHub, reader: Reader | None, partner: UUID, lead_id: UUID,
              fields: dict[str, str]) -> Disclosure | None:
    """What the partner may see of the lead it holds, from the authoritative state: None
    when it holds it no longer, or may see none of the fields."""
    found = hub.partner_lead(partner, lead_id)
    if reader is None or found.offer.status != model.OfferStatus.ACCEPTED:
        return None
    try:
        return disclose(hub, reader, lead_id, fields, at=datetime.now(UTC))
    except NotFoundError:
        return None


def _lead(hub: CrmHub, partner: UUID, lead_id: UUID) -> PartnerLead:
    found = hub.partner_lead(partner, lead_id)
    return PartnerLead.of_offer(found.offer, found.lead.id, found.lead.status)


def _parse(value: str, field: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise user_error(f"{value!r} is not an id", "BAD_USER_INPUT", field=field) from None


@strawberry.type
class LeadQuery:
    @strawberry.field(extensions=scoped("leads:read"), description=(
        "The leads offered to you, newest first: by default those waiting for your answer "
        "and those you accepted; name statuses to see others."))
    async def my_leads(self, info: PartnerInfo, status: list[LeadOfferStatus] | None = None,
                       first: int = 50, after: str | None = None) -> Connection[PartnerLead]:
        statuses = CURRENT if status is None else [s.value for s in status]
        page = await read(info, queries.partner_offers, info.context.views, partner_id(info),
                          statuses=statuses, first=first, after=after)
        return connection(page, PartnerLead.of_row)

    @strawberry.field(extensions=scoped("leads:read"), description=(
        "One lead offered to you, as your latest offer of it stands."))
    async def lead(self, info: PartnerInfo, lead_id: strawberry.ID) -> PartnerLead:
        return await read(info, _lead, info.context.hub, partner_id(info),
                          _parse(lead_id, "leadId"))

    @strawberry.field(extensions=scoped("reports:read"),
                      description="Your lead figures of [start, end) (date-times with a time zone).")
    async def my_performance(self, info: PartnerInfo, start: datetime,
                             end: datetime) -> PartnerLeadFigures:
        f = await read(info, queries.partner_figures, info.context.views, partner_id(info),
                       start, end)
        return PartnerLeadFigures(
            start=f.start, end=f.end, offered=f.offered, accepted=f.accepted,
            rejected=f.rejected, timed_out=f.timed_out, converted=f.converted,
            acceptance_rate=f.acceptance_rate, median_response_seconds=f.median_response_seconds,
            p90_response_seconds=f.p90_response_seconds)


@strawberry.type
class LeadMutation:
    @strawberry.mutation(extensions=scoped("leads:write"), description=(
        "Take a lead offered to you, before its offer expires: it is yours to work."))
    async def accept_lead(self, info: PartnerInfo, lead_id: strawberry.ID) -> PartnerLead:
        lead = _parse(lead_id, "leadId")
        await run_command(info, info.context.hub.accept_lead_offer, partner_id=partner_id(info),
                          lead_id=lead)
        return await read(info, _lead, info.context.hub, partner_id(info), lead)

    @strawberry.mutation(extensions=scoped("leads:write"), description=(
        "Decline a lead offered to you, saying why (it goes on to another partner)."))
    async def reject_lead(self, info: PartnerInfo, lead_id: strawberry.ID,
                          reason: str) -> PartnerLead:
        lead = _parse(lead_id, "leadId")
        data = validated(RejectLeadModel, {"reason": reason})
        context = info.context
        await caught_up(context, context.hub.position())  # every partner's load, as of now

        def reject(*, actor: str) -> Any:
            return context.hub.reject_lead_offer(
                actor=actor, partner_id=partner_id(info), lead_id=lead, reason=data.reason,
                candidates=queries.partner_candidates(context.views))

        await run_command(info, reject)
        return await read(info, _lead, context.hub, partner_id(info), lead)
