"""An aggregate's history: every event of one aggregate, in order, as the log holds it.

Read from the event store itself (not a view), for any aggregate of any package: each
event with its position in the global log (the notification id, read with the events in
one query per page), its version, type, topic, recording time (the library's timestamp),
business time (`occurred_at`), actor and fields. Snapshots are not events and are not
listed. Events are decoded through the hub's mapper, so personal fields come decrypted;
of a data subject who was erased they come back null, listed in `erased_fields`, and the
entry says `erased`. Nothing here raises for an erased person. The fields' names are in
camelCase; values nested in them are as stored (ids, decimals and times as text).

Filters: recorded in [start, end), and of some event types (class names such as
`StageChanged`, checked against the aggregate's event classes). Pages follow the
aggregate's versions; a cursor names this list and the aggregate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from domain.core import parse_id
from domain.errors import InvalidValueError, NotFoundError
from domain.hub import Hub
from domain.personal_data import PERSONAL_DATA
from projections.pages import Page, decode_cursor, encode_cursor, page_size

LIST = "history"
MAX_PAGE = 100
#: Stored events read per query when a time filter may leave most of them out.
SCAN = 500
#: What every event carries, shown beside its data rather than in it.
HEAD = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp",
                  "occurred_at", "actor"})


@dataclass(frozen=True)
class HistoryEntry:
    position: int
    aggregate_id: UUID
    aggregate_type: str
    version: int
    event_type: str
    topic: str
    recorded_at: datetime
    occurred_at: datetime | None
    actor: str | None
    data: dict[str, Any]
    erased: bool
    erased_fields: list[str]
    #: The data subjects this event is about (ids only), for the record of reads.
    subjects: list[UUID]


@dataclass(frozen=True)
class History:
    aggregate_id: UUID
    aggregate_type: str
    page: Page[HistoryEntry]


def event_types(aggregate_class: type) -> list[str]:
    """The names of the event classes of an aggregate class."""
    base = getattr(aggregate_class, "Event", Aggregate.Event)
    return sorted({value.__name__ for value in vars(aggregate_class).values()
                   if isinstance(value, type) and issubclass(value, base) and value is not base})


def history(hub: Hub, aggregate_id: UUID | str, *, start: datetime | None = None,
            end: datetime | None = None, types: Sequence[str] | None = None,
            first: int = 50, after: str | None = None,
            erased: Callable[[UUID], bool]) -> History:
    """A page of the aggregate's events, oldest first. `erased(subject)` says whether a data
    subject was erased. `NotFoundError` for an id with no events; `InvalidValueError` for
    `end` before `start`, an unknown event type, a bad cursor or page size."""
    uid = parse_id(aggregate_id, "id")
    if first > MAX_PAGE:
        raise InvalidValueError("first", f"must be between 1 and {MAX_PAGE}")
    size = page_size(first)
    if start is not None and end is not None and end < start:
        raise InvalidValueError("to", "must not be before `from`")
    start, end = _utc(start, "from"), _utc(end, "to")
    key = decode_cursor(after, LIST, 2)
    if key is not None and key[0] != str(uid):
        raise InvalidValueError("after", "is not a cursor of this aggregate's history")
    version = int(key[1]) if key is not None and key[1].isdigit() else 0
    reader = _Reader(hub)
    topic = reader.first_topic(uid)
    if topic is None:
        raise NotFoundError("aggregate", uid)
    aggregate_class = _aggregate_class(topic)
    kind = str(getattr(aggregate_class, "KIND", aggregate_class.__name__))
    topics = None
    if types:
        known = event_types(aggregate_class)
        unknown = sorted(set(types) - set(known))
        if unknown:
            raise InvalidValueError("eventTypes", f"{', '.join(unknown)}: not an event type of a "
                                    f"{kind}; its types are {', '.join(known)}")
        prefix = topic.rsplit(".", 1)[0]
        topics = sorted(f"{prefix}.{name}" for name in set(types))
    chunk = SCAN if start is not None or end is not None else size + 1
    entries: list[HistoryEntry] = []
    decoder = _Decoder(hub, uid, kind, erased)
    for row in reader.rows(uid, version, topics, chunk):
        recorded = decoder.decode(row)
        if (start is None or recorded.recorded_at >= start) and (
                end is None or recorded.recorded_at < end):
            entries.append(recorded)
            if len(entries) > size:
                break
    items = [(encode_cursor(LIST, [str(uid), str(entry.version)]), entry)
             for entry in entries[:size]]
    return History(uid, kind, Page(items=items, has_next_page=len(entries) > size))


def _utc(moment: datetime | None, name: str) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise InvalidValueError(name, "must carry a time zone (UTC ISO-8601)")
    return moment.astimezone(UTC)


def _aggregate_class(topic: str) -> type:
    """The aggregate class of an event topic (`module:Aggregate.Event`)."""
    module, _, qualname = topic.partition(":")
    outer = qualname.split(".")[0]
    try:
        found = resolve_topic(f"{module}:{outer}")
    except Exception:  # noqa: BLE001 - an event class of no known aggregate
        return Aggregate
    return found if isinstance(found, type) else Aggregate


Row = tuple[int, int, str, bytes]


class _Reader:
    """The stored rows of one aggregate, with their log positions, in version order."""

    def __init__(self, hub: Hub) -> None:
        recorder: Any = hub.recorder
        self.datastore = recorder.datastore
        self.postgres = hub.on_postgres
        if self.postgres:
            self.table = f'"{self.datastore.schema}"."{recorder.events_table_name}"'
            self.position = "notification_id"
        else:
            self.table = recorder.events_table_name
            self.position = "rowid"

    def _query(self, sql: str, params: Sequence[Any]) -> list[Any]:
        if self.postgres:
            with self.datastore.get_connection() as connection, connection.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), params)
                return [tuple(row.values()) for row in cursor.fetchall()]
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    def _id(self, uid: UUID) -> Any:
        return uid if self.postgres else uid.hex

    def first_topic(self, uid: UUID) -> str | None:
        rows = self._query(f"SELECT topic FROM {self.table} WHERE originator_id = ?"  # noqa: S608
                           " ORDER BY originator_version LIMIT 1", [self._id(uid)])
        return str(rows[0][0]) if rows else None

    def rows(self, uid: UUID, after: int, topics: Sequence[str] | None,
             chunk: int) -> Iterator[Row]:
        while True:
            sql = (f"SELECT {self.position}, originator_version, topic, state"  # noqa: S608
                   f" FROM {self.table} WHERE originator_id = ? AND originator_version > ?")
            params: list[Any] = [self._id(uid), after]
            if topics:
                sql += f" AND topic IN ({', '.join('?' * len(topics))})"
                params.extend(topics)
            sql += " ORDER BY originator_version LIMIT ?"
            page = self._query(sql, [*params, chunk])
            for position, version, topic, state in page:
                yield int(position), int(version), str(topic), bytes(state)
            if len(page) < chunk:
                return
            after = int(page[-1][1])


class _Decoder:
    """Stored rows as history entries, asking once per subject whether they were erased."""

    def __init__(self, hub: Hub, uid: UUID, kind: str, erased: Callable[[UUID], bool]) -> None:
        self.hub = hub
        self.uid = uid
        self.kind = kind
        self.erased = erased
        self.known: dict[UUID, bool] = {}

    def _is_erased(self, subject: UUID) -> bool:
        if subject not in self.known:
            self.known[subject] = self.erased(subject)
        return self.known[subject]

    def decode(self, row: Row) -> HistoryEntry:
        position, version, topic, state = row
        stored = StoredEvent(originator_id=self.uid, originator_version=version,
                             topic=topic, state=state)
        e: Any = self.hub.mapper.to_domain_event(stored)
        fields = {name: value for name, value in vars(e).items()
                  if name not in HEAD and not name.startswith("_")}
        subjects = [e.originator_id] if self.kind in ("customer", "lead") else []
        marked = PERSONAL_DATA.get(type(e))
        erased_fields: list[str] = []
        if marked is not None:
            subject = _as_uuid(e.originator_id if marked.subject == "originator_id"
                               else fields.get(marked.subject))
            if subject is not None:
                subjects.append(subject)
                if self._is_erased(subject):
                    erased_fields = [name for name in marked.fields if name in fields]
                    fields.update(dict.fromkeys(erased_fields))
        for name in ("customer_id", "lead_id"):
            if (subject := _as_uuid(fields.get(name))) is not None:
                subjects.append(subject)
        return HistoryEntry(
            position=position, aggregate_id=e.originator_id, aggregate_type=self.kind,
            version=version, event_type=type(e).__name__, topic=topic,
            recorded_at=e.timestamp.astimezone(UTC),
            occurred_at=_time(getattr(e, "occurred_at", None)), actor=getattr(e, "actor", None),
            data={_camel(name): _json(value) for name, value in fields.items()},
            erased=bool(erased_fields),
            erased_fields=[_camel(name) for name in erased_fields],
            subjects=list(dict.fromkeys(subjects)))


def _as_uuid(value: Any) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _time(moment: Any) -> datetime | None:
    return moment.astimezone(UTC) if isinstance(moment, datetime) else None


def _json(value: Any) -> Any:
    """A value as JSON: ids, decimals and times as text; keys as stored."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(name): _json(item) for name, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_json(item) for item in value), key=str)
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
