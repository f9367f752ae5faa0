"""Commands for leads, opportunities and quotes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.core import HubCore, command, parse_id
from domain.customers import Customer, LifecycleStage
from domain.marketing import Campaign
from domain.sales import Lead, Opportunity, OpportunityStage, Quote, QuoteLineDraft


@dataclass(frozen=True)
class LeadConversion:
    """What converting a lead created: its customer and their first opportunity."""

    customer_id: UUID
    opportunity_id: UUID


class SalesCommands(HubCore):

    # -- leads -----------------------------------------------------------------------

    @command
    def capture_lead(
        self,
        *,
        actor: str,
        source: str,
        channel: str,
        given_name: str | None = None,
        family_name: str | None = None,
        job_title: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        company_name: str | None = None,
        notes: str | None = None,
        campaign_id: UUID | str | None = None,
        owner: str | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Capture a lead: a named person with an email address or a phone number."""
        campaign = None
        if campaign_id is not None:
            campaign = self.load(Campaign, parse_id(campaign_id, "campaignId")).id
        lead = Lead.capture(
            source=source, channel=channel, given_name=given_name, family_name=family_name,
            job_title=job_title, email=email, phone=phone, company_name=company_name,
            notes=notes, campaign_id=campaign, owner=owner,
        )
        self.commit(lead)
        return lead.id

    @command
    def qualify_lead(
        self,
        *,
        actor: str,
        lead_id: UUID | str,
        reason: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        lead = self.load(Lead, parse_id(lead_id, "leadId"), expected_version=expected_version)
        lead.qualify(reason)
        return self.commit(lead)

    @command
    def disqualify_lead(
        self,
        *,
        actor: str,
        lead_id: UUID | str,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        lead = self.load(Lead, parse_id(lead_id, "leadId"), expected_version=expected_version)
        lead.disqualify(reason)
        return self.commit(lead)

    @command
    def convert_lead(
        self,
        *,
        actor: str,
        lead_id: UUID | str,
        opportunity_name: str,
        amount: Decimal | str | int,
        currency: str,
        expected_close_date: date | str,
        owner: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> LeadConversion:
        """Turn a qualified lead into a prospect customer with an opportunity, atomically.

        The customer takes the lead's profile; customer and opportunity are owned by
        `owner`, or by the lead's owner when none is given. The opportunity keeps the
        lead's id and campaign for attribution.
        """
        lead = self.load(Lead, parse_id(lead_id, "leadId"), expected_version=expected_version)
        lead.require_convertible()
        owner = owner if owner is not None else lead.owner
        customer = Customer.register(
            kind="person", profile=lead.customer_profile(), organisation_id=None,
            stage=LifecycleStage.PROSPECT.value, owner=owner, tags=[], external_ids={},
            lead_id=lead.id,
        )
        opportunity = Opportunity.open(
            customer_id=customer.id, name=opportunity_name, amount=amount, currency=currency,
            expected_close_date=expected_close_date, owner=owner, lead_id=lead.id,
            campaign_id=lead.campaign_id,
        )
        lead.convert(customer_id=customer.id, opportunity_id=opportunity.id)
        self.commit(lead, customer, opportunity)
        return LeadConversion(customer_id=customer.id, opportunity_id=opportunity.id)

    # -- opportunities -----------------------------------------------------------------

    @command
    def open_opportunity(
        self,
        *,
        actor: str,
        customer_id: UUID | str,
        name: str,
        amount: Decimal | str | int,
        currency: str,
        expected_close_date: date | str,
        owner: str | None = None,
        stage: str = OpportunityStage.PROSPECTING.value,
        campaign_id: UUID | str | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Open an opportunity for an existing customer; return its id."""
        customer = self.require_customer(customer_id, "customerId")
        campaign = None
        if campaign_id is not None:
            campaign = self.load(Campaign, parse_id(campaign_id, "campaignId")).id
        opportunity = Opportunity.open(
            customer_id=customer, name=name, amount=amount, currency=currency,
            expected_close_date=expected_close_date, owner=owner, stage=stage,
            campaign_id=campaign,
        )
        self.commit(opportunity)
        return opportunity.id

    @command
    def advance_opportunity(
        self,
        *,
        actor: str,
        opportunity_id: UUID | str,
        stage: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Move an open opportunity to a later open stage, or back by one stage."""
        opportunity = self._opportunity(opportunity_id, expected_version)
        opportunity.advance(stage)
        return self.commit(opportunity)

    @command
    def update_opportunity(
        self,
        *,
        actor: str,
        opportunity_id: UUID | str,
        name: str | None = None,
        amount: Decimal | str | int | None = None,
        expected_close_date: date | str | None = None,
        owner: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Change the given details of an open opportunity (currency never changes)."""
        opportunity = self._opportunity(opportunity_id, expected_version)
        opportunity.update(name=name, amount=amount, expected_close_date=expected_close_date,
                           owner=owner)
        return self.commit(opportunity)

    @command
    def close_opportunity(
        self,
        *,
        actor: str,
        opportunity_id: UUID | str,
        outcome: str,
        reason: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Win or lose an open opportunity; losing needs a reason."""
        opportunity = self._opportunity(opportunity_id, expected_version)
        opportunity.close(outcome, reason)
        return self.commit(opportunity)

    def _opportunity(self, opportunity_id: UUID | str, expected_version: int | None) -> Opportunity:
        return self.load(Opportunity, parse_id(opportunity_id, "opportunityId"),
                         expected_version=expected_version)

    # -- quotes ------------------------------------------------------------------------

    @command
    def issue_quote(
        self,
        *,
        actor: str,
        opportunity_id: UUID | str,
        currency: str,
        lines: Sequence[QuoteLineDraft],
        valid_until: date | str,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Issue a quote for an open opportunity, in its currency; return the quote's id."""
        opportunity = self._opportunity(opportunity_id, None)
        quote = Quote.issue(opportunity=opportunity, currency=currency, lines=lines,
                            valid_until=valid_until)
        self.commit(quote)
        return quote.id

    @command
    def accept_quote(
        self,
        *,
        actor: str,
        quote_id: UUID | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Record the customer's acceptance; the opportunity is left as it is."""
        quote = self._quote(quote_id, expected_version)
        quote.accept()
        return self.commit(quote)

    @command
    def reject_quote(
        self,
        *,
        actor: str,
        quote_id: UUID | str,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        quote = self._quote(quote_id, expected_version)
        quote.reject(reason)
        return self.commit(quote)

    @command
    def expire_quote(
        self,
        *,
        actor: str,
        quote_id: UUID | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Mark an issued quote expired once its last valid day has passed."""
        quote = self._quote(quote_id, expected_version)
        quote.expire()
        return self.commit(quote)

    def _quote(self, quote_id: UUID | str, expected_version: int | None) -> Quote:
        return self.load(Quote, parse_id(quote_id, "quoteId"), expected_version=expected_version)
