"""Consent through GraphQL over HTTP: grant, withdraw, expiry, history, the vocabulary."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from api.store import CrmHub
from privacy.vocabulary import vocabulary
from tests.stories import records_nothing

GRANT = """
mutation ($input: GrantConsentInput!) {
  grantConsent(input: $input) {
    id status purpose categories channel givenAt recordedBy noticeVersion noticeText expiresAt
    vocabularyVersion recipient { kind partnerId category }
    history { kind occurredAt actor channel reason }
  }
}"""

WITHDRAW = """
mutation ($input: WithdrawConsentInput!) {
  withdrawConsent(input: $input) { id status history { kind occurredAt actor channel reason } }
}"""

CONSENTS = """
query ($id: ID!) {
  customer(id: $id) { consents { id status purpose history { kind actor channel reason } } }
}"""

VOCABULARY = "{ consentVocabulary { version purposes { name description } categories { name } } }"


@pytest.fixture
def customer(gql) -> str:
    register = """mutation { registerCustomer(input: {kind: PERSON, givenName: "Ada",
                  emails: ["ada@example.com"]}) { id } }"""
    return gql.ok(register)["registerCustomer"]["id"]


def grant_input(customer: str, **changes: Any) -> dict[str, Any]:
    return {"customerId": customer, "recipient": {"kind": "ORGANISATION"},
            "purpose": "marketing.communications.email", "categories": ["user.contact.email"],
            "channel": "WEB", "noticeVersion": "newsletter-2026-01", **changes}


def test_consent_is_granted_withdrawn_and_read_back_with_its_history(gql, customer) -> None:
    granted = gql.ok(GRANT, {"input": grant_input(
        customer, noticeText="May we email you our offers?", occurredAt="2026-01-05T09:30:00Z",
    )}, role="marketing")["grantConsent"]

    assert granted["status"] == "LIVE"
    assert granted["recipient"] == {"kind": "ORGANISATION", "partnerId": None, "category": None}
    assert (granted["purpose"], granted["categories"], granted["channel"]) == (
        "marketing.communications.email", ["user.contact.email"], "WEB")
    assert (granted["givenAt"], granted["recordedBy"]) == (
        "2026-01-05T09:30:00+00:00", "marketing-user")
    assert (granted["noticeVersion"], granted["noticeText"]) == (
        "newsletter-2026-01", "May we email you our offers?")
    assert granted["vocabularyVersion"] == vocabulary().version

    withdrawn = gql.ok(WITHDRAW, {"input": {
        "customerId": customer, "grantId": granted["id"], "channel": "PHONE",
        "reason": "asked on the phone"}}, role="service")["withdrawConsent"]
    assert withdrawn["status"] == "WITHDRAWN"

    (read,) = gql.ok(CONSENTS, {"id": customer}, role="analytics")["customer"]["consents"]
    assert (read["id"], read["status"]) == (granted["id"], "WITHDRAWN")
    assert read["history"] == [
        {"kind": "GRANTED", "actor": "marketing-user", "channel": "WEB", "reason": None},
        {"kind": "WITHDRAWN", "actor": "service-user", "channel": "PHONE",
         "reason": "asked on the phone"}]


def test_a_grant_to_partners_names_them(gql, customer) -> None:
    partner = str(uuid4())
    to_partner = gql.ok(GRANT, {"input": grant_input(
        customer, recipient={"kind": "PARTNER", "partnerId": partner},
        purpose="third_party_sharing.partner.lead_referral", categories=["user.name", "user.contact"],
    )}, role="sales")["grantConsent"]
    to_resellers = gql.ok(GRANT, {"input": grant_input(
        customer, recipient={"kind": "PARTNER_CATEGORY", "category": "RESELLER"},
    )}, role="sales")["grantConsent"]

    assert to_partner["recipient"] == {"kind": "PARTNER", "partnerId": partner, "category": None}
    assert to_partner["categories"] == ["user.name", "user.contact"]
    assert to_resellers["recipient"] == {
        "kind": "PARTNER_CATEGORY", "partnerId": None, "category": "RESELLER"}
    consents = gql.ok(CONSENTS, {"id": customer})["customer"]["consents"]
    assert [c["id"] for c in consents] == [to_partner["id"], to_resellers["id"]]


def test_a_grant_that_expired_shows_expired_and_cannot_be_withdrawn(
    gql, hub: CrmHub, customer
) -> None:
    expired = gql.ok(GRANT, {"input": grant_input(
        customer, occurredAt="2025-01-01T00:00:00Z", expiresAt="2025-06-01T00:00:00Z",
    )})["grantConsent"]
    assert (expired["status"], expired["expiresAt"]) == ("EXPIRED", "2025-06-01T00:00:00+00:00")
    (read,) = gql.ok(CONSENTS, {"id": customer})["customer"]["consents"]
    assert read["status"] == "EXPIRED"

    with records_nothing(hub):
        error = gql.error(WITHDRAW, {"input": {"customerId": customer, "grantId": expired["id"],
                                               "channel": "WEB"}})
    assert error["extensions"]["code"] == "CONFLICT"


def test_withdrawing_twice_or_an_unknown_grant_records_nothing(gql, hub: CrmHub, customer) -> None:
    granted = gql.ok(GRANT, {"input": grant_input(customer)})["grantConsent"]
    withdrawal = {"customerId": customer, "grantId": granted["id"], "channel": "EMAIL"}
    gql.ok(WITHDRAW, {"input": withdrawal})

    with records_nothing(hub):
        twice = gql.error(WITHDRAW, {"input": withdrawal})
        unknown = gql.error(WITHDRAW, {"input": {**withdrawal, "grantId": str(uuid4())}})
    assert twice["extensions"]["code"] == "CONFLICT"
    assert "already withdrawn" in twice["message"]
    assert unknown["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(("changes", "field"), [
    ({"purpose": "marketing.telepathy"}, "purpose"),
    ({"categories": ["user.contact.email", "user.aura"]}, "categories[1]"),
    ({"categories": []}, "categories"),
    ({"occurredAt": "2026-01-05T09:30:00Z", "expiresAt": "2026-01-01T00:00:00Z"}, "expiresAt"),
    ({"occurredAt": "2999-01-01T00:00:00Z"}, "occurredAt"),
    ({"recipient": {"kind": "PARTNER"}}, "recipient.partnerId"),
    ({"recipient": {"kind": "PARTNER_CATEGORY"}}, "recipient.category"),
    ({"noticeVersion": ""}, "noticeVersion"),
])
def test_a_bad_grant_names_the_field_and_records_nothing(
    gql, hub: CrmHub, customer, changes, field
) -> None:
    with records_nothing(hub):
        error = gql.error(GRANT, {"input": grant_input(customer, **changes)})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


def test_a_grant_for_an_unknown_customer_is_not_found(gql, hub: CrmHub) -> None:
    with records_nothing(hub):
        error = gql.error(GRANT, {"input": grant_input(str(uuid4()))})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "customer" in error["message"]


@pytest.mark.parametrize("role", ["analytics", "auditor"])
def test_a_role_without_consent_write_is_forbidden_but_may_read(
    gql, hub: CrmHub, customer, role
) -> None:
    granted = gql.ok(GRANT, {"input": grant_input(customer)})["grantConsent"]
    withdrawal = {"customerId": customer, "grantId": granted["id"], "channel": "WEB"}
    with records_nothing(hub):
        for operation, payload in ((GRANT, grant_input(customer)), (WITHDRAW, withdrawal)):
            error = gql.error(operation, {"input": payload}, role=role)
            assert error["extensions"]["code"] == "FORBIDDEN"
    (read,) = gql.ok(CONSENTS, {"id": customer}, role=role)["customer"]["consents"]
    assert read["status"] == "LIVE"


def test_the_vocabulary_lists_purposes_and_categories_with_their_version(gql) -> None:
    listed = gql.ok(VOCABULARY, role="service")["consentVocabulary"]

    assert listed["version"] == vocabulary().version
    purposes = {term["name"]: term["description"] for term in listed["purposes"]}
    assert purposes["marketing.communications.email"] == "Marketing messages by email."
    assert "third_party_sharing.partner.lead_referral" in purposes
    assert {"user.contact", "user.contact.email"} <= {term["name"] for term in listed["categories"]}


def test_a_lead_gives_and_withdraws_consent_named_by_lead_id(gql, customer) -> None:
    lead = gql.ok("""mutation { captureLead(input: {source: WEB_FORM, channel: WEB,
                     givenName: "Bo", email: "bo@example.com"}) { id } }""")["captureLead"]["id"]
    inputs = grant_input(None, leadId=lead)
    del inputs["customerId"]
    granted = gql.ok(GRANT, {"input": inputs})["grantConsent"]
    assert granted["status"] == "LIVE"
    withdrawn = gql.ok(WITHDRAW, {"input": {"leadId": lead, "grantId": granted["id"],
                                            "channel": "EMAIL"}})["withdrawConsent"]
    assert withdrawn["status"] == "WITHDRAWN"
    read = gql.ok("query ($id: ID!) { lead(id: $id) { consents { id status } } }", {"id": lead},
                  role="sales")["lead"]
    assert read == {"consents": [{"id": granted["id"], "status": "WITHDRAWN"}]}

    both = gql.error(GRANT, {"input": grant_input(customer, leadId=lead)})
    assert both["extensions"]["code"] == "BAD_USER_INPUT"
    inputs["leadId"] = customer
    assert gql.error(GRANT, {"input": inputs})["extensions"]["code"] == "NOT_FOUND"
