"""The ledger chain: every stored event hashed and linked, checked against signed heads.

Each story builds a history through the hub, lets the chain follow it, then plays an
intruder with raw SQL on the events table (or on the chain table) and asks the verifier
what it finds, and where.
"""

from __future__ import annotations

import base64
import io
import json

import pytest
from joserfc import jws

from domain.base import acting
from domain.customers import Customer
from domain.errors import ConcurrencyError
from projections import checkpoints
from projections.chain import GENESIS, ChainRebuildError, event_hash, head, link
from projections.checkpoints import CheckpointPolicy
from projections.ledger_export import verify_export, write_export
from projections.ledger_verify import (
    CHAIN_ALTERED,
    CHECKPOINT_INVALID,
    CHECKPOINT_MISMATCH,
    REORDERED,
    ROW_INSERTED,
    ROW_MISSING,
    STATE_CHANGED,
    verify_database,
)
from tests.ledger_stories import Intruder, chain_runner, public_keys, signing_key, some_history

KEY = signing_key()


@pytest.fixture
def chained(hub, views):
    """A history of 15 events, chained, with its head signed."""
    some_history(hub)
    runner = chain_runner(hub, views, KEY)
    runner.checkpoint()
    return runner


def verify(hub, views, **kwargs):
    return verify_database(hub, views, public_keys=public_keys(KEY), **kwargs)


def found(report):
    return [(problem.position, problem.kind) for problem in report.problems]


def test_the_encoding_is_unambiguous_and_the_chain_starts_from_zeros():
    one = event_hash(1, "a", 1, "t", b"xy")
    assert one != event_hash(1, "a", 1, "tx", b"y")  # moving a byte between fields
    assert one != event_hash(2, "a", 1, "t", b"xy")  # the position is covered
    assert link(GENESIS, one) != link(GENESIS, event_hash(1, "a", 2, "t", b"xy"))
    assert len(one) == 32 and GENESIS == bytes(32)


def test_an_untouched_log_verifies_up_to_its_head(hub, views, chained):
    position, chain_hash = head(views)
    report = verify(hub, views)
    assert report.intact, report.problems
    assert (report.head_position, report.head_hash) == (hub.position(), chain_hash.hex())
    assert position == report.events == 15 and report.checkpoints == 1


def test_the_chain_covers_the_stored_ciphertext_not_the_decrypted_data(hub, views, chained):
    intruder = Intruder(hub, views)
    states = views.query(f"SELECT state FROM {intruder.events}")  # noqa: S608
    assert not any(b"Lovelace" in bytes(row["state"]) for row in states)  # encrypted fields
    (chained_row,) = views.query("SELECT * FROM ledger_chain WHERE position = ?", (1,))
    first = hub.recorder.select_notifications(start=1, limit=1)[0]
    assert chained_row["event_hash"] == event_hash(
        1, first.originator_id, first.originator_version, first.topic, first.state).hex()


def test_new_events_extend_the_chain_and_checkpoints_come_every_n_events(hub, views):
    some_history(hub, customers=1)
    runner = chain_runner(hub, views, KEY, every_events=5)
    runner.catch_up()
    some_history(hub, customers=2)
    runner.catch_up()
    signed = checkpoints.stored(views)
    assert [checkpoint.position for checkpoint in signed] == [5, 15]  # one per page at most
    assert verify(hub, views).intact


def test_a_changed_byte_is_found_at_its_position(hub, views, chained):
    Intruder(hub, views).flip_a_byte(7)
    report = verify(hub, views)
    assert (7, STATE_CHANGED) in found(report)
    assert (15, CHECKPOINT_MISMATCH) in found(report)  # the signed head no longer matches


def test_a_deleted_row_is_reported_missing_at_its_position(hub, views, chained):
    Intruder(hub, views).delete(4)
    assert found(verify(hub, views))[0] == (4, ROW_MISSING)


def test_swapped_positions_are_reported_at_both(hub, views, chained):
    Intruder(hub, views).swap(3, 9)
    problems = found(verify(hub, views))
    assert (3, REORDERED) in problems and (9, REORDERED) in problems


def test_a_row_forged_into_the_chained_range_is_reported_inserted(hub, views, chained):
    Intruder(hub, views).forge(0, like=2)  # backdated: before the first event
    assert found(verify(hub, views))[0] == (0, ROW_INSERTED)


def test_a_log_rewritten_with_its_chain_table_is_caught_by_the_signed_head(hub, views, chained):
    intruder = Intruder(hub, views)
    intruder.flip_a_byte(6)
    intruder.rewrite_chain_from(6)  # the chain table agrees with the tampered log again
    assert found(verify(hub, views)) == [(15, CHECKPOINT_MISMATCH)]


def test_an_altered_chain_row_is_reported(hub, views, chained):
    Intruder(hub, views).execute("UPDATE ledger_chain SET chain_hash = ? WHERE position = ?",
                                 "00" * 32, 8)
    assert (8, CHAIN_ALTERED) in found(verify(hub, views))


def test_a_checkpoint_with_a_forged_signature_is_reported(hub, views, chained):
    (checkpoint,) = checkpoints.stored(views)
    header, payload, _ = checkpoint.jws.split(".")
    forged = checkpoints.sign(position=15, head_hash="00" * 32, at=checkpoint.signed_at,
                              keys=lambda: (str(KEY.kid), signing_key()))
    Intruder(hub, views).execute("UPDATE ledger_checkpoints SET jws = ?, head_hash = ?",
                                 forged.jws, "00" * 32)
    assert found(verify(hub, views)) == [(15, CHECKPOINT_INVALID)]


def test_a_range_is_verified_from_the_chain_hash_before_it(hub, views, chained):
    Intruder(hub, views).flip_a_byte(2)
    report = verify(hub, views, first=5, last=10)
    assert report.intact and (report.checked_from, report.checked_to) == (5, 10)
    assert report.events == 6


def test_events_after_the_chain_head_are_not_chained_yet_not_forged(hub, views, chained):
    some_history(hub, customers=1)
    report = verify(hub, views)
    assert report.intact and report.unchained == 5


def test_the_chain_is_never_rebuilt(hub, views, chained):
    with pytest.raises(ChainRebuildError):
        chained.reset()


def test_an_export_verifies_offline_and_a_tampered_line_is_located(hub, views, chained):
    out = io.StringIO()
    write_export(hub, views, out, jwks=lambda kids: [
        {**KEY.as_dict(private=False), "kid": str(KEY.kid)}])
    lines = out.getvalue().splitlines()
    report, kids = verify_export(lines)
    assert report.intact and report.events == 15 and kids == [str(KEY.kid)]

    tampered = [retold(line) if '"position":7,' in line else line for line in lines]
    report, _ = verify_export(tampered)
    assert found(report)[0] == (7, STATE_CHANGED)


def retold(line):
    """The export line with one byte of its state changed."""
    document = json.loads(line)
    state = bytearray(base64.b64decode(document["state"]))
    state[5] ^= 0x01
    return json.dumps({**document, "state": base64.b64encode(state).decode()})


def test_the_periodic_policy_signs_after_enough_time(hub, views):
    clock = [1_000_000.0]
    some_history(hub, customers=1)
    runner = chain_runner(hub, views, KEY)
    runner.chain.policy = CheckpointPolicy(keys=lambda: (str(KEY.kid), KEY), every_events=1000,
                                           every_seconds=60, clock=lambda: clock[0])
    runner.catch_up()  # too soon, too few
    clock[0] += 61
    some_history(hub, customers=1)
    runner.catch_up()
    some_history(hub, customers=1)
    runner.catch_up()  # too soon after that one
    assert [c.position for c in checkpoints.stored(views)] == [10]


def test_gaps_in_the_ids_are_not_problems(hub, views):
    """A rolled-back insert leaves ids unused on PostgreSQL: the chain links the rows that
    are stored, and records where each one is."""
    (customer, *_) = some_history(hub, customers=1)
    stale, fresh = hub.load(Customer, customer), hub.load(Customer, customer)
    with acting("tests:ledger"):
        fresh.change_tags(add=["first"], remove=[])
        stale.change_tags(add=["second"], remove=[])
    hub.commit(fresh)
    with pytest.raises(ConcurrencyError):
        hub.commit(stale)  # on PostgreSQL its insert drew an id before it failed
    some_history(hub, customers=1)
    runner = chain_runner(hub, views, KEY)
    runner.checkpoint()

    positions = [row["position"] for row in views.query("SELECT position FROM ledger_chain"
                                                         " ORDER BY position")]
    if views.dialect == "postgres":
        assert positions[-1] > len(positions)  # there is a gap
    report = verify(hub, views)
    assert report.intact and report.events == len(positions) == 11


def test_a_token_signed_by_the_hubs_key_does_not_pass_for_a_checkpoint(hub, views, chained):
    (checkpoint,) = checkpoints.stored(views)
    token = jws.serialize_compact({"alg": "ES256", "kid": str(KEY.kid), "typ": "at+jwt"},
                                  json.dumps({"position": 15, "head": checkpoint.head_hash,
                                              "time": checkpoint.signed_at.isoformat()}),
                                  KEY, algorithms=["ES256"])
    Intruder(hub, views).execute("UPDATE ledger_checkpoints SET jws = ?", token)
    assert found(verify(hub, views)) == [(15, CHECKPOINT_INVALID)]
