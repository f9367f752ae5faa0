"""Purchases and refunds through GraphQL over HTTP: a shop records what customers bought
and what they gave back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.hub import Hub

UNKNOWN = "00000000-0000-4000-8000-000000000000"

PURCHASE_FIELDS = """id version createdAt updatedAt customerId channel opportunityId campaignId
                     externalOrderNumber total { amount currency }
                     refundedTotal { amount currency }
                     lines { sku productName category quantity refundedQuantity
                             unitPrice { amount currency } lineTotal { amount currency } }"""

RECORD = f"""mutation ($input: RecordPurchaseInput!) {{
  recordPurchase(input: $input) {{ {PURCHASE_FIELDS} }} }}"""
REFUND = f"""mutation ($input: RefundPurchaseInput!) {{
  refundPurchase(input: $input) {{ {PURCHASE_FIELDS} }} }}"""
PURCHASE = f"""query ($id: ID!) {{ purchase(id: $id) {{ {PURCHASE_FIELDS} }} }}"""

TEA = {"sku": "TEA-1", "productName": "Green tea", "category": "tea", "quantity": 2,
       "unitPrice": "4.50", "currency": "EUR"}
MUG = {"sku": "MUG-7", "productName": "Mug", "quantity": 3, "unitPrice": "10", "currency": "EUR"}


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


# -- given ---------------------------------------------------------------------------


def a_customer(gql, **fields: Any) -> str:
    register = """mutation ($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id } }"""
    payload = {"kind": "PERSON", "givenName": "Ada", "familyName": "Lovelace", **fields}
    return gql.ok(register, {"input": payload})["registerCustomer"]["id"]


def record(gql, customer_id: str, *, role: str = "sales", **fields: Any) -> dict:
    """A web purchase of 2 teas at 4.50 and 3 mugs at 10.00 (39.00 EUR), unless told otherwise."""
    payload = {"customerId": customer_id, "channel": "WEB", "lines": [TEA, MUG], **fields}
    return gql.ok(RECORD, {"input": payload}, role=role)["recordPurchase"]


def refund(gql, purchase_id: str, *, role: str = "service", **fields: Any) -> dict:
    payload = {"id": purchase_id, "reason": "arrived broken", **fields}
    return gql.ok(REFUND, {"input": payload}, role=role)["refundPurchase"]


def an_opportunity(hub: Hub, customer_id: str) -> str:
    return str(hub.open_opportunity(actor="sam", customer_id=customer_id, name="Office tea",
                                    amount="500", currency="EUR",
                                    expected_close_date=date.today() + timedelta(days=30)))


def a_campaign(hub: Hub) -> str:
    return str(hub.create_campaign(actor="mia", name="Spring teas", channel="email",
                                   budget="100", currency="EUR", starts_on=date.today(),
                                   ends_on=date.today() + timedelta(days=30)))


@pytest.fixture
def customer_id(gql) -> str:
    return a_customer(gql)


@pytest.fixture
def purchase(gql, customer_id: str) -> dict:
    return record(gql, customer_id)


# -- recording -------------------------------------------------------------------------


def test_a_recorded_purchase_can_be_read_back_with_its_totals(gql, customer_id):
    purchase = record(gql, customer_id, externalOrderNumber=" WEB-1001 ")

    assert purchase["version"] == 1
    assert purchase["customerId"] == customer_id
    assert purchase["channel"] == "WEB"
    assert purchase["externalOrderNumber"] == "WEB-1001"
    assert purchase["opportunityId"] is None and purchase["campaignId"] is None
    assert purchase["total"] == eur("39.00")
    assert purchase["refundedTotal"] == eur("0.00")
    assert purchase["lines"] == [
        {"sku": "TEA-1", "productName": "Green tea", "category": "tea", "quantity": 2,
         "refundedQuantity": 0, "unitPrice": eur("4.50"), "lineTotal": eur("9.00")},
        {"sku": "MUG-7", "productName": "Mug", "category": None, "quantity": 3,
         "refundedQuantity": 0, "unitPrice": eur("10.00"), "lineTotal": eur("30.00")},
    ]
    assert gql.ok(PURCHASE, {"id": purchase["id"]}, role="analytics")["purchase"] == purchase


def test_a_purchase_is_attributed_to_an_opportunity_and_a_campaign(gql, hub: Hub, customer_id):
    opportunity_id, campaign_id = an_opportunity(hub, customer_id), a_campaign(hub)

    purchase = record(gql, customer_id, opportunityId=opportunity_id, campaignId=campaign_id)

    assert (purchase["opportunityId"], purchase["campaignId"]) == (opportunity_id, campaign_id)


def test_a_purchase_imported_from_history_keeps_when_it_happened(gql, hub: Hub, customer_id,
                                                                  token):
    last_year = (datetime.now(UTC) - timedelta(days=365)).replace(microsecond=0)
    before = hub.position()
    importer = token("sales", subject="import:shop")
    response = gql.client.post("/graphql", headers={"Authorization": f"Bearer {importer}"}, json={
        "query": RECORD, "variables": {"input": {
            "customerId": customer_id, "channel": "PARTNER", "lines": [TEA],
            "occurredAt": last_year.isoformat()}}})
    assert not response.json().get("errors"), response.json()
    purchase_id = response.json()["data"]["recordPurchase"]["id"]

    (notification,) = hub.notification_log.select(start=before + 1, limit=10)
    recorded = hub.mapper.to_domain_event(notification)
    assert recorded.occurred_at == last_year
    assert recorded.actor == "import:shop"
    read = gql.ok("query ($id: ID!) { purchase(id: $id) { purchasedAt createdAt } }", {"id": purchase_id})
    assert read["purchase"]["purchasedAt"] == last_year.isoformat()
    assert read["purchase"]["createdAt"] > read["purchase"]["purchasedAt"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"lines": []}, "lines"),
    ({"lines": [{**TEA, "sku": ""}]}, "lines[0].sku"),
    ({"lines": [{**TEA, "productName": "x" * 201}]}, "lines[0].productName"),
    ({"customerId": "banana"}, "customerId"),
    ({"campaignId": "spring"}, "campaignId"),
    ({"externalOrderNumber": "x" * 65}, "externalOrderNumber"),
    ({"lines": [{**TEA, "quantity": 0}]}, "lines[0].quantity"),
    ({"lines": [{**TEA, "unitPrice": "4.505"}]}, "lines[0].unitPrice"),
    ({"lines": [{**TEA, "unitPrice": "-1"}]}, "lines[0].unitPrice"),
    ({"lines": [{**TEA, "currency": "euro"}]}, "lines[0].currency"),
    ({"lines": [TEA, {**MUG, "currency": "USD"}]}, "lines"),
    ({"lines": [TEA, {**TEA, "quantity": 1}]}, "lines[1].sku"),
    ({"occurredAt": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "occurredAt"),
])
def test_a_bad_purchase_names_the_field_and_records_nothing(gql, hub: Hub, customer_id,
                                                            changes, field):
    before = hub.position()
    payload = {"customerId": customer_id, "channel": "WEB", "lines": [TEA], **changes}

    error = gql.error(RECORD, {"input": payload}, role="sales")

    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)
    assert hub.position() == before


def test_an_unknown_channel_is_refused_by_the_schema(gql, hub: Hub, customer_id):
    before = hub.position()
    error = gql.error(RECORD, {"input": {"customerId": customer_id, "channel": "PIGEON",
                                         "lines": [TEA]}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "PIGEON" in error["message"]
    assert hub.position() == before


@pytest.mark.parametrize("attribution", ["customerId", "opportunityId", "campaignId"])
def test_a_purchase_for_an_unknown_customer_or_attribution_is_not_found(gql, hub: Hub,
                                                                        customer_id, attribution):
    before = hub.position()
    payload = {"customerId": customer_id, "channel": "WEB", "lines": [TEA], attribution: UNKNOWN}
    error = gql.error(RECORD, {"input": payload})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert hub.position() == before


def test_a_purchase_attributed_to_another_customers_opportunity_is_refused(gql, hub: Hub,
                                                                           customer_id):
    theirs = an_opportunity(hub, a_customer(gql, familyName="Byron"))
    before = hub.position()
    error = gql.error(RECORD, {"input": {"customerId": customer_id, "channel": "WEB",
                                         "lines": [TEA], "opportunityId": theirs}})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT", "opportunityId")
    assert hub.position() == before


def test_the_same_external_order_is_not_recorded_twice(gql, hub: Hub, customer_id):
    first = record(gql, customer_id, externalOrderNumber="WEB-1001")
    before = hub.position()

    error = gql.error(RECORD, {"input": {"customerId": customer_id, "channel": "WEB",
                                         "lines": [TEA], "externalOrderNumber": "WEB-1001"}})

    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT", "externalOrderNumber")
    assert first["id"] in error["message"]
    assert hub.position() == before


# -- refunds ---------------------------------------------------------------------------


def test_refunds_of_units_and_of_money_add_up(gql, purchase):
    refunded = refund(gql, purchase["id"], lines=[{"sku": "MUG-7", "quantity": 2}],
                      expectedVersion=1)
    assert refunded["version"] == 2
    assert refunded["refundedTotal"] == eur("20.00")
    assert [line["refundedQuantity"] for line in refunded["lines"]] == [0, 2]

    refunded = refund(gql, purchase["id"], amount="5.50", reason="late delivery", role="sales")
    assert refunded["version"] == 3
    assert refunded["refundedTotal"] == eur("25.50")
    assert refunded["total"] == eur("39.00")
    assert gql.ok(PURCHASE, {"id": purchase["id"]}, role="auditor")["purchase"] == refunded


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"lines": [{"sku": "MUG-7", "quantity": 4}]}, "BAD_USER_INPUT", "lines[0].quantity"),
    ({"lines": [{"sku": "TEA-1", "quantity": 0}]}, "BAD_USER_INPUT", "lines[0].quantity"),
    ({"lines": [{"sku": "CAKE", "quantity": 1}]}, "BAD_USER_INPUT", "lines[0].sku"),
    ({"lines": [{"sku": "", "quantity": 1}]}, "BAD_USER_INPUT", "lines[0].sku"),
    ({"lines": []}, "BAD_USER_INPUT", "lines"),
    ({"amount": "39.01"}, "BAD_USER_INPUT", "amount"),
    ({"amount": "0"}, "BAD_USER_INPUT", "amount"),
    ({"amount": "1.00", "lines": [{"sku": "TEA-1", "quantity": 1}]}, "BAD_USER_INPUT", "lines"),
    ({}, "BAD_USER_INPUT", "lines"),
    ({"amount": "1.00", "reason": ""}, "BAD_USER_INPUT", "reason"),
    ({"amount": "1.00", "expectedVersion": 0}, "BAD_USER_INPUT", "expectedVersion"),
    ({"amount": "1.00", "expectedVersion": 2}, "CONFLICT", None),
])
def test_a_bad_refund_is_refused_and_records_nothing(gql, hub: Hub, purchase,
                                                     changes, code, field):
    before = hub.position()
    payload = {"id": purchase["id"], "reason": "arrived broken", **changes}

    error = gql.error(REFUND, {"input": payload})

    assert (error["extensions"]["code"], error["extensions"].get("field")) == (code, field)
    assert hub.position() == before


def test_a_fully_refunded_purchase_cannot_be_refunded_again(gql, hub: Hub, purchase):
    refund(gql, purchase["id"], amount="39.00")
    before = hub.position()

    error = gql.error(REFUND, {"input": {"id": purchase["id"], "reason": "again",
                                         "amount": "1.00"}})

    assert error["extensions"]["code"] == "CONFLICT"
    assert "fully refunded" in error["message"]
    assert hub.position() == before


def test_an_unknown_purchase_is_not_found(gql, hub: Hub, customer_id):
    assert gql.error(PURCHASE, {"id": UNKNOWN})["extensions"]["code"] == "NOT_FOUND"
    assert gql.error(PURCHASE, {"id": customer_id})["extensions"]["code"] == "NOT_FOUND"
    assert gql.error(PURCHASE, {"id": "banana"})["extensions"]["code"] == "BAD_USER_INPUT"
    before = hub.position()
    error = gql.error(REFUND, {"input": {"id": UNKNOWN, "reason": "x", "amount": "1.00"}})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert hub.position() == before


# -- who may do what ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["marketing", "analytics", "auditor"])
def test_roles_without_orders_write_may_not_record_or_refund(gql, hub: Hub, customer_id,
                                                            purchase, role):
    before = hub.position()
    attempts = [
        (RECORD, {"customerId": customer_id, "channel": "WEB", "lines": [TEA]}),
        (REFUND, {"id": purchase["id"], "reason": "arrived broken", "amount": "1.00"}),
    ]
    for mutation, payload in attempts:
        error = gql.error(mutation, {"input": payload}, role=role)
        assert error["extensions"]["code"] == "FORBIDDEN"
    assert hub.position() == before


def test_a_request_without_a_token_records_nothing(gql, hub: Hub, customer_id):
    before = hub.position()
    error = gql.error(RECORD, {"input": {"customerId": customer_id, "channel": "WEB",
                                         "lines": [TEA]}}, role=None)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert hub.position() == before


@pytest.mark.parametrize("role", ["admin", "sales", "service"])
def test_sales_and_service_record_and_refund_purchases(gql, customer_id, role):
    purchase = record(gql, customer_id, role=role)
    assert refund(gql, purchase["id"], amount="1.00", role=role)["version"] == 2


def test_every_internal_role_reads_purchases(gql, purchase):
    for role in ("admin", "sales", "service", "marketing", "analytics", "auditor"):
        assert gql.ok(PURCHASE, {"id": purchase["id"]}, role=role)["purchase"]["id"] == purchase["id"]
