"""Sales through GraphQL over HTTP: leads to customers, unknown ids and roles."""

from __future__ import annotations

import pytest

from domain.hub import Hub
from tests.e2e.sales_api_stories import (
    ACCEPT,
    ADVANCE,
    CAPTURE,
    CLOSE,
    CONVERT,
    DISQUALIFY,
    EXPIRE,
    ISSUE,
    LEAD,
    LINES,
    NEXT_MONTH,
    OPEN,
    OPPORTUNITY,
    QUALIFY,
    QUOTE,
    REJECT,
    UNKNOWN,
    UPDATE,
    capture,
    conversion,
    issue,
    open_opportunity,
    refused,
)

# -- leads ---------------------------------------------------------------------------


def test_a_lead_is_captured_qualified_and_converted_into_a_customer(gql, hub: Hub):
    lead = capture(gql, phone="+44 20 7946 0000", owner="sam")
    assert lead["status"] == "NEW"
    assert lead["source"] == "TRADE_SHOW" and lead["channel"] == "DIRECT"
    assert lead["displayName"] == "Ada Lovelace"
    assert lead["email"] == "ada@example.org"
    assert gql.ok(LEAD, {"id": lead["id"]}, role="analytics")["lead"] == lead

    qualified = gql.ok(QUALIFY, {"input": {"id": lead["id"], "expectedVersion": 1,
                                           "reason": "budget approved"}})["qualifyLead"]
    assert qualified["status"] == "QUALIFIED" and qualified["version"] == 2
    assert qualified["statusReason"] == "budget approved"

    converted = gql.ok(CONVERT, {"input": conversion(lead["id"], expectedVersion=2)})["convertLead"]
    customer, opportunity = converted["customer"], converted["opportunity"]
    assert customer == {"id": customer["id"], "stage": "PROSPECT", "displayName": "Ada Lovelace",
                        "emails": ["ada@example.org"], "phones": [lead["phone"]],
                        "companyName": "Analytical Engines Ltd", "owner": "sam"}
    assert opportunity["customerId"] == customer["id"] and opportunity["leadId"] == lead["id"]
    assert opportunity["stage"] == "PROSPECTING" and opportunity["probability"] == "0.10"
    assert opportunity["amount"] == {"amount": "5000.00", "currency": "GBP"}
    assert opportunity["weightedAmount"] == {"amount": "500.00", "currency": "GBP"}
    assert opportunity["owner"] == "sam"
    assert converted["lead"] == {**lead, "version": 3, "status": "CONVERTED",
                                 "statusReason": "budget approved", "customerId": customer["id"],
                                 "opportunityId": opportunity["id"]}

    events = [hub.mapper.to_domain_event(n) for n in hub.notification_log.select(start=1, limit=9)]
    assert [type(e).__qualname__ for e in events] == [
        "Lead.Captured", "Lead.Qualified", "Lead.Converted", "Customer.Registered",
        "Opportunity.Opened"]
    assert {e.actor for e in events} == {"admin-user", "sales-user"}


def test_a_lead_is_converted_only_once_qualified(gql, hub: Hub):
    lead = capture(gql)
    error = gql.error(CONVERT, {"input": conversion(lead["id"])})
    assert error["extensions"]["code"] == "CONFLICT"
    assert "only a qualified lead can be converted" in error["message"]
    assert hub.position() == 1

    dropped = gql.ok(DISQUALIFY, {"input": {"id": lead["id"], "reason": "student project"}},
                     role="sales")["disqualifyLead"]
    assert dropped["status"] == "DISQUALIFIED" and dropped["statusReason"] == "student project"

    assert refused(gql, hub, QUALIFY, {"id": lead["id"]})["code"] == "CONFLICT"
    assert refused(gql, hub, CONVERT, conversion(lead["id"]))["code"] == "CONFLICT"
    assert refused(gql, hub, DISQUALIFY, {"id": lead["id"], "reason": "again"})["code"] == "CONFLICT"


@pytest.mark.parametrize(("fields", "extensions"), [
    ({"givenName": "x" * 201}, {"code": "BAD_USER_INPUT", "field": "givenName"}),
    ({"notes": "x" * 4001}, {"code": "BAD_USER_INPUT", "field": "notes"}),
    ({"email": None}, {"code": "BAD_USER_INPUT", "field": "email"}),
    ({"email": "not-an-email"}, {"code": "BAD_USER_INPUT", "field": "email"}),
    ({"givenName": None, "familyName": " "}, {"code": "BAD_USER_INPUT", "field": "familyName"}),
    ({"campaignId": "spring"}, {"code": "BAD_USER_INPUT", "field": "campaignId"}),
    ({"campaignId": UNKNOWN}, {"code": "NOT_FOUND"}),
])
def test_a_lead_with_bad_details_is_refused(gql, hub: Hub, fields, extensions):
    payload = {"source": "WEB_FORM", "channel": "WEB", "givenName": "Ada",
               "email": "ada@example.org", **fields}
    assert refused(gql, hub, CAPTURE, payload) == extensions


def test_a_disqualification_needs_a_reason_and_the_current_version(gql, hub: Hub):
    lead = capture(gql)
    for blank in ("", "   "):
        assert refused(gql, hub, DISQUALIFY, {"id": lead["id"], "reason": blank}) == {
            "code": "BAD_USER_INPUT", "field": "reason"}
    gql.ok(QUALIFY, {"input": {"id": lead["id"]}})
    ext = refused(gql, hub, DISQUALIFY, {"id": lead["id"], "reason": "gone", "expectedVersion": 1})
    assert ext["code"] == "CONFLICT"


# -- unknown ids and roles ----------------------------------------------------------


def test_unknown_ids_are_not_found(gql, hub: Hub):
    lead = capture(gql)
    for read, name in ((LEAD, "lead"), (OPPORTUNITY, "opportunity"), (QUOTE, "quote")):
        error = gql.error(read, {"id": UNKNOWN})
        assert error["extensions"]["code"] == "NOT_FOUND" and f"{name} {UNKNOWN}" in error["message"]
        assert gql.error(read, {"id": "banana"})["extensions"]["code"] == "BAD_USER_INPUT"
    assert gql.error(QUOTE, {"id": lead["id"]})["extensions"]["code"] == "NOT_FOUND"
    for document, payload in ((QUALIFY, {"id": UNKNOWN}),
                              (ADVANCE, {"id": UNKNOWN, "stage": "PROPOSAL"}),
                              (ACCEPT, {"id": UNKNOWN}),
                              (CONVERT, conversion(UNKNOWN))):
        assert refused(gql, hub, document, payload)["code"] == "NOT_FOUND"


@pytest.fixture
def sales_history(gql) -> dict[str, str]:
    """Ids of a lead, a qualified lead, an open opportunity and an issued quote."""
    qualified = capture(gql)["id"]
    gql.ok(QUALIFY, {"input": {"id": qualified}})
    opportunity = open_opportunity(gql)
    return {"lead": capture(gql)["id"], "qualified": qualified, "customer":
            opportunity["customerId"], "opportunity": opportunity["id"],
            "quote": issue(gql, opportunity["id"])["id"]}


@pytest.mark.parametrize("role", ["service", "marketing", "analytics", "auditor"])
def test_roles_without_sales_write_may_not_change_anything(gql, hub: Hub, sales_history, role):
    ids = sales_history
    attempts = [
        (CAPTURE, {"source": "WEB_FORM", "channel": "WEB", "givenName": "Ada",
                   "email": "ada@example.org"}),
        (QUALIFY, {"id": ids["lead"]}),
        (DISQUALIFY, {"id": ids["lead"], "reason": "spam"}),
        (CONVERT, conversion(ids["qualified"])),
        (OPEN, {"customerId": ids["customer"], "name": "x", "amount": "1", "currency": "EUR",
                "expectedCloseDate": NEXT_MONTH}),
        (ADVANCE, {"id": ids["opportunity"], "stage": "PROPOSAL"}),
        (UPDATE, {"id": ids["opportunity"], "amount": "2"}),
        (CLOSE, {"id": ids["opportunity"], "outcome": "WON"}),
        (ISSUE, {"opportunityId": ids["opportunity"], "currency": "EUR", "lines": LINES,
                 "validUntil": NEXT_MONTH}),
        (ACCEPT, {"id": ids["quote"]}),
        (REJECT, {"id": ids["quote"], "reason": "no"}),
        (EXPIRE, {"id": ids["quote"]}),
    ]
    for document, payload in attempts:
        ext = refused(gql, hub, document, payload, role=role)
        assert ext["code"] == "FORBIDDEN", document


@pytest.mark.parametrize(("role", "allowed"), [
    ("admin", True), ("sales", True), ("analytics", True), ("auditor", True),
    ("service", False), ("marketing", False),
])
def test_only_roles_with_sales_read_see_sales(gql, sales_history, role, allowed):
    for read, name in ((LEAD, "lead"), (OPPORTUNITY, "opportunity"), (QUOTE, "quote")):
        body = gql(read, {"id": sales_history[name]}, role=role)
        if allowed:
            assert not body.get("errors") and body["data"][name]["id"] == sales_history[name]
        else:
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert body["data"] == {name: None}
