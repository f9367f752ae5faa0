"""Partner tokens in the internal schema (admins only): issue one, revoke any token by
its id, and list the tokens a partner was issued."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.auth import requires
from api.graphql.context import Info, read, run_command
from api.graphql.types import InputModel, input_type, validated
from api.partner_tokens import REASON_MAX, issue_partner_token, revoke_token
from api.permissions import Action
from api.tokens import MAX_TTL, PARTNER_SCOPES, TokenService
from partners.tokens import IssuedToken as RecordedToken

_SCOPES = f"What the token allows: {', '.join(PARTNER_SCOPES)}."
_PURPOSE = ("Why the partner may read personal data with it: one purpose of the consent "
            "vocabulary (e.g. third_party_sharing.partner.lead_referral).")


@strawberry.type(description="A partner token just issued. The token is shown this once: "
                             "it is not stored anywhere.")
class IssuedPartnerToken:
    token: str = strawberry.field(description="The bearer token for /partner/graphql.")
    jti: str = strawberry.field(description="Its id: revoke it with revokeToken.")
    expires_at: datetime
    scopes: list[str]
    purpose: str
    partner_id: strawberry.ID


@strawberry.type(description="A token refused from now on, in every process.")
class RevokedToken:
    jti: str
    reason: str
    revoked_at: datetime
    partner_id: strawberry.ID | None = strawberry.field(
        description="The partner whose token it was; null for an internal token.")


@strawberry.type(description="A token issued to a partner (the token itself is not kept).")
class PartnerToken:
    jti: str
    scopes: list[str]
    purpose: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None

    @classmethod
    def of(cls, token: RecordedToken) -> PartnerToken:
        return cls(jti=token["jti"], scopes=list(token["scopes"]), purpose=token["purpose"],
                   issued_at=token["issued_at"], expires_at=token["expires_at"],
                   revoked_at=token["revoked_at"], revoke_reason=token["revoke_reason"])


class IssuePartnerTokenModel(InputModel):
    partner_id: UUID
    scopes: list[str] = Field(min_length=1, max_length=len(PARTNER_SCOPES),
                              description=_SCOPES)
    purpose: str = Field(min_length=1, max_length=200, description=_PURPOSE)
    ttl_seconds: int | None = Field(default=None, ge=1, le=MAX_TTL, description=(
        "Lifetime in seconds (at most 90 days); the configured token lifetime if null."))


class RevokeTokenModel(InputModel):
    jti: str = Field(min_length=1, max_length=100, description="The token's id (its jti).")
    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX)]


IssuePartnerTokenInput = input_type(IssuePartnerTokenModel, "IssuePartnerTokenInput",
                                    partner_id=strawberry.ID)
RevokeTokenInput = input_type(RevokeTokenModel, "RevokeTokenInput")


def _tokens(info: Info) -> TokenService:
    tokens = info.context.tokens
    assert tokens is not None, "the app sets the token service on every context"
    return tokens


@strawberry.type
class TokenQuery:
    @strawberry.field(extensions=requires(Action.TOKENS_READ),
                      description="The tokens issued to a partner, oldest first.")
    async def partner_tokens(self, info: Info, partner_id: strawberry.ID) -> list[PartnerToken]:
        tokens = await read(info, info.context.hub.partner_tokens, partner_id)
        return [PartnerToken.of(token) for token in tokens]


@strawberry.type
class TokenMutation:
    @strawberry.mutation(extensions=requires(Action.TOKENS_WRITE),
                         description="Issue a token to an active partner's systems, for "
                                     "/partner/graphql.")
    async def issue_partner_token(self, info: Info,
                                  input: IssuePartnerTokenInput) -> IssuedPartnerToken:
        data = validated(IssuePartnerTokenModel, input)
        issued = await run_command(
            info, partial(issue_partner_token, hub=info.context.hub, tokens=_tokens(info)),
            partner_id=data.partner_id, scopes=data.scopes, purpose=data.purpose,
            ttl=data.ttl_seconds)
        return IssuedPartnerToken(
            token=issued.issued.token, jti=issued.issued.jti,
            expires_at=issued.issued.expires_at, scopes=list(issued.scopes),
            purpose=issued.purpose, partner_id=strawberry.ID(str(issued.partner_id)))

    @strawberry.mutation(extensions=requires(Action.TOKENS_WRITE),
                         description="Refuse a token (a partner's or an internal one) from "
                                     "now on, in every process.")
    async def revoke_token(self, info: Info, input: RevokeTokenInput) -> RevokedToken:
        data = validated(RevokeTokenModel, input)
        revoked = await run_command(
            info, partial(revoke_token, hub=info.context.hub, tokens=_tokens(info)),
            jti=data.jti, reason=data.reason)
        return RevokedToken(jti=revoked.jti, reason=revoked.reason,
                            revoked_at=revoked.revoked_at,
                            partner_id=strawberry.ID(str(revoked.partner_id))
                            if revoked.partner_id else None)
