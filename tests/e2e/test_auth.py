"""Every request carries a signed bearer token; roles decide what it may do."""

from __future__ import annotations

import base64
import json

import pytest

from api.settings import Settings
from api.tokens import TokenService, new_key_pem

REGISTER = """mutation { registerCustomer(input: {kind: ORGANISATION, companyName: "Acme"}) { id } }"""
CUSTOMER = """query { customer(id: "00000000-0000-4000-8000-000000000000") { id } }"""


def test_a_request_without_a_token_is_unauthenticated(gql, hub):
    before = hub.position()
    error = gql.error(REGISTER, role=None)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert hub.position() == before


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.jwt"])
def test_a_malformed_authorization_header_is_unauthenticated(gql, header):
    error = gql.error(CUSTOMER, role=None, headers={"Authorization": header})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


def test_an_expired_token_is_unauthenticated(gql, token):
    expired = token("admin", ttl=-120)
    error = gql.error(CUSTOMER, role=None, headers={"Authorization": f"Bearer {expired}"})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "exp" in error["message"] or "expired" in error["message"]


def test_a_token_signed_by_another_key_is_unauthenticated(gql, hub, tmp_path):
    forger = TokenService(Settings(signing_key=new_key_pem(), data_dir=tmp_path / "forger"))
    forged = forger.issue(subject="mallory", role="admin")
    before = hub.position()
    error = gql.error(REGISTER, role=None, headers={"Authorization": f"Bearer {forged}"})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert hub.position() == before


def test_a_token_for_another_audience_is_unauthenticated(gql, settings):
    other = TokenService(settings.model_copy(update={"token_audience": "elsewhere"}))
    error = gql.error(CUSTOMER, role=None,
                      headers={"Authorization": f"Bearer {other.issue(subject='x', role='admin')}"})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_tampered_role_claim_is_unauthenticated(gql, token):
    header, payload, signature = token("analytics").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    error = gql.error(REGISTER, role=None,
                      headers={"Authorization": f"Bearer {header}.{forged_payload}.{signature}"})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("role", ["analytics", "auditor"])
def test_read_only_roles_may_not_write(gql, hub, role):
    before = hub.position()
    error = gql.error(REGISTER, role=role)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert hub.position() == before


def test_every_internal_role_reads_the_customer(gql):
    customer_id = gql.ok(REGISTER)["registerCustomer"]["id"]
    query = f'query {{ customer(id: "{customer_id}") {{ id }} }}'
    for role in ("admin", "sales", "service", "marketing", "analytics", "auditor"):
        assert gql.ok(query, role=role)["customer"]["id"] == customer_id


def test_the_actor_of_every_event_is_the_token_subject(gql, hub, token):
    sam = token("sales", subject="sam@example.com")
    response = gql.client.post("/graphql", json={"query": REGISTER},
                               headers={"Authorization": f"Bearer {sam}"})
    assert not response.json().get("errors")
    (notification,) = hub.notification_log.select(start=1, limit=1)
    assert hub.mapper.to_domain_event(notification).actor == "sam@example.com"


def test_graphiql_is_served_on_get_and_queries_are_not(client):
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    response = client.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code in {400, 405}


def test_queries_with_too_many_aliases_are_refused(gql):
    aliased = "query {" + " ".join(f"a{n}: __typename" for n in range(40)) + "}"
    error = gql.error(aliased)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "aliases" in error["message"]


@pytest.mark.parametrize("document", ["{ customer(id: ", "{" + " __typename" * 6000 + " }"],
                         ids=["syntax error", "too many tokens"])
def test_a_document_refused_before_it_runs_has_a_code_too(gql, document):
    error = gql.error(document)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["logPosition"] == 0
