"""Partners' deal registrations in the internal GraphQL over HTTP: sales reviews the
flagged ones and decides; every refused decision changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.store import CrmHub
from tests.unit.deal_stories import NEXT_MONTH, SALES, a_deal, a_known_customer, a_partner, consent_for

UNKNOWN = "00000000-0000-4000-8000-000000000000"
FIELDS = """id version partnerId customerId leadId name stage probability status
            amount { amount currency } expectedCloseDate registeredAt closedAt closeReason
            conflict conflicts conflictNote"""
LIST = f"""query ($conflicted: Boolean, $partnerId: ID, $first: Int, $after: String) {{
  dealRegistrations(conflicted: $conflicted, partnerId: $partnerId, first: $first, after: $after) {{
    edges {{ cursor node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
ONE = f"query ($id: ID!) {{ dealRegistration(id: $id) {{ {FIELDS} }} }}"
RESOLVE = f"""mutation ($input: ResolveDealConflictInput!) {{
  resolveDealConflict(input: $input) {{ {FIELDS} }} }}"""
FIGURES = """query ($partnerId: ID!, $start: DateTime!, $end: DateTime!) {
  partnerDeals(partnerId: $partnerId, start: $start, end: $end) {
    start end registered open won lost rejected
    wonRevenue { amount currency } pipeline { amount currency } } }"""


def caught_up(client, hub: CrmHub) -> None:
    client.app.state.runner.wait_for(hub.position(), 5)


@pytest.fixture
def story(client, hub: CrmHub):
    """Partners A and B; B's deal for Globex collides with our opportunity and A's deal."""
    a, b = a_partner(hub), a_partner(hub, "Other AB")
    globex = a_known_customer(hub, a)
    consent_for(hub, globex, b)
    opportunity = hub.open_opportunity(actor=SALES, customer_id=globex, name="Internal",
                                       amount="900", currency="EUR",
                                       expected_close_date=NEXT_MONTH)
    first = a_deal(hub, a, customer_id=globex)
    flagged = a_deal(hub, b, customer_id=globex, name="Globex switches", amount="500",
                     currency="USD", conflicts=[opportunity, first])
    caught_up(client, hub)
    return {"a": str(a), "b": str(b), "globex": str(globex), "opportunity": str(opportunity),
            "first": str(first), "flagged": str(flagged)}


def nodes(data):
    return [edge["node"] for edge in data["dealRegistrations"]["edges"]]


def refused(gql, hub: CrmHub, payload, role="sales"):
    before = hub.position()
    error = gql.error(RESOLVE, {"input": payload}, role=role)
    assert hub.position() == before, "a refused decision recorded events"
    return {key: value for key, value in error["extensions"].items() if key in ("code", "field")}


@pytest.mark.parametrize("role", ["sales", "admin", "analytics", "auditor"])
def test_sales_reviews_the_flagged_registrations(gql, story, role):
    (flagged,) = nodes(gql.ok(LIST, {"conflicted": True}, role=role))
    assert flagged["id"] == story["flagged"] and flagged["partnerId"] == story["b"]
    assert (flagged["name"], flagged["status"], flagged["conflict"]) == (
        "Globex switches", "OPEN", "FLAGGED")
    assert sorted(flagged["conflicts"]) == sorted([story["opportunity"], story["first"]])
    assert flagged["amount"] == {"amount": "500.00", "currency": "USD"}
    assert [n["id"] for n in nodes(gql.ok(LIST, {"conflicted": False}, role=role))] == [
        story["first"]]
    assert [n["id"] for n in nodes(gql.ok(LIST, {"partnerId": story["a"]}, role=role))] == [
        story["first"]]
    page = gql.ok(LIST, {"first": 1}, role=role)["dealRegistrations"]
    assert page["pageInfo"]["hasNextPage"] and page["edges"][0]["node"]["id"] == story["flagged"]


@pytest.mark.parametrize("role", ["service", "marketing"])
def test_other_roles_see_no_registrations(gql, story, role):
    for document, variables in ((LIST, {}), (ONE, {"id": story["flagged"]})):
        assert gql.error(document, variables, role=role)["extensions"]["code"] == "FORBIDDEN"


def test_sales_keeps_a_flagged_registration(gql, hub: CrmHub, story):
    kept = gql.ok(RESOLVE, {"input": {"dealId": story["flagged"], "resolution": "KEEP",
                                      "note": "different product line", "expectedVersion": 1}},
                  role="sales")["resolveDealConflict"]
    assert (kept["conflict"], kept["status"], kept["conflictNote"], kept["version"]) == (
        "KEPT", "OPEN", "different product line", 2)
    assert nodes(gql.ok(LIST, {"conflicted": True})) == []
    assert refused(gql, hub, {"dealId": story["flagged"], "resolution": "REJECT",
                              "note": "changed my mind"})["code"] == "CONFLICT"


def test_sales_rejects_a_flagged_registration(gql, hub: CrmHub, story):
    rejected = gql.ok(RESOLVE, {"input": {"dealId": story["flagged"], "resolution": "REJECT",
                                          "note": "A registered first"}})["resolveDealConflict"]
    assert (rejected["conflict"], rejected["status"], rejected["probability"]) == (
        "REJECTED", "REJECTED", "0.00")
    assert rejected["closedAt"] is not None
    assert gql.ok(ONE, {"id": story["flagged"]}, role="auditor")["dealRegistration"] == rejected


@pytest.mark.parametrize(("payload", "expected"), [
    ({"note": ""}, {"code": "BAD_USER_INPUT", "field": "note"}),
    ({"note": "x" * 501}, {"code": "BAD_USER_INPUT", "field": "note"}),
    ({"dealId": "banana"}, {"code": "BAD_USER_INPUT", "field": "dealId"}),
    ({"dealId": UNKNOWN}, {"code": "NOT_FOUND"}),
    ({"expectedVersion": 7}, {"code": "CONFLICT"}),
])
def test_a_bad_decision_is_refused_and_changes_nothing(gql, hub: CrmHub, story, payload,
                                                       expected):
    base = {"dealId": story["flagged"], "resolution": "KEEP", "note": "fine"}
    assert refused(gql, hub, {**base, **payload}) == expected


def test_unflagged_deals_and_other_roles_cannot_be_resolved(gql, hub: CrmHub, story):
    payload = {"dealId": story["first"], "resolution": "KEEP", "note": "fine"}
    assert refused(gql, hub, payload)["code"] == "CONFLICT"
    payload = {**payload, "dealId": story["flagged"]}
    for role in ("analytics", "auditor", "service"):
        assert refused(gql, hub, payload, role=role)["code"] == "FORBIDDEN"
    error = gql.error(RESOLVE, {"input": {**payload, "resolution": "MERGE"}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_partners_deal_figures(gql, client, hub: CrmHub, story):
    now = datetime.now(UTC)
    span = {"start": (now - timedelta(days=1)).isoformat(), "end": (now + timedelta(days=1)).isoformat()}
    figures = gql.ok(FIGURES, {"partnerId": story["b"], **span}, role="analytics")["partnerDeals"]
    assert (figures["registered"], figures["open"], figures["won"], figures["lost"]) == (1, 1, 0, 0)
    assert figures["pipeline"] == [{"amount": "500.00", "currency": "USD"}]
    assert figures["wonRevenue"] == []
    for partner, code in ((UNKNOWN, "NOT_FOUND"), ("banana", "BAD_USER_INPUT")):
        error = gql.error(FIGURES, {"partnerId": partner, **span})
        assert error["extensions"]["code"] == code
    bad = gql.error(FIGURES, {"partnerId": story["b"], "start": span["end"], "end": span["start"]})
    assert bad["extensions"] == {"code": "BAD_USER_INPUT", "field": "end"}
