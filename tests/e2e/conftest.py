"""End-to-end fixtures: the real FastAPI app over HTTP, with real signed tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from domain.hub import Hub
from tests.e2e.partner_client import Partners


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def client(settings: Settings, hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(settings, hub=hub)) as test_client:
        yield test_client


@pytest.fixture
def token(client: TestClient) -> Callable[..., str]:
    """`token("sales")` — a valid bearer token for a principal with that role."""

    def issue(role: str, subject: str | None = None, ttl: int | None = None) -> str:
        return client.app.state.tokens.issue(subject=subject or f"{role}-user", role=role, ttl=ttl)

    return issue


class GraphQL:
    def __init__(self, client: TestClient, token: Callable[..., str]) -> None:
        self.client = client
        self.token = token

    def __call__(self, query: str, variables: dict[str, Any] | None = None, *,
                 role: str | None = "admin", headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Post one operation; return the JSON body (data and errors)."""
        sent = dict(headers or {})
        if role is not None and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {self.token(role)}"
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}},
                                    headers=sent)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, query: str, variables: dict[str, Any] | None = None, *,
           role: str = "admin") -> dict[str, Any]:
        """Post one operation that must succeed; return its data."""
        body = self(query, variables, role=role)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def error(self, query: str, variables: dict[str, Any] | None = None, *,
              role: str | None = "admin", headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Post one operation that must fail; return its first error."""
        body = self(query, variables, role=role, headers=headers)
        assert body.get("errors"), body
        return body["errors"][0]


@pytest.fixture
def gql(client: TestClient, token: Callable[..., str]) -> GraphQL:
    return GraphQL(client, token)


@pytest.fixture
def partners(client: TestClient, hub: Hub) -> Partners:
    """`partners.register(kind="reseller", scopes=[...])`: a partner calling
    `POST /partner/graphql` with its own token (see `tests/e2e/partner_client.py`)."""
    return Partners(client, hub)
