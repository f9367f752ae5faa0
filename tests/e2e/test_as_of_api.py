"""Auditors replay the log as it stood at an instant: `customerAsOf`, `salesPipelineAsOf`
and `serviceQueueAsOf` over HTTP with real tokens.

The central story: build a history, copy what today's views answer at T, keep writing
(the profile, interactions, cases, opportunities, consent), then ask for the state as
of T: it equals the copy. And as of now, it equals today's views.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from projections import replay_checkpoints
from tests.e2e.sales_api_stories import ADVANCE, CLOSE, NEXT_MONTH, OPEN
from tests.e2e.test_consent_api import GRANT, WITHDRAW, grant_input
from tests.e2e.test_service_api import OPEN as OPEN_CASE
from tests.e2e.test_service_api import RESOLVE
from tests.stories import records_nothing

REGISTER = """mutation ($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id } }"""
UPDATE = """mutation ($input: UpdateCustomerProfileInput!) {
  updateCustomerProfile(input: $input) { id } }"""
RECORD = """mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }"""
CORRECT = """mutation ($input: CorrectInteractionInput!) { correctInteraction(input: $input) { id } }"""
ASSIGN = """mutation ($input: AssignCaseInput!) { assignCase(input: $input) { id } }"""
ERASE = """mutation ($input: EraseCustomerInput!) { eraseCustomer(input: $input) { id } }"""

C360_FIELDS = """
  id
  summary { id kind displayName companyName organisationId stage owner tags emails version
            createdAt updatedAt openCases openOpportunities lastPurchaseAt
            lifetimeRevenue { amount currency } erased }
  profile { id version createdAt updatedAt kind displayName givenName familyName jobTitle
            emails phones address { street city country } companyName stage owner tags
            erased consents { id status purpose history { kind actor channel } } }
  timeline(first: 50) { edges { cursor node { interactionId occurredAt recordedAt channel
            direction department subject summary handledBy caseId opportunityId corrected } }
            pageInfo { hasNextPage endCursor } }
"""
C360 = f"query ($id: ID!) {{ customer360(id: $id) {{ {C360_FIELDS} }} }}"
C360_AS_OF = f"query ($id: ID!, $at: DateTime!) {{ customerAsOf(id: $id, at: $at) {{ {C360_FIELDS} }} }}"
PIPELINE_FIELDS = "stage count amount { amount currency } weightedAmount { amount currency }"
PIPELINE = f"{{ salesPipeline {{ {PIPELINE_FIELDS} }} }}"
PIPELINE_AS_OF = f"query ($at: DateTime!) {{ salesPipelineAsOf(at: $at) {{ {PIPELINE_FIELDS} }} }}"
QUEUE_FIELDS = """edges { cursor node { id customerId channel type priority status assignee
  escalationLevel openedAt dueAt resolvedAt reopenCount version lastActivityAt
  customer { id displayName stage owner } } } pageInfo { hasNextPage endCursor }"""
QUEUE = f"query ($first: Int!) {{ caseQueue(first: $first) {{ {QUEUE_FIELDS} }} }}"
QUEUE_AS_OF = (f"query ($at: DateTime!, $first: Int!) {{ serviceQueueAsOf(at: $at, first: $first)"
               f" {{ {QUEUE_FIELDS} }} }}")


def register(gql, **fields) -> str:
    payload = {"kind": "PERSON", "givenName": "Ada", "familyName": "Lovelace",
               "emails": ["ada@example.org"], **fields}
    return gql.ok(REGISTER, {"input": payload})["registerCustomer"]["id"]


def record(gql, customer: str, subject: str, **fields) -> str:
    payload = {"customerId": customer, "channel": "PHONE", "direction": "INBOUND",
               "department": "SERVICE", "subject": subject, **fields}
    return gql.ok(RECORD, {"input": payload}, role="service")["recordInteraction"]["id"]


def open_case(gql, customer: str, subject: str, **fields) -> str:
    payload = {"customerId": customer, "channel": "PHONE", "type": "INCIDENT",
               "subject": subject, **fields}
    return gql.ok(OPEN_CASE, {"input": payload}, role="service")["openCase"]["id"]


def open_opportunity(gql, customer: str, amount: str) -> str:
    payload = {"customerId": customer, "name": "Renewal", "amount": amount, "currency": "EUR",
               "expectedCloseDate": NEXT_MONTH}
    return gql.ok(OPEN, {"input": payload}, role="sales")["openOpportunity"]["id"]


def an_instant() -> str:
    """Now, between two writes: every event before it is older, every one after newer."""
    time.sleep(0.01)
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    return moment


def live(gql, customer: str) -> dict:
    return {"customer": gql.ok(C360, {"id": customer})["customer360"],
            "pipeline": gql.ok(PIPELINE)["salesPipeline"],
            "queue": gql.ok(QUEUE, {"first": 50})["caseQueue"]}


def as_of(gql, customer: str, at: str, *, role: str = "auditor") -> dict:
    return {"customer": gql.ok(C360_AS_OF, {"id": customer, "at": at}, role=role)["customerAsOf"],
            "pipeline": gql.ok(PIPELINE_AS_OF, {"at": at}, role=role)["salesPipelineAsOf"],
            "queue": gql.ok(QUEUE_AS_OF, {"at": at, "first": 50}, role=role)["serviceQueueAsOf"]}


@pytest.fixture
def history(gql) -> dict:
    """Two customers with contacts, cases, opportunities and a consent."""
    ada = register(gql, tags=["vip"], phones=["+44 113 496 0000"],
                   address={"street": "1 Engine Row", "city": "Leeds", "country": "GB"})
    bob = register(gql, givenName="Bob", emails=["bob@example.org"])
    call = record(gql, ada, "Router keeps rebooting", summary="Since Monday")
    record(gql, bob, "Asked for a quote", department="SALES", direction="OUTBOUND")
    case = open_case(gql, ada, "Router keeps rebooting", priority="HIGH")
    gql.ok(ASSIGN, {"input": {"id": case, "assignee": "agent-7"}}, role="service")
    other_case = open_case(gql, bob, "Invoice wrong")
    deal = open_opportunity(gql, ada, "12000.00")
    gql.ok(ADVANCE, {"input": {"id": deal, "stage": "QUALIFICATION"}}, role="sales")
    other_deal = open_opportunity(gql, bob, "800.00")
    grant = gql.ok(GRANT, {"input": grant_input(ada)}, role="marketing")["grantConsent"]["id"]
    return {"ada": ada, "bob": bob, "call": call, "case": case, "other_case": other_case,
            "deal": deal, "other_deal": other_deal, "grant": grant}


def keep_writing(gql, h: dict) -> None:
    """Everything the views show changes after T."""
    gql.ok(UPDATE, {"input": {"id": h["ada"], "givenName": "Augusta", "emails": ["aal@example.org"]}})
    gql.ok(CORRECT, {"input": {"id": h["call"], "reason": "wrong channel", "channel": "EMAIL"}},
           role="service")
    record(gql, h["ada"], "Thanks for the fix")
    gql.ok(RESOLVE, {"input": {"id": h["case"], "resolution": "Firmware updated"}}, role="service")
    open_case(gql, h["ada"], "Second router")
    gql.ok(ADVANCE, {"input": {"id": h["deal"], "stage": "PROPOSAL"}}, role="sales")
    gql.ok(CLOSE, {"input": {"id": h["other_deal"], "outcome": "WON"}}, role="sales")
    open_opportunity(gql, h["bob"], "50.00")
    gql.ok(WITHDRAW, {"input": {"customerId": h["ada"], "grantId": h["grant"],
                                "channel": "PHONE"}}, role="service")


def test_the_state_as_of_an_instant_equals_what_the_views_showed_then(gql, history):
    at = an_instant()
    then = live(gql, history["ada"])
    assert then["customer"]["profile"]["consents"][0]["status"] == "LIVE"
    assert len(then["queue"]["edges"]) == 2 and then["pipeline"]

    keep_writing(gql, history)
    now = live(gql, history["ada"])
    assert now != then  # the story changed everything the comparison looks at
    for part in ("customer", "pipeline", "queue"):
        assert now[part] != then[part], part

    assert as_of(gql, history["ada"], at) == then
    assert as_of(gql, history["ada"], an_instant()) == now


def test_as_of_between_two_writes_sees_the_first_and_not_the_second(gql, history):
    first = an_instant()
    gql.ok(UPDATE, {"input": {"id": history["ada"], "familyName": "King"}})
    second = an_instant()
    gql.ok(UPDATE, {"input": {"id": history["ada"], "familyName": "Byron"}})

    def name(at: str) -> str:
        read = gql.ok(C360_AS_OF, {"id": history["ada"], "at": at}, role="auditor")["customerAsOf"]
        assert read["summary"]["displayName"] == f"Ada {read['profile']['familyName']}"
        return read["profile"]["familyName"]

    assert [name(first), name(second), name(an_instant())] == ["Lovelace", "King", "Byron"]


def test_an_erased_customer_stays_erased_in_the_past(gql, history):
    before = an_instant()
    gql.ok(ERASE, {"input": {"customerId": history["ada"]}})
    read = gql.ok(C360_AS_OF, {"id": history["ada"], "at": before}, role="auditor")["customerAsOf"]

    assert read["summary"]["erased"] is False  # not yet erased then ...
    profile = read["profile"]
    assert (profile["givenName"], profile["familyName"], profile["emails"], profile["phones"],
            profile["address"]) == ("", "", [], [], None)  # ... but unreadable now
    assert read["summary"]["displayName"] == "" and read["summary"]["emails"] == []
    (entry,) = [e["node"] for e in read["timeline"]["edges"]]
    assert entry["subject"] == "" and not entry["summary"]
    assert read["summary"]["openCases"] == 1 and read["summary"]["openOpportunities"] == 1


@pytest.mark.parametrize("role", ["sales", "service", "marketing", "analytics"])
def test_only_auditors_and_admins_replay(gql, history, role):
    at = an_instant()
    for document, variables in ((C360_AS_OF, {"id": history["ada"], "at": at}),
                                (PIPELINE_AS_OF, {"at": at}),
                                (QUEUE_AS_OF, {"at": at, "first": 5})):
        assert gql.error(document, variables, role=role)["extensions"]["code"] == "FORBIDDEN"
        assert gql.error(document, variables, role=None)["extensions"]["code"] == "UNAUTHENTICATED"
    assert gql.ok(PIPELINE_AS_OF, {"at": at}, role="admin")["salesPipelineAsOf"]


def test_bad_input_is_refused_and_records_nothing(gql, hub, history):
    future = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    long_ago = "2001-01-01T00:00:00Z"
    with records_nothing(hub):
        for document, variables in ((C360_AS_OF, {"id": history["ada"], "at": future}),
                                    (PIPELINE_AS_OF, {"at": future}),
                                    (QUEUE_AS_OF, {"at": future, "first": 5}),
                                    (PIPELINE_AS_OF, {"at": "2026-01-01T00:00:00"})):
            error = gql.error(document, variables, role="auditor")
            assert (error["extensions"]["code"], error["extensions"]["field"]) == (
                "BAD_USER_INPUT", "at"), error
        unknown = "00000000-0000-4000-8000-000000000000"
        for customer, code in ((unknown, "NOT_FOUND"), (history["case"], "NOT_FOUND"),
                               ("not-an-id", "BAD_USER_INPUT")):
            error = gql.error(C360_AS_OF, {"id": customer, "at": an_instant()}, role="auditor")
            assert error["extensions"]["code"] == code
        # Before the customer (and the log) began: they did not exist.
        error = gql.error(C360_AS_OF, {"id": history["ada"], "at": long_ago}, role="auditor")
        assert error["extensions"]["code"] == "NOT_FOUND"
        error = gql.error("""query ($at: DateTime!) { serviceQueueAsOf(at: $at, assignee: "a",
                             unassigned: true) { edges { cursor } } }""", {"at": an_instant()},
                          role="auditor")
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    # ... and nothing was open. (An answered read is recorded: see test_audit_reads_api.)
    assert gql.ok(PIPELINE_AS_OF, {"at": long_ago}, role="auditor")["salesPipelineAsOf"] == []
    queue = gql.ok(QUEUE_AS_OF, {"at": long_ago, "first": 5}, role="auditor")
    assert queue["serviceQueueAsOf"]["edges"] == []


def test_the_queue_as_of_pages_and_filters_as_today(gql, history):
    at = an_instant()
    keep_writing(gql, history)
    first = gql.ok(QUEUE_AS_OF, {"at": at, "first": 1}, role="auditor")["serviceQueueAsOf"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = gql.ok("""query ($at: DateTime!, $after: String) {
      serviceQueueAsOf(at: $at, first: 5, after: $after) { edges { node { id } } } }""",
                  {"at": at, "after": first["pageInfo"]["endCursor"]}, role="auditor")
    ids = [first["edges"][0]["node"]["id"]] + [
        e["node"]["id"] for e in rest["serviceQueueAsOf"]["edges"]]
    assert sorted(ids) == sorted([history["case"], history["other_case"]])
    assigned = gql.ok("""query ($at: DateTime!) { serviceQueueAsOf(at: $at, assignee: "agent-7")
                         { edges { node { id assignee } } } }""", {"at": at}, role="auditor")
    assert [e["node"] for e in assigned["serviceQueueAsOf"]["edges"]] == [
        {"id": history["case"], "assignee": "agent-7"}]


def test_serve_keeps_replay_checkpoints_in_the_background(gql, settings, hub, history, views,
                                                          monkeypatch):
    monkeypatch.setattr(replay_checkpoints, "EVERY", 4)
    newest = views.query("SELECT MAX(position) AS p FROM log_index WHERE customer_id = ?",
                         (history["ada"],))[0]["p"]

    def kept() -> list[int]:
        return [row["position"] for row in views.query(
            f"SELECT position FROM {replay_checkpoints.TABLE} WHERE customer_id = ?",  # noqa: S608
            (history["ada"],))]

    with TestClient(create_app(settings.model_copy(update={"replay_checkpoint_sweep": 0.01}),
                               hub=hub)):
        for _ in range(500):  # up to 5 s for the keeper's first sweeps
            if kept():
                break
            time.sleep(0.01)
    assert kept() == [newest]
