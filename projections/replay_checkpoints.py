"""Checkpoints of customer replays: an as-of replay need not start at the log's beginning.

A replay of a customer with many events spends most of its time decoding and applying
them. So a replay that applied at least `EVERY` events keeps what it built: its scratch
database (in SQLite's file format: the customer view's tables, holding that customer
alone) after every one of their events up to log position P, none left out by the
instant asked for. A later replay as of T starts from the newest checkpoint whose events
were all recorded at or before T (`recorded_through`) and applies only the customer's
events after P: the same events in the same order as a replay from the beginning, so the
same answer.

The tables hold personal data, so a checkpoint is sealed by the hub (`Hub.seal`: AES-GCM
under a key derived from the master key and the data key of every person whose data the
replayed events held, bound to the customer, P and the view's layout version). Once any
of them is erased, their key is gone and the checkpoint cannot be opened any more
(crypto-shredding, as for the events themselves): the replay starts from the beginning
and shows them erased, as it always did, and drops the dead checkpoint. Neither can the
database's administrator read one or make one up (nothing unsealed is ever loaded). A
new layout version of the customer view ignores the older checkpoints.

Replays keep checkpoints, and so does `projections.checkpoint_keeper` in the background:
for every customer with `EVERY` or more events after their newest one (`due`), so that a
replay as of now never has to apply many. Each customer keeps their `KEEP` newest and,
of the older ones, the newest with 1, 2-3, 4-7, ... times `EVERY` events (`_spaced`): a
replay as of any past instant starts at most about half of the events then from its end,
and the checkpoints of a long history take room in proportion to it, not its square.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID
from weakref import WeakSet

from domain.hub import Hub
from domain.personal_data import PERSONAL_DATA
from projections.customers import CustomerView
from projections.database import ViewDatabase

#: A replay that applied at least this many events keeps a checkpoint where it ended.
EVERY = 200
#: The newest checkpoints kept per customer (beside the older, spaced out ones).
KEEP = 3
TABLE = "as_of_checkpoints"
DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} ("
       " customer_id TEXT NOT NULL, position BIGINT NOT NULL, layout INTEGER NOT NULL,"
       " recorded_through TEXT NOT NULL, events INTEGER NOT NULL, subjects TEXT NOT NULL,"
       " sealed TEXT NOT NULL, PRIMARY KEY (customer_id, position))")

_created: WeakSet[ViewDatabase] = WeakSet()


@dataclass(frozen=True)
class Checkpoint:
    #: Every event of the customer up to this log position is in `image`.
    position: int
    #: The events of theirs the customer view applied to get there.
    events: int
    #: The subjects whose data the image holds (whose keys sealed it).
    subjects: tuple[UUID, ...]
    #: The scratch database of the customer view then (`ScratchViews.image()`).
    image: bytes


def latest(hub: Hub, database: ViewDatabase, customer_id: UUID, *,
           recorded_through: str) -> Checkpoint | None:
    """The newest checkpoint of the customer whose events were all recorded at or before
    `recorded_through` (ISO-8601 UTC) and that can still be opened."""
    ensure_table(database)
    rows = database.query(
        f"SELECT position, events, subjects, sealed FROM {TABLE}"  # noqa: S608
        " WHERE customer_id = ? AND layout = ? AND recorded_through <= ?"
        " ORDER BY position DESC", (str(customer_id), CustomerView.version, recorded_through))
    dead: list[int] = []
    found = None
    for row in rows:
        subjects = tuple(UUID(subject) for subject in json.loads(row["subjects"]))
        opened = hub.unseal(base64.b64decode(row["sealed"]), subjects=subjects,
                            binding=_binding(customer_id, row["position"]))
        if opened is None:  # someone in it was erased
            dead.append(row["position"])
            continue
        found = Checkpoint(position=row["position"], events=row["events"], subjects=subjects,
                           image=zlib.decompress(opened))
        break
    if dead:
        _drop(database, customer_id, dead)
    return found


def keep(hub: Hub, database: ViewDatabase, customer_id: UUID, image: bytes, *,
         position: int, events: int, recorded_through: str, subjects: Iterable[UUID]) -> bool:
    """Keep `image`, the scratch database of the customer view after every event of the
    customer up to `position` (`events` of them, the latest recorded at
    `recorded_through`), as their checkpoint there. False if it cannot be sealed (someone
    in it was erased meanwhile)."""
    data = zlib.compress(image, 1)
    sealed = hub.seal(data, subjects=subjects, binding=_binding(customer_id, position))
    if sealed is None:
        return False
    ciphertext, used = sealed
    ensure_table(database)
    customer = str(customer_id)
    with database.transaction() as tx:
        tx.execute(f"DELETE FROM {TABLE} WHERE customer_id = ? AND layout <> ?",  # noqa: S608
                   (customer, CustomerView.version))
        tx.execute(f"INSERT INTO {TABLE} (customer_id, position, layout, recorded_through,"  # noqa: S608
                   " events, subjects, sealed) VALUES (?, ?, ?, ?, ?, ?, ?)"
                   " ON CONFLICT (customer_id, position) DO NOTHING",
                   (customer, position, CustomerView.version, recorded_through, events,
                    json.dumps([str(subject) for subject in used]),
                    base64.b64encode(ciphertext).decode()))
        spaced = _spaced([(row["position"], row["events"]) for row in tx.query(
            f"SELECT position, events FROM {TABLE} WHERE customer_id = ?",  # noqa: S608
            (customer,))])
        tx.execute(f"DELETE FROM {TABLE} WHERE customer_id = ?"  # noqa: S608
                   f" AND position NOT IN ({', '.join('?' * len(spaced))})", (customer, *spaced))
    return True


def due(database: ViewDatabase, *, limit: int) -> list[tuple[UUID, int]]:
    """Up to `limit` customers with at least `EVERY` events in the log index after their
    newest checkpoint of today's layout (or with no checkpoint), most behind first, each
    with the log position of their newest event."""
    ensure_table(database)
    rows = database.query(
        "SELECT i.customer_id, COUNT(*) AS behind, MAX(i.position) AS newest"  # noqa: S608
        f" FROM log_index i LEFT JOIN (SELECT customer_id, MAX(position) AS position FROM {TABLE}"
        "  WHERE layout = ? GROUP BY customer_id) c ON c.customer_id = i.customer_id"
        " WHERE i.customer_id IS NOT NULL AND i.position > COALESCE(c.position, 0)"
        " GROUP BY i.customer_id HAVING COUNT(*) >= ?"
        " ORDER BY behind DESC, i.customer_id LIMIT ?", (CustomerView.version, EVERY, limit))
    return [(UUID(row["customer_id"]), int(row["newest"])) for row in rows]


def drop_outdated(database: ViewDatabase) -> None:
    """Drop the checkpoints of older layouts of the customer view (no replay uses them)."""
    ensure_table(database)
    with database.transaction() as tx:
        tx.execute(f"DELETE FROM {TABLE} WHERE layout <> ?", (CustomerView.version,))  # noqa: S608


def subjects_of(events: Sequence[object]) -> set[UUID]:
    """The data subjects whose personal fields these decoded events carry."""
    found: set[UUID] = set()
    for event in events:
        marked = PERSONAL_DATA.get(type(event))
        if marked is not None:
            subject = getattr(event, marked.subject, None)
            if subject is not None:
                found.add(subject if isinstance(subject, UUID) else UUID(str(subject)))
    return found


def _spaced(checkpoints: Sequence[tuple[int, int]]) -> list[int]:
    """The positions to keep of these (position, events) checkpoints of one customer: the
    `KEEP` newest, and of the others the newest in each doubling of `EVERY` events."""
    newest_first = sorted(checkpoints, reverse=True)
    kept = [position for position, _ in newest_first[:KEEP]]
    doublings: set[int] = set()
    for position, events in newest_first[KEEP:]:
        doubling = (events // EVERY).bit_length()
        if doubling not in doublings:
            doublings.add(doubling)
            kept.append(position)
    return kept


def _binding(customer_id: UUID, position: int) -> bytes:
    return f"as-of checkpoint:{customer_id}:{position}:{CustomerView.version}".encode()


def _drop(database: ViewDatabase, customer_id: UUID, positions: list[int]) -> None:
    marks = ", ".join("?" * len(positions))
    with database.transaction() as tx:
        tx.execute(f"DELETE FROM {TABLE} WHERE customer_id = ?"  # noqa: S608
                   f" AND position IN ({marks})", (str(customer_id), *positions))


def ensure_table(database: ViewDatabase) -> None:
    """Create the checkpoints' table if it is missing (once per database object)."""
    if database not in _created:
        with database.schema_transaction() as tx:
            tx.execute(DDL)
        _created.add(database)
