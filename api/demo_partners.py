"""The demo's partner chapter: partners, what customers allow them, leads offered to them,
their deals and their feedback, through the same commands a client uses.

Five partners serve the demo's four countries. About a third of the persons allow every
reseller, or one partner they met, to receive their name and contact details for
partner referrals. Open leads are offered by hand to a partner that serves the lead's
country and product category: most are accepted, some rejected, and the rest are still
waiting, past their acceptance window, for `crmhub serve` to time them out and offer them
to the next partner. Partners register deals for about half the leads they took and move
them through the pipeline, and report feedback (now and then an issue) on customers who
allowed them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from api import demo_data as world

if TYPE_CHECKING:
    from api.demo import DemoBuilder

COUNTRIES = ["GB", "DE", "FR", "NL"]
CATEGORIES = sorted({category for _, _, category, _ in world.CATALOGUE})


@dataclass(frozen=True)
class DemoPartner:
    id: UUID
    kind: str
    territories: tuple[str, ...]
    products: tuple[str, ...]
    capacity: int

    @property
    def actor(self) -> str:
        return f"partner:{self.id}"

    def serves(self, country: str, category: str) -> bool:
        return country in self.territories and category in self.products


class PartnerChapter:
    def __init__(self, builder: DemoBuilder) -> None:
        self.demo = builder
        self.hub = builder.hub
        self.random = builder.random
        self.partners: list[DemoPartner] = []
        #: Customers who allowed partners: which, and since when.
        self.allowed: dict[UUID, tuple[list[DemoPartner], datetime]] = {}
        self.taken: dict[UUID, int] = {}
        #: Leads a partner accepted: (lead, partner, when).
        self.accepted: list[tuple[UUID, DemoPartner, datetime]] = []

    def register_partners(self) -> Iterator[None]:
        for name, kind, territories, products, capacity in world.PARTNERS:
            partner_id = self.hub.register_partner(
                actor="admin", occurred_at=self.demo.start, name=name, kind=kind,
                territories=territories, products=products, capacity=capacity)
            self.partners.append(DemoPartner(partner_id, kind, tuple(territories),
                                             tuple(products), capacity))
            self.demo.summary.add("partners")
            yield

    def grant_partner_consents(self) -> Iterator[None]:
        purpose, categories, notice = world.PARTNER_CONSENT
        resellers = [p for p in self.partners if p.kind == "reseller"]
        for customer_id, known in self.demo.customers:
            roll = self.random.random()
            if roll < 0.35:
                one = self.random.choice(self.partners)
                recipient = ({"recipient": "partner_category", "partner_category": "reseller"}
                             if roll < 0.25 else {"recipient": "partner", "partner_id": one.id})
                given = self.demo.later(known, 24 * 10)
                self.hub.grant_consent(
                    actor=self.random.choice(world.STAFF["sales"]), customer_id=customer_id,
                    occurred_at=given, purpose=purpose, categories=categories,
                    notice_version=notice, channel="web", **recipient)
                self.allowed[customer_id] = (resellers if roll < 0.25 else [one], given)
                self.demo.summary.add("partner consents")
            yield

    def offer_leads(self) -> Iterator[None]:
        for lead_id, captured in self.demo.open_leads:
            country, category = self.random.choice(COUNTRIES), self.random.choice(CATEGORIES)
            serving = [p for p in self.partners if p.serves(country, category)
                       and self.taken.get(p.id, 0) < p.capacity]
            if serving:
                self.offer(lead_id, self.random.choice(serving), country, category,
                           self.demo.later(captured, 24))
            yield

    def offer(self, lead_id: UUID, partner: DemoPartner, country: str, category: str,
              offered: datetime) -> None:
        self.hub.offer_lead(actor=self.random.choice(world.STAFF["sales"]), lead_id=lead_id,
                            partner_id=partner.id, territory=country, product=category,
                            occurred_at=offered)
        self.demo.summary.add("lead offers")
        roll = self.random.random()
        answered = min(self.demo.later(offered, 8), offered + timedelta(hours=47))
        if roll < 0.6:
            self.hub.accept_lead_offer(actor=partner.actor, partner_id=partner.id,
                                       lead_id=lead_id, occurred_at=answered)
            self.taken[partner.id] = self.taken.get(partner.id, 0) + 1
            self.accepted.append((lead_id, partner, answered))
        elif roll < 0.8:
            self.hub.reject_lead_offer(actor=partner.actor, partner_id=partner.id,
                                       lead_id=lead_id, candidates=[], occurred_at=answered,
                                       reason=self.random.choice(world.REJECTION_REASONS))
        # else: unanswered; `crmhub serve` times it out and offers the lead on.

    def register_deals(self) -> Iterator[None]:
        for lead_id, partner, accepted in self.accepted:
            if self.random.random() < 0.5:
                self.deal(lead_id, partner, self.demo.later(accepted, 72))
            yield

    def deal(self, lead_id: UUID, partner: DemoPartner, registered: datetime) -> None:
        deal_id = self.hub.register_deal(
            actor=partner.actor, partner_id=partner.id, lead_id=lead_id,
            occurred_at=registered, name=self.random.choice(world.DEAL_NAMES),
            amount=Decimal(self.random.randrange(500, 20_000, 100)), currency=world.CURRENCY,
            expected_close_date=(registered + timedelta(days=60)).date())
        self.demo.summary.add("partner deals")
        moved = self.demo.later(registered, 24 * 7)
        if moved >= self.demo.end:
            return
        self.hub.advance_deal(actor=partner.actor, partner_id=partner.id, deal_id=deal_id,
                              stage="proposal", occurred_at=moved)
        closed = self.demo.later(moved, 24 * 20)
        if closed < self.demo.end and self.random.random() < 0.7:
            won = self.random.random() < 0.6
            self.hub.close_deal(actor=partner.actor, partner_id=partner.id, deal_id=deal_id,
                                outcome="won" if won else "lost", occurred_at=closed,
                                reason=None if won else "went with a competitor")

    def report_feedback(self) -> Iterator[None]:
        subjects = world.INTERACTION_SUBJECTS["partner"]
        recent = self.demo.end - timedelta(days=90)
        for customer_id, (partners, given) in self.allowed.items():
            if self.random.random() < 0.2:
                partner = self.random.choice(partners)
                issue = self.random.random() < 0.15
                self.hub.submit_partner_feedback(
                    actor=partner.actor, partner_id=partner.id, customer_id=customer_id,
                    kind="issue" if issue else "feedback", purpose=world.PARTNER_PURPOSE,
                    subject="Installation problem" if issue else self.random.choice(subjects),
                    text="Reported by the partner's field team.",
                    occurred_at=self.demo.moment(max(recent, given)))
                self.demo.summary.add("partner feedback")
            yield
