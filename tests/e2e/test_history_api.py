"""`history(id)` over HTTP: an auditor reads every event of any aggregate, in order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from uuid import UUID

import pytest

from domain.hub import Hub

HISTORY = """
query History($id: ID!, $from: DateTime, $to: DateTime, $types: [String!], $first: Int,
              $after: String) {
  history(id: $id, from: $from, to: $to, eventTypes: $types, first: $first, after: $after) {
    edges { cursor node { position aggregateId aggregateType version eventType topic
                          recordedAt occurredAt actor data erased erasedFields } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@dataclass
class Story:
    customer: UUID
    case: UUID
    opportunity: UUID
    lead: UUID


@pytest.fixture
def story(hub: Hub) -> Story:
    """A customer, a case and an opportunity whose events interleave in the log."""
    customer = hub.register_customer(actor="sam", kind="person", profile={
        "given_name": "Ada", "family_name": "Lovelace", "emails": ["ada@example.com"]})
    case = hub.open_case(actor="eve", customer_id=customer, channel="phone",
                         case_type="question", subject="Invoice unclear",
                         description="Ada asks about invoice 7")
    opportunity = hub.open_opportunity(actor="sam", customer_id=customer, name="Ada's upgrade",
                                       amount="1200.00", currency="EUR",
                                       expected_close_date="2030-01-31")
    hub.change_customer_stage(actor="sam", customer_id=customer, stage="prospect",
                              reason="Asked for a quote")
    hub.escalate_case(actor="eve", case_id=case, reason="Ada is upset")
    hub.advance_opportunity(actor="sam", opportunity_id=opportunity, stage="qualification")
    hub.tag_customer(actor="sam", customer_id=customer, add=["vip"])
    hub.comment_case(actor="eve", case_id=case, text="Called Ada back")
    hub.close_opportunity(actor="sam", opportunity_id=opportunity, outcome="won")
    hub.update_customer_profile(actor="sam", customer_id=customer,
                                changes={"job_title": "Analyst"})
    lead = hub.capture_lead(actor="sam", source="web_form", channel="web", given_name="Grace",
                            family_name="Hopper", email="grace@example.com")
    return Story(customer, case, opportunity, lead)


def positions_in_log(hub: Hub) -> dict[tuple[UUID, int], int]:
    """(aggregate id, version) -> notification id, as the library's log has them."""
    found: dict[tuple[UUID, int], int] = {}
    start = 1
    while page := hub.notification_log.select(start=start, limit=1000):
        found.update({(n.originator_id, n.originator_version): n.id for n in page})
        start = page[-1].id + 1
    return found


def entries(gql, aggregate_id, role="auditor", **variables):
    data = gql.ok(HISTORY, {"id": str(aggregate_id), **variables}, role=role)["history"]
    return [edge["node"] for edge in data["edges"]], data["pageInfo"]


def test_an_auditor_reads_each_aggregate_in_order_at_its_log_positions(gql, hub, story):
    log = positions_in_log(hub)
    expected = {
        story.customer: ("customer", ["Registered", "StageChanged", "TagsChanged",
                                      "ProfileUpdated"]),
        story.case: ("case", ["Opened", "Escalated", "Commented"]),
        story.opportunity: ("opportunity", ["Opened", "StageChanged", "Closed"]),
    }
    for aggregate_id, (kind, types) in expected.items():
        found, page = entries(gql, aggregate_id)
        assert [e["eventType"] for e in found] == types
        assert [e["version"] for e in found] == list(range(1, len(types) + 1))
        positions = [e["position"] for e in found]
        assert positions == sorted(set(positions))  # strictly increasing
        assert positions == [log[(aggregate_id, e["version"])] for e in found]
        assert {e["aggregateType"] for e in found} == {kind}
        assert {e["aggregateId"] for e in found} == {str(aggregate_id)}
        assert not page["hasNextPage"]
    customer, _ = entries(gql, story.customer)
    registered = customer[0]
    assert registered["topic"] == "domain.customers:Customer.Registered"
    assert registered["actor"] == "sam" and registered["occurredAt"] and registered["recordedAt"]
    assert registered["data"]["givenName"] == "Ada"  # decrypted
    assert registered["data"]["emails"] == ["ada@example.com"]
    assert not registered["erased"] and registered["erasedFields"] == []
    assert customer[1]["data"]["reason"] == "Asked for a quote"
    case, _ = entries(gql, story.case)
    assert case[0]["data"]["customerId"] == str(story.customer)
    assert case[0]["data"]["description"] == "Ada asks about invoice 7"


def test_any_aggregate_of_the_store_has_a_history(gql, story):
    found, _ = entries(gql, story.lead, role="admin")
    assert found[0]["aggregateType"] == "lead" and found[0]["eventType"] == "Captured"
    assert found[0]["data"]["givenName"] == "Grace"


def test_filters_by_event_type_and_recording_time(gql, story):
    everything, _ = entries(gql, story.customer)
    stage, _ = entries(gql, story.customer, types=["StageChanged", "TagsChanged"])
    assert [e["version"] for e in stage] == [2, 3]
    window, _ = entries(gql, story.customer, **{"from": everything[1]["recordedAt"],
                                                "to": everything[3]["recordedAt"]})
    assert [e["version"] for e in window] == [2, 3]  # [from, to)
    since, _ = entries(gql, story.customer, **{"from": everything[2]["recordedAt"]},
                       types=["ProfileUpdated", "StageChanged"])
    assert [e["version"] for e in since] == [4]


def test_pages_follow_one_another_to_the_end(gql, story):
    everything, _ = entries(gql, story.customer)
    seen, after = [], None
    while True:
        found, page = entries(gql, story.customer, first=1, after=after)
        seen += found
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    assert seen == everything and len(seen) == 4
    error = gql.error(HISTORY, {"id": str(story.case), "after": after}, role="auditor")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"  # another aggregate's cursor
    error = gql.error(HISTORY, {"id": str(story.case), "first": 101}, role="auditor")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_an_erased_customers_history_is_complete_without_their_personal_data(gql, hub, story):
    hub.erase_customer(actor="admin-user", customer_id=story.customer)

    customer, _ = entries(gql, story.customer)
    case, _ = entries(gql, story.case)

    assert [e["eventType"] for e in customer] == ["Registered", "StageChanged", "TagsChanged",
                                                  "ProfileUpdated", "Erased"]
    registered = customer[0]
    assert registered["erased"] is True
    assert {"givenName", "familyName", "emails"} <= set(registered["erasedFields"])
    assert registered["data"]["givenName"] is None and registered["data"]["emails"] is None
    assert registered["data"]["kind"] == "person"  # not personal: kept
    assert customer[1]["erased"] and customer[1]["data"]["reason"] is None
    assert customer[1]["data"]["stage"] == "prospect"
    assert not customer[2]["erased"] and customer[2]["data"]["added"] == ["vip"]
    assert case[0]["erased"] and case[0]["data"]["subject"] is None
    assert case[0]["data"]["caseType"] == "question"
    assert case[0]["data"]["customerId"] == str(story.customer)


def test_only_auditors_and_admins_read_histories(gql, story):
    assert entries(gql, story.case, role="admin")[0]
    for role in ("sales", "service", "marketing", "analytics"):
        assert gql.error(HISTORY, {"id": str(story.case)}, role=role)["extensions"]["code"] \
            == "FORBIDDEN"
    assert gql.error(HISTORY, {"id": str(story.case)}, role=None)["extensions"]["code"] \
        == "UNAUTHENTICATED"


@pytest.mark.parametrize(("variables", "code"), [
    ({"id": str(uuid.uuid4())}, "NOT_FOUND"),
    ({"id": "not-an-id"}, "BAD_USER_INPUT"),
    ({"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, "BAD_USER_INPUT"),
    ({"types": ["Opened"]}, "BAD_USER_INPUT"),  # a case's, not a customer's
    ({"after": "bm90IGEgY3Vyc29y"}, "BAD_USER_INPUT"),
], ids=["unknown id", "malformed id", "to before from", "unknown type", "bad cursor"])
def test_bad_requests_are_refused_and_record_nothing(gql, hub, story, variables, code):
    before = hub.position()
    error = gql.error(HISTORY, {"id": str(story.customer), **variables}, role="auditor")
    assert error["extensions"]["code"] == code
    assert hub.position() == before
