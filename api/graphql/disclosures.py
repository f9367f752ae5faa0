"""The disclosure log in the internal schema (admins and auditors): what each partner
received of whom, on which consent, and the notices of withdrawals and erasures owed to
partners, acknowledged or not. Read from the disclosure view."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.graphql.auth import requires
from api.graphql.context import Info, read
from api.graphql.pagination import Connection, connection
from api.permissions import Action
from projections import disclosures as view


@strawberry.enum(description="Why a partner is told: a grant it relied on was withdrawn, or "
                             "a person whose data it received was erased.")
class PartnerNoticeKind(Enum):
    WITHDRAWN = "withdrawn"
    ERASED = "erased"


@strawberry.type(description="One disclosure: fields of one customer or lead returned to one "
                             "partner, on which consent grants. No values: their SHA-256.")
class PartnerDisclosure:
    id: strawberry.ID
    partner_id: strawberry.ID
    token_id: str = strawberry.field(description="The `jti` of the partner token it read with.")
    subject_id: strawberry.ID = strawberry.field(description="The customer or lead read.")
    fields: list[str] = strawberry.field(description="The names of the fields returned.")
    purpose: str = strawberry.field(description="The token's purpose (consent vocabulary).")
    grant_ids: list[strawberry.ID] = strawberry.field(description="The consent grants relied on.")
    response_hash: str = strawberry.field(
        description="SHA-256 (hex) of the values returned, as canonical JSON (sorted keys, no "
                    "spaces, times ISO-8601).")
    disclosed_at: datetime

    @classmethod
    def of(cls, entry: view.DisclosureEntry) -> PartnerDisclosure:
        return cls(id=strawberry.ID(entry.id), partner_id=strawberry.ID(entry.partner_id),
                   token_id=entry.token_id, subject_id=strawberry.ID(entry.subject_id),
                   fields=entry.fields, purpose=entry.purpose,
                   grant_ids=[strawberry.ID(grant) for grant in entry.grants],
                   response_hash=entry.response_hash, disclosed_at=entry.at)


@strawberry.type(description="What a partner must be told, and whether it acknowledged it.")
class PartnerNotice:
    id: strawberry.ID
    partner_id: strawberry.ID
    subject_id: strawberry.ID = strawberry.field(
        description="The customer or lead whose data the partner received.")
    kind: PartnerNoticeKind
    grant_id: strawberry.ID | None = strawberry.field(description="The grant withdrawn.")
    at: datetime = strawberry.field(description="When it was withdrawn or erased (or disclosed, "
                                                "for a disclosure logged after that).")
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, notice: view.Notice) -> PartnerNotice:
        return cls(id=strawberry.ID(notice.id), partner_id=strawberry.ID(notice.partner_id),
                   subject_id=strawberry.ID(notice.subject_id),
                   kind=PartnerNoticeKind(notice.kind),
                   grant_id=strawberry.ID(notice.grant_id) if notice.grant_id else None,
                   at=notice.at, acknowledged_at=notice.acknowledged_at)


@strawberry.type
class DisclosureQuery:
    @strawberry.field(extensions=requires(Action.DISCLOSURES_READ),
                      description="The disclosure log, oldest first: to one partner and/or of "
                                  "one customer or lead, disclosed in [start, end).")
    async def disclosures(
        self, info: Info, partner_id: strawberry.ID | None = None,
        subject_id: strawberry.ID | None = None, start: datetime | None = None,
        end: datetime | None = None, first: int = 50, after: str | None = None,
    ) -> Connection[PartnerDisclosure]:
        page = await read(info, view.disclosures, info.context.views, partner_id=partner_id,
                          subject_id=subject_id, start=start, end=end, first=first, after=after)
        return connection(page, PartnerDisclosure.of)

    @strawberry.field(extensions=requires(Action.DISCLOSURES_READ),
                      description="Notices owed to partners, oldest first: of one partner or all; "
                                  "acknowledged: false for those still unacknowledged.")
    async def partner_notices(
        self, info: Info, partner_id: strawberry.ID | None = None,
        acknowledged: bool | None = None, first: int = 50, after: str | None = None,
    ) -> Connection[PartnerNotice]:
        page = await read(info, view.notices, info.context.views, partner_id=partner_id,
                          acknowledged=acknowledged, first=first, after=after)
        return connection(page, PartnerNotice.of)
