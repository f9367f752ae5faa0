"""Commands for the record of auditors' reads (`privacy.audit_reads`).

`AuditReadCommands` is a mixin of `domain.core.HubCore`, composed into `api.store.CrmHub`.
The internal GraphQL endpoint calls `log_audit_read` once per operation of an auditor;
the CLI (`crmhub audit history`, `audit replay`) calls `record_audit_read` once per
command, before it prints anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.core import HubCore, command
from privacy.audit_reads import AuditRead, ReadField


class AuditReadCommands(HubCore):
    @command
    def log_audit_read(self, *, actor: str, role: str, interface: str, operation: str,
                       fields: Sequence[ReadField], subjects: Sequence[UUID],
                       occurred_at: datetime | None = None) -> UUID:
        """Record one read in one commit; return the record's id. Nothing is recorded if
        the record is malformed (`InvalidValueError` naming the part)."""
        record = AuditRead.record(role=role, interface=interface, operation=operation,
                                  fields=fields, subjects=subjects)
        self.commit(record)
        return record.id

    def audit_read(self, record_id: UUID) -> AuditRead:
        """One recorded read, or `NotFoundError`."""
        return self.load(AuditRead, record_id)


class _RecordsReads(Protocol):
    def log_audit_read(self, *, actor: str, role: str, interface: str, operation: str,
                       fields: Sequence[ReadField], subjects: Sequence[UUID]) -> UUID: ...


def record_audit_read(hub: _RecordsReads, *, actor: str, role: str, operation: str,
                      arguments: Mapping[str, Any], subjects: Iterable[UUID]) -> UUID:
    """Record a read made outside GraphQL (the CLI): `operation` is the command
    (`audit history`), `arguments` its options as given (JSON-able; times and ids become
    text), `subjects` the ids it read. Call it before printing anything: when it raises,
    nothing may be shown."""
    return hub.log_audit_read(
        actor=actor, role=role, interface="cli", operation=operation,
        fields=[ReadField(name=operation, arguments=arguments)], subjects=list(subjects))
