"""The sales dashboard over HTTP: a client reads its own writes, and the known answers of
the hand-made first quarter of 2024 told in tests/unit/test_sales_view.py."""

from __future__ import annotations

from typing import Any

import pytest

from domain.hub import Hub
from tests.unit.test_sales_view import a_quarter_of_sales

MONEY = "{ amount currency }"
PIPELINE = f"""query ($owner: String) {{ salesPipeline(owner: $owner) {{
  stage count amount {MONEY} weightedAmount {MONEY} }} }}"""
FORECAST = f"""query ($since: Date, $until: Date, $owner: String, $first: Int! = 24, $after: String) {{
  salesForecast(since: $since, until: $until, owner: $owner, first: $first, after: $after) {{
    edges {{ cursor node {{ month count amount {MONEY} weightedAmount {MONEY} }} }}
    pageInfo {{ hasNextPage endCursor }} }} }}"""
WIN_RATE = """query ($start: DateTime!, $end: DateTime!, $owner: String) {
  winRate(start: $start, end: $end, owner: $owner) {
    start end won lost winRate averageSalesCycleDays } }"""
FIGURES = f"start end prospects salesCalls proposals retainedCustomers recurringRevenue {MONEY}"
METRICS = f"""query ($start: DateTime!, $end: DateTime!, $owner: String) {{
  salesMetrics(start: $start, end: $end, owner: $owner) {{ {FIGURES} }} }}"""
BY_OWNER = f"""query ($start: DateTime!, $end: DateTime!, $first: Int! = 50, $after: String) {{
  salesMetricsByOwner(start: $start, end: $end, first: $first, after: $after) {{
    edges {{ node {{ owner {FIGURES} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
LEADS = """query ($start: DateTime, $end: DateTime, $owner: String) {
  leadConversion(start: $start, end: $end, owner: $owner) {
    source captured qualified disqualified converted conversionRate } }"""

JAN, FEB, MAR, APR = (f"2024-{month:02}-01T00:00:00+00:00" for month in (1, 2, 3, 4))


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def nodes(data: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data[field]["edges"]]


@pytest.fixture
def quarter(client, hub: Hub) -> dict[str, Any]:
    ids = a_quarter_of_sales(hub, step=lambda: None)
    client.app.state.runner.wait_for(hub.position(), 5)
    return ids


# -- read your writes ----------------------------------------------------------------------------


def test_an_opportunity_opened_is_in_the_pipeline_and_forecast_at_once(gql):
    customer = gql.ok("""mutation { registerCustomer(input: {kind: ORGANISATION,
                         companyName: "Globex"}) { id } }""")["registerCustomer"]["id"]
    gql.ok("""mutation ($id: ID!) { openOpportunity(input: {customerId: $id, name: "Fleet",
              amount: "1000.00", currency: "EUR", expectedCloseDate: "2031-07-15", owner: "ana",
              stage: PROPOSAL}) { id } }""", {"id": customer}, role="sales")
    gql.ok("""mutation { captureLead(input: {source: WEB_FORM, channel: WEB, givenName: "Ada",
              email: "ada@example.org"}) { id } }""", role="sales")

    assert gql.ok(PIPELINE, role="sales")["salesPipeline"] == [
        {"stage": "PROPOSAL", "count": 1, "amount": money("1000.00"),
         "weightedAmount": money("500.00")}]
    assert nodes(gql.ok(FORECAST, {"owner": "ana"}, role="sales"), "salesForecast") == [
        {"month": "2031-07", "count": 1, "amount": money("1000.00"),
         "weightedAmount": money("500.00")}]
    assert gql.ok(LEADS, role="sales")["leadConversion"] == [
        {"source": "WEB_FORM", "captured": 1, "qualified": 0, "disqualified": 0, "converted": 0,
         "conversionRate": 0.0}]


# -- the known answers of the quarter ------------------------------------------------------------


def test_the_pipeline_per_stage_and_currency(gql, quarter):
    assert gql.ok(PIPELINE)["salesPipeline"] == [
        {"stage": "PROSPECTING", "count": 3, "amount": money("853.33"),
         "weightedAmount": money("85.33")},
        {"stage": "QUALIFICATION", "count": 1, "amount": money("600.00"),
         "weightedAmount": money("120.00")},
        {"stage": "PROPOSAL", "count": 1, "amount": money("250.00"),
         "weightedAmount": money("125.00")},
        {"stage": "NEGOTIATION", "count": 1, "amount": money("2000.00", "USD"),
         "weightedAmount": money("1600.00", "USD")},
    ]
    assert [s["stage"] for s in gql.ok(PIPELINE, {"owner": "ana"})["salesPipeline"]] == [
        "PROSPECTING", "PROPOSAL"]
    assert gql.ok(PIPELINE, {"owner": "nobody"})["salesPipeline"] == []


def test_the_forecast_pages_by_month_and_currency(gql, quarter):
    first = gql.ok(FORECAST, {"first": 3})["salesForecast"]
    assert [(n["month"], n["count"], n["amount"], n["weightedAmount"])
            for n in nodes({"f": first}, "f")] == [
        ("2024-04", 3, money("983.33"), money("198.33")),
        ("2024-04", 1, money("2000.00", "USD"), money("1600.00", "USD")),
        ("2024-05", 1, money("600.00"), money("120.00")),
    ]
    assert first["pageInfo"]["hasNextPage"]
    rest = gql.ok(FORECAST, {"first": 3, "after": first["pageInfo"]["endCursor"]})
    assert [n["month"] for n in nodes(rest, "salesForecast")] == ["2024-06"]
    assert not rest["salesForecast"]["pageInfo"]["hasNextPage"]
    ana = gql.ok(FORECAST, {"since": "2024-04-11", "until": "2024-06-01", "owner": "ana"})
    assert nodes(ana, "salesForecast") == [
        {"month": "2024-04", "count": 1, "amount": money("333.33"),
         "weightedAmount": money("33.33")}]


def test_the_win_rate_and_sales_cycle(gql, quarter):
    assert gql.ok(WIN_RATE, {"start": JAN, "end": MAR}, role="analytics")["winRate"] == {
        "start": JAN, "end": MAR, "won": 2, "lost": 1, "winRate": pytest.approx(2 / 3),
        "averageSalesCycleDays": 21.75}
    ben = gql.ok(WIN_RATE, {"start": JAN, "end": MAR, "owner": "ben"})["winRate"]
    assert (ben["won"], ben["lost"], ben["winRate"], ben["averageSalesCycleDays"]) == (
        1, 0, 1.0, 14.5)
    march = gql.ok(WIN_RATE, {"start": MAR, "end": APR})["winRate"]
    assert (march["winRate"], march["averageSalesCycleDays"]) == (None, None)


def figures(start: str, end: str, prospects: int, calls: int, proposals: int, retained: int,
            revenue: list[dict[str, str]]) -> dict[str, Any]:
    return {"start": start, "end": end, "prospects": prospects, "salesCalls": calls,
            "proposals": proposals, "retainedCustomers": retained, "recurringRevenue": revenue}


def test_the_sales_metrics_of_a_period_and_of_one_owner(gql, quarter):
    assert gql.ok(METRICS, {"start": FEB, "end": MAR})["salesMetrics"] == figures(
        FEB, MAR, 2, 2, 1, 3, [money("95.00"), money("40.00", "USD")])
    assert gql.ok(METRICS, {"start": FEB, "end": MAR, "owner": "ben"})["salesMetrics"] == figures(
        FEB, MAR, 1, 1, 1, 1, [money("60.00"), money("40.00", "USD")])
    assert gql.ok(METRICS, {"start": MAR, "end": APR})["salesMetrics"] == figures(
        MAR, APR, 1, 0, 1, 0, [])


def test_the_sales_metrics_per_owner_page_nobody_first(gql, quarter):
    first = gql.ok(BY_OWNER, {"start": JAN, "end": APR, "first": 2})["salesMetricsByOwner"]
    assert nodes({"m": first}, "m") == [
        {"owner": None, **figures(JAN, APR, 1, 0, 0, 0, [])},
        {"owner": "ana", **figures(JAN, APR, 2, 2, 2, 1, [money("95.00")])},
    ]
    assert first["pageInfo"]["hasNextPage"]
    rest = gql.ok(BY_OWNER, {"start": JAN, "end": APR, "after": first["pageInfo"]["endCursor"]})
    assert nodes(rest, "salesMetricsByOwner") == [
        {"owner": "ben", **figures(JAN, APR, 2, 2, 2, 0, [])}]
    assert not rest["salesMetricsByOwner"]["pageInfo"]["hasNextPage"]


def test_leads_by_source_and_their_conversion(gql, quarter):
    assert gql.ok(LEADS, {"start": JAN, "end": APR})["leadConversion"] == [
        {"source": "TRADE_SHOW", "captured": 2, "qualified": 1, "disqualified": 1, "converted": 0,
         "conversionRate": 0.0},
        {"source": "WEB_FORM", "captured": 3, "qualified": 2, "disqualified": 1, "converted": 1,
         "conversionRate": pytest.approx(1 / 3)},
    ]
    assert gql.ok(LEADS)["leadConversion"][0]["source"] == "REFERRAL"
    assert gql.ok(LEADS, {"owner": "ben"})["leadConversion"] == [
        {"source": "WEB_FORM", "captured": 1, "qualified": 1, "disqualified": 0, "converted": 1,
         "conversionRate": 1.0}]


# -- bad questions and who may ask -----------------------------------------------------------------

NAIVE = "2024-01-01T00:00:00"
A_FORECAST_CURSOR = "WyIyMDI0LTA0IiwgIkVVUiJd"  # ["2024-04", "EUR"]
AN_OWNER_CURSOR = "WyJhbmEiXQ=="  # ["ana"]


@pytest.mark.parametrize(("query", "variables", "field"), [
    (FORECAST, {"first": 0}, "first"),
    (FORECAST, {"first": 201}, "first"),
    (FORECAST, {"after": "not-a-cursor"}, "after"),
    (FORECAST, {"after": AN_OWNER_CURSOR}, "after"),
    (FORECAST, {"since": "2024-05-01", "until": "2024-05-01"}, "until"),
    (WIN_RATE, {"start": FEB, "end": JAN}, "end"),
    (WIN_RATE, {"start": NAIVE, "end": FEB}, "start"),
    (METRICS, {"start": JAN, "end": JAN}, "end"),
    (METRICS, {"start": JAN, "end": NAIVE}, "end"),
    (BY_OWNER, {"start": JAN, "end": FEB, "first": 0}, "first"),
    (BY_OWNER, {"start": JAN, "end": FEB, "after": A_FORECAST_CURSOR}, "after"),
    (LEADS, {"start": JAN}, "end"),
    (LEADS, {"end": FEB}, "start"),
    (LEADS, {"start": FEB, "end": JAN}, "end"),
])
def test_bad_arguments_are_bad_user_input_naming_the_argument(gql, query, variables, field):
    error = gql.error(query, variables)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


READS = [(PIPELINE, {}), (FORECAST, {}), (WIN_RATE, {"start": JAN, "end": FEB}),
         (METRICS, {"start": JAN, "end": FEB}), (BY_OWNER, {"start": JAN, "end": FEB}),
         (LEADS, {})]


@pytest.mark.parametrize("role", ["admin", "sales", "analytics", "auditor"])
def test_roles_with_sales_read_see_the_dashboard(gql, role):
    for query, variables in READS:
        gql.ok(query, variables, role=role)


@pytest.mark.parametrize("role", ["service", "marketing"])
def test_roles_without_sales_read_may_not_see_the_dashboard(gql, role):
    for query, variables in READS:
        error = gql.error(query, variables, role=role)
        assert error["extensions"]["code"] == "FORBIDDEN", query
        assert error["message"] == "your role may not sales:read"


def test_the_dashboard_needs_a_token(gql):
    for query, variables in READS:
        assert gql.error(query, variables, role=None)["extensions"]["code"] == "UNAUTHENTICATED"
