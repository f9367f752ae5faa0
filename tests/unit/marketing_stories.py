"""Given-helpers and fixtures shared by the marketing tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from api.store import CrmHub
from domain.hub import Hub

MARKETER = "marketer-1"
TODAY = datetime.now(UTC).date()

#: The consent the stories' customers give before a campaign messages them: marketing on
#: every channel to their name and contact details, given long before any send of the
#: stories (backdated sends find it live too).
MARKETING_CONSENT: dict[str, Any] = {
    "recipient": "organisation", "purpose": "marketing.communications",
    "categories": ["user.name", "user.contact"], "channel": "web",
    "notice_version": "marketing-2024-01", "occurred_at": datetime(2024, 1, 1, tzinfo=UTC)}
#: The same grant through GraphQL, for the end-to-end stories (`$customer` is the id).
GRANT_MARKETING_CONSENT = """mutation ($customer: ID!) {
  grantConsent(input: {customerId: $customer, recipient: {kind: ORGANISATION},
    purpose: "marketing.communications", categories: ["user.name", "user.contact"],
    channel: WEB, noticeVersion: "marketing-2024-01", occurredAt: "2024-01-01T00:00:00Z"}) { id }
}"""


def consent_to_marketing(hub: CrmHub, customer_id: UUID) -> UUID:
    """Record that the customer allows our marketing (`MARKETING_CONSENT`); the grant's id."""
    return hub.grant_consent(actor="clerk", customer_id=customer_id, **MARKETING_CONSENT)


def consent_over_graphql(gql: Any, customer_id: str) -> str:
    """`consent_to_marketing` through GraphQL, as a marketer records it; the grant's id."""
    return gql.ok(GRANT_MARKETING_CONSENT, {"customer": customer_id},
                  role="marketing")["grantConsent"]["id"]


def new_campaign(hub: Hub, **changes: Any) -> UUID:
    arguments = {"name": "Spring sale", "channel": "email", "budget": "1500",
                 "currency": "EUR", "starts_on": TODAY - timedelta(days=1),
                 "ends_on": TODAY + timedelta(days=30), **changes}
    return hub.create_campaign(actor=MARKETER, **arguments)


def register(hub: Hub, name: str) -> UUID:
    return hub.register_customer(actor="clerk", kind="person", profile={"given_name": name})


def register_consenting(hub: CrmHub, name: str) -> UUID:
    """A customer who allows our marketing: one a campaign may message."""
    customer_id = register(hub, name)
    consent_to_marketing(hub, customer_id)
    return customer_id


@pytest.fixture
def customers(hub: Hub) -> list[UUID]:
    """Three customers a campaign may message."""
    return [register_consenting(hub, name) for name in ("Ada", "Bob", "Cyd")]


@pytest.fixture
def campaign_id(hub: Hub) -> UUID:
    campaign_id = new_campaign(hub)
    hub.launch_campaign(actor=MARKETER, campaign_id=campaign_id)
    return campaign_id


@pytest.fixture
def sent_to(hub: Hub, campaign_id: UUID, customers: list[UUID]) -> UUID:
    """A customer to whom the launched campaign has sent its message."""
    hub.send_campaign_message(actor=MARKETER, campaign_id=campaign_id, customer_id=customers[0])
    return customers[0]


def respond(hub: Hub, campaign_id: UUID, customer_id: UUID, response: str, **kw: Any) -> int:
    return hub.record_campaign_response(actor="tracker", campaign_id=campaign_id,
                                        customer_id=customer_id, response=response, **kw)
