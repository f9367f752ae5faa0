"""The record of auditors' reads over HTTP: every read by an auditor is itself an event,
committed before the answer leaves, and listed by `auditReads`."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.stories import events_since

HISTORY = "query Audit($id: ID!) { history(id: $id) { edges { node { version data } } } }"
READS = """
query Reads($principal: String, $from: DateTime, $to: DateTime, $first: Int, $after: String) {
  auditReads(principal: $principal, from: $from, to: $to, first: $first, after: $after) {
    edges { cursor node { id position principal role interface operation subjectIds at
                          fields { name alias arguments } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
EXPORT = "query ($id: ID!) { subjectAccessExport(customerId: $id) }"


@pytest.fixture
def ada(hub):
    customer = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Ada"})
    case = hub.open_case(actor="eve", customer_id=customer, channel="email",
                         case_type="complaint", subject="Late delivery")
    return customer, case


def recorded(hub, since):
    """The audit reads recorded after log position `since`."""
    return [e for e in events_since(hub, since) if type(e).__qualname__ == "AuditRead.Recorded"]


def reads(gql, role="admin", **variables):
    data = gql.ok(READS, variables, role=role)["auditReads"]
    return [edge["node"] for edge in data["edges"]], data["pageInfo"]


def test_an_auditors_read_is_recorded_once_with_who_what_and_whose(gql, hub, ada):
    customer, case = ada
    before = hub.position()

    data = gql.ok(HISTORY, {"id": str(case)}, role="auditor")

    assert data["history"]["edges"][0]["node"]["data"]["subject"] == "Late delivery"
    [record] = recorded(hub, before)
    assert record.actor == "auditor-user" and record.role == "auditor"
    assert record.interface == "graphql" and record.operation == "Audit"
    assert record.fields == [{"name": "history", "alias": "",
                              "arguments": json.dumps({"id": str(case)}, separators=(",", ":"))}]
    assert set(record.subjects) == {case, customer}  # the id named, and whose case it is
    [listed], _ = reads(gql, principal="auditor-user")
    assert listed["id"] == str(record.originator_id) and listed["position"] > before
    assert listed["role"] == "auditor" and listed["operation"] == "Audit"
    assert listed["fields"] == [{"name": "history", "alias": None, "arguments": {"id": str(case)}}]
    assert set(listed["subjectIds"]) == {str(case), str(customer)}


def test_every_operation_of_an_auditor_is_recorded_with_its_root_fields(gql, hub, ada):
    customer, case = ada
    before = hub.position()

    gql.ok("query ($c: ID!) { who: customer(id: $c) { id } ledger: verifyLedger(to: 3) { intact }"
           " consentVocabulary { version } __typename }", {"c": str(customer)}, role="auditor")

    [record] = recorded(hub, before)
    assert [(f["name"], f["alias"], json.loads(f["arguments"])) for f in record.fields] == [
        ("customer", "who", {"id": str(customer)}), ("verifyLedger", "ledger", {"to": 3}),
        ("consentVocabulary", "", {})]
    assert record.subjects == [customer]


def test_reads_of_other_roles_are_not_recorded_here(gql, hub, ada):
    _, case = ada
    before = hub.position()
    gql.ok(HISTORY, {"id": str(case)}, role="admin")
    gql.ok("query { customers(first: 5) { edges { node { id } } } }", role="sales")
    assert hub.position() == before


@pytest.mark.parametrize("variables", [
    {"id": str(uuid.uuid4())}, {"id": "nope"},
], ids=["unknown id", "malformed id"])
def test_a_read_that_returned_nothing_records_nothing(gql, hub, ada, variables):
    before = hub.position()
    assert gql.error(HISTORY, variables, role="auditor")["extensions"]["code"] in (
        "NOT_FOUND", "BAD_USER_INPUT")
    assert gql.error(HISTORY, {"id": str(ada[1])}, role="sales")["extensions"]["code"] \
        == "FORBIDDEN"
    assert hub.position() == before


def test_when_the_record_fails_the_data_is_withheld(gql, hub, ada, monkeypatch):
    _, case = ada

    def broken(**_):
        raise RuntimeError("the store is down")

    monkeypatch.setattr(hub, "log_audit_read", broken)
    body = gql(HISTORY, {"id": str(case)}, role="auditor")

    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert "could not be recorded" in error["message"]
    assert "Late delivery" not in json.dumps(body)


def test_audit_reads_filter_by_principal_and_time_and_page(gql, hub, ada, token, client):
    _, case = ada
    for subject in ("ann", "bob", "ann"):
        response = client.post("/graphql", json={"query": HISTORY, "variables": {"id": str(case)}},
                               headers={"Authorization": f"Bearer {token('auditor', subject)}"})
        assert response.status_code == 200 and not response.json().get("errors")
    everything, _ = reads(gql)
    assert [r["principal"] for r in everything] == ["ann", "bob", "ann"]
    assert [r["principal"] for r in reads(gql, principal="ann")[0]] == ["ann", "ann"]
    since, _ = reads(gql, **{"from": everything[1]["at"]})
    assert [r["id"] for r in since] == [r["id"] for r in everything[1:]]
    before, _ = reads(gql, **{"to": everything[1]["at"]})
    assert [r["id"] for r in before] == [everything[0]["id"]]
    seen, after = [], None
    while True:
        page, info = reads(gql, first=1, after=after)
        seen += page
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == everything
    for bad in ({"first": 101}, {"after": "bm9wZQ"},
                {"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"}):
        assert gql.error(READS, bad)["extensions"]["code"] == "BAD_USER_INPUT"


def test_only_auditors_and_admins_list_the_reads(gql, ada):
    assert reads(gql, role="auditor")[0] == []
    for role in ("sales", "service", "marketing", "analytics"):
        assert gql.error(READS, role=role)["extensions"]["code"] == "FORBIDDEN"


def test_the_subject_access_export_lists_the_reads_that_named_the_customer(gql, hub, ada):
    customer, case = ada
    other = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Grace"})
    gql.ok(HISTORY, {"id": str(case)}, role="auditor")
    gql.ok(HISTORY, {"id": str(other)}, role="auditor")

    document = gql.ok(EXPORT, {"id": str(customer)})["subjectAccessExport"]

    [read] = document["auditReads"]
    assert read["principal"] == "auditor-user" and read["interface"] == "graphql"
    assert read["fields"] == [{"name": "history", "alias": None, "arguments": {"id": str(case)}}]
    assert str(customer) in read["subjectIds"]
    assert gql.ok(EXPORT, {"id": str(other)})["subjectAccessExport"]["auditReads"][0][
        "subjectIds"] == [str(other)]
