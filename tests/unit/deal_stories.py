"""Given-helpers shared by the deal registration tests: partners, customers they know,
leads they accepted, deals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from api.store import CrmHub

ADMIN = "admin-1"
SALES = "user:sam"
PURPOSE = "third_party_sharing.partner"
TODAY = datetime.now(UTC).date()
NEXT_MONTH = TODAY + timedelta(days=30)


def actor(partner_id: UUID) -> str:
    return f"partner:{partner_id}"


def a_partner(hub: CrmHub, name: str = "Nordic Resale AB", **changes: Any) -> UUID:
    return hub.register_partner(actor=ADMIN, **{
        "name": name, "kind": "reseller", "territories": ["SE"], "products": ["routers"],
        "capacity": 10, **changes})


def a_customer(hub: CrmHub, name: str = "Globex") -> UUID:
    return hub.register_customer(actor=SALES, kind="organisation",
                                 profile={"company_name": name}, stage="prospect")


def consent_for(hub: CrmHub, customer_id: UUID, partner_id: UUID,
                purpose: str = PURPOSE) -> UUID:
    """The customer lets the partner know of them, for `purpose`."""
    return hub.grant_consent(actor=SALES, customer_id=customer_id, recipient="partner",
                             partner_id=partner_id, purpose=purpose, categories=["user.name"],
                             channel="web", notice_version="v1")


def a_known_customer(hub: CrmHub, partner_id: UUID, name: str = "Globex") -> UUID:
    customer_id = a_customer(hub, name)
    consent_for(hub, customer_id, partner_id)
    return customer_id


def an_accepted_lead(hub: CrmHub, partner_id: UUID) -> UUID:
    lead_id = hub.capture_lead(actor=SALES, source="partner", channel="partner",
                               given_name="Ada", family_name="Lovelace",
                               email="ada@example.org", company_name="Engines Ltd")
    hub.offer_lead(actor=SALES, lead_id=lead_id, partner_id=partner_id)
    hub.accept_lead_offer(actor=actor(partner_id), partner_id=partner_id, lead_id=lead_id)
    return lead_id


def a_deal(hub: CrmHub, partner_id: UUID, **details: Any) -> UUID:
    if "customer_id" not in details and "lead_id" not in details:
        details["customer_id"] = a_known_customer(hub, partner_id)
    return hub.register_deal(**{
        "actor": actor(partner_id), "partner_id": partner_id, "name": "Globex router refresh",
        "amount": "25000.00", "currency": "EUR", "expected_close_date": NEXT_MONTH,
        "purpose": PURPOSE, **details})
