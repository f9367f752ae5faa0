"""The log index and the replays built on it, on the store under test.

Given a history written one command at a time, with the customer view brought up to date
after each: the customer's rows replayed as of each instant equal the rows the live view
held then, and the index rebuilt from the log equals the one kept incrementally.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.hub import Hub
from domain.interactions import InteractionDraft
from projections import as_of
from projections.customers import CustomerView
from projections.database import ViewDatabase
from projections.log_index import LogIndexView
from projections.runner import ProjectionRunner
from projections.service import ServiceView
from tests.stories import tables
from tests.unit.orders_stories import line

CUSTOMER_TABLES = {  # table -> the column naming the customer
    "view_customers": "id", "view_customer_emails": "customer_id",
    "view_customer_tags": "customer_id", "view_timeline": "customer_id",
    "view_customer_revenue": "customer_id",
}


def rows_of(views: ViewDatabase, customer: str) -> dict[str, list[dict[str, Any]]]:
    return {table: sorted(views.query(f"SELECT * FROM {table} WHERE {column} = ?",  # noqa: S608
                                      (customer,)), key=repr)
            for table, column in CUSTOMER_TABLES.items()}


def a_story(hub: Hub, ada: Any, grace: Any) -> list[Any]:
    """Commands touching both customers, each a step of the story."""
    call: dict[str, Any] = {}

    def record(customer: Any, subject: str) -> None:
        call[subject] = hub.record_interaction(actor="agent", draft=InteractionDraft(
            customer_id=customer, channel="phone", direction="inbound", department="service",
            subject=subject, occurred_at=datetime.now(UTC) - timedelta(hours=1)))

    purchase: dict[str, Any] = {}
    case: dict[str, Any] = {}
    deal: dict[str, Any] = {}
    return [
        lambda: record(ada, "First call"),
        lambda: record(grace, "Grace calls"),
        lambda: hub.update_customer_profile(actor="sam", customer_id=ada,
                                            changes={"family_name": "King",
                                                     "emails": ["ada@king.org"]}),
        lambda: hub.correct_interaction(actor="lead", interaction_id=call["First call"],
                                        reason="was email", changes={"channel": "email"}),
        lambda: case.setdefault("id", hub.open_case(actor="eve", customer_id=ada,
                                                    channel="phone", case_type="question",
                                                    subject="How?")),
        lambda: deal.setdefault("id", hub.open_opportunity(
            actor="sam", customer_id=ada, name="Fleet", amount="100", currency="EUR",
            expected_close_date=datetime.now(UTC).date() + timedelta(days=30))),
        lambda: purchase.setdefault("id", hub.record_purchase(
            actor="clerk", customer_id=ada, channel="web", lines=[line("TEA-1")])),
        lambda: hub.tag_customer(actor="sam", customer_id=ada, add=["vip"], remove=[]),
        lambda: hub.refund_purchase(actor="clerk", purchase_id=purchase["id"], reason="broken",
                                    amount="1.00"),
        lambda: hub.resolve_case(actor="eve", case_id=case["id"], resolution="Explained"),
        lambda: hub.close_opportunity(actor="sam", opportunity_id=deal["id"], outcome="won"),
        lambda: hub.change_customer_stage(actor="sam", customer_id=ada, stage="customer"),
    ]


def test_the_360_replayed_as_of_each_instant_equals_the_live_view_then(hub: Hub,
                                                                      views: ViewDatabase):
    runner = ProjectionRunner(hub, views, [CustomerView(), LogIndexView()], page_size=3)
    runner.setup()
    ada = hub.register_customer(actor="sam", kind="person", profile={
        "given_name": "Ada", "family_name": "Lovelace", "emails": ["ada@example.org"]})
    grace = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Grace"})
    seen: list[tuple[datetime, dict[str, Any]]] = []
    for step in [lambda: None, *a_story(hub, ada, grace)]:
        step()
        runner.catch_up()
        time.sleep(0.002)
        seen.append((datetime.now(UTC), rows_of(views, str(ada))))
        time.sleep(0.002)

    assert seen[0][1] != seen[-1][1]
    for at, live in seen:
        replayed = as_of.customer_as_of(hub, views, ada, at=at)
        try:
            assert rows_of(replayed.views, str(ada)) == live, at
            assert replayed.profile.version == live["view_customers"][0]["version"]
        finally:
            replayed.views.close()


def test_the_index_places_every_event_and_a_rebuild_gives_the_same_rows(hub: Hub,
                                                                       views: ViewDatabase):
    ada = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Ada"})
    grace = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Grace"})
    for step in a_story(hub, ada, grace):
        step()
    runner = ProjectionRunner(hub, views, [LogIndexView()], page_size=4)
    runner.setup()
    runner.catch_up()
    kept = tables(views, LogIndexView.tables)

    rows = views.query("SELECT * FROM log_index ORDER BY position")
    log = hub.recorder.select_notifications(start=1, limit=1000)
    assert [(row["position"], row["aggregate_id"], row["version"]) for row in rows] == [
        (n.id, str(n.originator_id), n.originator_version) for n in log]  # every event, in order
    assert all(row["customer_id"] in (str(ada), str(grace)) for row in rows)
    # The correction names no customer: it is placed with its interaction's.
    first_call = rows[2]
    (correction,) = [row for row in rows if row["aggregate_id"] == first_call["aggregate_id"]
                     and row["version"] == 2]
    assert correction["customer_id"] == str(ada)

    runner.reset()
    runner.catch_up()
    assert tables(views, LogIndexView.tables) == kept


def test_a_department_replay_stops_at_the_instant(hub: Hub, views: ViewDatabase):
    runner = ProjectionRunner(hub, views, [LogIndexView()])
    runner.setup()
    ada = hub.register_customer(actor="sam", kind="person", profile={"given_name": "Ada"})
    time.sleep(0.002)
    at = datetime.now(UTC)
    time.sleep(0.002)
    hub.open_case(actor="eve", customer_id=ada, channel="phone", case_type="question",
                  subject="How?")
    progress: list[tuple[int, int]] = []
    scratch = as_of.views_as_of(hub, views, [ServiceView()], at=at,
                                on_progress=lambda done, total: progress.append((done, total)))
    try:
        assert scratch.query("SELECT COUNT(*) AS n FROM view_service_cases") == [{"n": 0}]
    finally:
        scratch.close()
    assert sum(done for done, _ in progress) == as_of.last_position_at(views, at) == 1
    now = as_of.views_as_of(hub, views, [ServiceView()], at=datetime.now(UTC))
    try:
        assert now.query("SELECT COUNT(*) AS n FROM view_service_cases") == [{"n": 1}]
    finally:
        now.close()
