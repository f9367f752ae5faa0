"""Types of the service schema: cases as clients see them, and the inputs that change them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.types import Channel, InputModel, Versioned, input_type, versioned_fields
from domain import service as model
from domain import values

CaseType = strawberry.enum(model.CaseType, description="What kind of matter a case is.")
CasePriority = strawberry.enum(model.CasePriority,
                               description="How soon a case must be resolved: it sets the SLA.")
CaseStatus = strawberry.enum(model.CaseStatus)

Subject = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=model.TEXT_MAX)]
Reason = Annotated[str, Field(min_length=1, max_length=model.REASON_MAX)]
ExpectedVersion = Annotated[int, Field(ge=1)]


# -- output types -------------------------------------------------------------------


@strawberry.type(description="A comment on a case; internal ones are never shown to the customer.")
class CaseComment:
    author: str
    text: str
    internal: bool
    at: datetime


@strawberry.type(description="A customer's question, incident or complaint, until it is closed.")
class Case(Versioned):
    customer_id: strawberry.ID
    channel: Channel
    case_type: CaseType = strawberry.field(name="type")
    priority: CasePriority
    status: CaseStatus
    due_at: datetime = strawberry.field(description="Opening time plus the priority's SLA.")
    sla_breached: bool = strawberry.field(
        description="Past due: now for a case still being worked on, at its resolution otherwise.")
    assignee: str | None
    escalation_level: int = strawberry.field(description="0 is first line; each escalation adds 1.")
    subject: str
    description: str | None
    resolution: str | None
    comments: list[CaseComment] = strawberry.field(description="Oldest first.")
    opened_at: datetime
    resolved_at: datetime | None = strawberry.field(
        description="When the current resolution was given; null while the case is worked on.")
    closed_at: datetime | None

    @classmethod
    def of(cls, case: model.Case, history: Iterable[Any]) -> Case:
        """The case from its current state and the events that led to it.

        The aggregate keeps neither its comments nor when it was resolved or closed,
        so those are read from its events; a reopening clears the resolution times.
        """
        comments: list[CaseComment] = []
        resolved_at: datetime | None = None
        closed_at: datetime | None = None
        for event in history:
            if isinstance(event, model.Case.Commented):
                comments.append(CaseComment(author=event.actor, text=event.text,
                                            internal=event.internal, at=event.occurred_at))
            elif isinstance(event, model.Case.Resolved):
                resolved_at = event.occurred_at
            elif isinstance(event, model.Case.Closed):
                closed_at = event.occurred_at
            elif isinstance(event, model.Case.Reopened):
                resolved_at = closed_at = None
        return cls(
            **versioned_fields(case), customer_id=strawberry.ID(str(case.customer_id)),
            channel=values.Channel(case.channel), case_type=model.CaseType(case.case_type),
            priority=model.CasePriority(case.priority), status=model.CaseStatus(case.status),
            due_at=case.due_at, sla_breached=(resolved_at or datetime.now(UTC)) > case.due_at,
            assignee=case.assignee, escalation_level=case.escalation_level,
            subject=case.subject, description=case.description, resolution=case.resolution,
            comments=comments, opened_at=case.opened_at, resolved_at=resolved_at,
            closed_at=closed_at,
        )


# -- inputs ---------------------------------------------------------------------------


class OpenCaseModel(InputModel):
    customer_id: UUID
    channel: Channel
    type: model.CaseType
    subject: Subject
    description: Annotated[str, Field(max_length=model.TEXT_MAX)] | None = None
    priority: model.CasePriority = model.CasePriority.NORMAL
    occurred_at: datetime | None = Field(
        default=None, description="When the customer raised it, if earlier: the SLA starts then.")


class AssignCaseModel(InputModel):
    id: UUID
    assignee: Subject
    expected_version: ExpectedVersion | None = None


class EscalateCaseModel(InputModel):
    id: UUID
    reason: Reason
    expected_version: ExpectedVersion | None = None


class CommentCaseModel(InputModel):
    id: UUID
    text: LongText
    internal: bool = False
    expected_version: ExpectedVersion | None = None


class ChangeCasePriorityModel(InputModel):
    id: UUID
    priority: model.CasePriority
    reason: Annotated[str, Field(max_length=model.REASON_MAX)] | None = None
    expected_version: ExpectedVersion | None = None


class ResolveCaseModel(InputModel):
    id: UUID
    resolution: LongText
    expected_version: ExpectedVersion | None = None


class CloseCaseModel(InputModel):
    id: UUID
    expected_version: ExpectedVersion | None = None


class ReopenCaseModel(InputModel):
    id: UUID
    reason: Reason
    expected_version: ExpectedVersion | None = None


OpenCaseInput = input_type(OpenCaseModel, "OpenCaseInput", customer_id=strawberry.ID)
AssignCaseInput = input_type(AssignCaseModel, "AssignCaseInput", id=strawberry.ID)
EscalateCaseInput = input_type(EscalateCaseModel, "EscalateCaseInput", id=strawberry.ID)
CommentCaseInput = input_type(CommentCaseModel, "CommentCaseInput", id=strawberry.ID)
ChangeCasePriorityInput = input_type(ChangeCasePriorityModel, "ChangeCasePriorityInput",
                                     id=strawberry.ID)
ResolveCaseInput = input_type(ResolveCaseModel, "ResolveCaseInput", id=strawberry.ID)
CloseCaseInput = input_type(CloseCaseModel, "CloseCaseInput", id=strawberry.ID)
ReopenCaseInput = input_type(ReopenCaseModel, "ReopenCaseInput", id=strawberry.ID)
