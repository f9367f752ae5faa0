"""The FastAPI application: GraphQL, health and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter

from api.graphql.context import Context
from api.graphql.schema import build_schema
from api.settings import Settings
from api.store import connect_hub
from api.tokens import InvalidTokenError, Principal, TokenService
from domain.hub import Hub


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


HubDep = Annotated[Hub, Depends(get_hub)]


def create_app(settings: Settings | None = None, *, hub: Hub | None = None) -> FastAPI:
    """The hub's HTTP interface. Pass `hub` to share one already open (tests, `serve --demo`)."""
    settings = settings or Settings()
    tokens = TokenService(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = hub is None
        app.state.hub = hub or connect_hub(settings.database_url, pool_size=settings.pool_size)
        try:
            yield
        finally:
            if owned:
                app.state.hub.close()

    app = FastAPI(title="crmhub", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.tokens = tokens

    def context(request: Request, hub: HubDep) -> Context:
        principal, error = _authenticate(tokens, request.headers.get("authorization"))
        return Context(hub=hub, principal=principal, auth_error=error)

    graphql = GraphQLRouter(
        build_schema(settings),
        context_getter=context,
        graphql_ide="graphiql",
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
    )
    app.include_router(graphql, prefix="/graphql")

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    def readyz(hub: HubDep) -> JSONResponse:
        """The store answers; reports the log position."""
        try:
            position = hub.position()
        except Exception as error:  # noqa: BLE001 - any store failure means not ready
            return JSONResponse({"status": "unavailable", "store": str(error)}, status_code=503)
        return JSONResponse({"status": "ready", "store": "ok", "logPosition": position})

    return app


def _authenticate(tokens: TokenService, header: str | None) -> tuple[Principal | None, str | None]:
    if not header:
        return None, None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, "the Authorization header must be 'Bearer <token>'"
    try:
        return tokens.verify(token.strip()), None
    except InvalidTokenError as error:
        return None, str(error)
