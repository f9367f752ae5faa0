"""Purchases: stories of a shop recording what customers bought."""


from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    InvalidValueError,
    NotFoundError,
)
from domain.hub import Hub
from domain.orders import Purchase
from tests.stories import events_since
from tests.unit.orders_stories import CLERK, line, refuses, register_customer

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
