"""`crmhub audit replay`: an auditor prints the 360, the pipeline or the queue as they were
at an instant, the same as `customerAsOf`, `salesPipelineAsOf` and `serviceQueueAsOf`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from projections import replay_checkpoints
from tests.e2e.test_as_of_api import (
    C360_AS_OF,
    PIPELINE_AS_OF,
    QUEUE_AS_OF,
    an_instant,
    keep_writing,
)
from tests.e2e.test_as_of_api import history as history  # noqa: F401 - the fixture
from tests.e2e.test_history_cli import audit_reads
from tests.stories import records_nothing

runner = CliRunner()


@pytest.fixture
def env(database_url: str, settings) -> dict[str, str]:
    # The app's data dir: the CLI opens the same store with the same keys.
    return {"CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(settings.data_dir)}


def replayed(env, *arguments) -> dict:
    result = runner.invoke(app, ["audit", "replay", *arguments, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_cli_prints_what_graphql_answers_as_of_then(gql, env, history):
    at = an_instant()
    keep_writing(gql, history)
    read = gql.ok(C360_AS_OF, {"id": history["ada"], "at": at}, role="auditor")["customerAsOf"]

    printed = replayed(env, "--customer", history["ada"], "--at", at)
    summary = read["summary"]
    assert {key: printed["summary"][key] for key in ("id", "displayName", "emails", "version",
                                                     "openCases", "openOpportunities", "erased")} \
        == {key: summary[key] for key in ("id", "displayName", "emails", "version", "openCases",
                                          "openOpportunities", "erased")}
    assert (printed["profile"]["givenName"], printed["profile"]["emails"]) == ("Ada", ["ada@example.org"])
    assert [(e["interactionId"], e["subject"], e["channel"]) for e in printed["timeline"]] == [
        (e["node"]["interactionId"], e["node"]["subject"], e["node"]["channel"].lower())
        for e in read["timeline"]["edges"]]

    pipeline = gql.ok(PIPELINE_AS_OF, {"at": at}, role="auditor")["salesPipelineAsOf"]
    assert [(s["stage"].lower(), s["count"], s["amount"]["amount"])
            for s in replayed(env, "--pipeline", "--at", at)["pipeline"]] == [
        (s["stage"].lower(), s["count"], s["amount"]["amount"]) for s in pipeline]

    queue = gql.ok(QUEUE_AS_OF, {"at": at, "first": 50}, role="auditor")["serviceQueueAsOf"]
    assert [(c["caseId"], c["assignee"], c["customerName"])
            for c in replayed(env, "--queue", "--at", at)["queue"]] == [
        (e["node"]["id"], e["node"]["assignee"], e["node"]["customer"]["displayName"])
        for e in queue["edges"]]


def test_the_table_shows_the_customer_as_they_were(gql, env, history):
    at = an_instant()
    keep_writing(gql, history)
    result = runner.invoke(app, ["audit", "replay", "--customer", history["ada"], "--at", at],
                           env=env)
    assert result.exit_code == 0, result.output
    assert "Ada Lovelace" in result.output and "Augusta" not in result.output
    assert "Router keeps rebooting" in result.output
    result = runner.invoke(app, ["audit", "replay", "--queue", "--at", at], env=env)
    assert result.exit_code == 0, result.output
    assert "agent-7" in result.output and "replaying" in result.output


@pytest.mark.parametrize("arguments", [
    ["--at", "2026-01-01T00:00:00Z"],                          # nothing to replay named
    ["--pipeline", "--queue", "--at", "2026-01-01T00:00:00Z"],  # two
    ["--pipeline", "--at", "yesterday"],
    ["--pipeline", "--at", "2026-01-01T00:00:00"],             # no time zone
    ["--pipeline", "--at", (datetime.now(UTC) + timedelta(hours=1)).isoformat()],
    ["--queue", "--owner", "sam", "--at", "2026-01-01T00:00:00Z"],
    ["--customer", "00000000-0000-4000-8000-000000000000", "--at", "2026-01-01T00:00:00Z"],
    ["--customer", "not-an-id", "--at", "2026-01-01T00:00:00Z"],
], ids=["none", "two", "malformed", "naive", "future", "owner-without-pipeline", "unknown",
        "bad-id"])
def test_bad_input_exits_2_with_the_reason(env, hub, arguments, tmp_path: Path):
    with records_nothing(hub):
        result = runner.invoke(app, ["audit", "replay", *arguments], env=env)
    assert result.exit_code == 2, result.output
    assert result.output.strip()


def test_each_replay_records_the_read(env, hub, history):
    at = an_instant()
    before = hub.position()
    replayed(env, "--customer", history["ada"], "--at", at)
    replayed(env, "--queue", "--at", at)
    customer, queue = audit_reads(hub, before)
    assert (customer.actor.startswith("cli:"), customer.role, customer.operation) == (
        True, "cli", "audit replay")
    assert json.loads(customer.fields[0]["arguments"])["customer"] == history["ada"]
    assert str(customer.subjects[0]) == history["ada"]
    assert json.loads(queue.fields[0]["arguments"])["queue"] is True
    assert history["ada"] in {str(subject) for subject in queue.subjects}


def checkpointed(views, customer: str) -> list[int]:
    return [row["position"] for row in views.query(
        f"SELECT position FROM {replay_checkpoints.TABLE} WHERE customer_id = ?"  # noqa: S608
        " ORDER BY position", (customer,))]


def newest_event(views, customer: str) -> int:
    return views.query("SELECT MAX(position) AS p FROM log_index WHERE customer_id = ?",
                       (customer,))[0]["p"]


def test_the_cli_keeps_the_replay_checkpoints_of_customers_due_one(env, gql, history, views,
                                                                   monkeypatch):
    monkeypatch.setattr(replay_checkpoints, "EVERY", 4)  # Ada and Bob have 4 events or more
    result = runner.invoke(app, ["audit", "replay-checkpoints"], env=env)
    assert result.exit_code == 0, result.output
    assert "kept a replay checkpoint for 2 of 2 customer(s) due one" in result.output
    for customer in (history["ada"], history["bob"]):
        assert checkpointed(views, customer) == [newest_event(views, customer)]

    at = an_instant()
    # A replay as of now starts from it, and shows what a replay from the beginning shows.
    from_checkpoint = gql.ok(C360_AS_OF, {"id": history["ada"], "at": at}, role="auditor")
    with views.transaction() as tx:
        tx.execute(f"DELETE FROM {replay_checkpoints.TABLE}")  # noqa: S608
    assert gql.ok(C360_AS_OF, {"id": history["ada"], "at": at}, role="auditor") == from_checkpoint

    with views.transaction() as tx:
        tx.execute(f"DELETE FROM {replay_checkpoints.TABLE}")  # noqa: S608
    result = runner.invoke(app, ["audit", "replay-checkpoints", "--batch", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert "for 1 of 1 customer(s)" in result.output  # the one most behind, then
    assert checkpointed(views, history["ada"]) == [newest_event(views, history["ada"])]
    assert checkpointed(views, history["bob"]) == []


def test_the_cli_refuses_a_batch_below_one_and_keeps_nothing(env, history, views, monkeypatch):
    monkeypatch.setattr(replay_checkpoints, "EVERY", 4)
    result = runner.invoke(app, ["audit", "replay-checkpoints", "--batch", "0"], env=env)
    assert result.exit_code == 2
    assert "--batch" in result.output
    assert checkpointed(views, history["ada"]) == []
