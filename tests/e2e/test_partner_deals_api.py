"""Partners register, work and close their deals and send feedback at
`POST /partner/graphql`, through HTTP with real partner tokens. Partner A cannot read,
move or close partner B's deals by guessing ids; collisions are flagged for sales; every
refused request records nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from tests.e2e.partner_client import PURPOSE, PartnerCaller
from tests.stories import records_nothing

UNKNOWN = "00000000-0000-4000-8000-000000000000"
NEXT_MONTH = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
DEAL = """id version customerId leadId name stage probability status amount { amount currency }
          expectedCloseDate registeredAt closedAt closeReason conflict"""
REGISTER = f"mutation ($input: RegisterDealInput!) {{ registerDeal(input: $input) {{ {DEAL} }} }}"
ADVANCE = f"mutation ($input: AdvanceDealInput!) {{ advanceDeal(input: $input) {{ {DEAL} }} }}"
CLOSE = f"mutation ($input: CloseDealInput!) {{ closeDeal(input: $input) {{ {DEAL} }} }}"
FEEDBACK = """mutation ($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id caseId } }"""
ONE = f"query ($id: ID!) {{ deal(id: $id) {{ {DEAL} }} }}"
MINE = f"""query ($status: DealStatus, $first: Int, $after: String) {{
  myDeals(status: $status, first: $first, after: $after) {{
    edges {{ node {{ {DEAL} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
FIGURES = """query ($start: DateTime!, $end: DateTime!) { myDealFigures(start: $start, end: $end) {
  registered open won lost rejected wonRevenue { amount currency } pipeline { amount currency } } }"""
TIMELINE = """query ($id: ID!) { customer360(id: $id) { timeline(first: 10) { edges { node {
  subject summary channel direction department handledBy caseId } } } } }"""
RESOLVE = """mutation ($input: ResolveDealConflictInput!) { resolveDealConflict(input: $input) {
  id conflict status } }"""
ALL_SCOPES = ("deals:read", "deals:write", "feedback:write", "reports:read", "customers:read")


@pytest.fixture
def acme(partners) -> PartnerCaller:
    return partners.register(name="Acme", scopes=ALL_SCOPES)


@pytest.fixture
def rival(partners) -> PartnerCaller:
    return partners.register(name="Rival", kind="distributor", scopes=ALL_SCOPES)


def a_customer(hub: Any, *partners: PartnerCaller) -> str:
    customer = hub.register_customer(actor="sales-user", kind="organisation", stage="prospect",
                                     profile={"company_name": "Globex"})
    for partner in partners:
        hub.grant_consent(actor="sales-user", customer_id=customer, recipient="partner",
                          partner_id=partner.id, purpose=PURPOSE, categories=["user.name"],
                          channel="web", notice_version="partners-2026-01")
    return str(customer)


def register(partner: PartnerCaller, customer: str, **changes: Any) -> dict[str, Any]:
    return partner.ok(REGISTER, {"input": {
        "customerId": customer, "name": "Globex router refresh", "amount": "25000",
        "currency": "EUR", "expectedCloseDate": NEXT_MONTH, **changes}})["registerDeal"]


def refused(partner: PartnerCaller, hub: Any, document: str, variables: dict[str, Any]) -> dict:
    with records_nothing(hub):
        error = partner.error(document, variables)
    return {key: value for key, value in error["extensions"].items() if key in ("code", "field")}


def test_a_partner_registers_works_and_wins_its_deal(hub, acme):
    customer = a_customer(hub, acme)
    deal = register(acme, customer)
    assert (deal["status"], deal["stage"], deal["conflict"], deal["customerId"]) == (
        "OPEN", "PROSPECTING", "NONE", customer)
    assert deal["amount"] == {"amount": "25000.00", "currency": "EUR"}

    moved = acme.ok(ADVANCE, {"input": {"dealId": deal["id"], "stage": "NEGOTIATION"}})
    assert moved["advanceDeal"]["probability"] == "0.80"
    won = acme.ok(CLOSE, {"input": {"dealId": deal["id"], "outcome": "WON"}})["closeDeal"]
    assert (won["status"], won["stage"], won["version"]) == ("WON", "WON", 3)
    assert won["closedAt"] is not None
    assert acme.ok(ONE, {"id": deal["id"]})["deal"] == won
    (listed,) = acme.ok(MINE, {"status": "WON"})["myDeals"]["edges"]
    assert listed["node"] == won
    now = datetime.now(UTC)
    figures = acme.ok(FIGURES, {"start": (now - timedelta(hours=1)).isoformat(),
                                "end": (now + timedelta(hours=1)).isoformat()})["myDealFigures"]
    assert (figures["registered"], figures["open"], figures["won"]) == (1, 0, 1)
    assert figures["wonRevenue"] == [{"amount": "25000.00", "currency": "EUR"}]


@pytest.mark.parametrize(("changes", "expected"), [
    ({"customerId": UNKNOWN}, {"code": "NOT_FOUND"}),
    ({"amount": "-5"}, {"code": "BAD_USER_INPUT", "field": "amount"}),
    ({"amount": "0"}, {"code": "BAD_USER_INPUT", "field": "amount"}),
    ({"currency": "euro"}, {"code": "BAD_USER_INPUT", "field": "currency"}),
    ({"expectedCloseDate": "2020-01-01"}, {"code": "BAD_USER_INPUT", "field": "expectedCloseDate"}),
    ({"stage": "WON"}, {"code": "BAD_USER_INPUT", "field": "stage"}),
    ({"name": ""}, {"code": "BAD_USER_INPUT", "field": "name"}),
    ({"customerId": "banana"}, {"code": "BAD_USER_INPUT", "field": "customerId"}),
    ({"leadId": UNKNOWN}, {"code": "BAD_USER_INPUT", "field": "customerId"}),
])
def test_a_bad_registration_is_refused_and_records_nothing(hub, acme, changes, expected):
    payload = {"customerId": a_customer(hub, acme), "name": "Deal", "amount": "10",
               "currency": "EUR", "expectedCloseDate": NEXT_MONTH, **changes}
    assert refused(acme, hub, REGISTER, {"input": payload}) == expected


def test_customers_and_leads_the_partner_may_not_know_do_not_exist(hub, acme, rival):
    theirs = a_customer(hub, rival)
    stranger = a_customer(hub)
    for payload in ({"customerId": theirs}, {"customerId": stranger},
                    {"customerId": None, "leadId": UNKNOWN}):
        payload = {"name": "Deal", "amount": "10", "currency": "EUR",
                   "expectedCloseDate": NEXT_MONTH, **payload}
        assert refused(acme, hub, REGISTER, {"input": payload}) == {"code": "NOT_FOUND"}


def test_partner_a_cannot_touch_partner_bs_deals_by_guessing_ids(hub, acme, rival):
    deal = register(rival, a_customer(hub, rival))["id"]
    for document, variables in (
        (ONE, {"id": deal}),
        (ADVANCE, {"input": {"dealId": deal, "stage": "PROPOSAL"}}),
        (CLOSE, {"input": {"dealId": deal, "outcome": "WON"}}),
        (CLOSE, {"input": {"dealId": deal, "outcome": "LOST", "reason": "mine now"}}),
        (ONE, {"id": UNKNOWN}),
    ):
        assert refused(acme, hub, document, variables) == {"code": "NOT_FOUND"}
    assert acme.ok(MINE)["myDeals"]["edges"] == []
    assert rival.ok(ONE, {"id": deal})["deal"]["status"] == "OPEN"


def test_bad_moves_are_refused_and_record_nothing(hub, acme):
    deal = register(acme, a_customer(hub, acme), stage="PROPOSAL")["id"]
    for document, payload, expected in (
        (ADVANCE, {"stage": "PROPOSAL"}, {"code": "CONFLICT"}),
        (ADVANCE, {"stage": "PROSPECTING"}, {"code": "CONFLICT"}),
        (ADVANCE, {"stage": "WON"}, {"code": "BAD_USER_INPUT", "field": "stage"}),
        (CLOSE, {"outcome": "LOST"}, {"code": "BAD_USER_INPUT", "field": "reason"}),
    ):
        assert refused(acme, hub, document, {"input": {"dealId": deal, **payload}}) == expected
    acme.ok(CLOSE, {"input": {"dealId": deal, "outcome": "LOST", "reason": "no budget"}})
    for document, payload in ((CLOSE, {"outcome": "WON"}), (ADVANCE, {"stage": "NEGOTIATION"}),
                              (CLOSE, {"outcome": "LOST", "reason": "again"})):
        assert refused(acme, hub, document, {"input": {"dealId": deal, **payload}}) == {
            "code": "CONFLICT"}


def test_a_colliding_registration_is_flagged_and_sales_decides(hub, gql, acme, rival):
    customer = a_customer(hub, acme, rival)
    opportunity = hub.open_opportunity(actor="sales-user", customer_id=UUID(customer),
                                       name="Internal", amount="100", currency="EUR",
                                       expected_close_date=NEXT_MONTH)
    first = register(acme, customer)
    assert first["conflict"] == "FLAGGED"  # our own opportunity was there first
    second = register(rival, customer)
    assert second["conflict"] == "FLAGGED"
    flagged = gql.ok("""{ dealRegistrations(conflicted: true) { edges { node { id conflicts } } } }""",
                     role="sales")["dealRegistrations"]["edges"]
    conflicts = {edge["node"]["id"]: sorted(edge["node"]["conflicts"]) for edge in flagged}
    assert conflicts == {first["id"]: [str(opportunity)],
                         second["id"]: sorted([str(opportunity), first["id"]])}

    assert refused(rival, hub, CLOSE, {"input": {"dealId": second["id"], "outcome": "WON"}}) == {
        "code": "CONFLICT"}
    gql.ok(RESOLVE, {"input": {"dealId": second["id"], "resolution": "REJECT",
                               "note": "Acme registered first"}}, role="sales")
    rejected = rival.ok(ONE, {"id": second["id"]})["deal"]
    assert (rejected["status"], rejected["conflict"]) == ("REJECTED", "REJECTED")
    gql.ok(RESOLVE, {"input": {"dealId": first["id"], "resolution": "KEEP",
                               "note": "separate budget"}}, role="sales")
    assert acme.ok(CLOSE, {"input": {"dealId": first["id"], "outcome": "WON"}})[
        "closeDeal"]["status"] == "WON"


def test_feedback_shows_in_the_customers_timeline_on_the_partner_channel(hub, gql, acme, rival):
    customer = a_customer(hub, acme)
    receipt = acme.ok(FEEDBACK, {"input": {"customerId": customer, "kind": "FEEDBACK",
                                           "subject": "Rollout done",
                                           "text": "All sites live."}})["submitFeedback"]
    assert receipt["caseId"] is None
    issue = acme.ok(FEEDBACK, {"input": {"customerId": customer, "kind": "ISSUE",
                                         "subject": "Units failing",
                                         "text": "Three units reboot."}})["submitFeedback"]
    assert issue["caseId"] is not None

    entries = [edge["node"] for edge in gql.ok(TIMELINE, {"id": customer}, role="sales")[
        "customer360"]["timeline"]["edges"]]
    assert {(e["subject"], e["channel"], e["direction"], e["department"], e["handledBy"])
            for e in entries} == {
        (subject, "PARTNER", "INBOUND", "PARTNER", f"partner:{acme.id}")
        for subject in ("Rollout done", "Units failing")}
    assert {e["caseId"] for e in entries} == {None, issue["caseId"]}

    for partner, payload, expected in (
        (rival, {"customerId": customer}, {"code": "NOT_FOUND"}),
        (acme, {"customerId": UNKNOWN}, {"code": "NOT_FOUND"}),
        (acme, {"text": ""}, {"code": "BAD_USER_INPUT", "field": "text"}),
    ):
        base = {"customerId": customer, "kind": "ISSUE", "subject": "x", "text": "y"}
        assert refused(partner, hub, FEEDBACK, {"input": {**base, **payload}}) == expected


def test_each_field_needs_its_scope(hub, partners):
    reader = partners.register(scopes=("deals:read",))
    customer = a_customer(hub, reader)
    payload = {"customerId": customer, "name": "Deal", "amount": "10", "currency": "EUR",
               "expectedCloseDate": NEXT_MONTH}
    assert refused(reader, hub, REGISTER, {"input": payload}) == {"code": "FORBIDDEN"}
    assert refused(reader, hub, FEEDBACK, {"input": {
        "customerId": customer, "kind": "FEEDBACK", "subject": "x", "text": "y"}}) == {
        "code": "FORBIDDEN"}
    now = datetime.now(UTC).isoformat()
    assert reader.error(FIGURES, {"start": now, "end": now})["extensions"]["code"] == "FORBIDDEN"
    writer = partners.register(scopes=("deals:write",))
    assert writer.error(MINE)["extensions"]["code"] == "FORBIDDEN"
