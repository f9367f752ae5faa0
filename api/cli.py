"""`crmhub`: serve the hub, load demo data, keep the views current, print the schema."""

from __future__ import annotations

import re
import signal
import threading
from getpass import getuser
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Column, Table

from api.ledger import ledger_runner
from api.privacy import load_master_key
from api.settings import Settings, SettingsError
from api.token_store import attach_tokens
from api.tokens import TokenService
from domain.errors import DomainError
from domain.hub import Hub
from projections.catalog import all_views, views_named
from projections.database import ViewDatabase
from projections.failures import ViewFailure, ViewsFailedError
from projections.locks import running
from projections.runner import ProjectionRunner

if TYPE_CHECKING:
    from api.demo import DemoSummary
    from api.store import CrmHub

app = typer.Typer(help="crmhub: an event-sourced CRM hub.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
token_app = typer.Typer(help="Bearer tokens for the GraphQL API.", no_args_is_help=True)
app.add_typer(token_app, name="token")
privacy_app = typer.Typer(help="A customer's consent, erasure and subject-access export.",
                          no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")
partners_app = typer.Typer(help="Partners: lead distribution.", no_args_is_help=True)
app.add_typer(partners_app, name="partners")
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


def open_hub(config: Settings) -> CrmHub:
    try:
        from api.store import connect_hub  # psycopg loads only for commands that need a store

        return connect_hub(config.database_url, pool_size=config.pool_size,
                           master_key=load_master_key(config))
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
    loaded = None
    if demo:
        if hub.position() == 0:
            loaded = _load_demo(hub, customers=customers, seed=7)
        else:
            err.print("[yellow]the store is not empty: serving it without loading the demo[/yellow]")
    tokens = TokenService(config)
    attach_tokens(tokens, hub)
    admin = tokens.issue(subject="demo-admin", role="admin", ttl=8 * 3600)
    err.print(f"GraphiQL: http://{host}:{port}/graphql  (header: Authorization: Bearer <token>)")
    err.print(f"an admin token for 8 hours:\n{admin}", soft_wrap=True)
    if loaded is not None and loaded.partners:
        from api import demo_data
        from api.partner_tokens import issue_partner_token

        partner = issue_partner_token(
            hub=hub, tokens=tokens, actor="demo-admin", partner_id=loaded.partners[0],
            scopes=demo_data.PARTNER_SCOPES, purpose=demo_data.PARTNER_PURPOSE, ttl=8 * 3600)
        err.print(f"the partner API: POST http://{host}:{port}/partner/graphql; a token of "
                  f"the demo's first partner for 8 hours:\n{partner.issued.token}", soft_wrap=True)
    first = hub.notification_log.select(start=1, limit=1)
    if first:
        err.print(f'try: {{ customer(id: "{first[0].originator_id}") {{ displayName stage }} }}')
    uvicorn.run(create_app(config, hub=hub, server=True), host=host, port=port, log_level="info")


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


def _load_demo(hub: CrmHub, *, customers: int, seed: int) -> DemoSummary:
    from api.demo import load_demo

    summary = load_demo(hub, customers=customers, seed=seed, console=err)
    err.print(f"[green]demo loaded:[/green] {summary}")
    return summary


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
    partner: Annotated[bool, typer.Option(
        "--partner", help="The partner schema (POST /partner/graphql) instead.")] = False,
) -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` in the repository is its output,
    and `partner-schema.graphql` that of `--partner`."""
    from api.graphql.schema import build_schema
    from api.partner.schema import build_partner_schema

    build = build_partner_schema if partner else build_schema
    sdl = build(Settings()).as_str() + "\n"
    if output is None:
        typer.echo(sdl, nl=False)
    else:
        output.write_text(sdl)


ViewOption = Annotated[list[str] | None, typer.Option(
    "--view", help="Only this view (repeatable); all views by default.")]
#: The ledger chain's name for `project --view` (it is evidence, not a view: never rebuilt).
LEDGER = "ledger_chain"


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

                try:
                    runner.catch_up(on_page=advance)
                except ViewsFailedError as error:
                    raise _stopped(error) from None
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
    waits, and takes over when the first stops or dies. The ledger chain (`--view
    ledger_chain`) runs in the worker of all views, or alone when named alone."""
    config = settings()
    hub = open_hub(config)
    runner = _runner(config, hub, [name for name in view or [] if name != LEDGER] or None, page_size)
    workers = [runner] if not view or set(view) != {LEDGER} else []
    if not view or LEDGER in view:
        tokens = TokenService(config)
        attach_tokens(tokens, hub)
        workers.append(ledger_runner(hub, runner.database, config, tokens, page_size=page_size))
    names = [v.name for worker in workers for v in worker.views]
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
            for worker in workers:
                worker.setup()
            position = min(worker.position for worker in workers)
            err.print(f"projecting {', '.join(names)} from position {position:,}")
            stopped: dict[str, ViewFailure] = {}
            for worker in workers:
                if once:
                    try:
                        worker.catch_up()
                    except ViewsFailedError as error:
                        stopped |= error.failures
                else:
                    worker.start()
            if stopped:
                raise _stopped(ViewsFailedError(stopped))
            if not once:
                stop.wait()
                for worker in workers:
                    worker.stop()
        err.print(f"stopped at {min(worker.position for worker in workers):,}")
    finally:
        runner.database.close()
        hub.close()


def _stopped(error: ViewsFailedError) -> typer.Exit:
    """Say which views stopped where and why; the exit to raise."""
    for name, failure in sorted(error.failures.items()):
        err.print(f"[red]view {name} stopped at position {failure.position:,}[/red]"
                  f" (the others went on): {failure.error}")
    return typer.Exit(1)


def caught_up(hub: Hub, views: ViewDatabase) -> int:
    """Bring every view up to the log's end (safe beside running workers: each view's
    position is locked); return the position reached."""
    runner = ProjectionRunner(hub, views, all_views())
    runner.setup()
    return runner.catch_up()


def _cli_actor() -> str:
    try:
        return f"cli:{getuser()}"
    except (KeyError, OSError):  # no user name in this environment
        return "cli"


def _table(*headers: str, title: str) -> Table:
    """A table whose long values (ids) fold onto more lines instead of being cut."""
    return Table(*(Column(header, overflow="fold") for header in headers), title=title)


# Commands that live in their own modules, which add them when imported: `audit` and
# `export` (the ledger), the `partners` commands of lead distribution (to `partners_app`),
# the `privacy` commands (to `privacy_app`), the `token` commands (to `token_app`).
import api.audit_cli  # noqa: E402, F401
import api.lead_offer_cli  # noqa: E402, F401
import api.privacy_cli  # noqa: E402, F401
import api.replay_cli  # noqa: E402, F401  (`audit replay`, on audit_cli's app)
import api.token_cli  # noqa: E402, F401


def main() -> None:
    app()
