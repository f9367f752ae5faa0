"""`crmhub token ...`: partner tokens, key rotation, revocation and the key list."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from api.store import CrmHub
from api.token_store import attach_tokens
from api.tokens import InvalidTokenError, TokenService
from partners.partner import Partner
from tests.stories import events_since, records_nothing

runner = CliRunner()
PURPOSE = "third_party_sharing.partner.lead_referral"


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data"),
            "COLUMNS": "250"}


@pytest.fixture
def tokens(hub: CrmHub, tmp_path: Path) -> TokenService:
    """Another process of the same deployment (same key file, same store)."""
    service = TokenService(Settings(data_dir=tmp_path / "data"))
    attach_tokens(service, hub)
    return service


@pytest.fixture
def partner(hub: CrmHub) -> UUID:
    return hub.register_partner(actor="admin", name="Nordic Resale AB", kind="reseller",
                                territories=["SE"], products=["Routers"], capacity=5)


def issue(env: dict[str, str], *arguments: str):  # noqa: ANN201 - typer's Result
    return runner.invoke(app, ["token", "issue", *arguments], env=env)


def kid_of(token: str) -> str:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]


def test_a_partner_token_is_issued_and_recorded(env, hub, tokens, partner) -> None:
    position = hub.position()
    result = issue(env, "--partner", str(partner), "--scope", "leads:read", "--scope",
                   "customers:read", "--purpose", PURPOSE, "--ttl", "3600", "--actor", "ops")

    assert result.exit_code == 0, result.output
    principal = tokens.verify_partner(result.stdout.strip())
    assert principal.partner_id == partner and principal.purpose == PURPOSE
    assert principal.scopes == {"leads:read", "customers:read"}
    (event,) = events_since(hub, position)
    assert isinstance(event, Partner.TokenIssued)  # type: ignore[attr-defined]
    assert (event.jti, event.actor) == (principal.token_id, "ops")
    assert principal.token_id in result.stderr


@pytest.mark.parametrize(("arguments", "complaint"), [
    (["--scope", "leads:read", "--scope", "everything", "--purpose", PURPOSE], "unknown scope"),
    (["--scope", "leads:read", "--purpose", "curiosity"], "not a purpose"),
    (["--purpose", PURPOSE], "needs --scope"),
    (["--scope", "leads:read"], "needs --scope"),
    (["--scope", "leads:read", "--purpose", PURPOSE, "--ttl", "0"], "positive duration"),
    (["--scope", "leads:read", "--purpose", PURPOSE, "--ttl", "91d"], "at most 90d"),
    (["--scope", "leads:read", "--purpose", PURPOSE, "--role", "admin"], "either --role"),
])
def test_a_bad_partner_token_request_is_refused(env, hub, partner, arguments,
                                                complaint) -> None:
    with records_nothing(hub):
        result = issue(env, "--partner", str(partner), *arguments)
    assert result.exit_code == 2, result.output
    assert complaint in result.output


def test_an_unknown_or_terminated_partner_gets_no_token(env, hub, partner) -> None:
    request = ("--scope", "leads:read", "--purpose", PURPOSE)
    with records_nothing(hub):
        unknown = issue(env, "--partner", str(uuid4()), *request)
        bad_id = issue(env, "--partner", "nordic", *request)
    assert unknown.exit_code == 2 and "not found" in unknown.output
    assert bad_id.exit_code == 2 and "not a valid id" in bad_id.output
    hub.terminate_partner(actor="admin", partner_id=partner, reason="Contract ended")
    with records_nothing(hub):
        ended = issue(env, "--partner", str(partner), *request)
    assert ended.exit_code == 2 and "terminated" in ended.output


def test_neither_role_nor_partner_is_refused(env) -> None:
    result = issue(env)
    assert result.exit_code == 2 and "either --role" in result.output


def test_a_rotation_is_seen_by_every_process(env, tokens) -> None:
    before = issue(env, "--role", "admin").stdout.strip()
    old_kid = kid_of(before)

    rotated = runner.invoke(app, ["token", "rotate-key"], env=env)

    assert rotated.exit_code == 0, rotated.output
    new_kid = rotated.stdout.strip()
    after = issue(env, "--role", "admin").stdout.strip()
    assert kid_of(after) == new_kid != old_kid
    assert tokens.verify(after).role == "admin"  # this process learns the new key
    assert tokens.verify(before).role == "admin"  # the old one: within its grace period
    assert tokens.signing_key().kid == new_kid
    listing = runner.invoke(app, ["token", "keys"], env=env)
    assert listing.exit_code == 0, listing.output
    (old_row,) = [line for line in listing.stdout.splitlines() if old_kid in line]
    (new_row,) = [line for line in listing.stdout.splitlines() if new_kid in line]
    assert "retired, verifies until" in old_row and "signing" in new_row


def test_a_revoked_token_is_refused_at_once(env, hub, tokens, partner) -> None:
    issued = tokens.issue_partner(partner_id=partner, scopes=["leads:read"], purpose=PURPOSE)
    staff = issue(env, "--role", "sales").stdout.strip()
    position = hub.position()
    hub.issue_partner_token(actor="admin", partner_id=partner, jti=issued.jti,
                            scopes=["leads:read"], purpose=PURPOSE, expires_at=issued.expires_at)

    result = runner.invoke(app, ["token", "revoke", issued.jti, "--reason", "leaked"], env=env)

    assert result.exit_code == 0, result.output
    assert f"partner {partner}" in result.stdout
    with pytest.raises(InvalidTokenError, match="revoked"):
        tokens.verify_partner(issued.token)
    assert isinstance(events_since(hub, position)[-1],
                      Partner.TokenRevoked)  # type: ignore[attr-defined]
    jti = tokens.verify(staff).token_id
    assert runner.invoke(app, ["token", "revoke", jti, "--reason", "left"], env=env).exit_code == 0
    with pytest.raises(InvalidTokenError, match="revoked"):
        tokens.verify(staff)


@pytest.mark.parametrize(("arguments", "complaint"), [
    ([f"{uuid4().hex}.{uuid4().hex}", "--reason", "x"], "not found"),
    (["nonsense", "--reason", "x"], "not a token id"),
    ([uuid4().hex, "--reason", " "], "say why"),
])
def test_revoking_a_bad_token_id_is_refused(env, hub, arguments, complaint) -> None:
    with records_nothing(hub):
        result = runner.invoke(app, ["token", "revoke", *arguments], env=env)
    assert result.exit_code == 2, result.output
    assert complaint in result.output
