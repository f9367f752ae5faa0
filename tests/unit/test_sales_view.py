"""The sales view: known answers for every metric on a hand-made first quarter of 2024.

The story, told through the hub's commands with backdated business times:

- Ada (owned by ana) has bought since December; Bob (ben) becomes a prospect in
  January and buys then; Cy (nobody's, until ana takes him in March) registers as a
  lead in January, becomes a prospect in February and buys around the turn of the
  month; Dee (nobody's) turns prospect twice in March.
- Two leads convert into prospects with an opportunity each (ana's in January, ben's in
  February); other leads are qualified, disqualified or left as they are.
- Opportunities move, are updated, won and lost; quotes are issued on them; sales calls
  are made, and some interactions are corrected into or out of being sales calls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.errors import InvalidValueError
from domain.hub import Hub
from domain.interactions import InteractionDraft
from domain.sales import QuoteLineDraft
from projections.database import ViewDatabase
from projections.runner import ProjectionRunner
from projections.sales import SalesView
from projections.sales_queries import (
    ForecastMonth,
    LeadSourceConversion,
    OwnerSalesMetrics,
    SalesMetrics,
    StageTotal,
    WinRate,
    forecast,
    lead_conversion,
    pipeline,
    sales_metrics,
    sales_metrics_by_owner,
    win_rate,
)


def at(month: int, day: int, hour: int = 10, *, year: int = 2024) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


JAN, FEB, MAR, APR = at(1, 1, 0), at(2, 1, 0), at(3, 1, 0), at(4, 1, 0)


@pytest.fixture
def runner(hub: Hub, views: ViewDatabase) -> ProjectionRunner:
    runner = ProjectionRunner(hub, views, [SalesView()], page_size=5)
    runner.setup()
    return runner


@pytest.fixture
def quarter(hub: Hub, runner: ProjectionRunner) -> dict[str, Any]:
    ids = a_quarter_of_sales(hub, step=lambda: None)
    assert runner.catch_up() == hub.position()
    return ids


def a_quarter_of_sales(hub: Hub, step: Callable[[], None]) -> dict[str, Any]:
    """The story above; `step()` runs between its chapters (to project incrementally)."""
    ids: dict[str, Any] = {}

    def customer(name: str, when: datetime, **kwargs: Any) -> Any:
        ids[name] = hub.register_customer(actor="ana", kind="person", occurred_at=when,
                                          profile={"given_name": name}, **kwargs)
        return ids[name]

    def buy(who: str, when: datetime, price: str, currency: str = "EUR") -> Any:
        return hub.record_purchase(actor="shop", customer_id=ids[who], channel="web", occurred_at=when,
                                   lines=[{"sku": "S", "product_name": "S", "quantity": 1,
                                           "unit_price": price, "currency": currency}])

    def interaction(who: str, when: datetime, channel: str, direction: str, department: str,
                    actor: str, handled_by: str | None = None) -> Any:
        return hub.record_interaction(actor=actor, draft=InteractionDraft(
            customer_id=ids[who], channel=channel, direction=direction, department=department,
            subject="Call", handled_by=handled_by, occurred_at=when))

    def quote(opportunity: str, when: datetime) -> Any:
        return hub.issue_quote(actor="ana", opportunity_id=ids[opportunity], currency="EUR",
                               valid_until="2024-04-30", occurred_at=when,
                               lines=[QuoteLineDraft(sku="S", quantity=1, unit_price="10")])

    # Customers, their owners and their stages.
    customer("Ada", at(12, 10, year=2023), stage="customer", owner="ana")
    customer("Bob", at(1, 5), owner="ben")
    hub.change_customer_stage(actor="ben", customer_id=ids["Bob"], stage="prospect",
                              occurred_at=at(1, 20))
    customer("Cy", at(1, 29))
    hub.change_customer_stage(actor="ana", customer_id=ids["Cy"], stage="prospect",
                              occurred_at=at(2, 2))
    customer("Dee", at(3, 1))
    for day, stage in ((2, "prospect"), (3, "lead"), (4, "prospect")):
        hub.change_customer_stage(actor="ana", customer_id=ids["Dee"], stage=stage,
                                  occurred_at=at(3, day))
    hub.assign_customer_owner(actor="boss", customer_id=ids["Cy"], owner="ana",
                              occurred_at=at(3, 6))
    step()

    # Purchases: the December one makes Ada a retained customer from January on.
    buy("Ada", at(12, 15, year=2023), "100.00")
    buy("Ada", at(1, 10), "50.00")
    buy("Ada", at(1, 28), "25.00")
    refunded = buy("Ada", at(2, 5), "30.00")
    hub.refund_purchase(actor="shop", purchase_id=refunded, amount="10.00", reason="scratched",
                        occurred_at=at(3, 1))
    buy("Bob", at(1, 25), "200.00")
    buy("Bob", at(2, 10), "40.00", "USD")
    buy("Bob", at(2, 12), "60.00")
    buy("Cy", at(2, 3), "10.00")
    buy("Cy", at(2, 20), "5.00")
    buy("Cy", at(1, 30), "7.00")  # recorded late: his first purchase all the same
    step()

    # Leads: web_form L1-L3, trade_show L4-L5, referral L6 (captured in December).
    def lead(name: str, source: str, when: datetime, owner: str | None = None) -> Any:
        ids[name] = hub.capture_lead(actor="web", source=source, channel="web", given_name=name,
                                     email=f"{name.lower()}@example.com", owner=owner,
                                     occurred_at=when)
        return ids[name]

    lead("L1", "web_form", at(1, 3), owner="ben")
    lead("L2", "web_form", at(1, 4))
    lead("L3", "web_form", at(1, 5))
    lead("L4", "trade_show", at(1, 6), owner="ana")
    lead("L5", "trade_show", at(2, 10))
    lead("L6", "referral", at(12, 20, year=2023))
    hub.qualify_lead(actor="ben", lead_id=ids["L1"], occurred_at=at(1, 8))
    hub.qualify_lead(actor="ben", lead_id=ids["L2"], occurred_at=at(1, 9))
    hub.disqualify_lead(actor="ben", lead_id=ids["L2"], reason="no budget", occurred_at=at(1, 20))
    hub.disqualify_lead(actor="ana", lead_id=ids["L4"], reason="student", occurred_at=at(1, 7))
    hub.qualify_lead(actor="ana", lead_id=ids["L5"], occurred_at=at(2, 11))
    hub.qualify_lead(actor="ana", lead_id=ids["L6"], occurred_at=at(1, 9))
    ids["o8"] = hub.convert_lead(
        actor="ana", lead_id=ids["L6"], opportunity_name="Referral deal", amount="120",
        currency="EUR", expected_close_date="2024-06-30", owner="ana",
        occurred_at=at(1, 10)).opportunity_id
    ids["o9"] = hub.convert_lead(
        actor="ben", lead_id=ids["L1"], opportunity_name="Web deal", amount="400",
        currency="EUR", expected_close_date="2024-04-10", occurred_at=at(2, 15)).opportunity_id
    step()

    # Opportunities.
    def opportunity(name: str, who: str, owner: str, amount: str, close: str, when: datetime,
                    currency: str = "EUR", stage: str = "prospecting") -> Any:
        ids[name] = hub.open_opportunity(actor=owner, customer_id=ids[who], name=name,
                                         amount=amount, currency=currency, owner=owner,
                                         expected_close_date=close, stage=stage, occurred_at=when)
        return ids[name]

    opportunity("o1", "Ada", "ana", "1000", "2024-03-31", at(1, 2))
    hub.advance_opportunity(actor="ana", opportunity_id=ids["o1"], stage="proposal",
                            occurred_at=at(1, 15))
    quote("o1", at(1, 20))
    hub.close_opportunity(actor="ana", opportunity_id=ids["o1"], outcome="won",
                          occurred_at=at(1, 31))  # 29 days
    opportunity("o2", "Bob", "ben", "500", "2024-04-15", at(1, 6))
    hub.advance_opportunity(actor="ben", opportunity_id=ids["o2"], stage="qualification",
                            occurred_at=at(1, 10))
    quote("o2", at(1, 25))
    quote("o2", at(2, 5))
    hub.update_opportunity(actor="ben", opportunity_id=ids["o2"], amount="600",
                           expected_close_date="2024-05-20", occurred_at=at(2, 20))
    opportunity("o3", "Bob", "ben", "2000", "2024-04-30", at(1, 10), currency="USD",
                stage="negotiation")
    opportunity("o4", "Ada", "ana", "300", "2024-03-15", at(2, 1))
    hub.close_opportunity(actor="ana", opportunity_id=ids["o4"], outcome="lost", reason="price",
                          occurred_at=at(2, 11))
    opportunity("o5", "Bob", "ben", "800", "2024-03-01", at(1, 20, 12))
    hub.close_opportunity(actor="ben", opportunity_id=ids["o5"], outcome="won",
                          occurred_at=at(2, 4, 0))  # 14.5 days
    opportunity("o6", "Cy", "ben", "250", "2024-04-01", at(3, 1), stage="proposal")
    quote("o6", at(3, 3))
    hub.update_opportunity(actor="boss", opportunity_id=ids["o6"], owner="ana", occurred_at=at(3, 4))
    opportunity("o7", "Dee", "ana", "333.33", "2024-04-25", at(3, 2))
    step()

    # Interactions: which are sales calls, and whose.
    interaction("Ada", at(1, 11), "phone", "outbound", "sales", actor="ana", handled_by="ben")
    interaction("Bob", at(1, 12), "direct", "outbound", "sales", actor="ana")
    interaction("Bob", at(1, 13), "phone", "inbound", "sales", actor="ana")
    interaction("Bob", at(1, 14), "email", "outbound", "sales", actor="ana")
    into_sales = interaction("Cy", at(2, 1), "phone", "outbound", "service", actor="ana")
    hub.correct_interaction(actor="lead", interaction_id=into_sales, reason="was a sales call",
                            changes={"department": "sales", "handled_by": "ben"},
                            occurred_at=at(3, 10))
    interaction("Cy", at(2, 2), "call_centre", "outbound", "sales", actor="ana")
    out_of_sales = interaction("Dee", at(3, 5), "phone", "outbound", "sales", actor="ben")
    hub.correct_interaction(actor="ben", interaction_id=out_of_sales, reason="she called us",
                            changes={"direction": "inbound"}, occurred_at=at(3, 6))
    step()
    return ids


def items(page: Any) -> list[Any]:
    return [item for _, item in page.items]


# -- the pipeline and the forecast ------------------------------------------------------------


def test_the_pipeline_counts_open_deals_per_stage_with_their_weighted_amount(quarter, views):
    assert pipeline(views) == [
        StageTotal("prospecting", "EUR", 3, Decimal("853.33"), Decimal("85.33")),  # o7 o8 o9
        StageTotal("qualification", "EUR", 1, Decimal("600.00"), Decimal("120.00")),  # o2 updated
        StageTotal("proposal", "EUR", 1, Decimal("250.00"), Decimal("125.00")),  # o6
        StageTotal("negotiation", "USD", 1, Decimal("2000.00"), Decimal("1600.00")),  # o3
    ]
    assert pipeline(views, owner="ana") == [
        StageTotal("prospecting", "EUR", 2, Decimal("453.33"), Decimal("45.33")),  # o7 o8
        StageTotal("proposal", "EUR", 1, Decimal("250.00"), Decimal("125.00")),  # o6, now ana's
    ]
    assert pipeline(views, owner="nobody") == []


def test_the_forecast_groups_open_deals_by_expected_close_month_a_page_at_a_time(quarter, views):
    first = forecast(views, first=3)
    assert items(first) == [
        ForecastMonth("2024-04", "EUR", 3, Decimal("983.33"), Decimal("198.33")),  # o6 o7 o9
        ForecastMonth("2024-04", "USD", 1, Decimal("2000.00"), Decimal("1600.00")),  # o3
        ForecastMonth("2024-05", "EUR", 1, Decimal("600.00"), Decimal("120.00")),  # o2 moved
    ]
    assert first.has_next_page
    rest = forecast(views, first=3, after=first.end_cursor)
    assert items(rest) == [ForecastMonth("2024-06", "EUR", 1, Decimal("120.00"), Decimal("12.00"))]
    assert not rest.has_next_page

    assert items(forecast(views, start=date(2024, 4, 11), end=date(2024, 6, 1), owner="ana")) == [
        ForecastMonth("2024-04", "EUR", 1, Decimal("333.33"), Decimal("33.33"))]  # o7 only


# -- won and lost -------------------------------------------------------------------------------


def test_the_win_rate_and_sales_cycle_of_the_deals_closed_in_a_period(quarter, views):
    assert win_rate(views, start=JAN, end=MAR) == WinRate(
        start="2024-01-01T00:00:00.000000Z", end="2024-03-01T00:00:00.000000Z",
        won=2, lost=1, win_rate=pytest.approx(2 / 3), average_sales_cycle_days=21.75)
    assert win_rate(views, start=FEB, end=MAR) == WinRate(
        start="2024-02-01T00:00:00.000000Z", end="2024-03-01T00:00:00.000000Z",
        won=1, lost=1, win_rate=0.5, average_sales_cycle_days=14.5)
    ana = win_rate(views, start=JAN, end=MAR, owner="ana")
    assert (ana.won, ana.lost, ana.win_rate, ana.average_sales_cycle_days) == (1, 1, 0.5, 29.0)
    ben = win_rate(views, start=JAN, end=MAR, owner="ben")
    assert (ben.won, ben.lost, ben.win_rate, ben.average_sales_cycle_days) == (1, 0, 1.0, 14.5)
    march = win_rate(views, start=MAR, end=APR)
    assert (march.won, march.lost, march.win_rate, march.average_sales_cycle_days) == (
        0, 0, None, None)


# -- the sales metrics of a period -----------------------------------------------------------------


def metrics(start: datetime, end: datetime, prospects: int, calls: int, proposals: int,
            retained: int, revenue: list[tuple[str, str]]) -> SalesMetrics:
    return SalesMetrics(start=_iso(start), end=_iso(end), prospects=prospects, sales_calls=calls,
                        proposals=proposals, retained_customers=retained,
                        recurring_revenue=[(Decimal(amount), currency) for amount, currency in revenue])


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_the_sales_metrics_of_each_month(quarter, views):
    # January: Bob and the referral's customer turn prospect; calls by ben (handled) and ana;
    # quotes on o1 and o2; Ada is retained (bought in December), with 50 + 25.
    assert sales_metrics(views, start=JAN, end=FEB) == metrics(
        JAN, FEB, prospects=2, calls=2, proposals=2, retained=1, revenue=[("75.00", "EUR")])
    # February: Cy and the web lead's customer turn prospect; the call corrected into sales
    # and the call-centre one; one quote; Ada (30 less 10 refunded), Bob (60 EUR, 40 USD)
    # and Cy (10 + 5, who bought on 30 January) are retained.
    assert sales_metrics(views, start=FEB, end=MAR) == metrics(
        FEB, MAR, prospects=2, calls=2, proposals=1, retained=3,
        revenue=[("95.00", "EUR"), ("40.00", "USD")])
    # March: Dee, twice a prospect, counts once; the call corrected to inbound is no sales call.
    assert sales_metrics(views, start=MAR, end=APR) == metrics(
        MAR, APR, prospects=1, calls=0, proposals=1, retained=0, revenue=[])


def test_a_period_of_any_length_counts_what_was_before_its_start_as_before(quarter, views):
    # From 1 to 5 February: Cy bought on 30 January, before this period: retained.
    feb5 = at(2, 5, 0)
    assert sales_metrics(views, start=FEB, end=feb5) == metrics(
        FEB, feb5, prospects=1, calls=2, proposals=0, retained=1, revenue=[("10.00", "EUR")])
    # The last week of February: Cy again (bought on 3 February), 5 EUR.
    feb19, feb26 = at(2, 19, 0), at(2, 26, 0)
    assert sales_metrics(views, start=feb19, end=feb26) == metrics(
        feb19, feb26, prospects=0, calls=0, proposals=0, retained=1, revenue=[("5.00", "EUR")])
    # One day: 10 January: the referral customer, Ada's purchase of 50.
    jan10, jan11 = at(1, 10, 0), at(1, 11, 0)
    assert sales_metrics(views, start=jan10, end=jan11) == metrics(
        jan10, jan11, prospects=1, calls=0, proposals=0, retained=1, revenue=[("50.00", "EUR")])


def test_the_sales_metrics_of_one_owner(quarter, views):
    assert sales_metrics(views, start=FEB, end=MAR, owner="ben") == metrics(
        FEB, MAR, prospects=1, calls=1, proposals=1, retained=1,
        revenue=[("60.00", "EUR"), ("40.00", "USD")])
    assert sales_metrics(views, start=JAN, end=FEB, owner="nobody") == metrics(
        JAN, FEB, prospects=0, calls=0, proposals=0, retained=0, revenue=[])


def test_the_sales_metrics_per_owner_are_paginated_nobody_first(quarter, views):
    def owner(name: str | None, start: datetime, end: datetime, *counts: int,
              revenue: list[tuple[str, str]] | None = None) -> OwnerSalesMetrics:
        base = metrics(start, end, *counts, revenue=revenue or [])
        return OwnerSalesMetrics(**vars(base), owner=name)

    assert items(sales_metrics_by_owner(views, start=JAN, end=FEB)) == [
        owner("ana", JAN, FEB, 1, 1, 1, 1, revenue=[("75.00", "EUR")]),
        owner("ben", JAN, FEB, 1, 1, 1, 0),
    ]
    # Over the quarter, Cy's becoming a prospect counts for ana, who owns him now, and so
    # does the quote on o6; only Ada bought before the quarter, so only she is retained.
    quarter_page = sales_metrics_by_owner(views, start=JAN, end=APR, first=2)
    assert items(quarter_page) == [
        owner(None, JAN, APR, 1, 0, 0, 0),  # Dee
        owner("ana", JAN, APR, 2, 2, 2, 1, revenue=[("95.00", "EUR")]),
    ]
    assert quarter_page.has_next_page
    rest = sales_metrics_by_owner(views, start=JAN, end=APR, first=2, after=quarter_page.end_cursor)
    assert items(rest) == [owner("ben", JAN, APR, 2, 2, 2, 0)]
    assert not rest.has_next_page


# -- leads ----------------------------------------------------------------------------------------


def test_leads_by_source_and_what_became_of_them(quarter, views):
    assert lead_conversion(views, start=JAN, end=APR) == [
        LeadSourceConversion("trade_show", captured=2, qualified=1, disqualified=1, converted=0,
                             conversion_rate=0.0),
        LeadSourceConversion("web_form", captured=3, qualified=2, disqualified=1, converted=1,
                             conversion_rate=pytest.approx(1 / 3)),
    ]
    assert lead_conversion(views)[0] == LeadSourceConversion(
        "referral", captured=1, qualified=1, disqualified=0, converted=1, conversion_rate=1.0)
    assert lead_conversion(views, owner="ben") == [
        LeadSourceConversion("web_form", captured=1, qualified=1, disqualified=0, converted=1,
                             conversion_rate=1.0)]


# -- bad questions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("ask", "field"), [
    (lambda v: sales_metrics(v, start=FEB, end=JAN), "end"),
    (lambda v: win_rate(v, start=datetime(2024, 1, 1), end=FEB), "start"),
    (lambda v: lead_conversion(v, start=JAN), "end"),
    (lambda v: forecast(v, after="not a cursor"), "after"),
    (lambda v: sales_metrics_by_owner(v, start=JAN, end=FEB, first=0), "first"),
])
def test_a_bad_question_names_the_field(runner, views, ask, field):
    with pytest.raises(InvalidValueError) as error:
        ask(views)
    assert error.value.field == field


# -- incremental equals rebuilt --------------------------------------------------------------------


def snapshot(views: ViewDatabase) -> dict[str, list[dict[str, Any]]]:
    return {table: sorted(views.query(f"SELECT * FROM {table}"), key=repr)  # noqa: S608
            for table in SalesView.tables}


def test_projecting_page_by_page_between_commands_equals_a_rebuild(hub, views):
    runner = ProjectionRunner(hub, views, [SalesView()], page_size=3)
    runner.setup()
    a_quarter_of_sales(hub, step=runner.catch_up)
    assert runner.catch_up() == hub.position()
    incremental = snapshot(views)
    assert all(incremental.values())

    runner.reset()
    runner.catch_up()
    assert snapshot(views) == incremental
