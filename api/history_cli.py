"""`crmhub audit history ID`: every event of one aggregate, as `history(id)` answers over
GraphQL (`projections.history`), printed as a table or as JSON lines.

The read is recorded (`privacy.audit_read_commands.record_audit_read`, actor
`cli:<os user>`, role `cli`) before anything is printed; if it cannot be, nothing is.
Bad input (a malformed id or time, `--to` before `--from`, an unknown event type) and an
unknown id exit 2 with the reason, and record nothing.

Registered on `api.audit_cli`'s `audit_app` when that module loads.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from api.audit_cli import audit_app
from api.cli import _cli_actor, _table, err, open_hub, settings
from domain.errors import DomainError
from privacy.audit_read_commands import record_audit_read
from projections import history as log

#: Entries read per page while the whole history is collected.
PAGE = log.MAX_PAGE


def _instant(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise typer.BadParameter("use an ISO-8601 time with its zone, e.g. 2026-11-23T19:02:11Z",
                                 param_hint=option)
    return moment


def entry_json(entry: log.HistoryEntry) -> dict[str, Any]:
    """One entry with the names and shapes `history(id)` gives it over GraphQL."""
    return {"position": entry.position, "aggregateId": str(entry.aggregate_id),
            "aggregateType": entry.aggregate_type, "version": entry.version,
            "eventType": entry.event_type, "topic": entry.topic,
            "recordedAt": entry.recorded_at.isoformat(),
            "occurredAt": entry.occurred_at.isoformat() if entry.occurred_at else None,
            "actor": entry.actor, "data": entry.data, "erased": entry.erased,
            "erasedFields": entry.erased_fields}


@audit_app.command("history")
def history(
    aggregate_id: Annotated[str, typer.Argument(metavar="ID", help="Any aggregate's id.")],
    start: Annotated[str | None, typer.Option(
        "--from", help="Only events recorded at or after this time (ISO-8601 with zone).")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="Only events recorded before this time (ISO-8601 with zone).")] = None,
    types: Annotated[list[str] | None, typer.Option(
        "--type", help="Only events of this type (class name, e.g. StageChanged); repeatable.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per line.")] = False,
) -> None:
    """Every event of one aggregate, oldest first: position in the log, version, type,
    times, actor and data (personal fields decrypted; an erased person's marked erased)."""
    first, last = _instant(start, "--from"), _instant(end, "--to")
    if first is not None and last is not None and last < first:
        raise typer.BadParameter("--to must not be before --from", param_hint="--to")
    hub = open_hub(settings())
    try:
        entries: list[log.HistoryEntry] = []
        after: str | None = None
        try:
            while True:
                found = log.history(hub, aggregate_id, start=first, end=last, types=types or None,
                                    first=PAGE, after=after, erased=hub.subject_keys.is_erased)
                entries += [entry for _, entry in found.page.items]
                if not found.page.has_next_page:
                    break
                after = found.page.end_cursor
        except DomainError as error:
            err.print(f"[red]refused:[/red] {error.message}")
            raise typer.Exit(2) from None
        subjects = [found.aggregate_id, *(s for entry in entries for s in entry.subjects)]
        try:
            record_audit_read(hub, actor=_cli_actor(), role="cli", operation="audit history",
                              arguments={"id": str(found.aggregate_id), "from": first, "to": last,
                                         "types": types or None}, subjects=subjects)
        except Exception as error:  # noqa: BLE001 - whatever it was, nothing may be shown
            err.print(f"[red]the read could not be recorded, so nothing is shown:[/red] {error}")
            raise typer.Exit(1) from None
    finally:
        hub.close()
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(entry_json(entry), ensure_ascii=False))
        return
    table = _table("position", "version", "recorded at", "event", "actor", "data",
                   title=f"history of {found.aggregate_type} {found.aggregate_id}")
    for entry in entries:
        data = json.dumps(entry.data, ensure_ascii=False, sort_keys=True)
        if entry.erased:
            data += f"  (erased: {', '.join(entry.erased_fields)})"
        table.add_row(str(entry.position), str(entry.version), entry.recorded_at.isoformat(),
                      entry.event_type, entry.actor or "", data)
    Console(width=None if sys.stdout.isatty() else 200).print(table)
    typer.echo(f"{len(entries)} event(s)")
