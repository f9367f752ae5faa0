"""The audit-read view: the record of auditors' reads, to list without scanning the log.

Table `view_audit_reads`: one row per `privacy.audit_reads.AuditRead` (a read by an
auditor on GraphQL or the CLI), at its log position: the principal, role, interface,
operation, the root fields read (JSON text: name, alias, arguments as JSON text), the
subjects it named (JSON text) and its time. `view_audit_read_subjects` lists each
subject with the read's position, for the reads that named a person (the subject-access
export). Privacy's event is matched by its topic (`projections` does not import
`privacy`). Ids and times are text; no personal data beyond what the record holds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from projections.customers import iso
from projections.database import Transaction, ViewDatabase
from projections.view import View

RECORDED = "privacy.audit_reads:AuditRead.Recorded"


@dataclass(frozen=True)
class AuditReadEntry:
    """One recorded read."""

    id: UUID
    position: int
    principal: str
    role: str
    interface: str
    operation: str
    fields: list[dict[str, str]]
    subjects: list[UUID]
    at: datetime


class AuditReadView(View):
    name = "audit_reads"
    tables = ("view_audit_reads", "view_audit_read_subjects")
    ddl = (
        "CREATE TABLE IF NOT EXISTS view_audit_reads ("
        " position BIGINT PRIMARY KEY, id TEXT NOT NULL, principal TEXT NOT NULL,"
        " role TEXT NOT NULL, interface TEXT NOT NULL, operation TEXT NOT NULL,"
        " fields TEXT NOT NULL, subjects TEXT NOT NULL, at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_audit_reads_principal"
        " ON view_audit_reads (principal, position)",
        "CREATE INDEX IF NOT EXISTS view_audit_reads_at ON view_audit_reads (at, position)",
        "CREATE TABLE IF NOT EXISTS view_audit_read_subjects ("
        " subject_id TEXT NOT NULL, position BIGINT NOT NULL, PRIMARY KEY (subject_id, position))",
    )
    positioned = True

    def apply(self, tx: Transaction, events: Sequence[Any]) -> None:
        """`events`: (log position, event) pairs."""
        for position, e in events:
            if get_topic(type(e)) != RECORDED:
                continue
            subjects = [str(subject) for subject in e.subjects]
            tx.execute(
                "INSERT INTO view_audit_reads (position, id, principal, role, interface,"
                " operation, fields, subjects, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (position, str(e.originator_id), e.actor or "", e.role, e.interface,
                 e.operation, json.dumps(list(e.fields)), json.dumps(subjects), iso(e.timestamp)))
            tx.executemany("INSERT INTO view_audit_read_subjects (subject_id, position)"
                           " VALUES (?, ?) ON CONFLICT DO NOTHING",
                           [(subject, position) for subject in subjects])


COLUMNS = "position, id, principal, role, interface, operation, fields, subjects, at"


def audit_reads(views: ViewDatabase, *, after: int = 0, principal: str | None = None,
                start: datetime | None = None, end: datetime | None = None,
                limit: int = 50) -> list[AuditReadEntry]:
    """Up to `limit` recorded reads after log position `after`, oldest first: of one
    principal, and/or recorded in [start, end)."""
    where: list[str] = ["position > ?"]
    params: list[Any] = [after]
    if principal is not None:
        where.append("principal = ?")
        params.append(principal)
    if start is not None:
        where.append("at >= ?")
        params.append(iso(start))
    if end is not None:
        where.append("at < ?")
        params.append(iso(end))
    rows = views.query(f"SELECT {COLUMNS} FROM view_audit_reads"  # noqa: S608
                       f" WHERE {' AND '.join(where)} ORDER BY position LIMIT ?",
                       (*params, limit))
    return [_entry(row) for row in rows]


def reads_naming(views: ViewDatabase, subjects: Sequence[UUID]) -> list[AuditReadEntry]:
    """Every recorded read that named one of these subjects, oldest first."""
    if not subjects:
        return []
    marks = ", ".join("?" * len(subjects))
    rows = views.query(f"SELECT {COLUMNS} FROM view_audit_reads WHERE position IN"  # noqa: S608
                       " (SELECT position FROM view_audit_read_subjects"
                       f" WHERE subject_id IN ({marks})) ORDER BY position",
                       [str(subject) for subject in subjects])
    return [_entry(row) for row in rows]


def as_document(entry: AuditReadEntry) -> dict[str, Any]:
    """A recorded read as JSON (the subject-access export's `auditReads`)."""
    return {"id": str(entry.id), "position": entry.position, "principal": entry.principal,
            "role": entry.role, "interface": entry.interface, "operation": entry.operation,
            "fields": [{"name": f["name"], "alias": f["alias"] or None,
                        "arguments": json.loads(f["arguments"])} for f in entry.fields],
            "subjectIds": [str(subject) for subject in entry.subjects],
            "at": entry.at.isoformat()}


def subject_reads(views: ViewDatabase, subjects: Sequence[UUID]) -> list[dict[str, Any]]:
    """The reads that named these subjects, as the export lists them."""
    return [as_document(entry) for entry in reads_naming(views, subjects)]


def _entry(row: dict[str, Any]) -> AuditReadEntry:
    return AuditReadEntry(
        id=UUID(row["id"]), position=int(row["position"]), principal=row["principal"],
        role=row["role"], interface=row["interface"], operation=row["operation"],
        fields=json.loads(row["fields"]), subjects=[UUID(s) for s in json.loads(row["subjects"])],
        at=datetime.fromisoformat(row["at"]))
