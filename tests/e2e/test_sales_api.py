"""Sales through GraphQL over HTTP: leads to customers, the pipeline, and quotes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.hub import Hub
from domain.quotes import QuoteLineDraft

TODAY = datetime.now(UTC).date()
NEXT_MONTH = (TODAY + timedelta(days=30)).isoformat()
UNKNOWN = "00000000-0000-4000-8000-000000000000"

LEAD_FIELDS = """id version source channel displayName email phone companyName notes owner
                 status statusReason customerId opportunityId"""
OPPORTUNITY_FIELDS = """id version customerId name stage probability amount { amount currency }
                        weightedAmount { amount currency } expectedCloseDate owner leadId
                        closeReason"""
QUOTE_FIELDS = """id version opportunityId customerId status validUntil rejectionReason
                  total { amount currency }
                  lines { sku description quantity discountPercent
                          unitPrice { amount currency } total { amount currency } }"""


def mutation(name: str, fields: str) -> str:
    """`captureLead` -> a mutation taking `$input: CaptureLeadInput!`."""
    input_type = name[0].upper() + name[1:] + "Input"
    return f"mutation ($input: {input_type}!) {{ {name}(input: $input) {{ {fields} }} }}"


def query(name: str, fields: str) -> str:
    return f"query ($id: ID!) {{ {name}(id: $id) {{ {fields} }} }}"


CAPTURE = mutation("captureLead", LEAD_FIELDS)
QUALIFY = mutation("qualifyLead", LEAD_FIELDS)
DISQUALIFY = mutation("disqualifyLead", LEAD_FIELDS)
CONVERT = mutation("convertLead", f"""lead {{ {LEAD_FIELDS} }}
  customer {{ id stage displayName emails phones companyName owner }}
  opportunity {{ {OPPORTUNITY_FIELDS} }}""")
OPEN = mutation("openOpportunity", OPPORTUNITY_FIELDS)
ADVANCE = mutation("advanceOpportunity", OPPORTUNITY_FIELDS)
UPDATE = mutation("updateOpportunity", OPPORTUNITY_FIELDS)
CLOSE = mutation("closeOpportunity", OPPORTUNITY_FIELDS)
ISSUE = mutation("issueQuote", QUOTE_FIELDS)
ACCEPT = mutation("acceptQuote", QUOTE_FIELDS)
REJECT = mutation("rejectQuote", QUOTE_FIELDS)
EXPIRE = mutation("expireQuote", QUOTE_FIELDS)
LEAD = query("lead", LEAD_FIELDS)
OPPORTUNITY = query("opportunity", OPPORTUNITY_FIELDS)
QUOTE = query("quote", QUOTE_FIELDS)

LINES = [
    {"sku": "LIC-100", "description": "Annual licence", "quantity": "3", "unitPrice": "100.00",
     "discountPercent": "10"},
    {"sku": "SUP-1", "quantity": "1", "unitPrice": "49.99"},
]


# -- given ---------------------------------------------------------------------------


def capture(gql, *, role: str = "sales", **fields: Any) -> dict:
    payload = {"source": "TRADE_SHOW", "channel": "DIRECT", "givenName": "Ada",
               "familyName": "Lovelace", "email": "Ada@Example.org",
               "companyName": "Analytical Engines Ltd", "notes": "Met at booth 12", **fields}
    return gql.ok(CAPTURE, {"input": payload}, role=role)["captureLead"]


def a_customer(gql) -> str:
    register = """mutation { registerCustomer(input: {kind: ORGANISATION, companyName: "Globex",
                  stage: PROSPECT}) { id } }"""
    return gql.ok(register)["registerCustomer"]["id"]


def open_opportunity(gql, *, role: str = "sales", **fields: Any) -> dict:
    payload = {"name": "Globex fleet renewal", "amount": "12000.00", "currency": "EUR",
               "expectedCloseDate": NEXT_MONTH, **fields}
    if "customerId" not in payload:
        payload["customerId"] = a_customer(gql)
    return gql.ok(OPEN, {"input": payload}, role=role)["openOpportunity"]


def issue(gql, opportunity_id: str, **fields: Any) -> dict:
    payload = {"opportunityId": opportunity_id, "currency": "EUR", "lines": LINES,
               "validUntil": NEXT_MONTH, **fields}
    return gql.ok(ISSUE, {"input": payload}, role="sales")["issueQuote"]


def conversion(lead_id: str, **fields: Any) -> dict:
    return {"id": lead_id, "opportunityName": "Engines for Ada", "amount": "5000",
            "currency": "GBP", "expectedCloseDate": NEXT_MONTH, **fields}


def refused(gql, hub: Hub, document: str, payload: dict, *, role: str = "sales") -> dict:
    """Send a mutation that must fail and record nothing; return its error's code and field."""
    before = hub.position()
    error = gql.error(document, {"input": payload}, role=role)
    assert hub.position() == before
    return {key: error["extensions"][key] for key in ("code", "field") if key in error["extensions"]}


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
