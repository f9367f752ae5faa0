"""The PRM deals view: known answers on a hand-made first quarter of 2024, bad input
refused, and projecting incrementally equals a rebuild.

The story, through the hub's commands with backdated business times: partners A and B;
Globex is known to both, Initech to A. Sales opens an opportunity for Globex in January;
A registers a deal for Initech (won in February) and one for Globex (flagged, later kept);
B registers one for Globex (flagged against both, later rejected); in March A registers
another for Initech (lost) and one for a lead it accepted, which sales then converts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.store import CrmHub
from domain.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from projections.database import ViewDatabase
from projections.prm_deals import (
    DealFigures,
    PrmDealsView,
    conflict_candidates,
    deal_figures,
    deal_registrations,
    open_deals_for,
    partner_deal_ids,
    partner_deals,
)
from projections.runner import ProjectionRunner
from projections.sales import SalesView
from tests.stories import opened_store, tables
from tests.unit.deal_stories import (
    NEXT_MONTH,
    PURPOSE,
    SALES,
    a_customer,
    a_partner,
    actor,
    consent_for,
)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


JAN, FEB, APR = at(1, 1, 0), at(2, 1, 0), at(4, 1, 0)
CLOSE = date(2024, 6, 30)


@dataclass
class Quarter:
    a: UUID
    b: UUID
    globex: UUID
    initech: UUID
    opportunity: UUID
    deals: dict[str, UUID]
    lead: UUID
    converted: Any = None


def given_a_quarter(hub: CrmHub, after_each: Callable[[], object] = lambda: None,
                    midway: Callable[[Quarter], object] = lambda q: None) -> Quarter:
    def then(command: Callable[..., Any], when: datetime, **kwargs: Any) -> Any:
        result = command(occurred_at=when, **kwargs)
        after_each()
        return result

    a = then(hub.register_partner, JAN, actor="admin", name="A", kind="reseller",
             territories=["SE"], products=["routers"], capacity=5)
    b = then(hub.register_partner, JAN, actor="admin", name="B", kind="vendor",
             territories=["DE"], products=["routers"], capacity=5)
    globex, initech = (then(hub.register_customer, JAN, actor=SALES, kind="organisation",
                            profile={"company_name": name}) for name in ("Globex", "Initech"))
    for customer, partner in ((globex, a), (globex, b), (initech, a)):
        then(hub.grant_consent, JAN, actor=SALES, customer_id=customer, recipient="partner",
             partner_id=partner, purpose=PURPOSE, categories=["user.name"], channel="web",
             notice_version="v1")
    opportunity = then(hub.open_opportunity, at(1, 10), actor=SALES, customer_id=globex,
                       name="Internal", amount="900", currency="EUR", expected_close_date=CLOSE)

    def register(partner: UUID, when: datetime, **details: Any) -> UUID:
        return then(hub.register_deal, when, actor=actor(partner), partner_id=partner,
                    name="Deal", expected_close_date=CLOSE, purpose=PURPOSE, **details)

    def move(command: Callable[..., Any], partner: UUID, deal: UUID, when: datetime,
             **kwargs: Any) -> None:
        then(command, when, actor=actor(partner), partner_id=partner, deal_id=deal, **kwargs)

    deals = {"a1": register(a, at(1, 15), customer_id=initech, amount="1000", currency="EUR")}
    deals["a2"] = register(a, FEB, customer_id=globex, amount="2000", currency="EUR",
                           conflicts=[opportunity])
    deals["b1"] = register(b, at(2, 5), customer_id=globex, amount="500", currency="USD",
                           stage="proposal", conflicts=[opportunity, deals["a2"]])
    move(hub.advance_deal, a, deals["a1"], at(2, 10), stage="negotiation")
    move(hub.close_deal, a, deals["a1"], at(2, 20), outcome="won")
    story = Quarter(a, b, globex, initech, opportunity, deals, lead=UUID(int=0))
    midway(story)
    then(hub.resolve_deal_conflict, at(3, 1), actor=SALES, deal_id=deals["a2"],
         resolution="keep", note="separate project")
    then(hub.resolve_deal_conflict, at(3, 2), actor=SALES, deal_id=deals["b1"],
         resolution="reject", note="A registered first")
    deals["a3"] = register(a, at(3, 5), customer_id=initech, amount="300", currency="USD")
    move(hub.close_deal, a, deals["a3"], at(3, 10), outcome="lost", reason="no budget")
    story.lead = then(hub.capture_lead, at(3, 11), actor=SALES, source="partner",
                      channel="partner", given_name="Ada", email="ada@example.org")
    then(hub.offer_lead, at(3, 11, 11), actor=SALES, lead_id=story.lead, partner_id=a)
    then(hub.accept_lead_offer, at(3, 11, 12), actor=actor(a), partner_id=a, lead_id=story.lead)
    deals["a4"] = register(a, at(3, 12), lead_id=story.lead, amount="700", currency="EUR")
    then(hub.qualify_lead, at(3, 15), actor=SALES, lead_id=story.lead)
    story.converted = then(hub.convert_lead, at(3, 15, 11), actor=SALES, lead_id=story.lead,
                           opportunity_name="Engines", amount="10", currency="EUR",
                           expected_close_date=CLOSE)
    return story


@pytest.fixture
def runner(hub: CrmHub, views: ViewDatabase) -> ProjectionRunner:
    runner = ProjectionRunner(hub, views, [PrmDealsView(), SalesView()], page_size=5)
    runner.setup()
    return runner


def ids(page: Any) -> list[str]:
    return [deal.deal_id for _, deal in page.items]


# -- known answers ---------------------------------------------------------------------------


def test_the_deal_lists_know_the_answers(hub, runner, views):
    seen: dict[str, Any] = {}

    def midway(q: Quarter) -> None:
        runner.catch_up()
        seen["flagged"] = ids(deal_registrations(views, conflicted=True))

    q = given_a_quarter(hub, midway=midway)
    runner.catch_up()
    d = {name: str(deal) for name, deal in q.deals.items()}

    assert seen["flagged"] == [d["b1"], d["a2"]]
    assert ids(deal_registrations(views, conflicted=True)) == []
    assert ids(deal_registrations(views, conflicted=False)) == [
        d["a4"], d["a3"], d["b1"], d["a2"], d["a1"]]
    assert ids(deal_registrations(views, partner_id=q.b)) == [d["b1"]]
    assert ids(partner_deals(views, q.a)) == [d["a4"], d["a3"], d["a2"], d["a1"]]
    assert ids(partner_deals(views, q.a, status="open")) == [d["a4"], d["a2"]]
    assert ids(partner_deals(views, q.b, status="rejected")) == [d["b1"]]
    first = partner_deals(views, q.a, first=3)
    assert first.has_next_page and ids(first) == [d["a4"], d["a3"], d["a2"]]
    rest = partner_deals(views, q.a, first=3, after=first.end_cursor)
    assert (ids(rest), rest.has_next_page) == ([d["a1"]], False)

    (b1,) = (deal for _, deal in deal_registrations(views, partner_id=q.b).items)
    assert (b1.status, b1.stage, b1.conflict, b1.customer_id, b1.lead_id) == (
        "rejected", "proposal", "rejected", str(q.globex), None)
    assert (b1.amount, b1.currency, b1.probability) == (Decimal("500.00"), "USD", Decimal("0.00"))
    assert b1.conflicts == sorted([str(q.opportunity), d["a2"]])
    assert (b1.registered_at, b1.closed_at, b1.resolved_at) == (
        "2024-02-05T10:00:00.000000Z", "2024-03-02T10:00:00.000000Z", "2024-03-02T10:00:00.000000Z")
    (a4,) = (deal for _, deal in partner_deals(views, q.a, first=1).items)
    assert (a4.lead_id, a4.customer_id, a4.expected_close_date, a4.conflict) == (
        str(q.lead), None, "2024-06-30", "none")


def test_the_figures_and_the_conflict_candidates_know_the_answers(hub, runner, views):
    q = given_a_quarter(hub)
    runner.catch_up()
    d = {name: str(deal) for name, deal in q.deals.items()}

    assert deal_figures(views, q.a, FEB, APR) == DealFigures(
        start="2024-02-01T00:00:00.000000Z", end="2024-04-01T00:00:00.000000Z",
        registered=3, open=2, won=1, lost=1, rejected=0,
        won_revenue=[(Decimal("1000.00"), "EUR")], pipeline=[(Decimal("2700.00"), "EUR")])
    figures = deal_figures(views, q.b, JAN, APR)
    assert (figures.registered, figures.open, figures.rejected, figures.pipeline) == (1, 0, 1, [])
    assert deal_figures(views, q.a, JAN, FEB).registered == 1

    assert open_deals_for(views, customer_id=q.globex) == [d["a2"]]
    assert open_deals_for(views, customer_id=q.initech) == []
    assert conflict_candidates(views, customer_id=q.globex) == [str(q.opportunity), d["a2"]]
    customer = q.converted.customer_id
    assert open_deals_for(views, customer_id=customer) == [d["a4"]]
    assert conflict_candidates(views, lead_id=q.lead) == [
        str(q.converted.opportunity_id), d["a4"]]
    assert partner_deal_ids(views, q.a, q.initech) == [d["a1"], d["a3"]]
    assert partner_deal_ids(views, q.b, q.initech) == []


@pytest.mark.parametrize(("query", "field"), [
    (lambda v: partner_deals(v, "p", first=0), "first"),
    (lambda v: partner_deals(v, "p", status="pending"), "status"),
    (lambda v: partner_deals(v, "p", after="bm90IGEgY3Vyc29y"), "after"),
    (lambda v: deal_registrations(v, first=201), "first"),
    (lambda v: deal_figures(v, "p", APR, FEB), "end"),
    (lambda v: deal_figures(v, "p", datetime(2024, 1, 1), FEB), "start"),
])
def test_bad_input_is_refused_naming_the_field(views, runner, query, field):
    with pytest.raises(InvalidValueError) as refused:
        query(views)
    assert refused.value.field == field


def test_a_cursor_of_one_list_is_refused_by_the_other(hub, runner, views):
    q = given_a_quarter(hub)
    runner.catch_up()
    cursor = partner_deals(views, q.a, first=1).end_cursor
    with pytest.raises(InvalidValueError):
        deal_registrations(views, after=cursor)


# -- incremental equals rebuild -----------------------------------------------------------------


def test_the_story_projected_between_commands_equals_a_rebuild(hub, runner, views):
    given_a_quarter(hub, after_each=runner.catch_up)
    incremental = tables(views, PrmDealsView.tables)
    assert len(incremental["view_prm_deals"]) == 5
    assert len(incremental["view_prm_deal_conflicts"]) == 3
    assert len(incremental["view_prm_converted_leads"]) == 1

    runner.reset()
    assert runner.catch_up() == hub.position()
    assert tables(views, PrmDealsView.tables) == incremental


def test_a_page_of_events_it_cares_nothing_about_moves_it_on(hub, runner, views):
    hub.register_customer(actor=SALES, kind="person", profile={"given_name": "Q"},
                          occurred_at=datetime.now(UTC) - timedelta(days=1))
    assert runner.catch_up() == hub.position()
    assert tables(views, PrmDealsView.tables)["view_prm_deals"] == []


STEPS = st.lists(st.tuples(
    st.sampled_from(["register", "register_flagged", "advance", "win", "lose", "keep", "reject",
                     "opportunity", "catch_up"]),
    st.integers(min_value=0, max_value=5)), min_size=1, max_size=25)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_history_projected_incrementally_equals_a_rebuild(database_url, steps):
    with opened_store(database_url) as (hub, views):
        runner = ProjectionRunner(hub, views, [PrmDealsView()], page_size=3)
        runner.reset()
        partners = [a_partner(hub, name) for name in ("A", "B")]
        customers = [a_customer(hub, name) for name in ("Globex", "Initech")]
        for customer in customers:
            for partner in partners:
                consent_for(hub, customer, partner)
        things: list[UUID] = []
        for step, n in steps:
            attempt(hub, runner, step, n, partners, customers, things)
        runner.catch_up()
        incremental = tables(views, PrmDealsView.tables)

        runner.reset()
        runner.catch_up()
        assert tables(views, PrmDealsView.tables) == incremental


def attempt(hub: CrmHub, runner: ProjectionRunner, step: str, n: int, partners: list[UUID],
            customers: list[UUID], things: list[UUID]) -> None:
    """One random step; a step the deal's state refuses records nothing and is skipped."""
    partner, customer = partners[n % 2], customers[n // 3 % 2]
    thing = things[n % len(things)] if things else None
    me = {"actor": actor(partner), "partner_id": partner}
    try:
        if step == "catch_up":
            runner.catch_up()
        elif step == "opportunity":
            things.append(hub.open_opportunity(actor=SALES, customer_id=customer, name="O",
                                               amount="5", currency="EUR",
                                               expected_close_date=NEXT_MONTH))
        elif step.startswith("register"):
            things.append(hub.register_deal(
                **me, customer_id=customer, name="D", amount=f"{n + 1}0",
                currency=("EUR", "USD")[n % 2], expected_close_date=NEXT_MONTH, purpose=PURPOSE,
                conflicts=list(things) if step == "register_flagged" else []))
        elif thing is None:
            return
        elif step == "advance":
            hub.advance_deal(**me, deal_id=thing, stage=("qualification", "negotiation")[n % 2])
        elif step in ("win", "lose"):
            hub.close_deal(**me, deal_id=thing, outcome=step.replace("win", "won").replace(
                "lose", "lost"), reason="r")
        elif step in ("keep", "reject"):
            hub.resolve_deal_conflict(actor=SALES, deal_id=thing, resolution=step, note="n")
    except (InvalidValueError, InvalidTransitionError, NotFoundError):
        pass
