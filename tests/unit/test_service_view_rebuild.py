"""The service view: bad input is refused, and projecting incrementally equals a rebuild."""


from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import InvalidTransitionError, InvalidValueError
from domain.hub import Hub
from domain.interactions import InteractionDraft
from projections.runner import ProjectionRunner
from projections.service import ServiceView
from projections.service_queries import (
    cases_at_risk,
    open_cases,
    service_metrics,
    sla_breaches,
)
from tests.stories import opened_store
from tests.unit.service_view_stories import NOW, at, given_three_days_of_service, snapshot

# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "field"), [
    (lambda v: open_cases(v, first=0), "first"),
    (lambda v: open_cases(v, after="bm90IGEgY3Vyc29y"), "after"),
    (lambda v: open_cases(v, priority="asap"), "priority"),
    (lambda v: open_cases(v, case_type="rant"), "caseType"),
    (lambda v: open_cases(v, assignee="eve", unassigned=True), "unassigned"),
    (lambda v: cases_at_risk(v, now=datetime(2024, 5, 8, 12)), "now"),
    (lambda v: cases_at_risk(v, now=NOW, horizon=timedelta(0)), "horizon"),
    (lambda v: sla_breaches(v, now=NOW, due_since=datetime(2024, 5, 6)), "dueSince"),
    (lambda v: service_metrics(v, start=at(1, 0), end=at(1, 0)), "end"),
    (lambda v: service_metrics(v, start=datetime(2024, 5, 6), end=at(1, 0)), "start"),
])
def test_bad_input_is_refused_naming_the_field(views, runner, query, field):
    with pytest.raises(InvalidValueError) as refused:
        query(views)
    assert refused.value.field == field


# -- incremental equals rebuild ------------------------------------------------------------------


def test_the_story_projected_between_commands_equals_a_rebuild(hub, runner, views):
    story = given_three_days_of_service(hub, after_each=runner.catch_up)
    hub.reopen_case(actor="eve", case_id=story.cases[2], reason="Not answered after all")
    runner.catch_up()
    incremental = snapshot(views)
    assert len(incremental["view_service_cases"]) == 9

    runner.reset()
    assert runner.catch_up() == hub.position()
    assert snapshot(views) == incremental


STEPS = st.lists(st.tuples(
    st.sampled_from(["open", "assign", "escalate", "comment", "priority", "resolve", "close",
                     "reopen", "call", "correct", "catch_up"]),
    st.integers(min_value=0, max_value=7)), min_size=1, max_size=30)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_history_projected_incrementally_equals_a_rebuild(database_url, steps):
    with opened_store(database_url) as (hub, views):
        runner = ProjectionRunner(hub, views, [ServiceView()], page_size=3)
        runner.reset()
        customer = hub.register_customer(actor="x", kind="person", profile={"given_name": "Q"})
        cases: list[UUID] = []
        calls: list[UUID] = []
        for step, n in steps:
            attempt(hub, runner, step, n, customer, cases, calls)
        runner.catch_up()
        incremental = snapshot(views)

        runner.reset()
        runner.catch_up()
        assert snapshot(views) == incremental


def attempt(hub: Hub, runner: ProjectionRunner, step: str, n: int, customer: UUID,
            cases: list[UUID], calls: list[UUID]) -> None:
    """One random step; a step the case's state refuses records nothing and is skipped."""
    when = datetime.now(UTC) - timedelta(hours=n * 5)
    case = cases[n % len(cases)] if cases else None
    channels = ("phone", "ivr", "email", "call_centre")
    try:
        if step == "catch_up":
            runner.catch_up()
        elif step == "open":
            cases.append(hub.open_case(actor="x", customer_id=customer, channel=channels[n % 4],
                                       case_type="question", priority=("low", "urgent")[n % 2],
                                       subject="?", occurred_at=when))
        elif step == "call":
            calls.append(hub.record_interaction(actor="x", draft=InteractionDraft(
                customer_id=customer, channel=channels[n % 4], direction="inbound",
                department=("service", "sales")[n % 2], subject="Call", occurred_at=when)))
        elif step == "correct" and calls:
            hub.correct_interaction(actor="x", interaction_id=calls[n % len(calls)], reason="r",
                                    changes={"department": ("sales", "service")[n % 2]})
        elif case is None:
            return
        elif step == "assign":
            hub.assign_case(actor="x", case_id=case, assignee=f"agent{n % 2}")
        elif step == "escalate":
            hub.escalate_case(actor="x", case_id=case, reason="r")
        elif step == "comment":
            hub.comment_case(actor="x", case_id=case, text="t")
        elif step == "priority":
            hub.change_case_priority(actor="x", case_id=case, priority=("high", "normal")[n % 2])
        elif step == "resolve":
            hub.resolve_case(actor="x", case_id=case, resolution="done")
        elif step == "close":
            hub.close_case(actor="x", case_id=case)
        elif step == "reopen":
            hub.reopen_case(actor="x", case_id=case, reason="again")
    except (InvalidValueError, InvalidTransitionError):
        pass
