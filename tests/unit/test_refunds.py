"""Refunds: stories of a shop recording what customers gave back."""


from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    ConcurrencyError,
    InvalidTransitionError,
    InvalidValueError,
    NotFoundError,
)
from domain.hub import Hub
from domain.orders import Purchase
from tests.stories import events_since
from tests.unit.orders_stories import CLERK, line, refuses

# -- refunds ------------------------------------------------------------------------


def test_refunding_units_gives_back_their_price(hub: Hub, customer_id: UUID,
                                                purchase_id: UUID) -> None:
    before = hub.position()

    position = hub.refund_purchase(
        actor="user:service", purchase_id=purchase_id, reason="Mug arrived chipped",
        lines=[{"sku": "MUG-7", "quantity": 2}], expected_version=1,
    )

    (refunded,) = events_since(hub, before)
    assert position == hub.position()
    assert isinstance(refunded, Purchase.Refunded)
    assert refunded.actor == "user:service"
    assert refunded.customer_id == customer_id
    assert refunded.reason == "Mug arrived chipped"
    assert refunded.amount == Decimal("20.00")
    assert refunded.lines == [{"sku": "MUG-7", "quantity": 2, "amount": Decimal("20.00")}]
    purchase = hub.load(Purchase, purchase_id)
    assert purchase.remaining_amount == Decimal("19.00")
    assert purchase.remaining_quantity("MUG-7") == 1
    assert purchase.remaining_quantity("TEA-1") == 2


def test_refunding_an_amount_reduces_what_is_left(hub: Hub, purchase_id: UUID) -> None:
    before = hub.position()

    hub.refund_purchase(actor=CLERK, purchase_id=purchase_id, amount="5.5",
                        reason="Late delivery")

    (refunded,) = events_since(hub, before)
    assert refunded.amount == Decimal("5.50")
    assert refunded.lines == []
    assert hub.load(Purchase, purchase_id).remaining_amount == Decimal("33.50")


def test_refunding_more_units_than_are_left_is_refused(hub: Hub, purchase_id: UUID) -> None:
    hub.refund_purchase(actor=CLERK, purchase_id=purchase_id, reason="broken",
                        lines=[{"sku": "MUG-7", "quantity": 2}])

    error = refuses(hub, InvalidValueError, lambda: hub.refund_purchase(
        actor=CLERK, purchase_id=purchase_id, reason="broken",
        lines=[{"sku": "TEA-1", "quantity": 1}, {"sku": "MUG-7", "quantity": 2}]))

    assert isinstance(error, InvalidValueError)
    assert error.field == "lines[1].quantity"
    assert "1 left" in error.reason


def test_refunding_more_money_than_is_left_is_refused(hub: Hub, purchase_id: UUID) -> None:
    hub.refund_purchase(actor=CLERK, purchase_id=purchase_id, amount="30", reason="goodwill")

    error = refuses(hub, InvalidValueError, lambda: hub.refund_purchase(
        actor=CLERK, purchase_id=purchase_id, amount="9.01", reason="goodwill"))

    assert isinstance(error, InvalidValueError)
    assert error.field == "amount"
    assert "9.00 EUR left" in error.reason


def test_refunding_units_worth_more_than_the_money_left_is_refused(
    hub: Hub, purchase_id: UUID
) -> None:
    hub.refund_purchase(actor=CLERK, purchase_id=purchase_id, amount="35", reason="goodwill")

    error = refuses(hub, InvalidValueError, lambda: hub.refund_purchase(
        actor=CLERK, purchase_id=purchase_id, reason="returned",
        lines=[{"sku": "TEA-1", "quantity": 1}]))

    assert isinstance(error, InvalidValueError)
    assert error.field == "lines"


@pytest.mark.parametrize("full_refund", [
    {"amount": "39.00"},
    {"lines": [{"sku": "TEA-1", "quantity": 2}, {"sku": "MUG-7", "quantity": 3}]},
])
def test_a_fully_refunded_purchase_cannot_be_refunded_again(
    hub: Hub, purchase_id: UUID, full_refund: dict[str, Any]
) -> None:
    hub.refund_purchase(actor=CLERK, purchase_id=purchase_id, reason="returned", **full_refund)
    assert hub.load(Purchase, purchase_id).fully_refunded

    refuses(hub, InvalidTransitionError, lambda: hub.refund_purchase(
        actor=CLERK, purchase_id=purchase_id, amount="0.01", reason="again"))


def test_a_free_purchase_is_fully_refunded_when_every_unit_came_back(
    hub: Hub, customer_id: UUID
) -> None:
    sample = hub.record_purchase(actor=CLERK, customer_id=customer_id, channel="direct",
                                 lines=[line("SAMPLE", quantity=1, unit_price="0")])

    hub.refund_purchase(actor=CLERK, purchase_id=sample, reason="returned",
                        lines=[{"sku": "SAMPLE", "quantity": 1}])

    purchase = hub.load(Purchase, sample)
    assert purchase.refunded_amount == Decimal("0.00")
    assert purchase.fully_refunded


@pytest.mark.parametrize(("refund", "field"), [
    ({}, "lines"),
    ({"amount": "1", "lines": [{"sku": "TEA-1", "quantity": 1}]}, "lines"),
    ({"lines": []}, "lines"),
    ({"amount": 1.5}, "amount"),
    ({"amount": "0"}, "amount"),
    ({"amount": "-3"}, "amount"),
    ({"lines": [{"sku": "NOPE", "quantity": 1}]}, "lines[0].sku"),
    ({"lines": [{"sku": "TEA-1", "quantity": 0}]}, "lines[0].quantity"),
    ({"lines": [{"sku": "TEA-1", "quantity": -1}]}, "lines[0].quantity"),
    ({"lines": [{"sku": "TEA-1", "quantity": 1}, {"sku": "TEA-1", "quantity": 1}]},
     "lines[1].sku"),
    ({"lines": [{"sku": "TEA-1", "quantity": 1, "unit_price": "4.50"}]}, "lines[0]"),
    ({"amount": "1", "reason": "   "}, "reason"),
])
def test_a_bad_refund_is_refused_and_records_nothing(
    hub: Hub, purchase_id: UUID, refund: dict[str, Any], field: str
) -> None:
    arguments = {"reason": "returned", **refund}

    error = refuses(hub, InvalidValueError, lambda: hub.refund_purchase(
        actor=CLERK, purchase_id=purchase_id, **arguments))

    assert isinstance(error, InvalidValueError)
    assert error.field == field


def test_a_refund_of_an_unknown_purchase_is_not_found(hub: Hub, customer_id: UUID) -> None:
    for unknown in (uuid4(), customer_id):
        refuses(hub, NotFoundError, lambda unknown=unknown: hub.refund_purchase(
            actor=CLERK, purchase_id=unknown, amount="1", reason="returned"))


def test_a_refund_on_a_stale_version_is_a_conflict(hub: Hub, purchase_id: UUID) -> None:
    hub.refund_purchase(actor=CLERK, purchase_id=purchase_id, amount="1", reason="goodwill")

    refuses(hub, ConcurrencyError, lambda: hub.refund_purchase(
        actor=CLERK, purchase_id=purchase_id, amount="1", reason="goodwill",
        expected_version=1))
