"""`crmhub privacy ...`: a customer's consent, erasure and subject-access export.

- `consents --customer ID [--json]`: the grants with their status now, and their history.
- `erase --customer ID [--yes]`: erase the customer's personal data for good.
- `export --customer ID [--output FILE]`: the subject-access document, as JSON.
- `new-master-key`: 64 hex digits for CRMHUB_MASTER_KEY.

Registered on `api.cli`'s `privacy_app` when that module loads.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli import _cli_actor, _table, caught_up, err, open_hub, privacy_app, settings
from api.privacy import new_master_key, partner_records, purge_erased
from domain.core import parse_id
from domain.errors import DomainError, InvalidValueError, NotFoundError
from privacy.consent import Change, Grant
from privacy.export import subject_access_export
from projections import audit_reads as audit_read_view
from projections import customer_queries
from projections import disclosures as disclosure_view
from projections.database import ViewDatabase


@privacy_app.command("consents")
def consents(
    customer: Annotated[str, typer.Option(help="The customer's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Print a customer's consent grants, with their status now, and their history."""
    hub = open_hub(settings())
    try:
        grants = hub.consents(customer)
    except InvalidValueError as error:
        raise typer.BadParameter(error.reason, param_hint="--customer") from None
    except NotFoundError as error:
        raise typer.BadParameter(error.message, param_hint="--customer") from None
    finally:
        hub.close()
    at = datetime.now(UTC)
    history = sorted((change for grant in grants for change in grant.history),
                     key=lambda change: change.occurred_at)
    if as_json:
        document = {"customer_id": customer, "at": at,
                    "grants": [{**asdict(grant), "status": grant.status(at)} for grant in grants],
                    "history": [asdict(change) for change in history]}
        typer.echo(json.dumps(document, default=_json_value, indent=2))
        return
    out = Console()
    out.print(_grants_table(grants, at))
    out.print(_history_table(history))


@privacy_app.command("erase")
def erase(
    customer: Annotated[str, typer.Option(help="The customer's id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    actor: Annotated[str | None, typer.Option(
        help="Who erases, for the record [default: cli:<your user name>].")] = None,
) -> None:
    """Erase a customer's personal data for good (their data key is deleted); the views
    drop their copies before this returns."""
    if not yes:
        typer.confirm(f"Erase every personal field of customer {customer}? This cannot be "
                      "undone", abort=True)
    config = settings()
    hub = open_hub(config)
    views = ViewDatabase.connect(config.database_url, pool_size=config.pool_size)
    try:
        try:
            hub.erase_customer(actor=actor or _cli_actor(), customer_id=customer)
        except InvalidValueError as error:
            raise typer.BadParameter(error.reason, param_hint="--customer") from None
        except DomainError as error:
            raise typer.BadParameter(error.message, param_hint="--customer") from None
        caught_up(hub, views)
        purge_erased(views)
    finally:
        views.close()
        hub.close()
    typer.echo(f"customer {customer} erased: personal data unreadable in the log, "
               "dropped from the views")


@privacy_app.command("export")
def export(
    customer: Annotated[str, typer.Option(help="The customer's id.")],
    output: Annotated[Path | None, typer.Option(
        help="Write the document here (readable by you alone) instead of standard output.")] = None,
) -> None:
    """Print everything the hub holds about a customer as one JSON document (subject
    access): the same document as the subjectAccessExport query, read from the log."""
    try:
        customer_id = parse_id(customer, "customerId")
    except InvalidValueError as error:
        raise typer.BadParameter(error.reason, param_hint="--customer") from None
    config = settings()
    hub = open_hub(config)
    views = ViewDatabase.connect(config.database_url, pool_size=config.pool_size)
    try:
        position = caught_up(hub, views)  # the views find the records: all up to here
        found = customer_queries.customer_record_ids(views, str(customer_id))
        document = subject_access_export(
            hub, customer_id, found=found, position=position,
            shared_with=partial(disclosure_view.subject_disclosures, views),
            read_by_auditors=partial(audit_read_view.subject_reads, views),
            more=partner_records(views, customer_id))
    except NotFoundError as error:
        raise typer.BadParameter(error.message, param_hint="--customer") from None
    finally:
        views.close()
        hub.close()
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if output is None:
        typer.echo(text)
        return
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text + "\n")
    err.print(f"subject access export of customer {customer_id} written to {output}")


@privacy_app.command("new-master-key")
def new_master_key_command() -> None:
    """Print a new master key (64 hex digits) for CRMHUB_MASTER_KEY."""
    typer.echo(new_master_key())


def _grants_table(grants: list[Grant], at: datetime) -> Table:
    table = _table("grant", "status", "recipient", "purpose", "categories", "given", "expires",
                   title=f"consent grants (status at {at:%Y-%m-%d %H:%M} UTC)")
    for grant in grants:
        recipient = grant.recipient
        table.add_row(str(grant.id), grant.status(at).value,
                      " ".join(str(part) for part in (recipient.kind, recipient.partner_id,
                                                      recipient.category) if part),
                      grant.purpose, ", ".join(grant.categories),
                      f"{grant.given.occurred_at:%Y-%m-%d %H:%M} ({grant.given.channel})",
                      f"{grant.expires_at:%Y-%m-%d %H:%M}" if grant.expires_at else "")
    return table


def _history_table(history: list[Change]) -> Table:
    table = _table("when", "what", "grant", "channel", "by", "reason", title="history")
    for change in history:
        table.add_row(f"{change.occurred_at:%Y-%m-%d %H:%M}", change.kind, str(change.grant_id),
                      change.channel, change.actor, change.reason or "")
    return table


def _json_value(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
