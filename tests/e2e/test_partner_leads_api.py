"""Leads offered to partners, through `POST /partner/graphql` with real partner tokens:
my leads, accept and reject, contact details under the lead's consent (logged), time-outs,
capacity and round-robin, and nothing of another partner's leads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from privacy.disclosures import Disclosure
from tests.e2e.partner_client import PURPOSE, PartnerCaller
from tests.stories import events_since, records_nothing

SCOPES = ("leads:read", "leads:write", "reports:read")
THEN = datetime.now(UTC) - timedelta(days=3)
NODE = ("offerId leadId status territory product category source offeredAt expiresAt "
        "answeredAt outcome")
MY_LEADS = f"""query ($status: [LeadOfferStatus!], $after: String) {{
  myLeads(status: $status, first: 10, after: $after) {{
    edges {{ node {{ {NODE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
CONTACT = """query { myLeads { edges { node { leadId status
  contact { givenName familyName email phone companyName jobTitle } } } } }"""
LEAD = f"query ($lead: ID!) {{ lead(leadId: $lead) {{ {NODE} }} }}"
ACCEPT = "mutation ($lead: ID!) { acceptLead(leadId: $lead) { leadId status answeredAt } }"
REJECT = """mutation ($lead: ID!, $reason: String!) {
  rejectLead(leadId: $lead, reason: $reason) { leadId status } }"""
PERFORMANCE = """query ($start: DateTime!, $end: DateTime!) { myPerformance(start: $start, end: $end) {
  offered accepted rejected timedOut converted acceptanceRate medianResponseSeconds } }"""
EXPIRE = "mutation { expireLeadOffers { timedOut } }"
DISTRIBUTE = """mutation ($input: DistributeLeadInput!) {
  distributeLead(input: $input) { holderId status } }"""


@pytest.fixture
def acme(partners) -> PartnerCaller:
    return partners.register(name="Acme", scopes=SCOPES)


@pytest.fixture
def rival(partners) -> PartnerCaller:
    return partners.register(name="Rival", kind="distributor", scopes=SCOPES)


def a_lead(hub: Any, name: str = "Ada", **kwargs: Any) -> str:
    return str(hub.capture_lead(
        actor="sales-user", source="referral", channel="phone", given_name=name,
        family_name="Lovelace", email=f"{name.lower()}@example.com", phone="+44 20 7946 0000",
        company_name="Analytical Engines", job_title="CTO", **kwargs))


def offer(hub: Any, lead: str, partner: PartnerCaller, **kwargs: Any) -> None:
    """Offer the lead by hand (straight through the hub), and let the views see it."""
    hub.offer_lead(actor="sales-user", lead_id=lead, partner_id=partner.id, territory="GB",
                   product="routers", **kwargs)
    partner.client.app.state.runner.wait_for(hub.position(), 5)


def nodes(partner: PartnerCaller, **variables: Any) -> list[dict[str, Any]]:
    return [edge["node"] for edge in partner.ok(MY_LEADS, variables)["myLeads"]["edges"]]


def test_a_partner_sees_its_offer_accepts_it_and_then_sees_the_lead(hub, acme) -> None:
    lead = a_lead(hub)
    offer(hub, lead, acme)

    (offered,) = nodes(acme)
    assert (offered["leadId"], offered["status"], offered["territory"], offered["product"],
            offered["source"]) == (lead, "OFFERED", "GB", "routers", "referral")
    assert acme.ok(CONTACT)["myLeads"]["edges"][0]["node"]["contact"] is None

    accepted = acme.ok(ACCEPT, {"lead": lead})["acceptLead"]
    assert (accepted["leadId"], accepted["status"]) == (lead, "ACCEPTED")
    assert acme.ok(LEAD, {"lead": lead})["lead"]["status"] == "ACCEPTED"
    # accepted, but the lead gave no consent to this partner: nothing about the person
    assert acme.ok(CONTACT)["myLeads"]["edges"][0]["node"]["contact"] is None

    hub.grant_consent(actor="sales-user", lead_id=lead, recipient="partner", partner_id=acme.id,
                      purpose=PURPOSE, categories=["user.name", "user.contact.email"],
                      channel="phone", notice_version="partners-2026-01")
    before = hub.position()
    contact = acme.ok(CONTACT)["myLeads"]["edges"][0]["node"]["contact"]
    assert contact == {"givenName": "Ada", "familyName": "Lovelace", "email": "ada@example.com",
                       "phone": None, "companyName": None, "jobTitle": None}
    (logged,) = [e for e in events_since(hub, before) if isinstance(e, Disclosure.Recorded)]
    assert (logged.subject_id, logged.partner_id) == (UUID(lead), acme.id)
    assert logged.fields == ["email", "familyName", "givenName"]


def test_partner_b_cannot_see_accept_or_reject_partner_as_leads(hub, acme, rival) -> None:
    lead = a_lead(hub)
    offer(hub, lead, acme)

    assert nodes(rival) == []
    with records_nothing(hub):
        for document, variables in ((ACCEPT, {"lead": lead}), (LEAD, {"lead": lead}),
                                    (REJECT, {"lead": lead, "reason": "mine now"}),
                                    (ACCEPT, {"lead": str(uuid4())})):
            error = rival.error(document, variables)
            assert error["extensions"]["code"] == "NOT_FOUND"
            assert lead not in error["message"] or "not found" in error["message"]
    assert rival.error(ACCEPT, {"lead": "nope"})["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_rejected_lead_moves_on_to_the_next_partner(hub, gql, acme, rival) -> None:
    lead = a_lead(hub)
    holder = gql.ok(DISTRIBUTE, {"input": {"leadId": lead, "territory": "GB",
                                           "product": "Routers"}})["distributeLead"]["holderId"]
    first, second = (acme, rival) if holder == str(acme.id) else (rival, acme)

    assert first.ok(REJECT, {"lead": lead, "reason": "no capacity in London"})[
        "rejectLead"]["status"] == "REJECTED"

    assert [n["leadId"] for n in nodes(second)] == [lead]
    assert nodes(first) == []
    assert [n["status"] for n in nodes(first, status=["REJECTED"])] == ["REJECTED"]
    error = first.error(ACCEPT, {"lead": lead})
    assert error["extensions"]["code"] == "CONFLICT"
    assert first.error(REJECT, {"lead": lead, "reason": "again"})["extensions"]["code"] == \
        "CONFLICT"
    blank = second.error(REJECT, {"lead": lead, "reason": " "})["extensions"]
    assert (blank["code"], blank["field"]) == ("BAD_USER_INPUT", "reason")


def test_an_offer_times_out_and_moves_on_and_cannot_be_accepted_late(hub, gql, acme,
                                                                     rival) -> None:
    lead = a_lead(hub, occurred_at=THEN)
    offer(hub, lead, acme, occurred_at=THEN, window=timedelta(hours=1))

    with records_nothing(hub):
        error = acme.error(ACCEPT, {"lead": lead})
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["message"].startswith("the offer expired at ")

    assert gql.ok(EXPIRE)["expireLeadOffers"] == {"timedOut": 1}
    assert [n["leadId"] for n in nodes(rival)] == [lead]
    assert [n["status"] for n in nodes(acme, status=["TIMED_OUT"])] == ["TIMED_OUT"]
    assert rival.ok(ACCEPT, {"lead": lead})["acceptLead"]["status"] == "ACCEPTED"


def test_capacity_is_respected_and_equals_share_round_robin(hub, gql, acme, rival) -> None:
    hub.update_partner(actor="admin-user", partner_id=acme.id, capacity=1)
    leads = [a_lead(hub, f"L{n}") for n in range(4)]
    holders = [gql.ok(DISTRIBUTE, {"input": {"leadId": lead, "territory": "GB",
                                             "product": "routers"}})["distributeLead"]["holderId"]
               for lead in leads]
    assert holders.count(str(acme.id)) == 1 and holders.count(str(rival.id)) == 3

    hub.update_partner(actor="admin-user", partner_id=acme.id, capacity=10)
    more = [gql.ok(DISTRIBUTE, {"input": {"leadId": a_lead(hub, f"M{n}"), "territory": "GB"}})[
        "distributeLead"]["holderId"] for n in range(4)]
    assert sorted(more) == sorted([str(acme.id), str(rival.id)] * 2)


def test_a_partner_reads_its_own_figures(hub, acme, rival) -> None:
    leads = [a_lead(hub, f"L{n}") for n in range(2)]
    for lead in leads:
        offer(hub, lead, acme)
    acme.ok(ACCEPT, {"lead": leads[0]})
    acme.ok(REJECT, {"lead": leads[1], "reason": "not our market"})
    period = {"start": THEN.isoformat(),
              "end": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}

    mine = acme.ok(PERFORMANCE, period)["myPerformance"]
    assert {k: mine[k] for k in ("offered", "accepted", "rejected", "timedOut")} == {
        "offered": 2, "accepted": 1, "rejected": 1, "timedOut": 0}
    assert mine["acceptanceRate"] == 0.5
    # the rejected lead went on to the rival
    assert rival.ok(PERFORMANCE, period)["myPerformance"]["offered"] == 1


def test_each_field_needs_its_scope(hub, acme) -> None:
    lead = a_lead(hub)
    offer(hub, lead, acme)
    reader = acme.token_with(scopes=("customers:read",))
    with records_nothing(hub):
        for document, variables in ((MY_LEADS, {}), (LEAD, {"lead": lead}),
                                    (ACCEPT, {"lead": lead}),
                                    (REJECT, {"lead": lead, "reason": "x"}),
                                    (PERFORMANCE, {"start": THEN.isoformat(),
                                                   "end": datetime.now(UTC).isoformat()})):
            error = acme.error(document, variables, token=reader)
            assert error["extensions"]["code"] == "FORBIDDEN"
