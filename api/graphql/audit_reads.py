"""The record of auditors' reads on `POST /graphql`, and `auditReads` to list it.

`RecordAuditReads` runs around every operation. When the caller's role is `auditor`, it
records, after the operation ran and before its result leaves, one `AuditRead`
(`privacy.audit_reads`, listed from the view `projections.audit_reads`): the principal
and role, the operation's name, each root field that returned data (name, alias,
arguments as sent, variables filled in) and the ids the read named — every argument of
type ID, and what resolvers add with `read_subjects` (the data subjects of a history
page). A root field that failed (FORBIDDEN, NOT_FOUND,
BAD_USER_INPUT) read nothing and is not recorded; an operation of which nothing succeeded
records nothing. If the record cannot be committed, the whole response is replaced by an
INTERNAL error: no data leaves unrecorded. It needs no resolver hook, so any new query
is recorded without asking for it. Partners' reads are recorded by the disclosure log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable
from contextvars import ContextVar
from datetime import datetime
from functools import partial
from typing import Annotated, Any
from uuid import UUID

import strawberry
from anyio import to_thread
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension
from strawberry.scalars import JSON

from api.graphql.auth import requires
from api.graphql.context import Context, Info, caught_up, read
from api.graphql.errors import user_error
from api.graphql.pagination import Connection, connection
from api.permissions import Action
from domain.errors import InvalidValueError
from privacy.audit_reads import ReadField
from projections.audit_reads import AuditReadEntry, audit_reads
from projections.database import ViewDatabase
from projections.pages import Page, decode_cursor, encode_cursor, page_size

logger = logging.getLogger("crmhub.audit")

#: The role whose every read is recorded.
AUDITOR = "auditor"
NOT_RECORDED = "the read could not be recorded, so nothing was returned: try again"
LIST = "auditReads"
MAX_PAGE = 100

_subjects: ContextVar[dict[UUID, None] | None] = ContextVar("crmhub_read_subjects", default=None)


def read_subjects(ids: Iterable[UUID]) -> None:
    """Note that this operation returns data of these subjects (recorded if an auditor's)."""
    found = _subjects.get()
    if found is not None:
        found.update(dict.fromkeys(ids))


class RecordAuditReads(SchemaExtension):
    """Records an auditor's operation after execution, before the response leaves."""

    async def on_execute(self) -> AsyncIterator[None]:
        subjects: dict[UUID, None] = {}
        token = _subjects.set(subjects)
        try:
            yield
        finally:
            _subjects.reset(token)
        context = self.execution_context.context
        caller = context.principal if isinstance(context, Context) else None
        result = self.execution_context.result
        if caller is None or caller.role != AUDITOR or not isinstance(result, ExecutionResult):
            return
        try:
            fields, named = self._read(result)
            if fields:
                await to_thread.run_sync(partial(
                    context.hub.log_audit_read, actor=caller.id, role=caller.role,
                    interface="graphql", operation=self.execution_context.operation_name or "",
                    fields=fields, subjects=[*named, *subjects]))
        except Exception:
            logger.exception("read by %s not recorded: response withheld", caller.id)
            result.data = None
            result.errors = [GraphQLError(NOT_RECORDED, extensions={"code": "INTERNAL"})]

    def _read(self, result: ExecutionResult) -> tuple[list[ReadField], list[UUID]]:
        """The root fields that returned data, and the ids their arguments name."""
        if result.data is None:
            return [], []
        failed = {error.path[0] for error in result.errors or () if error.path}
        document = self.execution_context.graphql_document
        assert document is not None
        operation = _operation(document.definitions, self.execution_context.operation_name)
        schema = self.execution_context.schema._schema
        root = schema.get_root_type(operation.operation)
        fragments = {d.name.value: d for d in document.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        variables = self.execution_context.variables or {}
        fields: list[ReadField] = []
        named: list[UUID] = []
        for node in _root_fields(operation.selection_set, fragments):
            key = node.alias.value if node.alias else node.name.value
            if node.name.value.startswith("__") or key in failed or key not in result.data:
                continue
            arguments = _sent({arg.name.value: value_from_ast_untyped(arg.value, variables)
                               for arg in node.arguments or ()})
            fields.append(ReadField(name=node.name.value, alias=node.alias.value if node.alias
                                    else "", arguments=arguments))
            definition = root.fields.get(node.name.value) if isinstance(
                root, GraphQLObjectType) else None
            for name, value in arguments.items():
                argument = definition.args.get(name) if definition else None
                if argument is not None:
                    named.extend(_ids(argument.type, value))
        return fields, named


def _sent(value: Any) -> Any:
    """The value without the parts the client left out (variables it did not send)."""
    if isinstance(value, dict):
        return {name: _sent(item) for name, item in value.items() if item is not Undefined}
    if isinstance(value, list):
        return [_sent(item) for item in value if item is not Undefined]
    return value


def _operation(definitions: Iterable[Any], name: str | None) -> OperationDefinitionNode:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    return next(o for o in operations if name is None or (o.name and o.name.value == name))


def _root_fields(selections: SelectionSetNode,
                 fragments: dict[str, FragmentDefinitionNode]) -> Iterable[FieldNode]:
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _root_fields(fragments[selection.name.value].selection_set, fragments)


def _ids(kind: GraphQLInputType, value: Any) -> list[UUID]:
    """The ids in an argument's value, following its type (ID scalars, lists, inputs)."""
    if isinstance(kind, GraphQLNonNull):
        return _ids(kind.of_type, value)
    if isinstance(kind, GraphQLList):
        items = value if isinstance(value, list) else [value]
        return [uid for item in items for uid in _ids(kind.of_type, item)]
    if isinstance(kind, GraphQLInputObjectType) and isinstance(value, dict):
        return [uid for name, item in value.items() if name in kind.fields
                for uid in _ids(kind.fields[name].type, item)]
    if isinstance(kind, GraphQLScalarType) and kind.name == "ID" and isinstance(value, str):
        try:
            return [UUID(value)]
        except ValueError:
            return []
    return []


# -- auditReads ---------------------------------------------------------------------------


@strawberry.type(description="One root field of a recorded read.")
class AuditReadField:
    name: str
    alias: str | None
    arguments: JSON = strawberry.field(description="The arguments as the client sent them.")


@strawberry.type(description="One read by an auditor: who, what, when. Recorded before the "
                             "answer left; never changes.")
class AuditRead:
    id: strawberry.ID
    position: int = strawberry.field(description="The record's position in the global log.")
    principal: str = strawberry.field(description="The reader: a token's subject, or "
                                                  "`cli:<os user>` for the CLI.")
    role: str
    interface: str = strawberry.field(description="`graphql` or `cli`.")
    operation: str = strawberry.field(description="The GraphQL operation's name (empty if "
                                                  "anonymous), or the CLI command.")
    fields: list[AuditReadField]
    subject_ids: list[strawberry.ID] = strawberry.field(
        description="The ids the read named, and the data subjects whose records it returned.")
    at: datetime

    @classmethod
    def of(cls, entry: AuditReadEntry) -> AuditRead:
        return cls(id=strawberry.ID(str(entry.id)), position=entry.position,
                   principal=entry.principal, role=entry.role, interface=entry.interface,
                   operation=entry.operation,
                   fields=[AuditReadField(name=f["name"], alias=f["alias"] or None,
                                          arguments=json.loads(f["arguments"]))
                           for f in entry.fields],
                   subject_ids=[strawberry.ID(str(s)) for s in entry.subjects], at=entry.at)


def _page(views: ViewDatabase, *, principal: str | None, start: datetime | None, end: datetime | None,
          first: int, after: str | None) -> Page[AuditReadEntry]:
    if first > MAX_PAGE:
        raise InvalidValueError("first", f"must be between 1 and {MAX_PAGE}")
    size = page_size(first)
    if start is not None and end is not None and end < start:
        raise InvalidValueError("to", "must not be before `from`")
    key = decode_cursor(after, LIST, 1)
    if key is not None and not key[0].isdigit():
        raise InvalidValueError("after", "is not a cursor of this list")
    found = audit_reads(views, after=int(key[0]) if key else 0, principal=principal,
                        start=start, end=end, limit=size + 1)
    return Page(items=[(encode_cursor(LIST, [str(e.position)]), e) for e in found[:size]],
                has_next_page=len(found) > size)


@strawberry.type
class AuditReadQuery:
    @strawberry.field(extensions=requires(Action.AUDIT_READ),
                      description="The record of auditors' reads, oldest first: of one principal, "
                                  "and/or recorded in [from, to). At most 100 per page.")
    async def audit_reads(
        self, info: Info, principal: str | None = None,
        start: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        end: Annotated[datetime | None, strawberry.argument(name="to")] = None,
        first: int = 50, after: str | None = None,
    ) -> Connection[AuditRead]:
        for name, moment in (("from", start), ("to", end)):
            if moment is not None and moment.tzinfo is None:
                raise user_error(f"{name}: must carry a time zone", "BAD_USER_INPUT", field=name)
        # The view shows every read recorded before this one (and this one's own, which
        # is recorded after it answers, only to the next).
        await caught_up(info.context, await read(info, info.context.hub.position))
        page = await read(info, _page, info.context.views, principal=principal, start=start,
                          end=end, first=first, after=after)
        return connection(page, AuditRead.of)
