"""`verifyLedger` over HTTP: an auditor checks the log the app keeps chaining."""

from __future__ import annotations

import pytest

from tests.ledger_stories import Intruder, some_history

VERIFY = """
query Verify($from: Int, $to: Int) {
  verifyLedger(from: $from, to: $to) {
    intact checkedFrom checkedTo headPosition headHash events unchained checkpoints
    problems { position kind detail }
  }
}"""


@pytest.fixture
def chained(client, hub):
    """15 events, chained by the app's own chain runner and signed on demand."""
    some_history(hub)
    assert client.app.state.ledger.checkpoint() is not None
    return client.app.state.ledger


def verify(gql, role="auditor", **variables):
    return gql.ok(VERIFY, variables, role=role)["verifyLedger"]


def test_an_auditor_finds_an_untouched_log_intact(gql, chained):
    report = verify(gql)
    assert report["intact"] and report["problems"] == []
    assert (report["checkedFrom"], report["checkedTo"], report["headPosition"]) == (1, 15, 15)
    assert report["events"] == 15 and report["checkpoints"] >= 1
    assert len(report["headHash"]) == 64


def test_admins_may_verify_and_other_roles_may_not(gql, chained):
    assert verify(gql, role="admin")["intact"]
    for role in ("sales", "service", "marketing", "analytics"):
        assert gql.error(VERIFY, role=role)["extensions"]["code"] == "FORBIDDEN"
    assert gql.error(VERIFY, role=None)["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(("tamper", "expected"), [
    (lambda intruder: intruder.flip_a_byte(7), {(7, "STATE_CHANGED")}),
    (lambda intruder: intruder.delete(4), {(4, "ROW_MISSING")}),
    (lambda intruder: intruder.swap(3, 9), {(3, "REORDERED"), (9, "REORDERED")}),
    (lambda intruder: intruder.forge(0, like=2), {(0, "ROW_INSERTED")}),
], ids=["changed byte", "deleted row", "swapped positions", "forged row"])
def test_each_tampering_is_located(gql, hub, views, chained, tamper, expected):
    tamper(Intruder(hub, views))

    report = verify(gql)

    assert not report["intact"]
    assert {(p["position"], p["kind"]) for p in report["problems"]} >= expected


def test_a_rewritten_chain_table_is_caught_by_the_signed_head(gql, hub, views, chained):
    intruder = Intruder(hub, views)
    intruder.flip_a_byte(6)
    intruder.rewrite_chain_from(6)

    problems = verify(gql)["problems"]

    assert {(p["position"], p["kind"]) for p in problems} == {(15, "CHECKPOINT_MISMATCH")}


def test_a_range_away_from_the_tampering_is_intact(gql, hub, views, chained):
    Intruder(hub, views).flip_a_byte(2)
    report = verify(gql, **{"from": 5, "to": 12})
    assert report["intact"] and (report["checkedFrom"], report["checkedTo"]) == (5, 12)
    assert verify(gql, **{"from": 1, "to": 3})["problems"][0]["position"] == 2


def test_a_range_that_ends_before_it_starts_is_refused(gql, chained):
    error = gql.error(VERIFY, {"from": 9, "to": 3}, role="auditor")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_readiness_reports_how_far_the_chain_has_come(client, chained):
    ready = client.get("/readyz").json()
    assert ready["ledgerChain"] == {"position": 15, "lag": ready["logPosition"] - 15}


def test_the_app_chains_what_is_written_while_it_serves(client, hub, gql):
    some_history(hub, customers=1)
    assert client.app.state.ledger.wait_for(hub.position(), timeout=30)
    report = verify(gql)
    assert report["intact"] and report["headPosition"] == 5 and report["unchained"] == 0
