"""Who may call which field of the partner schema: a partner token, and its scopes.

Every field declares what it needs: `scoped("customers:read")` (a partner token carrying
that scope) or `any_partner()` (any valid partner token). No token, a bad one (expired,
revoked, forged, signed by an unknown or retired key) or an internal staff token gives
UNAUTHENTICATED; a partner token without the scope, FORBIDDEN. A suspended or terminated
partner's token opens only `me` and its notices (UNAUTHENTICATED elsewhere). What a
partner may see of a customer is then the consent policy's to say (`privacy.policy`).
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from api.graphql.errors import user_error
from api.tokens import PARTNER_SCOPES
from partners.partner import PartnerStatus


class PartnerAllowed(BasePermission):
    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, scope: str | None, *, while_inactive: bool = False) -> None:
        if scope is not None and scope not in PARTNER_SCOPES:
            raise ValueError(f"unknown partner scope {scope!r} (scopes: {PARTNER_SCOPES})")
        self.scope = scope
        self.while_inactive = while_inactive
        self.message = f"your token does not carry the scope {scope}"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        context = info.context
        caller = context.principal
        if caller is None or caller.partner_id is None:
            reason = context.auth_error or "a partner bearer token is required"
            raise user_error(reason, "UNAUTHENTICATED")
        if caller.partner_status != PartnerStatus.ACTIVE and not self.while_inactive:
            raise user_error(f"the partner is {caller.partner_status or 'unknown'}: its tokens "
                             "only read and acknowledge its notices now", "UNAUTHENTICATED")
        return self.scope is None or self.scope in caller.scopes


def scoped(scope: str) -> list[FieldExtension]:
    """The field needs a partner token with `scope` (one of `api.tokens.PARTNER_SCOPES`)."""
    return [PermissionExtension(permissions=[PartnerAllowed(scope)], use_directives=False)]


def any_partner(*, while_inactive: bool = False) -> list[FieldExtension]:
    """The field needs a valid partner token, whatever its scopes; `while_inactive`: also
    of a suspended or terminated partner (what it holds must still be deleted when a
    customer withdraws or is erased, so it still reads and acknowledges its notices)."""
    return [PermissionExtension(permissions=[PartnerAllowed(None, while_inactive=while_inactive)],
                                use_directives=False)]
