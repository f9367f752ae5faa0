"""`crmhub audit history ID`: the same history as `history(id)`, and the read recorded."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.e2e.test_history_api import HISTORY
from tests.stories import events_since

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def case(hub):
    customer = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Ada"})
    case = hub.open_case(actor="eve", customer_id=customer, channel="email",
                         case_type="complaint", subject="Late delivery")
    hub.escalate_case(actor="eve", case_id=case, reason="Ada waited a week")
    hub.comment_case(actor="eve", case_id=case, text="Sent a voucher")
    return case


def crmhub(env, *arguments):
    return runner.invoke(app, ["audit", "history", *arguments], env=env)


def audit_reads(hub, since):
    return [e for e in events_since(hub, since) if type(e).__qualname__ == "AuditRead.Recorded"]


def test_the_cli_prints_what_graphql_answers_and_records_the_read(env, hub, gql, case):
    nodes = [edge["node"] for edge in gql.ok(HISTORY, {"id": str(case)})["history"]["edges"]]
    before = hub.position()

    result = crmhub(env, str(case), "--json")

    assert result.exit_code == 0, result.output
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert printed == nodes
    [record] = audit_reads(hub, before)
    assert record.actor.startswith("cli") and record.role == "cli"
    assert record.interface == "cli" and record.operation == "audit history"
    assert json.loads(record.fields[0]["arguments"])["id"] == str(case)
    assert case in record.subjects


def test_the_table_and_the_filters(env, hub, case):
    result = crmhub(env, str(case))
    assert result.exit_code == 0, result.output
    assert "Opened" in result.output and "Escalated" in result.output
    assert "3 event(s)" in result.output

    result = crmhub(env, str(case), "--type", "Commented", "--type", "Escalated", "--json")
    assert [json.loads(line)["eventType"] for line in result.stdout.splitlines()] == [
        "Escalated", "Commented"]


@pytest.mark.parametrize("arguments", [
    [str(uuid.uuid4())],
    ["not-an-id"],
    ["--type", "Registered"],
    ["--from", "2026-11-02T00:00:00Z", "--to", "2026-11-01T00:00:00Z"],
    ["--from", "yesterday"],
], ids=["unknown id", "malformed id", "unknown type", "to before from", "bad time"])
def test_bad_input_exits_2_and_records_nothing(env, hub, case, arguments):
    if arguments[0].startswith("--"):
        arguments = [str(case), *arguments]
    before = hub.position()
    result = crmhub(env, *arguments)
    assert result.exit_code == 2, result.output
    assert hub.position() == before


def test_when_the_read_cannot_be_recorded_nothing_is_printed(env, hub, case, monkeypatch):
    def broken(*_, **__):
        raise RuntimeError("the store is down")

    monkeypatch.setattr("api.history_cli.record_audit_read", broken)
    result = crmhub(env, str(case), "--json")
    assert result.exit_code == 1
    assert result.stdout == "" and "Late delivery" not in result.output
