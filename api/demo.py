"""A realistic, deterministic demo data set, loaded through the hub's own commands.

`load_demo(hub, customers=1000, seed=7)` writes two years of history ending today:
organisations and their contacts, persons, the marketing consent most of them give (some
withdraw it, some let it lapse), interactions on every channel and in every department,
leads (qualified, disqualified, converted), opportunities through the pipeline with quotes,
service cases with SLAs, marketing campaigns sent to customers who consented, with their
responses, and purchases with refunds. The same seed gives the same data set; every
record goes through the same rules as a client's command, backdated with `occurred_at`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from faker import Faker
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api import demo_data as world
from api.demo_partners import PartnerChapter
from api.demo_sales import SalesChapter
from api.store import CrmHub
from domain.interactions import InteractionDraft
from domain.values import Channel, Department, Direction
from privacy.audiences import consenting_grants
from privacy.consent import Consent


@dataclass
class DemoSummary:
    counts: dict[str, int] = field(default_factory=dict)
    events: int = 0
    #: The demo's partners, by id.
    partners: list[UUID] = field(default_factory=list)

    def add(self, kind: str, number: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + number

    def __str__(self) -> str:
        listed = ", ".join(f"{n:,} {kind}" for kind, n in self.counts.items())
        return f"{self.events:,} events ({listed})"


class DemoBuilder:
    def __init__(self, hub: CrmHub, *, seed: int, customers: int) -> None:
        self.hub = hub
        self.random = random.Random(seed)
        self.fake = Faker(["en_GB", "de_DE", "fr_FR", "nl_NL"])
        self.fake.seed_instance(seed)
        self.size = customers
        self.end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.start = self.end - timedelta(days=world.DAYS)
        self.summary = DemoSummary()
        self.customers: list[tuple[UUID, datetime]] = []
        self.buyers: list[tuple[UUID, datetime]] = []
        self.campaigns: list[tuple[UUID, datetime]] = []
        #: The consent of each customer who gave some, as the log holds it.
        self.consents: dict[UUID, Consent | None] = {}
        #: Leads still new or qualified, with when they were captured.
        self.open_leads: list[tuple[UUID, datetime]] = []
        self.partners = PartnerChapter(self)
        self.sales = SalesChapter(self)

    # -- time ------------------------------------------------------------------------

    def moment(self, after: datetime, *, within_days: float = world.DAYS) -> datetime:
        """A random time after `after`, never later than the end of the history."""
        span = min((self.end - after).total_seconds(), within_days * 86400)
        return after + timedelta(seconds=self.random.uniform(0, max(span, 1)))

    def later(self, after: datetime, hours: float) -> datetime:
        return min(after + timedelta(hours=self.random.expovariate(1 / hours)), self.end)

    # -- steps -----------------------------------------------------------------------

    def steps(self) -> list[tuple[str, int, Callable[[], Iterator[None]]]]:
        n, partners, sales = self.size, self.partners, self.sales
        return [
            ("customers", n, self.register_customers),
            ("consents", n, self.grant_consents),
            ("partners", len(world.PARTNERS), partners.register_partners),
            ("partner consents", n, partners.grant_partner_consents),
            ("campaigns", 12, self.run_campaigns),
            ("leads", n // 2, sales.work_leads),
            ("lead offers", n // 4, partners.offer_leads),
            ("partner deals", n // 8, partners.register_deals),
            ("partner feedback", n // 3, partners.report_feedback),
            ("opportunities", n // 3, sales.work_opportunities),
            ("cases", n * 4 // 5, self.work_cases),
            ("purchases", len(self.customers) or n, self.record_purchases),
            ("interactions", n, self.record_interactions),
        ]

    def register_customers(self) -> Iterator[None]:
        organisations: list[UUID] = []
        for index in range(self.size):
            at = self.moment(self.start, within_days=world.DAYS * 0.75)
            owner = self.random.choice(world.STAFF["sales"])
            stage = self.random.choices(["lead", "prospect", "customer", "churned"], [2, 3, 8, 1])[0]
            if index % 10 == 0:
                company = self.fake.company()
                customer_id = self.hub.register_customer(
                    actor=owner, occurred_at=at, kind="organisation", owner=owner,
                    stage="customer" if stage == "churned" else stage,
                    profile={"company_name": company, "industry": self.random.choice(world.INDUSTRIES),
                             "website": f"https://{self.fake.domain_name()}",
                             "phones": [self.fake.phone_number()]},
                    tags=self.random.sample(["enterprise", "smb", "key-account", "public"], k=1),
                )
                organisations.append(customer_id)
            else:
                employer = (self.random.choice(organisations)
                            if organisations and self.random.random() < 0.3 else None)
                customer_id = self.hub.register_customer(
                    actor=owner, occurred_at=at, kind="person", owner=owner,
                    organisation_id=employer, stage="customer" if stage == "churned" else stage,
                    profile=self.person_profile(), tags=self.random.sample(
                        ["newsletter", "vip", "b2c", "early-adopter", "price-sensitive"], k=2),
                    external_ids={"webshop": f"WS-{100000 + index}"},
                )
                if stage == "churned":
                    self.hub.change_customer_stage(
                        actor=owner, customer_id=customer_id, stage="churned",
                        occurred_at=self.moment(at), reason="no renewal")
            self.customers.append((customer_id, at))
            if stage in {"customer", "churned"}:
                self.buyers.append((customer_id, at))
            self.summary.add("customers")
            yield

    def person_profile(self) -> dict[str, object]:
        given, family = self.fake.first_name(), self.fake.last_name()
        return {
            "given_name": given, "family_name": family, "job_title": self.fake.job()[:200],
            "emails": [f"{given}.{family}.{self.random.randint(1, 999)}@{self.fake.free_email_domain()}"
                       .lower().replace(" ", "")],
            "phones": [self.fake.phone_number()],
            "address": {"street": self.fake.street_address().replace("\n", ", "),
                        "city": self.fake.city(), "postal_code": self.fake.postcode(),
                        "country": self.random.choice(["GB", "DE", "FR", "NL"])},
        }

    def grant_consents(self) -> Iterator[None]:
        """Most customers allow some marketing within days of registering."""
        for customer_id, known in self.customers:
            if self.random.random() < 0.85:
                self.grant_consent(customer_id, self.later(known, 24 * 3))
                self.summary.add("consents")
            yield

    def grant_consent(self, customer_id: UUID, given: datetime) -> None:
        """One customer's grant, with the notice they were shown: one in five lapses after a
        year, and a few are withdrawn. Keeps their consent as the log then holds it."""
        offers, weights = zip(*world.CONSENT_OFFERS, strict=True)
        purpose, categories, notice = self.random.choices(offers, weights)[0]
        actor = self.random.choice(world.STAFF["marketing"])
        lapses = self.random.random() < 0.2
        grant_id = self.hub.grant_consent(
            actor=actor, occurred_at=given, customer_id=customer_id, recipient="organisation",
            purpose=purpose, categories=categories, notice_version=notice,
            channel=self.random.choice(["web", "store", "phone", "email"]),
            expires_at=given + timedelta(days=365) if lapses else None)
        if not lapses and self.random.random() < 0.05:
            self.hub.withdraw_consent(actor=actor, customer_id=customer_id, grant_id=grant_id,
                                      channel="email", reason="no longer interested",
                                      occurred_at=self.moment(given))
        self.consents[customer_id] = self.hub.consent_of(customer_id)

    def consented(self, customer_id: UUID, channel: str, at: datetime) -> bool:
        """Whether a campaign on `channel` may message the customer at `at`."""
        return bool(consenting_grants(self.consents.get(customer_id), channel, at))

    def run_campaigns(self) -> Iterator[None]:
        channels = ["email", "sms", "social", "web", "mail", "phone"]
        for index in range(12):
            starts = self.start + timedelta(days=60 * index + self.random.randint(0, 20))
            if starts >= self.end:
                break
            ends = starts + timedelta(days=self.random.randint(14, 45))
            actor = self.random.choice(world.STAFF["marketing"])
            channel = channels[index % len(channels)]
            campaign_id = self.hub.create_campaign(
                actor=actor, occurred_at=starts - timedelta(days=7),
                name=f"{self.fake.catch_phrase()} ({starts:%b %Y})"[:120],
                channel=channel,
                budget=Decimal(self.random.randrange(2_000, 40_000, 500)), currency=world.CURRENCY,
                starts_on=starts.date(), ends_on=ends.date(),
            )
            self.hub.launch_campaign(actor=actor, campaign_id=campaign_id, occurred_at=starts)
            audience = [c for c, _ in self.customers if self.consented(c, channel, starts)]
            audience = self.random.sample(audience, k=len(audience) * 3 // 10)
            if audience:
                self.hub.send_campaign_messages(actor=actor, campaign_id=campaign_id,
                                                customer_ids=audience, occurred_at=starts)
                self.summary.add("campaign messages", len(audience))
            for customer_id in audience:
                self.respond(actor, campaign_id, customer_id, starts)
            if ends < self.end:
                self.hub.complete_campaign(actor=actor, campaign_id=campaign_id, occurred_at=ends)
            self.campaigns.append((campaign_id, starts))
            self.summary.add("campaigns")
            yield

    def respond(self, actor: str, campaign_id: UUID, customer_id: UUID, sent: datetime) -> None:
        funnel = [("delivered", 0.95), ("opened", 0.45), ("clicked", 0.35), ("converted", 0.15)]
        at = sent
        for response, chance in funnel:
            if self.random.random() > chance:
                break
            at = self.later(at, 20)
            value = Decimal(self.random.randrange(50, 900)) if response == "converted" else None
            self.hub.record_campaign_response(actor=actor, campaign_id=campaign_id,
                                              customer_id=customer_id, response=response,
                                              value=value, occurred_at=at)
        else:
            return
        if self.random.random() < 0.03:
            self.hub.record_campaign_response(actor=actor, campaign_id=campaign_id,
                                              customer_id=customer_id, response="unsubscribed",
                                              occurred_at=self.later(at, 48))

    def work_cases(self) -> Iterator[None]:
        for _ in range(self.size * 4 // 5):
            customer_id, known = self.random.choice(self.customers)
            at = self.moment(known)
            case_type = self.random.choices(list(world.CASE_SUBJECTS), [5, 4, 1, 2, 1, 2])[0]
            opener = self.random.choice(world.STAFF["service"])
            case_id = self.hub.open_case(
                actor=opener, occurred_at=at, customer_id=customer_id, case_type=case_type,
                channel=self.random.choice(["phone", "email", "web", "chat", "call_centre", "store"]),
                priority=self.random.choices(["low", "normal", "high", "urgent"], [3, 6, 2, 1])[0],
                subject=self.random.choice(world.CASE_SUBJECTS[case_type]),
                description=self.fake.paragraph(nb_sentences=2))
            at = self.later(at, 2)
            self.hub.assign_case(actor=opener, case_id=case_id, occurred_at=at,
                                 assignee=self.random.choice(world.STAFF["service"]))
            if self.random.random() < 0.15:
                at = self.later(at, 6)
                self.hub.escalate_case(actor=opener, case_id=case_id, occurred_at=at,
                                       reason="customer waiting too long")
            if self.random.random() < 0.5:
                at = self.later(at, 4)
                self.hub.comment_case(actor=opener, case_id=case_id, occurred_at=at,
                                      text=self.fake.sentence(), internal=self.random.random() < 0.5)
            if at < self.end - timedelta(days=3) or self.random.random() < 0.5:
                at = self.later(at, self.random.choice([3, 10, 30, 72]))
                self.hub.resolve_case(actor=opener, case_id=case_id, occurred_at=at,
                                      resolution=self.fake.sentence())
                at = self.later(at, 24)
                self.hub.close_case(actor=opener, case_id=case_id, occurred_at=at)
                if self.random.random() < 0.05:
                    self.hub.reopen_case(actor=opener, case_id=case_id, reason="problem is back",
                                         occurred_at=self.later(at, 48))
            self.summary.add("cases")
            yield

    def record_purchases(self) -> Iterator[None]:
        for customer_id, known in self.buyers:
            at = known
            for _ in range(self.random.randint(1, 6)):
                at = self.moment(at, within_days=150)
                chosen = self.random.sample(world.CATALOGUE, k=self.random.randint(1, 3))
                campaign = next((c for c, started in reversed(self.campaigns) if started < at), None)
                purchase_id = self.hub.record_purchase(
                    actor=self.random.choice(world.STAFF["sales"]), occurred_at=at,
                    customer_id=customer_id,
                    channel=self.random.choice(["web", "store", "phone", "partner"]),
                    campaign_id=campaign if self.random.random() < 0.2 else None,
                    lines=[{"sku": sku, "product_name": name, "category": category,
                            "quantity": self.random.randint(1, 3), "unit_price": price,
                            "currency": world.CURRENCY} for sku, name, category, price in chosen])
                self.summary.add("purchases")
                if self.random.random() < 0.05:
                    self.hub.refund_purchase(
                        actor=self.random.choice(world.STAFF["service"]), purchase_id=purchase_id,
                        lines=[{"sku": chosen[0][0], "quantity": 1}], reason="returned",
                        occurred_at=self.later(at, 24 * 5))
                    self.summary.add("refunds")
            yield
        for _ in range(len(self.customers) - len(self.buyers)):
            yield

    def record_interactions(self) -> Iterator[None]:
        channels = list(Channel)
        for customer_id, known in self.customers:
            drafts = []
            for _ in range(self.random.randint(4, 24)):
                department = self.random.choices(list(Department), [4, 4, 3, 1])[0]
                channel = (Channel.PARTNER if department is Department.PARTNER
                           else self.random.choice(channels))
                drafts.append(InteractionDraft(
                    customer_id=customer_id, channel=channel.value,
                    direction=self.random.choice(list(Direction)).value,
                    department=department.value,
                    subject=self.random.choice(world.INTERACTION_SUBJECTS[department.value]),
                    summary=self.fake.sentence(nb_words=12),
                    handled_by=self.random.choice(world.STAFF.get(department.value, world.STAFF["sales"])),
                    occurred_at=self.moment(known),
                    duration_seconds=self.random.randint(30, 1800)
                    if channel in {Channel.PHONE, Channel.CALL_CENTRE, Channel.IVR} else None,
                ))
            self.hub.record_interactions(actor="demo-import", drafts=drafts)
            self.summary.add("interactions", len(drafts))
            yield


def load_demo(hub: CrmHub, *, customers: int = 1000, seed: int = 7,
              console: Console | None = None) -> DemoSummary:
    """Load the demo data set into `hub`, showing progress on `console`."""
    builder = DemoBuilder(hub, seed=seed, customers=customers)
    start = hub.position()
    columns = (TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TimeRemainingColumn())
    with Progress(*columns, console=console or Console(stderr=True),
                  disable=console is None) as progress:
        for name, total, step in builder.steps():
            task = progress.add_task(name, total=total, rate="")
            first = hub.position()
            elapsed_start = progress.get_time()
            for done, _ in enumerate(step(), start=1):
                rate = None
                if done % 50 == 0:
                    elapsed = max(progress.get_time() - elapsed_start, 1e-6)
                    rate = f"{(hub.position() - first) / elapsed:,.0f} events/s"
                progress.update(task, advance=1, **({"rate": rate} if rate else {}))
            progress.update(task, completed=total)
    builder.summary.events = hub.position() - start
    builder.summary.partners = [partner.id for partner in builder.partners.partners]
    return builder.summary
