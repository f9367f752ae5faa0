"""The service dashboard's lists name each case's customer through a DataLoader: one query
of the customer view for the whole response, however many cases it lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from domain.hub import Hub
from projections.database import Transaction, ViewDatabase

CUSTOMER = "customer { id displayName stage owner }"
QUEUE = f"{{ caseQueue(first: 10) {{ edges {{ node {{ id customerId {CUSTOMER} }} }} }} }}"
QUEUE_AND_AT_RISK = f"""{{
  caseQueue(first: 10) {{ edges {{ node {{ id {CUSTOMER} }} }} }}
  casesAtRisk(horizonMinutes: 10000) {{ edges {{ node {{ id {CUSTOMER} }} }} }} }}"""

#: name, stage, owner
PEOPLE = [("Ada", "lead", "sam"), ("Bob", "prospect", None), ("Cy", "customer", "kim"),
          ("Dee", "churned", "sam"), ("Eve", "customer", None)]


class _Recording:
    """A transaction that notes the SQL of every query it runs."""

    def __init__(self, tx: Transaction, statements: list[str]) -> None:
        self._tx = tx
        self._statements = statements

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self._statements.append(sql)
        return self._tx.query(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


@contextmanager
def customer_queries(client) -> Iterator[list[str]]:
    """The queries of the customer view that the app runs inside the block (the list is
    filled when the block ends)."""
    views: ViewDatabase = client.app.state.views
    statements: list[str] = []
    transaction = views.transaction

    @contextmanager
    def recorded(*, write: bool = True) -> Iterator[Any]:
        with transaction(write=write) as tx:
            yield _Recording(tx, statements)

    views.transaction = recorded  # type: ignore[method-assign]
    found: list[str] = []
    try:
        yield found
    finally:
        del views.transaction
    found += [sql for sql in statements if "FROM view_customers" in sql]


@pytest.fixture
def cases(client, hub: Hub) -> dict[str, tuple[str, str]]:
    """Five open cases, one for each of the five PEOPLE: (case id, customer id) by name."""
    found = {}
    for name, stage, owner in PEOPLE:
        customer = hub.register_customer(actor="desk", kind="person", profile={"given_name": name},
                                         stage=stage, owner=owner)
        case = hub.open_case(actor="desk", customer_id=customer, channel="phone",
                             case_type="question", priority="normal", subject="Help")
        found[name] = (str(case), str(customer))
    client.app.state.runner.wait_for(hub.position(), 5)
    return found


def customers_of(data: dict[str, Any], field: str) -> dict[str, Any]:
    return {edge["node"]["id"]: edge["node"]["customer"] for edge in data[field]["edges"]}


def test_five_cases_name_their_five_customers_with_one_query(client, gql, cases):
    with customer_queries(client) as queries:
        data = gql.ok(QUEUE, role="service")
    expected = {}
    for name, stage, owner in PEOPLE:
        case, customer = cases[name]
        expected[case] = {"id": customer, "displayName": name, "stage": stage.upper(),
                          "owner": owner}
    assert customers_of(data, "caseQueue") == expected
    assert [edge["node"]["customerId"] for edge in data["caseQueue"]["edges"]] == [
        edge["node"]["customer"]["id"] for edge in data["caseQueue"]["edges"]]
    assert len(queries) == 1
    assert "IN (?, ?, ?, ?, ?)" in queries[0]


def test_lists_of_one_response_share_its_loader_and_responses_do_not(client, gql, cases):
    with customer_queries(client) as queries:
        data = gql.ok(QUEUE_AND_AT_RISK, role="service")
    assert customers_of(data, "casesAtRisk") == customers_of(data, "caseQueue")
    assert len(customers_of(data, "caseQueue")) == 5
    assert len(queries) == 1
    with customer_queries(client) as queries:
        gql.ok(QUEUE)
        gql.ok(QUEUE)
    assert len(queries) == 2


def test_a_customer_missing_from_the_view_is_null(client, gql, cases):
    case, customer = cases["Eve"]
    with client.app.state.views.transaction() as tx:
        tx.execute("DELETE FROM view_customers WHERE id = ?", (customer,))
    found = customers_of(gql.ok(QUEUE, role="service"), "caseQueue")
    assert found[case] is None
    assert sorted(c["displayName"] for c in found.values() if c) == ["Ada", "Bob", "Cy", "Dee"]
