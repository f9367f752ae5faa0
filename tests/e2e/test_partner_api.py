"""A partner reads customers at `POST /partner/graphql`: only what consent lets through,
each disclosure logged once, before the response leaves. Through HTTP with real tokens."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from privacy.disclosures import Disclosure, response_hash
from tests.e2e.partner_client import PURPOSE, PartnerCaller
from tests.stories import events_since, records_nothing

ALL = """id displayName givenName familyName companyName jobTitle emails phones
         address { street city postalCode region country } stage"""
CUSTOMER = f"query ($id: ID!) {{ customer(id: $id) {{ {ALL} }} }}"
CUSTOMERS = "query ($ids: [ID!]!) { customers(ids: $ids) { id givenName } }"


def a_customer(hub: Any, given: str = "Ada", family: str = "Lovelace") -> UUID:
    return hub.register_customer(actor="sales-user", kind="person", stage="prospect", profile={
        "given_name": given, "family_name": family, "job_title": "Engineer",
        "emails": [f"{given.lower()}@example.com"], "phones": ["+44 20 7946 0001"],
        "address": {"city": "London", "country": "GB"}})


def grant(hub: Any, customer: UUID, partner: PartnerCaller, *categories: str,
          purpose: str = PURPOSE) -> UUID:
    return hub.grant_consent(actor="sales-user", customer_id=customer, recipient="partner",
                             partner_id=partner.id, purpose=purpose,
                             categories=list(categories), channel="web",
                             notice_version="partners-2026-01")


def disclosures_since(hub: Any, position: int) -> list[Any]:
    recorded = Disclosure.Recorded  # type: ignore[attr-defined]
    return [event for event in events_since(hub, position) if isinstance(event, recorded)]


def test_a_partner_sees_the_fields_its_grant_covers_and_null_for_the_rest(hub, partners):
    acme = partners.register()
    customer = a_customer(hub)
    granted = grant(hub, customer, acme, "user.name")
    before = hub.position()

    returned = acme.ok(CUSTOMER, {"id": str(customer)})["customer"]

    assert returned == {
        "id": str(customer), "displayName": "Ada Lovelace", "givenName": "Ada",
        "familyName": "Lovelace", "companyName": None, "jobTitle": None, "emails": None,
        "phones": None, "address": None, "stage": None}
    (disclosure,) = disclosures_since(hub, before)
    assert disclosure.fields == ["displayName", "familyName", "givenName", "id"]
    assert (disclosure.grants, disclosure.actor) == ([granted], f"partner:{acme.id}")
    assert disclosure.response_hash == response_hash(
        {name: value for name, value in returned.items() if value is not None})


def test_a_broader_grant_covers_its_narrower_categories(hub, partners):
    acme = partners.register()
    customer = a_customer(hub)
    grant(hub, customer, acme, "user.contact")

    returned = acme.ok(CUSTOMER, {"id": str(customer)})["customer"]

    assert (returned["emails"], returned["phones"], returned["address"]["city"]) == (
        ["ada@example.com"], ["+44 20 7946 0001"], "London")
    assert returned["givenName"] is None


def test_two_aliases_of_one_customer_are_one_disclosure_with_both_fields(hub, partners):
    acme = partners.register()
    customer = a_customer(hub)
    grant(hub, customer, acme, "user.name", "user.contact")
    before = hub.position()

    data = acme.ok("""query ($id: ID!) {
        a: customer(id: $id) { givenName address { city } }
        b: customer(id: $id) { ...contact givenName @skip(if: true) }
        c: customers(ids: [$id]) { givenName }
      }
      fragment contact on PartnerCustomer { emails address { country } }""",
                   {"id": str(customer)})

    assert data == {"a": {"givenName": "Ada", "address": {"city": "London"}},
                    "b": {"emails": ["ada@example.com"], "address": {"country": "GB"}},
                    "c": [{"givenName": "Ada"}]}
    (disclosure,) = disclosures_since(hub, before)
    assert disclosure.fields == ["address.city", "address.country", "emails", "givenName"]
    assert disclosure.response_hash == response_hash(
        {"givenName": "Ada", "emails": ["ada@example.com"],
         "address": {"city": "London", "country": "GB"}})


def test_customers_returns_those_that_exist_for_the_partner_in_the_order_asked(hub, partners):
    acme = partners.register()
    ada, bob, hidden = a_customer(hub), a_customer(hub, "Bob", "Babbage"), a_customer(hub, "Cy")
    for customer in (ada, bob):
        grant(hub, customer, acme, "user.name")
    lead = hub.capture_lead(actor="sales-user", source="web_form", channel="web",
                            given_name="Lee", email="lee@example.com")
    before = hub.position()

    asked = [bob, hidden, uuid4(), lead, ada, bob]
    data = acme.ok(CUSTOMERS, {"ids": [str(customer) for customer in asked]})

    assert data["customers"] == [{"id": str(bob), "givenName": "Bob"},
                                 {"id": str(ada), "givenName": "Ada"}]
    assert [d.subject_id for d in disclosures_since(hub, before)] == [bob, ada]


def test_at_most_a_hundred_customers_at_once_and_ids_must_be_ids(hub, partners):
    acme = partners.register()
    with records_nothing(hub):
        too_many = acme.error(CUSTOMERS, {"ids": [str(uuid4()) for _ in range(101)]})
        not_an_id = acme.error(CUSTOMERS, {"ids": [str(uuid4()), "42"]})
    assert (too_many["extensions"]["code"], too_many["extensions"]["field"]) == (
        "BAD_USER_INPUT", "ids")
    assert (not_an_id["extensions"]["code"], not_an_id["extensions"]["field"]) == (
        "BAD_USER_INPUT", "ids[1]")


@pytest.mark.parametrize("what", ["unknown", "a lead", "a partner", "hidden"])
def test_what_is_not_a_visible_customer_is_not_found_alike(hub, partners, what):
    acme = partners.register()
    hidden = a_customer(hub)
    ids = {"unknown": uuid4(), "a partner": acme.id, "hidden": hidden,
           "a lead": hub.capture_lead(actor="sales-user", source="web_form", channel="web",
                                      given_name="Lee", email="lee@example.com")}
    with records_nothing(hub):
        error = acme.error(CUSTOMER, {"id": str(ids[what])})
    assert (error["extensions"], error["message"]) == (
        {"code": "NOT_FOUND"}, f"customer {ids[what]} not found")


def test_a_withdrawal_hides_the_customer_from_the_next_read(hub, partners):
    acme = partners.register()
    customer = a_customer(hub)
    granted = grant(hub, customer, acme, "user.name")
    assert acme.ok(CUSTOMER, {"id": str(customer)})["customer"]["givenName"] == "Ada"

    hub.withdraw_consent(actor="service-user", customer_id=customer, grant_id=granted,
                         channel="phone")

    assert acme.error(CUSTOMER, {"id": str(customer)})["extensions"]["code"] == "NOT_FOUND"


def test_consent_for_another_purpose_than_the_token_s_shows_nothing(hub, partners):
    acme = partners.register()
    customer = a_customer(hub)
    grant(hub, customer, acme, "user.name", purpose="third_party_sharing.partner.service_delivery")
    delivery = acme.token_with(purpose="third_party_sharing.partner.service_delivery")

    assert acme.error(CUSTOMER, {"id": str(customer)})["extensions"]["code"] == "NOT_FOUND"
    assert acme.ok(CUSTOMER, {"id": str(customer)}, token=delivery)["customer"]["givenName"] == "Ada"


def test_nothing_leaves_when_the_disclosure_cannot_be_recorded(hub, partners, monkeypatch):
    acme = partners.register()
    customer = a_customer(hub)
    grant(hub, customer, acme, "user.name")

    def broken(**_: Any) -> None:
        raise ConnectionError("the store went away")

    monkeypatch.setattr(hub, "record_disclosures", broken)
    with records_nothing(hub):
        body = acme(CUSTOMER, {"id": str(customer)})

    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["INTERNAL"]
    assert "Ada" not in str(body)


def test_an_unexpected_failure_is_masked(hub, partners, monkeypatch):
    acme = partners.register()

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(hub, "data_subject", broken)
    error = acme.error(CUSTOMER, {"id": str(uuid4())})

    assert error["extensions"] == {"code": "INTERNAL"}
    assert "secret" not in error["message"]
