"""Commands for consent: grant, withdraw, and read a customer's grants.

A mixin of `domain.core.HubCore` like the CRM's own commands; `api.store.CrmHub` puts it
together with `domain.hub.Hub`, because `domain` must not import `privacy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from domain.core import HubCore, command, parse_id
from domain.customers import Customer
from domain.errors import NotFoundError
from privacy.consent import Consent, Grant, Recipient


class ConsentCommands(HubCore):
    @command
    def grant_consent(
        self,
        *,
        actor: str,
        customer_id: UUID | str,
        recipient: str,
        purpose: str,
        categories: Sequence[str],
        channel: str,
        notice_version: str,
        partner_id: UUID | str | None = None,
        partner_category: str | None = None,
        notice_text: str | None = None,
        expires_at: datetime | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Record a customer's consent with its evidence; return the grant's id.

        `recipient` is "organisation", "partner" (name `partner_id`) or
        "partner_category" (name `partner_category`).
        """
        customer = self.require_customer(customer_id, "customerId")
        consent = self.consent_of(customer) or Consent(customer_id=customer)
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
        customer_id: UUID | str,
        grant_id: UUID | str,
        channel: str,
        reason: str | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Record that the customer withdrew a live grant; an unknown grant is
        `NotFoundError`, a withdrawn or expired one `InvalidTransitionError`."""
        customer = self.require_customer(customer_id, "customerId")
        grant = parse_id(grant_id, "grantId")
        consent = self.consent_of(customer)
        if consent is None:
            raise NotFoundError("consent grant", grant)
        consent.withdraw(grant, channel=channel, reason=reason)
        return self.commit(consent)

    def consents(self, customer_id: UUID | str) -> list[Grant]:
        """Every grant the customer gave, oldest first. Each answers its `status(at)` and
        carries its history (`given`, and `withdrawal` once withdrawn)."""
        customer = self.load(Customer, parse_id(customer_id, "customerId"))  # erased: still there
        consent = self.consent_of(customer.id)
        return [] if consent is None else consent.grants

    def consent_of(self, customer_id: UUID) -> Consent | None:
        """The customer's consent as it stands in the log (None: they never gave any)."""
        try:
            return self.load(Consent, Consent.create_id(customer_id))
        except NotFoundError:
            return None
