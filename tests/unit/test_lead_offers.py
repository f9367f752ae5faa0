"""Lead distribution through the hub's commands: offers by hand and by the rules, answers,
time-outs, capacity, and bad input that changes nothing."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain import personal_data
from domain.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from partners.offers import LeadDistribution
from projections.prm_queries import due_offers
from tests.stories import events_since, records_nothing
from tests.unit.lead_offer_stories import SALES, THEN, Desk

Offered = LeadDistribution.Offered


def test_the_rules_offer_a_lead_to_the_best_match_and_record_how(desk: Desk) -> None:
    by_category = desk.partner("Net Wholesale", products=("Networking",))
    by_product = desk.partner("Router Shop", products=("routers",))
    desk.partner("Laptop Land", products=("Laptops",))
    desk.partner("Paris Routers", territories=("FR",))
    lead = desk.lead()
    before = desk.hub.position()

    offer_id = desk.distribute(lead, product="Routers", category="networking",
                               window=timedelta(hours=4))

    started, offered = events_since(desk.hub, before)
    assert isinstance(started, LeadDistribution.Started)
    assert isinstance(offered, Offered)
    assert (offered.offer_id, offered.partner_id, offered.method, offered.rule) == (
        offer_id, by_product, "rules", "product")
    assert (offered.territory, offered.product, offered.category, offered.source) == (
        "DE", "Routers", "networking", "web_form")
    assert offered.expires_at - offered.occurred_at == timedelta(hours=4)
    assert offered.actor == SALES
    assert desk.holder(lead) == by_product
    assert by_category != by_product


def test_a_rejection_moves_the_lead_on_and_the_last_one_returns_it(desk: Desk) -> None:
    partners = {desk.partner("A"), desk.partner("B")}
    lead = desk.lead(qualified=True)
    desk.distribute(lead)
    first = desk.holder(lead)
    assert first in partners
    (second,) = partners - {first}

    before = desk.hub.position()
    desk.reject(first, lead, "we do not serve Bavaria")
    rejected, offered = events_since(desk.hub, before)
    assert isinstance(rejected, LeadDistribution.Rejected)
    assert rejected.reason == "we do not serve Bavaria"
    assert (offered.partner_id, offered.rule) == (second, "product")
    # the next offer keeps the first one's acceptance window
    assert offered.expires_at - offered.occurred_at == timedelta(hours=48)

    desk.reject(second, lead)
    distribution = desk.hub.lead_distribution(lead)
    assert distribution is not None
    assert distribution.status == "returned"
    assert isinstance(events_since(desk.hub)[-1], LeadDistribution.Exhausted)
    assert [offer.status for offer in distribution.offers] == ["rejected", "rejected"]
    # distributing again finds nobody left who was not asked
    assert desk.distribute(lead) is None


def test_nobody_eligible_records_that_the_lead_stays_with_internal_sales(desk: Desk) -> None:
    desk.partner("Paris only", territories=("FR",))
    lead = desk.lead()

    assert desk.distribute(lead) is None

    (_, exhausted) = events_since(desk.hub, desk.hub.position() - 2)
    assert isinstance(exhausted, LeadDistribution.Exhausted)
    assert (exhausted.territory, exhausted.product) == ("DE", "routers")


def test_an_offer_times_out_and_moves_on_to_the_next_partner(desk: Desk) -> None:
    partners = {desk.partner("A", occurred_at=THEN), desk.partner("B", occurred_at=THEN)}
    lead = desk.lead(occurred_at=THEN)
    desk.distribute(lead, occurred_at=THEN)
    first = desk.holder(lead)
    (second,) = partners - {first}
    desk.runner.catch_up()
    assert due_offers(desk.views, THEN + timedelta(hours=47)) == []
    due = due_offers(desk.views, THEN + timedelta(hours=48))
    assert due == [lead]

    before = desk.hub.position()
    assert desk.hub.expire_lead_offers(actor="sweeper", due=due, candidates=desk.candidates()) == 1

    timed_out, offered = events_since(desk.hub, before)
    assert isinstance(timed_out, LeadDistribution.TimedOut)
    assert (timed_out.partner_id, offered.partner_id) == (first, second)
    # a second sweep with the same (stale) list changes nothing
    with records_nothing(desk.hub):
        assert desk.hub.expire_lead_offers(actor="sweeper", due=due, candidates=[]) == 0


def test_an_expired_offer_cannot_be_accepted_or_rejected(desk: Desk) -> None:
    partner = desk.partner("A", occurred_at=THEN)
    lead = desk.lead(occurred_at=THEN)
    desk.distribute(lead, occurred_at=THEN, window=timedelta(hours=1))

    with records_nothing(desk.hub):
        with pytest.raises(InvalidTransitionError, match="the offer expired at 20"):
            desk.accept(partner, lead)
        with pytest.raises(InvalidTransitionError, match="the offer expired at"):
            desk.reject(partner, lead)
    desk.accept(partner, lead, occurred_at=THEN + timedelta(minutes=59))
    assert desk.hub.lead_distribution(lead).owner == partner  # type: ignore[union-attr]


def test_a_partner_cannot_answer_for_a_lead_offered_to_another(desk: Desk) -> None:
    mine, theirs = desk.partner("Mine"), desk.partner("Theirs", territories=("FR",))
    lead = desk.lead()
    desk.distribute(lead)

    with records_nothing(desk.hub):
        for attempt in (lambda: desk.accept(theirs, lead), lambda: desk.reject(theirs, lead),
                        lambda: desk.accept(theirs, uuid4()),
                        lambda: desk.hub.partner_lead(theirs, lead)):
            with pytest.raises(NotFoundError, match="lead"):
                attempt()
    desk.accept(mine, lead)
    with records_nothing(desk.hub), pytest.raises(InvalidTransitionError, match="accepted"):
        desk.accept(mine, lead)
    assert desk.hub.partner_lead(mine, lead).offer.status == "accepted"


def test_capacity_counts_open_offers_and_held_leads_until_they_close(desk: Desk) -> None:
    small = desk.partner("Small", capacity=1)
    big = desk.partner("Big", capacity=10)
    leads = [desk.lead(f"Lead{n}", qualified=True) for n in range(3)]

    desk.distribute(leads[0])
    desk.accept(desk.holder(leads[0]), leads[0])  # type: ignore[arg-type]
    desk.distribute(leads[1])
    desk.distribute(leads[2])
    holders = [desk.holder(lead) for lead in leads]
    assert holders.count(small) == 1 and holders.count(big) == 2

    held = leads[holders.index(small)]
    if desk.hub.lead_distribution(held).owner != small:  # type: ignore[union-attr]
        desk.accept(small, held)
    desk.hub.convert_lead(actor=SALES, lead_id=held, opportunity_name="Deal", amount="10",
                          currency="EUR", expected_close_date="2030-01-01")
    (freed,) = [c for c in desk.candidates() if c.partner_id == small]
    assert freed.open_leads == 0


def test_round_robin_spreads_leads_across_equal_partners(desk: Desk) -> None:
    partners = [desk.partner(name) for name in "ABC"]
    holders = [desk.holder(lead) for lead in [desk.lead(f"L{n}") for n in range(6)]
               if desk.distribute(lead)]

    assert sorted(holders.count(p) for p in partners) == [2, 2, 2]


def test_staff_withdraw_an_open_offer_and_recall_an_accepted_lead(desk: Desk) -> None:
    partner = desk.partner("A")
    lead = desk.lead()
    desk.hub.offer_lead(actor=SALES, lead_id=lead, partner_id=partner)
    desk.hub.withdraw_lead_offer(actor=SALES, lead_id=lead, reason="customer called back")
    assert desk.holder(lead) is None
    desk.hub.offer_lead(actor=SALES, lead_id=lead, partner_id=partner, territory="DE")
    desk.accept(partner, lead)
    desk.hub.recall_lead(actor=SALES, lead_id=lead, reason="no contact in two weeks")

    distribution = desk.hub.lead_distribution(lead)
    assert [o.status for o in distribution.offers] == ["withdrawn", "recalled"]  # type: ignore[union-attr]
    assert distribution.owner is None  # type: ignore[union-attr]


def test_bad_offers_are_refused_and_record_nothing(desk: Desk) -> None:
    partner = desk.partner("A")
    suspended = desk.partner("B")
    desk.hub.suspend_partner(actor="admin", partner_id=suspended, reason="audit")
    lead, converted = desk.lead(), desk.lead("Grace", qualified=True)
    desk.hub.convert_lead(actor=SALES, lead_id=converted, opportunity_name="Deal", amount="10",
                          currency="EUR", expected_close_date="2030-01-01")
    offer = desk.hub.offer_lead

    with records_nothing(desk.hub):
        for attempt, error, text in (
            (lambda: offer(actor=SALES, lead_id=uuid4(), partner_id=partner), NotFoundError, "lead"),
            (lambda: offer(actor=SALES, lead_id=lead, partner_id=uuid4()), NotFoundError, "partner"),
            (lambda: offer(actor=SALES, lead_id="x", partner_id=partner), InvalidValueError, "leadId"),
            (lambda: offer(actor=SALES, lead_id=converted, partner_id=partner),
             InvalidTransitionError, "converted"),
            (lambda: offer(actor=SALES, lead_id=lead, partner_id=suspended),
             InvalidTransitionError, "suspended"),
            (lambda: offer(actor=SALES, lead_id=lead, partner_id=partner, territory="FR"),
             InvalidValueError, "does not serve FR"),
            (lambda: offer(actor=SALES, lead_id=lead, partner_id=partner, territory="UK"),
             InvalidValueError, "territory"),
            (lambda: offer(actor=SALES, lead_id=lead, partner_id=partner, product="Routers"),
             InvalidValueError, "territory"),
            (lambda: offer(actor=SALES, lead_id=lead, partner_id=partner, window=timedelta(0)),
             InvalidValueError, "windowSeconds"),
            (lambda: offer(actor=SALES, lead_id=lead, partner_id=partner,
                           window=timedelta(days=91)), InvalidValueError, "windowSeconds"),
            (lambda: desk.distribute(lead, territory="XX"), InvalidValueError, "territory"),
            (lambda: desk.distribute(lead, territory="FR", window=timedelta(seconds=-1)),
             InvalidValueError, "windowSeconds"),
            (lambda: desk.distribute(lead, product=" "), InvalidValueError, "product"),
            (lambda: desk.distribute(converted), InvalidTransitionError, "converted"),
            (lambda: desk.hub.withdraw_lead_offer(actor=SALES, lead_id=lead),
             InvalidTransitionError, "never offered"),
        ):
            with pytest.raises(error, match=text):
                attempt()

    desk.hub.offer_lead(actor=SALES, lead_id=lead, partner_id=partner)
    with records_nothing(desk.hub):
        with pytest.raises(InvalidTransitionError, match="already offered"):
            desk.distribute(lead)
        with pytest.raises(InvalidValueError, match="reason"):
            desk.reject(partner, lead, reason=" ")
        with pytest.raises(InvalidTransitionError, match="not held"):
            desk.hub.recall_lead(actor=SALES, lead_id=lead)


def test_a_manual_offer_without_criteria_returns_to_sales_when_rejected(desk: Desk) -> None:
    partner = desk.partner("A")
    desk.partner("B")
    lead = desk.lead()
    desk.hub.offer_lead(actor=SALES, lead_id=lead, partner_id=partner)
    desk.reject(partner, lead)

    assert isinstance(events_since(desk.hub)[-1], LeadDistribution.Exhausted)
    assert desk.holder(lead) is None


def test_a_rejection_reason_is_personal_data_of_the_lead() -> None:
    for event in (LeadDistribution.Rejected, LeadDistribution.Withdrawn,
                  LeadDistribution.Recalled):
        assert personal_data.PERSONAL_DATA[event] == personal_data.PersonalFields(
            "lead_id", ("reason",))
    assert Offered in personal_data.NO_PERSONAL_DATA


def test_the_distribution_of_a_lead_never_offered_is_none(desk: Desk) -> None:
    assert desk.hub.lead_distribution(desk.lead()) is None
    with pytest.raises(NotFoundError):
        desk.hub.lead_distribution(UUID(int=7))
