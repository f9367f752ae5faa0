"""The distribution rules: who is eligible for a lead, and who of them comes first."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from partners.routing import Criteria, Match, PartnerLoad, choose, eligible, match, offered, ranked

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)


def partner(number: int, **changes: object) -> PartnerLoad:
    terms: dict[str, object] = {
        "partner_id": UUID(int=number), "status": "active", "territories": ("DE", "AT"),
        "products": ("Routers",), "capacity": 5, **changes}
    return PartnerLoad(**terms)  # type: ignore[arg-type]


ROUTERS_DE = Criteria("DE", "routers", "Networking")


def test_a_partner_naming_the_product_comes_before_one_naming_its_category() -> None:
    by_category = partner(1, products=("networking",))
    by_product = partner(2, products=("ROUTERS", "switches"))

    assert ranked([by_category, by_product], ROUTERS_DE) == [by_product, by_category]
    assert match(by_category.products, ROUTERS_DE) is Match.CATEGORY
    assert match(by_product.products, ROUTERS_DE) is Match.PRODUCT
    assert match(("anything",), Criteria("DE")) is Match.ANY


def test_the_ineligible_are_left_out() -> None:
    candidates = [
        partner(1, status="suspended"), partner(2, territories=("FR",)),
        partner(3, products=("Laptops",)), partner(4, capacity=2, open_leads=2),
        partner(5, capacity=0), partner(6),
    ]
    assert choose(candidates, ROUTERS_DE, tried={UUID(int=6)}) is None
    assert choose(candidates, ROUTERS_DE) == partner(6)


def test_among_equals_the_least_recently_offered_then_the_smallest_id_comes_first() -> None:
    recent, earlier, never_b, never_a = (
        partner(1, last_offered_at=T0), partner(2, last_offered_at=T0 - timedelta(days=1)),
        partner(4), partner(3))

    assert ranked([recent, earlier, never_b, never_a], ROUTERS_DE) == [
        never_a, never_b, earlier, recent]


candidates = st.lists(st.builds(
    PartnerLoad,
    partner_id=st.integers(1, 50).map(lambda n: UUID(int=n)),
    status=st.sampled_from(["active", "suspended", "terminated"]),
    territories=st.lists(st.sampled_from(["DE", "AT", "FR"]), min_size=1, unique=True),
    products=st.lists(st.sampled_from(["Routers", "networking", "Laptops"]), min_size=1),
    capacity=st.integers(0, 3), open_leads=st.integers(0, 4),
    last_offered_at=st.none() | st.integers(0, 1000).map(lambda m: T0 + timedelta(minutes=m)),
), max_size=12)
criteria = st.builds(Criteria, territory=st.sampled_from(["DE", "AT", "FR"]),
                     product=st.none() | st.sampled_from(["routers", "laptops", "phones"]),
                     category=st.none() | st.just("Networking"))


@given(candidates, criteria, st.sets(st.integers(1, 50).map(lambda n: UUID(int=n))))
def test_the_rules_never_pick_an_ineligible_partner(
    pool: list[PartnerLoad], wanted: Criteria, tried: set[UUID]
) -> None:
    best = ranked(pool, wanted, tried)
    assert all(eligible(choice, wanted, tried) for choice in best)
    assert {c.partner_id for c in best} == {c.partner_id for c in pool
                                            if eligible(c, wanted, tried)}
    chosen = choose(pool, wanted, tried)
    assert chosen is None or eligible(chosen, wanted, tried)
    if chosen is not None and chosen.last_offered_at is not None:
        same_rank = [c for c in best if match(c.products, wanted) == match(chosen.products, wanted)]
        assert all(c.last_offered_at is not None and c.last_offered_at >= chosen.last_offered_at
                   for c in same_rank)


@given(st.integers(2, 6), st.integers(1, 60))
def test_round_robin_spreads_leads_evenly_across_equal_partners(partners: int, leads: int) -> None:
    pool = {p.partner_id: p for p in (partner(n, capacity=1000) for n in range(1, partners + 1))}
    counts: Counter[UUID] = Counter()
    for lead in range(leads):
        chosen = choose(pool.values(), ROUTERS_DE)
        assert chosen is not None
        counts[chosen.partner_id] += 1
        pool[chosen.partner_id] = offered(chosen, T0 + timedelta(minutes=lead))

    assert max(counts.values()) - min(counts.get(p, 0) for p in pool) <= 1
