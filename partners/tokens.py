"""The tokens a partner's systems hold, as the Partner aggregate records them.

The API signs a partner token (`api/tokens.py`) and the Partner aggregate records that it
did (`TokenIssued`: id, scopes, purpose, lifetime), and that it revoked one
(`TokenRevoked`), for the audit trail and the list of a partner's tokens. The token
itself is never recorded. A partner token's id names its partner (`token_id`), so a
token can be revoked by its id alone.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict
from uuid import UUID

from domain.base import require, required_text
from domain.errors import InvalidTransitionError, NotFoundError
from privacy.vocabulary import vocabulary

REASON_MAX = 500
SCOPE_MAX = 50
SCOPES_MAX = 20
_TOKEN_ID = re.compile(r"^([0-9a-f]{32})\.[0-9a-f]{32}$")


class TokenIssuedArgs(TypedDict):
    jti: str
    scopes: list[str]
    purpose: str
    issued_at: datetime
    expires_at: datetime


class TokenRevokedArgs(TypedDict):
    jti: str
    reason: str
    revoked_at: datetime


class IssuedToken(TokenIssuedArgs):
    """One token of a partner, as its aggregate holds it."""

    revoked_at: datetime | None
    revoke_reason: str | None


def token_id(partner_id: UUID) -> str:
    """A new token id (`jti`) for one of the partner's tokens: its id, a dot, a random part."""
    return f"{partner_id.hex}.{uuid.uuid4().hex}"


def partner_of_token(jti: str) -> UUID | None:
    """The partner a token id was made for by `token_id`; None for any other id."""
    match = _TOKEN_ID.match(jti.strip())
    return UUID(hex=match.group(1)) if match else None


def issued_token(tokens: dict[str, IssuedToken], *, jti: str, scopes: Sequence[str], purpose: str,
                 issued_at: datetime, expires_at: datetime) -> TokenIssuedArgs:
    """The checked arguments of `TokenIssued`."""
    require(jti not in tokens, "jti", f"token {jti} was recorded already")
    require(bool(scopes) and len(scopes) <= SCOPES_MAX, "scopes",
            f"name between 1 and {SCOPES_MAX} scopes")
    cleaned = [required_text(scope, f"scopes[{index}]", max_length=SCOPE_MAX)
               for index, scope in enumerate(scopes)]
    require(issued_at < expires_at, "expiresAt", "must be after the token was issued")
    return {"jti": required_text(jti, "jti", max_length=100), "scopes": cleaned,
            "purpose": vocabulary().purpose(purpose, "purpose"), "issued_at": issued_at,
            "expires_at": expires_at}


def revoked_token(tokens: dict[str, IssuedToken], *, jti: str, reason: str, revoked_at: datetime,
                  partner_id: UUID) -> TokenRevokedArgs:
    """The checked arguments of `TokenRevoked`."""
    token = tokens.get(jti)
    if token is None:
        raise NotFoundError("partner token", jti)
    if token["revoked_at"] is not None:
        raise InvalidTransitionError(f"token {jti} of partner {partner_id} was revoked already")
    return {"jti": jti, "reason": required_text(reason, "reason", max_length=REASON_MAX),
            "revoked_at": revoked_at}
