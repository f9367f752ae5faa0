"""Subject access through GraphQL: one JSON document with everything the log holds about a
customer, decrypted, each record with its times; an erased customer's export shows them
erased and holds nothing personal; another customer's records never appear; admins only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from projections.catalog import all_views
from projections.database import ViewDatabase
from projections.runner import ProjectionRunner
from tests.e2e.partner_client import PURPOSE
from tests.stories import records_nothing

EXPORT = "query ($id: ID!) { subjectAccessExport(customerId: $id) }"
TODAY = datetime.now(UTC).date()
#: When the first call really happened: the call system delivered it three days late.
CALLED_AT = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def personal(who: str) -> dict[str, str]:
    """Text that exists only about `who`: each piece shows, decrypted, in their export, and
    none of it once they are erased (nor in anybody else's export)."""
    return {"given": who, "family": f"{who}thorpe", "email": f"{who.lower()}@example.org",
            "formerEmail": f"{who.lower()}.old@example.org", "street": f"{who} Yard",
            "subject": f"{who} rang about the router", "summary": f"{who} said it hummed",
            "case": f"{who} has no connection", "comment": f"{who} called back",
            "resolution": f"{who} got a new router", "opportunity": f"{who} fleet upgrade",
            "refund": f"{who} returned one", "withdrawal": f"{who} said stop"}


def run(gql, name: str, input: dict[str, Any], fields: str = "id") -> dict[str, Any]:
    """One mutation by an admin, whose input type is named after it; its payload."""
    type_name = name[0].upper() + name[1:] + "Input"
    document = f"mutation ($input: {type_name}!) {{ {name}(input: $input) {{ {fields} }} }}"
    return gql.ok(document, {"input": input})[name]


def a_launched_campaign(gql) -> str:
    campaign = run(gql, "createCampaign", {
        "name": "Router spring offers", "channel": "EMAIL", "budget": "1500.00", "currency": "EUR",
        "purpose": "marketing.communications.email",
        "startsOn": (TODAY - timedelta(days=1)).isoformat(),
        "endsOn": (TODAY + timedelta(days=30)).isoformat()})["id"]
    run(gql, "launchCampaign", {"id": campaign}, "status")
    return campaign


def a_customer_with_everything(gql, who: str, phone: str, campaign: str) -> dict[str, Any]:
    """A customer with at least one of every record an export holds, written through
    GraphQL; the ids, by kind."""
    text = {**personal(who), "phone": phone}
    customer = run(gql, "registerCustomer", {
        "kind": "PERSON", "givenName": text["given"], "familyName": text["family"],
        "emails": [text["formerEmail"]], "phones": [phone],
        "address": {"street": text["street"], "city": "Leeds", "country": "GB"}})["id"]
    run(gql, "updateCustomerProfile", {"id": customer, "emails": [text["email"]]}, "version")
    interaction = run(gql, "recordInteraction", {
        "customerId": customer, "channel": "CALL_CENTRE", "direction": "INBOUND",
        "department": "SERVICE", "subject": text["subject"], "summary": text["summary"],
        "occurredAt": CALLED_AT.isoformat()})["id"]
    case = run(gql, "openCase", {"customerId": customer, "channel": "PHONE", "type": "INCIDENT",
                                 "subject": text["case"], "priority": "HIGH"})["id"]
    run(gql, "assignCase", {"id": case, "assignee": "eve"})
    run(gql, "commentCase", {"id": case, "text": text["comment"]})
    run(gql, "resolveCase", {"id": case, "resolution": text["resolution"]})
    opportunity = run(gql, "openOpportunity", {
        "customerId": customer, "name": text["opportunity"], "amount": "4800.00",
        "currency": "EUR", "expectedCloseDate": (TODAY + timedelta(days=60)).isoformat()})["id"]
    quote = run(gql, "issueQuote", {
        "opportunityId": opportunity, "currency": "EUR",
        "validUntil": (TODAY + timedelta(days=30)).isoformat(),
        "lines": [{"sku": "RT-300", "quantity": "2", "unitPrice": "249.00"}]})["id"]
    purchase = run(gql, "recordPurchase", {"customerId": customer, "channel": "STORE", "lines": [
        {"sku": "RT-100", "productName": "Home router", "quantity": 2, "unitPrice": "89.00",
         "currency": "EUR"}]})["id"]
    run(gql, "refundPurchase", {"id": purchase, "reason": text["refund"], "amount": "10.00"})
    emails = run(gql, "grantConsent", {
        "customerId": customer, "recipient": {"kind": "ORGANISATION"},
        "purpose": "marketing.communications.email", "categories": ["user.contact.email"],
        "channel": "WEB", "noticeVersion": "newsletter-1"})["id"]
    resellers = run(gql, "grantConsent", {
        "customerId": customer, "recipient": {"kind": "PARTNER_CATEGORY", "category": "RESELLER"},
        "purpose": "third_party_sharing.partner.lead_referral", "categories": ["user.name"],
        "channel": "PHONE", "noticeVersion": "referral-2"})["id"]
    run(gql, "withdrawConsent", {"customerId": customer, "grantId": resellers,
                                 "channel": "EMAIL", "reason": text["withdrawal"]})
    run(gql, "sendCampaignMessage", {"campaignId": campaign, "customerId": customer}, "customerId")
    for response in ({"response": "OPENED"}, {"response": "CONVERTED", "value": "50.00"}):
        run(gql, "recordCampaignResponse",
            {"campaignId": campaign, "customerId": customer, **response}, "customerId")
    return {"customer": customer, "interaction": interaction, "case": case,
            "opportunity": opportunity, "quote": quote, "purchase": purchase,
            "grants": [emails, resellers], "campaign": campaign, "text": text}


@pytest.fixture
def ada(gql) -> dict[str, Any]:
    """Qwyndolyn, with one of everything; Ysolde has her own records in the same campaign."""
    campaign = a_launched_campaign(gql)
    story = a_customer_with_everything(gql, "Qwyndolyn", "+44 161 496 0734", campaign)
    story["other"] = a_customer_with_everything(gql, "Ysolde", "+44 161 496 0912", campaign)
    return story


def export(gql, customer: str, *, role: str = "admin") -> dict[str, Any]:
    return gql.ok(EXPORT, {"id": customer}, role=role)["subjectAccessExport"]


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [record["id"] for record in records]


def events(record: dict[str, Any]) -> list[str]:
    return [entry["event"] for entry in record["history"]]


def leaked(document: dict[str, Any], text: dict[str, str]) -> list[str]:
    serialised = json.dumps(document)
    return [marker for marker in text.values() if marker in serialised]


def test_the_export_holds_every_record_decrypted(gql, ada):
    text = ada["text"]
    document = export(gql, ada["customer"])

    assert document["customerId"] == ada["customer"]
    profile = document["profile"]
    assert (profile["givenName"], profile["familyName"], profile["emails"], profile["erased"]) == (
        text["given"], text["family"], [text["email"]], False)
    assert profile["address"] == {"street": text["street"], "city": "Leeds", "country": "GB"}
    assert events(profile) == ["Registered", "ProfileUpdated"]
    assert profile["history"][0]["emails"] == [text["formerEmail"]]  # the log still holds it
    assert document["lead"] is None

    (interaction,) = document["interactions"]
    assert (interaction["id"], interaction["subject"], interaction["summary"]) == (
        ada["interaction"], text["subject"], text["summary"])

    (case,) = document["cases"]
    assert (case["id"], case["subject"], case["status"], case["resolution"]) == (
        ada["case"], text["case"], "resolved", text["resolution"])
    assert events(case) == ["Opened", "Assigned", "Commented", "Resolved"]
    assert [(c["text"], c["internal"], c["actor"]) for c in case["comments"]] == [
        (text["comment"], False, "admin-user")]

    (opportunity,) = document["opportunities"]
    assert (opportunity["id"], opportunity["name"], opportunity["amount"]) == (
        ada["opportunity"], text["opportunity"], {"amount": "4800.00", "currency": "EUR"})
    assert [(q["id"], q["total"]) for q in opportunity["quotes"]] == [
        (ada["quote"], {"amount": "498.00", "currency": "EUR"})]

    (purchase,) = document["purchases"]
    assert (purchase["id"], purchase["total"]) == (
        ada["purchase"], {"amount": "178.00", "currency": "EUR"})
    assert [(r["amount"], r["reason"]) for r in purchase["refunds"]] == [
        ({"amount": "10.00", "currency": "EUR"}, text["refund"])]

    (message,) = document["campaignMessages"]
    assert (message["campaignId"], message["campaign"]) == (ada["campaign"], {
        "name": "Router spring offers", "purpose": "marketing.communications.email"})
    assert [(r["response"], r["value"]) for r in message["responses"]] == [
        ("opened", None), ("converted", {"amount": "50.00", "currency": "EUR"})]

    assert [(g["id"], g["status"]) for g in document["consents"]] == [
        (ada["grants"][0], "live"), (ada["grants"][1], "withdrawn")]
    assert [events(g) for g in document["consents"]] == [["Granted"], ["Granted", "Withdrawn"]]
    assert document["consents"][1]["history"][1]["reason"] == text["withdrawal"]
    assert document["consents"][1]["recipient"] == {
        "kind": "partner_category", "partnerId": None, "category": "reseller"}
    assert document["disclosures"] == []


REGISTER_DEAL = """mutation ($input: RegisterDealInput!) { registerDeal(input: $input) { id } }"""


def test_the_export_holds_the_deals_partners_registered_for_them(gql, hub, ada, partners):
    acme = partners.register(scopes=("deals:write",))
    deals = {}
    for who in ("customer", "other"):
        customer = ada[who] if who == "customer" else ada["other"]["customer"]
        hub.grant_consent(actor="sales-user", customer_id=customer, recipient="partner",
                          partner_id=acme.id, purpose=PURPOSE, categories=["user.name"],
                          channel="web", notice_version="partners-v1")
        deals[who] = acme.ok(REGISTER_DEAL, {"input": {
            "customerId": customer, "name": f"Router refresh for {who}", "amount": "900",
            "currency": "EUR", "expectedCloseDate": "2099-01-31"}})["registerDeal"]["id"]

    (deal,) = export(gql, ada["customer"])["partnerDeals"]
    assert (deal["id"], deal["name"], deal["partnerId"], events(deal)) == (
        deals["customer"], "Router refresh for customer", str(acme.id), ["Registered"])


def records_of(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield document["profile"]
    for kind in ("interactions", "cases", "opportunities", "purchases", "campaignMessages",
                 "consents"):
        for record in document[kind]:
            yield record
            yield from record.get("quotes", [])


def test_every_record_and_event_says_when_it_happened_and_was_recorded(gql, hub, ada):
    before = datetime.now(UTC)
    document = export(gql, ada["customer"])

    assert before <= datetime.fromisoformat(document["generatedAt"]) <= datetime.now(UTC)
    assert document["logPosition"] == hub.position()
    for record in records_of(document):
        for entry in [record, *record["history"]]:
            occurred = datetime.fromisoformat(entry["occurredAt"])
            recorded = datetime.fromisoformat(entry["recordedAt"])
            assert occurred.utcoffset() == timedelta(0) and occurred <= recorded, entry
    (interaction,) = document["interactions"]
    assert datetime.fromisoformat(interaction["occurredAt"]) == CALLED_AT  # backdated
    assert datetime.fromisoformat(interaction["recordedAt"]) > CALLED_AT + timedelta(days=2)
    assert document["cases"][0]["history"][0]["actor"] == "admin-user"


def test_another_customers_records_never_appear(gql, ada):
    other = ada["other"]
    mine, theirs = export(gql, ada["customer"]), export(gql, other["customer"])

    serialised = json.dumps(mine)
    for kind in ("customer", "interaction", "case", "opportunity", "quote", "purchase"):
        assert other[kind] not in serialised
    assert not any(grant in serialised for grant in other["grants"])
    assert leaked(mine, other["text"]) == []
    assert leaked(theirs, ada["text"]) == []
    assert ids(theirs["interactions"]) == [other["interaction"]]


def test_an_erased_customers_export_shows_them_erased_without_personal_data(gql, ada):
    gql.ok("""mutation ($id: ID!) { eraseCustomer(input: {customerId: $id}) { erased } }""",
           {"id": ada["customer"]})
    document = export(gql, ada["customer"])

    profile = document["profile"]
    assert (profile["erased"], profile["givenName"], profile["emails"], profile["address"]) == (
        True, None, [], None)
    assert events(profile) == ["Registered", "ProfileUpdated", "Erased"]
    assert leaked(document, ada["text"]) == []
    # The records stay, with their numbers: only what was personal is blank.
    assert ids(document["interactions"]) == [ada["interaction"]]
    assert document["cases"][0]["comments"][0]["text"] == ""
    assert document["purchases"][0]["total"] == {"amount": "178.00", "currency": "EUR"}
    assert [g["status"] for g in document["consents"]] == ["live", "withdrawn"]
    assert leaked(export(gql, ada["other"]["customer"]), {"given": "Ysolde"}) == ["Ysolde"]


def test_a_converted_customers_export_holds_the_lead_they_came_from(gql, hub):
    lead = hub.capture_lead(actor="sam", source="web_form", channel="web", given_name="Zebulonia",
                            family_name="Lead", email="zebulonia@example.net",
                            notes="met at Glimmerfest")
    hub.qualify_lead(actor="sam", lead_id=lead)
    customer = str(hub.convert_lead(actor="sam", lead_id=lead, opportunity_name="Routers",
                                    amount="100", currency="EUR",
                                    expected_close_date=date.today() + timedelta(days=30)
                                    ).customer_id)

    document = export(gql, customer)
    assert (document["lead"]["id"], document["lead"]["notes"]) == (str(lead), "met at Glimmerfest")
    assert events(document["lead"]) == ["Captured", "Qualified", "Converted"]
    assert ids(document["opportunities"]) == [document["lead"]["opportunityId"]]

    gql.ok("""mutation ($id: ID!) { eraseCustomer(input: {customerId: $id}) { erased } }""",
           {"id": customer})
    erased = export(gql, customer)
    assert leaked(erased, {"name": "Zebulonia", "email": "zebulonia@", "notes": "Glimmerfest"}) == []


@pytest.mark.parametrize(("customer", "code", "field"), [
    ("not-an-id", "BAD_USER_INPUT", "customerId"),
    ("", "BAD_USER_INPUT", "customerId"),
    (UNKNOWN, "NOT_FOUND", None),
])
def test_a_bad_or_unknown_id_is_refused_and_changes_nothing(gql, hub, customer, code, field):
    with records_nothing(hub):
        error = gql.error(EXPORT, {"id": customer})
    assert error["extensions"]["code"] == code
    assert error["extensions"].get("field") == field


def test_an_id_of_another_kind_of_record_is_not_a_customer(gql, ada):
    error = gql.error(EXPORT, {"id": ada["case"]})
    assert error["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("role", ["sales", "service", "marketing", "analytics", "auditor"])
def test_only_an_admin_exports(gql, hub, role):
    customer = run(gql, "registerCustomer", {"kind": "PERSON", "givenName": "Ada"})["id"]
    with records_nothing(hub):
        error = gql.error(EXPORT, {"id": customer}, role=role)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert gql.error(EXPORT, {"id": customer}, role=None)["extensions"]["code"] == \
        "UNAUTHENTICATED"


def test_views_that_lag_the_log_are_waited_for_then_refused(hub, database_url, tmp_path: Path):
    """The views only find the records: an export from views behind the log would miss
    some, so it is refused (CONFLICT) until a worker has caught them up."""
    settings = Settings(database_url=database_url, data_dir=tmp_path / "data",
                        run_projections=False, read_your_writes_timeout=0.1)
    customer = str(hub.register_customer(actor="clerk", kind="person",
                                         profile={"given_name": "Ada"}))
    with TestClient(create_app(settings, hub=hub)) as client:
        token = client.app.state.tokens.issue(subject="admin-user", role="admin")

        def ask() -> dict[str, Any]:
            return client.post("/graphql", json={"query": EXPORT, "variables": {"id": customer}},
                               headers={"Authorization": f"Bearer {token}"}).json()

        assert ask()["errors"][0]["extensions"]["code"] == "CONFLICT"
        views = ViewDatabase.connect(database_url)  # a `crmhub project` worker, once
        try:
            worker = ProjectionRunner(hub, views, all_views())
            worker.setup()
            worker.catch_up()
        finally:
            views.close()
        assert ask()["data"]["subjectAccessExport"]["profile"]["givenName"] == "Ada"


def test_the_export_is_read_from_the_log_not_the_views(gql, views, ada):
    """The views find the ids; every value comes from the events (a view row changed
    behind the hub's back does not show)."""
    with views.transaction() as tx:
        tx.execute("UPDATE view_timeline SET subject = 'tampered' WHERE interaction_id = ?",
                   (ada["interaction"],))
    document = export(gql, ada["customer"])
    assert document["interactions"][0]["subject"] == ada["text"]["subject"]
