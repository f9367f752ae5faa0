"""The generated matrix for leads: every field of `LeadContact` x every state of consent
and of the offer.

A partner (a reseller) reads the contact of a lead offered to it, with a token for
`PURPOSE`, after one of the consent stories of `test_partner_matrix.py` (the lead is its
own data subject: the grants are the lead's), or with a valid grant but an offer it has
not accepted, or one taken back. The field's value comes back only when the partner
accepted and holds the lead *and* a valid grant covers the field's category; otherwise
the contact is null. The disclosure log holds exactly the fields returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from graphql import GraphQLObjectType

from api.partner.data_categories import PARTNER_FIELD_CATEGORIES
from api.partner.schema import build_partner_schema
from api.settings import Settings
from privacy.disclosures import Disclosure, response_hash
from privacy.vocabulary import covers
from tests.e2e.partner_client import PURPOSE, PartnerCaller
from tests.stories import events_since

CONTACT_TYPE = build_partner_schema(Settings())._schema.type_map["LeadContact"]
assert isinstance(CONTACT_TYPE, GraphQLObjectType)
FIELDS = list(CONTACT_TYPE.fields)
LEAD = {"given_name": "Ada", "family_name": "Lovelace", "job_title": "Chief Engineer",
        "company_name": "Analytical Engines Ltd", "email": "ada@example.com",
        "phone": "+44 20 7946 0001"}
EXPECTED = {"givenName": "Ada", "familyName": "Lovelace", "jobTitle": "Chief Engineer",
            "companyName": "Analytical Engines Ltd", "email": "ada@example.com",
            "phone": "+44 20 7946 0001"}


@dataclass
class World:
    hub: Any
    partner: PartnerCaller
    other: PartnerCaller
    lead: str
    category: str

    def grant(self, *, purpose: str = PURPOSE, category: str | None = None,
              **recipient_or_evidence: Any) -> UUID:
        terms: dict[str, Any] = {"recipient": "partner", "partner_id": self.partner.id,
                                 **recipient_or_evidence}
        return self.hub.grant_consent(
            actor="sales-user", lead_id=self.lead, purpose=purpose,
            categories=[category or self.category], channel="phone",
            notice_version="partners-2026-01", **terms)

    def accept(self) -> None:
        self.partner.ok("mutation ($lead: ID!) { acceptLead(leadId: $lead) { status } }",
                        {"lead": self.lead})


def another_category(category: str) -> str:
    return "user.contact.email" if covers("user.name", category) else "user.name"


def no_consent(world: World) -> list[UUID]:
    world.accept()
    return []


def to_another_partner(world: World) -> list[UUID]:
    world.accept()
    world.grant(partner_id=world.other.id)
    return []


def for_another_purpose(world: World) -> list[UUID]:
    world.accept()
    world.grant(purpose="third_party_sharing.partner.service_delivery")
    return []


def for_another_category(world: World) -> list[UUID]:
    world.accept()
    world.grant(category=another_category(world.category))
    return []


def withdrawn(world: World) -> list[UUID]:
    world.accept()
    grant = world.grant()
    world.hub.withdraw_consent(actor="sales-user", lead_id=world.lead, grant_id=grant,
                               channel="phone")
    return []


def expired(world: World) -> list[UUID]:
    world.accept()
    world.grant(occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
                expires_at=datetime(2025, 6, 1, tzinfo=UTC))
    return []


def erased(world: World) -> list[UUID]:
    """The lead, accepted, is converted, and its customer erased: the lead goes with them."""
    world.accept()
    world.grant()
    hub = world.hub
    hub.qualify_lead(actor="sales-user", lead_id=world.lead)
    converted = hub.convert_lead(actor="sales-user", lead_id=world.lead, opportunity_name="Deal",
                                 amount="10", currency="EUR", expected_close_date="2030-01-01")
    hub.erase_customer(actor="admin-user", customer_id=converted.customer_id)
    return []


def not_accepted(world: World) -> list[UUID]:
    world.grant()
    return []


def recalled(world: World) -> list[UUID]:
    world.accept()
    world.grant()
    world.hub.recall_lead(actor="sales-user", lead_id=world.lead)
    return []


def valid_to_the_partner(world: World) -> list[UUID]:
    world.accept()
    return [world.grant()]


def valid_to_its_kind(world: World) -> list[UUID]:
    world.accept()
    return [world.grant(recipient="partner_category", partner_id=None,
                        partner_category="reseller")]


STORIES: dict[str, Callable[[World], list[UUID]]] = {
    "no consent": no_consent, "another partner": to_another_partner,
    "another purpose": for_another_purpose, "another category": for_another_category,
    "withdrawn": withdrawn, "expired": expired, "erased": erased,
    "offered, not accepted": not_accepted, "recalled": recalled,
    "valid, to the partner": valid_to_the_partner, "valid, to its kind": valid_to_its_kind,
}
VALID = {"valid, to the partner", "valid, to its kind"}


@pytest.mark.parametrize("story", STORIES, ids=str)
@pytest.mark.parametrize("field", FIELDS)
def test_a_contact_field_is_returned_only_for_a_held_lead_under_a_valid_grant(
        client, hub, partners, field, story) -> None:
    partner = partners.register(name="Acme Resellers", scopes=("leads:read", "leads:write"))
    other = partners.register(name="Zenith Resellers")
    lead = str(hub.capture_lead(actor="sales-user", source="referral", channel="phone", **LEAD))
    hub.offer_lead(actor="sales-user", lead_id=lead, partner_id=partner.id, territory="GB")
    category = PARTNER_FIELD_CATEGORIES["LeadContact"][field]
    grants = STORIES[story](World(hub, partner, other, lead, category))
    client.app.state.runner.wait_for(hub.position(), 5)
    before = hub.position()

    body = partner.ok(f"query {{ myLeads(status: [OFFERED, ACCEPTED, RECALLED]) {{ edges {{ node {{ "
                      f"leadId contact {{ {field} }} }} }} }} }}")

    (node,) = [edge["node"] for edge in body["myLeads"]["edges"]]
    recorded = [e for e in events_since(hub, before)
                if isinstance(e, Disclosure.Recorded)]  # type: ignore[attr-defined]
    if story in VALID:
        assert node["contact"] == {field: EXPECTED[field]}
        (disclosure,) = recorded
        assert (disclosure.partner_id, disclosure.subject_id) == (partner.id, UUID(lead))
        assert (disclosure.fields, disclosure.purpose, disclosure.token_id) == (
            [field], PURPOSE, partner.jti)
        assert disclosure.response_hash == response_hash({field: EXPECTED[field]})
        assert disclosure.grants == grants
    else:
        assert node["contact"] is None
        assert recorded == []
