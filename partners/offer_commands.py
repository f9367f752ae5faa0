"""Commands for lead distribution: offer a lead by hand or by the rules, the partner's
answer, time-outs, and staff taking a lead back.

The rules need every partner's current load (open leads, when it was last offered one):
the api layer reads it from the PRM view (`projections.prm.partner_candidates`), since
`partners` must not import `projections`, and passes it as `candidates`. A view can lag,
so the partner the rules choose is checked again against its own aggregate (active, still
serving the territory and product) before the lead is offered to it. Its capacity is
checked against the view's count of its open leads and offers, so two distributions of
different leads at the same instant (within the view's lag) can both take a partner's
last slot: capacity is a soft cap.

An offer made by hand goes to the partner named, which must be active and, when the
territory or product is given, serve them; its capacity is *not* checked: staff who pick
a partner by hand may knowingly give it one lead more than its capacity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.base import now, require, required_text
from domain.core import HubCore, command, parse_id
from domain.errors import ConcurrencyError, InvalidTransitionError, InvalidValueError, NotFoundError
from domain.sales import Lead, LeadStatus
from partners.offers import LeadDistribution, Offer, OfferMethod, parse_window
from partners.partner import PRODUCT_MAX, Partner, PartnerStatus
from partners.routing import Candidate, Criteria, choose, match, offered, released, serves
from partners.territories import COUNTRY_CODES

#: The acceptance window when neither the offer nor the settings name one.
DEFAULT_WINDOW = timedelta(hours=48)
OPEN_LEAD = (LeadStatus.NEW, LeadStatus.QUALIFIED)


@dataclass(frozen=True)
class PartnerLead:
    """A lead as one partner may know it: its offer to the partner, and the lead."""

    offer: Offer
    lead: Lead
    distribution: LeadDistribution


def parse_criteria(territory: str, product: str | None, category: str | None) -> Criteria:
    country = territory.strip().upper() if isinstance(territory, str) else ""
    require(country in COUNTRY_CODES, "territory",
            f"{territory!r} is not an ISO 3166-1 alpha-2 country code such as DE or GB")
    return Criteria(
        territory=country,
        product=None if product is None else required_text(product, "product",
                                                             max_length=PRODUCT_MAX),
        category=None if category is None else required_text(category, "category",
                                                               max_length=PRODUCT_MAX),
    )


class LeadOfferCommands(HubCore):
    @command
    def offer_lead(
        self,
        *,
        actor: str,
        lead_id: UUID | str,
        partner_id: UUID | str,
        territory: str | None = None,
        product: str | None = None,
        category: str | None = None,
        window: timedelta | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Offer a new or qualified lead to one partner by hand; return the offer's id.
        Given a territory (and product), the partner must serve them, and the lead goes on
        to the next eligible partner by the same criteria if this one says no."""
        require(territory is not None or (product is None and category is None), "territory",
                "name the territory when naming a product or category")
        criteria = None if territory is None else parse_criteria(territory, product, category)
        window = parse_window(DEFAULT_WINDOW if window is None else window)
        lead = self._open_lead(lead_id)
        partner = self.load(Partner, parse_id(partner_id, "partnerId"))
        _require_active(partner)
        if criteria is not None and not serves(partner.territories, partner.products, criteria):
            raise InvalidValueError("partnerId", f"partner {partner.id} does not serve "
                                                 f"{_describe(criteria)}")
        distribution = self._distribution(lead.id) or LeadDistribution(lead_id=lead.id)
        offer_id = distribution.offer(partner_id=partner.id, method=OfferMethod.MANUAL, rule=None,
                                      criteria=criteria, source=lead.source, window=window)
        self.commit(distribution)
        return offer_id

    @command
    def distribute_lead(
        self,
        *,
        actor: str,
        lead_id: UUID | str,
        territory: str,
        product: str | None = None,
        category: str | None = None,
        candidates: Sequence[Candidate],
        window: timedelta | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID | None:
        """Offer a new or qualified lead to the best eligible partner by the rules
        (`partners.routing`); return the offer's id, or None when nobody is eligible (the
        distribution is recorded as exhausted: the lead stays with internal sales)."""
        criteria = parse_criteria(territory, product, category)
        window = parse_window(DEFAULT_WINDOW if window is None else window)
        lead = self._open_lead(lead_id)
        distribution = self._distribution(lead.id) or LeadDistribution(lead_id=lead.id)
        distribution.require_free()
        offer_id = self._offer_next(
            distribution, criteria, {c.partner_id: c for c in candidates},
            source=lead.source, window=window)
        self.commit(distribution)
        return offer_id

    # -- the partner's answer -------------------------------------------------------------

    @command
    def accept_lead_offer(self, *, actor: str, partner_id: UUID | str, lead_id: UUID | str,
                          occurred_at: datetime | None = None) -> int:
        """The partner takes the lead offered to it (before the offer expires)."""
        found = self.partner_lead(partner_id, lead_id)
        _require_active(self.load(Partner, partner_id))
        if found.lead.status not in OPEN_LEAD:
            raise InvalidTransitionError(f"lead {found.lead.id} is {found.lead.status} and "
                                         "can no longer be taken")
        found.distribution.accept(found.offer.partner_id)
        return self.commit(found.distribution)

    @command
    def reject_lead_offer(self, *, actor: str, partner_id: UUID | str, lead_id: UUID | str,
                          reason: str, candidates: Sequence[Candidate],
                          occurred_at: datetime | None = None) -> int:
        """The partner declines the lead, saying why; the lead goes to the next eligible
        partner at once (or back to internal sales)."""
        found = self.partner_lead(partner_id, lead_id)
        found.distribution.reject(found.offer.partner_id, reason)
        self._move_on(found.distribution, found.offer, found.lead,
                      {c.partner_id: c for c in candidates})
        return self.commit(found.distribution)

    @command
    def expire_lead_offers(self, *, actor: str, due: Sequence[UUID],
                           candidates: Sequence[Candidate],
                           occurred_at: datetime | None = None) -> int:
        """Record the time-out of each of these leads' offers that is past its expiry,
        and offer each lead to the next eligible partner; return how many timed out.
        Each lead is saved on its own: one answered meanwhile is skipped, not the batch."""
        loads = {c.partner_id: c for c in candidates}
        timed_out = 0
        for lead_id in dict.fromkeys(due):
            distribution = self._distribution(parse_id(lead_id, "due"))
            offer = distribution.open_offer if distribution else None
            if distribution is None or offer is None or not distribution.is_due(now()):
                continue
            distribution.time_out()
            self._move_on(distribution, offer, self.load(Lead, distribution.lead_id), loads)
            try:
                self.commit(distribution)
            except ConcurrencyError:
                continue  # answered while we looked: the next sweep sees how
            timed_out += 1
        return timed_out

    # -- staff take the lead back -------------------------------------------------------------

    @command
    def withdraw_lead_offer(self, *, actor: str, lead_id: UUID | str, reason: str | None = None,
                            occurred_at: datetime | None = None) -> int:
        """Take back the lead's open offer before the partner answers."""
        distribution = self._required_distribution(lead_id)
        distribution.withdraw(reason)
        return self.commit(distribution)

    @command
    def recall_lead(self, *, actor: str, lead_id: UUID | str, reason: str | None = None,
                    occurred_at: datetime | None = None) -> int:
        """Take back a lead a partner accepted (it no longer counts against its capacity)."""
        distribution = self._required_distribution(lead_id)
        distribution.recall(reason)
        return self.commit(distribution)

    # -- questions ----------------------------------------------------------------------------

    def lead_distribution(self, lead_id: UUID | str) -> LeadDistribution | None:
        """Every offer of an existing lead (None: never offered), or `NotFoundError`."""
        lead = self.load(Lead, parse_id(lead_id, "leadId"))
        return self._distribution(lead.id)

    def partner_lead(self, partner_id: UUID | str, lead_id: UUID | str) -> PartnerLead:
        """The lead as this partner may know it, with its latest offer to the partner; a
        lead never offered to the partner is `NotFoundError("lead", ...)`."""
        lead_uid = parse_id(lead_id, "leadId")
        distribution = self._distribution(lead_uid)
        if distribution is None:
            raise NotFoundError("lead", lead_uid)
        offer = distribution.offer_to(parse_id(partner_id, "partnerId"))
        return PartnerLead(offer=offer, lead=self.load(Lead, lead_uid), distribution=distribution)

    # -- the steps ----------------------------------------------------------------------------

    def _open_lead(self, lead_id: UUID | str) -> Lead:
        lead = self.load(Lead, parse_id(lead_id, "leadId"))
        if lead.status not in OPEN_LEAD:
            raise InvalidTransitionError(
                f"lead {lead.id} is {lead.status}: only a new or qualified lead can be "
                "offered to partners")
        return lead

    def _distribution(self, lead_id: UUID) -> LeadDistribution | None:
        try:
            return self.load(LeadDistribution, LeadDistribution.create_id(lead_id))
        except NotFoundError:
            return None

    def _required_distribution(self, lead_id: UUID | str) -> LeadDistribution:
        lead = self.load(Lead, parse_id(lead_id, "leadId"))
        distribution = self._distribution(lead.id)
        if distribution is None:
            raise InvalidTransitionError(f"lead {lead.id} was never offered to a partner")
        return distribution

    def _move_on(self, distribution: LeadDistribution, ended: Offer, lead: Lead,
                 loads: dict[UUID, Candidate]) -> None:
        """After an offer ended unaccepted: the next eligible partner by the same criteria,
        with the same window, or back to internal sales. A lead converted or disqualified
        meanwhile is offered to nobody else."""
        if ended.partner_id in loads:
            loads[ended.partner_id] = released(loads[ended.partner_id])
        if lead.status not in OPEN_LEAD:
            return
        if distribution.criteria is None:
            distribution.exhaust(None)
            return
        self._offer_next(distribution, distribution.criteria, loads, source=lead.source,
                         window=ended.expires_at - ended.offered_at)

    def _offer_next(self, distribution: LeadDistribution, criteria: Criteria,
                    loads: dict[UUID, Candidate], *, source: str,
                    window: timedelta) -> UUID | None:
        tried = set(distribution.tried)
        while (choice := choose(loads.values(), criteria, tried)) is not None:
            tried.add(choice.partner_id)
            if not self._still_eligible(choice, criteria):
                continue
            rule = match(choice.products, criteria)
            offer_id = distribution.offer(
                partner_id=choice.partner_id, method=OfferMethod.RULES,
                rule=None if rule is None else rule.value, criteria=criteria, source=source,
                window=window)
            loads[choice.partner_id] = offered(choice, now())
            return offer_id
        distribution.exhaust(criteria)
        return None

    def _still_eligible(self, candidate: Candidate, criteria: Criteria) -> bool:
        """The view's candidate checked against the partner's own aggregate."""
        try:
            partner = self.load(Partner, candidate.partner_id)
        except NotFoundError:
            return False
        return (partner.status == PartnerStatus.ACTIVE
                and serves(partner.territories, partner.products, criteria)
                and candidate.open_leads < partner.capacity)


def _require_active(partner: Partner) -> None:
    if partner.status != PartnerStatus.ACTIVE:
        raise InvalidTransitionError(
            f"partner {partner.id} is {partner.status}: only an active partner takes leads")


def _describe(criteria: Criteria) -> str:
    what = [criteria.territory]
    if criteria.product:
        what.append(f"product {criteria.product!r}")
    if criteria.category:
        what.append(f"category {criteria.category!r}")
    return " / ".join(what)
