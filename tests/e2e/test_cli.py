"""The `crmhub` command line: tokens and the demo data set."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from api.store import connect_hub
from api.tokens import TokenService
from domain.customers import Customer
from tests.stories import TEST_MASTER_KEY

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data")}


def test_the_committed_schema_is_the_current_one():
    """A schema change shows in review: regenerate with `crmhub schema --output schema.graphql`."""
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    committed = Path(__file__).parents[2] / "schema.graphql"
    assert result.stdout == committed.read_text(), "run: crmhub schema --output schema.graphql"


def test_token_issue_prints_a_token_the_api_accepts(env, tmp_path):
    result = runner.invoke(app, ["token", "issue", "--role", "sales", "--subject", "sam",
                                 "--ttl", "15m"], env=env)
    assert result.exit_code == 0, result.output
    settings = Settings(data_dir=tmp_path / "data")
    principal = TokenService(settings).verify(result.stdout.strip())
    assert (principal.id, principal.role) == ("sam", "sales")


@pytest.mark.parametrize(("arguments", "complaint"), [
    (["--role", "wizard"], "unknown role"),
    (["--role", "admin", "--ttl", "0"], "positive duration"),
    (["--role", "admin", "--ttl", "soon"], "positive duration"),
    (["--role", "admin", "--ttl", "365d"], "at most 90d"),
])
def test_token_issue_refuses_bad_options(env, arguments, complaint):
    result = runner.invoke(app, ["token", "issue", *arguments], env=env)
    assert result.exit_code == 2
    assert complaint in result.output


def test_a_production_setting_left_unset_is_a_clear_error(env):
    result = runner.invoke(app, ["token", "issue", "--role", "admin"],
                           env={**env, "CRMHUB_ENVIRONMENT": "production"})
    assert result.exit_code == 2
    assert "CRMHUB_SIGNING_KEY is required" in result.output


def test_an_unsupported_database_url_is_a_clear_error(env):
    result = runner.invoke(app, ["demo", "--customers", "1"],
                           env={**env, "CRMHUB_DATABASE_URL": "mysql://localhost/crm"})
    assert result.exit_code == 2
    assert "unsupported scheme" in result.output


def test_the_demo_loads_every_kind_of_record_deterministically(env, database_url, tmp_path):
    result = runner.invoke(app, ["demo", "--customers", "30", "--seed", "3"], env=env)
    assert result.exit_code == 0, result.output
    assert "demo loaded" in result.output

    hub = connect_hub(database_url, master_key=TEST_MASTER_KEY)
    try:
        topics = set()
        names = []
        position = 0
        while notifications := hub.notification_log.select(start=position + 1, limit=1000):
            for notification in notifications:
                topics.add(notification.topic.split(":")[1].split(".")[0])
                event = hub.mapper.to_domain_event(notification)
                if isinstance(event, Customer.Registered):
                    names.append(event.family_name or event.company_name)
            position = notifications[-1].id
    finally:
        hub.close()
    assert topics == {"Customer", "Interaction", "Lead", "Opportunity", "Quote", "Case",
                      "Campaign", "CampaignMessage", "Purchase", "Consent", "Partner",
                      "LeadDistribution", "DealRegistration"}
    assert len(names) >= 30

    again = tmp_path / "again.db"
    result = runner.invoke(app, ["demo", "--customers", "30", "--seed", "3"],
                           env={**env, "CRMHUB_DATABASE_URL": f"sqlite:///{again}"})
    assert result.exit_code == 0, result.output
    replay = connect_hub(f"sqlite:///{again}", master_key=TEST_MASTER_KEY)
    try:
        first_page = replay.notification_log.select(start=1, limit=1000)
        again_names = [e.family_name or e.company_name for e in map(replay.mapper.to_domain_event, first_page)
                       if isinstance(e, Customer.Registered)]
    finally:
        replay.close()
    assert again_names[:10] == names[:10]
