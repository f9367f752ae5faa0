"""Partners calling `POST /partner/graphql` over HTTP with real partner tokens.

`partners.register(...)` registers a partner and gives it a token (`PartnerCaller`);
`caller.ok(query)` / `caller.error(query)` post with that token, `caller.token_with(...)`
issues another. Used through the `partners` fixture of `tests/e2e/conftest.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from httpx import Response

from api.partner_tokens import issue_partner_token

PATH = "/partner/graphql"
#: A purpose partner tokens are issued for in these tests unless told otherwise.
PURPOSE = "third_party_sharing.partner.lead_referral"


def post(client: TestClient, query: str, variables: dict[str, Any] | None = None, *,
         token: str | None = None, headers: dict[str, str] | None = None) -> Response:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return client.post(PATH, json={"query": query, "variables": variables or {}}, headers=sent)


def issue(client: TestClient, hub: Any, partner_id: UUID, *, scopes: Sequence[str],
          purpose: str, ttl: int | None) -> tuple[str, str]:
    """A partner token as an admin issues it (recorded on the partner): (token, jti)."""
    issued = issue_partner_token(hub=hub, tokens=client.app.state.tokens,  # type: ignore[attr-defined]
                                 actor="admin-user", partner_id=partner_id, scopes=scopes,
                                 purpose=purpose, ttl=ttl).issued
    return issued.token, issued.jti


@dataclass
class PartnerCaller:
    client: TestClient
    hub: Any
    id: UUID
    kind: str
    token: str
    jti: str

    def __call__(self, query: str, variables: dict[str, Any] | None = None, *,
                 token: str | None = None) -> dict[str, Any]:
        """Post one operation with this partner's token; return the JSON body."""
        response = post(self.client, query, variables, token=token or self.token)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, query: str, variables: dict[str, Any] | None = None, *,
           token: str | None = None) -> dict[str, Any]:
        body = self(query, variables, token=token)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def error(self, query: str, variables: dict[str, Any] | None = None, *,
              token: str | None = None) -> dict[str, Any]:
        body = self(query, variables, token=token)
        assert body.get("errors"), body
        return body["errors"][0]

    def token_with(self, *, scopes: Sequence[str] = ("customers:read",), purpose: str = PURPOSE,
                   ttl: int | None = None) -> str:
        return issue(self.client, self.hub, self.id, scopes=scopes, purpose=purpose, ttl=ttl)[0]


class Partners:
    def __init__(self, client: TestClient, hub: Any) -> None:
        self.client = client
        self.hub = hub

    def register(self, *, name: str = "Acme Resellers", kind: str = "reseller",
                 scopes: Sequence[str] = ("customers:read",), purpose: str = PURPOSE,
                 ttl: int | None = None) -> PartnerCaller:
        """A new active partner, with a token of `scopes` for `purpose`."""
        partner_id = self.hub.register_partner(actor="admin-user", name=name, kind=kind,
                                               territories=["GB"], products=["routers"],
                                               capacity=10)
        token, jti = issue(self.client, self.hub, partner_id, scopes=scopes, purpose=purpose,
                           ttl=ttl)
        return PartnerCaller(self.client, self.hub, partner_id, kind, token, jti)
