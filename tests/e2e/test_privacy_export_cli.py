"""`crmhub privacy export`: the subject-access document on the command line, the same as
the GraphQL query's, to standard output or to a file only its owner reads."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.e2e.test_subject_access_api import (
    a_customer_with_everything,
    a_launched_campaign,
    export,
    leaked,
)
from tests.stories import records_nothing

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def story(gql) -> dict[str, Any]:
    return a_customer_with_everything(gql, "Qwyndolyn", "+44 161 496 0734", a_launched_campaign(gql))


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "generatedAt"}


def test_export_prints_the_same_document_as_the_query(gql, env, story):
    result = runner.invoke(app, ["privacy", "export", "--customer", story["customer"]], env=env)

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert without_time(document) == without_time(export(gql, story["customer"]))
    assert document["profile"]["givenName"] == "Qwyndolyn"


def test_export_writes_a_file_only_its_owner_reads(env, story, tmp_path):
    target = tmp_path / "subject-access.json"
    result = runner.invoke(app, ["privacy", "export", "--customer", story["customer"],
                                 "--output", str(target)], env=env)

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    document = json.loads(target.read_text())
    assert [i["id"] for i in document["interactions"]] == [story["interaction"]]
    assert result.stdout == ""  # the document went to the file only


def test_export_of_an_erased_customer_shows_them_erased(env, story):
    erased = runner.invoke(app, ["privacy", "erase", "--customer", story["customer"], "--yes"],
                           env=env)
    assert erased.exit_code == 0, erased.output

    result = runner.invoke(app, ["privacy", "export", "--customer", story["customer"]], env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["profile"]["erased"] is True
    assert leaked(document, story["text"]) == []


def test_export_finds_records_the_views_never_saw(hub, env):
    """Nothing kept the views current (no server, no worker): the command catches them up
    before it asks them for the records."""
    customer = hub.register_customer(actor="clerk", kind="person", profile={"given_name": "Ada"})
    hub.open_case(actor="agent", customer_id=customer, channel="phone", case_type="question",
                  priority="low", subject="Where is my router?", description=None)

    result = runner.invoke(app, ["privacy", "export", "--customer", str(customer)], env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [case["subject"] for case in document["cases"]] == ["Where is my router?"]
    assert document["logPosition"] == hub.position()


@pytest.mark.parametrize(("customer", "complaint"), [
    ("banana", "is not a valid id"),
    (str(uuid4()), "not found"),
])
def test_a_bad_or_unknown_customer_is_a_clear_error(hub, env, customer, complaint):
    with records_nothing(hub):
        result = runner.invoke(app, ["privacy", "export", "--customer", customer], env=env)

    assert result.exit_code == 2
    assert "--customer" in result.output and complaint in result.output
