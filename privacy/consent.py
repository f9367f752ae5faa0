"""Consent: what a customer allowed, to whom, for which purpose, with the evidence.

One `Consent` aggregate per data subject (a customer, or a lead), its id derived from
the subject's (`Consent.create_id`): there is exactly one, and two first grants given at
once collide on it. Its events name the subject `customer_id` (a stored event never
changes its fields): for a lead's consent, that is the lead's id, so a withdrawal's reason
is encrypted with the lead's own key. It keeps every grant ever given. A grant names

- the recipient: our own organisation, one partner (by id), or every partner of a
  category (supplier, vendor, distributor, reseller);
- one purpose (a data use) and the data categories it covers, named in
  `privacy.vocabulary`, where a broader name covers its narrower names;
- its evidence: the channel it was given on, when (`occurred_at`: backdated for
  consent given on paper or imported, never in the future), who recorded it (`actor`),
  the notice shown (its version, and its wording when given), an optional expiry.

A withdrawal is an event too. An expired grant counts as withdrawn: expiry is computed
against the instant a question is about, so nothing has to happen for a grant to lapse.
Every event records the version of the vocabulary its names were checked against.

The grant and withdrawal events are explicit classes with an `apply`, not `@event`
methods: a grant's evidence is its event's `actor` and `occurred_at`, which the body of
an `@event` method cannot see.

No event holds a name or a contact detail, and the notice wording is ours, not the
customer's; a withdrawal's reason is free text that may quote the customer, so it is
marked as personal data (registered with `domain.personal_data` at the end).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import cast
from uuid import UUID, uuid4, uuid5

from domain import personal_data
from domain.base import CrmAggregate, clean_text, now, require, required_text
from domain.core import parse_id
from domain.errors import InvalidTransitionError, NotFoundError
from domain.values import Channel, Vocabulary
from privacy import vocabulary as names

NOTICE_VERSION_MAX = 100
NOTICE_MAX = 4000
REASON_MAX = 500


class RecipientKind(Vocabulary):
    ORGANISATION = "organisation"
    PARTNER = "partner"
    PARTNER_CATEGORY = "partner_category"


class PartnerCategory(Vocabulary):
    SUPPLIER = "supplier"
    VENDOR = "vendor"
    DISTRIBUTOR = "distributor"
    RESELLER = "reseller"


class GrantStatus(Vocabulary):
    LIVE = "live"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class ChangeKind(Vocabulary):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Recipient:
    """Who may receive the data. A grant to one partner names the partner alone; when a
    question is asked about a partner, `category` is that partner's category, so that
    grants to the whole category count too."""

    kind: str
    partner_id: UUID | None = None
    category: str | None = None

    @classmethod
    def parse(cls, kind: str, partner_id: UUID | str | None, category: str | None) -> Recipient:
        """The recipient a grant names, refusing an id or a category that does not belong."""
        parsed = RecipientKind.parse(kind, "recipient.kind")
        wants_partner = parsed is RecipientKind.PARTNER
        wants_category = parsed is RecipientKind.PARTNER_CATEGORY
        require(partner_id is not None or not wants_partner, "recipient.partnerId",
                "a grant to a partner names the partner")
        require(partner_id is None or wants_partner, "recipient.partnerId",
                "only a grant to a partner names one")
        require(category is not None or not wants_category, "recipient.category",
                "a grant to a partner category names the category")
        require(category is None or wants_category, "recipient.category",
                "only a grant to a partner category names one")
        return cls(
            kind=parsed.value,
            partner_id=None if partner_id is None else parse_id(partner_id, "recipient.partnerId"),
            category=None if category is None else
            PartnerCategory.parse(category, "recipient.category").value,
        )

    def covered_by(self, granted: Recipient) -> bool:
        """Whether a grant to `granted` lets data go to this recipient: a grant to a
        partner category covers the partners of that category, a grant to one partner
        only that partner, and a grant to our organisation only us."""
        if granted.kind == RecipientKind.PARTNER_CATEGORY:
            return self.kind != RecipientKind.ORGANISATION and self.category == granted.category
        return (self.kind, self.partner_id) == (granted.kind, granted.partner_id)


@dataclass(frozen=True)
class Change:
    """One event in a grant's story, with its evidence."""

    grant_id: UUID
    kind: str
    occurred_at: datetime
    actor: str
    channel: str
    reason: str | None = None


@dataclass(frozen=True)
class Grant:
    """What a customer allowed, with the evidence of when it began and, if it did, ended."""

    id: UUID
    recipient: Recipient
    purpose: str
    categories: tuple[str, ...]
    notice_version: str
    notice_text: str | None
    expires_at: datetime | None
    vocabulary_version: str
    given: Change
    withdrawal: Change | None = None

    @property
    def history(self) -> list[Change]:
        return [self.given] if self.withdrawal is None else [self.given, self.withdrawal]

    def status(self, at: datetime) -> GrantStatus:
        """Live, withdrawn or expired at `at` (an instant since the grant was given)."""
        if self.withdrawal is not None and self.withdrawal.occurred_at <= at:
            return GrantStatus.WITHDRAWN
        if self.expires_at is not None and self.expires_at <= at:
            return GrantStatus.EXPIRED
        return GrantStatus.LIVE

    def is_live(self, at: datetime) -> bool:
        return self.given.occurred_at <= at and self.status(at) is GrantStatus.LIVE

    def covers(self, recipient: Recipient, purpose: str, category: str) -> bool:
        return (recipient.covered_by(self.recipient) and names.covers(self.purpose, purpose)
                and any(names.covers(granted, category) for granted in self.categories))


class Consent(CrmAggregate):
    """Every grant one customer gave, withdrawn or not."""

    KIND = "consent"

    class Event(CrmAggregate.Event):
        vocabulary_version: str = field(
            default_factory=lambda: names.vocabulary().version, init=False)

        def change(self, kind: ChangeKind, grant_id: UUID, channel: str,
                   reason: str | None = None) -> Change:
            """This event as a step in a grant's story: what, when, who, on which channel."""
            return Change(grant_id=grant_id, kind=kind.value,
                          occurred_at=cast(datetime, self.occurred_at), actor=self.actor,
                          channel=channel, reason=reason)

    class Created(Event, CrmAggregate.Created):
        customer_id: UUID

    @staticmethod
    def create_id(customer_id: UUID) -> UUID:
        """The one id of a customer's consent."""
        return uuid5(customer_id, "consent")

    def __init__(self, *, customer_id: UUID) -> None:
        self.customer_id = customer_id
        self.grants: list[Grant] = []

    # -- questions ----------------------------------------------------------------------

    def get(self, grant_id: UUID) -> Grant:
        for grant in self.grants:
            if grant.id == grant_id:
                return grant
        raise NotFoundError("consent grant", grant_id)

    def live_grants(self, at: datetime) -> list[Grant]:
        """The grants given by `at` and neither withdrawn nor expired then."""
        return [grant for grant in self.grants if grant.is_live(at)]

    def covers(self, recipient: Recipient, purpose: str, category: str, at: datetime) -> list[Grant]:
        """The grants relied on to let data of `category` go to `recipient` for `purpose`
        at `at`: every live grant whose recipient, purpose and categories cover them
        (empty: there is no consent)."""
        return [grant for grant in self.live_grants(at)
                if grant.covers(recipient, purpose, category)]

    # -- grants and withdrawals -----------------------------------------------------------

    def grant(
        self,
        *,
        recipient: Recipient,
        purpose: str,
        categories: Sequence[str],
        channel: str,
        notice_version: str,
        notice_text: str | None,
        expires_at: datetime | None,
    ) -> UUID:
        """Record a grant given now (the command's `occurred_at`); return its id."""
        terms = names.vocabulary()
        require(bool(categories), "categories", "name at least one data category")
        checked = [terms.category(name, f"categories[{index}]")
                   for index, name in enumerate(categories)]
        grant_id = uuid4()
        self.trigger_event(
            self.Granted, customer_id=self.customer_id, grant_id=grant_id,
            recipient=recipient.kind, partner_id=recipient.partner_id,
            partner_category=recipient.category, purpose=terms.purpose(purpose, "purpose"),
            categories=list(dict.fromkeys(checked)), channel=Channel.parse(channel, "channel").value,
            notice_version=required_text(notice_version, "noticeVersion",
                                         max_length=NOTICE_VERSION_MAX),
            notice_text=clean_text(notice_text, "noticeText", max_length=NOTICE_MAX) or None,
            expires_at=_expiry(expires_at),
        )
        return grant_id

    class Granted(Event):
        customer_id: UUID
        grant_id: UUID
        recipient: str
        partner_id: UUID | None
        partner_category: str | None
        purpose: str
        categories: list[str]
        channel: str
        notice_version: str
        notice_text: str | None
        expires_at: datetime | None

        def apply(self, aggregate: CrmAggregate) -> None:
            super().apply(aggregate)
            consent = cast(Consent, aggregate)
            consent.grants = [*consent.grants, Grant(
                id=self.grant_id,
                recipient=Recipient(self.recipient, self.partner_id, self.partner_category),
                purpose=self.purpose, categories=tuple(self.categories),
                notice_version=self.notice_version, notice_text=self.notice_text,
                expires_at=self.expires_at, vocabulary_version=self.vocabulary_version,
                given=self.change(ChangeKind.GRANTED, self.grant_id, self.channel),
            )]

    def withdraw(self, grant_id: UUID, *, channel: str, reason: str | None) -> None:
        """Record that a live grant is withdrawn now (the command's `occurred_at`)."""
        grant = self.get(grant_id)
        at = now()
        if grant.withdrawal is not None:
            raise InvalidTransitionError(f"consent grant {grant_id} is already withdrawn")
        if grant.status(at) is GrantStatus.EXPIRED:
            raise InvalidTransitionError(
                f"consent grant {grant_id} has expired: it counts as withdrawn already")
        require(at >= grant.given.occurred_at, "occurredAt",
                f"must not be before the grant was given ({grant.given.occurred_at.isoformat()})")
        self.trigger_event(
            self.Withdrawn, customer_id=self.customer_id, grant_id=grant_id,
            channel=Channel.parse(channel, "channel").value,
            reason=clean_text(reason, "reason", max_length=REASON_MAX) or None,
        )

    class Withdrawn(Event):
        customer_id: UUID
        grant_id: UUID
        channel: str
        reason: str | None

        def apply(self, aggregate: CrmAggregate) -> None:
            super().apply(aggregate)
            consent = cast(Consent, aggregate)
            withdrawal = self.change(ChangeKind.WITHDRAWN, self.grant_id, self.channel, self.reason)
            consent.grants = [replace(grant, withdrawal=withdrawal)
                              if grant.id == self.grant_id else grant for grant in consent.grants]


def _expiry(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    require(value.tzinfo is not None, "expiresAt", "must carry a time zone (UTC ISO-8601)")
    expiry = value.astimezone(UTC)
    require(expiry > now(), "expiresAt", "must be after the consent was given (occurredAt)")
    return expiry


personal_data.register(
    {Consent.Withdrawn: personal_data.PersonalFields("customer_id", ("reason",))},
    no_personal_data=[Consent.Created, Consent.Granted],
)
