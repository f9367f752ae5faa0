"""The partner endpoint tells a partner nothing of its schema, bounds what one request
may ask, and how many requests one token may make. Through HTTP with real tokens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.e2e.partner_client import PATH, PartnerCaller, Partners, post

ME = "{ me { id } }"


@contextmanager
def partner_app(settings: Any, hub: Any, **overrides: Any) -> Iterator[PartnerCaller]:
    """The app with some settings changed, and a partner with a token for it."""
    with TestClient(create_app(settings.model_copy(update=overrides), hub=hub)) as client:
        yield Partners(client, hub).register()


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


@pytest.mark.parametrize("query", [
    "{ __schema { queryType { name } } }",
    '{ __type(name: "PartnerCustomer") { fields { name } } }',
    "query { me { id } __schema { types { name } } }",
])
def test_introspection_is_refused(partners, query) -> None:
    body = partners.register()(query)

    assert body["data"] is None
    assert set(codes(body)) == {"BAD_USER_INPUT"}
    assert "introspection has been disabled" in body["errors"][0]["message"]


def test_typename_still_answers(partners) -> None:
    assert partners.register().ok("{ __typename me { __typename } }") == {
        "__typename": "Query", "me": {"__typename": "PartnerIdentity"}}


@pytest.mark.parametrize("query", [
    "{ customr(id: 1) { id } }",                              # a field
    '{ customer(idd: "1") { id } }',                          # an argument
    '{ customer(id: "1") { givenNam } }',                     # a field of a type
    '{ customer(id: "1") { ... on PartnerCustomr { id } } }',  # a type
    "query ($id: Id!) { customer(id: $id) { id } }",          # a variable's type
    "{ customers(id: []) { id } }",                           # a required argument left out
])
def test_no_error_suggests_a_name(partners, query) -> None:
    body = partners.register()(query)

    assert body["errors"]
    for error in body["errors"]:
        assert "Did you mean" not in error["message"], error
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_depth_is_limited(settings, hub) -> None:
    with partner_app(settings, hub, partner_max_query_depth=1) as acme:
        body = acme('{ customer(id: "00000000-0000-0000-0000-000000000000") '
                    "{ address { city } } }")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "exceeds maximum operation depth of 1" in body["errors"][0]["message"]


def test_aliases_are_limited(partners) -> None:
    acme = partners.register()
    within = " ".join(f"a{index}: me {{ id }}" for index in range(15))
    beyond = " ".join(f"a{index}: me {{ id }}" for index in range(16))

    assert len(acme.ok(f"{{ {within} }}")) == 15
    body = acme(f"{{ {beyond} }}")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "aliases" in body["errors"][0]["message"]


def test_the_document_size_is_limited(partners) -> None:
    body = partners.register()("{ me { " + "id " * 2000 + "} }")

    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "more than 2000 tokens" in body["errors"][0]["message"]


def test_only_post_is_served(client: TestClient, partners) -> None:
    acme = partners.register()
    headers = {"Authorization": f"Bearer {acme.token}"}

    get = client.get(PATH, params={"query": ME}, headers=headers)
    page = client.get(PATH, headers={**headers, "Accept": "text/html"})
    batch = client.post(PATH, json=[{"query": ME}, {"query": ME}], headers=headers)

    assert get.status_code >= 400 and "data" not in get.text
    assert page.status_code >= 400 and "graphiql" not in page.text.lower()
    assert batch.status_code == 400


def test_a_token_past_its_rate_gets_429_with_retry_after(settings, hub) -> None:
    with partner_app(settings, hub, partner_rate_limit=6, partner_rate_burst=3) as acme:
        answers = [post(acme.client, ME, token=acme.token) for _ in range(4)]
        other_token = post(acme.client, ME, token=acme.token_with(scopes=["leads:read"]))
        metrics = acme.client.get("/metrics").text

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["Retry-After"] == "10"  # 6 a minute: one every 10 seconds
    body = refused.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 10}
    assert other_token.status_code == 200  # each token has its own bucket
    assert f'path="{PATH}",status="429"}} 1.0' in metrics


def test_requests_without_a_valid_token_are_not_rate_limited_by_token(settings, hub) -> None:
    with partner_app(settings, hub, partner_rate_limit=1, partner_rate_burst=1) as acme:
        answers = [post(acme.client, ME, token="not-a-token") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all(codes(answer.json()) == ["UNAUTHENTICATED"] for answer in answers)
