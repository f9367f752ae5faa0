"""Given-helpers and fixtures shared by the service case tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.hub import Hub

AGENT = "agent-7"


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


@pytest.fixture
def customer(hub: Hub) -> UUID:
    return hub.register_customer(actor="clerk", kind="person",
                                 profile={"given_name": "Ada", "family_name": "Byron"})


@pytest.fixture
def case_id(hub: Hub, customer: UUID) -> UUID:
    return hub.open_case(actor=AGENT, customer_id=customer, channel="phone",
                         case_type="incident", subject="Router keeps rebooting",
                         description="Customer says it restarts every hour",
                         occurred_at=hours_ago(10))


def resolved_case(hub: Hub, case_id: UUID) -> UUID:
    hub.resolve_case(actor=AGENT, case_id=case_id, resolution="Firmware updated")
    return case_id


def closed_case(hub: Hub, case_id: UUID) -> UUID:
    resolved_case(hub, case_id)
    hub.close_case(actor=AGENT, case_id=case_id)
    return case_id
