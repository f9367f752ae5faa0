"""Shared stories for the sales GraphQL-over-HTTP tests: documents, payloads and givens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.hub import Hub

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

