"""Commands that record a partner's tokens: issued and revoked.

The API signs the token and writes the revocation list (`api/tokens.py`); these commands
record on the Partner aggregate that it did, and refuse what must not be: a token for a
partner that is not active, a second revocation, a token the partner never had.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from domain.base import now
from domain.core import HubCore, command, parse_id
from domain.errors import NotFoundError
from partners.partner import Partner
from partners.tokens import IssuedToken, partner_of_token


class PartnerTokenCommands(HubCore):
    @command
    def issue_partner_token(self, *, actor: str, partner_id: UUID | str, jti: str,
                            scopes: Sequence[str], purpose: str, expires_at: datetime,
                            occurred_at: datetime | None = None) -> int:
        """Record that token `jti` was issued to an active partner's systems."""
        partner = self._partner(partner_id)
        partner.record_token(jti=jti, scopes=scopes, purpose=purpose, issued_at=now(),
                             expires_at=expires_at)
        return self.commit(partner)

    @command
    def revoke_partner_token(self, *, actor: str, jti: str, reason: str,
                             occurred_at: datetime | None = None) -> int:
        """Record that a partner's token is refused from now on (`NotFoundError` if no
        partner was issued `jti`)."""
        partner_id = partner_of_token(jti)
        if partner_id is None:
            raise NotFoundError("partner token", jti)
        try:
            partner = self._partner(partner_id)
        except NotFoundError:
            raise NotFoundError("partner token", jti) from None
        partner.revoke_token(jti=jti, reason=reason, revoked_at=now())
        return self.commit(partner)

    def partner_tokens(self, partner_id: UUID | str) -> list[IssuedToken]:
        """The tokens issued to a partner, oldest first."""
        tokens = self._partner(partner_id).tokens
        return sorted(tokens.values(), key=lambda token: token["issued_at"])

    def _partner(self, partner_id: UUID | str) -> Partner:
        return self.load(Partner, parse_id(partner_id, "partnerId"))
