"""Interactions: every contact with a customer, on any channel, in any department.

An interaction is never edited. A correction is a new event on the same interaction
that names what was wrong and the corrected values; the original stays in the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import CrmAggregate, clean_text, now, require, required_text
from domain.values import Channel, Department, Direction

SUMMARY_MAX = 4000


@dataclass(frozen=True)
class InteractionDraft:
    """One interaction as a client submits it, before validation."""

    customer_id: UUID
    channel: str
    direction: str
    department: str
    subject: str
    summary: str | None = None
    handled_by: str | None = None
    occurred_at: datetime | None = None
    duration_seconds: int | None = None
    case_id: UUID | None = None
    opportunity_id: UUID | None = None
    campaign_id: UUID | None = None
    order_id: UUID | None = None
    links: dict[str, UUID] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        links = {k: v for k, v in (("case_id", self.case_id),
                                   ("opportunity_id", self.opportunity_id),
                                   ("campaign_id", self.campaign_id),
                                   ("order_id", self.order_id)) if v is not None}
        object.__setattr__(self, "links", links)


class Interaction(CrmAggregate):
    KIND = "interaction"

    @event("Recorded")
    def __init__(
        self,
        *,
        customer_id: UUID,
        occurred_at: datetime,
        channel: str,
        direction: str,
        department: str,
        subject: str,
        summary: str | None,
        handled_by: str | None,
        duration_seconds: int | None,
        case_id: UUID | None,
        opportunity_id: UUID | None,
        campaign_id: UUID | None,
        order_id: UUID | None,
    ) -> None:
        self.customer_id = customer_id
        self.occurred_at = occurred_at
        self.channel = channel
        self.direction = direction
        self.department = department
        self.subject = subject
        self.summary = summary
        self.handled_by = handled_by
        self.duration_seconds = duration_seconds
        self.case_id = case_id
        self.opportunity_id = opportunity_id
        self.campaign_id = campaign_id
        self.order_id = order_id
        self.corrections: list[str] = []

    @classmethod
    def record(cls, draft: InteractionDraft) -> Interaction:
        links: dict[str, Any] = {name: draft.links.get(name) for name in LINK_FIELDS}
        return cls(customer_id=draft.customer_id, occurred_at=now(), **_validated(
            channel=draft.channel, direction=draft.direction, department=draft.department,
            subject=draft.subject, summary=draft.summary, handled_by=draft.handled_by,
            duration_seconds=draft.duration_seconds,
        ), **links)

    def correct(self, *, reason: str, changes: dict[str, object]) -> None:
        unknown = set(changes) - set(CORRECTABLE_FIELDS)
        require(not unknown, "changes", f"cannot correct {sorted(unknown)}")
        given = {k: v for k, v in changes.items() if v is not None}
        require(bool(given), "changes", "a correction must change at least one field")
        current = {name: getattr(self, name) for name in CORRECTABLE_FIELDS}
        validated = _validated(**{**current, **given})
        changed: dict[str, Any] = {k: v for k, v in validated.items() if k in given and v != current[k]}
        require(bool(changed), "changes", "the corrected values equal the recorded ones")
        self._correct(customer_id=self.customer_id,
                      reason=required_text(reason, "reason", max_length=500),
                      **{name: changed.get(name) for name in CORRECTABLE_FIELDS})

    @event("Corrected")
    def _correct(
        self,
        *,
        customer_id: UUID,
        reason: str,
        channel: str | None,
        direction: str | None,
        department: str | None,
        subject: str | None,
        summary: str | None,
        handled_by: str | None,
        duration_seconds: int | None,
    ) -> None:
        corrected = locals()
        for name in CORRECTABLE_FIELDS:
            if corrected[name] is not None:
                setattr(self, name, corrected[name])
        self.corrections = [*self.corrections, reason]


LINK_FIELDS = ("case_id", "opportunity_id", "campaign_id", "order_id")
CORRECTABLE_FIELDS = ("channel", "direction", "department", "subject", "summary",
                      "handled_by", "duration_seconds")


def _validated(
    *,
    channel: str,
    direction: str,
    department: str,
    subject: str,
    summary: str | None,
    handled_by: str | None,
    duration_seconds: int | None,
) -> dict[str, Any]:
    if duration_seconds is not None:
        require(isinstance(duration_seconds, int) and 0 <= duration_seconds <= 86_400,
                "durationSeconds", "must be between 0 and 86400")
    return {
        "channel": Channel.parse(channel, "channel").value,
        "direction": Direction.parse(direction, "direction").value,
        "department": Department.parse(department, "department").value,
        "subject": required_text(subject, "subject"),
        "summary": clean_text(summary, "summary", max_length=SUMMARY_MAX),
        "handled_by": clean_text(handled_by, "handledBy"),
        "duration_seconds": duration_seconds,
    }
