"""Service cases in the internal GraphQL schema: open, handle, resolve, close, reopen."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import strawberry

from api.graphql.auth import requires
from api.graphql.context import Info, read, run_command
from api.graphql.service_types import (
    AssignCaseInput,
    AssignCaseModel,
    Case,
    ChangeCasePriorityInput,
    ChangeCasePriorityModel,
    CloseCaseInput,
    CloseCaseModel,
    CommentCaseInput,
    CommentCaseModel,
    EscalateCaseInput,
    EscalateCaseModel,
    OpenCaseInput,
    OpenCaseModel,
    ReopenCaseInput,
    ReopenCaseModel,
    ResolveCaseInput,
    ResolveCaseModel,
)
from api.graphql.types import validated
from api.permissions import Action
from domain import service as model
from domain.hub import Hub


def _case_and_history(hub: Hub, case_id: UUID | str) -> tuple[model.Case, list[Any]]:
    """The case and its events up to the same version, so both tell one story."""
    case = hub.load(model.Case, case_id)
    return case, list(hub.events.get(case.id, lte=case.version))


async def _case(info: Info, case_id: UUID | str) -> Case:
    return Case.of(*await read(info, _case_and_history, info.context.hub, case_id))


@strawberry.type
class ServiceQuery:
    @strawberry.field(extensions=requires(Action.SERVICE_READ))
    async def case(self, info: Info, id: strawberry.ID) -> Case | None:
        return await _case(info, id)


@strawberry.type
class ServiceMutation:
    @strawberry.mutation(extensions=requires(Action.SERVICE_WRITE),
                         description="Open a case; its SLA clock starts at opening.")
    async def open_case(self, info: Info, input: OpenCaseInput) -> Case:
        data = validated(OpenCaseModel, input)
        case_id = await run_command(
            info, info.context.hub.open_case, customer_id=data.customer_id, channel=data.channel,
            case_type=data.type, subject=data.subject, description=data.description,
            priority=data.priority, occurred_at=data.occurred_at,
        )
        return await _case(info, case_id)

    @strawberry.mutation(extensions=requires(Action.SERVICE_WRITE))
    async def assign_case(self, info: Info, input: AssignCaseInput) -> Case:
        data = validated(AssignCaseModel, input)
        await run_command(info, info.context.hub.assign_case, case_id=data.id,
                          assignee=data.assignee, expected_version=data.expected_version)
        return await _case(info, data.id)

    @strawberry.mutation(extensions=requires(Action.SERVICE_WRITE),
                         description="Raise the support level; priority and due time stay.")
    async def escalate_case(self, info: Info, input: EscalateCaseInput) -> Case:
        data = validated(EscalateCaseModel, input)
        await run_command(info, info.context.hub.escalate_case, case_id=data.id,
                          reason=data.reason, expected_version=data.expected_version)
        return await _case(info, data.id)

    @strawberry.mutation(extensions=requires(Action.SERVICE_WRITE),
                         description="Comment as the calling principal, until the case is closed.")
    async def comment_case(self, info: Info, input: CommentCaseInput) -> Case:
        data = validated(CommentCaseModel, input)
        await run_command(info, info.context.hub.comment_case, case_id=data.id, text=data.text,
                          internal=data.internal, expected_version=data.expected_version)
        return await _case(info, data.id)

    @strawberry.mutation(extensions=requires(Action.SERVICE_WRITE),
                         description="The due time becomes opening time plus the new SLA.")
    async def change_case_priority(self, info: Info, input: ChangeCasePriorityInput) -> Case:
        data = validated(ChangeCasePriorityModel, input)
        await run_command(info, info.context.hub.change_case_priority, case_id=data.id,
                          priority=data.priority, reason=data.reason,
                          expected_version=data.expected_version)
        return await _case(info, data.id)

    @strawberry.mutation(extensions=requires(Action.SERVICE_WRITE))
    async def resolve_case(self, info: Info, input: ResolveCaseInput) -> Case:
        data = validated(ResolveCaseModel, input)
        await run_command(info, info.context.hub.resolve_case, case_id=data.id,
                          resolution=data.resolution, expected_version=data.expected_version)
        return await _case(info, data.id)

    @strawberry.mutation(extensions=requires(Action.SERVICE_WRITE),
                         description="Confirm a resolved case; an unresolved one cannot be closed.")
    async def close_case(self, info: Info, input: CloseCaseInput) -> Case:
        data = validated(CloseCaseModel, input)
        await run_command(info, info.context.hub.close_case, case_id=data.id,
                          expected_version=data.expected_version)
        return await _case(info, data.id)

    @strawberry.mutation(extensions=requires(Action.SERVICE_WRITE),
                         description="Return a resolved or closed case to its working status.")
    async def reopen_case(self, info: Info, input: ReopenCaseInput) -> Case:
        data = validated(ReopenCaseModel, input)
        await run_command(info, info.context.hub.reopen_case, case_id=data.id,
                          reason=data.reason, expected_version=data.expected_version)
        return await _case(info, data.id)
