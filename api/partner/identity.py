"""`me`: the calling partner and what its token allows (any valid partner token)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.consent import PartnerCategory
from api.graphql.partners import PartnerStatus
from api.partner.auth import any_partner
from api.partner.context import PartnerInfo, principal, the_partner
from partners import partner as model
from privacy.consent import PartnerCategory as Kind


@strawberry.type(description="The partner calling, and what its token allows.")
class PartnerIdentity:
    id: strawberry.ID = strawberry.field(description="The partner's id.")
    name: str
    kind: PartnerCategory
    status: PartnerStatus
    scopes: list[str] = strawberry.field(description="What the token may do, sorted.")
    purpose: str = strawberry.field(
        description="Why the token reads customer data: one purpose of the consent vocabulary. "
                    "Only consent given for this purpose lets a customer's data through.")
    token_id: str = strawberry.field(description="The token's `jti` (to revoke it).")
    token_expires_at: datetime | None


@strawberry.type
class IdentityQuery:
    @strawberry.field(extensions=any_partner(while_inactive=True),
                      description="The partner calling.")
    async def me(self, info: PartnerInfo) -> PartnerIdentity:
        caller = principal(info)
        partner = await the_partner(info)
        return PartnerIdentity(
            id=strawberry.ID(str(partner.id)), name=partner.name,
            kind=Kind(partner.kind), status=model.PartnerStatus(partner.status),
            scopes=sorted(caller.scopes), purpose=caller.purpose or "", token_id=caller.token_id,
            token_expires_at=info.context.token_expires_at)
