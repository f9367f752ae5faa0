"""Issuing and revoking tokens as an administrator does it, from GraphQL or the CLI.

A partner token is signed here and recorded on its Partner aggregate (which refuses an
unknown, suspended or terminated partner: then the signed token is thrown away and
nothing is recorded). A revocation writes the revocation list first, so the token is
refused at once in every process, then records `Partner.TokenRevoked`; if the process
dies in between, the token is already refused and the audit event can be recorded by
revoking again. An internal token (no aggregate) is revoked in the list alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from api.tokens import parse_scopes
from domain.core import parse_id
from domain.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from partners.tokens import IssuedToken as RecordedToken
from partners.tokens import partner_of_token

if TYPE_CHECKING:
    from api.store import CrmHub
    from api.tokens import IssuedToken, TokenService

_INTERNAL_TOKEN_ID = re.compile(r"^[0-9a-f]{32}$")
REASON_MAX = 500


@dataclass(frozen=True)
class PartnerToken:
    """A token just issued to a partner, with what it allows."""

    issued: IssuedToken
    partner_id: UUID
    scopes: tuple[str, ...]
    purpose: str


@dataclass(frozen=True)
class RevokedToken:
    jti: str
    reason: str
    revoked_at: datetime
    #: The partner whose token it was; None for an internal token.
    partner_id: UUID | None


def issue_partner_token(*, hub: CrmHub, tokens: TokenService, actor: str,
                        partner_id: UUID | str, scopes: Sequence[str], purpose: str,
                        ttl: int | None = None) -> PartnerToken:
    """Sign a token for an active partner's systems and record that it was issued."""
    partner = parse_id(partner_id, "partnerId")
    issued = tokens.issue_partner(partner_id=partner, scopes=scopes, purpose=purpose, ttl=ttl)
    chosen = parse_scopes(scopes)
    hub.issue_partner_token(actor=actor, partner_id=partner, jti=issued.jti, scopes=chosen,
                            purpose=purpose, expires_at=issued.expires_at)
    return PartnerToken(issued=issued, partner_id=partner, scopes=chosen, purpose=purpose)


def revoke_token(*, hub: CrmHub, tokens: TokenService, actor: str, jti: str,
                 reason: str) -> RevokedToken:
    """Refuse token `jti` from now on, everywhere; record it when it is a partner's."""
    jti = jti.strip()
    reason = reason.strip()
    if not reason:
        raise InvalidValueError("reason", "say why the token is revoked")
    if len(reason) > REASON_MAX:
        raise InvalidValueError("reason", f"must be at most {REASON_MAX} characters")
    partner_id = partner_of_token(jti)
    if partner_id is None:
        if not _INTERNAL_TOKEN_ID.match(jti):
            raise InvalidValueError("jti", "not a token id (the token's `jti` claim)")
        if not tokens.revoke(jti, reason=reason):
            raise InvalidTransitionError(f"token {jti} was revoked already")
        return _revoked(tokens, jti, reason, None)
    issued = {token["jti"]: token for token in _partner_tokens(hub, jti, partner_id)}
    if jti not in issued:
        raise NotFoundError("partner token", jti)
    if issued[jti]["revoked_at"] is not None:
        raise InvalidTransitionError(f"token {jti} of partner {partner_id} was revoked already")
    tokens.revoke(jti, reason=reason, expires_at=issued[jti]["expires_at"])
    hub.revoke_partner_token(actor=actor, jti=jti, reason=reason)
    return _revoked(tokens, jti, reason, partner_id)


def _partner_tokens(hub: CrmHub, jti: str, partner_id: UUID) -> list[RecordedToken]:
    try:
        return hub.partner_tokens(partner_id)
    except NotFoundError:
        raise NotFoundError("partner token", jti) from None


def _revoked(tokens: TokenService, jti: str, reason: str, partner_id: UUID | None) -> RevokedToken:
    store = tokens.store
    revocation = store.revocation(jti) if store else None
    assert revocation is not None
    return RevokedToken(jti=jti, reason=reason, revoked_at=revocation.revoked_at,
                        partner_id=partner_id)
