"""The directory and the customer 360 over HTTP: a client reads its own writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.orders import Purchase
from projections.customers import CustomerView

REGISTER = """mutation ($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id } }"""
RECORD = """mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }"""
DIRECTORY = """query ($search: String, $tag: String, $stage: LifecycleStage, $first: Int!, $after: String) {
  customers(search: $search, tag: $tag, stage: $stage, first: $first, after: $after) {
    edges { cursor node { displayName stage tags emails openCases } }
    pageInfo { hasNextPage endCursor } } }"""
C360 = """query ($id: ID!, $first: Int!, $after: String, $channel: Channel) { customer360(id: $id) {
  summary { displayName openCases lifetimeRevenue { amount currency } lastPurchaseAt }
  profile { givenName version }
  timeline(first: $first, after: $after, channel: $channel) {
    edges { node { subject channel occurredAt } } pageInfo { hasNextPage endCursor } } } }"""


def register(gql, given: str, family: str, **extra) -> str:
    return gql.ok(REGISTER, {"input": {"kind": "PERSON", "givenName": given, "familyName": family,
                                       **extra}})["registerCustomer"]["id"]


def names(data) -> list[str]:
    return [edge["node"]["displayName"] for edge in data["customers"]["edges"]]


def test_a_registered_customer_is_in_the_directory_at_once(gql):
    register(gql, "Ada", "Lovelace", emails=["countess@example.com"], tags=["vip"])
    register(gql, "Grace", "Hopper", stage="PROSPECT")
    register(gql, "Alan", "Turing")

    everyone = gql.ok(DIRECTORY, {"first": 10}, role="analytics")
    assert names(everyone) == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert names(gql.ok(DIRECTORY, {"search": "a", "first": 10})) == ["Ada Lovelace", "Alan Turing"]
    assert names(gql.ok(DIRECTORY, {"search": "COUNT", "first": 10})) == ["Ada Lovelace"]
    assert names(gql.ok(DIRECTORY, {"tag": "vip", "first": 10})) == ["Ada Lovelace"]
    assert names(gql.ok(DIRECTORY, {"stage": "PROSPECT", "first": 10})) == ["Grace Hopper"]
    assert names(gql.ok(DIRECTORY, {"search": "%", "first": 10})) == []


def test_the_directory_pages_with_cursors(gql):
    for n in range(5):
        register(gql, f"P{n}", "Page")
    first = gql.ok(DIRECTORY, {"first": 2})["customers"]
    assert [e["node"]["displayName"] for e in first["edges"]] == ["P0 Page", "P1 Page"]
    assert first["pageInfo"]["hasNextPage"]
    rest = gql.ok(DIRECTORY, {"first": 10, "after": first["pageInfo"]["endCursor"]})["customers"]
    assert [e["node"]["displayName"] for e in rest["edges"]] == ["P2 Page", "P3 Page", "P4 Page"]
    assert not rest["pageInfo"]["hasNextPage"]


def test_bad_paging_is_bad_user_input(gql):
    for variables, field in [({"first": 0}, "first"), ({"first": 500}, "first"),
                             ({"first": 5, "after": "not-a-cursor"}, "after")]:
        error = gql.error(DIRECTORY, variables)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


def test_a_cursor_of_another_list_is_bad_user_input_even_of_the_same_shape(gql):
    ada = register(gql, "Ada", "Lovelace")
    gql.ok(RECORD, {"input": {"customerId": ada, "channel": "PHONE", "direction": "INBOUND",
                              "department": "SERVICE", "subject": "Called"}})
    timeline = gql.ok(C360, {"id": ada, "first": 1})["customer360"]["timeline"]
    directory = gql.ok(DIRECTORY, {"first": 1})["customers"]
    cursors = [timeline["pageInfo"]["endCursor"], directory["pageInfo"]["endCursor"]]
    # Both lists sort by two texts; each refuses the other's cursor rather than misread it.
    for query, variables in [(DIRECTORY, {"first": 1, "after": cursors[0]}),
                             (C360, {"id": ada, "first": 1, "after": cursors[1]})]:
        error = gql.error(query, variables)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "after")


def test_the_360_shows_the_timeline_across_channels_newest_first(gql, hub):
    ada = register(gql, "Ada", "Lovelace")
    now = datetime.now(UTC)
    for days, channel, subject in [(3, "PHONE", "Called"), (2, "EMAIL", "Wrote"), (1, "SMS", "Texted")]:
        gql.ok(RECORD, {"input": {"customerId": ada, "channel": channel, "direction": "INBOUND",
                                  "department": "SERVICE", "subject": subject,
                                  "occurredAt": (now - timedelta(days=days)).isoformat()}})
    gql.ok("""mutation ($id: ID!) { openCase(input: {customerId: $id, channel: WEB, type: QUESTION,
              subject: "Help"}) { id } }""", {"id": ada})

    view = gql.ok(C360, {"id": ada, "first": 2}, role="marketing")["customer360"]
    assert view["summary"]["openCases"] == 1
    assert view["profile"] == {"givenName": "Ada", "version": 1}
    timeline = view["timeline"]
    assert [e["node"]["subject"] for e in timeline["edges"]] == ["Texted", "Wrote"]
    more = gql.ok(C360, {"id": ada, "first": 2, "after": timeline["pageInfo"]["endCursor"]})
    assert [e["node"]["subject"] for e in more["customer360"]["timeline"]["edges"]] == ["Called"]
    phone = gql.ok(C360, {"id": ada, "first": 5, "channel": "PHONE"})
    assert [e["node"]["channel"] for e in phone["customer360"]["timeline"]["edges"]] == ["PHONE"]


def test_an_unknown_customer_has_no_360(gql):
    error = gql.error(C360, {"id": "00000000-0000-4000-8000-000000000000", "first": 1})
    assert error["extensions"]["code"] == "NOT_FOUND"


def test_readiness_reports_each_view_and_its_lag(client, gql):
    register(gql, "Ada", "Lovelace")
    ready = client.get("/readyz").json()
    assert ready["views"]["customers"] == {"position": ready["logPosition"], "lag": 0}


BUY = """mutation ($input: RecordPurchaseInput!) { recordPurchase(input: $input) { id } }"""


def test_a_stopped_view_is_reported_and_the_others_still_serve(client, gql, monkeypatch):
    def broken(view: object, tx: object, event: object) -> None:
        raise RuntimeError("the revenue table is gone")

    monkeypatch.setitem(CustomerView._handlers, Purchase.Recorded, broken)
    ada = register(gql, "Ada", "Lovelace")
    gql.ok(BUY, {"input": {"customerId": ada, "channel": "WEB", "lines": [
        {"sku": "TEA-1", "productName": "Green tea", "quantity": 2, "unitPrice": "4.50",
         "currency": "EUR"}]}})  # returns: the write does not wait for the stopped view

    ready = client.get("/readyz")
    assert ready.status_code == 200  # the other views still serve
    body = ready.json()
    assert body["status"] == "degraded"
    stopped = body["views"]["customers"]
    assert stopped["lag"] == 1
    assert stopped["failure"]["error"] == "RuntimeError: the revenue table is gone"
    assert stopped["failure"]["attempts"] >= 1
    assert body["views"]["sales"] == {"position": body["logPosition"], "lag": 0}
    text = client.get("/metrics").text
    assert 'crmhub_view_stopped{view="customers"} 1.0' in text
    assert 'crmhub_view_stopped{view="sales"} 0.0' in text
    assert 'crmhub_view_lag_events{view="customers"} 1.0' in text


def test_metrics_report_requests_the_log_and_each_views_lag(client, gql):
    register(gql, "Ada", "Lovelace")
    text = client.get("/metrics").text
    assert 'crmhub_http_requests_total{method="POST",path="/graphql",status="200"}' in text
    assert "crmhub_log_position 1.0" in text
    assert 'crmhub_view_lag_events{view="customers"} 0.0' in text
