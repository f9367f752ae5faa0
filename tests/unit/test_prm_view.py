"""The PRM view: known answers for a partner's offers and figures, bad input, and
projecting incrementally equals a rebuild."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import InvalidTransitionError, InvalidValueError
from projections.prm import PrmView
from projections.prm_queries import (
    due_offers,
    lead_offers,
    partner_candidates,
    partner_figures,
    partner_offers,
)
from projections.runner import ProjectionRunner
from tests.stories import opened_store, tables
from tests.unit.lead_offer_stories import SALES, THEN, Desk

T = THEN
HOUR = timedelta(hours=1)


@dataclass
class Story:
    a: UUID
    b: UUID
    leads: list[UUID]


def given_a_week_of_offers(desk: Desk, after_each: Callable[[], object] = lambda: None) -> Story:
    """Partner A accepts lead 0 after an hour, rejects lead 1 after two (it goes on to B),
    lets lead 2 lapse; a sweep today times out B's offer of lead 1 (nobody is left: lead 1
    returns to sales) and A's of lead 2 (it goes on to B); lead 0 is converted."""
    hub = desk.hub
    a = desk.partner("A", occurred_at=T)
    b = desk.partner("B", products=("networking",), occurred_at=T)
    leads = [desk.lead(f"L{n}", qualified=True, occurred_at=T) for n in range(3)]
    after_each()
    for n, lead in enumerate(leads):
        hub.offer_lead(actor=SALES, lead_id=lead, partner_id=a, territory="DE", product="routers",
                       category="networking", window=HOUR if n == 2 else 4 * HOUR,
                       occurred_at=T + n * timedelta(minutes=10))
        after_each()
    desk.accept(a, leads[0], occurred_at=T + HOUR)
    after_each()
    desk.reject(a, leads[1], "not our region", occurred_at=T + timedelta(minutes=130))
    after_each()
    desk.runner.catch_up()
    hub.expire_lead_offers(actor="sweeper", due=due_offers(desk.views, datetime.now(UTC)),
                           candidates=desk.candidates())
    after_each()
    hub.convert_lead(actor=SALES, lead_id=leads[0], opportunity_name="Deal", amount="100",
                     currency="EUR", expected_close_date="2030-01-01")
    after_each()
    return Story(a=a, b=b, leads=leads)


def test_a_partners_figures_know_the_answers(desk: Desk) -> None:
    story = given_a_week_of_offers(desk)
    desk.runner.catch_up()
    end = datetime.now(UTC) + HOUR

    a = partner_figures(desk.views, story.a, T, end)
    assert (a.offered, a.accepted, a.rejected, a.timed_out, a.converted) == (3, 1, 1, 1, 1)
    assert a.acceptance_rate == pytest.approx(1 / 3)
    assert a.median_response_seconds == pytest.approx(5400)
    assert a.p90_response_seconds == pytest.approx(3600 + 0.9 * 3600)

    b = partner_figures(desk.views, story.b, T, end)
    assert (b.offered, b.accepted, b.rejected, b.timed_out, b.converted) == (2, 0, 0, 1, 0)
    assert (b.acceptance_rate, b.median_response_seconds) == (0, None)

    # only what happened in the period counts
    early = partner_figures(desk.views, story.a, T, T + timedelta(minutes=90))
    assert (early.offered, early.accepted, early.rejected, early.converted) == (3, 1, 0, 0)


def test_a_partners_offers_are_listed_newest_first_by_page(desk: Desk) -> None:
    story = given_a_week_of_offers(desk)
    desk.runner.catch_up()

    first = partner_offers(desk.views, story.a, first=2)
    assert [o.lead_id for _, o in first.items] == [story.leads[2], story.leads[1]]
    assert [o.status for _, o in first.items] == ["timed_out", "rejected"]
    assert first.has_next_page
    rest = partner_offers(desk.views, story.a, first=2, after=first.end_cursor)
    ((_, accepted),) = rest.items
    assert (accepted.lead_id, accepted.status, accepted.outcome) == (
        story.leads[0], "accepted", "converted")
    assert accepted.answered_at == T + HOUR
    assert (accepted.territory, accepted.product, accepted.method) == ("DE", "routers", "manual")
    assert not rest.has_next_page

    held = partner_offers(desk.views, story.b, statuses=["offered", "accepted"], first=10)
    assert [(o.lead_id, o.rule, o.method) for _, o in held.items] == [
        (story.leads[2], "category", "rules")]
    assert lead_offers(desk.views, story.leads[1])[-1].status == "timed_out"
    assert [o.partner_id for o in lead_offers(desk.views, story.leads[1])] == [story.a, story.b]


def test_candidates_carry_each_partners_load(desk: Desk) -> None:
    story = given_a_week_of_offers(desk)
    desk.runner.catch_up()

    loads = {c.partner_id: c for c in partner_candidates(desk.views)}
    # A held lead 0, converted: nothing open; B has one unanswered offer (lead 2).
    assert (loads[story.a].open_leads, loads[story.b].open_leads) == (0, 1)
    assert loads[story.a].last_offered_at == T + timedelta(minutes=20)
    assert loads[story.b].products == ("networking",)
    assert partner_candidates(desk.views, territory="FR") == []
    desk.hub.suspend_partner(actor="admin", partner_id=story.b, reason="audit")
    assert [c.partner_id for c in desk.candidates()] == [story.a]


@pytest.mark.parametrize(("query", "field"), [
    (lambda v: partner_offers(v, UUID(int=1), first=0), "first"),
    (lambda v: partner_offers(v, UUID(int=1), first=5, after="bm9wZQ=="), "after"),
    (lambda v: partner_offers(v, UUID(int=1), first=5, statuses=["won"]), "status"),
    (lambda v: partner_figures(v, UUID(int=1), T, T), "end"),
    (lambda v: partner_figures(v, UUID(int=1), datetime(2025, 1, 1), T), "start"),
])
def test_bad_input_is_refused_naming_the_field(desk: Desk, query, field) -> None:
    with pytest.raises(InvalidValueError) as refused:
        query(desk.views)
    assert refused.value.field == field


def test_the_story_projected_between_commands_equals_a_rebuild(desk: Desk) -> None:
    given_a_week_of_offers(desk, after_each=desk.runner.catch_up)
    desk.hub.suspend_partner(actor="admin", partner_id=partner_candidates(desk.views)[0].partner_id,
                             reason="audit")
    desk.runner.catch_up()
    names = list(PrmView.tables)
    incremental = tables(desk.views, names)
    assert len(incremental["view_prm_offers"]) == 5

    desk.runner.reset()
    assert desk.runner.catch_up() == desk.hub.position()
    assert tables(desk.views, names) == incremental


STEPS = st.lists(st.tuples(
    st.sampled_from(["partner", "suspend", "capacity", "lead", "qualify", "distribute", "offer",
                     "lapse", "accept", "reject", "expire", "convert", "disqualify", "recall",
                     "withdraw", "catch_up"]),
    st.integers(min_value=0, max_value=7)), min_size=1, max_size=30)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_history_projected_incrementally_equals_a_rebuild(database_url, steps) -> None:
    with opened_store(database_url) as (hub, views):
        runner = ProjectionRunner(hub, views, [PrmView()], page_size=3)
        runner.reset()
        desk = Desk(hub=hub, views=views, runner=runner)  # type: ignore[arg-type]
        partners: list[UUID] = [desk.partner("P0")]
        leads: list[UUID] = [desk.lead("L0")]
        for step, n in steps:
            attempt(desk, step, n, partners, leads)
        runner.catch_up()
        incremental = tables(views, list(PrmView.tables))

        runner.reset()
        runner.catch_up()
        assert tables(views, list(PrmView.tables)) == incremental
        for lead in leads:
            distribution = hub.lead_distribution(lead)
            ruled = [o.partner_id for o in distribution.offers if o.method == "rules"] \
                if distribution else []
            assert len(ruled) == len(set(ruled)), "the rules offered a lead twice to a partner"


def attempt(desk: Desk, step: str, n: int, partners: list[UUID], leads: list[UUID]) -> None:
    """One random step; a step the state refuses records nothing and is skipped."""
    hub = desk.hub
    partner, lead = partners[n % len(partners)], leads[n % len(leads)]
    holder = desk.holder(lead)
    try:
        if step == "catch_up":
            desk.runner.catch_up()
        elif step == "partner":
            partners.append(desk.partner(f"P{len(partners)}", capacity=n % 3,
                                         products=(("Routers",), ("networking",))[n % 2]))
        elif step == "suspend":
            hub.suspend_partner(actor="admin", partner_id=partner, reason="audit")
        elif step == "capacity":
            hub.update_partner(actor="admin", partner_id=partner, capacity=n, territories=["DE"])
        elif step == "lead":
            leads.append(desk.lead(f"L{len(leads)}"))
        elif step == "qualify":
            hub.qualify_lead(actor=SALES, lead_id=lead)
        elif step == "distribute":
            desk.distribute(lead, product=(None, "routers")[n % 2], category="Networking")
        elif step == "offer":
            hub.offer_lead(actor=SALES, lead_id=lead, partner_id=partner, territory="DE")
        elif step == "lapse":  # an offer made long ago, past its window now
            hub.distribute_lead(actor=SALES, lead_id=lead, territory="DE",
                                candidates=desk.candidates(), window=HOUR,
                                occurred_at=datetime.now(UTC) - (n + 2) * HOUR)
        elif step == "expire":
            desk.runner.catch_up()
            hub.expire_lead_offers(actor="sweeper", due=due_offers(desk.views, datetime.now(UTC)),
                                   candidates=desk.candidates())
        elif holder is None:
            return
        elif step == "accept":
            desk.accept(holder, lead)
        elif step == "reject":
            desk.reject(holder, lead)
        elif step == "convert":
            hub.convert_lead(actor=SALES, lead_id=lead, opportunity_name="Deal", amount="5",
                             currency="EUR", expected_close_date="2030-01-01")
        elif step == "disqualify":
            hub.disqualify_lead(actor=SALES, lead_id=lead, reason="no budget")
        elif step == "recall":
            hub.recall_lead(actor=SALES, lead_id=lead)
        elif step == "withdraw":
            hub.withdraw_lead_offer(actor=SALES, lead_id=lead)
    except (InvalidValueError, InvalidTransitionError):
        pass
