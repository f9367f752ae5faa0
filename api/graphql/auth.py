"""Authentication and role checks for GraphQL fields.

Every field of the internal schema declares the action it needs with `requires(...)`.
No token, or a bad one, gives UNAUTHENTICATED; a role without the action, FORBIDDEN.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission, PermissionExtension

from api.graphql.errors import user_error
from api.permissions import Action, allows


class RoleAllows(BasePermission):
    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, action: Action) -> None:
        self.action = action
        self.message = f"your role may not {action.value}"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        context = info.context
        if context.principal is None:
            reason = context.auth_error or "a bearer token is required"
            raise user_error(reason, "UNAUTHENTICATED")
        return allows(context.principal.role, self.action)


def requires(action: Action) -> list[PermissionExtension]:
    return [PermissionExtension(permissions=[RoleAllows(action)], use_directives=False)]
