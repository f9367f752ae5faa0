"""The service dashboard over HTTP: the queue, SLA breaches and risks relative to the
server's clock, and the numbers of a backdated day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.hub import Hub
from domain.interactions import InteractionDraft

CASE = "id type priority status assignee dueAt"
QUEUE = f"""query ($assignee: String, $unassigned: Boolean! = false, $priority: CasePriority,
  $type: CaseType, $first: Int! = 50, $after: String) {{
  caseQueue(assignee: $assignee, unassigned: $unassigned, priority: $priority, type: $type,
            first: $first, after: $after) {{
    edges {{ cursor node {{ {CASE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
BREACHES = f"""query ($dueSince: DateTime, $dueUntil: DateTime, $first: Int! = 50, $after: String) {{
  slaBreaches(dueSince: $dueSince, dueUntil: $dueUntil, first: $first, after: $after) {{
    edges {{ node {{ {CASE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
AT_RISK = f"""query ($horizonMinutes: Int! = 120, $assignee: String, $first: Int! = 50, $after: String) {{
  casesAtRisk(horizonMinutes: $horizonMinutes, assignee: $assignee, first: $first, after: $after) {{
    edges {{ node {{ {CASE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
COUNTS = """{ caseQueueCounts { byAssignee { key count } byPriority { key count }
  byType { key count } } }"""
METRICS = """query ($start: DateTime!, $end: DateTime!) { serviceMetrics(start: $start, end: $end) {
  start end casesOpened casesClosed closedSameDay serviceCalls casesResolved resolvedLate
  medianHoursToResolution p90HoursToResolution requestsByType { key count }
  requestsByChannel { key count } casesReopened reopenRate } }"""
OPEN = """mutation ($input: OpenCaseInput!) { openCase(input: $input) { id } }"""
ASSIGN = """mutation ($id: ID!) { assignCase(input: {id: $id, assignee: "eve"}) { id } }"""
RESOLVE = """mutation ($id: ID!) { resolveCase(input: {id: $id, resolution: "Done"}) { id } }"""

MONDAY = datetime(2024, 5, 6, tzinfo=UTC)


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def ids(data: dict, field: str) -> list[str]:
    return [edge["node"]["id"] for edge in data[field]["edges"]]


@pytest.fixture
def queue(gql) -> dict[str, str]:
    """Given, relative to now (SLA: urgent 4 h, normal 24 h after opening):
    `overdue`, urgent, opened 5 h ago; `soon`, urgent, opened 3 h ago, assigned to eve;
    `later`, normal, opened now; `late`, urgent, opened 6 h ago and resolved now."""
    customer = gql.ok("""mutation { registerCustomer(input: {kind: PERSON, givenName: "Ada"})
                         { id } }""")["registerCustomer"]["id"]

    def open_(case_type: str, priority: str, opened: datetime) -> str:
        return gql.ok(OPEN, {"input": {
            "customerId": customer, "channel": "PHONE", "type": case_type, "priority": priority,
            "subject": "Help", "occurredAt": opened.isoformat()}})["openCase"]["id"]

    cases = {"overdue": open_("INCIDENT", "URGENT", ago(hours=5)),
             "soon": open_("QUESTION", "URGENT", ago(hours=3)),
             "later": open_("QUESTION", "NORMAL", ago()),
             "late": open_("BILLING", "URGENT", ago(hours=6))}
    gql.ok(ASSIGN, {"id": cases["soon"]})
    gql.ok(RESOLVE, {"id": cases["late"]})
    return cases


def test_the_queue_lists_working_cases_oldest_due_first_and_filters_them(gql, queue):
    data = gql.ok(QUEUE, role="service")
    assert ids(data, "caseQueue") == [queue["overdue"], queue["soon"], queue["later"]]
    soon = data["caseQueue"]["edges"][1]["node"]
    assert (soon["type"], soon["priority"], soon["status"], soon["assignee"]) == (
        "QUESTION", "URGENT", "ASSIGNED", "eve")
    assert datetime.fromisoformat(soon["dueAt"]) - ago(hours=-1) < timedelta(minutes=1)

    for variables, expected in [({"assignee": "eve"}, ["soon"]),
                                ({"unassigned": True}, ["overdue", "later"]),
                                ({"priority": "URGENT"}, ["overdue", "soon"]),
                                ({"type": "QUESTION"}, ["soon", "later"]),
                                ({"assignee": "eve", "type": "INCIDENT"}, [])]:
        assert ids(gql.ok(QUEUE, variables), "caseQueue") == [queue[k] for k in expected]


def test_the_queue_pages_with_cursors(gql, queue):
    first = gql.ok(QUEUE, {"first": 2})["caseQueue"]
    assert [e["node"]["id"] for e in first["edges"]] == [queue["overdue"], queue["soon"]]
    assert first["pageInfo"]["hasNextPage"]
    assert first["pageInfo"]["endCursor"] == first["edges"][1]["cursor"]
    rest = gql.ok(QUEUE, {"first": 2, "after": first["pageInfo"]["endCursor"]})
    assert ids(rest, "caseQueue") == [queue["later"]]
    assert not rest["caseQueue"]["pageInfo"]["hasNextPage"]


def test_the_queue_counts_by_assignee_priority_and_type(gql, queue):
    counts = gql.ok(COUNTS, role="service")["caseQueueCounts"]
    assert counts == {
        "byAssignee": [{"key": "eve", "count": 1}, {"key": None, "count": 2}],
        "byPriority": [{"key": "URGENT", "count": 2}, {"key": "NORMAL", "count": 1}],
        "byType": [{"key": "INCIDENT", "count": 1}, {"key": "QUESTION", "count": 2}],
    }


def test_sla_breaches_are_overdue_cases_and_cases_resolved_late(gql, queue):
    data = gql.ok(BREACHES, role="service")
    assert ids(data, "slaBreaches") == [queue["late"], queue["overdue"]]  # due 2 h, 1 h ago
    assert [e["node"]["status"] for e in data["slaBreaches"]["edges"]] == ["RESOLVED", "OPEN"]
    since = gql.ok(BREACHES, {"dueSince": ago(minutes=90).isoformat()})
    assert ids(since, "slaBreaches") == [queue["overdue"]]
    until = gql.ok(BREACHES, {"dueUntil": ago(minutes=90).isoformat()})
    assert ids(until, "slaBreaches") == [queue["late"]]
    first = gql.ok(BREACHES, {"first": 1})["slaBreaches"]
    assert first["pageInfo"]["hasNextPage"]
    rest = gql.ok(BREACHES, {"after": first["pageInfo"]["endCursor"]})
    assert ids(rest, "slaBreaches") == [queue["overdue"]]


def test_cases_at_risk_are_due_within_the_horizon_from_now(gql, queue):
    assert ids(gql.ok(AT_RISK, role="service"), "casesAtRisk") == [queue["soon"]]
    day = gql.ok(AT_RISK, {"horizonMinutes": 25 * 60})
    assert ids(day, "casesAtRisk") == [queue["soon"], queue["later"]]
    assert ids(gql.ok(AT_RISK, {"horizonMinutes": 30}), "casesAtRisk") == []
    assert ids(gql.ok(AT_RISK, {"assignee": "eve", "horizonMinutes": 25 * 60}),
               "casesAtRisk") == [queue["soon"]]
    first = gql.ok(AT_RISK, {"horizonMinutes": 25 * 60, "first": 1})["casesAtRisk"]
    assert first["pageInfo"]["hasNextPage"]
    rest = gql.ok(AT_RISK, {"horizonMinutes": 25 * 60, "after": first["pageInfo"]["endCursor"]})
    assert ids(rest, "casesAtRisk") == [queue["later"]]


def test_a_backdated_monday_in_numbers(client, gql, hub: Hub):
    ada = hub.register_customer(actor="clerk", kind="person", profile={"given_name": "Ada"})

    def at(hour: float) -> datetime:
        return MONDAY + timedelta(hours=hour)

    def open_(channel: str, case_type: str, priority: str, hour: float):
        return hub.open_case(actor="desk", customer_id=ada, channel=channel, case_type=case_type,
                             priority=priority, subject="Help", occurred_at=at(hour))

    one = open_("phone", "incident", "urgent", 9)                  # due 13:00
    hub.resolve_case(actor="eve", case_id=one, resolution="Restarted", occurred_at=at(10))
    hub.close_case(actor="eve", case_id=one, occurred_at=at(17))   # closed the same day
    two = open_("email", "question", "high", 10)                   # due 18:00
    hub.resolve_case(actor="eve", case_id=two, resolution="Answered", occurred_at=at(19))  # late
    hub.reopen_case(actor="eve", case_id=two, reason="Still broken", occurred_at=at(20))
    open_("phone", "question", "low", 12)
    for channel, department in [("phone", "service"), ("ivr", "service"), ("email", "service"),
                                ("phone", "sales")]:
        hub.record_interaction(actor="desk", draft=InteractionDraft(
            customer_id=ada, channel=channel, direction="inbound", department=department,
            subject="Call", occurred_at=at(11)))
    open_("web", "complaint", "normal", 25)                        # Tuesday
    client.app.state.runner.wait_for(hub.position(), 5)

    monday = gql.ok(METRICS, {"start": MONDAY.isoformat(), "end": at(24).isoformat()},
                    role="service")["serviceMetrics"]
    assert monday == {
        "start": "2024-05-06T00:00:00+00:00", "end": "2024-05-07T00:00:00+00:00",
        "casesOpened": 3, "casesClosed": 1, "closedSameDay": 1, "serviceCalls": 2,
        "casesResolved": 2, "resolvedLate": 1,
        "medianHoursToResolution": 5.0, "p90HoursToResolution": pytest.approx(8.2),
        "requestsByType": [{"key": "INCIDENT", "count": 1}, {"key": "QUESTION", "count": 2}],
        "requestsByChannel": [{"key": "EMAIL", "count": 1}, {"key": "PHONE", "count": 2}],
        "casesReopened": 1, "reopenRate": 0.5,
    }
    tuesday = gql.ok(METRICS, {"start": at(24).isoformat(), "end": at(48).isoformat()})
    assert tuesday["serviceMetrics"]["requestsByChannel"] == [{"key": "WEB", "count": 1}]
    assert tuesday["serviceMetrics"]["medianHoursToResolution"] is None
    assert tuesday["serviceMetrics"]["reopenRate"] is None


NOON = "2024-05-06T12:00:00+00:00"


@pytest.mark.parametrize(("query", "variables", "field"), [
    (QUEUE, {"first": 0}, "first"),
    (QUEUE, {"first": 201}, "first"),
    (QUEUE, {"after": "not-a-cursor"}, "after"),
    (QUEUE, {"assignee": "eve", "unassigned": True}, "unassigned"),
    (BREACHES, {"after": "WyJvbmx5LW9uZSJd"}, "after"),  # a cursor of a one-key list
    (BREACHES, {"dueSince": "2024-05-06T12:00:00"}, "dueSince"),
    (BREACHES, {"dueUntil": "2024-05-06T12:00:00"}, "dueUntil"),
    (AT_RISK, {"horizonMinutes": 0}, "horizonMinutes"),
    (AT_RISK, {"first": 500}, "first"),
    (METRICS, {"start": NOON, "end": NOON}, "end"),
    (METRICS, {"start": NOON, "end": "2024-05-06T11:00:00+00:00"}, "end"),
    (METRICS, {"start": "2024-05-06T00:00:00", "end": NOON}, "start"),
])
def test_bad_arguments_are_bad_user_input_naming_the_argument(gql, query, variables, field):
    error = gql.error(query, variables)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


READS = [(QUEUE, {}), (BREACHES, {}), (AT_RISK, {}), (COUNTS, {}),
         (METRICS, {"start": MONDAY.isoformat(), "end": NOON})]


@pytest.mark.parametrize("role", ["admin", "service", "analytics", "auditor"])
def test_roles_with_service_read_see_the_dashboard(gql, role):
    for query, variables in READS:
        gql.ok(query, variables, role=role)


@pytest.mark.parametrize("role", ["sales", "marketing"])
def test_roles_without_service_read_may_not_see_the_dashboard(gql, role):
    for query, variables in READS:
        error = gql.error(query, variables, role=role)
        assert error["extensions"]["code"] == "FORBIDDEN", query
        assert error["message"] == "your role may not service:read"


def test_the_dashboard_needs_a_token(gql):
    for query, variables in READS:
        assert gql.error(query, variables, role=None)["extensions"]["code"] == "UNAUTHENTICATED"
