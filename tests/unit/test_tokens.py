"""Tokens: internal and partner tokens, the key ring in the store, rotation with a grace
period, and revocation, on the database under test."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from api.partner_tokens import issue_partner_token, revoke_token
from api.settings import Settings
from api.store import CrmHub, connect_hub
from api.token_store import TokenStore, attach_tokens
from api.tokens import CLOCK_SKEW, MAX_TTL, InvalidTokenError, TokenService, new_key_pem
from domain.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from partners.partner import Partner
from tests.stories import TEST_MASTER_KEY, events_since, records_nothing

ADMIN = "admin-1"
PURPOSE = "third_party_sharing.partner.lead_referral"
GRACE = 3600


class Clock:
    """A settable clock: seconds since the epoch."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(signing_key=new_key_pem(), data_dir=tmp_path / "data", key_grace_period=GRACE)


def service(settings: Settings, hub: CrmHub, clock: Clock) -> TokenService:
    """A process's token service on the store `hub` opens."""
    tokens = TokenService(settings, clock=clock)
    attach_tokens(tokens, hub)
    return tokens


@pytest.fixture
def tokens(settings: Settings, hub: CrmHub, clock: Clock) -> TokenService:
    return service(settings, hub, clock)


@pytest.fixture
def partner_id(hub: CrmHub) -> UUID:
    return hub.register_partner(actor=ADMIN, name="Nordic Resale AB", kind="reseller",
                                territories=["SE"], products=["Routers"], capacity=5)


def claims(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def segment(document: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


# -- internal and partner tokens ------------------------------------------------------------


def test_a_partner_token_names_its_partner_scopes_and_purpose(tokens, partner_id) -> None:
    issued = tokens.issue_partner(partner_id=partner_id, scopes=["leads:read", "deals:write"],
                                  purpose=PURPOSE, ttl=600)

    principal = tokens.verify_partner(issued.token)
    assert principal.id == f"partner:{partner_id}" and principal.role == "partner"
    assert principal.partner_id == partner_id and principal.purpose == PURPOSE
    assert principal.scopes == {"leads:read", "deals:write"}
    assert principal.token_id == issued.jti
    assert claims(issued.token)["aud"] == "crmhub-partner"
    assert issued.expires_at.timestamp() == claims(issued.token)["exp"] == tokens.clock() + 600


def test_internal_and_partner_tokens_never_stand_in_for_each_other(tokens, partner_id) -> None:
    internal = tokens.issue(subject="ann", role="admin")
    partner = tokens.issue_partner(partner_id=partner_id, scopes=["leads:read"], purpose=PURPOSE)

    assert tokens.verify(internal).role == "admin"
    with pytest.raises(InvalidTokenError, match="aud"):
        tokens.verify(partner.token)
    with pytest.raises(InvalidTokenError):
        tokens.verify_partner(internal)


def test_the_same_audience_for_both_still_keeps_them_apart(settings, hub, clock,
                                                           partner_id) -> None:
    same = service(settings.model_copy(update={"partner_token_audience": "crmhub"}), hub, clock)
    partner = same.issue_partner(partner_id=partner_id, scopes=["leads:read"], purpose=PURPOSE)
    with pytest.raises(InvalidTokenError, match="role"):
        same.verify(partner.token)
    with pytest.raises(InvalidTokenError):
        same.verify_partner(same.issue(subject="ann", role="admin"))


@pytest.mark.parametrize(("arguments", "field"), [
    ({"scopes": []}, "scopes"),
    ({"scopes": ["leads:read", "customers:write"]}, "scopes"),
    ({"purpose": "fortune_telling"}, "purpose"),
    ({"ttl": 0}, "ttlSeconds"),
    ({"ttl": -5}, "ttlSeconds"),
    ({"ttl": MAX_TTL + 1}, "ttlSeconds"),
])
def test_a_bad_partner_token_request_names_the_field(tokens, partner_id, arguments,
                                                     field) -> None:
    request: dict[str, Any] = {"scopes": ["leads:read"], "purpose": PURPOSE, **arguments}
    with pytest.raises(InvalidValueError) as raised:
        tokens.issue_partner(partner_id=partner_id, **request)
    assert raised.value.field == field


def test_an_expired_token_is_refused_after_the_allowed_clock_skew(tokens, partner_id,
                                                                  clock) -> None:
    internal = tokens.issue(subject="ann", role="sales", ttl=60)
    partner = tokens.issue_partner(partner_id=partner_id, scopes=["leads:read"],
                                   purpose=PURPOSE, ttl=60)
    clock.now += 60 + CLOCK_SKEW - 1
    tokens.verify(internal)
    tokens.verify_partner(partner.token)
    clock.now += 1
    with pytest.raises(InvalidTokenError, match="expired"):
        tokens.verify(internal)
    with pytest.raises(InvalidTokenError, match="expired"):
        tokens.verify_partner(partner.token)


def test_forged_tokens_are_refused(tokens, partner_id) -> None:
    token = tokens.issue_partner(partner_id=partner_id, scopes=["leads:read"],
                                 purpose=PURPOSE).token
    header, payload, signature = token.split(".")
    wider = segment({**claims(token), "scope": "leads:read customers:read"})
    other_partner = segment({**claims(token), "partner_id": str(uuid4())})
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    unsigned = segment({"alg": "none", "typ": "at+jwt"})
    unknown_kid = segment({**json.loads(base64.urlsafe_b64decode(header + "==")),
                           "kid": "not-a-key"})
    for forged in (f"{header}.{wider}.{signature}", f"{header}.{other_partner}.{signature}",
                   f"{header}.{payload}.{flipped}", f"{unsigned}.{payload}.",
                   f"{unknown_kid}.{payload}.{signature}", "not.a.token", ""):
        with pytest.raises(InvalidTokenError):
            tokens.verify_partner(forged)


def test_a_partner_principal_carries_its_partners_standing_as_of_now(tokens, hub,
                                                                     partner_id) -> None:
    token = tokens.issue_partner(partner_id=partner_id, scopes=["leads:read"],
                                 purpose=PURPOSE).token
    assert tokens.verify_partner(token).partner_status == "active"
    hub.suspend_partner(actor=ADMIN, partner_id=partner_id, reason="Unpaid invoices")
    assert tokens.verify_partner(token).partner_status == "suspended"
    hub.reactivate_partner(actor=ADMIN, partner_id=partner_id)
    hub.terminate_partner(actor=ADMIN, partner_id=partner_id, reason="Contract ended")
    principal = tokens.verify_partner(token)
    assert (principal.partner_status, principal.partner_kind) == ("terminated", "reseller")
    unknown = tokens.issue_partner(partner_id=uuid4(), scopes=["leads:read"], purpose=PURPOSE)
    with pytest.raises(InvalidTokenError, match="unknown"):
        tokens.verify_partner(unknown.token)


# -- the key ring ---------------------------------------------------------------------------


def test_the_configured_key_is_the_first_key_of_the_ring(tokens, settings, hub, clock) -> None:
    (first,) = tokens.ring()
    assert first.kid == tokens.key.thumbprint() and first.retired_at is None
    assert claims_header(tokens.issue(subject="ann", role="admin"))["kid"] == first.kid
    service(settings, hub, clock)  # another process, or a restart: the same ring
    assert [key.kid for key in TokenStore.of_hub(hub).keys()] == [first.kid]


def test_rotation_signs_with_a_new_key_and_keeps_the_old_one_for_the_grace_period(
        tokens, clock) -> None:
    old_kid = tokens.signing_key().kid
    before = tokens.issue(subject="ann", role="admin")

    clock.now += 10
    new = tokens.rotate()

    after = tokens.issue(subject="ann", role="admin")
    assert claims_header(after)["kid"] == new.kid != old_kid
    assert [key.kid for key in tokens.live_keys()] == [old_kid, new.kid]
    assert {key["kid"] for key in tokens.jwks()["keys"]} == {old_kid, new.kid}
    clock.now += GRACE - 1
    assert tokens.verify(before).id == "ann"
    clock.now += 1
    with pytest.raises(InvalidTokenError, match="retired"):
        tokens.verify(before)
    assert tokens.verify(after).id == "ann"
    assert [key["kid"] for key in tokens.jwks()["keys"]] == [new.kid]


def test_the_jwks_holds_public_keys_only(tokens) -> None:
    (key,) = tokens.jwks()["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256"
    assert key["use"] == "sig" and "d" not in key


def test_every_process_sees_a_rotation_made_by_another(settings, hub, clock) -> None:
    first, second = service(settings, hub, clock), service(settings, hub, clock)
    old = second.issue(subject="ann", role="admin")

    new = first.rotate()

    by_first = first.issue(subject="ann", role="admin")
    assert second.verify(by_first).id == "ann"  # an unknown kid: it reads the ring again
    assert claims_header(second.issue(subject="bob", role="sales"))["kid"] == new.kid
    assert first.verify(old).id == "ann"
    assert [key.kid for key in second.live_keys()] == [key.kid for key in first.live_keys()]


def test_rotations_at_the_same_moment_in_two_processes_leave_one_signing_key(
        settings, hub, clock, database_url) -> None:
    other = connect_hub(database_url, master_key=TEST_MASTER_KEY)
    try:
        services = [service(settings, hub, clock), service(settings, other, clock)]
        for _ in range(10):
            together = threading.Barrier(len(services))

            def rotate(tokens: TokenService, together: threading.Barrier = together) -> None:
                together.wait()
                tokens.rotate()

            rotations = [threading.Thread(target=rotate, args=(s,)) for s in services]
            for thread in rotations:
                thread.start()
            for thread in rotations:
                thread.join()
            live = [key for key in TokenStore.of_hub(hub).keys() if key.retired_at is None]
            assert len(live) == 1, live
    finally:
        other.close()


def test_a_changed_configured_key_becomes_the_signing_key(settings, hub, clock, tokens) -> None:
    old = tokens.issue(subject="ann", role="admin")
    changed = service(settings.model_copy(update={"signing_key": new_key_pem()}), hub, clock)

    assert changed.signing_key().kid == changed.key.thumbprint() != tokens.key.thumbprint()
    assert changed.verify(old).id == "ann"  # retired now, within its grace period


def test_the_private_keys_are_stored_wrapped(tokens, hub) -> None:
    schema = hub.env.get("POSTGRES_SCHEMA")
    table = f'"{schema}".crmhub_signing_keys' if schema else "crmhub_signing_keys"
    with hub.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT wrapped_pem FROM {table}")  # noqa: S608
        (row,) = cursor.fetchall()
    assert b"PRIVATE KEY" not in bytes(row["wrapped_pem"])


def claims_header(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


# -- revocation ------------------------------------------------------------------------------


def test_a_revoked_token_is_refused_at_once_by_every_process(settings, hub, clock,
                                                             partner_id) -> None:
    first, second = service(settings, hub, clock), service(settings, hub, clock)
    internal = first.issue_internal(subject="ann", role="admin")
    partner = first.issue_partner(partner_id=partner_id, scopes=["leads:read"], purpose=PURPOSE)
    second.verify(internal.token)

    assert first.revoke(internal.jti, reason="laptop stolen")
    assert first.revoke(partner.jti, reason="leaked", expires_at=partner.expires_at)

    with pytest.raises(InvalidTokenError, match="revoked"):
        second.verify(internal.token)
    with pytest.raises(InvalidTokenError, match="revoked"):
        second.verify_partner(partner.token)
    assert not second.revoke(internal.jti, reason="again")


def test_revocations_of_expired_tokens_can_be_purged(tokens, hub, clock) -> None:
    issued = tokens.issue_internal(subject="ann", role="admin", ttl=60)
    tokens.revoke(issued.jti, reason="left", expires_at=issued.expires_at)
    store = TokenStore.of_hub(hub)
    assert store.purge_revocations(before=issued.expires_at) == 0
    clock.now += 61
    assert store.purge_revocations(before=tokens.now()) == 1


# -- the partner's record of its tokens --------------------------------------------------------


def test_issuing_records_the_token_on_the_partner(tokens, hub, partner_id) -> None:
    position = hub.position()
    issued = issue_partner_token(hub=hub, tokens=tokens, actor=ADMIN, partner_id=partner_id,
                                 scopes=["leads:read", "leads:read", "deals:read"],
                                 purpose=PURPOSE, ttl=600)

    (event,) = events_since(hub, position)
    assert isinstance(event, Partner.TokenIssued)  # type: ignore[attr-defined]
    assert event.actor == ADMIN and event.jti == issued.issued.jti
    assert event.scopes == ["leads:read", "deals:read"] and event.purpose == PURPOSE
    assert issued.issued.token not in json.dumps(vars(event), default=str)
    (recorded,) = hub.partner_tokens(partner_id)
    assert recorded["expires_at"] == issued.issued.expires_at
    assert recorded["revoked_at"] is None


@pytest.mark.parametrize("status", ["suspend", "terminate"])
def test_a_partner_not_active_is_issued_no_token(tokens, hub, partner_id, status) -> None:
    getattr(hub, f"{status}_partner")(actor=ADMIN, partner_id=partner_id, reason="Breach")
    with records_nothing(hub), pytest.raises(InvalidTransitionError, match="issued a token"):
        issue_partner_token(hub=hub, tokens=tokens, actor=ADMIN, partner_id=partner_id,
                            scopes=["leads:read"], purpose=PURPOSE)


def test_an_unknown_partner_is_issued_no_token(tokens, hub) -> None:
    with records_nothing(hub), pytest.raises(NotFoundError):
        issue_partner_token(hub=hub, tokens=tokens, actor=ADMIN, partner_id=uuid4(),
                            scopes=["leads:read"], purpose=PURPOSE)


def test_revoking_a_partner_token_lists_it_then_records_it(tokens, hub, partner_id) -> None:
    issued = issue_partner_token(hub=hub, tokens=tokens, actor=ADMIN, partner_id=partner_id,
                                 scopes=["leads:read"], purpose=PURPOSE).issued
    hub.terminate_partner(actor=ADMIN, partner_id=partner_id, reason="Contract ended")
    position = hub.position()

    revoked = revoke_token(hub=hub, tokens=tokens, actor=ADMIN, jti=issued.jti, reason="ended")

    assert revoked.partner_id == partner_id
    (event,) = events_since(hub, position)
    assert isinstance(event, Partner.TokenRevoked)  # type: ignore[attr-defined]
    assert (event.jti, event.reason) == (issued.jti, "ended")
    (recorded,) = hub.partner_tokens(partner_id)
    assert recorded["revoked_at"] is not None and recorded["revoke_reason"] == "ended"
    assert tokens.store is not None and tokens.store.is_revoked(issued.jti)
    with records_nothing(hub), pytest.raises(InvalidTransitionError, match="revoked already"):
        revoke_token(hub=hub, tokens=tokens, actor=ADMIN, jti=issued.jti, reason="again")


@pytest.mark.parametrize(("jti", "error"), [
    (f"{uuid4().hex}.{uuid4().hex}", NotFoundError),
    ("not a token id", InvalidValueError),
])
def test_revoking_what_was_never_issued_revokes_nothing(tokens, hub, partner_id, jti,
                                                        error) -> None:
    with records_nothing(hub), pytest.raises(error):
        revoke_token(hub=hub, tokens=tokens, actor=ADMIN, jti=jti, reason="unknown")
    assert tokens.store is not None and not tokens.store.is_revoked(jti)


def test_revoking_an_internal_token_needs_a_reason(tokens, hub) -> None:
    issued = tokens.issue_internal(subject="ann", role="admin")
    with pytest.raises(InvalidValueError, match="reason"):
        revoke_token(hub=hub, tokens=tokens, actor=ADMIN, jti=issued.jti, reason="  ")
    revoked = revoke_token(hub=hub, tokens=tokens, actor=ADMIN, jti=issued.jti, reason="left")
    assert revoked.partner_id is None
    with pytest.raises(InvalidTokenError, match="revoked"):
        tokens.verify(issued.token)
