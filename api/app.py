"""The FastAPI application: GraphQL, health and readiness."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter

from api import metrics
from api.graphql.context import Context
from api.graphql.schema import build_schema
from api.lead_offers import sweep_lead_offers
from api.ledger import ledger_runner
from api.partner.router import install as install_partner_api
from api.periodic import Periodic
from api.privacy import load_master_key
from api.settings import Settings
from api.store import CrmHub, connect_hub
from api.token_store import attach_tokens
from api.tokens import InvalidTokenError, Principal, TokenService
from projections.catalog import all_views
from projections.chain import chained_position
from projections.checkpoint_keeper import CheckpointKeeper
from projections.database import ViewDatabase
from projections.failures import view_failures
from projections.runner import ProjectionRunner, view_positions


def freeze_startup_objects() -> None:
    """What the process built to start (modules, types, the schemas, pools) lives as long
    as the process: keep it out of the collector's full passes, which otherwise walk all
    of it and pause a request for 60-100 ms now and then (the p99 of `customerAsOf`).
    Garbage is collected first, so none of it is kept."""
    gc.collect()
    gc.freeze()


def get_hub(request: Request) -> CrmHub:
    return request.app.state.hub


HubDep = Annotated[CrmHub, Depends(get_hub)]


def create_app(settings: Settings | None = None, *, hub: CrmHub | None = None,
               server: bool = False) -> FastAPI:
    """The hub's HTTP interface. Pass `hub` to share one already open (tests, `serve --demo`);
    `server` for a long-lived server process (`crmhub serve`, the benchmarks): what it
    built to start is then frozen out of the garbage collector's full passes."""
    settings = settings or Settings()
    tokens = TokenService(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = hub is None
        app.state.hub = hub or connect_hub(settings.database_url, pool_size=settings.pool_size,
                                           master_key=load_master_key(settings))
        attach_tokens(tokens, app.state.hub)
        app.state.views = ViewDatabase.connect(settings.database_url, pool_size=settings.pool_size)
        runner = ProjectionRunner(app.state.hub, app.state.views, all_views())
        runner.setup()
        app.state.runner = runner if settings.run_projections else None
        if app.state.runner:
            runner.start()
        # The ledger chain follows the log beside the views (not in read-your-writes).
        app.state.ledger = ledger_runner(app.state.hub, app.state.views, settings, tokens)
        app.state.ledger.setup()
        if settings.run_projections:
            app.state.ledger.start()
        # Lead offers past their expiry time out and move on without anyone asking.
        sweeper = Periodic("lead_offers", partial(sweep_lead_offers, app.state.hub, app.state.views),
                           interval=settings.lead_offer_sweep,
                           done="%d lead offer(s) timed out and moved on")
        # Customers' replay checkpoints follow their histories (`customerAsOf` as of now).
        keeper = Periodic("replay_checkpoints",
                          CheckpointKeeper(app.state.hub, app.state.views).sweep,
                          interval=settings.replay_checkpoint_sweep,
                          done="kept the replay checkpoints of %d customer(s)")
        for periodic in (sweeper, keeper):
            periodic.start()
        if server:
            freeze_startup_objects()
        try:
            yield
        finally:
            keeper.stop()
            sweeper.stop()
            app.state.ledger.stop()
            if app.state.runner:
                app.state.runner.stop()
            app.state.views.close()
            if owned:
                app.state.hub.close()

    app = FastAPI(title="crmhub", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.tokens = tokens

    def context(request: Request, hub: HubDep) -> Context:
        principal, error = _authenticate(tokens, request.headers.get("authorization"))
        state = request.app.state
        return Context(hub=hub, views=state.views, runner=state.runner, settings=settings,
                       principal=principal, auth_error=error, tokens=tokens)

    graphql = GraphQLRouter(
        build_schema(settings),
        context_getter=context,
        graphql_ide="graphiql",
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
    )
    app.include_router(graphql, prefix="/graphql")
    install_partner_api(app, settings)  # POST /partner/graphql
    metrics.install(app)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/.well-known/jwks.json", tags=["operations"])
    def jwks() -> JSONResponse:
        """The public keys that verify the hub's tokens now (RFC 7517)."""
        return JSONResponse(tokens.jwks(), headers={"Cache-Control": "max-age=300"})

    @app.get("/readyz", tags=["operations"])
    def readyz(request: Request, hub: HubDep) -> JSONResponse:
        """The store answers; reports the log position and each view's position and lag,
        and each stopped view's failure ("degraded": the others still serve, so the
        process stays ready)."""
        try:
            position = hub.position()
            views = view_positions(request.app.state.views)
            stopped = view_failures(request.app.state.views)
            chained = chained_position(request.app.state.views)
        except Exception as error:  # noqa: BLE001 - any store failure means not ready
            return JSONResponse({"status": "unavailable", "store": str(error)}, status_code=503)
        report: dict[str, dict[str, Any]] = {
            name: {"position": at, "lag": position - at} for name, at in views.items()}
        for name, failure in stopped.items():
            report.setdefault(name, {})["failure"] = {"error": failure.error, "since": failure.failed_at,
                                       "attempts": failure.attempts}
        return JSONResponse({
            "status": "degraded" if stopped else "ready", "store": "ok", "logPosition": position,
            "views": report, "ledgerChain": {"position": chained, "lag": position - chained},
        })

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
