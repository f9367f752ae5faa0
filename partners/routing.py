"""Which partner gets a lead: the distribution rules, as pure functions.

A partner is *eligible* for a lead when it is active, serves the lead's territory (an
ISO country), serves its product (the product itself, or the product's category; names
compared ignoring case), has room (its open leads, accepted and not yet converted or
disqualified, plus the offers it has not answered yet, are fewer than its capacity), and
was not offered this lead before.

Among the eligible, the best match comes first: a partner that names the product over one
that names only its category, over (when the lead names no product) any partner of the
territory. Among equals it is round-robin: the partner offered a lead least recently
(never is earliest), then the smallest id, so the choice is deterministic.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.values import Vocabulary

ACTIVE = "active"


class Match(Vocabulary):
    """How well a partner's products match what a lead is about."""

    PRODUCT = "product"
    CATEGORY = "category"
    ANY = "any"


_RANK = {Match.PRODUCT: 0, Match.CATEGORY: 1, Match.ANY: 2}


@dataclass(frozen=True)
class Criteria:
    """What a lead is about: a country, and optionally a product and its category."""

    territory: str
    product: str | None = None
    category: str | None = None


class Candidate(Protocol):
    """A partner as the rules see it: its terms and its current load."""

    @property
    def partner_id(self) -> UUID: ...
    @property
    def status(self) -> str: ...
    @property
    def territories(self) -> Sequence[str]: ...
    @property
    def products(self) -> Sequence[str]: ...
    @property
    def capacity(self) -> int: ...
    @property
    def open_leads(self) -> int: ...
    @property
    def last_offered_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class PartnerLoad:
    """A plain `Candidate` (the rules' tests, and a command's running tally)."""

    partner_id: UUID
    status: str
    territories: Sequence[str]
    products: Sequence[str]
    capacity: int
    open_leads: int = 0
    last_offered_at: datetime | None = None


def match(products: Iterable[str], criteria: Criteria) -> Match | None:
    """How `products` match the criteria's product; None: they do not serve it."""
    if criteria.product is None:
        return Match.ANY
    served = {product.casefold() for product in products}
    if criteria.product.casefold() in served:
        return Match.PRODUCT
    if criteria.category is not None and criteria.category.casefold() in served:
        return Match.CATEGORY
    return None


def serves(territories: Collection[str], products: Iterable[str], criteria: Criteria) -> bool:
    """Whether a partner's terms cover the lead (territory and product), load aside."""
    return criteria.territory in territories and match(products, criteria) is not None


def eligible(candidate: Candidate, criteria: Criteria, tried: Collection[UUID]) -> bool:
    return (candidate.status == ACTIVE
            and serves(candidate.territories, candidate.products, criteria)
            and candidate.open_leads < candidate.capacity
            and candidate.partner_id not in tried)


def ranked(candidates: Iterable[Candidate], criteria: Criteria,
           tried: Collection[UUID] = ()) -> list[Candidate]:
    """The eligible candidates, best first (see the module's rules)."""
    chosen = [c for c in candidates if eligible(c, criteria, tried)]

    def key(c: Candidate) -> tuple[int, float, str]:
        offered = c.last_offered_at
        # Never offered sorts first; then the least recently offered.
        when = float("-inf") if offered is None else offered.timestamp()
        return (_RANK[match(c.products, criteria) or Match.ANY], when, str(c.partner_id))

    return sorted(chosen, key=key)


def choose(candidates: Iterable[Candidate], criteria: Criteria,
           tried: Collection[UUID] = ()) -> Candidate | None:
    """The partner the rules offer the lead to next, or None: nobody is eligible."""
    best = ranked(candidates, criteria, tried)
    return best[0] if best else None


def _load(candidate: Candidate) -> PartnerLoad:
    if isinstance(candidate, PartnerLoad):
        return candidate
    return PartnerLoad(
        partner_id=candidate.partner_id, status=candidate.status,
        territories=tuple(candidate.territories), products=tuple(candidate.products),
        capacity=candidate.capacity, open_leads=candidate.open_leads,
        last_offered_at=candidate.last_offered_at)


def offered(candidate: Candidate, at: datetime) -> PartnerLoad:
    """The candidate after it was offered one more lead at `at`."""
    load = _load(candidate)
    return replace(load, open_leads=load.open_leads + 1, last_offered_at=at)


def released(candidate: Candidate) -> PartnerLoad:
    """The candidate after an offer to it ended unaccepted."""
    load = _load(candidate)
    return replace(load, open_leads=max(load.open_leads - 1, 0))
