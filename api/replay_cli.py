"""`crmhub audit replay`: the customer 360, the sales pipeline or the service queue as they
were at an instant, replayed from the log (`projections.as_of`), as `customerAsOf`,
`salesPipelineAsOf` and `serviceQueueAsOf` answer over GraphQL.

- `--customer ID --at TIME`: the 360's summary, profile and newest contacts then.
- `--pipeline --at TIME [--owner ID]`: open opportunities per stage and currency then.
- `--queue --at TIME [--first N]`: the cases being worked on then, oldest due first.

`audit replay-checkpoints` keeps the replay checkpoints of the customers due one
(`projections.checkpoint_keeper`), as `serve` does in the background.

The department replays walk the log up to TIME with a progress bar. `--json` prints
JSON. The read is recorded (`privacy.audit_read_commands.record_audit_read`, actor
`cli:<os user>`) before anything is printed. Bad input (no or several of the three, a
malformed or future TIME, an unknown customer or one who did not exist yet) exits 2 with
the reason, and nothing is recorded.

Registered on `api.audit_cli`'s `audit_app` when `api.cli` loads.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console

from api.audit_cli import _progress, audit_app
from api.cli import _cli_actor, _table, err, open_hub, settings
from domain.errors import DomainError
from privacy.audit_read_commands import record_audit_read
from projections import as_of, sales_queries, service_queries
from projections.checkpoint_keeper import CheckpointKeeper
from projections.customer_queries import customer_names, timeline
from projections.customers import CustomerView
from projections.database import ViewDatabase
from projections.log_index import LogIndexView
from projections.runner import ProjectionRunner
from projections.sales import SalesView
from projections.service import ServiceView


@contextmanager
def _refusing() -> Iterator[None]:
    """A domain error (bad input, not found) is the caller's: exit 2 with its message."""
    try:
        yield
    except DomainError as error:
        err.print(f"[red]refused:[/red] {error.message}")
        raise typer.Exit(2) from None


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter("use an ISO-8601 time with its zone, e.g. "
                                 "2026-11-23T19:02:11Z", param_hint="--at") from None
    try:
        return as_of.instant(moment)
    except DomainError as error:
        raise typer.BadParameter(error.message.removeprefix("at: "), param_hint="--at") from None


@audit_app.command("replay")
def replay(
    at: Annotated[str, typer.Option(help="The instant, ISO-8601 with its zone (…Z for UTC).")],
    customer: Annotated[str | None, typer.Option(help="A customer's 360 as of then.")] = None,
    pipeline: Annotated[bool, typer.Option("--pipeline", help="The sales pipeline as of then.")] = False,
    queue: Annotated[bool, typer.Option("--queue", help="The service queue as of then.")] = False,
    owner: Annotated[str | None, typer.Option(help="With --pipeline: one owner's.")] = None,
    first: Annotated[int, typer.Option(min=1, max=200, help="Timeline entries or queued cases.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Replay the log as it stood at an instant: a customer's 360, the sales pipeline or
    the service queue as they were then."""
    if (customer is not None) + pipeline + queue != 1:
        raise typer.BadParameter("name exactly one of --customer ID, --pipeline, --queue",
                                 param_hint="--customer/--pipeline/--queue")
    if owner is not None and not pipeline:
        raise typer.BadParameter("--owner goes with --pipeline", param_hint="--owner")
    moment = _instant(at)
    config = settings()
    hub = open_hub(config)
    views = ViewDatabase.connect(config.database_url, pool_size=config.pool_size)
    try:
        ProjectionRunner(hub, views, [LogIndexView()]).setup()  # the index exists, if empty
        with _refusing():
            if customer is not None:
                replayed = as_of.customer_as_of(hub, views, customer, at=moment)
                try:
                    entries = timeline(replayed.views, customer_id=replayed.summary.id,
                                       first=first)
                finally:
                    replayed.views.close()
                _record(hub, {"customer": customer, "at": moment, "first": first},
                        subjects=[replayed.profile.id])
                _print_customer(replayed, [entry for _, entry in entries.items], as_json)
                return
            scratch = _department(hub, views, moment, [SalesView()] if pipeline
                                  else [ServiceView(), CustomerView()])
            try:
                if pipeline:
                    _record(hub, {"pipeline": True, "at": moment, "owner": owner}, subjects=[])
                    _print_pipeline(moment, sales_queries.pipeline(scratch, owner=owner), as_json)
                else:
                    page = service_queries.open_cases(scratch, first=first)
                    cases = [case for _, case in page.items]
                    names = customer_names(scratch, [case.customer_id for case in cases])
                    _record(hub, {"queue": True, "at": moment, "first": first},
                            subjects=[UUID(case.customer_id) for case in cases])
                    _print_queue(moment, cases, names, as_json)
            finally:
                scratch.close()
    finally:
        views.close()
        hub.close()


@audit_app.command("replay-checkpoints")
def keep_replay_checkpoints(
    batch: Annotated[int, typer.Option(min=1, help="Customers replayed, at most.")] = 10_000,
) -> None:
    """Keep a replay checkpoint for every customer with many events after their newest
    one (what `serve` does every CRMHUB_REPLAY_CHECKPOINT_SWEEP seconds), so that their
    replays as of now start near it."""
    config = settings()
    hub = open_hub(config)
    views = ViewDatabase.connect(config.database_url, pool_size=config.pool_size)
    due = 0
    try:
        with err.status("finding the customers due a checkpoint") as status:
            def progress(replayed: int, total: int) -> None:
                nonlocal due
                due = total
                status.update(f"replaying customers: {replayed:,} of {total:,}")

            kept = CheckpointKeeper(hub, views, batch=batch).sweep(on_progress=progress)
    finally:
        views.close()
        hub.close()
    typer.echo(f"kept a replay checkpoint for {kept:,} of {due:,} customer(s) due one")
    if kept < due:
        typer.echo(f"{due - kept:,} could not be kept (someone in them was erased)")


def _record(hub: Any, arguments: dict[str, Any], *, subjects: list[UUID]) -> None:
    """The read is recorded before anything of it is printed (nothing is, if it fails)."""
    record_audit_read(hub, actor=_cli_actor(), role="cli", operation="audit replay",
                      arguments={k: v for k, v in arguments.items() if v is not None},
                      subjects=subjects)


def _department(hub: Any, views: ViewDatabase, moment: datetime, replayed: list[Any],
                ) -> as_of.ScratchViews:
    as_of.ensure_indexed(hub, views)
    total = as_of.last_position_at(views, moment)
    with _progress(total, "replaying") as advance:
        return as_of.views_as_of(hub, views, replayed, at=moment,
                                 on_progress=lambda count, _total: advance(count))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {_camel(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _echo_json(document: dict[str, Any]) -> None:
    typer.echo(json.dumps(_plain(document), indent=2, default=str))


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 200)


def _print_customer(replayed: as_of.CustomerAsOf, entries: list[Any], as_json: bool) -> None:
    summary = asdict(replayed.summary)
    summary["lifetime_revenue"] = [{"amount": amount, "currency": currency}
                                   for amount, currency in replayed.summary.lifetime_revenue]
    p = replayed.profile
    profile = {"id": str(p.id), "version": p.version, "given_name": p.given_name,
               "family_name": p.family_name, "job_title": p.job_title, "emails": p.emails,
               "phones": p.phones, "address": p.address, "company_name": p.company_name,
               "stage": p.stage, "owner": p.owner, "tags": p.tags, "erased": p.erased}
    if as_json:
        _echo_json({"at": replayed.at.isoformat(), "events": replayed.events,
                    "summary": summary, "profile": profile,
                    "timeline": [asdict(entry) for entry in entries]})
        return
    typer.echo(f"customer {replayed.summary.id} as of {replayed.at.isoformat()} "
               f"({replayed.events} events replayed)")
    table = _table("field", "value", title="summary and profile")
    for name, value in {**summary, **profile}.items():
        table.add_row(_camel(name), "" if value is None else str(_plain(value)))
    _console().print(table)
    contacts = _table("occurred at", "channel", "direction", "department", "subject",
                      title="timeline (newest first)")
    for entry in entries:
        contacts.add_row(entry.occurred_at, entry.channel, entry.direction, entry.department,
                         entry.subject)
    _console().print(contacts)


def _print_pipeline(moment: datetime, stages: list[sales_queries.StageTotal],
                    as_json: bool) -> None:
    if as_json:
        _echo_json({"at": moment.isoformat(), "pipeline": [
            {"stage": s.stage, "count": s.count,
             "amount": {"amount": s.amount, "currency": s.currency},
             "weighted_amount": {"amount": s.weighted_amount, "currency": s.currency}}
            for s in stages]})
        return
    table = _table("stage", "currency", "count", "amount", "weighted amount",
                   title=f"sales pipeline as of {moment.isoformat()}")
    for s in stages:
        table.add_row(s.stage, s.currency, str(s.count), str(s.amount), str(s.weighted_amount))
    _console().print(table)


def _print_queue(moment: datetime, cases: list[service_queries.ServiceCase],
                 names: dict[str, Any], as_json: bool) -> None:
    def customer(case: service_queries.ServiceCase) -> str | None:
        name = names.get(case.customer_id)
        return None if name is None else name.display_name

    if as_json:
        _echo_json({"at": moment.isoformat(), "queue": [
            {**asdict(case), "customer_name": customer(case)} for case in cases]})
        return
    table = _table("case", "customer", "type", "priority", "status", "assignee", "due at",
                   title=f"service queue as of {moment.isoformat()}")
    for c in cases:
        table.add_row(c.case_id, customer(c) or "", c.case_type, c.priority, c.status,
                      c.assignee or "", c.due_at)
    _console().print(table)
