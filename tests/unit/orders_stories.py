"""Given-helpers and fixtures shared by the purchase and refund tests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.hub import Hub

CLERK = "user:clerk"


def register_customer(hub: Hub, family_name: str = "Lovelace") -> UUID:
    return hub.register_customer(actor=CLERK, kind="person",
                                 profile={"given_name": "Ada", "family_name": family_name})


def line(sku: str = "TEA-1", **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"sku": sku, "product_name": "Green tea", "category": "tea",
                              "quantity": 2, "unit_price": Decimal("4.50"), "currency": "EUR"}
    return {**values, **overrides}


@pytest.fixture
def customer_id(hub: Hub) -> UUID:
    return register_customer(hub)


@pytest.fixture
def purchase_id(hub: Hub, customer_id: UUID) -> UUID:
    """Given a web purchase of 2 teas at 4.50 and 3 mugs at 10.00 (total 39.00 EUR)."""
    return hub.record_purchase(actor=CLERK, customer_id=customer_id, channel="web", lines=[
        line("TEA-1"),
        line("MUG-7", product_name="Mug", category=None, quantity=3, unit_price="10"),
    ])


def refuses(hub: Hub, error: type[Exception], attempt: Callable[[], object]) -> Exception:
    """The attempt raises `error` and records nothing."""
    before = hub.position()
    with pytest.raises(error) as raised:
        attempt()
    assert hub.position() == before
    return raised.value
