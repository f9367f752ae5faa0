"""Lead distribution: a lead offered to partners, one at a time, until one accepts.

One `LeadDistribution` per lead, its id derived from the lead's (`create_id`), so two
first offers made at once collide on it. Every step is an event:

- `Offered`: to one partner, by hand (`manual`) or by the rules (`rules`, with the rule
  that matched: `product`, `category` or `any`), with what the lead is about (territory,
  product, category) and the time the offer lapses (`expires_at`).
- `Accepted`: the partner owns the lead now. `Rejected` (with the partner's reason) and
  `TimedOut` (nobody answered in time) end the offer; the commands then offer the lead
  to the next eligible partner at once (`partners.routing`), or, when there is none,
  record `Exhausted`: the lead is back with internal sales.
- `Withdrawn` (staff take back an open offer) and `Recalled` (staff take back a lead a
  partner accepted but does not work): the lead is back with internal sales.

There is at most one open offer at a time, and a lead accepted by a partner is offered to
nobody else until it is recalled. After `expires_at` the offer can no longer be accepted
or rejected: it waits for the sweep that records its time-out.

Offers are not personal data of the lead: ids, countries, products, times. The reasons of
a rejection, a withdrawal or a recall are free text about the lead (a person), so they
are marked as the lead's personal data and erased with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import ClassVar, cast
from uuid import UUID, uuid4, uuid5

from domain import personal_data
from domain.base import CrmAggregate, clean_text, now, require, required_text
from domain.errors import InvalidTransitionError, NotFoundError
from domain.values import Vocabulary
from partners.routing import Criteria

REASON_MAX = 500
#: The longest acceptance window an offer may have.
WINDOW_MAX = timedelta(days=90)


class OfferStatus(Vocabulary):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TIMED_OUT = "timed_out"
    WITHDRAWN = "withdrawn"
    RECALLED = "recalled"


class Distribution(Vocabulary):
    """Where a lead stands: offered to a partner, accepted by one, or with internal sales."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class OfferMethod(Vocabulary):
    MANUAL = "manual"
    RULES = "rules"


@dataclass(frozen=True)
class Offer:
    """One offer of the lead to one partner, and how it ended."""

    id: UUID
    partner_id: UUID
    method: str
    rule: str | None
    criteria: Criteria | None
    source: str
    offered_at: datetime
    offered_by: str
    expires_at: datetime
    status: str = OfferStatus.OFFERED.value
    answered_at: datetime | None = None
    answered_by: str | None = None
    reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == OfferStatus.OFFERED


def parse_window(window: timedelta, field: str = "windowSeconds") -> timedelta:
    require(isinstance(window, timedelta), field, "must be a duration")
    require(window > timedelta(0), field, "must be more than zero seconds")
    require(window <= WINDOW_MAX, field, f"must be at most {WINDOW_MAX.days} days")
    return window


class LeadDistribution(CrmAggregate):
    """Every offer of one lead to partners, in order."""

    KIND = "lead distribution"

    class Event(CrmAggregate.Event):
        def answer(self, offer: Offer, status: OfferStatus, reason: str | None = None) -> Offer:
            return replace(offer, status=status.value, answered_at=self.occurred_at,
                           answered_by=self.actor, reason=reason)

    class Started(Event, CrmAggregate.Created):
        lead_id: UUID

    @staticmethod
    def create_id(lead_id: UUID) -> UUID:
        """The one distribution of a lead."""
        return uuid5(lead_id, "lead distribution")

    def __init__(self, *, lead_id: UUID) -> None:
        self.lead_id = lead_id
        self.offers: list[Offer] = []
        #: What the latest rules-based or described offer was about: the next partner
        #: after a rejection or a time-out is chosen by it.
        self.criteria: Criteria | None = None
        self.status = Distribution.RETURNED.value

    # -- questions ------------------------------------------------------------------------

    @property
    def current(self) -> Offer | None:
        return self.offers[-1] if self.offers else None

    @property
    def open_offer(self) -> Offer | None:
        current = self.current
        return current if current is not None and current.is_open else None

    @property
    def owner(self) -> UUID | None:
        """The partner that accepted the lead and holds it now."""
        current = self.current
        accepted = current is not None and current.status == OfferStatus.ACCEPTED
        return current.partner_id if accepted and current else None

    @property
    def tried(self) -> frozenset[UUID]:
        """Every partner this lead was ever offered to."""
        return frozenset(offer.partner_id for offer in self.offers)

    def offer_to(self, partner_id: UUID) -> Offer:
        """The partner's latest offer of this lead; a partner never offered it gets
        `NotFoundError` for the lead, so lead ids cannot be probed."""
        for offer in reversed(self.offers):
            if offer.partner_id == partner_id:
                return offer
        raise NotFoundError("lead", self.lead_id)

    def is_due(self, at: datetime) -> bool:
        offer = self.open_offer
        return offer is not None and offer.expires_at <= at

    # -- offering -------------------------------------------------------------------------

    def require_free(self) -> None:
        """Only a lead with no open offer and no partner holding it may be offered."""
        if self.open_offer is not None:
            raise InvalidTransitionError(
                f"lead {self.lead_id} is already offered to a partner until "
                f"{self.open_offer.expires_at.isoformat()}: withdraw that offer first")
        if self.owner is not None:
            raise InvalidTransitionError(
                f"lead {self.lead_id} was accepted by partner {self.owner}: recall it first")

    def offer(self, *, partner_id: UUID, method: OfferMethod, rule: str | None,
              criteria: Criteria | None, source: str, window: timedelta) -> UUID:
        """Offer the lead to one partner from now for `window`; return the offer's id."""
        self.require_free()
        offer_id = uuid4()
        self.trigger_event(
            self.Offered, lead_id=self.lead_id, offer_id=offer_id, partner_id=partner_id,
            method=method.value, rule=rule,
            territory=None if criteria is None else criteria.territory,
            product=None if criteria is None else criteria.product,
            category=None if criteria is None else criteria.category,
            source=source, expires_at=now() + parse_window(window))
        return offer_id

    class Offered(Event):
        lead_id: UUID
        offer_id: UUID
        partner_id: UUID
        method: str
        rule: str | None
        territory: str | None
        product: str | None
        category: str | None
        source: str
        expires_at: datetime

        def apply(self, aggregate: CrmAggregate) -> None:
            super().apply(aggregate)
            distribution = cast(LeadDistribution, aggregate)
            criteria = None if self.territory is None else Criteria(
                self.territory, self.product, self.category)
            distribution.criteria = criteria or distribution.criteria
            distribution.offers = [*distribution.offers, Offer(
                id=self.offer_id, partner_id=self.partner_id, method=self.method, rule=self.rule,
                criteria=criteria, source=self.source, offered_at=cast(datetime, self.occurred_at),
                offered_by=self.actor, expires_at=self.expires_at)]
            distribution.status = Distribution.OFFERED.value

    def exhaust(self, criteria: Criteria | None) -> None:
        """Record that no partner eligible by `criteria` is left (or, with no criteria,
        none to ask next): the lead is back with internal sales."""
        self.trigger_event(
            self.Exhausted, lead_id=self.lead_id,
            territory=None if criteria is None else criteria.territory,
            product=None if criteria is None else criteria.product,
            category=None if criteria is None else criteria.category)

    class Exhausted(Event):
        lead_id: UUID
        territory: str | None
        product: str | None
        category: str | None

        def apply(self, aggregate: CrmAggregate) -> None:
            super().apply(aggregate)
            distribution = cast(LeadDistribution, aggregate)
            if self.territory is not None:
                distribution.criteria = Criteria(self.territory, self.product, self.category)
            distribution.status = Distribution.RETURNED.value

    # -- the partner's answer ---------------------------------------------------------------

    def _answerable(self, partner_id: UUID) -> Offer:
        """The partner's open offer, which it may still answer now."""
        offer = self.offer_to(partner_id)
        if not offer.is_open:
            raise InvalidTransitionError(
                f"the offer of lead {self.lead_id} to this partner is {offer.status}: "
                "it cannot be answered any more")
        at = now()
        if at >= offer.expires_at:
            raise InvalidTransitionError(f"the offer expired at {offer.expires_at.isoformat()}")
        require(at >= offer.offered_at, "occurredAt",
                f"must not be before the offer was made ({offer.offered_at.isoformat()})")
        return offer

    def accept(self, partner_id: UUID) -> None:
        offer = self._answerable(partner_id)
        self.trigger_event(self.Accepted, lead_id=self.lead_id, offer_id=offer.id,
                           partner_id=partner_id)

    def reject(self, partner_id: UUID, reason: str) -> None:
        offer = self._answerable(partner_id)
        self.trigger_event(self.Rejected, lead_id=self.lead_id, offer_id=offer.id,
                           partner_id=partner_id,
                           reason=required_text(reason, "reason", max_length=REASON_MAX))

    def time_out(self) -> None:
        """Record that the open offer lapsed unanswered (it must be past its expiry)."""
        offer = self.open_offer
        if offer is None or offer.expires_at > now():
            raise InvalidTransitionError(f"lead {self.lead_id} has no offer past its expiry")
        self.trigger_event(self.TimedOut, lead_id=self.lead_id, offer_id=offer.id,
                           partner_id=offer.partner_id)

    class Answered(Event):
        lead_id: UUID
        offer_id: UUID
        partner_id: UUID
        #: The offer's status after this event (each subclass names its own).
        status: ClassVar[OfferStatus]

        def apply(self, aggregate: CrmAggregate) -> None:
            super().apply(aggregate)
            distribution = cast(LeadDistribution, aggregate)
            status = type(self).status
            distribution.offers = [
                self.answer(offer, status, getattr(self, "reason", None))
                if offer.id == self.offer_id else offer for offer in distribution.offers]
            distribution.status = (Distribution.ACCEPTED if status is OfferStatus.ACCEPTED
                                   else Distribution.RETURNED).value

    class Accepted(Answered):
        status = OfferStatus.ACCEPTED

    class Rejected(Answered):
        status = OfferStatus.REJECTED
        reason: str

    class TimedOut(Answered):
        status = OfferStatus.TIMED_OUT

    # -- staff take it back -----------------------------------------------------------------

    def withdraw(self, reason: str | None) -> None:
        """Take back the open offer before the partner answers."""
        offer = self.open_offer
        if offer is None:
            raise InvalidTransitionError(f"lead {self.lead_id} has no open offer to withdraw")
        self.trigger_event(self.Withdrawn, lead_id=self.lead_id, offer_id=offer.id,
                           partner_id=offer.partner_id, reason=_reason(reason))

    def recall(self, reason: str | None) -> None:
        """Take back a lead a partner accepted (it frees the partner's capacity)."""
        current = self.current
        if current is None or self.owner is None:
            raise InvalidTransitionError(f"lead {self.lead_id} is not held by a partner")
        self.trigger_event(self.Recalled, lead_id=self.lead_id, offer_id=current.id,
                           partner_id=current.partner_id, reason=_reason(reason))

    class Withdrawn(Answered):
        status = OfferStatus.WITHDRAWN
        reason: str | None

    class Recalled(Answered):
        status = OfferStatus.RECALLED
        reason: str | None


def _reason(reason: str | None) -> str | None:
    return clean_text(reason, "reason", max_length=REASON_MAX) or None


_REASON = personal_data.PersonalFields("lead_id", ("reason",))
personal_data.register(
    {LeadDistribution.Rejected: _REASON, LeadDistribution.Withdrawn: _REASON,
     LeadDistribution.Recalled: _REASON},
    no_personal_data=[LeadDistribution.Started, LeadDistribution.Offered,
                      LeadDistribution.Accepted, LeadDistribution.TimedOut,
                      LeadDistribution.Exhausted, LeadDistribution.Answered],
)
