"""Leads: people who may become customers, from first capture to conversion.

A lead is a person before they are a customer, so a lead is its own data subject: the
name, contact details, company name and notes it carries are personal data of the
lead itself (`originator_id`). Converting a lead copies its profile into a new
customer; the `Converted` event names that customer, so erasure can follow the link.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import CrmAggregate, clean_text, require, required_text
from domain.customers import parse_emails, parse_phones
from domain.errors import InvalidTransitionError
from domain.values import Channel, Vocabulary

NOTES_MAX = 4000
REASON_MAX = 500


class LeadSource(Vocabulary):
    """Where a lead came from (the channel says how it reached us)."""

    WEB_FORM = "web_form"
    TRADE_SHOW = "trade_show"
    REFERRAL = "referral"
    PARTNER = "partner"
    PURCHASED_LIST = "purchased_list"
    CAMPAIGN = "campaign"
    COLD_CALL = "cold_call"
    SOCIAL_MEDIA = "social_media"


class LeadStatus(Vocabulary):
    NEW = "new"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    CONVERTED = "converted"


class Lead(CrmAggregate):
    """A person who showed interest, until they are qualified and converted or dropped.

    new -> qualified -> converted; new or qualified -> disqualified. Disqualified and
    converted are final.
    """

    KIND = "lead"

    @event("Captured")
    def __init__(
        self,
        *,
        source: str,
        channel: str,
        given_name: str | None,
        family_name: str | None,
        job_title: str | None,
        email: str | None,
        phone: str | None,
        company_name: str | None,
        notes: str | None,
        campaign_id: UUID | None,
        owner: str | None,
    ) -> None:
        self.source = source
        self.channel = channel
        self.given_name = given_name
        self.family_name = family_name
        self.job_title = job_title
        self.email = email
        self.phone = phone
        self.company_name = company_name
        self.notes = notes
        self.campaign_id = campaign_id
        self.owner = owner
        self.status = LeadStatus.NEW.value
        self.status_reason: str | None = None
        self.customer_id: UUID | None = None
        self.opportunity_id: UUID | None = None

    @classmethod
    def capture(
        cls,
        *,
        source: str,
        channel: str,
        given_name: str | None,
        family_name: str | None,
        job_title: str | None,
        email: str | None,
        phone: str | None,
        company_name: str | None,
        notes: str | None,
        campaign_id: UUID | None,
        owner: str | None,
    ) -> Lead:
        given = clean_text(given_name, "givenName") or None
        family = clean_text(family_name, "familyName") or None
        require(bool(given or family), "familyName", "a lead needs a given or a family name")
        emails = parse_emails([email], "email") if email else []
        phones = parse_phones([phone], "phone") if phone else []
        require(bool(emails or phones), "email", "a lead needs an email address or a phone number")
        return cls(
            source=LeadSource.parse(source, "source").value,
            channel=Channel.parse(channel, "channel").value,
            given_name=given,
            family_name=family,
            job_title=clean_text(job_title, "jobTitle") or None,
            email=emails[0] if emails else None,
            phone=phones[0] if phones else None,
            company_name=clean_text(company_name, "companyName") or None,
            notes=clean_text(notes, "notes", max_length=NOTES_MAX) or None,
            campaign_id=campaign_id,
            owner=clean_text(owner, "owner") or None,
        )

    def customer_profile(self) -> dict[str, Any]:
        """The profile of the customer this lead becomes on conversion."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "job_title": self.job_title,
            "emails": [self.email] if self.email else [],
            "phones": [self.phone] if self.phone else [],
            "company_name": self.company_name,
        }

    # -- qualification ---------------------------------------------------------------

    def qualify(self, reason: str | None) -> None:
        self._require_status(LeadStatus.NEW, action="qualified")
        self._qualify(reason=clean_text(reason, "reason", max_length=REASON_MAX) or None)

    @event("Qualified")
    def _qualify(self, *, reason: str | None) -> None:
        self.status = LeadStatus.QUALIFIED.value
        self.status_reason = reason

    def disqualify(self, reason: str) -> None:
        self._require_status(LeadStatus.NEW, LeadStatus.QUALIFIED, action="disqualified")
        self._disqualify(reason=required_text(reason, "reason", max_length=REASON_MAX))

    @event("Disqualified")
    def _disqualify(self, *, reason: str) -> None:
        self.status = LeadStatus.DISQUALIFIED.value
        self.status_reason = reason

    # -- conversion --------------------------------------------------------------------

    def require_convertible(self) -> None:
        """Only a qualified lead may be converted; check before building its customer."""
        self._require_status(LeadStatus.QUALIFIED, action="converted")

    def convert(self, *, customer_id: UUID, opportunity_id: UUID) -> None:
        self.require_convertible()
        self._convert(customer_id=customer_id, opportunity_id=opportunity_id)

    @event("Converted")
    def _convert(self, *, customer_id: UUID, opportunity_id: UUID) -> None:
        self.status = LeadStatus.CONVERTED.value
        self.customer_id = customer_id
        self.opportunity_id = opportunity_id

    def _require_status(self, *allowed: LeadStatus, action: str) -> None:
        if self.status not in allowed:
            raise InvalidTransitionError(
                f"lead {self.id} is {self.status}: only a "
                f"{' or '.join(s.value for s in allowed)} lead can be {action}"
            )
