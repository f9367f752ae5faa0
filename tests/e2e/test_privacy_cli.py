"""`crmhub privacy consents`: a customer's grants and their history, for people and machines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.store import CrmHub

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    # Wide enough that Rich prints every id on one line.
    return {"CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data"),
            "COLUMNS": "250"}


@pytest.fixture
def story(hub: CrmHub) -> tuple[UUID, UUID, UUID]:
    """A customer who gave consent by email, and to resellers by phone, then withdrew that."""
    customer = hub.register_customer(actor="clerk", kind="person", profile={"given_name": "Ada"})
    emails = hub.grant_consent(
        actor="clerk", customer_id=customer, recipient="organisation",
        purpose="marketing.communications.email", categories=["user.contact.email"],
        channel="web", notice_version="v1", occurred_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC))
    resellers = hub.grant_consent(
        actor="clerk", customer_id=customer, recipient="partner_category",
        partner_category="reseller", purpose="third_party_sharing.partner.lead_referral",
        categories=["user.name"], channel="phone", notice_version="v1")
    hub.withdraw_consent(actor="agent-7", customer_id=customer, grant_id=resellers,
                         channel="phone", reason="changed their mind")
    return customer, emails, resellers


def test_consents_prints_the_grants_and_their_history(env, story) -> None:
    customer, emails, resellers = story
    result = runner.invoke(app, ["privacy", "consents", "--customer", str(customer)], env=env)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    (email_row,) = [line for line in lines if str(emails) in line and "live" in line]
    assert "marketing.communications.email" in email_row and "2026-01-05 09:30" in email_row
    assert any(str(resellers) in line and "withdrawn" in line and "partner_category reseller"
               in line for line in lines)
    assert any(str(resellers) in line and "agent-7" in line and "changed their mind" in line
               for line in lines)


def test_consents_as_json(env, story) -> None:
    customer, emails, resellers = story
    result = runner.invoke(app, ["privacy", "consents", "--customer", str(customer), "--json"],
                           env=env)

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["customer_id"] == str(customer)
    assert [(g["id"], g["status"]) for g in document["grants"]] == [
        (str(emails), "live"), (str(resellers), "withdrawn")]
    assert document["grants"][1]["recipient"] == {
        "kind": "partner_category", "partner_id": None, "category": "reseller"}
    assert [(c["kind"], c["grant_id"], c["actor"]) for c in document["history"]] == [
        ("granted", str(emails), "clerk"), ("granted", str(resellers), "clerk"),
        ("withdrawn", str(resellers), "agent-7")]
    assert document["history"][0]["occurred_at"] == "2026-01-05T09:30:00+00:00"


@pytest.mark.parametrize(("customer", "complaint"), [
    ("banana", "is not a valid id"),
    (str(uuid4()), "not found"),
])
def test_a_bad_or_unknown_customer_is_a_clear_error(env, customer, complaint) -> None:
    result = runner.invoke(app, ["privacy", "consents", "--customer", customer], env=env)

    assert result.exit_code == 2
    assert "--customer" in result.output and complaint in result.output
