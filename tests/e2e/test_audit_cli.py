"""`crmhub audit` and `crmhub export`: an auditor proves the log intact, or finds where not.

Each story writes a history through the hub, lets `crmhub audit checkpoint` chain and sign
it, then plays an intruder with raw SQL, and reads what `crmhub audit verify` says.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.ledger_stories import Intruder, some_history

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data")}


def crmhub(env, *arguments):
    return runner.invoke(app, list(arguments), env=env)


@pytest.fixture
def signed_history(hub, env):
    """15 events, chained and signed by the hub's key; returns the customers' ids."""
    customers = some_history(hub)
    result = crmhub(env, "audit", "checkpoint")
    assert result.exit_code == 0, result.output
    assert "checkpoint signed: position 15" in result.output
    return customers


def verified(env, *arguments):
    result = crmhub(env, "audit", "verify", "--json", *arguments)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_an_untouched_log_is_intact_up_to_its_head(env, signed_history):
    result = crmhub(env, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact up to position 15, head hash" in result.output
    assert "1 signed checkpoint(s)" in result.output


@pytest.mark.parametrize(("tamper", "position", "kind"), [
    (lambda intruder: intruder.flip_a_byte(7), 7, "state_changed"),
    (lambda intruder: intruder.delete(4), 4, "row_missing"),
    (lambda intruder: intruder.swap(3, 9), 3, "reordered"),
    (lambda intruder: intruder.forge(0, like=2), 0, "row_inserted"),
], ids=["changed byte", "deleted row", "swapped positions", "forged row"])
def test_tampering_with_a_stored_row_is_found_where_it_happened(
        env, hub, views, signed_history, tamper, position, kind):
    tamper(Intruder(hub, views))

    result = crmhub(env, "audit", "verify")

    assert result.exit_code == 1, result.output
    assert "NOT intact" in result.output
    line = next(line for line in result.output.splitlines() if f"│ {position} " in line)
    assert kind in line


def test_swapped_rows_are_reported_at_both_positions(env, hub, views, signed_history):
    Intruder(hub, views).swap(3, 9)
    code, report = verified(env)
    assert code == 1
    assert {(p["position"], p["kind"]) for p in report["problems"]} >= {(3, "reordered"),
                                                                       (9, "reordered")}


def test_a_chain_table_rewritten_to_match_is_caught_by_the_signed_checkpoint(
        env, hub, views, signed_history):
    intruder = Intruder(hub, views)
    intruder.flip_a_byte(6)
    intruder.rewrite_chain_from(6)

    code, report = verified(env)

    assert code == 1
    assert [(p["position"], p["kind"]) for p in report["problems"]] == [(15, "checkpoint_mismatch")]


def test_a_checkpoint_with_a_forged_signature_is_reported(env, hub, views, signed_history):
    (row,) = views.query("SELECT jws FROM ledger_checkpoints")
    header, payload, signature = row["jws"].split(".")
    forged = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    Intruder(hub, views).execute("UPDATE ledger_checkpoints SET jws = ?",
                                 f"{header}.{payload}.{forged}")

    code, report = verified(env)

    assert code == 1
    assert [(p["position"], p["kind"]) for p in report["problems"]] == [(15, "checkpoint_invalid")]


def test_an_erased_customers_log_still_verifies(env, signed_history):
    result = crmhub(env, "privacy", "erase", "--customer", str(signed_history[0]), "--yes")
    assert result.exit_code == 0, result.output

    assert verified(env)[0] == 0  # the old checkpoint still holds: the ciphertext is unchanged
    assert crmhub(env, "audit", "checkpoint").exit_code == 0
    code, report = verified(env)
    assert code == 0 and report["headPosition"] == 16 and report["checkpoints"] == 2


def test_a_range_is_verified_on_its_own(env, hub, views, signed_history):
    Intruder(hub, views).flip_a_byte(2)
    assert verified(env, "--from", "5", "--to", "12")[0] == 0
    code, report = verified(env, "--from", "1", "--to", "4")
    assert code == 1 and report["problems"][0]["position"] == 2


def test_the_checkpoints_are_listed(env, signed_history):
    result = crmhub(env, "audit", "checkpoints", "--json")
    assert result.exit_code == 0, result.output
    (checkpoint,) = json.loads(result.stdout)
    assert checkpoint["position"] == 15 and checkpoint["jws"].count(".") == 2


def test_an_export_verifies_offline_and_a_tampered_line_is_located(env, signed_history, tmp_path):
    exported = tmp_path / "ledger.jsonl"
    result = crmhub(env, "export", "--format", "jsonl", "--output", str(exported))
    assert result.exit_code == 0, result.output
    offline = {**env, "CRMHUB_DATABASE_URL": "mysql://no-database-here/crm"}

    result = crmhub(offline, "audit", "verify", "--export", str(exported))
    assert result.exit_code == 0, result.output
    assert "intact up to position 15" in result.output

    lines = exported.read_text().splitlines()
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(_flip(line) if '"position":8,' in line else line
                                  for line in lines) + "\n")
    result = crmhub(offline, "audit", "verify", "--export", str(tampered), "--json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["problems"][0]["position"] == 8


def test_an_export_signed_by_another_key_fails_against_the_hubs_published_keys(
        env, signed_history, tmp_path):
    exported = tmp_path / "ledger.jsonl"
    assert crmhub(env, "export", "--output", str(exported)).exit_code == 0
    stranger = tmp_path / "stranger.json"
    stranger.write_text(json.dumps({"keys": []}))

    result = crmhub(env, "audit", "verify", "--export", str(exported), "--jwks", str(stranger),
                    "--json")

    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"][0]["kind"] == "checkpoint_invalid"


def test_project_runs_the_chain_as_a_worker(env, hub):
    some_history(hub, customers=1)
    result = crmhub(env, "project", "--once", "--view", "ledger_chain")
    assert result.exit_code == 0, result.output
    code, report = verified(env)
    assert code == 0 and report["headPosition"] == 5


@pytest.mark.parametrize(("arguments", "complaint"), [
    (["audit", "verify", "--from", "9", "--to", "3"], "before --from"),
    (["audit", "verify", "--jwks", "keys.json"], "--jwks goes with --export"),
    (["export", "--format", "csv"], "the only format is jsonl"),
])
def test_bad_options_are_refused(env, arguments, complaint):
    result = crmhub(env, *arguments)
    assert result.exit_code == 2
    assert complaint in result.output


def _flip(line: str) -> str:
    document = json.loads(line)
    state = bytearray(base64.b64decode(document["state"]))
    state[-1] ^= 0x01
    return json.dumps({**document, "state": base64.b64encode(state).decode()})
