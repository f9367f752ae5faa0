"""Given-helpers and fixtures shared by the marketing tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.hub import Hub

MARKETER = "marketer-1"
TODAY = datetime.now(UTC).date()


def new_campaign(hub: Hub, **changes: Any) -> UUID:
    arguments = {"name": "Spring sale", "channel": "email", "budget": "1500",
                 "currency": "EUR", "starts_on": TODAY - timedelta(days=1),
                 "ends_on": TODAY + timedelta(days=30), **changes}
    return hub.create_campaign(actor=MARKETER, **arguments)


def register(hub: Hub, name: str) -> UUID:
    return hub.register_customer(actor="clerk", kind="person", profile={"given_name": name})


@pytest.fixture
def customers(hub: Hub) -> list[UUID]:
    return [register(hub, name) for name in ("Ada", "Bob", "Cyd")]


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
