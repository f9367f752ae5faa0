"""Only a valid partner token opens `POST /partner/graphql`, and only the fields its
scopes name; a partner token opens nothing of `/graphql`. Through HTTP with real tokens."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey

from api.app import create_app
from api.tokens import TokenService
from tests.e2e.partner_client import PURPOSE, PartnerCaller, Partners, post

ME = "{ me { id name } }"
CUSTOMER = "query ($id: ID!) { customer(id: $id) { id } }"
REVOKE = "mutation ($input: RevokeTokenInput!) { revokeToken(input: $input) { jti } }"


def _segments(token: str) -> list[str]:
    return token.split(".")


def _encode(part: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _decode(part: str) -> dict[str, object]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def expired(caller: PartnerCaller) -> str:
    tokens: TokenService = caller.client.app.state.tokens  # type: ignore[attr-defined]
    an_hour_ago = TokenService(tokens.settings, tokens.key, clock=lambda: time.time() - 3600)
    return an_hour_ago.issue_partner(partner_id=caller.id, scopes=["customers:read"],
                                     purpose=PURPOSE, ttl=60).token


def internal(caller: PartnerCaller) -> str:
    return caller.client.app.state.tokens.issue(subject="admin-user", role="admin")  # type: ignore[attr-defined]


def tampered(caller: PartnerCaller) -> str:
    """The partner's own token, its scopes widened without a new signature."""
    header, payload, signature = _segments(caller.token)
    claims = _decode(payload)
    claims["scope"] = "customers:read leads:write deals:write"
    return f"{header}.{_encode(claims)}.{signature}"


def unsigned(caller: PartnerCaller) -> str:
    """`alg: none`: the partner's claims with no signature at all."""
    _, payload, _ = _segments(caller.token)
    return f"{_encode({'alg': 'none', 'typ': 'at+jwt'})}.{payload}."


def unknown_key(caller: PartnerCaller) -> str:
    """Well formed and correctly claimed, but signed by a key the hub never had."""
    claims = _decode(_segments(caller.token)[1])
    key = ECKey.generate_key("P-256")
    return jwt.encode({"alg": "ES256", "kid": key.thumbprint(), "typ": "at+jwt"}, claims, key,
                      algorithms=["ES256"])


def garbage(caller: PartnerCaller) -> str:
    return "not-a-token"


BAD_TOKENS: dict[str, Callable[[PartnerCaller], str]] = {
    "expired": expired, "internal (wrong audience)": internal, "tampered": tampered,
    "alg none": unsigned, "unknown key": unknown_key, "garbage": garbage,
}


@pytest.mark.parametrize("make", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_bad_token_is_unauthenticated(partners: Partners, make) -> None:
    acme = partners.register()
    bad = make(acme)
    for query in (ME, CUSTOMER):
        error = acme.error(query, {"id": str(acme.id)}, token=bad)
        assert error["extensions"]["code"] == "UNAUTHENTICATED", error
        assert error["message"].startswith("invalid token")


def test_no_token_or_another_scheme_is_unauthenticated(client: TestClient, partners) -> None:
    acme = partners.register()
    for headers in ({}, {"Authorization": f"Basic {acme.token}"}, {"Authorization": "Bearer "}):
        body = post(client, ME, headers=headers).json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_revoked_token_is_refused_at_once(gql, partners) -> None:
    acme = partners.register()
    assert acme.ok(ME)["me"]["id"] == str(acme.id)

    gql.ok(REVOKE, {"input": {"jti": acme.jti, "reason": "leaked in a log file"}})

    error = acme.error(ME)
    assert (error["extensions"]["code"], error["message"]) == (
        "UNAUTHENTICATED", "invalid token: it was revoked")
    assert acme.ok(ME, token=acme.token_with())["me"]["id"] == str(acme.id)  # a new one works


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_a_partner_no_longer_active_only_reads_and_acknowledges_its_notices(hub, partners,
                                                                            status) -> None:
    acme = partners.register()
    if status == "suspended":
        hub.suspend_partner(actor="admin-user", partner_id=acme.id, reason="under review")
    else:
        hub.terminate_partner(actor="admin-user", partner_id=acme.id, reason="contract ended")

    for refused in ("{ myLeads { edges { node { leadId } } } }",
                    "{ myDeals { edges { node { id } } } }",
                    f'{{ customer(id: "{uuid4()}") {{ id }} }}'):
        error = acme.error(refused)
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert f"the partner is {status}" in error["message"]
    assert acme.ok(ME)["me"]["id"] == str(acme.id)
    assert acme.ok("{ withdrawals { edges { node { id } } } }")["withdrawals"] == {"edges": []}


def test_a_token_signed_by_a_key_retired_past_its_grace_is_refused(settings, hub) -> None:
    with TestClient(create_app(settings.model_copy(update={"key_grace_period": 0}),
                               hub=hub)) as client:
        acme = Partners(client, hub).register()
        assert acme.ok(ME)["me"]["id"] == str(acme.id)

        client.app.state.tokens.rotate()  # type: ignore[attr-defined]

        assert acme.error(ME)["message"] == "invalid token: signed by a retired key"
        assert acme.ok(ME, token=acme.token_with())["me"]["id"] == str(acme.id)


def test_a_token_without_the_scope_is_forbidden_but_may_say_who_it_is(partners) -> None:
    acme = partners.register(scopes=["leads:read"])

    error = acme.error(CUSTOMER, {"id": str(acme.id)})
    assert (error["extensions"]["code"], error["message"]) == (
        "FORBIDDEN", "your token does not carry the scope customers:read")
    assert acme.ok(ME)["me"]["name"] == "Acme Resellers"


def test_me_tells_the_partner_what_its_token_allows(partners) -> None:
    acme = partners.register(name="Northwind Distribution", kind="distributor",
                             scopes=["leads:read", "customers:read"], ttl=600)
    me = acme.ok("{ me { id name kind status scopes purpose tokenId tokenExpiresAt } }")["me"]

    assert me | {"tokenExpiresAt": None} == {
        "id": str(acme.id), "name": "Northwind Distribution", "kind": "DISTRIBUTOR",
        "status": "ACTIVE", "scopes": ["customers:read", "leads:read"], "purpose": PURPOSE,
        "tokenId": acme.jti, "tokenExpiresAt": None}
    assert 590 <= _seconds_until(me["tokenExpiresAt"]) <= 600


def _seconds_until(iso: str) -> float:
    from datetime import UTC, datetime

    return (datetime.fromisoformat(iso) - datetime.now(UTC)).total_seconds()


def test_a_partner_token_opens_nothing_of_the_internal_graphql(gql, partners) -> None:
    acme = partners.register(scopes=["customers:read", "leads:read", "deals:read"])
    headers = {"Authorization": f"Bearer {acme.token}"}

    for query in ("{ customers(first: 1) { edges { cursor } } }",
                  "query ($id: ID!) { partner(id: $id) { id } }"):
        error = gql.error(query, {"id": str(acme.id)}, headers=headers)
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
