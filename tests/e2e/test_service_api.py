"""Service cases through GraphQL over HTTP: opening to closing, SLA, rules and roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.hub import Hub

UNKNOWN = "00000000-0000-4000-8000-000000000000"
CASE_FIELDS = """id version customerId channel type priority status dueAt slaBreached assignee
  escalationLevel subject description resolution openedAt resolvedAt closedAt
  comments { author text internal at }"""

OPEN = f"""mutation ($input: OpenCaseInput!) {{ openCase(input: $input) {{ {CASE_FIELDS} }} }}"""
CASE = f"""query ($id: ID!) {{ case(id: $id) {{ {CASE_FIELDS} }} }}"""


def mutation(name: str, input_type: str) -> str:
    return f"""mutation ($input: {input_type}!) {{ {name}(input: $input) {{ {CASE_FIELDS} }} }}"""


ASSIGN = mutation("assignCase", "AssignCaseInput")
ESCALATE = mutation("escalateCase", "EscalateCaseInput")
COMMENT = mutation("commentCase", "CommentCaseInput")
PRIORITY = mutation("changeCasePriority", "ChangeCasePriorityInput")
RESOLVE = mutation("resolveCase", "ResolveCaseInput")
CLOSE = mutation("closeCase", "CloseCaseInput")
REOPEN = mutation("reopenCase", "ReopenCaseInput")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def hours_ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


@pytest.fixture
def customer_id(hub: Hub) -> UUID:
    return hub.register_customer(actor="clerk", kind="person",
                                 profile={"given_name": "Ada", "family_name": "Byron"})


@pytest.fixture
def open_case(gql, customer_id):
    def open_(role: str = "service", **fields) -> dict:
        payload = {"customerId": str(customer_id), "channel": "PHONE", "type": "INCIDENT",
                   "subject": "Router keeps rebooting", **fields}
        return gql.ok(OPEN, {"input": payload}, role=role)["openCase"]

    return open_


def test_a_case_is_handled_from_opening_to_closing_and_reopened(gql, open_case, customer_id):
    case = open_case(description="  It restarts every hour  ", priority="HIGH")
    assert case["customerId"] == str(customer_id)
    assert (case["channel"], case["type"], case["priority"]) == ("PHONE", "INCIDENT", "HIGH")
    assert (case["status"], case["version"], case["escalationLevel"]) == ("OPEN", 1, 0)
    assert case["description"] == "It restarts every hour"
    assert abs(at(case["dueAt"]) - at(case["openedAt"]) - timedelta(hours=8)) < timedelta(seconds=1)
    assert case["slaBreached"] is False
    assert case["resolvedAt"] is None and case["closedAt"] is None and case["comments"] == []
    id_ = case["id"]

    assigned = gql.ok(ASSIGN, {"input": {"id": id_, "assignee": "agent-7", "expectedVersion": 1}},
                      role="service")["assignCase"]
    assert (assigned["status"], assigned["assignee"], assigned["version"]) == (
        "ASSIGNED", "agent-7", 2)

    commented = gql.ok(COMMENT, {"input": {"id": id_, "text": "Asked for the router model",
                                           "internal": True}}, role="service")["commentCase"]
    (comment,) = commented["comments"]
    assert comment["author"] == "service-user"
    assert (comment["text"], comment["internal"]) == ("Asked for the router model", True)

    escalated = gql.ok(ESCALATE, {"input": {"id": id_, "reason": "Firmware fault suspected"}},
                       role="service")["escalateCase"]
    assert (escalated["status"], escalated["escalationLevel"]) == ("ESCALATED", 1)
    assert escalated["priority"] == "HIGH" and escalated["dueAt"] == case["dueAt"]

    urgent = gql.ok(PRIORITY, {"input": {"id": id_, "priority": "URGENT",
                                         "reason": "Customer works from home"}},
                    role="service")["changeCasePriority"]
    assert urgent["priority"] == "URGENT"
    assert at(urgent["dueAt"]) - at(case["openedAt"]) == timedelta(hours=4)

    resolved = gql.ok(RESOLVE, {"input": {"id": id_, "resolution": "Firmware updated"}},
                      role="admin")["resolveCase"]
    assert (resolved["status"], resolved["resolution"]) == ("RESOLVED", "Firmware updated")
    assert resolved["resolvedAt"] is not None and resolved["slaBreached"] is False

    closed = gql.ok(CLOSE, {"input": {"id": id_, "expectedVersion": resolved["version"]}},
                    role="service")["closeCase"]
    assert closed["status"] == "CLOSED"
    assert at(closed["closedAt"]) >= at(closed["resolvedAt"])

    reopened = gql.ok(REOPEN, {"input": {"id": id_, "reason": "Rebooting again"}},
                      role="service")["reopenCase"]
    assert (reopened["status"], reopened["resolution"]) == ("ESCALATED", None)
    assert reopened["resolvedAt"] is None and reopened["closedAt"] is None
    assert (reopened["assignee"], reopened["escalationLevel"]) == ("agent-7", 1)

    read = gql.ok(CASE, {"id": id_}, role="auditor")["case"]
    assert read == reopened
    assert read["version"] == 8


def test_the_sla_is_judged_against_now_while_open_and_against_the_resolution_after(
    gql, open_case, hub: Hub
):
    overdue = open_case(occurredAt=hours_ago(30))
    assert overdue["status"] == "OPEN" and overdue["slaBreached"] is True

    on_time = open_case(occurredAt=hours_ago(2))
    assert on_time["slaBreached"] is False
    raised = gql.ok(PRIORITY, {"input": {"id": on_time["id"], "priority": "URGENT"}},
                    role="service")["changeCasePriority"]
    assert raised["slaBreached"] is False
    raised_late = open_case(occurredAt=hours_ago(10))
    urgent = gql.ok(PRIORITY, {"input": {"id": raised_late["id"], "priority": "URGENT"}},
                    role="service")["changeCasePriority"]
    assert urgent["slaBreached"] is True, "urgent means 4 hours from the opening, not the change"

    # Given a case resolved within its SLA three days ago: it stays within it.
    long_ago = open_case(occurredAt=hours_ago(72))
    hub.resolve_case(actor="agent-7", case_id=long_ago["id"], resolution="Reset it",
                     occurred_at=datetime.fromisoformat(hours_ago(71)))
    resolved_in_time = gql.ok(CASE, {"id": long_ago["id"]}, role="analytics")["case"]
    assert resolved_in_time["status"] == "RESOLVED"
    assert resolved_in_time["slaBreached"] is False
    assert at(resolved_in_time["resolvedAt"]) < at(resolved_in_time["dueAt"])

    late = gql.ok(RESOLVE, {"input": {"id": overdue["id"], "resolution": "Replaced the router"}},
                  role="service")["resolveCase"]
    assert late["slaBreached"] is True
    closed = gql.ok(CLOSE, {"input": {"id": late["id"]}}, role="service")["closeCase"]
    assert closed["slaBreached"] is True


def test_bad_input_names_the_field_and_records_nothing(gql, open_case, customer_id, hub: Hub):
    case = open_case()
    before = hub.position()
    opening = {"customerId": str(customer_id), "channel": "PHONE", "type": "INCIDENT"}

    error = gql.error(OPEN, {"input": {**opening, "subject": "   "}}, role="service")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "subject"
    error = gql.error(OPEN, {"input": {**opening, "subject": "x", "occurredAt": hours_ago(-2)}},
                      role="service")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "occurredAt"}
    error = gql.error("""mutation ($id: ID!) { openCase(input: {customerId: $id, channel: PHONE,
        type: GRUDGE, subject: "x"}) { id } }""", {"id": str(customer_id)}, role="service")
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "GRUDGE" in error["message"]
    error = gql.error(COMMENT, {"input": {"id": case["id"], "text": "x" * 4001}}, role="service")
    assert error["extensions"]["field"] == "text"
    error = gql.error(ESCALATE, {"input": {"id": case["id"], "reason": "x" * 501}},
                      role="service")
    assert error["extensions"]["field"] == "reason"
    error = gql.error(ASSIGN, {"input": {"id": case["id"], "assignee": "agent-7",
                                         "expectedVersion": 0}}, role="service")
    assert error["extensions"]["field"] == "expectedVersion"
    error = gql.error(RESOLVE, {"input": {"id": "banana", "resolution": "Done"}}, role="service")
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "id")
    assert hub.position() == before


@pytest.mark.parametrize(("history", "command", "variables", "says"), [
    ([], CLOSE, {}, "resolve it before closing"),
    ([], REOPEN, {"reason": "Still broken"}, "only a resolved or closed case"),
    ([(RESOLVE, {"resolution": "Done"})], RESOLVE, {"resolution": "Again"}, "reopen it first"),
    ([(RESOLVE, {"resolution": "Done"}), (CLOSE, {})], COMMENT, {"text": "Hello?"},
     "takes no more comments"),
    ([(RESOLVE, {"resolution": "Done"}), (CLOSE, {})], CLOSE, {}, "already closed"),
    ([(ESCALATE, {"reason": "Tier 2"}), (ESCALATE, {"reason": "Tier 3"}),
      (ESCALATE, {"reason": "Vendor"})], ESCALATE, {"reason": "Higher"}, "highest escalation"),
])
def test_a_command_the_case_is_not_ready_for_is_a_conflict(
    gql, open_case, hub: Hub, history, command, variables, says
):
    case = open_case()
    for given, fields in history:
        gql.ok(given, {"input": {"id": case["id"], **fields}}, role="service")
    before = hub.position()
    error = gql.error(command, {"input": {"id": case["id"], **variables}}, role="service")
    assert error["extensions"]["code"] == "CONFLICT"
    assert says in error["message"]
    assert hub.position() == before


def test_a_stale_expected_version_is_a_conflict(gql, open_case, hub: Hub):
    case = open_case()
    gql.ok(ASSIGN, {"input": {"id": case["id"], "assignee": "agent-7"}}, role="service")
    before = hub.position()
    error = gql.error(ASSIGN, {"input": {"id": case["id"], "assignee": "agent-9",
                                         "expectedVersion": 1}}, role="service")
    assert error["extensions"]["code"] == "CONFLICT"
    assert "reload and retry" in error["message"]
    assert hub.position() == before
    assert gql.ok(CASE, {"id": case["id"]})["case"]["assignee"] == "agent-7"


def test_unknown_cases_and_customers_are_not_found(gql, customer_id, hub: Hub):
    error = gql.error(CASE, {"id": UNKNOWN})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = gql.error(CASE, {"id": str(customer_id)})
    assert error["extensions"]["code"] == "NOT_FOUND", "a customer's id is not a case's"
    error = gql.error(CASE, {"id": "banana"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"

    before = hub.position()
    error = gql.error(ASSIGN, {"input": {"id": UNKNOWN, "assignee": "agent-7"}}, role="service")
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = gql.error(OPEN, {"input": {"customerId": UNKNOWN, "channel": "EMAIL",
                                       "type": "QUESTION", "subject": "Opening hours?"}},
                      role="service")
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert hub.position() == before


@pytest.mark.parametrize("role", ["sales", "marketing", "analytics", "auditor"])
def test_roles_without_service_write_may_not_change_cases(gql, open_case, customer_id,
                                                          hub: Hub, role):
    case = open_case()
    before = hub.position()
    error = gql.error(OPEN, {"input": {"customerId": str(customer_id), "channel": "WEB",
                                       "type": "QUESTION", "subject": "Hello"}}, role=role)
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = gql.error(RESOLVE, {"input": {"id": case["id"], "resolution": "Done"}}, role=role)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert hub.position() == before


def test_who_may_read_a_case(gql, open_case):
    case = open_case(role="admin")
    for role in ("admin", "service", "analytics", "auditor"):
        assert gql.ok(CASE, {"id": case["id"]}, role=role)["case"]["id"] == case["id"]
    for role in ("sales", "marketing"):
        assert gql.error(CASE, {"id": case["id"]}, role=role)["extensions"]["code"] == "FORBIDDEN"
    error = gql.error(CASE, {"id": case["id"]}, role=None)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
