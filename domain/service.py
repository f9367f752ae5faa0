"""Service cases: a customer's question, incident or complaint, from opening to closing.

Rules this module decides:

- **SLA.** A case is due `SLA_BY_PRIORITY[priority]` after it was opened (the opening
  command's business time). The due time is recorded in the events, so a later change
  of the table never rewrites a promise made in the past. Changing the priority
  recomputes the due time from the opening, not from the change: a case raised to
  urgent eight hours after opening is already four hours overdue, as it should be.
- **Escalation** raises the support level (at most `MAX_ESCALATION_LEVEL`) and leaves
  priority and due time alone: the level says who handles the case, the priority says
  how soon. Whoever finds the case more urgent also changes its priority.
- **Resolved before closed.** Resolving records the answer; closing confirms it (the
  customer agreed, or the waiting period passed). Closing an unresolved case is refused.
- **Reopening** a resolved or closed case returns it to its working status (escalated
  if it ever was, else assigned if it has an assignee, else open); it keeps its
  assignee, level and due time.
- **Comments** are allowed until the case is closed; their author is the event's actor.

Subject, description, comments, resolution and reasons are free text about the
customer: personal data, so every event carrying them carries `customer_id`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import CrmAggregate, clean_text, now, require, required_text
from domain.errors import InvalidTransitionError
from domain.values import Channel, Vocabulary


class CaseType(Vocabulary):
    QUESTION = "question"
    INCIDENT = "incident"
    COMPLAINT = "complaint"
    REQUEST = "request"
    RETURN = "return"
    BILLING = "billing"


class CasePriority(Vocabulary):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CaseStatus(Vocabulary):
    OPEN = "open"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


#: How long after opening a case of each priority must be resolved.
SLA_BY_PRIORITY: dict[CasePriority, timedelta] = {
    CasePriority.URGENT: timedelta(hours=4),
    CasePriority.HIGH: timedelta(hours=8),
    CasePriority.NORMAL: timedelta(hours=24),
    CasePriority.LOW: timedelta(hours=72),
}
#: Support tiers above first line: level 0 is first line, 3 the last escalation.
MAX_ESCALATION_LEVEL = 3
TEXT_MAX = 4000
REASON_MAX = 500

#: Statuses in which somebody is still working on the case.
WORKING = frozenset({CaseStatus.OPEN, CaseStatus.ASSIGNED, CaseStatus.ESCALATED})


class Case(CrmAggregate):
    KIND = "case"

    class Opened(CrmAggregate.Created, CrmAggregate.Event):
        """Declared explicitly for one reason: the SLA clock starts at the event's own
        `occurred_at`, which only the event (not the `__init__` body) can see. (Naming
        `CrmAggregate.Event` again tells the type checker where `occurred_at` comes from.)"""

        customer_id: UUID
        channel: str
        case_type: str
        priority: str
        due_at: datetime
        subject: str
        description: str | None

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.opened_at = self.occurred_at

    @event(Opened)
    def __init__(
        self,
        *,
        customer_id: UUID,
        channel: str,
        case_type: str,
        priority: str,
        due_at: datetime,
        subject: str,
        description: str | None,
    ) -> None:
        self.customer_id = customer_id
        self.channel = channel
        self.case_type = case_type
        self.priority = priority
        self.due_at = due_at
        self.subject = subject
        self.description = description
        self.opened_at: datetime
        self.status = CaseStatus.OPEN.value
        self.assignee: str | None = None
        self.escalation_level = 0
        self.resolution: str | None = None
        self.comment_count = 0
        self.reopen_count = 0

    @classmethod
    def open(
        cls,
        *,
        customer_id: UUID,
        channel: str,
        case_type: str,
        priority: str,
        subject: str,
        description: str | None,
    ) -> Case:
        level = CasePriority.parse(priority, "priority")
        return cls(
            customer_id=customer_id,
            channel=Channel.parse(channel, "channel").value,
            case_type=CaseType.parse(case_type, "caseType").value,
            priority=level.value,
            due_at=now() + SLA_BY_PRIORITY[level],
            subject=required_text(subject, "subject"),
            description=clean_text(description, "description", max_length=TEXT_MAX) or None,
        )

    # -- handling -----------------------------------------------------------------

    def assign(self, assignee: str) -> None:
        """Give the case to a principal; assigning the current assignee changes nothing."""
        principal = required_text(assignee, "assignee")
        self._require_working("assigned")
        if principal != self.assignee:
            self._assign(assignee=principal)

    @event("Assigned")
    def _assign(self, *, assignee: str) -> None:
        self.assignee = assignee
        if self.status == CaseStatus.OPEN:
            self.status = CaseStatus.ASSIGNED.value

    def escalate(self, reason: str) -> None:
        text = required_text(reason, "reason", max_length=REASON_MAX)
        self._require_working("escalated")
        if self.escalation_level >= MAX_ESCALATION_LEVEL:
            raise InvalidTransitionError(
                f"case {self.id} is already at the highest escalation level "
                f"({MAX_ESCALATION_LEVEL})"
            )
        self._escalate(customer_id=self.customer_id, level=self.escalation_level + 1,
                       reason=text)

    @event("Escalated")
    def _escalate(self, *, customer_id: UUID, level: int, reason: str) -> None:
        self.escalation_level = level
        self.status = CaseStatus.ESCALATED.value

    def comment(self, text: str, internal: bool) -> None:
        """Add a comment; `internal` ones are for staff only, never shown to the customer."""
        body = required_text(text, "text", max_length=TEXT_MAX)
        require(isinstance(internal, bool), "internal", "must be true or false")
        if self.status == CaseStatus.CLOSED:
            raise InvalidTransitionError(f"case {self.id} is closed: it takes no more comments")
        self._comment(customer_id=self.customer_id, text=body, internal=internal)

    @event("Commented")
    def _comment(self, *, customer_id: UUID, text: str, internal: bool) -> None:
        self.comment_count += 1

    def change_priority(self, priority: str, reason: str | None) -> None:
        """Set a new priority; the due time becomes opening + the new priority's SLA."""
        level = CasePriority.parse(priority, "priority")
        text = clean_text(reason, "reason", max_length=REASON_MAX) or None
        self._require_working("reprioritised")
        if level == self.priority:
            return
        self._change_priority(customer_id=self.customer_id, priority=level.value,
                              due_at=self.opened_at + SLA_BY_PRIORITY[level], reason=text)

    @event("PriorityChanged")
    def _change_priority(
        self, *, customer_id: UUID, priority: str, due_at: datetime, reason: str | None
    ) -> None:
        self.priority = priority
        self.due_at = due_at

    # -- resolution -----------------------------------------------------------------

    def resolve(self, resolution: str) -> None:
        text = required_text(resolution, "resolution", max_length=TEXT_MAX)
        self._require_working("resolved")
        self._resolve(customer_id=self.customer_id, resolution=text)

    @event("Resolved")
    def _resolve(self, *, customer_id: UUID, resolution: str) -> None:
        self.resolution = resolution
        self.status = CaseStatus.RESOLVED.value

    def close(self) -> None:
        if self.status == CaseStatus.CLOSED:
            raise InvalidTransitionError(f"case {self.id} is already closed")
        if self.status != CaseStatus.RESOLVED:
            raise InvalidTransitionError(
                f"case {self.id} is {self.status}: resolve it before closing it"
            )
        self._close()

    @event("Closed")
    def _close(self) -> None:
        self.status = CaseStatus.CLOSED.value

    def reopen(self, reason: str) -> None:
        text = required_text(reason, "reason", max_length=REASON_MAX)
        if self.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            raise InvalidTransitionError(
                f"case {self.id} is {self.status}: only a resolved or closed case can be reopened"
            )
        self._reopen(customer_id=self.customer_id, reason=text)

    @event("Reopened")
    def _reopen(self, *, customer_id: UUID, reason: str) -> None:
        self.resolution = None
        self.reopen_count += 1
        if self.escalation_level:
            self.status = CaseStatus.ESCALATED.value
        elif self.assignee:
            self.status = CaseStatus.ASSIGNED.value
        else:
            self.status = CaseStatus.OPEN.value

    def _require_working(self, done: str) -> None:
        if self.status not in WORKING:
            hint = " (reopen it first)" if self.status == CaseStatus.RESOLVED else ""
            raise InvalidTransitionError(
                f"case {self.id} is {self.status}: it cannot be {done}{hint}"
            )
