"""The store a hub opens: on PostgreSQL, the column-array recorder keeps every promise of
the library's recorder; on SQLite, the library's recorder is left as it is.

Nothing here is skipped: on SQLite, each PostgreSQL story checks instead that
`connect_hub` kept the library's SQLite recorder.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg import sql

from api.store import ColumnArraysRecorder, connect_hub
from domain.base import acting
from domain.customers import Customer
from domain.errors import ConcurrencyError
from domain.hub import Hub
from domain.interactions import Interaction, InteractionDraft
from domain.storage import DatabaseURLError
from tests.stories import TEST_MASTER_KEY, events_since, records_nothing


def sqlite_instead(hub: Hub, database_url: str) -> bool:
    """On SQLite, check that the hub kept the library's own recorder and say so (True):
    the story that follows is about PostgreSQL's."""
    if database_url.startswith("sqlite"):
        assert type(hub.recorder) is SQLiteApplicationRecorder
        return True
    assert type(hub.recorder) is ColumnArraysRecorder
    return False


def register(hub: Hub) -> UUID:
    return hub.register_customer(actor="sam", kind="person",
                                 profile={"given_name": "Ada", "family_name": "Lovelace"})


def draft(customer_id: UUID, n: int = 0) -> InteractionDraft:
    return InteractionDraft(customer_id=customer_id, channel="phone", direction="inbound",
                            department="service", subject=f"Call {n}")


def synthetic_events(count: int, *, seed: int) -> list[StoredEvent]:
    """`count` stored events, four versions per aggregate, with states of every byte
    (NUL included), empty ones, non-ASCII topics and versions beyond 32 bits."""
    rng = random.Random(seed)
    originators = [UUID(int=rng.getrandbits(128), version=4) for _ in range(count // 4 + 1)]
    return [StoredEvent(
        originator_id=originators[n // 4],
        originator_version=(n % 4 + 1) * (2**40 if n % 97 == 0 else 1),
        topic=f"tests.store:Événement{n % 7}",
        state=rng.randbytes(n % 300),
    ) for n in range(count)]


def server(database_url: str) -> str:
    """The database's URL without the store's schema, for a connection of our own."""
    return database_url.split("?")[0]


def listener(database_url: str, channel: str) -> psycopg.Connection:
    conn = psycopg.connect(server(database_url), autocommit=True)
    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
    return conn


def backend_pids(hub: Hub) -> set[int]:
    """The server processes behind every connection the hub's pool holds."""
    pool = hub.recorder.datastore.pool
    with ExitStack() as held:
        return {held.enter_context(pool.connection()).info.backend_pid
                for _ in range(pool.max_size)}


def test_a_batch_gets_increasing_ids_naming_its_rows_in_the_log(hub, database_url):
    if sqlite_instead(hub, database_url):
        return
    # given a log with history
    customer_id = register(hub)
    before = hub.position()
    # when the recorder inserts a batch
    batch = synthetic_events(300, seed=1)
    ids = hub.recorder.insert_events(batch)
    # then the ids rise in the order of the batch, past the history
    assert ids is not None and len(ids) == len(batch)
    assert ids == sorted(set(ids)) and ids[0] > before
    # and each names the row the log holds under it
    log = hub.recorder.select_notifications(start=ids[0], limit=len(batch))
    assert [(n.id, n.originator_id, n.originator_version) for n in log] == [
        (i, e.originator_id, e.originator_version) for i, e in zip(ids, batch, strict=True)]
    # and a batch of interactions through the hub lands in the order it was given
    position = hub.position()
    recorded = hub.record_interactions(actor="sam", drafts=[draft(customer_id, n) for n in range(50)])
    assert [e.originator_id for e in events_since(hub, position)] == recorded


def test_2000_events_come_back_byte_for_byte(hub, database_url):
    if sqlite_instead(hub, database_url):
        return
    batch = synthetic_events(2000, seed=2)
    ids = hub.recorder.insert_events(batch)
    assert ids is not None
    log = hub.recorder.select_notifications(start=ids[0], limit=len(batch))
    assert [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in log] == [
        (i, e.originator_id, e.originator_version, e.topic, e.state)
        for i, e in zip(ids, batch, strict=True)]
    # a batch repeating one stored version fails whole: IntegrityError, nothing inserted
    again = [*synthetic_events(10, seed=3), batch[1234]]
    with records_nothing(hub), pytest.raises(IntegrityError):
        hub.recorder.insert_events(again)
    assert hub.recorder.select_events(again[0].originator_id) == []


def test_writers_racing_for_one_version_one_wins_and_the_others_record_nothing(hub, database_url):
    if sqlite_instead(hub, database_url):
        return
    # given six clients holding the same version of a customer, each with a new interaction
    customer_id = register(hub)
    racers = 6
    copies = [hub.load(Customer, customer_id) for _ in range(racers)]
    with acting("sam"):
        interactions = [Interaction.record(draft(customer_id, n)) for n in range(racers)]
    for n, copy in enumerate(copies):
        with acting(f"agent-{n}"):
            copy.assign_owner(f"agent-{n}")
    before = hub.position()
    start = threading.Barrier(racers)

    def commit(n: int) -> bool:
        start.wait()
        try:
            hub.commit(copies[n], interactions[n])
        except ConcurrencyError:
            return False
        return True

    # when all commit at once
    with ThreadPoolExecutor(max_workers=racers) as pool:
        won = list(pool.map(commit, range(racers)))
    # then exactly one wins, and the log holds its two events and nothing of the others'
    assert won.count(True) == 1
    winner = won.index(True)
    recorded = events_since(hub, before)
    assert [(type(e), e.originator_id) for e in recorded] == [
        (Customer.OwnerAssigned, customer_id), (Interaction.Recorded, interactions[winner].id)]
    assert hub.load(Customer, customer_id).owner == f"agent-{winner}"
    assert [hub.exists(Interaction, i.id) for i in interactions] == [
        n == winner for n in range(racers)]
    # and the hub writes on afterwards
    assert hub.exists(Interaction, hub.record_interaction(actor="sam", draft=draft(customer_id)))


def test_a_write_waits_for_another_writers_open_transaction(hub, database_url):
    if sqlite_instead(hub, database_url):
        return
    customer_id = register(hub)
    recorder = hub.recorder
    table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
    with psycopg.connect(server(database_url)) as other:
        # What any open insert holds. Inserts alone do not wait for each other: only the
        # recorder's EXCLUSIVE table lock does, so that ids are issued in commit order.
        other.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")
        with ThreadPoolExecutor(max_workers=1) as pool:
            writing = pool.submit(hub.record_interaction, actor="sam", draft=draft(customer_id))
            with pytest.raises(TimeoutError):
                writing.result(timeout=0.3)
            other.commit()
            assert hub.exists(Interaction, writing.result(timeout=5))


def test_a_listener_hears_the_channel_after_a_commit_and_not_after_a_rejected_write(
    hub, database_url
):
    if sqlite_instead(hub, database_url):
        return
    customer_id = register(hub)
    hub_pids = backend_pids(hub)
    stale = hub.load(Customer, customer_id)
    with acting("eve"):
        stale.assign_owner("eve")
    hub.tag_customer(actor="sam", customer_id=customer_id, add=["vip"])
    with listener(database_url, hub.recorder.channel_name) as conn:
        # a write that rolls back notifies no one
        with pytest.raises(ConcurrencyError):
            hub.commit(stale)
        assert not [n for n in conn.notifies(timeout=0.3) if n.pid in hub_pids]
        # a write that commits notifies every listener on the table's channel
        hub.record_interaction(actor="sam", draft=draft(customer_id))
        heard = next((n for n in conn.notifies(timeout=5) if n.pid in hub_pids), None)
    assert heard is not None and heard.channel == hub.recorder.channel_name


def test_the_recorder_keeps_to_the_urls_schema(hub, database_url):
    if sqlite_instead(hub, database_url):
        return
    schema = database_url.rsplit("schema=", 1)[1]
    assert hub.recorder.datastore.schema == schema
    with psycopg.connect(server(database_url)) as conn:
        found = conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                             [f'"{schema}".crmhub_events']).fetchone()
    assert found == (True,)


def test_connect_hub_refuses_a_database_it_does_not_know():
    with pytest.raises(DatabaseURLError):
        connect_hub(f"mysql://localhost/{uuid4().hex}", master_key=TEST_MASTER_KEY)
