"""`history(id)` in the internal schema (admins and auditors): every event of one
aggregate, of any kind, in order, read from the log (`projections.history`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from api.graphql.audit_reads import read_subjects
from api.graphql.auth import requires
from api.graphql.context import Info, read
from api.graphql.pagination import Connection, connection
from api.permissions import Action
from projections import history as log


@strawberry.type(description="One event of an aggregate's history, as the log holds it.")
class HistoryEntry:
    position: int = strawberry.field(description="Its position in the global log.")
    aggregate_id: strawberry.ID
    aggregate_type: str = strawberry.field(description="customer, case, opportunity, …")
    version: int = strawberry.field(description="Its version within the aggregate (1, 2, …).")
    event_type: str = strawberry.field(description="The event's class name (`StageChanged`).")
    topic: str = strawberry.field(description="The stored event's topic (module:Class).")
    recorded_at: datetime = strawberry.field(
        description="When it entered the log (the store's timestamp; never backdated).")
    occurred_at: datetime | None = strawberry.field(
        description="When it happened, as the command said (late deliveries, imports).")
    actor: str | None = strawberry.field(description="The principal that caused it.")
    data: JSON = strawberry.field(
        description="The event's own fields (camelCase names), personal fields decrypted; of "
                    "an erased person, those fields are null and named in erasedFields.")
    erased: bool = strawberry.field(
        description="True when personal fields of this event belong to an erased person.")
    erased_fields: list[str]

    @classmethod
    def of(cls, entry: log.HistoryEntry) -> HistoryEntry:
        return cls(position=entry.position, aggregate_id=strawberry.ID(str(entry.aggregate_id)),
                   aggregate_type=entry.aggregate_type, version=entry.version,
                   event_type=entry.event_type, topic=entry.topic, recorded_at=entry.recorded_at,
                   occurred_at=entry.occurred_at, actor=entry.actor, data=entry.data,
                   erased=entry.erased, erased_fields=entry.erased_fields)


@strawberry.type
class HistoryQuery:
    @strawberry.field(
        extensions=requires(Action.AUDIT_READ),
        description="Every event of one aggregate (customer, case, opportunity, lead, consent, "
                    "partner, disclosure, …), oldest first: recorded in [from, to), of the "
                    "event types named (class names). At most 100 per page. NOT_FOUND for an id "
                    "with no events; BAD_USER_INPUT for `to` before `from` or an unknown type.")
    async def history(
        self, info: Info,
        aggregate_id: Annotated[strawberry.ID, strawberry.argument(name="id")],
        start: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        end: Annotated[datetime | None, strawberry.argument(name="to")] = None,
        event_types: list[str] | None = None, first: int = 50, after: str | None = None,
    ) -> Connection[HistoryEntry]:
        hub = info.context.hub
        found = await read(info, log.history, hub, aggregate_id, start=start, end=end,
                           types=event_types, first=first, after=after,
                           erased=hub.subject_keys.is_erased)
        read_subjects([found.aggregate_id, *(subject for _, entry in found.page.items
                                             for subject in entry.subjects)])
        return connection(found.page, HistoryEntry.of)
