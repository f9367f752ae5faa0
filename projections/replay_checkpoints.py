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
new layout version of the customer view ignores the older checkpoints. Each customer
keeps at most `KEEP`.
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
#: Checkpoints kept per customer (the newest).
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
    _ensure_table(database)
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
    _ensure_table(database)
    with database.transaction() as tx:
        tx.execute(f"INSERT INTO {TABLE} (customer_id, position, layout, recorded_through,"  # noqa: S608
                   " events, subjects, sealed) VALUES (?, ?, ?, ?, ?, ?, ?)"
                   " ON CONFLICT (customer_id, position) DO NOTHING",
                   (str(customer_id), position, CustomerView.version, recorded_through, events,
                    json.dumps([str(subject) for subject in used]),
                    base64.b64encode(ciphertext).decode()))
        tx.execute(f"DELETE FROM {TABLE} WHERE customer_id = ? AND position NOT IN ("  # noqa: S608
                   f" SELECT position FROM {TABLE} WHERE customer_id = ?"
                   " ORDER BY position DESC LIMIT ?)", (str(customer_id), str(customer_id), KEEP))
    return True


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


def _binding(customer_id: UUID, position: int) -> bytes:
    return f"as-of checkpoint:{customer_id}:{position}:{CustomerView.version}".encode()


def _drop(database: ViewDatabase, customer_id: UUID, positions: list[int]) -> None:
    marks = ", ".join("?" * len(positions))
    with database.transaction() as tx:
        tx.execute(f"DELETE FROM {TABLE} WHERE customer_id = ?"  # noqa: S608
                   f" AND position IN ({marks})", (str(customer_id), *positions))


def _ensure_table(database: ViewDatabase) -> None:
    if database not in _created:
        with database.schema_transaction() as tx:
            tx.execute(DDL)
        _created.add(database)
