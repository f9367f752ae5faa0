"""`crmhub audit ...` and `crmhub export`: tamper evidence for the log.

- `audit verify [--from N --to M]` walks the stored log with a progress bar and checks
  every event hash, the chain and the signed checkpoints; `--export FILE` checks an
  export offline, without a database. Exit 0 when intact, 1 when anything is broken
  (every broken position is listed), 2 for bad input.
- `audit checkpoint` chains everything in the log, then signs the head now;
  `audit checkpoints` lists the signed heads.
- `export --format jsonl [--output FILE]` writes the log with its hashes, the
  checkpoints and the public keys that verify them (`projections.ledger_export`).

Registered on `api.cli`'s app when that module loads.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api.cli import _table, app, err, open_hub, settings
from api.ledger import jwks, ledger_runner, public_keys
from api.store import CrmHub
from api.token_store import attach_tokens
from api.tokens import TokenService
from projections import checkpoints
from projections.chain import head
from projections.database import ViewDatabase
from projections.ledger_export import ExportFormatError, verify_export, write_export
from projections.ledger_verify import Report, describe, verify_database

audit_app = typer.Typer(help="Tamper evidence: verify the log, sign and list checkpoints.",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@contextmanager
def _opened() -> Iterator[tuple[CrmHub, ViewDatabase, TokenService]]:
    config = settings()
    hub = open_hub(config)
    views = ViewDatabase.connect(config.database_url, pool_size=config.pool_size)
    try:
        tokens = TokenService(config)
        attach_tokens(tokens, hub)
        runner = ledger_runner(hub, views, config, tokens)
        runner.setup()  # the chain's tables exist even before it first runs
        yield hub, views, tokens
    finally:
        views.close()
        hub.close()


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]} events/s"), TimeRemainingColumn())
    with Progress(*columns, console=err) as progress:
        task = progress.add_task(label, total=total, rate="-")

        def advance(count: int) -> None:
            progress.update(task, advance=count)
            rate = progress.tasks[0].speed
            progress.update(task, rate=f"{rate:,.0f}" if rate else "-")

        yield advance


@audit_app.command("verify")
def verify(
    first: Annotated[int | None, typer.Option("--from", help="First position to check.")] = None,
    last: Annotated[int | None, typer.Option("--to", help="Last position to check.")] = None,
    export: Annotated[Path | None, typer.Option(
        help="Verify this export (crmhub export) offline instead of the database.")] = None,
    keys: Annotated[Path | None, typer.Option(
        "--jwks", help="With --export: verify checkpoints with these trusted public keys "
                       "(a JWKS file, e.g. the hub's /.well-known/jwks.json) instead of the "
                       "export's own.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Recompute every event hash and the chain from the stored rows, compare them with
    the chain table and the signed checkpoints; exit 0 if intact, 1 if not."""
    if first is not None and last is not None and last < first:
        raise typer.BadParameter("--to must not be before --from", param_hint="--to")
    if export is not None:
        if first is not None or last is not None:
            raise typer.BadParameter("an export is verified whole", param_hint="--from/--to")
        report, kids = _verify_export(export, keys)
        note = (f"checkpoints verified with the export's own keys ({', '.join(kids) or 'none'}): "
                "compare these kids with the hub's published keys, or pass --jwks"
                if keys is None else None)
    else:
        if keys is not None:
            raise typer.BadParameter("--jwks goes with --export", param_hint="--jwks")
        with _opened() as (hub, views, tokens):
            total = (last or max(hub.position(), head(views)[0])) - (first or 1) + 1
            with _progress(max(total, 0), "verifying") as advance:
                report = verify_database(hub, views, public_keys=public_keys(tokens),
                                         first=first, last=last, on_progress=advance)
        note = None
    _print_report(report, as_json=as_json, note=note)
    raise typer.Exit(0 if report.intact else 1)


def _verify_export(path: Path, keys: Path | None) -> tuple[Report, list[str]]:
    trusted = None
    try:
        if keys is not None:
            trusted = list(json.loads(keys.read_text())["keys"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise typer.BadParameter(f"not a JWKS file: {error}", param_hint="--jwks") from None
    try:
        with path.open(encoding="utf-8") as lines:
            total = max(sum(1 for _ in lines) - 2, 0)
            lines.seek(0)
            with _progress(total, "verifying export") as advance:
                return verify_export(lines, trusted_keys=trusted, on_progress=advance)
    except OSError as error:
        raise typer.BadParameter(str(error), param_hint="--export") from None
    except ExportFormatError as error:
        raise typer.BadParameter(str(error), param_hint="--export") from None


def _print_report(report: Report, *, as_json: bool, note: str | None) -> None:
    if as_json:
        typer.echo(json.dumps(describe(report), indent=2))
        return
    checked = (f"{report.events:,} events at positions {report.checked_from:,} to "
               f"{report.checked_to:,}, {report.checkpoints} signed checkpoint(s)")
    if report.intact:
        typer.echo(f"intact up to position {report.head_position}, head hash {report.head_hash}")
        typer.echo(f"checked {checked}")
    else:
        typer.echo(f"NOT intact: {len(report.problems)} problem(s) in {checked}")
        table = _table("position", "problem", "detail", title="broken positions")
        for problem in report.problems:
            table.add_row(str(problem.position), problem.kind, problem.detail)
        Console(width=None if sys.stdout.isatty() else 200).print(table)
    if report.unchained:
        typer.echo(f"{report.unchained:,} newer event(s) not chained yet (the chain runs in "
                   "`crmhub serve` and `crmhub project`; `crmhub audit checkpoint` catches up)")
    if note:
        typer.echo(f"note: {note}")


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """Chain everything in the log now, then sign its head (time, position, hash) with
    the hub's signing key and store it."""
    config = settings()
    with _opened() as (hub, views, tokens):
        runner = ledger_runner(hub, views, config, tokens)
        runner.setup()
        with _progress(max(hub.position() - runner.position, 0), "chaining") as advance:
            signed = runner.checkpoint(on_page=advance)
    if signed is None:
        typer.echo("the log is empty: nothing to sign")
        return
    typer.echo(f"checkpoint signed: position {signed.position}, head hash {signed.head_hash}, "
               f"at {signed.signed_at.isoformat()}, key {signed.kid}")


@audit_app.command("checkpoints")
def list_checkpoints(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (with the signed JWS).")] = False,
) -> None:
    """List the signed checkpoints, oldest first."""
    with _opened() as (_, views, _tokens):
        signed = checkpoints.stored(views)
    if as_json:
        typer.echo(json.dumps([c.as_json() for c in signed], indent=2))
        return
    table = _table("position", "head hash", "signed at", "key", title="ledger checkpoints")
    for c in signed:
        table.add_row(str(c.position), c.head_hash, c.signed_at.isoformat(), c.kid)
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@app.command("export")
def export_log(
    file_format: Annotated[str, typer.Option("--format", help="The file format: jsonl.")] = "jsonl",
    output: Annotated[Path | None, typer.Option(
        help="Write here instead of standard output.")] = None,
) -> None:
    """Write the whole log (stored ciphertext, with each event's hash and chain hash), the
    signed checkpoints and the public keys that verify them, one JSON object per line;
    `crmhub audit verify --export FILE` checks it offline."""
    if file_format != "jsonl":
        raise typer.BadParameter("the only format is jsonl", param_hint="--format")
    with _opened() as (hub, views, tokens):
        total = max(hub.position(), head(views)[0])
        if output is None:
            lines = write_export(hub, views, sys.stdout, jwks=jwks(tokens))
        else:
            with output.open("w", encoding="utf-8") as out, _progress(total, "exporting") as advance:
                lines = write_export(hub, views, out, jwks=jwks(tokens), on_progress=advance)
    if output is not None:
        err.print(f"{lines:,} events exported to {output}")


# `audit history` registers itself on `audit_app` (it imports this module).
import api.history_cli  # noqa: E402, F401
