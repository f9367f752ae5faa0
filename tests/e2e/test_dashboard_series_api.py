"""The sales and service numbers as series over HTTP: per day, ISO week or month of a time
zone the client picks.

The story: the hand-made first quarter of 2024 of tests/unit/test_sales_view.py, then a
weekend around the end of summer time in Berlin, where Sunday 2024-10-27 lasts 25 hours
(from 22:00 UTC on Saturday to 23:00 UTC on Sunday). Every bucket of a series equals the
same period asked for alone; a few buckets have known answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.hub import Hub
from domain.interactions import InteractionDraft
from domain.sales import QuoteLineDraft
from tests.e2e.test_sales_dashboard_api import FIGURES, figures, money
from tests.e2e.test_sales_dashboard_api import METRICS as SALES_METRICS
from tests.e2e.test_service_dashboard_api import METRICS as SERVICE_METRICS
from tests.unit.test_sales_view import a_quarter_of_sales

SALES_SERIES = f"""query ($start: DateTime!, $end: DateTime!, $interval: Interval!,
  $timeZone: String, $owner: String) {{
  salesMetricsSeries(start: $start, end: $end, interval: $interval, timeZone: $timeZone,
                     owner: $owner) {{ {FIGURES} }} }}"""
SERVICE_FIGURES = """start end casesOpened casesClosed closedSameDay serviceCalls casesResolved
  resolvedLate medianHoursToResolution p90HoursToResolution requestsByType { key count }
  requestsByChannel { key count } casesReopened reopenRate"""
SERVICE_SERIES = f"""query ($start: DateTime!, $end: DateTime!, $interval: Interval!,
  $timeZone: String) {{
  serviceMetricsSeries(start: $start, end: $end, interval: $interval, timeZone: $timeZone) {{
    {SERVICE_FIGURES} }} }}"""

FEB, MAR, APR = (f"2024-{month:02}-01T00:00:00+00:00" for month in (2, 3, 4))
#: Berlin's local midnights around the end of summer time, in UTC.
SAT, SUN, MON, TUE = ("2024-10-25T22:00:00+00:00", "2024-10-26T22:00:00+00:00",
                      "2024-10-27T23:00:00+00:00", "2024-10-28T23:00:00+00:00")


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def story(client, hub: Hub) -> dict[str, Any]:
    """The quarter, then around Berlin's long Sunday (times UTC, Berlin's day in brackets):
    ana's sales calls at Sat 21:30 [Sat], Sat 22:30, Sun 12:00 and 22:30 [Sun], Sun 23:30 [Mon];
    ana's quote at Sat 21:30 [Sat]; Ada's purchases of 12.00 at Sat 22:30 and 8.00 at Sun
    22:59 [both Sun]; Eve registered as ana's prospect at Sun 23:30 [Mon].
    Cases: `first`, urgent by phone, opened Sat 21:30 [Sat], resolved Sat 23:00 [Sun]
    (1.5 h), closed Sun 22:30 [Sun]; `second`, high by email, opened Sat 22:30 [Sun], due
    Sun 06:30 and resolved Sun 10:30 [Sun] (late, 12 h), reopened Sun 23:30 [Mon];
    `third`, a complaint on the web, opened Sun 23:30 [Mon]. Service calls: by phone at Sat
    21:59 [Sat], IVR at Sat 22:00 [Sun], call centre at Sun 22:59 [Sun], phone at Sun
    23:00 [Mon]; an email to service on Sunday noon and the sales calls are not."""
    ids = a_quarter_of_sales(hub, step=lambda: None)

    def interaction(when: datetime, channel: str, department: str, direction: str) -> None:
        hub.record_interaction(actor="ana", draft=InteractionDraft(
            customer_id=ids["Ada"], channel=channel, direction=direction, department=department,
            subject="Call", occurred_at=when))

    for when in (utc(10, 26, 21, 30), utc(10, 26, 22, 30), utc(10, 27, 12), utc(10, 27, 22, 30),
                 utc(10, 27, 23, 30)):
        interaction(when, "phone", "sales", "outbound")
    hub.issue_quote(actor="ana", opportunity_id=ids["o7"], currency="EUR", valid_until="2024-12-31",
                    lines=[QuoteLineDraft(sku="S", quantity=1, unit_price="10")],
                    occurred_at=utc(10, 26, 21, 30))
    for when, price in ((utc(10, 26, 22, 30), "12.00"), (utc(10, 27, 22, 59), "8.00")):
        hub.record_purchase(actor="shop", customer_id=ids["Ada"], channel="web", occurred_at=when,
                            lines=[{"sku": "S", "product_name": "S", "quantity": 1,
                                    "unit_price": price, "currency": "EUR"}])
    hub.register_customer(actor="ana", kind="person", profile={"given_name": "Eve"},
                          stage="prospect", owner="ana", occurred_at=utc(10, 27, 23, 30))

    def case(when: datetime, channel: str, case_type: str, priority: str) -> Any:
        return hub.open_case(actor="desk", customer_id=ids["Ada"], channel=channel,
                             case_type=case_type, priority=priority, subject="Help",
                             occurred_at=when)

    first = case(utc(10, 26, 21, 30), "phone", "incident", "urgent")
    hub.resolve_case(actor="eve", case_id=first, resolution="Restarted",
                     occurred_at=utc(10, 26, 23))
    hub.close_case(actor="eve", case_id=first, occurred_at=utc(10, 27, 22, 30))
    second = case(utc(10, 26, 22, 30), "email", "question", "high")
    hub.resolve_case(actor="eve", case_id=second, resolution="Answered",
                     occurred_at=utc(10, 27, 10, 30))
    hub.reopen_case(actor="eve", case_id=second, reason="Still broken",
                    occurred_at=utc(10, 27, 23, 30))
    case(utc(10, 27, 23, 30), "web", "complaint", "normal")
    for when, channel in ((utc(10, 26, 21, 59), "phone"), (utc(10, 26, 22), "ivr"),
                          (utc(10, 27, 22, 59), "call_centre"), (utc(10, 27, 23), "phone")):
        interaction(when, channel, "service", "inbound")
    interaction(utc(10, 27, 12), "email", "service", "inbound")
    client.app.state.runner.wait_for(hub.position(), 5)
    return ids


# -- every bucket is the period asked for alone ----------------------------------------------------

SERIES = [  # interval, time zone, start, end: partial first and last buckets, DST changes
    ("MONTH", "UTC", "2023-12-10T00:00:00+00:00", "2024-11-20T00:00:00+00:00"),
    ("WEEK", "Europe/Berlin", "2024-01-03T09:00:00+00:00", "2024-04-10T00:00:00+00:00"),
    ("DAY", "Europe/Berlin", "2024-10-24T12:00:00+00:00", "2024-10-30T00:00:00+00:00"),
    ("WEEK", "America/New_York", "2024-10-01T00:00:00+00:00", "2024-11-15T00:00:00+00:00"),
    ("DAY", "America/New_York", "2024-01-25T00:00:00-05:00", "2024-02-12T00:00:00-05:00"),
    ("MONTH", "Asia/Kolkata", "2024-01-01T00:00:00+05:30", "2024-11-01T00:00:00+05:30"),
]


def assert_tiles(buckets: list[dict[str, Any]], start: str, end: str) -> None:
    """The buckets cover [start, end) in time order, each beginning where the last ended."""
    bounds = [(datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"]))
              for b in buckets]
    assert bounds[0][0] == datetime.fromisoformat(start)
    assert bounds[-1][1] == datetime.fromisoformat(end)
    assert all(since < until for since, until in bounds)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))


def test_every_sales_bucket_equals_its_period_asked_for_alone(gql, story):
    for interval, time_zone, start, end in SERIES:
        for owner in (None, "ana"):
            buckets = gql.ok(SALES_SERIES, {"start": start, "end": end, "interval": interval,
                                            "timeZone": time_zone, "owner": owner},
                             role="sales")["salesMetricsSeries"]
            assert_tiles(buckets, start, end)
            for bucket in buckets:
                alone = gql.ok(SALES_METRICS, {"start": bucket["start"], "end": bucket["end"],
                                               "owner": owner})["salesMetrics"]
                assert bucket == alone, (interval, time_zone, owner)


def test_every_service_bucket_equals_its_period_asked_for_alone(gql, story):
    for interval, time_zone, start, end in SERIES:
        buckets = gql.ok(SERVICE_SERIES, {"start": start, "end": end, "interval": interval,
                                          "timeZone": time_zone},
                         role="service")["serviceMetricsSeries"]
        assert_tiles(buckets, start, end)
        for bucket in buckets:
            alone = gql.ok(SERVICE_METRICS, {"start": bucket["start"], "end": bucket["end"]})
            assert bucket == alone["serviceMetrics"], (interval, time_zone)


# -- known answers ------------------------------------------------------------------------------------


def test_the_quarter_per_utc_month(gql, story):
    months = gql.ok(SALES_SERIES, {"start": FEB, "end": APR, "interval": "MONTH"})
    assert months["salesMetricsSeries"] == [
        figures(FEB, MAR, 2, 2, 1, 3, [money("95.00"), money("40.00", "USD")]),
        figures(MAR, APR, 1, 0, 1, 0, [])]
    ben = gql.ok(SALES_SERIES, {"start": FEB, "end": APR, "interval": "MONTH", "owner": "ben",
                                "timeZone": None})
    assert ben["salesMetricsSeries"][0] == figures(
        FEB, MAR, 1, 1, 1, 1, [money("60.00"), money("40.00", "USD")])


def test_berlin_days_around_the_end_of_summer_time(gql, story):
    days = gql.ok(SALES_SERIES, {"start": "2024-10-26T00:00:00+02:00", "end": TUE,
                                 "interval": "DAY", "timeZone": "Europe/Berlin"})
    assert days["salesMetricsSeries"] == [
        figures(SAT, SUN, 0, 1, 1, 0, []),
        figures(SUN, MON, 0, 3, 0, 1, [money("20.00")]),  # 25 hours
        figures(MON, TUE, 1, 1, 0, 0, [])]
    utc_days = gql.ok(SALES_SERIES, {"start": "2024-10-26T00:00:00Z",
                                     "end": "2024-10-28T00:00:00Z", "interval": "DAY"})
    assert [(d["salesCalls"], d["proposals"], d["recurringRevenue"])
            for d in utc_days["salesMetricsSeries"]] == [
        (2, 1, [money("12.00")]), (3, 0, [money("8.00")])]


def test_berlin_service_days_around_the_end_of_summer_time(gql, story):
    days = gql.ok(SERVICE_SERIES, {"start": SAT, "end": TUE, "interval": "DAY",
                                   "timeZone": "Europe/Berlin"}, role="service")
    saturday, sunday, monday = days["serviceMetricsSeries"]
    assert saturday == {
        "start": SAT, "end": SUN, "casesOpened": 1, "casesClosed": 0, "closedSameDay": 0,
        "serviceCalls": 1, "casesResolved": 0, "resolvedLate": 0,
        "medianHoursToResolution": None, "p90HoursToResolution": None,
        "requestsByType": [{"key": "INCIDENT", "count": 1}],
        "requestsByChannel": [{"key": "PHONE", "count": 1}], "casesReopened": 0,
        "reopenRate": None}
    assert sunday == {
        "start": SUN, "end": MON, "casesOpened": 1, "casesClosed": 1, "closedSameDay": 0,
        "serviceCalls": 2, "casesResolved": 2, "resolvedLate": 1,
        "medianHoursToResolution": 6.75, "p90HoursToResolution": pytest.approx(10.95),
        "requestsByType": [{"key": "QUESTION", "count": 1}],
        "requestsByChannel": [{"key": "EMAIL", "count": 1}], "casesReopened": 0,
        "reopenRate": 0.0}
    assert (monday["start"], monday["end"], monday["casesOpened"], monday["serviceCalls"],
            monday["casesReopened"], monday["reopenRate"]) == (MON, TUE, 1, 1, 1, None)


def test_weeks_begin_on_monday_at_local_midnight(gql, story):
    weeks = gql.ok(SALES_SERIES, {"start": "2024-10-23T00:00:00Z", "end": "2024-11-01T00:00:00Z",
                                  "interval": "WEEK", "timeZone": "Europe/Berlin"})
    assert weeks["salesMetricsSeries"] == [
        figures("2024-10-23T00:00:00+00:00", MON, 0, 4, 1, 1, [money("20.00")]),  # partial
        figures(MON, "2024-11-01T00:00:00+00:00", 1, 1, 0, 0, [])]


def test_a_series_has_at_most_400_buckets(gql):
    days = gql.ok(SERVICE_SERIES, {"start": "2024-01-01T00:00:00Z", "end": "2025-02-04T00:00:00Z",
                                   "interval": "DAY"})["serviceMetricsSeries"]
    assert len(days) == 400
    assert (days[0]["casesOpened"], days[-1]["start"]) == (0, "2025-02-03T00:00:00+00:00")


# -- bad questions and who may ask ------------------------------------------------------------------

NOON = "2024-10-27T12:00:00+00:00"
DAY = {"start": "2024-10-27T00:00:00+00:00", "end": NOON, "interval": "DAY"}


@pytest.mark.parametrize(("query", "variables", "field"), [
    (SALES_SERIES, {**DAY, "end": DAY["start"]}, "end"),
    (SALES_SERIES, {**DAY, "start": NOON, "end": DAY["start"]}, "end"),
    (SALES_SERIES, {**DAY, "start": "2024-10-27T00:00:00"}, "start"),
    (SALES_SERIES, {**DAY, "end": "2024-10-27T12:00:00"}, "end"),
    (SALES_SERIES, {**DAY, "timeZone": "Mars/Olympus_Mons"}, "timeZone"),
    (SALES_SERIES, {**DAY, "timeZone": ""}, "timeZone"),
    (SALES_SERIES, {**DAY, "timeZone": "../../etc/passwd"}, "timeZone"),
    (SALES_SERIES, {**DAY, "timeZone": "Europe"}, "timeZone"),
    (SALES_SERIES, {**DAY, "end": "2025-12-01T00:00:01+00:00"}, "interval"),  # 400 days and 1 s
    (SERVICE_SERIES, {**DAY, "end": DAY["start"]}, "end"),
    (SERVICE_SERIES, {**DAY, "start": "2024-10-27T00:00:00"}, "start"),
    (SERVICE_SERIES, {**DAY, "timeZone": "europe/berlin "}, "timeZone"),
    (SERVICE_SERIES, {**DAY, "interval": "WEEK", "end": "2032-10-27T00:00:00+00:00"}, "interval"),
])
def test_bad_arguments_are_bad_user_input_naming_the_argument(gql, query, variables, field):
    error = gql.error(query, variables)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


@pytest.mark.parametrize(("query", "role"), [
    (SALES_SERIES, "service"), (SALES_SERIES, "marketing"),
    (SERVICE_SERIES, "sales"), (SERVICE_SERIES, "marketing"),
])
def test_roles_without_the_dashboards_read_may_not_see_its_series(gql, query, role):
    error = gql.error(query, DAY, role=role)
    assert error["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("role", ["admin", "analytics", "auditor"])
def test_roles_that_read_everything_see_both_series(gql, role):
    for query in (SALES_SERIES, SERVICE_SERIES):
        gql.ok(query, DAY, role=role)
