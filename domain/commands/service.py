"""Commands for cases."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.core import HubCore, command
from domain.service import Case


class ServiceCommands(HubCore):
    @command
    def open_case(
        self,
        *,
        actor: str,
        customer_id: UUID | str,
        channel: str,
        case_type: str,
        subject: str,
        description: str | None = None,
        priority: str = "normal",
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Open a case for a customer; its SLA clock starts now (or at `occurred_at`)."""
        case = Case.open(
            customer_id=self.require_customer(customer_id, "customerId"), channel=channel,
            case_type=case_type, priority=priority, subject=subject, description=description,
        )
        self.commit(case)
        return case.id

    @command
    def assign_case(
        self,
        *,
        actor: str,
        case_id: UUID | str,
        assignee: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        case = self.load(Case, case_id, expected_version=expected_version)
        case.assign(assignee)
        return self.commit(case)

    @command
    def escalate_case(
        self,
        *,
        actor: str,
        case_id: UUID | str,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        case = self.load(Case, case_id, expected_version=expected_version)
        case.escalate(reason)
        return self.commit(case)

    @command
    def comment_case(
        self,
        *,
        actor: str,
        case_id: UUID | str,
        text: str,
        internal: bool = False,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Comment on a case; the acting principal is the comment's author."""
        case = self.load(Case, case_id, expected_version=expected_version)
        case.comment(text, internal)
        return self.commit(case)

    @command
    def change_case_priority(
        self,
        *,
        actor: str,
        case_id: UUID | str,
        priority: str,
        reason: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        case = self.load(Case, case_id, expected_version=expected_version)
        case.change_priority(priority, reason)
        return self.commit(case)

    @command
    def resolve_case(
        self,
        *,
        actor: str,
        case_id: UUID | str,
        resolution: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        case = self.load(Case, case_id, expected_version=expected_version)
        case.resolve(resolution)
        return self.commit(case)

    @command
    def close_case(
        self,
        *,
        actor: str,
        case_id: UUID | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        case = self.load(Case, case_id, expected_version=expected_version)
        case.close()
        return self.commit(case)

    @command
    def reopen_case(
        self,
        *,
        actor: str,
        case_id: UUID | str,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        case = self.load(Case, case_id, expected_version=expected_version)
        case.reopen(reason)
        return self.commit(case)
