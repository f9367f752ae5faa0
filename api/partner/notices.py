"""Withdrawal and erasure notices for the partner calling (any valid partner token).

When a person withdraws a consent grant this partner received their data under, or is
erased after it received any of their data, the partner gets a notice (derived by the
disclosure view, `projections/disclosures.py`): `withdrawals(since)` lists its own, and
`acknowledgeWithdrawal(noticeId)` records that it acted on one (once: a second time is
CONFLICT). Another partner's notice does not exist for it (NOT_FOUND). A partner that is
suspended or terminated still reads and acknowledges its notices: what it holds must
still be deleted.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from uuid import UUID

import strawberry

from api.graphql.errors import user_error
from api.graphql.pagination import Connection, connection
from api.partner.auth import any_partner
from api.partner.context import PartnerInfo, partner_id, read, run_command
from domain.errors import NotFoundError
from projections import disclosures as view
from projections.database import ViewDatabase


@strawberry.enum(name="WithdrawalKind", description=(
    "WITHDRAWN: the person withdrew the consent grant you received their data under; stop "
    "using it for that purpose. ERASED: the person was erased; delete what you hold of them."))
class WithdrawalKind(Enum):
    WITHDRAWN = "withdrawn"
    ERASED = "erased"


@strawberry.type(description="What you must act on: a consent you relied on was withdrawn, "
                             "or a person whose data you received was erased.")
class WithdrawalNotice:
    id: strawberry.ID = strawberry.field(description="Pass to acknowledgeWithdrawal.")
    subject_id: strawberry.ID = strawberry.field(
        description="The customer or lead whose data you received.")
    kind: WithdrawalKind
    grant_id: strawberry.ID | None = strawberry.field(
        description="The consent grant withdrawn (WITHDRAWN only).")
    at: datetime = strawberry.field(description="When it was withdrawn or erased.")
    acknowledged_at: datetime | None = strawberry.field(description="When you acknowledged it.")

    @classmethod
    def of(cls, notice: view.Notice) -> WithdrawalNotice:
        return cls(id=strawberry.ID(notice.id), subject_id=strawberry.ID(notice.subject_id),
                   kind=WithdrawalKind(notice.kind),
                   grant_id=strawberry.ID(notice.grant_id) if notice.grant_id else None,
                   at=notice.at, acknowledged_at=notice.acknowledged_at)


def _mine(views: ViewDatabase, notice_id: UUID, partner: UUID) -> view.Notice:
    """The partner's notice, or NOT_FOUND (named the same whoever's it is)."""
    notice = view.notice_of(views, notice_id)
    if notice is None or notice.partner_id != str(partner):
        raise NotFoundError("notice", notice_id)
    return notice


def _parse(value: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise user_error(f"{value!r} is not an id", "BAD_USER_INPUT", field="noticeId") from None


@strawberry.type
class NoticeQuery:
    @strawberry.field(extensions=any_partner(while_inactive=True), description=(
        "Your withdrawal and erasure notices, oldest first: from `since` on (inclusive), "
        "acknowledged or not."))
    async def withdrawals(self, info: PartnerInfo, since: datetime | None = None,
                          first: int = 50, after: str | None = None
                          ) -> Connection[WithdrawalNotice]:
        page = await read(info, view.partner_notices, info.context.views, partner_id(info),
                          since=since, first=first, after=after)
        return connection(page, WithdrawalNotice.of)


@strawberry.type
class NoticeMutation:
    @strawberry.mutation(extensions=any_partner(while_inactive=True), description=(
        "Acknowledge one of your notices: you acted on it. Once only (CONFLICT after)."))
    async def acknowledge_withdrawal(self, info: PartnerInfo,
                                     notice_id: strawberry.ID) -> WithdrawalNotice:
        notice, partner = _parse(notice_id), partner_id(info)
        context = info.context
        await read(info, _mine, context.views, notice, partner)
        await run_command(info, context.hub.acknowledge_notice, partner_id=partner,
                          notice_id=notice)
        return WithdrawalNotice.of(await read(info, _mine, context.views, notice, partner))
