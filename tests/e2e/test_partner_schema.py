"""The partner schema is committed (`partner-schema.graphql`), so a change to what partners
can reach shows in review, and the README's partner examples are valid against it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app

ROOT = Path(__file__).parents[2]


def test_the_committed_partner_schema_is_the_current_one():
    result = CliRunner().invoke(app, ["schema", "--partner"])
    assert result.exit_code == 0, result.output
    committed = ROOT / "partner-schema.graphql"
    assert result.stdout == committed.read_text(), (
        "run: crmhub schema --partner --output partner-schema.graphql")
