"""`crmhub`: serve the hub, load demo data, issue tokens."""

from __future__ import annotations

import re
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.settings import Settings, SettingsError
from api.tokens import ROLES, TokenService, new_key_pem
from domain.errors import DomainError
from domain.hub import Hub
from projections.catalog import views_named
from projections.database import ViewDatabase
from projections.locks import running
from projections.runner import ProjectionRunner

app = typer.Typer(help="crmhub: an event-sourced CRM hub.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
token_app = typer.Typer(help="Bearer tokens for the GraphQL API.", no_args_is_help=True)
app.add_typer(token_app, name="token")
err = Console(stderr=True)

_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def settings() -> Settings:
    try:
        return Settings()
    except (ValidationError, SettingsError) as error:
        err.print(f"[red]configuration error:[/red] {error}")
        raise typer.Exit(2) from None


def parse_duration(value: str) -> int:
    match = _DURATION.match(value.strip())
    if not match or int(match.group(1)) == 0:
        raise typer.BadParameter("use a positive duration such as 90s, 15m, 8h or 30d")
    return int(match.group(1)) * _UNIT[match.group(2)]


def open_hub(config: Settings) -> Hub:
    try:
        from api.store import connect_hub  # psycopg loads only for commands that need a store

        return connect_hub(config.database_url, pool_size=config.pool_size)
    except DomainError as error:
        err.print(f"[red]configuration error:[/red] {error}")
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Load demo data into an empty store first.")] = False,
    customers: Annotated[int, typer.Option(min=1, help="Demo size, with --demo.")] = 1000,
) -> None:
    """Serve the GraphQL API (uvicorn)."""
    import uvicorn

    from api.app import create_app

    config = settings()
    hub = open_hub(config)
    if demo:
        if hub.position() == 0:
            _load_demo(hub, customers=customers, seed=7)
        else:
            err.print("[yellow]the store is not empty: serving it without loading the demo[/yellow]")
    admin = TokenService(config).issue(subject="demo-admin", role="admin", ttl=8 * 3600)
    err.print(f"GraphiQL: http://{host}:{port}/graphql  (header: Authorization: Bearer <token>)")
    err.print(f"an admin token for 8 hours:\n{admin}")
    first = hub.notification_log.select(start=1, limit=1)
    if first:
        err.print(f'try: {{ customer(id: "{first[0].originator_id}") {{ displayName stage }} }}')
    uvicorn.run(create_app(config, hub=hub), host=host, port=port, log_level="info")


@app.command("demo")
def demo_command(
    customers: Annotated[int, typer.Option(min=1, help="How many customers to create.")] = 1000,
    seed: Annotated[int, typer.Option(help="Same seed, same data set.")] = 7,
) -> None:
    """Load a realistic, deterministic demo data set (two years of history)."""
    hub = open_hub(settings())
    try:
        _load_demo(hub, customers=customers, seed=seed)
    finally:
        hub.close()


def _load_demo(hub: Hub, *, customers: int, seed: int) -> None:
    from api.demo import load_demo

    summary = load_demo(hub, customers=customers, seed=seed, console=err)
    err.print(f"[green]demo loaded:[/green] {summary}")


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
) -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` in the repository is its output."""
    from api.graphql.schema import build_schema

    sdl = build_schema(Settings()).as_str() + "\n"
    if output is None:
        typer.echo(sdl, nl=False)
    else:
        output.write_text(sdl)


ViewOption = Annotated[list[str] | None, typer.Option(
    "--view", help="Only this view (repeatable); all views by default.")]


PageOption = Annotated[int, typer.Option(min=1, max=10_000,
                                         help="Events read and applied per transaction.")]


def _runner(config: Settings, hub: Hub, names: list[str] | None, page_size: int) -> ProjectionRunner:
    try:
        views = views_named(names)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--view") from None
    database = ViewDatabase.connect(config.database_url, pool_size=config.pool_size)
    return ProjectionRunner(hub, database, views, page_size=page_size)


@app.command()
def rebuild(view: ViewOption = None, page_size: PageOption = 1000) -> None:
    """Drop views and rebuild them from the log, with a progress bar."""
    config = settings()
    hub = open_hub(config)
    runner = _runner(config, hub, view, page_size)
    try:
        with running(runner.database, [v.name for v in runner.views]):
            runner.reset([v.name for v in runner.views])
            total = hub.position()
            columns = (TextColumn("rebuilding"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[rate]} events/s"), TimeRemainingColumn())
            with Progress(*columns, console=err) as progress:
                task = progress.add_task("rebuild", total=total, rate="-")

                def advance(count: int) -> None:
                    progress.update(task, advance=count)
                    rate = progress.tasks[0].speed
                    progress.update(task, rate=f"{rate:,.0f}" if rate else "-")

                runner.catch_up(on_page=advance)
        err.print(f"[green]rebuilt[/green] {', '.join(runner.positions())} up to {total:,}")
    finally:
        runner.database.close()
        hub.close()


@app.command()
def project(
    view: ViewOption = None,
    once: Annotated[bool, typer.Option("--once", help="Catch up, then exit.")] = False,
    page_size: PageOption = 1000,
) -> None:
    """Keep views current in this process (a worker); run `serve` with
    CRMHUB_RUN_PROJECTIONS=false when workers do it. A second worker for the same view
    waits, and takes over when the first stops or dies."""
    config = settings()
    hub = open_hub(config)
    runner = _runner(config, hub, view, page_size)
    names = [v.name for v in runner.views]
    stop = threading.Event()

    def leave(*_: object) -> None:
        raise SystemExit(0)  # interrupts the wait for the lock (a blocking system call)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, leave)
    try:
        err.print(f"waiting for the right to run: {', '.join(names)}")
        with running(runner.database, names):
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            runner.setup()
            err.print(f"projecting {', '.join(names)} from position {runner.position:,}")
            if once:
                runner.catch_up()
            else:
                runner.start()
                stop.wait()
                runner.stop()
        err.print(f"stopped at {runner.position:,}")
    finally:
        runner.database.close()
        hub.close()


@token_app.command("issue")
def issue_token(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    subject: Annotated[str | None, typer.Option(help="Principal id (default: <role>-cli).")] = None,
    ttl: Annotated[str, typer.Option(help="Lifetime, e.g. 15m, 8h, 30d.")] = "1h",
) -> None:
    """Print a signed bearer token for an internal role."""
    if role not in ROLES:
        raise typer.BadParameter(f"unknown role {role!r}; use one of {', '.join(ROLES)}",
                                 param_hint="--role")
    seconds = parse_duration(ttl)
    config = settings()
    if seconds > 90 * 86400:
        raise typer.BadParameter("at most 90d", param_hint="--ttl")
    typer.echo(TokenService(config).issue(subject=subject or f"{role}-cli", role=role, ttl=seconds))


@token_app.command("new-key")
def new_key() -> None:
    """Print a new ES256 private key (PEM) for CRMHUB_SIGNING_KEY."""
    typer.echo(new_key_pem(), nl=False)


def main() -> None:
    app()
