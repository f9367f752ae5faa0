"""Checkpoints of customer replays, on the store under test: a replay that starts from one
gives what a replay from the log's beginning gives, reads only the events after it, and
never uses one that was altered, moved or outlived an erasure."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.hub import Hub
from projections import as_of, replay_checkpoints
from projections.customers import CustomerView
from projections.database import ViewDatabase
from projections.log_index import LogIndexView
from projections.runner import ProjectionRunner
from tests.unit.test_as_of import a_story, rows_of

TABLE = replay_checkpoints.TABLE


@pytest.fixture(autouse=True)
def short_replays_keep_checkpoints(monkeypatch):
    monkeypatch.setattr(replay_checkpoints, "EVERY", 2)


def story_with_instants(hub: Hub, views: ViewDatabase) -> tuple[Any, list[tuple[datetime, Any]]]:
    """Ada's story, with the live customer view's rows for her after each step."""
    runner = ProjectionRunner(hub, views, [CustomerView(), LogIndexView()])
    runner.setup()
    ada = hub.register_customer(actor="sam", kind="person", profile={
        "given_name": "Ada", "family_name": "Lovelace", "emails": ["ada@example.org"]})
    grace = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Grace"})
    seen = []
    for step in a_story(hub, ada, grace):
        step()
        runner.catch_up()
        time.sleep(0.002)
        seen.append((datetime.now(UTC), rows_of(views, str(ada))))
        time.sleep(0.002)
    return ada, seen


def replay(hub: Hub, views: ViewDatabase, customer: Any, at: datetime) -> dict[str, Any]:
    replayed = as_of.customer_as_of(hub, views, customer, at=at)
    try:
        return rows_of(replayed.views, str(customer))
    finally:
        replayed.views.close()


def checkpoints(views: ViewDatabase, customer: Any) -> list[dict[str, Any]]:
    return views.query(f"SELECT * FROM {TABLE} WHERE customer_id = ?"  # noqa: S608
                       " ORDER BY position", (str(customer),))


def test_replays_from_checkpoints_equal_the_live_view_at_every_instant(hub, views):
    ada, seen = story_with_instants(hub, views)

    for at, live in seen:  # oldest first: each replay keeps a checkpoint for the next
        assert replay(hub, views, ada, at) == live, at
    kept = checkpoints(views, ada)
    assert len(kept) > replay_checkpoints.KEEP  # the newest, and older ones spaced out
    for at, live in reversed(seen):  # newest first: from a checkpoint where `at` allows one
        assert replay(hub, views, ada, at) == live, at


def test_a_replay_from_a_checkpoint_reads_only_the_events_after_it(hub, views, monkeypatch):
    ada, seen = story_with_instants(hub, views)
    first = as_of.customer_as_of(hub, views, ada, at=seen[-1][0])
    first.views.close()
    (checkpoint,) = checkpoints(views, ada)
    read: list[int] = []
    stored_events = as_of.stored_events
    monkeypatch.setattr(as_of, "stored_events", lambda hub, positions, **kwargs: (
        read.extend(positions), stored_events(hub, positions, **kwargs))[1])

    replayed = as_of.customer_as_of(hub, views, ada, at=datetime.now(UTC))
    try:
        assert rows_of(replayed.views, str(ada)) == seen[-1][1]
        assert replayed.events == first.events
    finally:
        replayed.views.close()
    assert read == []  # nothing happened to her since the checkpoint
    assert checkpoint["position"] == views.query(
        "SELECT MAX(position) AS p FROM log_index WHERE customer_id = ?", (str(ada),))[0]["p"]


@pytest.mark.parametrize("alteration", ["a byte of its data", "another customer's", "its position"])
def test_an_altered_or_moved_checkpoint_is_not_used_and_is_dropped(hub, views, alteration):
    ada, seen = story_with_instants(hub, views)
    at, live = seen[-1]
    replay(hub, views, ada, at)
    (kept,) = checkpoints(views, ada)
    sealed = bytearray(base64.b64decode(kept["sealed"]))
    grace = views.query("SELECT id FROM view_customers WHERE id <> ?", (str(ada),))[0]
    with views.transaction() as tx:
        if alteration == "a byte of its data":
            sealed[len(sealed) // 2] ^= 0x01
            tx.execute(f"UPDATE {TABLE} SET sealed = ?",  # noqa: S608
                       (base64.b64encode(bytes(sealed)).decode(),))
        elif alteration == "another customer's":
            tx.execute(f"UPDATE {TABLE} SET customer_id = ?", (grace["id"],))  # noqa: S608
        else:
            tx.execute(f"UPDATE {TABLE} SET position = position - 1")  # noqa: S608

    (altered,) = checkpoints(views, ada) or checkpoints(views, grace["id"])

    for customer in views.query("SELECT id FROM view_customers"):
        # each customer's replay (from the beginning) is still theirs as it stood
        rows = replay(hub, views, customer["id"], at)
        assert rows == (live if customer["id"] == str(ada) else rows_of(views, customer["id"]))
    assert altered not in views.query(f"SELECT * FROM {TABLE}")  # noqa: S608


def test_after_an_erasure_no_checkpoint_shows_what_was_erased(hub, views):
    ada, seen = story_with_instants(hub, views)
    at, live = seen[-1]
    assert replay(hub, views, ada, at) == live  # a checkpoint with her name in it
    assert checkpoints(views, ada)

    hub.erase_customer(actor="dpo", customer_id=ada)
    before_erasure = replay(hub, views, ada, at)

    (person,) = before_erasure["view_customers"]
    assert (person["given_name"], person["family_name"]) in {("", ""), (None, None)}
    assert before_erasure["view_customer_emails"] == []
    assert checkpoints(views, ada) == []  # dropped, and no new one sealed for her
    with views.transaction() as tx:
        tx.execute(f"DELETE FROM {TABLE}")  # noqa: S608
    assert replay(hub, views, ada, at) == before_erasure  # as from the log's beginning
