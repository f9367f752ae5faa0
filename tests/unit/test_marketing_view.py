"""The marketing view: campaign and channel reports, on a small story with known answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidValueError
from domain.hub import Hub
from projections.database import ViewDatabase
from projections.marketing import MarketingView
from projections.marketing_queries import (
    CampaignReport,
    ChannelReport,
    campaign_reports,
    channel_reports,
    list_campaigns,
)
from projections.runner import ProjectionRunner
from tests.unit.marketing_stories import register_consenting

MARKETER = "marketer-1"


@pytest.fixture
def runner(hub: Hub, views: ViewDatabase) -> ProjectionRunner:
    runner = ProjectionRunner(hub, views, [MarketingView()], page_size=3)
    runner.setup()
    return runner


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def campaign(hub: Hub, name: str, channel: str, budget: str, currency: str, starts_on: date,
             ends_on: date) -> UUID:
    return hub.create_campaign(actor=MARKETER, name=name, channel=channel, budget=budget,
                               currency=currency, starts_on=starts_on, ends_on=ends_on,
                               occurred_at=at(starts_on.month, starts_on.day, 7))


def respond(hub: Hub, campaign_id: UUID, customer_id: UUID, response: str, when: datetime,
            value: str | None = None) -> None:
    hub.record_campaign_response(actor=MARKETER, campaign_id=campaign_id, customer_id=customer_id,
                                 response=response, value=value, occurred_at=when)


def buy(hub: Hub, customer_id: UUID, when: datetime, price: str, currency: str = "EUR") -> UUID:
    return hub.record_purchase(actor="till", customer_id=customer_id, channel="web", occurred_at=when,
                               lines=[{"sku": "S", "product_name": "Shoes", "quantity": 1,
                                       "unit_price": price, "currency": currency}])


def snapshot(views: ViewDatabase) -> dict[str, list[dict[str, Any]]]:
    return {table: sorted(views.query(f"SELECT * FROM {table}"), key=repr)  # noqa: S608
            for table in MarketingView.tables}


@dataclass(frozen=True)
class Story:
    spring_email: str
    spring_sms: str
    summer_email: str
    april_email: str


def tell_the_story(hub: Hub, runner: ProjectionRunner) -> Story:
    """Four campaigns; the runner catches up between chapters (in pages of three), and
    the facts that decide attribution arrive out of business-time order."""
    ada, bob, cyd, dan, eve = (register_consenting(hub, name)
                               for name in ("Ada", "Bob", "Cyd", "Dan", "Eve"))
    spring = campaign(hub, "Spring email", "email", "300", "EUR", date(2025, 3, 1), date(2025, 3, 31))
    sms = campaign(hub, "Spring sms", "sms", "100", "EUR", date(2025, 3, 10), date(2025, 3, 20))
    summer = campaign(hub, "Summer email", "email", "200", "USD", date(2025, 6, 1), date(2025, 6, 30))
    april = campaign(hub, "April email", "email", "50.01", "EUR", date(2025, 4, 1), date(2025, 4, 30))
    hub.launch_campaign(actor=MARKETER, campaign_id=spring, occurred_at=at(3, 1, 8))
    hub.launch_campaign(actor=MARKETER, campaign_id=sms, occurred_at=at(3, 10, 8))
    hub.launch_campaign(actor=MARKETER, campaign_id=summer, occurred_at=at(6, 1, 8))
    hub.cancel_campaign(actor=MARKETER, campaign_id=april, reason="no stock", occurred_at=at(4, 2))
    hub.send_campaign_messages(actor=MARKETER, campaign_id=spring, customer_ids=[ada, bob, cyd, dan],
                               occurred_at=at(3, 2, 8))
    runner.catch_up()

    # Bob's purchase is in the log long before his conversion (recorded last, below).
    buy(hub, bob, at(3, 10), "12.00", "USD")
    buy(hub, ada, at(3, 4), "10.00")  # before her conversion: not attributed
    respond(hub, spring, ada, "delivered", at(3, 2, 9))
    respond(hub, spring, ada, "opened", at(3, 3))
    respond(hub, spring, ada, "opened", at(3, 2, 20))  # a late receipt of an earlier open
    respond(hub, spring, ada, "clicked", at(3, 3))
    respond(hub, spring, ada, "converted", at(3, 5), value="40")
    runner.catch_up()

    buy(hub, ada, at(3, 5), "20.00")  # at the very moment of conversion: attributed
    damaged = buy(hub, ada, at(3, 20), "50.00")  # attributed net of its refund
    buy(hub, ada, at(4, 4), "70.00")  # exactly 30 days after: outside the default window
    for response, day in (("delivered", 3), ("opened", 3), ("clicked", 4), ("unsubscribed", 4)):
        respond(hub, spring, cyd, response, at(3, day))
    buy(hub, cyd, at(3, 10), "9.00")  # unsubscribed, never converted
    respond(hub, spring, bob, "delivered", at(3, 3))
    respond(hub, spring, bob, "opened", at(3, 4))
    runner.catch_up()

    hub.send_campaign_messages(actor=MARKETER, campaign_id=sms, customer_ids=[eve, ada],
                               occurred_at=at(3, 11))
    buy(hub, eve, at(3, 10), "5.00")  # eve never converts
    respond(hub, sms, eve, "delivered", at(3, 12))
    respond(hub, sms, eve, "clicked", at(3, 12))
    hub.send_campaign_messages(actor=MARKETER, campaign_id=summer, customer_ids=[ada, bob],
                               occurred_at=at(6, 1, 9))
    respond(hub, summer, ada, "delivered", at(6, 1, 10))
    respond(hub, summer, bob, "converted", at(6, 2), value="30")
    buy(hub, bob, at(6, 15), "40.00", "USD")
    hub.complete_campaign(actor=MARKETER, campaign_id=spring, occurred_at=at(4, 1))
    runner.catch_up()

    hub.refund_purchase(actor="till", purchase_id=damaged, amount="15.00", reason="scuffed",
                        occurred_at=at(4, 10))
    respond(hub, spring, bob, "converted", at(3, 6, 10), value="25.50")
    assert runner.catch_up() == hub.position()
    return Story(str(spring), str(sms), str(summer), str(april))


def counts(report: CampaignReport | ChannelReport) -> dict[str, int]:
    names = ("audience", "sent", "delivered", "opened", "opens", "clicked", "clicks", "converted",
             "unsubscribed", "attributed_purchases")
    return {name: getattr(report, name) for name in names}


def D(text: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(text)


SPRING_COUNTS = {"audience": 4, "sent": 4, "delivered": 3, "opened": 3, "opens": 4, "clicked": 2,
                 "clicks": 2, "converted": 2, "unsubscribed": 1, "attributed_purchases": 3}
SMS_COUNTS = {"audience": 2, "sent": 2, "delivered": 1, "opened": 0, "opens": 0, "clicked": 1,
              "clicks": 1, "converted": 0, "unsubscribed": 0, "attributed_purchases": 0}
SUMMER_COUNTS = {"audience": 2, "sent": 2, "delivered": 1, "opened": 0, "opens": 0, "clicked": 0,
                 "clicks": 0, "converted": 1, "unsubscribed": 0, "attributed_purchases": 1}
NOTHING = dict.fromkeys(SPRING_COUNTS, 0)


def test_each_campaign_reports_its_reach_responses_costs_and_attributed_revenue(hub, runner, views):
    story = tell_the_story(hub, runner)

    reports = campaign_reports(views, ids=[story.spring_email, story.spring_sms, story.summer_email,
                                           story.april_email, str(uuid4())])

    assert set(reports) == {story.spring_email, story.spring_sms, story.summer_email,
                            story.april_email}
    spring = reports[story.spring_email]
    assert (spring.name, spring.channel, spring.status) == ("Spring email", "email", "completed")
    assert (spring.starts_on, spring.ends_on) == (date(2025, 3, 1), date(2025, 3, 31))
    assert counts(spring) == SPRING_COUNTS
    assert (spring.budget, spring.currency) == (D("300.00"), "EUR")
    assert spring.cost_per_conversion == D("150.00")
    assert spring.conversion_value == D("65.50")
    # Ada: 20.00 at her conversion + 50.00 less 15.00 refunded; Bob: 12.00 USD.
    assert spring.attributed_revenue == [(D("55.00"), "EUR"), (D("12.00"), "USD")]

    sms = reports[story.spring_sms]
    assert (sms.status, counts(sms)) == ("launched", SMS_COUNTS)
    assert (sms.budget, sms.cost_per_conversion, sms.conversion_value) == (D("100.00"), None, D("0"))
    assert sms.attributed_revenue == []

    summer = reports[story.summer_email]
    assert counts(summer) == SUMMER_COUNTS
    assert (summer.budget, summer.currency, summer.cost_per_conversion) == (D("200"), "USD", D("200"))
    assert summer.conversion_value == D("30.00")
    assert summer.attributed_revenue == [(D("40.00"), "USD")]

    april = reports[story.april_email]
    assert (april.status, counts(april), april.cost_per_conversion) == ("cancelled", NOTHING, None)
    assert (april.budget, april.conversion_value, april.attributed_revenue) == (D("50.01"), 0, [])


def test_the_attribution_window_is_a_query_argument(hub, runner, views):
    story = tell_the_story(hub, runner)

    wider = campaign_reports(views, ids=[story.spring_email], attribution_days=31)[story.spring_email]
    assert wider.attributed_purchases == 4  # Ada's 70.00 exactly 30 days after now counts
    assert wider.attributed_revenue == [(D("125.00"), "EUR"), (D("12.00"), "USD")]
    narrow = campaign_reports(views, ids=[story.spring_email], attribution_days=1)[story.spring_email]
    assert narrow.attributed_purchases == 1
    assert narrow.attributed_revenue == [(D("20.00"), "EUR")]


def test_channels_sum_the_campaigns_that_overlap_the_period(hub, runner, views):
    tell_the_story(hub, runner)

    email, sms = channel_reports(views, since=date(2025, 3, 1), until=date(2025, 4, 1))
    assert (email.channel, email.campaigns, counts(email)) == ("email", 1, SPRING_COUNTS)
    assert email.budget == [(D("300.00"), "EUR")]
    assert email.cost_per_conversion == [(D("150.00"), "EUR")]
    assert email.conversion_value == [(D("65.50"), "EUR")]
    assert email.attributed_revenue == [(D("55.00"), "EUR"), (D("12.00"), "USD")]
    assert (sms.channel, sms.campaigns, counts(sms)) == ("sms", 1, SMS_COUNTS)
    assert (sms.budget, sms.cost_per_conversion) == ([(D("100.00"), "EUR")], [])
    assert (sms.conversion_value, sms.attributed_revenue) == ([(D("0.00"), "EUR")], [])

    (year,) = [c for c in channel_reports(views, since=date(2025, 1, 1), until=date(2026, 1, 1))
               if c.channel == "email"]
    assert year.campaigns == 3
    assert counts(year) == {name: SPRING_COUNTS[name] + SUMMER_COUNTS[name] for name in NOTHING}
    assert year.budget == [(D("350.01"), "EUR"), (D("200.00"), "USD")]
    assert year.cost_per_conversion == [(D("175.01"), "EUR"), (D("200.00"), "USD")]  # half up
    assert year.conversion_value == [(D("65.50"), "EUR"), (D("30.00"), "USD")]
    assert year.attributed_revenue == [(D("55.00"), "EUR"), (D("52.00"), "USD")]

    running = {c.channel: c for c in channel_reports(views, since=date(2025, 1, 1),
                                                     until=date(2026, 1, 1),
                                                     statuses=["launched", "completed"])}
    assert {channel: c.campaigns for channel, c in running.items()} == {"email": 2, "sms": 1}
    assert running["email"].cost_per_conversion == [(D("150.00"), "EUR"), (D("200.00"), "USD")]

    (last_day,) = channel_reports(views, since=date(2025, 3, 31), until=date(2025, 4, 1))
    assert (last_day.channel, last_day.budget) == ("email", [(D("300.00"), "EUR")])
    (april,) = channel_reports(views, since=date(2025, 4, 1), until=date(2025, 5, 1))
    assert (april.campaigns, counts(april), april.budget) == (1, NOTHING, [(D("50.01"), "EUR")])
    assert channel_reports(views, since=date(2025, 7, 1), until=date(2025, 8, 1)) == []


def test_the_campaign_list_is_paginated_and_filtered(hub, runner, views):
    story = tell_the_story(hub, runner)

    first = list_campaigns(views, first=3)
    assert [r.id for _, r in first.items] == [story.summer_email, story.april_email, story.spring_sms]
    assert first.has_next_page
    rest = list_campaigns(views, first=3, after=first.end_cursor)
    assert [r.id for _, r in rest.items] == [story.spring_email]
    assert not rest.has_next_page
    assert counts(rest.items[0][1]) == SPRING_COUNTS

    assert [r.id for _, r in list_campaigns(views, status="launched").items] == [
        story.summer_email, story.spring_sms]
    assert [r.id for _, r in list_campaigns(views, channel="email").items] == [
        story.summer_email, story.april_email, story.spring_email]
    only = list_campaigns(views, status="completed", channel="email", first=1)
    assert ([r.id for _, r in only.items], only.has_next_page) == ([story.spring_email], False)
    assert list_campaigns(views, channel="fax").items == []


@pytest.mark.parametrize(("call", "field"), [
    (lambda v: list_campaigns(v, first=0), "first"),
    (lambda v: list_campaigns(v, after="not a cursor"), "after"),
    (lambda v: list_campaigns(v, status="paused"), "status"),
    (lambda v: list_campaigns(v, channel="pigeon"), "channel"),
    (lambda v: campaign_reports(v, ids=[], attribution_days=0), "attributionDays"),
    (lambda v: channel_reports(v, since=date(2025, 3, 1), until=date(2025, 3, 1)), "until"),
    (lambda v: channel_reports(v, since=date(2025, 3, 1), until=date(2025, 4, 1),
                               statuses=["done"]), "statuses"),
])
def test_bad_query_arguments_name_their_field(runner, views, call, field):
    with pytest.raises(InvalidValueError) as caught:
        call(views)
    assert caught.value.field == field


def test_attribution_does_not_depend_on_the_order_of_the_log(hub, runner, views):
    """Given a purchase recorded before the conversion it follows, and one recorded after
    the conversion that it precedes, only the first is attributed."""
    ada = register_consenting(hub, "Ada")
    spring = campaign(hub, "Spring", "email", "10", "EUR", date(2025, 3, 1), date(2025, 3, 31))
    hub.launch_campaign(actor=MARKETER, campaign_id=spring, occurred_at=at(3, 1, 8))
    hub.send_campaign_message(actor=MARKETER, campaign_id=spring, customer_id=ada,
                              occurred_at=at(3, 2))
    buy(hub, ada, at(3, 9), "7.00")
    runner.catch_up()
    respond(hub, spring, ada, "converted", at(3, 8))
    runner.catch_up()
    buy(hub, ada, at(3, 7), "100.00")
    runner.catch_up()

    report = campaign_reports(views, ids=[str(spring)])[str(spring)]
    assert (report.converted, report.attributed_purchases) == (1, 1)
    assert report.attributed_revenue == [(D("7.00"), "EUR")]
    assert (report.conversion_value, report.cost_per_conversion) == (D("0.00"), D("10.00"))


def test_incremental_projection_equals_a_rebuild(hub, runner, views):
    tell_the_story(hub, runner)
    incremental = snapshot(views)
    assert all(incremental.values())

    runner.reset()
    runner.catch_up()
    assert snapshot(views) == incremental
