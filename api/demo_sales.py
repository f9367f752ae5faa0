"""The demo's sales chapter: leads captured and worked (qualified, disqualified,
converted), and opportunities through the pipeline with quotes, won or lost, through the
same commands a client uses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from api import demo_data as world
from domain.quotes import QuoteLineDraft

if TYPE_CHECKING:
    from api.demo import DemoBuilder


class SalesChapter:
    def __init__(self, builder: DemoBuilder) -> None:
        self.demo = builder
        self.hub = builder.hub
        self.random = builder.random
        self.fake = builder.fake

    def work_leads(self) -> Iterator[None]:
        sources = ["web_form", "trade_show", "referral", "partner", "campaign", "cold_call",
                   "social_media", "purchased_list"]
        for _ in range(self.demo.size // 2):
            at = self.demo.moment(self.demo.start)
            owner = self.random.choice(world.STAFF["sales"])
            given, family = self.fake.first_name(), self.fake.last_name()
            lead_id = self.hub.capture_lead(
                actor=owner, occurred_at=at, source=self.random.choice(sources),
                channel=self.random.choice(["web", "phone", "email", "direct", "social"]),
                given_name=given, family_name=family, company_name=self.fake.company(),
                email=f"{given}.{family}@{self.fake.free_email_domain()}".lower().replace(" ", ""),
                owner=owner,
            )
            roll = self.random.random()
            if roll < 0.25:
                self.hub.disqualify_lead(actor=owner, lead_id=lead_id, reason="no budget",
                                         occurred_at=self.demo.later(at, 72))
            elif roll < 0.75:
                qualified = self.demo.later(at, 72)
                self.hub.qualify_lead(actor=owner, lead_id=lead_id, occurred_at=qualified)
                if roll < 0.5:
                    converted = self.demo.later(qualified, 120)
                    self.hub.convert_lead(
                        actor=owner, lead_id=lead_id, occurred_at=converted,
                        opportunity_name=f"First order {family}",
                        amount=Decimal(self.random.randrange(200, 8_000, 50)), currency=world.CURRENCY,
                        expected_close_date=(converted + timedelta(days=45)).date())
                    self.demo.summary.add("converted leads")
            if roll >= 0.5:
                self.demo.open_leads.append((lead_id, at))
            self.demo.summary.add("leads")
            yield

    def work_opportunities(self) -> Iterator[None]:
        stages = ["qualification", "proposal", "negotiation"]
        for _ in range(self.demo.size // 3):
            customer_id, known = self.random.choice(self.demo.customers)
            at = self.demo.moment(known)
            owner = self.random.choice(world.STAFF["sales"])
            opportunity_id = self.hub.open_opportunity(
                actor=owner, occurred_at=at, customer_id=customer_id, owner=owner,
                name=self.random.choice(world.OPPORTUNITY_NAMES),
                amount=Decimal(self.random.randrange(500, 60_000, 100)), currency=world.CURRENCY,
                expected_close_date=(at + timedelta(days=self.random.randint(20, 120))).date())
            for stage in stages[: self.random.randint(0, 3)]:
                at = self.demo.later(at, 24 * 12)
                self.hub.advance_opportunity(actor=owner, opportunity_id=opportunity_id,
                                             stage=stage, occurred_at=at)
                if stage == "proposal":
                    self.quote(owner, opportunity_id, at)
            if at < self.demo.end - timedelta(days=60):
                outcome = self.random.choices(["won", "lost"], [2, 3])[0]
                self.hub.close_opportunity(
                    actor=owner, opportunity_id=opportunity_id, outcome=outcome,
                    occurred_at=self.demo.later(at, 24 * 14),
                    reason=None if outcome == "won" else self.random.choice(
                        ["price", "competitor", "no decision", "timing"]))
            self.demo.summary.add("opportunities")
            yield

    def quote(self, owner: str, opportunity_id: UUID, at: datetime) -> None:
        lines = [QuoteLineDraft(sku=sku, description=name, quantity=self.random.randint(1, 20),
                                unit_price=price,
                                discount_percent=self.random.choice([None, "5", "10"]))
                 for sku, name, _, price in self.random.sample(world.CATALOGUE, k=self.random.randint(1, 4))]
        quote_id = self.hub.issue_quote(actor=owner, opportunity_id=opportunity_id,
                                        currency=world.CURRENCY, lines=lines, occurred_at=at,
                                        valid_until=(at + timedelta(days=30)).date())
        decided = min(self.demo.later(at, 24 * 6), at + timedelta(days=29))  # while still valid
        roll = self.random.random()
        if roll < 0.5:
            self.hub.accept_quote(actor=owner, quote_id=quote_id, occurred_at=decided)
        elif roll < 0.8:
            self.hub.reject_quote(actor=owner, quote_id=quote_id, reason="too expensive",
                                  occurred_at=decided)
        self.demo.summary.add("quotes")
