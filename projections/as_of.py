"""State as of an instant: the views replayed from the log as it stood then.

"As of T" is every stored event whose recording time (the library's timestamp) is at or
before T, in log order. The log index (`projections.log_index`) says which events those
are; a replay reads exactly them from the store, decodes them through the hub's mapper
(personal fields decrypted, an erased person's blanked as everywhere else) and applies
them with the same view classes the runner uses, in one transaction, into a scratch
database: an in-memory SQLite database whatever the store (the views' SQL is written
once for both; in memory a statement costs less than holding it back, so no write-behind:
the runner's property test shows both give the same tables). The answers then come from the same query
functions as today's, so an as-of answer equals what the live view showed at T by
construction.

- `customer_as_of`: only the events that concern one customer (the customer view keeps
  nothing of a customer that another customer's events change), and the customer
  aggregate at its version as of T (the profile of the 360).
- `views_as_of`: a department's views, from the whole log up to the last event at or
  before T; only the stored events of the topics those views handle are decoded.

The index must cover the log as it stands when a replay starts: `ensure_indexed` catches
it up here when the runner has not yet (two runners of one view never apply an event
twice).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.core import parse_id
from domain.customers import Customer
from domain.errors import InvalidValueError, NotFoundError
from domain.hub import Hub
from projections import replay_checkpoints
from projections.customer_queries import CustomerSummary, customer_summaries
from projections.customers import CustomerView, iso
from projections.database import SQLiteTransaction, Transaction, ViewDatabase
from projections.log_index import LogIndexView
from projections.runner import ProjectionRunner
from projections.view import View

#: Stored events read (and decoded) per query.
PAGE = 1000


# -- the scratch database ------------------------------------------------------------------


class ScratchViews(ViewDatabase):
    """Views replayed into memory: one SQLite connection, shared by the threads that read
    the answer (a GraphQL response resolves its fields in worker threads), one at a time,
    through the SQLite dialect's own transaction (`projections.database`). Closed by its
    user, or with the connection when the last reference goes."""

    dialect = "sqlite"

    def __init__(self, views: Sequence[View], *, image: bytes | None = None) -> None:
        """Empty views, or those of an `image()` taken earlier (to go on replaying)."""
        self.views = list(views)
        self._connection = sqlite3.connect(":memory:", isolation_level=None,
                                           check_same_thread=False)
        self._lock = threading.Lock()
        if image is not None:
            self._connection.deserialize(image)
            return
        with self.transaction() as tx:
            for view in self.views:
                for statement in view.ddl:
                    tx.execute(statement)

    def image(self) -> bytes:
        """The whole database, as SQLite's file format."""
        with self._lock:
            return self._connection.serialize()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        with self._lock:
            self._connection.execute("BEGIN")
            try:
                yield SQLiteTransaction(self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def apply(self, events: Sequence[object]) -> None:
        """Apply decoded events, in log order, to every view, as the runner does a page
        (statement by statement: in memory a statement costs less than holding it back)."""
        with self.transaction() as tx:
            for view in self.views:
                view.apply(tx, events)

    def purge(self, tables: Sequence[str]) -> None:
        """Nothing outlives the process: the database is in memory."""

    def close(self) -> None:
        self._connection.close()


def handled_topics(views: Sequence[View]) -> frozenset[str]:
    """The topics of the events these views handle (the others need no decoding)."""
    return frozenset(get_topic(cls) for view in views for cls in type(view)._handlers)


# -- the instant and the index -------------------------------------------------------------


def instant(at: datetime, *, field: str = "at") -> datetime:
    """`at` in UTC, or `InvalidValueError`: it names its time zone and is not to come."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValueError(field, "must name its time zone (UTC: a trailing Z)")
    moment = at.astimezone(UTC)
    if moment > datetime.now(UTC):
        raise InvalidValueError(field, "is in the future: the log has nothing to say yet")
    return moment


def index_position(database: ViewDatabase) -> int:
    rows = database.query("SELECT position FROM crmhub_view_positions WHERE view = ?",
                          (LogIndexView.name,))
    return int(rows[0]["position"]) if rows else 0


def ensure_indexed(hub: Hub, database: ViewDatabase) -> None:
    """Make the index cover the log as it is now (catching it up here if it is behind)."""
    if index_position(database) >= hub.position():
        return
    runner = ProjectionRunner(hub, database, [LogIndexView()])
    runner.setup()
    runner.catch_up()


# -- one customer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerAsOf:
    at: datetime
    #: The customer view's tables as they stood for this customer at `at`.
    views: ScratchViews
    summary: CustomerSummary
    #: The customer aggregate at its version as of `at`.
    profile: Customer
    #: The latest version as of `at` of every aggregate that concerns the customer.
    versions: dict[str, int]
    #: The events replayed.
    events: int


def customer_as_of(hub: Hub, database: ViewDatabase, customer_id: UUID | str, *,
                   at: datetime) -> CustomerAsOf:
    """The customer 360 as it was at `at`, or `NotFoundError` (also before they existed).
    Starts from the newest checkpoint that `at` allows (`projections.replay_checkpoints`)
    and keeps a new one after a long replay."""
    uid = parse_id(customer_id, "id")
    moment = instant(at)
    replay = _replay_customer(hub, database, uid, iso(moment))
    if len(replay.applied) >= replay_checkpoints.EVERY:
        replay.keep(hub, database)
    found = customer_summaries(replay.views, [str(uid)])
    profile: object = hub.repository.get(uid, version=replay.versions[str(uid)])
    if str(uid) not in found or not isinstance(profile, Customer):
        replay.views.close()
        raise NotFoundError(Customer.KIND, uid)
    return CustomerAsOf(at=moment, views=replay.views, summary=found[str(uid)], profile=profile,
                        versions=replay.versions, events=replay.events)


def keep_checkpoint(hub: Hub, database: ViewDatabase, customer_id: UUID) -> bool:
    """Replay the customer as of now and keep a checkpoint at their newest event, unless
    their newest checkpoint is there already. False when there was nothing new to keep or
    it cannot be sealed (someone in it was erased); `NotFoundError` for no such customer."""
    replay = _replay_customer(hub, database, customer_id, iso(datetime.now(UTC)))
    try:
        return replay.keep(hub, database)
    finally:
        replay.views.close()


@dataclass
class _CustomerReplay:
    customer_id: UUID
    #: The customer view's tables for the customer as they stood.
    views: ScratchViews
    #: The latest version then of every aggregate that concerns the customer.
    versions: dict[str, int]
    #: The checkpoint it started from (or None: the log's beginning).
    start: replay_checkpoints.Checkpoint | None
    #: The decoded events applied after `start`.
    applied: list[Any]
    #: The log position of the customer's last event replayed, and when it was recorded.
    last: int
    recorded_through: str
    #: Every event of theirs up to `last` is in (none was recorded after the instant).
    whole: bool

    @property
    def events(self) -> int:
        return len(self.applied) + (self.start.events if self.start else 0)

    def keep(self, hub: Hub, database: ViewDatabase) -> bool:
        """Keep the tables as the customer's checkpoint at `last`: True if kept."""
        if not self.whole or (self.start is not None and self.start.position >= self.last):
            return False
        subjects = replay_checkpoints.subjects_of(self.applied)
        return replay_checkpoints.keep(
            hub, database, self.customer_id, self.views.image(), position=self.last,
            events=self.events, recorded_through=self.recorded_through,
            subjects=subjects | set(self.start.subjects if self.start else ()))


def _replay_customer(hub: Hub, database: ViewDatabase, uid: UUID, then: str) -> _CustomerReplay:
    """The customer view replayed for one customer up to `then` (ISO-8601 UTC), from the
    newest checkpoint that allows; `NotFoundError` before they existed."""
    ensure_indexed(hub, database)
    rows = database.query("SELECT position, aggregate_id, version, recorded_at FROM log_index"
                          " WHERE customer_id = ? ORDER BY position", (str(uid),))
    replayed = [row for row in rows if row["recorded_at"] <= then]
    versions = {row["aggregate_id"]: row["version"] for row in replayed}  # each one's latest
    if str(uid) not in versions:
        raise NotFoundError(Customer.KIND, uid)
    view = CustomerView()
    start = replay_checkpoints.latest(hub, database, uid, recorded_through=then)
    scratch = ScratchViews([view], image=start.image if start else None)
    after = start.position if start else 0
    try:
        events = hub.decode(stored_events(hub, [row["position"] for row in replayed
                                                if row["position"] > after],
                                          topics=handled_topics([view])))
        scratch.apply(events)
    except BaseException:
        scratch.close()
        raise
    last = replayed[-1]["position"]
    return _CustomerReplay(
        customer_id=uid, views=scratch, versions=versions, start=start, applied=events,
        last=last, recorded_through=max(row["recorded_at"] for row in replayed),
        whole=sum(1 for row in rows if row["position"] <= last) == len(replayed))


# -- a department's views --------------------------------------------------------------------


def last_position_at(database: ViewDatabase, moment: datetime) -> int:
    """The log position of the last event recorded at or before `moment` (0: none)."""
    (row,) = database.query("SELECT COALESCE(MAX(position), 0) AS last FROM log_index"
                            " WHERE recorded_at <= ?", (iso(moment),))
    return int(row["last"])


def views_as_of(hub: Hub, database: ViewDatabase, views: Sequence[View], *, at: datetime,
                on_progress: Callable[[int, int], None] | None = None) -> ScratchViews:
    """`views` replayed from the log up to `at`. `on_progress(advanced, total)` after each
    page, in log positions."""
    moment = instant(at)
    ensure_indexed(hub, database)
    last = last_position_at(database, moment)
    scratch = ScratchViews(views)
    topics = sorted(handled_topics(views))
    done = 0
    try:
        while done < last:
            page = hub.recorder.select_notifications(done + 1, PAGE, stop=last, topics=topics)
            reached = page[-1].id if page else last
            events = [event for event in hub.decode(page) if event.timestamp <= moment]
            if events:
                scratch.apply(events)
            if on_progress is not None:
                on_progress(reached - done, last)
            done = reached
    except BaseException:
        scratch.close()
        raise
    return scratch


# -- reading stored events ---------------------------------------------------------------------


def stored_events(hub: Hub, positions: Sequence[int], *,
                  topics: frozenset[str]) -> list[StoredEvent]:
    """The stored events at these log positions (ascending), in log order, and only those
    of `topics`; a page of positions per query."""
    found: list[StoredEvent] = []
    for start in range(0, len(positions), PAGE):
        for originator, version, topic, state in _select(hub, positions[start:start + PAGE]):
            if topic in topics:
                uid = originator if isinstance(originator, UUID) else UUID(hex=originator)
                found.append(StoredEvent(originator_id=uid, originator_version=version,
                                         topic=topic, state=bytes(state)))
    return found


def _select(hub: Hub, positions: Sequence[int]) -> list[tuple[Any, int, str, Any]]:
    """The stored rows at these log positions, in log order."""
    recorder: Any = hub.recorder
    table = recorder.events_table_name
    if hub.on_postgres:
        from psycopg.rows import tuple_row

        datastore = recorder.datastore
        sql = ("SELECT originator_id, originator_version, topic, state"  # noqa: S608
               f' FROM "{datastore.schema}"."{table}" WHERE notification_id = ANY(%b::bigint[])'
               " ORDER BY notification_id")
        with datastore.get_connection() as connection, \
                connection.cursor(row_factory=tuple_row, binary=True) as cursor:
            cursor.execute(sql, (list(positions),))
            rows: list[tuple[Any, int, str, Any]] = cursor.fetchall()
            return rows
    marks = ", ".join("?" * len(positions))
    sql = (f"SELECT originator_id, originator_version, topic, state FROM {table}"  # noqa: S608
           f" WHERE rowid IN ({marks}) ORDER BY rowid")
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(sql, list(positions))
        return [tuple(row) for row in cursor.fetchall()]
