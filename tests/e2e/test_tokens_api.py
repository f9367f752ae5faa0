"""Tokens over HTTP: partner tokens issued and revoked through GraphQL, every kind of bad
token refused, key rotation with its grace period, and the JWKS."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from api.tokens import MAX_TTL, InvalidTokenError, TokenService
from tests.e2e.test_partners_api import REGISTER, TERMINATE, partner_input
from tests.stories import records_nothing

PURPOSE = "third_party_sharing.partner.lead_referral"
CUSTOMER = """query { customer(id: "00000000-0000-4000-8000-000000000000") { id } }"""
ISSUE = """
mutation ($input: IssuePartnerTokenInput!) {
  issuePartnerToken(input: $input) { token jti expiresAt scopes purpose partnerId } }"""
REVOKE = """
mutation ($input: RevokeTokenInput!) {
  revokeToken(input: $input) { jti reason revokedAt partnerId } }"""
TOKENS = """
query ($id: ID!) {
  partnerTokens(partnerId: $id) { jti scopes purpose issuedAt expiresAt revokedAt revokeReason } }"""


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def tokens(client) -> TokenService:
    return client.app.state.tokens


@pytest.fixture
def partner(gql) -> str:
    return gql.ok(REGISTER, {"input": partner_input()})["registerPartner"]["id"]


def issue_input(partner: str, **changes: Any) -> dict[str, Any]:
    return {"input": {"partnerId": partner, "scopes": ["leads:read", "customers:read"],
                      "purpose": PURPOSE, "ttlSeconds": 3600, **changes}}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refused(gql, token: str) -> dict[str, Any]:
    error = gql.error(CUSTOMER, role=None, headers=bearer(token))
    assert error["extensions"]["code"] == "UNAUTHENTICATED", error
    return error


def accepted(gql, token: str) -> None:
    """The token authenticates: the (unknown) customer is not found."""
    error = gql.error(CUSTOMER, role=None, headers=bearer(token))
    assert error["extensions"]["code"] == "NOT_FOUND", error


def segment(document: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


def decoded(part: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(part + "=="))


# -- issuing and revoking partner tokens -----------------------------------------------------


def test_an_admin_issues_a_partner_token_that_the_partner_api_accepts(gql, tokens,
                                                                      partner) -> None:
    issued = gql.ok(ISSUE, issue_input(partner))["issuePartnerToken"]

    assert issued["partnerId"] == partner and issued["purpose"] == PURPOSE
    assert issued["scopes"] == ["leads:read", "customers:read"]
    principal = tokens.verify_partner(issued["token"])
    assert principal.token_id == issued["jti"] and str(principal.partner_id) == partner
    refused(gql, issued["token"])  # a partner token is no staff token
    (listed,) = gql.ok(TOKENS, {"id": partner})["partnerTokens"]
    assert listed["jti"] == issued["jti"] and listed["expiresAt"] == issued["expiresAt"]
    assert listed["revokedAt"] is None and issued["token"] not in json.dumps(listed)


def test_a_revoked_partner_token_is_refused_at_once(gql, tokens, partner) -> None:
    issued = gql.ok(ISSUE, issue_input(partner))["issuePartnerToken"]

    revoked = gql.ok(REVOKE, {"input": {"jti": issued["jti"], "reason": "key leaked"}})
    assert revoked["revokeToken"]["partnerId"] == partner
    with pytest.raises(InvalidTokenError, match="revoked"):
        tokens.verify_partner(issued["token"])
    (listed,) = gql.ok(TOKENS, {"id": partner})["partnerTokens"]
    assert listed["revokeReason"] == "key leaked" and listed["revokedAt"]
    again = gql.error(REVOKE, {"input": {"jti": issued["jti"], "reason": "again"}})
    assert again["extensions"]["code"] == "CONFLICT"


def test_a_revoked_staff_token_is_refused_at_once(gql, tokens) -> None:
    issued = tokens.issue_internal(subject="eve", role="sales")
    accepted(gql, issued.token)

    gql.ok(REVOKE, {"input": {"jti": issued.jti, "reason": "left the company"}})

    assert "revoked" in refused(gql, issued.token)["message"]


@pytest.mark.parametrize("role", ["sales", "analytics", "auditor", "marketing", "service"])
def test_only_admins_issue_revoke_and_list_tokens(gql, hub, tokens, partner, role) -> None:
    jti = tokens.issue_internal(subject="ann", role="admin").jti
    with records_nothing(hub):
        for operation, variables in ((ISSUE, issue_input(partner)),
                                     (REVOKE, {"input": {"jti": jti, "reason": "x"}}),
                                     (TOKENS, {"id": partner})):
            error = gql.error(operation, variables, role=role)
            assert error["extensions"]["code"] == "FORBIDDEN"
    assert tokens.store is not None and not tokens.store.is_revoked(jti)


@pytest.mark.parametrize(("changes", "field"), [
    ({"scopes": ["leads:read", "customers:write"]}, "scopes"),
    ({"scopes": []}, "scopes"),
    ({"purpose": "fortune_telling"}, "purpose"),
    ({"ttlSeconds": 0}, "ttlSeconds"),
    ({"ttlSeconds": -1}, "ttlSeconds"),
    ({"ttlSeconds": MAX_TTL + 1}, "ttlSeconds"),
    ({"partnerId": "not-an-id"}, "partnerId"),
])
def test_a_bad_token_request_names_the_field_and_records_nothing(gql, hub, partner, changes,
                                                                 field) -> None:
    with records_nothing(hub):
        error = gql.error(ISSUE, issue_input(partner, **changes))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field, error


def test_an_unknown_or_terminated_partner_gets_no_token(gql, hub, partner) -> None:
    with records_nothing(hub):
        unknown = gql.error(ISSUE, issue_input("00000000-0000-4000-8000-000000000001"))
    assert unknown["extensions"]["code"] == "NOT_FOUND"
    gql.ok(TERMINATE, {"input": {"partnerId": partner, "reason": "Contract ended"}})
    with records_nothing(hub):
        ended = gql.error(ISSUE, issue_input(partner))
    assert ended["extensions"]["code"] == "CONFLICT" and "terminated" in ended["message"]


@pytest.mark.parametrize(("jti", "code"), [
    ("0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef", "NOT_FOUND"),
    ("hello", "BAD_USER_INPUT"),
])
def test_revoking_an_unknown_token_records_nothing(gql, hub, jti, code) -> None:
    with records_nothing(hub):
        error = gql.error(REVOKE, {"input": {"jti": jti, "reason": "unknown"}})
    assert error["extensions"]["code"] == code


# -- bad tokens on /graphql ----------------------------------------------------------------------


def test_forged_and_stale_tokens_are_unauthenticated(gql, hub, tokens) -> None:
    token = tokens.issue(subject="ann", role="analytics")
    header, payload, signature = token.split(".")
    admin = segment({**decoded(payload), "role": "admin"})
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    unsigned = segment({"alg": "none", "typ": "at+jwt"})
    unknown_kid = segment({**decoded(header), "kid": "no-such-key"})
    expired = tokens.issue(subject="ann", role="admin", ttl=-120)
    with records_nothing(hub):
        for forged in (f"{header}.{admin}.{signature}", f"{header}.{payload}.{flipped}",
                       f"{unsigned}.{payload}.", f"{unsigned}.{admin}.",
                       f"{unknown_kid}.{payload}.{signature}", expired):
            refused(gql, forged)


def test_a_retired_key_verifies_within_its_grace_period_only(gql, tokens, client) -> None:
    clock = Clock(tokens.clock())
    tokens.clock = clock
    old = tokens.issue(subject="ann", role="admin", ttl=MAX_TTL)
    old_kid = tokens.signing_key().kid

    new = tokens.rotate()

    jwks = client.get("/.well-known/jwks.json").json()
    assert [key["kid"] for key in jwks["keys"]] == [old_kid, new.kid]
    accepted(gql, old)  # within the grace period
    clock.now += tokens.settings.key_grace_period
    assert "retired" in refused(gql, old)["message"]
    assert [key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]] == [new.kid]
    fresh = tokens.issue(subject="ann", role="admin")
    assert decoded(fresh.split(".")[0])["kid"] == new.kid
    accepted(gql, fresh)


def test_the_jwks_publishes_the_public_signing_key(client, tokens) -> None:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert key["kid"] == tokens.key.thumbprint() and key["alg"] == "ES256"
    assert {"x", "y"} <= set(key) and "d" not in key
