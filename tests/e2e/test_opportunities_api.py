"""Sales through GraphQL over HTTP: the opportunity pipeline and quotes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.hub import Hub
from domain.quotes import QuoteLineDraft
from tests.e2e.sales_api_stories import (
    ACCEPT,
    ADVANCE,
    CLOSE,
    EXPIRE,
    ISSUE,
    LINES,
    NEXT_MONTH,
    OPEN,
    OPPORTUNITY,
    QUOTE,
    REJECT,
    TODAY,
    UNKNOWN,
    UPDATE,
    a_customer,
    issue,
    open_opportunity,
    refused,
)

# -- opportunities -------------------------------------------------------------------


def test_an_opportunity_moves_through_the_pipeline_and_closes(gql, hub: Hub):
    opportunity = open_opportunity(gql, owner="sam")
    assert opportunity["stage"] == "PROSPECTING" and opportunity["version"] == 1
    assert opportunity["amount"] == {"amount": "12000.00", "currency": "EUR"}
    assert opportunity["weightedAmount"] == {"amount": "1200.00", "currency": "EUR"}
    assert opportunity["expectedCloseDate"] == NEXT_MONTH
    oid = opportunity["id"]

    moved = gql.ok(ADVANCE, {"input": {"id": oid, "stage": "NEGOTIATION",
                                       "expectedVersion": 1}})["advanceOpportunity"]
    assert moved["stage"] == "NEGOTIATION" and moved["probability"] == "0.80"
    assert moved["weightedAmount"] == {"amount": "9600.00", "currency": "EUR"}
    back = gql.ok(ADVANCE, {"input": {"id": oid, "stage": "PROPOSAL"}})["advanceOpportunity"]
    assert back["stage"] == "PROPOSAL" and back["probability"] == "0.50"
    ext = refused(gql, hub, ADVANCE, {"id": oid, "stage": "PROSPECTING"})
    assert ext["code"] == "CONFLICT"
    ext = refused(gql, hub, ADVANCE, {"id": oid, "stage": "WON"})
    assert ext == {"code": "BAD_USER_INPUT", "field": "stage"}

    later = (TODAY + timedelta(days=60)).isoformat()
    updated = gql.ok(UPDATE, {"input": {"id": oid, "amount": "15000.5", "expectedCloseDate": later,
                                        "expectedVersion": 3}})["updateOpportunity"]
    assert updated["amount"] == {"amount": "15000.50", "currency": "EUR"}
    assert updated["weightedAmount"] == {"amount": "7500.25", "currency": "EUR"}
    assert updated["expectedCloseDate"] == later
    assert updated["name"] == "Globex fleet renewal" and updated["owner"] == "sam"
    assert refused(gql, hub, UPDATE, {"id": oid, "name": "Renamed",
                                      "expectedVersion": 3})["code"] == "CONFLICT"

    ext = refused(gql, hub, CLOSE, {"id": oid, "outcome": "LOST"})
    assert ext == {"code": "BAD_USER_INPUT", "field": "reason"}
    lost = gql.ok(CLOSE, {"input": {"id": oid, "outcome": "LOST", "reason": "went with Initech",
                                    "expectedVersion": 4}})["closeOpportunity"]
    assert lost["stage"] == "LOST" and lost["probability"] == "0.00"
    assert lost["weightedAmount"] == {"amount": "0.00", "currency": "EUR"}
    assert lost["closeReason"] == "went with Initech"
    assert gql.ok(OPPORTUNITY, {"id": oid}, role="auditor")["opportunity"] == lost

    for document, payload in ((CLOSE, {"id": oid, "outcome": "WON"}),
                              (ADVANCE, {"id": oid, "stage": "NEGOTIATION"}),
                              (UPDATE, {"id": oid, "amount": "1"})):
        assert refused(gql, hub, document, payload)["code"] == "CONFLICT"


def test_a_won_opportunity_keeps_its_full_amount(gql):
    opportunity = open_opportunity(gql, stage="PROPOSAL")
    assert opportunity["probability"] == "0.50"
    won = gql.ok(CLOSE, {"input": {"id": opportunity["id"], "outcome": "WON"}},
                 role="sales")["closeOpportunity"]
    assert won["stage"] == "WON" and won["closeReason"] is None
    assert won["weightedAmount"] == won["amount"] == {"amount": "12000.00", "currency": "EUR"}


@pytest.mark.parametrize(("fields", "field"), [
    ({"amount": "-1"}, "amount"),
    ({"amount": "12.345"}, "amount"),
    ({"currency": "eur"}, "currency"),
    ({"name": ""}, "name"),
    ({"expectedCloseDate": (TODAY - timedelta(days=1)).isoformat()}, "expectedCloseDate"),
    ({"stage": "WON"}, "stage"),
    ({"customerId": "banana"}, "customerId"),
    ({"customerId": UNKNOWN}, None),
])
def test_an_opportunity_with_bad_details_is_refused(gql, hub: Hub, fields, field):
    payload = {"customerId": a_customer(gql), "name": "Deal", "amount": "10", "currency": "EUR",
               "expectedCloseDate": NEXT_MONTH, **fields}
    expected = {"code": "BAD_USER_INPUT", "field": field} if field else {"code": "NOT_FOUND"}
    assert refused(gql, hub, OPEN, payload) == expected


@pytest.mark.parametrize("bad", [{"stage": "CLOSING"}, {"amount": "lots"},
                                 {"expectedCloseDate": "next friday"}])
def test_unknown_vocabulary_and_malformed_scalars_are_refused_by_the_schema(gql, hub: Hub, bad):
    payload = {"customerId": a_customer(gql), "name": "Deal", "amount": "10", "currency": "EUR",
               "expectedCloseDate": NEXT_MONTH, **bad}
    before = hub.position()
    error = gql.error(OPEN, {"input": payload})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert next(iter(bad.values())) in error["message"]
    assert hub.position() == before


# -- quotes --------------------------------------------------------------------------


def test_a_quote_is_issued_with_its_totals_and_accepted(gql, hub: Hub):
    opportunity = open_opportunity(gql)
    quote = issue(gql, opportunity["id"])
    assert quote["status"] == "ISSUED" and quote["version"] == 1
    assert quote["opportunityId"] == opportunity["id"]
    assert quote["customerId"] == opportunity["customerId"]
    assert quote["validUntil"] == NEXT_MONTH
    assert quote["lines"] == [
        {"sku": "LIC-100", "description": "Annual licence", "quantity": "3",
         "discountPercent": "10.00", "unitPrice": {"amount": "100.00", "currency": "EUR"},
         "total": {"amount": "270.00", "currency": "EUR"}},
        {"sku": "SUP-1", "description": None, "quantity": "1", "discountPercent": "0.00",
         "unitPrice": {"amount": "49.99", "currency": "EUR"},
         "total": {"amount": "49.99", "currency": "EUR"}},
    ]
    assert quote["total"] == {"amount": "319.99", "currency": "EUR"}
    assert gql.ok(QUOTE, {"id": quote["id"]}, role="analytics")["quote"] == quote

    accepted = gql.ok(ACCEPT, {"input": {"id": quote["id"], "expectedVersion": 1}},
                      role="sales")["acceptQuote"]
    assert accepted["status"] == "ACCEPTED" and accepted["version"] == 2
    assert gql.ok(OPPORTUNITY, {"id": opportunity["id"]})["opportunity"]["stage"] == "PROSPECTING"
    for document, payload in ((ACCEPT, {"id": quote["id"]}),
                              (REJECT, {"id": quote["id"], "reason": "too late"}),
                              (EXPIRE, {"id": quote["id"]})):
        assert refused(gql, hub, document, payload)["code"] == "CONFLICT"


def test_a_rejected_quote_keeps_the_reason(gql, hub: Hub):
    quote = issue(gql, open_opportunity(gql)["id"])
    assert refused(gql, hub, REJECT, {"id": quote["id"], "reason": "x",
                                      "expectedVersion": 2})["code"] == "CONFLICT"
    rejected = gql.ok(REJECT, {"input": {"id": quote["id"], "reason": "over budget"}},
                      role="sales")["rejectQuote"]
    assert rejected["status"] == "REJECTED" and rejected["rejectionReason"] == "over budget"


@pytest.mark.parametrize(("fields", "field"), [
    ({"currency": "USD"}, "currency"),
    ({"lines": []}, "lines"),
    ({"lines": [{**LINES[0], "quantity": "0"}]}, "lines[0].quantity"),
    ({"lines": [LINES[1], {**LINES[0], "discountPercent": "120"}]}, "lines[1].discountPercent"),
    ({"lines": [{**LINES[0], "unitPrice": "1.001"}]}, "lines[0].unitPrice"),
    ({"lines": [{**LINES[0], "sku": ""}]}, "lines[0].sku"),
    ({"validUntil": (TODAY - timedelta(days=1)).isoformat()}, "validUntil"),
])
def test_a_quote_with_bad_details_is_refused(gql, hub: Hub, fields, field):
    payload = {"opportunityId": open_opportunity(gql)["id"], "currency": "EUR", "lines": LINES,
               "validUntil": NEXT_MONTH, **fields}
    assert refused(gql, hub, ISSUE, payload) == {"code": "BAD_USER_INPUT", "field": field}


def test_a_closed_or_unknown_opportunity_is_not_quoted(gql, hub: Hub):
    opportunity = open_opportunity(gql)
    gql.ok(CLOSE, {"input": {"id": opportunity["id"], "outcome": "LOST", "reason": "no budget"}})
    payload = {"opportunityId": opportunity["id"], "currency": "EUR", "lines": LINES,
               "validUntil": NEXT_MONTH}
    assert refused(gql, hub, ISSUE, payload)["code"] == "CONFLICT"
    assert refused(gql, hub, ISSUE, {**payload, "opportunityId": UNKNOWN})["code"] == "NOT_FOUND"


def test_a_quote_expires_only_after_its_last_valid_day(gql, hub: Hub):
    """Given a quote issued ten days ago and valid until yesterday, and one still valid."""
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    customer_id = hub.register_customer(actor="sales-user", kind="organisation",
                                        profile={"company_name": "Globex"},
                                        occurred_at=ten_days_ago)
    opportunity_id = hub.open_opportunity(
        actor="sales-user", customer_id=customer_id, name="Globex renewal", amount="100",
        currency="EUR", expected_close_date=TODAY + timedelta(days=5), occurred_at=ten_days_ago)
    stale = hub.issue_quote(
        actor="sales-user", opportunity_id=opportunity_id, currency="EUR",
        lines=[QuoteLineDraft(sku="LIC-100", quantity=1, unit_price="100")],
        valid_until=TODAY - timedelta(days=1), occurred_at=ten_days_ago)
    fresh = issue(gql, str(opportunity_id))

    error = gql.error(ACCEPT, {"input": {"id": str(stale)}})
    assert error["extensions"]["code"] == "CONFLICT" and "expired offer" in error["message"]
    assert refused(gql, hub, EXPIRE, {"id": fresh["id"]})["code"] == "CONFLICT"

    expired = gql.ok(EXPIRE, {"input": {"id": str(stale), "expectedVersion": 1}},
                     role="sales")["expireQuote"]
    assert expired["status"] == "EXPIRED" and expired["version"] == 2

