"""The generated matrix: every field of `PartnerCustomer` x every state of consent.

The fields come from the partner schema itself, so a field added later is covered
without touching this file. For each field, a partner (a reseller) reads one customer
with a token for `PURPOSE`, after one of these stories:

- no consent at all; a grant to another partner; a grant to this partner for another
  purpose; for another data category; a grant withdrawn; a grant expired; a grant
  valid but the customer erased;
- a valid grant: to this partner, or to every reseller, for the token's purpose,
  covering exactly the field's data category.

The field's value comes back only after a valid grant. After any other story the
customer is NOT_FOUND or the field is null; the one exception follows from the policy:
a field not about the person (the `id` the partner asked by) shows whenever some live
grant lets the customer exist for the partner, as a grant for another category does.
And the disclosure log holds exactly the fields returned (nothing when nothing was).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from graphql import GraphQLObjectType, get_named_type

from api.partner.data_categories import PARTNER_FIELD_CATEGORIES
from api.partner.schema import build_partner_schema
from api.settings import Settings
from privacy.disclosures import Disclosure, response_hash
from privacy.vocabulary import covers
from tests.e2e.partner_client import PURPOSE, PartnerCaller
from tests.stories import events_since

CUSTOMER_TYPE = build_partner_schema(Settings())._schema.type_map["PartnerCustomer"]
assert isinstance(CUSTOMER_TYPE, GraphQLObjectType)


def selection(name: str) -> str:
    """The field, with every leaf below it when it is an object."""
    below = get_named_type(CUSTOMER_TYPE.fields[name].type)
    if isinstance(below, GraphQLObjectType):
        return f"{name} {{ {' '.join(below.fields)} }}"
    return name


FIELDS = list(CUSTOMER_TYPE.fields)
GRANT = """mutation ($input: GrantConsentInput!) { grantConsent(input: $input) { id } }"""
WITHDRAW = """mutation ($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { id } }"""
ERASE = """mutation ($input: EraseCustomerInput!) { eraseCustomer(input: $input) { id } }"""
PROFILE = {"kind": "PERSON", "givenName": "Ada", "familyName": "Lovelace",
           "jobTitle": "Chief Engineer", "companyName": "Analytical Engines Ltd",
           "emails": ["ada@example.com"], "phones": ["+44 20 7946 0001"], "stage": "CUSTOMER",
           "address": {"street": "12 St James's Square", "city": "London",
                       "postalCode": "SW1Y 4JH", "region": "Greater London", "country": "GB"}}


@dataclass
class World:
    gql: Any
    hub: Any
    partner: PartnerCaller
    other: PartnerCaller
    customer: str
    category: str

    def grant(self, *, recipient: dict[str, Any] | None = None, purpose: str = PURPOSE,
              category: str | None = None, **evidence: Any) -> str:
        recipient = recipient or {"kind": "PARTNER", "partnerId": str(self.partner.id)}
        return self.gql.ok(GRANT, {"input": {
            "customerId": self.customer, "recipient": recipient, "purpose": purpose,
            "categories": [category or self.category], "channel": "WEB",
            "noticeVersion": "partners-2026-01", **evidence}})["grantConsent"]["id"]


def another_category(category: str) -> str:
    return "user.contact.email" if covers("user.name", category) else "user.name"


def no_consent(world: World) -> list[str]:
    return []


def to_another_partner(world: World) -> list[str]:
    world.grant(recipient={"kind": "PARTNER", "partnerId": str(world.other.id)})
    return []


def for_another_purpose(world: World) -> list[str]:
    world.grant(purpose="third_party_sharing.partner.service_delivery")
    return []


def for_another_category(world: World) -> list[str]:
    world.grant(category=another_category(world.category))
    return []


def withdrawn(world: World) -> list[str]:
    grant = world.grant()
    world.gql.ok(WITHDRAW, {"input": {"customerId": world.customer, "grantId": grant,
                                      "channel": "PHONE"}})
    return []


def expired(world: World) -> list[str]:
    world.grant(occurredAt="2025-01-01T00:00:00Z", expiresAt="2025-06-01T00:00:00Z")
    return []


def erased(world: World) -> list[str]:
    world.grant()
    world.gql.ok(ERASE, {"input": {"customerId": world.customer}})
    return []


def valid_to_the_partner(world: World) -> list[str]:
    return [world.grant()]


def valid_to_its_kind(world: World) -> list[str]:
    return [world.grant(recipient={"kind": "PARTNER_CATEGORY", "category": "RESELLER"})]


STORIES: dict[str, Callable[[World], list[str]]] = {
    "no consent": no_consent, "another partner": to_another_partner,
    "another purpose": for_another_purpose, "another category": for_another_category,
    "withdrawn": withdrawn, "expired": expired, "erased customer": erased,
    "valid, to the partner": valid_to_the_partner, "valid, to its kind": valid_to_its_kind,
}
VALID = {"valid, to the partner", "valid, to its kind"}


def expected_value(name: str, customer: str) -> Any:
    return {"id": customer, "displayName": "Ada Lovelace", **PROFILE}[name]


def disclosures_since(hub: Any, position: int) -> list[Any]:
    recorded = Disclosure.Recorded  # type: ignore[attr-defined]
    return [event for event in events_since(hub, position) if isinstance(event, recorded)]


def check(world: World, field: str, story: str) -> None:
    """Read `field` of the world's customer after `story`; assert what comes back and what
    the disclosure log holds."""
    grants = STORIES[story](world)
    hub, partner, customer = world.hub, world.partner, world.customer
    before = hub.position()

    body = partner(f"query ($id: ID!) {{ customer(id: $id) {{ {selection(field)} }} }}",
                   {"id": customer})

    personal = world.category.startswith("user")
    shown = story in VALID or (not personal and story == "another category")
    recorded = disclosures_since(hub, before)
    if shown:
        assert "errors" not in body, body
        returned = body["data"]["customer"]
        assert returned == {field: expected_value(field, customer)}
        (disclosure,) = recorded
        below = get_named_type(CUSTOMER_TYPE.fields[field].type)
        names = (sorted(f"{field}.{part}" for part in below.fields)
                 if isinstance(below, GraphQLObjectType) else [field])
        assert (disclosure.partner_id, disclosure.subject_id) == (partner.id, UUID(customer))
        assert (disclosure.fields, disclosure.purpose, disclosure.token_id) == (
            names, PURPOSE, partner.jti)
        assert disclosure.response_hash == response_hash(returned)
        if grants:
            assert disclosure.grants == [UUID(grant) for grant in grants]
    elif body.get("errors"):
        assert body["data"] is None
        assert [error["extensions"]["code"] for error in body["errors"]] == ["NOT_FOUND"]
        assert recorded == []
    else:
        assert body["data"]["customer"] == {field: None}
        assert recorded == []


@pytest.mark.parametrize("story", STORIES, ids=str)
def test_a_field_is_returned_only_under_a_valid_grant(gql, hub, partners, story) -> None:
    """One app per story (fast on PostgreSQL); a customer of their own per field."""
    partner = partners.register(name="Acme Resellers", kind="reseller")
    other = partners.register(name="Zenith Resellers", kind="reseller")
    failures = {}
    for field in FIELDS:
        customer = gql.ok("""mutation ($input: RegisterCustomerInput!) {
            registerCustomer(input: $input) { id } }""", {"input": PROFILE})[
            "registerCustomer"]["id"]
        category = PARTNER_FIELD_CATEGORIES["PartnerCustomer"][field]
        try:
            check(World(gql, hub, partner, other, customer, category), field, story)
        except AssertionError as error:
            failures[field] = str(error)
    assert failures == {}


def test_the_matrix_covers_every_field_of_the_schema() -> None:
    assert set(FIELDS) == set(PARTNER_FIELD_CATEGORIES["PartnerCustomer"])
    assert len(FIELDS) >= 10
