"""The per-request context of the partner schema, and the way from a resolver to the hub.

`PartnerContext` is the internal schema's `Context` with a partner principal (or None,
with `auth_error` saying why the token was refused), so the internal `run_command` and
`read` serve partner resolvers unchanged: commands run as `partner:<id>` (the principal's
id), off the event loop, with domain errors mapped to GraphQL codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from anyio import to_thread
from strawberry.types import Info as StrawberryInfo

from api.graphql.context import Context, read, run_command
from api.tokens import Principal

if TYPE_CHECKING:
    from api.partner.disclosure_log import DisclosureLog
    from partners.partner import Partner

__all__ = ["PartnerContext", "PartnerInfo", "load_partner", "partner_id", "principal", "read",
           "run_command", "the_partner"]


@dataclass
class PartnerContext(Context):
    #: When the request's token expires (None without a valid token).
    token_expires_at: datetime | None = None
    #: What the request disclosed so far, recorded before the response leaves.
    disclosures: DisclosureLog | None = None
    #: The partner of the token, loaded once per request by `the_partner`.
    partner: Partner | None = field(default=None, repr=False)


PartnerInfo = StrawberryInfo[PartnerContext, None]


def principal(info: PartnerInfo) -> Principal:
    """The request's partner principal (fields are guarded by `api.partner.auth`)."""
    caller = info.context.principal
    assert caller is not None and caller.partner_id is not None, "guarded by api.partner.auth"
    return caller


def partner_id(info: PartnerInfo) -> UUID:
    """The id of the partner calling: every query and command is limited to it."""
    caller = principal(info)
    assert caller.partner_id is not None
    return caller.partner_id


async def the_partner(info: PartnerInfo) -> Partner:
    """The calling partner as the log has it now (loaded once per request)."""
    if info.context.partner is not None:
        return info.context.partner
    return await to_thread.run_sync(load_partner, info.context)


def load_partner(context: PartnerContext) -> Partner:
    """`the_partner` for code already off the event loop (inside a `read`)."""
    if context.partner is None:
        caller = context.principal
        assert caller is not None and caller.partner_id is not None, "guarded by api.partner.auth"
        context.partner = context.hub.partner(caller.partner_id)
    return context.partner
