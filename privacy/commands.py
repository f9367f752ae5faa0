"""Commands for consent: grant, withdraw, and read a data subject's grants.

A data subject is a customer, or a lead (a person before they are a customer): each has
its own `Consent`, whose id derives from the subject's id. A converted lead's grants stay
with the lead: they were given about the lead record, so they keep governing what may be
shown of it, and they do not become the customer's (new consent for the customer is
recorded for the customer; a converted lead takes no new grants, but its grants can still
be withdrawn). A lead converted into a customer who was erased is erased too (its key
went with the customer's): it takes neither grants nor withdrawals.

A mixin of `domain.core.HubCore` like the CRM's own commands; `api.store.CrmHub` puts it
together with `domain.hub.Hub`, because `domain` must not import `privacy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.core import HubCore, command, parse_id
from domain.customers import Customer
from domain.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from domain.sales import Lead
from privacy.consent import Consent, Grant, Recipient

#: A data subject: the customer or the lead a consent is about.
Subject = Customer | Lead


class ConsentCommands(HubCore):
    @command
    def grant_consent(
        self,
        *,
        actor: str,
        recipient: str,
        purpose: str,
        categories: Sequence[str],
        channel: str,
        notice_version: str,
        customer_id: UUID | str | None = None,
        lead_id: UUID | str | None = None,
        subject_id: UUID | str | None = None,
        partner_id: UUID | str | None = None,
        partner_category: str | None = None,
        notice_text: str | None = None,
        expires_at: datetime | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Record a data subject's consent with its evidence; return the grant's id.

        The subject is named by exactly one of `customer_id`, `lead_id` or `subject_id`
        (a customer or a lead). `recipient` is "organisation", "partner" (name
        `partner_id`) or "partner_category" (name `partner_category`).
        """
        subject = self._changeable_subject(customer_id, lead_id, subject_id, granting=True)
        consent = self.consent_of(subject) or Consent(customer_id=subject)
        grant_id = consent.grant(
            recipient=Recipient.parse(recipient, partner_id, partner_category),
            purpose=purpose, categories=categories, channel=channel,
            notice_version=notice_version, notice_text=notice_text, expires_at=expires_at,
        )
        self.commit(consent)
        return grant_id

    @command
    def withdraw_consent(
        self,
        *,
        actor: str,
        grant_id: UUID | str,
        channel: str,
        customer_id: UUID | str | None = None,
        lead_id: UUID | str | None = None,
        subject_id: UUID | str | None = None,
        reason: str | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Record that the subject (named as for `grant_consent`) withdrew a live grant;
        an unknown grant is `NotFoundError`, a withdrawn or expired one
        `InvalidTransitionError`."""
        subject = self._changeable_subject(customer_id, lead_id, subject_id, granting=False)
        grant = parse_id(grant_id, "grantId")
        consent = self.consent_of(subject)
        if consent is None:
            raise NotFoundError("consent grant", grant)
        consent.withdraw(grant, channel=channel, reason=reason)
        return self.commit(consent)

    def consents(self, subject_id: UUID | str) -> list[Grant]:
        """Every grant the customer or lead gave, oldest first. Each answers its
        `status(at)` and carries its history (`given`, and `withdrawal` once withdrawn)."""
        subject = self.data_subject(subject_id)  # erased: still there
        consent = self.consent_of(subject.id)
        return [] if consent is None else consent.grants

    def consent_of(self, subject_id: UUID) -> Consent | None:
        """The subject's consent as it stands in the log (None: they never gave any)."""
        try:
            return self.load(Consent, Consent.create_id(subject_id))
        except NotFoundError:
            return None

    def data_subject(self, subject_id: UUID | str, field: str = "subjectId") -> Subject:
        """The customer or the lead with this id, or `NotFoundError`."""
        uid = parse_id(subject_id, field)
        try:
            subject: object = self.repository.get(uid)
        except AggregateNotFoundError:
            raise NotFoundError("data subject", uid) from None
        if not isinstance(subject, Customer | Lead):
            raise NotFoundError("data subject", uid)
        return subject

    def subject_erased(self, subject: Subject) -> bool:
        """Whether the subject's personal data was erased: a customer's own flag; a lead's
        is its customer's (erasing a customer erases the lead they were converted from)."""
        if isinstance(subject, Customer):
            return subject.erased
        return subject.customer_id is not None and self.load(Customer, subject.customer_id).erased

    def _changeable_subject(self, customer_id: UUID | str | None, lead_id: UUID | str | None,
                            subject_id: UUID | str | None, *, granting: bool) -> UUID:
        """The id of the subject named by exactly one argument, if its consent may change."""
        named = [(value, field) for value, field in ((customer_id, "customerId"),
                                                     (lead_id, "leadId"),
                                                     (subject_id, "subjectId"))
                 if value is not None]
        if len(named) != 1:
            raise InvalidValueError(named[-1][1] if named else "customerId",
                                    "name the subject by exactly one of customerId and leadId")
        value, field = named[0]
        if field == "customerId":
            return self.require_customer(value, field)
        subject = self.data_subject(value, field)
        if isinstance(subject, Customer) and field == "subjectId":
            return self.require_customer(subject.id, field)
        if not isinstance(subject, Lead):
            raise NotFoundError("lead", subject.id)
        if self.subject_erased(subject):
            raise InvalidTransitionError(f"lead {subject.id} was erased with its customer")
        if granting and subject.customer_id is not None:
            raise InvalidTransitionError(
                f"lead {subject.id} was converted into customer {subject.customer_id}: "
                "record new consent for the customer")
        return subject.id
