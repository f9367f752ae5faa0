"""The record of auditors' reads: who read what of the log, and when.

One `AuditRead` per read by an auditor (every operation of the `auditor` role on the
internal GraphQL endpoint, every `crmhub audit history` or `audit replay` on the CLI),
committed before the answer leaves: if it cannot be committed, the answer is withheld, as
the disclosure log (`privacy/disclosures.py`) does for partners' reads. Partners' reads are
recorded there, not here.

A record holds the principal (`actor`: the token's subject, or `cli:<os user>`), its
`role`, the `interface` (`graphql` or `cli`), the `operation` (the GraphQL operation's
name, or the CLI command), the root `fields` read — each its name, its alias and its
arguments as the client sent them, as canonical JSON text — and the `subjects`: the ids
the read named (arguments of type ID) and the data subjects whose records it returned.
Its time is the event's.

Like a disclosure, it holds ids, names and the read's arguments, and it survives the
erasure of the people it names on purpose: it is the proof of who looked at whose
history. Its event is registered as holding no personal data (arguments are ids, times,
filters; an auditor's free-text search would be kept as typed).

The records are listed from their view (`projections/audit_reads.py`), never by scanning
the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain import personal_data
from domain.base import CrmAggregate, require, required_text
from privacy.disclosures import canonical_json

INTERFACES = ("graphql", "cli")
FIELDS_MAX = 100
SUBJECTS_MAX = 10_000
ARGUMENTS_MAX = 20_000
NAME_MAX = 200


@dataclass(frozen=True)
class ReadField:
    """One root field of a read: its name, its alias ("" if none), its arguments."""

    name: str
    alias: str = ""
    arguments: Mapping[str, Any] | None = None


class AuditRead(CrmAggregate):
    """One read by an auditor. Never changes."""

    KIND = "audit read"

    @event("Recorded")
    def __init__(self, *, role: str, interface: str, operation: str,
                 fields: list[dict[str, str]], subjects: list[UUID]) -> None:
        self.role = role
        self.interface = interface
        self.operation = operation
        self.fields = fields
        self.subjects = subjects

    @classmethod
    def record(cls, *, role: str, interface: str, operation: str,
               fields: Sequence[ReadField], subjects: Sequence[UUID]) -> AuditRead:
        """The record, refusing one that is not one (`InvalidValueError` naming the part)."""
        require(interface in INTERFACES, "interface", f"must be one of {', '.join(INTERFACES)}")
        require(0 < len(fields) <= FIELDS_MAX, "fields", f"name between 1 and {FIELDS_MAX} fields")
        require(len(subjects) <= SUBJECTS_MAX and all(isinstance(s, UUID) for s in subjects),
                "subjects", f"must be at most {SUBJECTS_MAX} ids")
        stored = []
        for index, read in enumerate(fields):
            arguments = canonical_json(dict(read.arguments or {}))
            require(len(arguments) <= ARGUMENTS_MAX, f"fields[{index}].arguments",
                    f"must be at most {ARGUMENTS_MAX} characters as JSON")
            stored.append({
                "name": required_text(read.name, f"fields[{index}].name", max_length=NAME_MAX),
                "alias": (read.alias or "").strip()[:NAME_MAX], "arguments": arguments})
        return cls(role=required_text(role, "role", max_length=NAME_MAX), interface=interface,
                   operation=(operation or "").strip()[:NAME_MAX], fields=stored,
                   subjects=list(dict.fromkeys(subjects)))


personal_data.register(no_personal_data=[AuditRead.Recorded])  # type: ignore[attr-defined]
