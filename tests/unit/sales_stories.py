"""Given-helpers shared by the sales tests: leads, customers, opportunities, quotes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.hub import Hub
from domain.sales import QuoteLineDraft

ACTOR = "user:alice"
TODAY = datetime.now(UTC).date()
NEXT_MONTH = TODAY + timedelta(days=30)


# -- given ---------------------------------------------------------------------------


def a_lead(hub: Hub, **details: Any) -> UUID:
    return hub.capture_lead(**{
        "actor": ACTOR, "source": "trade_show", "channel": "direct", "given_name": "Ada",
        "family_name": "Lovelace", "email": "Ada@Example.org", "phone": "+44 20 7946 0000",
        "company_name": "Analytical Engines Ltd", "notes": "Met at booth 12", "owner": "user:bob",
        **details,
    })


def a_qualified_lead(hub: Hub) -> UUID:
    lead_id = a_lead(hub)
    hub.qualify_lead(actor=ACTOR, lead_id=lead_id, reason="budget approved")
    return lead_id


def a_customer(hub: Hub) -> UUID:
    return hub.register_customer(actor=ACTOR, kind="organisation",
                                 profile={"company_name": "Globex"}, stage="prospect")


def an_opportunity(hub: Hub, **details: Any) -> UUID:
    if "customer_id" not in details:
        details["customer_id"] = a_customer(hub)
    return hub.open_opportunity(**{
        "actor": ACTOR, "name": "Globex fleet renewal",
        "amount": "12000.00", "currency": "EUR", "expected_close_date": NEXT_MONTH, **details,
    })


LINES = [
    QuoteLineDraft(sku="LIC-100", quantity=3, unit_price="100.00", discount_percent="10",
                   description="Annual licence"),
    QuoteLineDraft(sku="SUP-H", quantity=Decimal("2.5"), unit_price="19.99"),
]


def a_quote(hub: Hub, opportunity_id: UUID | None = None, **details: Any) -> UUID:
    return hub.issue_quote(**{
        "actor": ACTOR, "opportunity_id": opportunity_id or an_opportunity(hub),
        "currency": "EUR", "lines": LINES, "valid_until": TODAY + timedelta(days=14), **details,
    })
