"""Purchases and refunds: stories of a shop recording what customers bought and gave back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
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


# -- recording purchases ----------------------------------------------------------


def test_a_purchase_records_its_lines_and_computed_total(hub: Hub, customer_id: UUID) -> None:
    before = hub.position()

    purchase_id = hub.record_purchase(
        actor=CLERK, customer_id=str(customer_id), channel="store",
        lines=[line("TEA-1", quantity=3, unit_price="4.5"), line("POT-2", category=" ",
                                                                  unit_price=Decimal("0"))],
        external_order_number=" POS-0042 ",
    )

    (recorded,) = events_since(hub, before)
    assert isinstance(recorded, Purchase.Recorded)
    assert recorded.originator_id == purchase_id
    assert recorded.actor == CLERK
    assert recorded.customer_id == customer_id
    assert recorded.channel == "store"
    assert recorded.currency == "EUR"
    assert recorded.total == Decimal("13.50")
    assert recorded.external_order_number == "POS-0042"
    assert recorded.lines == [
        {"sku": "TEA-1", "product_name": "Green tea", "category": "tea", "quantity": 3,
         "unit_price": Decimal("4.50")},
        {"sku": "POT-2", "product_name": "Green tea", "category": None, "quantity": 2,
         "unit_price": Decimal("0.00")},
    ]
    purchase = hub.load(Purchase, purchase_id)
    assert purchase.total == Decimal("13.50")
    assert purchase.remaining_amount == Decimal("13.50")
    assert not purchase.fully_refunded


def test_a_purchase_imported_from_history_keeps_when_it_happened(
    hub: Hub, customer_id: UUID
) -> None:
    last_year = datetime.now(UTC) - timedelta(days=365)
    before = hub.position()

    hub.record_purchase(actor="import:shop", customer_id=customer_id, channel="partner",
                        lines=[line()], occurred_at=last_year)

    (recorded,) = events_since(hub, before)
    assert recorded.occurred_at == last_year
    assert recorded.timestamp > last_year
    assert recorded.actor == "import:shop"


@pytest.mark.parametrize(("lines", "field"), [
    ([], "lines"),
    ([line(quantity=-1)], "lines[0].quantity"),
    ([line(quantity=0)], "lines[0].quantity"),
    ([line(quantity=1.0)], "lines[0].quantity"),
    ([line(quantity=True)], "lines[0].quantity"),
    ([line(quantity="2")], "lines[0].quantity"),
    ([line(unit_price=4.5)], "lines[0].unitPrice"),
    ([line(unit_price="-1.00")], "lines[0].unitPrice"),
    ([line(unit_price="4.505")], "lines[0].unitPrice"),
    ([line(unit_price=None)], "lines[0].unitPrice"),
    ([line(), line("MUG-7", currency="USD")], "lines"),
    ([line(currency="euro")], "lines[0].currency"),
    ([line(), line(" ")], "lines[1].sku"),
    ([line(), line("TEA-1")], "lines[1].sku"),
    ([line(product_name="")], "lines[0].productName"),
    ([line(colour="green")], "lines[0]"),
])
def test_a_purchase_with_a_bad_line_is_refused_and_records_nothing(
    hub: Hub, customer_id: UUID, lines: list[dict[str, Any]], field: str
) -> None:
    error = refuses(hub, InvalidValueError, lambda: hub.record_purchase(
        actor=CLERK, customer_id=customer_id, channel="web", lines=lines))

    assert isinstance(error, InvalidValueError)
    assert error.field == field


def test_a_purchase_on_an_unknown_channel_is_refused(hub: Hub, customer_id: UUID) -> None:
    error = refuses(hub, InvalidValueError, lambda: hub.record_purchase(
        actor=CLERK, customer_id=customer_id, channel="carrier pigeon", lines=[line()]))

    assert isinstance(error, InvalidValueError)
    assert error.field == "channel"


def test_a_purchase_for_an_unknown_customer_is_not_found(hub: Hub) -> None:
    error = refuses(hub, NotFoundError, lambda: hub.record_purchase(
        actor=CLERK, customer_id=uuid4(), channel="web", lines=[line()]))

    assert isinstance(error, NotFoundError)
    assert error.kind == "customer"


def test_a_purchase_for_a_malformed_customer_id_names_the_field(hub: Hub) -> None:
    error = refuses(hub, InvalidValueError, lambda: hub.record_purchase(
        actor=CLERK, customer_id="not-an-id", channel="web", lines=[line()]))

    assert isinstance(error, InvalidValueError)
    assert error.field == "customerId"


def test_a_purchase_for_a_purchase_id_instead_of_a_customer_is_not_found(
    hub: Hub, purchase_id: UUID
) -> None:
    refuses(hub, NotFoundError, lambda: hub.record_purchase(
        actor=CLERK, customer_id=purchase_id, channel="web", lines=[line()]))


def an_opportunity(hub: Hub, customer_id: UUID) -> UUID:
    return hub.open_opportunity(actor=CLERK, customer_id=customer_id, name="Tea for the office",
                                amount="500", currency="EUR",
                                expected_close_date=date.today() + timedelta(days=30))


def test_a_purchase_is_attributed_to_an_opportunity_and_a_campaign(
    hub: Hub, customer_id: UUID
) -> None:
    opportunity_id = an_opportunity(hub, customer_id)
    campaign_id = hub.create_campaign(actor=CLERK, name="Spring teas", channel="email",
                                      budget="100", currency="EUR", starts_on=date.today(),
                                      ends_on=date.today() + timedelta(days=30))

    purchase_id = hub.record_purchase(actor=CLERK, customer_id=customer_id, channel="web",
                                      lines=[line()], opportunity_id=str(opportunity_id),
                                      campaign_id=str(campaign_id))

    purchase = hub.load(Purchase, purchase_id)
    assert purchase.opportunity_id == opportunity_id
    assert purchase.campaign_id == campaign_id


def test_a_contact_buys_against_their_organisations_opportunity(hub: Hub) -> None:
    organisation = hub.register_customer(actor=CLERK, kind="organisation",
                                         profile={"company_name": "Globex"})
    buyer = hub.register_customer(actor=CLERK, kind="person", organisation_id=organisation,
                                  profile={"given_name": "Hank", "family_name": "Scorpio"})
    opportunity_id = an_opportunity(hub, organisation)

    purchase_id = hub.record_purchase(actor=CLERK, customer_id=buyer, channel="direct",
                                      lines=[line()], opportunity_id=opportunity_id)

    assert hub.load(Purchase, purchase_id).opportunity_id == opportunity_id


def test_a_purchase_attributed_to_another_customers_opportunity_is_refused(
    hub: Hub, customer_id: UUID
) -> None:
    someone_else = register_customer(hub, "Byron")
    opportunity_id = an_opportunity(hub, someone_else)

    error = refuses(hub, InvalidValueError, lambda: hub.record_purchase(
        actor=CLERK, customer_id=customer_id, channel="web", lines=[line()],
        opportunity_id=opportunity_id))

    assert isinstance(error, InvalidValueError)
    assert error.field == "opportunityId"


@pytest.mark.parametrize(("attribution", "kind"), [
    ("opportunity_id", "opportunity"),
    ("campaign_id", "campaign"),
])
def test_a_purchase_attributed_to_an_unknown_opportunity_or_campaign_is_not_found(
    hub: Hub, customer_id: UUID, attribution: str, kind: str
) -> None:
    arguments: dict[str, Any] = {attribution: uuid4()}

    error = refuses(hub, NotFoundError, lambda: hub.record_purchase(
        actor=CLERK, customer_id=customer_id, channel="web", lines=[line()], **arguments))

    assert isinstance(error, NotFoundError)
    assert error.kind == kind


def test_the_same_external_order_is_not_recorded_twice(hub: Hub, customer_id: UUID) -> None:
    first = hub.record_purchase(actor=CLERK, customer_id=customer_id, channel="web",
                                lines=[line()], external_order_number="WEB-1001")

    error = refuses(hub, InvalidValueError, lambda: hub.record_purchase(
        actor=CLERK, customer_id=customer_id, channel="web", lines=[line()],
        external_order_number="WEB-1001"))

    assert isinstance(error, InvalidValueError)
    assert error.field == "externalOrderNumber"
    assert str(first) in error.reason


def test_the_same_order_number_from_another_channel_or_customer_is_another_purchase(
    hub: Hub, customer_id: UUID
) -> None:
    other_customer = register_customer(hub, "Byron")
    numbered = {"lines": [line()], "external_order_number": "1001", "actor": CLERK}

    ids = {
        hub.record_purchase(customer_id=customer_id, channel="web", **numbered),
        hub.record_purchase(customer_id=customer_id, channel="store", **numbered),
        hub.record_purchase(customer_id=other_customer, channel="web", **numbered),
    }

    assert len(ids) == 3


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
