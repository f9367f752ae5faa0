"""A campaign's audience over HTTP: exactly the customers who consented to what its channel
needs, decided from the log; sends to anyone else are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.store import CrmHub
from projections.consent import consenting_customers
from projections.pages import encode_cursor
from tests.stories import records_nothing

TODAY = datetime.now(UTC).date()
UNKNOWN = "00000000-0000-4000-8000-000000000000"

AUDIENCE = """query ($id: ID!, $first: Int! = 50, $after: String) {
  campaignAudience(campaignId: $id, first: $first, after: $after) {
    edges { cursor node { id displayName emails } } pageInfo { hasNextPage endCursor } } }"""
CREATE = """mutation ($channel: Channel!, $startsOn: Date!, $endsOn: Date!) {
  createCampaign(input: {name: "Spring", channel: $channel, budget: "100", currency: "EUR",
                         startsOn: $startsOn, endsOn: $endsOn}) { id } }"""
LAUNCH = """mutation ($id: ID!) { launchCampaign(input: {id: $id}) { status } }"""
REGISTER = """mutation ($name: String!, $email: String!) {
  registerCustomer(input: {kind: PERSON, givenName: $name, emails: [$email]}) { id } }"""
GRANT = """mutation ($input: GrantConsentInput!) { grantConsent(input: $input) { id } }"""
WITHDRAW = """mutation ($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { status } }"""
ERASE = """mutation ($id: ID!) { eraseCustomer(input: {customerId: $id}) { erased } }"""
SEND = """mutation ($campaign: ID!, $customer: ID!) {
  sendCampaignMessage(input: {campaignId: $campaign, customerId: $customer}) { id } }"""
SEND_BATCH = """mutation ($campaign: ID!, $customers: [ID!]!) {
  sendCampaignMessages(input: {campaignId: $campaign, customerIds: $customers}) { count } }"""


def campaign(gql, channel: str = "EMAIL", *, launch: bool = True) -> str:
    period = {"startsOn": TODAY.isoformat(), "endsOn": (TODAY + timedelta(days=30)).isoformat()}
    campaign_id = gql.ok(CREATE, {"channel": channel, **period},
                         role="marketing")["createCampaign"]["id"]
    if launch:
        gql.ok(LAUNCH, {"id": campaign_id}, role="marketing")
    return campaign_id


def register(gql, name: str) -> str:
    email = f"{name.lower()}@example.com"
    return gql.ok(REGISTER, {"name": name, "email": email})["registerCustomer"]["id"]


def grant(gql, customer_id: str, purpose: str, *categories: str) -> str:
    return gql.ok(GRANT, {"input": {
        "customerId": customer_id, "recipient": {"kind": "ORGANISATION"}, "purpose": purpose,
        "categories": list(categories), "channel": "WEB", "noticeVersion": "offers-v1",
    }}, role="marketing")["grantConsent"]["id"]


def audience(gql, campaign_id: str, *, role: str = "marketing", **variables: Any) -> dict:
    return gql.ok(AUDIENCE, {"id": campaign_id, **variables}, role=role)["campaignAudience"]


def names(connection: dict) -> list[str]:
    return [edge["node"]["displayName"] for edge in connection["edges"]]


@pytest.fixture
def people(gql) -> dict[str, str]:
    """Ada allows email offers; Dan marketing on every channel; Cyd texts only; Bob nothing;
    Eve withdrew, and Fay was erased after she allowed email offers."""
    ids = {name: register(gql, name) for name in ("Ada", "Bob", "Cyd", "Dan", "Eve", "Fay")}
    grant(gql, ids["Ada"], "marketing.communications.email", "user.name", "user.contact.email")
    grant(gql, ids["Dan"], "marketing", "user.contact")
    grant(gql, ids["Cyd"], "marketing.communications.sms", "user.contact.phone_number")
    withdrawn = grant(gql, ids["Eve"], "marketing.communications.email", "user.contact.email")
    gql.ok(WITHDRAW, {"input": {"customerId": ids["Eve"], "grantId": withdrawn,
                                "channel": "EMAIL"}}, role="marketing")
    grant(gql, ids["Fay"], "marketing.communications.email", "user.contact.email")
    gql.ok(ERASE, {"id": ids["Fay"]})
    return ids


def by_id(people: dict[str, str], *names: str) -> list[str]:
    return sorted(names, key=lambda name: people[name])


def test_the_audience_is_exactly_the_customers_who_consented_to_the_channel(gql, people):
    email = audience(gql, campaign(gql))

    assert [edge["node"] for edge in email["edges"]] == [
        {"id": people[name], "displayName": name, "emails": [f"{name.lower()}@example.com"]}
        for name in by_id(people, "Ada", "Dan")]
    assert email["pageInfo"]["hasNextPage"] is False
    assert names(audience(gql, campaign(gql, "SMS"))) == by_id(people, "Cyd", "Dan")
    assert names(audience(gql, campaign(gql, "MAIL", launch=False))) == ["Dan"]
    assert names(audience(gql, campaign(gql, "WEB"))) == []


def test_the_audience_is_paged_by_customer(gql, people):
    campaign_id = campaign(gql)

    first = audience(gql, campaign_id, first=1)
    rest = audience(gql, campaign_id, first=1, after=first["pageInfo"]["endCursor"])

    assert (names(first), first["pageInfo"]["hasNextPage"]) == (by_id(people, "Ada", "Dan")[:1], True)
    assert (names(rest), rest["pageInfo"]["hasNextPage"]) == (by_id(people, "Ada", "Dan")[1:], False)
    assert rest["edges"][0]["cursor"] == rest["pageInfo"]["endCursor"]


def test_the_audience_is_decided_from_the_log_when_the_views_are_behind(client, gql, hub: CrmHub,
                                                                        people):
    """Ada withdraws while nothing keeps the views current: the consent view still names her,
    but neither the audience nor a send lets her through."""
    campaign_id = campaign(gql)
    (grant_id,) = [grant.id for grant in hub.consents(people["Ada"])]
    client.app.state.runner.stop()
    hub.withdraw_consent(actor="ada-on-the-phone", customer_id=people["Ada"], grant_id=grant_id,
                         channel="phone")
    behind = consenting_customers(client.app.state.views, recipient="organisation",
                                  purposes=["marketing.communications.email"],
                                  categories=["user.contact.email"], at=datetime.now(UTC), first=10)
    assert people["Ada"] in [customer for _, customer in behind.items]

    assert names(audience(gql, campaign_id)) == ["Dan"]
    with records_nothing(hub):
        error = gql.error(SEND, {"campaign": campaign_id, "customer": people["Ada"]},
                          role="marketing")
    assert error["extensions"] == {"code": "CONFLICT"}


def test_a_send_to_a_customer_outside_the_audience_is_refused(gql, hub: CrmHub, people):
    campaign_id = campaign(gql)

    with records_nothing(hub):
        single = gql.error(SEND, {"campaign": campaign_id, "customer": people["Bob"]},
                           role="marketing")
        batch = gql.error(SEND_BATCH, {"campaign": campaign_id,
                                       "customers": [people["Ada"], people["Eve"]]},
                          role="marketing")
        erased = gql.error(SEND, {"campaign": campaign_id, "customer": people["Fay"]},
                           role="marketing")
    assert single["extensions"] == {"code": "CONFLICT"}
    assert single["message"] == (
        f"customer {people['Bob']} has no live consent to marketing.communications.email with"
        f" user.contact.email: campaign {campaign_id} on email may not message them")
    assert batch["extensions"] == {"code": "CONFLICT"}
    assert batch["message"].startswith(f"customer {people['Eve']} has no live consent")
    assert batch["message"].endswith("(customerIds[1])")
    assert erased["extensions"] == {"code": "CONFLICT"}
    assert "was erased" in erased["message"]

    sent = gql.ok(SEND_BATCH, {"campaign": campaign_id,
                               "customers": [people["Ada"], people["Dan"]]}, role="marketing")
    assert sent["sendCampaignMessages"]["count"] == 2


@pytest.mark.parametrize(("variables", "field"), [
    ({"id": "banana"}, "campaignId"),
    ({"first": 0}, "first"),
    ({"first": 201}, "first"),
    ({"after": "not-a-cursor"}, "after"),
    ({"after": encode_cursor("customers", ["ada", UNKNOWN])}, "after"),  # the directory's
])
def test_bad_arguments_are_bad_user_input_naming_the_argument(gql, variables, field):
    campaign_id = campaign(gql)
    error = gql.error(AUDIENCE, {"id": campaign_id, **variables})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


def test_an_unknown_campaign_has_no_audience(gql):
    error = gql.error(AUDIENCE, {"id": UNKNOWN})
    assert error["extensions"] == {"code": "NOT_FOUND"}
    assert error["message"] == f"campaign {UNKNOWN} not found"


@pytest.mark.parametrize("role", ["admin", "marketing", "sales", "analytics", "auditor"])
def test_roles_that_read_marketing_see_the_audience(gql, people, role):
    assert names(audience(gql, campaign(gql), role=role)) == by_id(people, "Ada", "Dan")


def test_a_role_without_marketing_read_is_forbidden(gql):
    campaign_id = campaign(gql)
    error = gql.error(AUDIENCE, {"id": campaign_id}, role="service")
    assert error["extensions"] == {"code": "FORBIDDEN"}
    assert error["message"] == "your role may not marketing:read"
    assert gql.error(AUDIENCE, {"id": campaign_id}, role=None)["extensions"]["code"] == \
        "UNAUTHENTICATED"
