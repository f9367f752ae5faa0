"""The projection runner and the customer view, on the store under test."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.customers import Customer
from domain.hub import Hub
from domain.interactions import InteractionDraft
from domain.orders import Purchase
from projections.catalog import all_views
from projections.customers import CustomerView
from projections.database import ViewDatabase
from projections.failures import ViewsFailedError, view_failures
from projections.log_index import LogIndexView
from projections.runner import ProjectionRunner, view_positions, wait_for_views
from tests.stories import opened_store, tables
from tests.unit.marketing_stories import consent_to_marketing


@pytest.fixture
def runner(hub: Hub, views: ViewDatabase) -> ProjectionRunner:
    runner = ProjectionRunner(hub, views, [CustomerView()], page_size=7)
    runner.setup()
    return runner


def snapshot(views: ViewDatabase) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of every view, in a stable order."""
    return tables(views, [table for view in all_views() for table in view.tables])


def person(hub: Hub, given: str, family: str, **kwargs: Any) -> Any:
    return hub.register_customer(actor="sam", kind="person",
                                 profile={"given_name": given, "family_name": family,
                                          "emails": [f"{given}@example.com".lower()]}, **kwargs)


def call(hub: Hub, customer_id: Any, when: datetime, subject: str = "Call") -> Any:
    return hub.record_interaction(actor="agent", draft=InteractionDraft(
        customer_id=customer_id, channel="phone", direction="inbound", department="service",
        subject=subject, occurred_at=when))


def test_the_directory_and_the_360_know_the_answers(hub, runner, views):
    ada = person(hub, "Ada", "Lovelace", tags=["vip"], owner="sam")
    grace = person(hub, "Grace", "Hopper")
    hub.change_customer_stage(actor="sam", customer_id=ada, stage="customer")
    hub.update_customer_profile(actor="sam", customer_id=grace, changes={"family_name": "Murray"})
    hub.tag_customer(actor="sam", customer_id=ada, add=["b2b"], remove=["vip"])
    now = datetime.now(UTC)
    call(hub, ada, now - timedelta(days=2), "First")
    second = call(hub, ada, now - timedelta(days=1), "Second")
    hub.correct_interaction(actor="lead", interaction_id=second, reason="was email",
                            changes={"channel": "email"})
    case = hub.open_case(actor="eve", customer_id=ada, channel="phone", case_type="question",
                         subject="How?")
    hub.open_case(actor="eve", customer_id=ada, channel="web", case_type="incident", subject="Down")
    hub.assign_case(actor="eve", case_id=case, assignee="eve")
    hub.resolve_case(actor="eve", case_id=case, resolution="Explained")
    won = hub.open_opportunity(actor="sam", customer_id=ada, name="Deal", amount="1000",
                               currency="EUR", expected_close_date=now.date() + timedelta(days=30))
    hub.open_opportunity(actor="sam", customer_id=ada, name="Other", amount="50", currency="EUR",
                         expected_close_date=now.date() + timedelta(days=30))
    hub.close_opportunity(actor="sam", opportunity_id=won, outcome="won")
    bought = now - timedelta(hours=5)
    purchase = hub.record_purchase(actor="sam", customer_id=ada, channel="store", occurred_at=bought,
                                   lines=[{"sku": "A", "product_name": "A", "quantity": 2,
                                           "unit_price": "10.50", "currency": "EUR"}])
    hub.refund_purchase(actor="sam", purchase_id=purchase, amount="5.25", reason="damaged")

    assert runner.catch_up() == hub.position()

    rows = {r["display_name"]: r for r in views.query("SELECT * FROM view_customers")}
    assert set(rows) == {"Ada Lovelace", "Grace Murray"}
    assert rows["Grace Murray"]["search_name"] == "grace murray"
    a = rows["Ada Lovelace"]
    assert (a["stage"], a["owner"], a["open_cases"], a["open_opportunities"]) == ("customer", "sam", 1, 1)
    assert a["last_purchase_at"].startswith(bought.strftime("%Y-%m-%dT%H:%M"))
    assert views.query("SELECT tag FROM view_customer_tags WHERE customer_id = ?", (str(ada),)) == [
        {"tag": "b2b"}]
    assert views.query("SELECT currency, revenue_cents FROM view_customer_revenue") == [
        {"currency": "EUR", "revenue_cents": 1575}]
    timeline = views.query("SELECT subject, channel, corrected FROM view_timeline"
                           " WHERE customer_id = ? ORDER BY occurred_at", (str(ada),))
    assert timeline == [{"subject": "First", "channel": "phone", "corrected": 0},
                        {"subject": "Second", "channel": "email", "corrected": 1}]


def test_a_second_runner_never_applies_an_event_twice(hub, runner, views):
    ada = person(hub, "Ada", "Lovelace")
    hub.record_purchase(actor="sam", customer_id=ada, channel="web",
                        lines=[{"sku": "A", "product_name": "A", "quantity": 1,
                                "unit_price": "10.00", "currency": "EUR"}])
    other = ProjectionRunner(hub, views, [CustomerView()])
    other.setup()
    other.catch_up()
    runner.catch_up()
    assert views.query("SELECT revenue_cents FROM view_customer_revenue") == [{"revenue_cents": 1000}]
    assert runner.positions() == other.positions() == {"customers": hub.position()}


def test_a_runner_skips_the_part_of_its_page_a_second_runner_applied(hub, runner, views):
    ada = person(hub, "Ada", "Lovelace")
    other = ProjectionRunner(hub, views, [CustomerView()])
    other.setup()
    other.catch_up()  # the first part of what `runner` will read as one page
    hub.record_purchase(actor="sam", customer_id=ada, channel="web",
                        lines=[{"sku": "A", "product_name": "A", "quantity": 1,
                                "unit_price": "10.00", "currency": "EUR"}])
    runner.catch_up()
    assert views.query("SELECT id FROM view_customers") == [{"id": str(ada)}]
    assert views.query("SELECT revenue_cents FROM view_customer_revenue") == [{"revenue_cents": 1000}]
    assert runner.positions() == {"customers": hub.position()}


def test_a_new_layout_version_rebuilds_the_view(hub, runner, views):
    person(hub, "Ada", "Lovelace")
    runner.catch_up()
    with views.transaction() as tx:  # what a stale layout left behind
        tx.execute("UPDATE view_customers SET stage = 'tampered'")

    class NextLayout(CustomerView):
        version = CustomerView.version + 1

    upgraded = ProjectionRunner(hub, views, [NextLayout()])
    upgraded.setup()
    assert upgraded.positions() == {"customers": 0}
    upgraded.catch_up()
    assert views.query("SELECT stage FROM view_customers") == [{"stage": "lead"}]


def test_a_background_runner_lets_a_writer_read_its_write(hub, views):
    runner = ProjectionRunner(hub, views, [CustomerView()], poll_interval=5)
    runner.setup()
    runner.start()
    try:
        ada = person(hub, "Ada", "Lovelace")
        assert runner.wait_for(hub.position(), timeout=5)
        assert views.query("SELECT id FROM view_customers") == [{"id": str(ada)}]
        assert not runner.wait_for(hub.position() + 1, timeout=0.05)
    finally:
        runner.stop()


def test_the_views_of_a_page_commit_together_and_a_wait_for_one_sees_it_whole(hub, views):
    held = threading.Event()
    release = threading.Event()

    class SlowView(CustomerView):
        name = "slow_customers"

        def apply(self, tx: Any, events: Any) -> None:
            held.set()
            assert release.wait(timeout=30), "the test never let the slow view finish"

    runner = ProjectionRunner(hub, views, [LogIndexView(), SlowView()], poll_interval=5)
    runner.setup()
    runner.start()
    try:
        indexed: list[bool] = []
        waiter = threading.Thread(target=lambda: indexed.append(runner.wait_for(
            hub.position() + 1, timeout=30, names=[LogIndexView.name])))
        waiter.start()  # waiting before the event exists
        person(hub, "Ada", "Lovelace")
        assert held.wait(timeout=10)  # the slow view is in the middle of the page
        # The log index has applied the page in the same, still open, transaction:
        # nothing of it is visible, and a wait for the log index alone goes on.
        assert views.query("SELECT count(*) AS n FROM log_index") == [{"n": 0}]
        assert view_positions(views) == {LogIndexView.name: 0, SlowView.name: 0}
        waiter.join(timeout=0.2)
        assert indexed == []
        release.set()
        waiter.join(timeout=10)
        assert indexed == [True]
        assert runner.wait_for(hub.position(), timeout=10)
        assert views.query("SELECT count(*) AS n FROM log_index") == [{"n": hub.position()}]
    finally:
        release.set()
        runner.stop()


class FragileView(CustomerView):
    """The customer view, failing on a page with a purchase while `broken` (after its
    writes: a failed page must leave nothing behind)."""

    name = "fragile_customers"
    broken = True

    def apply(self, tx: Any, events: Any) -> None:
        super().apply(tx, events)
        if self.broken and any(isinstance(event, Purchase.Recorded) for event in events):
            raise RuntimeError("cannot apply a purchase")


def test_a_view_that_fails_stops_alone_and_goes_on_when_it_can(hub, views):
    fragile = FragileView()
    runner = ProjectionRunner(hub, views, [LogIndexView(), fragile], page_size=2,
                              retry_interval=0)
    runner.setup()
    ada = person(hub, "Ada", "Lovelace")
    grace = person(hub, "Grace", "Hopper")  # the first page
    hub.record_purchase(actor="sam", customer_id=ada, channel="web",
                        lines=[{"sku": "A", "product_name": "A", "quantity": 1,
                                "unit_price": "10.00", "currency": "EUR"}])
    person(hub, "Linus", "Torvalds")  # the second page, with the purchase
    with pytest.raises(ViewsFailedError) as raised:
        runner.catch_up()

    failure = raised.value.failures[FragileView.name]
    stopped_at = runner.positions()[FragileView.name]
    assert failure.position == stopped_at == 2
    assert "RuntimeError: cannot apply a purchase" in str(raised.value)
    assert runner.positions()[LogIndexView.name] == hub.position()  # the other view went on
    assert view_failures(views) == {FragileView.name: failure}
    assert failure.attempts == 1
    # The first page is in the view, nothing of the second: no revenue, no Linus.
    assert views.query("SELECT * FROM view_customer_revenue") == []
    assert {row["id"] for row in views.query("SELECT id FROM view_customers")} == \
        {str(ada), str(grace)}
    # Read-your-writes does not wait for the stopped view, and says the write is not in it.
    assert runner.wait_for(hub.position(), timeout=3600) is False
    assert runner.wait_for(hub.position(), timeout=3600, names=[LogIndexView.name]) is True
    assert wait_for_views(views, hub.position(), timeout=3600) is False
    assert wait_for_views(views, hub.position(), timeout=3600, names=[LogIndexView.name])

    with pytest.raises(ViewsFailedError):  # tried again: still failing, counted
        runner.catch_up()
    assert view_failures(views)[FragileView.name].attempts == 2
    assert view_failures(views)[FragileView.name].failed_at == failure.failed_at

    fragile.broken = False  # fixed: the view applies the log again from where it stopped
    assert runner.catch_up() == hub.position()
    assert view_failures(views) == {}
    assert runner.wait_for(hub.position(), timeout=3600) is True
    assert views.query("SELECT revenue_cents FROM view_customer_revenue") == [{"revenue_cents": 1000}]
    assert len(views.query("SELECT id FROM view_customers")) == 3


COMMANDS = st.lists(st.tuples(
    st.sampled_from(["register", "stage", "tag", "call", "case", "resolve", "buy", "refund",
                     "rename", "deal", "win", "lead", "campaign", "respond", "catch_up"]),
    st.integers(min_value=0, max_value=5)), min_size=1, max_size=30)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(commands=COMMANDS)
def test_incremental_projection_equals_a_rebuild(database_url, commands):
    """Every view at once: any story, projected as it happens, equals a rebuild."""
    with opened_store(database_url) as (hub, views):
        runner = ProjectionRunner(hub, views, all_views(), page_size=3)
        runner.reset()
        story = Story()
        for command, n in commands:
            run(hub, runner, command, n, story)
        runner.catch_up()
        incremental = snapshot(views)

        # A page of one event sends each write at once; one page of everything holds back
        # the most: the write-behind must not change the outcome.
        for page_size in (1, 1000):
            rebuild = ProjectionRunner(hub, views, all_views(), page_size=page_size)
            rebuild.reset()
            rebuild.catch_up()
            assert snapshot(views) == incremental


@dataclass
class Story:
    customers: list[Any] = field(default_factory=list)
    cases: list[Any] = field(default_factory=list)
    purchases: list[Any] = field(default_factory=list)
    deals: list[Any] = field(default_factory=list)
    campaign: Any = None
    messaged: set[Any] = field(default_factory=set)


def run(hub: Hub, runner: ProjectionRunner, command: str, n: int, story: Story) -> None:
    """One random step of a story; steps that need something missing do nothing."""
    customers, cases, purchases = story.customers, story.cases, story.purchases
    pick = customers[n % len(customers)] if customers else None
    today = datetime.now(UTC).date()
    if command == "lead":
        lead = hub.capture_lead(actor="x", source="web_form", channel="web", given_name=f"L{n}",
                                email=f"l{n}@example.com")
        if n % 2:
            hub.qualify_lead(actor="x", lead_id=lead)
            conversion = hub.convert_lead(actor="x", lead_id=lead, opportunity_name="First",
                                          amount="100", currency="EUR",
                                          expected_close_date=today + timedelta(days=30))
            customers.append(conversion.customer_id)
            story.deals.append(conversion.opportunity_id)
        return
    if command == "campaign" and story.campaign is None:
        story.campaign = hub.create_campaign(actor="x", name="C", channel="email", budget="100",
                                             currency="EUR", starts_on=today,
                                             ends_on=today + timedelta(days=9))
        hub.launch_campaign(actor="x", campaign_id=story.campaign)
        return
    if command == "register":
        customers.append(person(hub, f"P{len(customers)}", "Q"))
    elif command == "catch_up":
        runner.catch_up()
    elif pick is None:
        return
    elif command == "stage":
        stage = hub.load(Customer, pick).stage
        target = {"lead": "prospect", "prospect": "customer", "customer": "churned",
                  "churned": "customer"}[stage]
        hub.change_customer_stage(actor="x", customer_id=pick, stage=target)
    elif command == "tag":
        hub.tag_customer(actor="x", customer_id=pick, add=[f"t{n}"], remove=[f"t{n - 1}"])
    elif command == "rename":
        hub.update_customer_profile(actor="x", customer_id=pick, changes={"family_name": f"R{n}"})
    elif command == "call":
        call(hub, pick, datetime.now(UTC) - timedelta(minutes=n))
    elif command == "case":
        cases.append(hub.open_case(actor="x", customer_id=pick, channel="web",
                                   case_type="question", subject="?"))
    elif command == "resolve" and cases:
        case = cases.pop(n % len(cases))
        hub.resolve_case(actor="x", case_id=case, resolution="done")
    elif command == "buy":
        purchases.append(hub.record_purchase(actor="x", customer_id=pick, channel="web", lines=[
            {"sku": "S", "product_name": "S", "quantity": 1 + n, "unit_price": "3.10",
             "currency": "EUR"}]))
    elif command == "refund" and purchases:
        purchase = purchases.pop(n % len(purchases))
        hub.refund_purchase(actor="x", purchase_id=purchase, amount="1.00", reason="r")
    elif command == "deal":
        story.deals.append(hub.open_opportunity(
            actor="x", customer_id=pick, name="D", amount=f"{10 + n}", currency="EUR",
            expected_close_date=today + timedelta(days=10 + n)))
    elif command == "win" and story.deals:
        deal = story.deals.pop(n % len(story.deals))
        hub.close_opportunity(actor="x", opportunity_id=deal, outcome="won" if n % 2 else "lost",
                              reason="price")
    elif command == "respond" and story.campaign is not None:
        if pick not in story.messaged:
            consent_to_marketing(hub, pick)
            hub.send_campaign_message(actor="x", campaign_id=story.campaign, customer_id=pick)
            story.messaged.add(pick)
        else:
            hub.record_campaign_response(actor="x", campaign_id=story.campaign, customer_id=pick,
                                         response="opened")
