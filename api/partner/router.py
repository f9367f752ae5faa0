"""`POST /partner/graphql`: the partner schema behind partner tokens and a rate limit.

POST only: no GraphiQL, no queries over GET, no batching, no multipart uploads, no
subscriptions. Each request's bearer token is verified once (`authenticate`, a FastAPI
dependency shared by the rate limit and the context). A valid partner token past its
rate gets HTTP 429 with `Retry-After` (seconds) and a GraphQL-shaped body whose error
has the code RATE_LIMITED. Requests and 429s are counted by `/metrics` (by path and
status).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter

from api.partner.context import PartnerContext
from api.partner.rate_limit import RateLimiter
from api.partner.schema import build_partner_schema
from api.settings import Settings
from api.tokens import InvalidTokenError, Principal, TokenService

PATH = "/partner/graphql"


@dataclass(frozen=True)
class PartnerAuth:
    principal: Principal | None = None
    #: Why the bearer token was refused, when one was sent.
    error: str | None = None
    expires_at: datetime | None = None


class RateLimitedError(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests with this token: retry after {retry_after} s")
        self.retry_after = retry_after


def authenticate(request: Request) -> PartnerAuth:
    """The partner principal of the request's bearer token (internal tokens are refused)."""
    header = request.headers.get("authorization")
    if not header:
        return PartnerAuth()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return PartnerAuth(error="the Authorization header must be 'Bearer <token>'")
    tokens: TokenService = request.app.state.tokens
    try:
        principal = tokens.verify_partner(token.strip())
    except InvalidTokenError as error:
        return PartnerAuth(error=str(error))
    return PartnerAuth(principal, expires_at=_expiry(token.strip()))


AuthDep = Annotated[PartnerAuth, Depends(authenticate)]


def _expiry(verified: str) -> datetime:
    """The `exp` of a token already verified (its claims are trusted by then)."""
    payload = verified.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return datetime.fromtimestamp(int(claims["exp"]), UTC)


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the partner endpoint on `app` (whose state holds the hub, views and tokens)."""
    limiter = RateLimiter(per_minute=settings.partner_rate_limit,
                          burst=settings.partner_rate_burst)

    # Async (no I/O): run on the event loop, not in the thread pool; only `authenticate`
    # reads the store.
    async def limit_rate(auth: AuthDep) -> None:
        if auth.principal is not None:
            wait = limiter.take(auth.principal.token_id)
            if wait:
                raise RateLimitedError(wait)

    async def context(request: Request, auth: AuthDep) -> PartnerContext:
        state = request.app.state
        return PartnerContext(hub=state.hub, views=state.views, runner=state.runner,
                              settings=settings, principal=auth.principal,
                              auth_error=auth.error, tokens=state.tokens,
                              token_expires_at=auth.expires_at)

    async def rate_limited(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RateLimitedError)
        return JSONResponse(
            {"data": None, "errors": [{"message": str(error), "extensions": {
                "code": "RATE_LIMITED", "retryAfter": error.retry_after}}]},
            status_code=429, headers={"Retry-After": str(error.retry_after)})

    router = GraphQLRouter(
        build_partner_schema(settings),
        context_getter=context,
        graphql_ide=None,
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
        subscription_protocols=(),
        dependencies=[Depends(limit_rate)],
    )
    app.include_router(router, prefix=PATH)
    app.add_exception_handler(RateLimitedError, rate_limited)
