"""Replay checkpoints kept in the background (`projections.checkpoint_keeper`), on the
store under test: a sweep keeps one for each customer with `EVERY` or more events after
their newest, at their newest event, and a replay as of now then starts there and gives
what a replay from the beginning gives; nothing else is replayed, nothing erased is kept,
and no customer is replayed on every sweep for nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.interactions import InteractionDraft
from projections import as_of, replay_checkpoints
from projections.checkpoint_keeper import CheckpointKeeper
from projections.customers import CustomerView
from projections.database import ViewDatabase
from tests.unit.test_replay_checkpoints import checkpoints, replay, story_with_instants

TABLE = replay_checkpoints.TABLE


@pytest.fixture(autouse=True)
def few_events_make_a_checkpoint_due(monkeypatch):
    monkeypatch.setattr(replay_checkpoints, "EVERY", 3)


def newest_position(views: ViewDatabase, customer: Any) -> int:
    return views.query("SELECT MAX(position) AS p FROM log_index WHERE customer_id = ?",
                       (str(customer),))[0]["p"]


def replays(monkeypatch) -> list[Any]:
    """The customers `keep_checkpoint` replays from now on."""
    seen: list[Any] = []
    keep = as_of.keep_checkpoint
    monkeypatch.setattr(as_of, "keep_checkpoint", lambda hub, views, customer: (
        seen.append(customer), keep(hub, views, customer))[1])
    return seen


def test_a_sweep_keeps_one_at_the_newest_event_of_each_customer_due_one(hub, views, monkeypatch):
    ada, seen = story_with_instants(hub, views)  # Grace has 1 event, below EVERY
    grace = next(row["id"] for row in views.query("SELECT id FROM view_customers")
                 if row["id"] != str(ada))
    keeper = CheckpointKeeper(hub, views)

    assert keeper.sweep() == 1
    (kept,) = checkpoints(views, ada)
    assert kept["position"] == newest_position(views, ada)
    assert checkpoints(views, grace) == []

    read: list[int] = []
    stored_events = as_of.stored_events
    monkeypatch.setattr(as_of, "stored_events", lambda hub, positions, **kwargs: (
        read.extend(positions), stored_events(hub, positions, **kwargs))[1])
    assert replay(hub, views, ada, datetime.now(UTC)) == seen[-1][1]
    assert read == []  # all of it came from the checkpoint
    assert keeper.sweep() == 0  # nobody is due one any more


def test_a_customer_is_due_again_after_every_more_events(hub, views):
    ada, _ = story_with_instants(hub, views)
    keeper = CheckpointKeeper(hub, views)
    keeper.sweep()
    for subject in ("Later", "Later still"):
        hub.record_interaction(actor="agent", draft=draft(ada, subject))
    as_of.ensure_indexed(hub, views)
    assert keeper.sweep() == 0  # 2 newer events: fewer than EVERY

    hub.record_interaction(actor="agent", draft=draft(ada, "And again"))
    assert keeper.sweep() == 1
    assert [row["position"] for row in checkpoints(views, ada)][-1] == newest_position(views, ada)
    now = datetime.now(UTC)
    from_the_checkpoint = replay(hub, views, ada, now)
    with views.transaction() as tx:
        tx.execute(f"DELETE FROM {TABLE}")  # noqa: S608
    assert from_the_checkpoint == replay(hub, views, ada, now)  # as from the beginning


def test_a_sweep_keeps_at_most_its_batch_and_the_next_goes_on(hub, views):
    customers = [hub.register_customer(actor="sam", kind="organisation",
                                       profile={"company_name": f"Co {i}"}) for i in range(3)]
    for customer in customers:
        for subject in ("One", "Two", "Three"):
            hub.record_interaction(actor="agent", draft=draft(customer, subject))
    keeper = CheckpointKeeper(hub, views, batch=2)

    assert (keeper.sweep(), keeper.sweep(), keeper.sweep()) == (2, 1, 0)
    assert all(checkpoints(views, customer) for customer in customers)


def test_nothing_is_kept_for_an_erased_customer_nor_replayed_again_for_nothing(
        hub, views, monkeypatch):
    ada, seen = story_with_instants(hub, views)
    replay(hub, views, ada, seen[3][0])  # keeps one, early in her story, under her key
    assert checkpoints(views, ada)
    hub.erase_customer(actor="dpo", customer_id=ada)
    keeper = CheckpointKeeper(hub, views)
    replayed = replays(monkeypatch)

    assert keeper.sweep() == 0
    assert checkpoints(views, ada) == []  # the one sealed with her key is dropped too
    assert replayed == [ada]
    assert keeper.sweep() == 0
    assert replayed == [ada]  # nothing new of hers: not replayed again


def test_a_sweep_drops_the_checkpoints_of_an_older_layout_and_keeps_new_ones(
        hub, views, monkeypatch):
    ada, _ = story_with_instants(hub, views)
    CheckpointKeeper(hub, views).sweep()
    (old,) = checkpoints(views, ada)
    monkeypatch.setattr(CustomerView, "version", CustomerView.version + 1)

    assert CheckpointKeeper(hub, views).sweep() == 1
    (new,) = checkpoints(views, ada)
    assert (new["layout"], new["position"]) == (old["layout"] + 1, old["position"])


def test_older_checkpoints_thin_out_to_one_per_doubling_of_events(hub, views, monkeypatch):
    monkeypatch.setattr(replay_checkpoints, "EVERY", 2)
    ada = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Ada"})
    for events in range(2, 42, 2):  # a checkpoint every EVERY events, up to 40
        assert replay_checkpoints.keep(hub, views, ada, b"image", position=events * 10,
                                       events=events, recorded_through="2026-12-03T00:00:00",
                                       subjects=[ada])

    kept = [row["events"] for row in checkpoints(views, ada)]
    # The 3 newest, then the newest with 1, 2-3, 4-7, 8-15 and 16-31 times EVERY events.
    assert kept == [2, 6, 14, 30, 34, 36, 38, 40]


def draft(customer: Any, subject: str) -> InteractionDraft:
    return InteractionDraft(customer_id=customer, channel="phone", direction="inbound",
                            department="service", subject=subject)
