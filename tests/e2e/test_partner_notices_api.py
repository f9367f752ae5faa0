"""Disclosures and withdrawal notices over HTTP with real tokens: a partner that read a
customer is told when a grant it relied on is withdrawn and when the customer is erased,
and acknowledges once; another partner is told nothing and finds nothing; admins and
auditors read the log and the unacknowledged notices; the subject-access export (GraphQL
and CLI) shows what was disclosed and told."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from api.cli import app
from privacy.disclosures import DisclosureRecord, response_hash
from tests.e2e.partner_client import PURPOSE
from tests.e2e.sales_api_stories import CONVERT, QUALIFY, capture, conversion

READ = "query ($id: ID!) { customer(id: $id) { id givenName } }"
WITHDRAWALS = """query ($since: DateTime) { withdrawals(since: $since) {
  edges { node { id subjectId kind grantId at acknowledgedAt } } pageInfo { hasNextPage } } }"""
ACKNOWLEDGE = """mutation ($id: ID!) { acknowledgeWithdrawal(noticeId: $id) {
  id kind acknowledgedAt } }"""
DISCLOSURES = """query ($partner: ID, $subject: ID) { disclosures(partnerId: $partner,
  subjectId: $subject) { edges { node { id partnerId tokenId subjectId fields purpose grantIds
  responseHash disclosedAt } } } }"""
NOTICES = """query ($partner: ID, $acknowledged: Boolean) { partnerNotices(partnerId: $partner,
  acknowledged: $acknowledged) { edges { node { id partnerId subjectId kind grantId at
  acknowledgedAt } } } }"""


def nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


def grant_to(gql, customer: str, partner: Any) -> str:
    return gql.ok("""mutation ($input: GrantConsentInput!) { grantConsent(input: $input) { id } }""",
                  {"input": {"customerId": customer, "recipient": {
                      "kind": "PARTNER", "partnerId": str(partner)}, "purpose": PURPOSE,
                      "categories": ["user.name"], "channel": "WEB", "noticeVersion": "v1"}}
                  )["grantConsent"]["id"]


@pytest.fixture
def story(gql, partners) -> dict[str, Any]:
    """Ada consented to partners A and B; only A read her; then she withdrew A's grant."""
    a, b = partners.register(name="A"), partners.register(name="B")
    ada = gql.ok("""mutation { registerCustomer(input: {kind: PERSON, givenName: "Ada",
                    familyName: "Lovelace"}) { id } }""")["registerCustomer"]["id"]
    grants = {"a": grant_to(gql, ada, a.id), "b": grant_to(gql, ada, b.id)}
    assert a.ok(READ, {"id": ada})["customer"] == {"id": ada, "givenName": "Ada"}
    gql.ok("""mutation ($input: WithdrawConsentInput!) { withdrawConsent(input: $input) { id } }""",
           {"input": {"customerId": ada, "grantId": grants["a"], "channel": "EMAIL"}})
    return {"a": a, "b": b, "ada": ada, "grants": grants}


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_a_partner_no_longer_active_is_still_told_and_acknowledges(gql, hub, story, status):
    a, ada = story["a"], story["ada"]
    if status == "suspended":
        hub.suspend_partner(actor="admin-user", partner_id=a.id, reason="under review")
    else:
        hub.terminate_partner(actor="admin-user", partner_id=a.id, reason="contract ended")
    gql.ok("""mutation ($id: ID!) { eraseCustomer(input: {customerId: $id}) { id } }""",
           {"id": ada})

    told = nodes(a.ok(WITHDRAWALS)["withdrawals"])
    assert [n["kind"] for n in told] == ["WITHDRAWN", "ERASED"]
    assert a.ok(ACKNOWLEDGE, {"id": told[1]["id"]})["acknowledgeWithdrawal"]["acknowledgedAt"]
    assert a.error(READ, {"id": ada})["extensions"]["code"] == "UNAUTHENTICATED"


def test_the_partner_that_read_is_told_of_the_withdrawal_and_the_erasure(gql, story):
    a, b, ada = story["a"], story["b"], story["ada"]
    (withdrawn,) = nodes(a.ok(WITHDRAWALS)["withdrawals"])
    assert (withdrawn["subjectId"], withdrawn["kind"], withdrawn["grantId"],
            withdrawn["acknowledgedAt"]) == (ada, "WITHDRAWN", story["grants"]["a"], None)
    assert nodes(b.ok(WITHDRAWALS)["withdrawals"]) == []  # B read nothing

    gql.ok("""mutation ($id: ID!) { eraseCustomer(input: {customerId: $id}) { id } }""",
           {"id": ada})
    told = nodes(a.ok(WITHDRAWALS)["withdrawals"])
    assert [(n["kind"], n["subjectId"], n["grantId"]) for n in told] == [
        ("WITHDRAWN", ada, story["grants"]["a"]), ("ERASED", ada, None)]
    assert nodes(a.ok(WITHDRAWALS, {"since": told[1]["at"]})["withdrawals"]) == [told[1]]
    assert nodes(b.ok(WITHDRAWALS)["withdrawals"]) == []

    acknowledged = a.ok(ACKNOWLEDGE, {"id": withdrawn["id"]})["acknowledgeWithdrawal"]
    assert acknowledged["id"] == withdrawn["id"] and acknowledged["acknowledgedAt"]
    assert a.error(ACKNOWLEDGE, {"id": withdrawn["id"]})["extensions"]["code"] == "CONFLICT"
    assert b.error(ACKNOWLEDGE, {"id": told[1]["id"]})["extensions"]["code"] == "NOT_FOUND"
    assert a.error(ACKNOWLEDGE, {"id": "nope"})["extensions"]["code"] == "BAD_USER_INPUT"
    other_scopes = a.token_with(scopes=("deals:read",))  # notices need no scope
    assert len(nodes(a.ok(WITHDRAWALS, token=other_scopes)["withdrawals"])) == 2

    for role in ("admin", "auditor"):
        open_notices = nodes(gql.ok(NOTICES, {"acknowledged": False}, role=role)["partnerNotices"])
        assert [(n["id"], n["partnerId"], n["kind"]) for n in open_notices] == [
            (told[1]["id"], str(a.id), "ERASED")]
    assert len(nodes(gql.ok(NOTICES, {"partner": str(a.id)})["partnerNotices"])) == 2
    for role in ("sales", "analytics"):
        assert gql.error(NOTICES, role=role)["extensions"]["code"] == "FORBIDDEN"


def test_admins_and_auditors_read_the_disclosure_log(gql, story):
    a, ada = story["a"], story["ada"]
    (logged,) = nodes(gql.ok(DISCLOSURES, {"subject": ada}, role="auditor")["disclosures"])
    assert (logged["partnerId"], logged["tokenId"], logged["subjectId"], logged["purpose"],
            logged["grantIds"]) == (str(a.id), a.jti, ada, PURPOSE, [story["grants"]["a"]])
    assert set(logged["fields"]) == {"id", "givenName"}
    assert len(logged["responseHash"]) == 64
    assert nodes(gql.ok(DISCLOSURES, {"partner": str(story["b"].id)})["disclosures"]) == []
    assert gql.error(DISCLOSURES, role="sales")["extensions"]["code"] == "FORBIDDEN"


def test_the_subject_access_export_shows_what_was_disclosed_and_told(gql, story, database_url,
                                                                     tmp_path: Path):
    ada = story["ada"]
    gql.ok("""mutation ($id: ID!) { eraseCustomer(input: {customerId: $id}) { id } }""",
           {"id": ada})
    document = gql.ok("query ($id: ID!) { subjectAccessExport(customerId: $id) }",
                      {"id": ada})["subjectAccessExport"]
    (disclosure,) = document["disclosures"]
    assert (disclosure["partnerId"], disclosure["subjectId"], disclosure["purpose"],
            disclosure["grants"]) == (str(story["a"].id), ada, PURPOSE, [story["grants"]["a"]])
    assert set(disclosure["fields"]) == {"id", "givenName"} and disclosure["occurredAt"]
    assert [(n["kind"], n["partnerId"], n["acknowledgedAt"]) for n in document["notices"]] == [
        ("withdrawn", str(story["a"].id), None), ("erased", str(story["a"].id), None)]

    result = CliRunner().invoke(app, ["privacy", "export", "--customer", ada], env={
        "CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert (printed["disclosures"], printed["notices"]) == (
        document["disclosures"], document["notices"])


def test_the_export_of_a_converted_lead_s_customer_shows_the_lead_s_disclosures(gql, hub, partners,
                                                                               database_url,
                                                                               tmp_path: Path):
    """A partner received a lead's data under the lead's own consent; the lead became a
    customer, who was erased: the partner is told of the lead, and the customer's export
    shows the lead's grants, its disclosure and the notice."""
    a = partners.register(name="A")
    lead = capture(gql)["id"]
    granted = gql.ok("""mutation ($input: GrantConsentInput!) { grantConsent(input: $input) { id } }""",
                     {"input": {"leadId": lead, "recipient": {"kind": "PARTNER",
                                                              "partnerId": str(a.id)},
                                "purpose": PURPOSE, "categories": ["user.name"],
                                "channel": "WEB", "noticeVersion": "v1"}})["grantConsent"]["id"]
    values = {"givenName": "Ada"}  # what a partner's read of the lead returned
    hub.record_disclosures(actor=f"partner:{a.id}", records=[DisclosureRecord(
        partner_id=a.id, token_id=a.jti, subject_id=UUID(lead), fields=tuple(values),
        purpose=PURPOSE, grants=(UUID(granted),), response_hash=response_hash(values))])
    gql.ok(QUALIFY, {"input": {"id": lead}}, role="sales")
    customer = gql.ok(CONVERT, {"input": conversion(lead)}, role="sales")["convertLead"][
        "customer"]["id"]
    gql.ok("""mutation ($id: ID!) { eraseCustomer(input: {customerId: $id}) { id } }""",
           {"id": customer})

    (notice,) = nodes(a.ok(WITHDRAWALS)["withdrawals"])
    assert (notice["kind"], notice["subjectId"]) == ("ERASED", lead)
    document = gql.ok("query ($id: ID!) { subjectAccessExport(customerId: $id) }",
                      {"id": customer})["subjectAccessExport"]
    assert [g["id"] for g in document["leadConsents"]] == [granted]
    assert [(d["subjectId"], d["fields"]) for d in document["disclosures"]] == [
        (lead, ["givenName"])]
    assert [(n["kind"], n["subjectId"]) for n in document["notices"]] == [("erased", lead)]

    result = CliRunner().invoke(app, ["privacy", "export", "--customer", customer], env={
        "CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert (printed["disclosures"], printed["notices"], printed["leadConsents"]) == (
        document["disclosures"], document["notices"], document["leadConsents"])
