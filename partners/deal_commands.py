"""Commands for partners' deal registrations and their feedback on customers.

A mixin of `domain.core.HubCore`, composed into `api.store.CrmHub`. Only an active
partner registers, moves, closes deals or sends feedback; a deal of another partner, a
customer the partner may not know and a lead it did not accept do not exist for it
(`NotFoundError`, never "forbidden": existence does not leak).

Which customers a partner knows: those it registered a deal for, and those with a live
consent grant that lets the customer exist for it (`privacy.policy`: to the partner or
its category, for its token's purpose). Its deals for a customer are looked up in the
views by the caller and confirmed here from the log, as are the conflicts a new
registration is checked against (`partners/deals.py`): `partners` must not read the
views. Two registrations for the same customer committed within the view's lag of each
other can miss each other (the api layer waits for the views to catch up with the log
first, which keeps that window short); the next one conflicts with both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.base import now, require, required_text
from domain.core import HubCore, command, parse_id
from domain.customers import Customer
from domain.errors import InvalidTransitionError, NotFoundError
from domain.interactions import SUMMARY_MAX, Interaction, InteractionDraft
from domain.leads import Lead
from domain.opportunities import Opportunity, OpportunityStage
from domain.service import TEXT_MAX as CASE_TEXT_MAX
from domain.service import Case, CaseType
from domain.values import Channel, Department, Direction, Vocabulary
from partners.deals import DealRegistration
from partners.offers import LeadDistribution
from partners.partner import Partner, PartnerStatus
from privacy.consent import Consent
from privacy.policy import Reader, decide

#: Feedback fits an interaction's summary and a case's description.
TEXT_MAX = min(SUMMARY_MAX, CASE_TEXT_MAX)
#: The category of "this customer exists for you": data that is not about the person.
EXISTENCE = "system.operations"


class FeedbackKind(Vocabulary):
    """Feedback is recorded as an interaction; an issue also opens a service case."""

    FEEDBACK = "feedback"
    ISSUE = "issue"


class DealCommands(HubCore):
    @command
    def register_deal(
        self,
        *,
        actor: str,
        partner_id: UUID | str,
        customer_id: UUID | str | None = None,
        lead_id: UUID | str | None = None,
        name: str,
        amount: Decimal | str | int,
        currency: str,
        expected_close_date: date | str,
        stage: str = OpportunityStage.PROSPECTING.value,
        conflicts: Sequence[UUID | str] = (),
        purpose: str | None = None,
        deal_ids: Sequence[UUID | str] = (),
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Register a partner's deal for a customer it knows or a lead it accepted; return
        its id. `conflicts`: candidate ids of open opportunities and registrations of the
        same customer or lead (from the views); those the log confirms flag the deal.
        `purpose` and `deal_ids` (the partner's deals for the customer, from the views)
        say whether the partner knows the customer."""
        require((customer_id is None) != (lead_id is None), "customerId",
                "name either a customer or a lead, not both")
        partner = self.active_partner(partner_id)
        customer = lead = None
        if customer_id is not None:
            customer = self.known_customer(partner, customer_id, purpose=purpose,
                                           deal_ids=deal_ids)
        if lead_id is not None:
            lead = self.accepted_lead(partner.id, lead_id)
        confirmed = self._confirmed_conflicts(conflicts, customer=customer, lead=lead)
        deal = DealRegistration.register(
            partner_id=partner.id, customer_id=customer, lead_id=lead, name=name, amount=amount,
            currency=currency, expected_close_date=expected_close_date, stage=stage,
            conflicts=confirmed)
        self.commit(deal)
        return deal.id

    @command
    def advance_deal(self, *, actor: str, partner_id: UUID | str, deal_id: UUID | str,
                     stage: str, occurred_at: datetime | None = None) -> int:
        """Move an open deal to a later open stage, or back by one stage."""
        deal = self.partner_deal(self.active_partner(partner_id).id, deal_id)
        deal.advance(stage)
        return self.commit(deal)

    @command
    def close_deal(self, *, actor: str, partner_id: UUID | str, deal_id: UUID | str,
                   outcome: str, reason: str | None = None,
                   occurred_at: datetime | None = None) -> int:
        """Win or lose an open deal; losing needs a reason."""
        deal = self.partner_deal(self.active_partner(partner_id).id, deal_id)
        deal.close(outcome, reason)
        return self.commit(deal)

    @command
    def resolve_deal_conflict(self, *, actor: str, deal_id: UUID | str, resolution: str,
                              note: str, expected_version: int | None = None,
                              occurred_at: datetime | None = None) -> int:
        """Sales' decision on a flagged registration: keep it, or reject it (closing it)."""
        deal = self.load(DealRegistration, parse_id(deal_id, "dealId"),
                         expected_version=expected_version)
        deal.resolve_conflict(resolution, note)
        return self.commit(deal)

    @command
    def submit_partner_feedback(
        self,
        *,
        actor: str,
        partner_id: UUID | str,
        customer_id: UUID | str,
        kind: str,
        subject: str,
        text: str,
        purpose: str | None = None,
        deal_ids: Sequence[UUID | str] = (),
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Record a partner's feedback on, or an issue with, a customer it knows: an
        inbound interaction on the partner channel, handled by the partner. An issue also
        opens a service case (an incident, normal priority) linked to the interaction, in
        the same commit. Returns the interaction's id."""
        feedback = FeedbackKind.parse(kind, "kind")
        partner = self.active_partner(partner_id)
        customer = self.known_customer(partner, customer_id, purpose=purpose, deal_ids=deal_ids)
        body = required_text(text, "text", max_length=TEXT_MAX)
        case = None
        if feedback is FeedbackKind.ISSUE:
            case = Case.open(customer_id=customer, channel=Channel.PARTNER.value,
                             case_type=CaseType.INCIDENT.value, priority="normal",
                             subject=subject, description=body)
        interaction = Interaction.record(InteractionDraft(
            customer_id=customer, channel=Channel.PARTNER.value,
            direction=Direction.INBOUND.value, department=Department.PARTNER.value,
            subject=subject, summary=body, handled_by=f"partner:{partner.id}",
            case_id=None if case is None else case.id))
        self.commit(interaction, *([case] if case else []))
        return interaction.id

    # -- who may know what -------------------------------------------------------------------

    def active_partner(self, partner_id: UUID | str) -> Partner:
        """The partner, which must be active to work deals."""
        partner = self.load(Partner, parse_id(partner_id, "partnerId"))
        if partner.status != PartnerStatus.ACTIVE:
            raise InvalidTransitionError(f"partner {partner.id} is {partner.status}")
        return partner

    def partner_deal(self, partner_id: UUID, deal_id: UUID | str) -> DealRegistration:
        """One of the partner's own deals; another partner's does not exist for it."""
        deal = self.load(DealRegistration, parse_id(deal_id, "dealId"))
        if deal.partner_id != partner_id:
            raise NotFoundError("deal", deal.id)
        return deal

    def known_customer(self, partner: Partner, customer_id: UUID | str, *,
                       purpose: str | None, deal_ids: Sequence[UUID | str]) -> UUID:
        """The id of a customer that exists for the partner: one it registered a deal
        for (among `deal_ids`), or one with a live grant to it for `purpose`."""
        uid = parse_id(customer_id, "customerId")
        try:
            customer = self.load(Customer, uid)
        except NotFoundError:
            raise NotFoundError("customer", uid) from None
        if customer.erased:
            raise NotFoundError("customer", uid)
        for deal_id in deal_ids:
            try:
                if self.partner_deal(partner.id, deal_id).customer_id == uid:
                    return uid
            except NotFoundError:
                continue
        if purpose is not None and self._consented(partner, uid, purpose):
            return uid
        raise NotFoundError("customer", uid)

    def _consented(self, partner: Partner, customer_id: UUID, purpose: str) -> bool:
        try:
            consent = self.load(Consent, Consent.create_id(customer_id))
        except NotFoundError:
            return False
        reader = Reader.partner(partner.id, partner.kind, purpose)
        return decide(reader, EXISTENCE, consent=consent, erased=False, at=now()).allowed

    def accepted_lead(self, partner_id: UUID, lead_id: UUID | str) -> UUID:
        """The id of a lead the partner accepted; any other lead does not exist for it."""
        uid = parse_id(lead_id, "leadId")
        if not lead_accepted_by(self, partner_id, uid):
            raise NotFoundError("lead", uid)
        return uid

    # -- conflicts -------------------------------------------------------------------------

    def _confirmed_conflicts(self, candidates: Sequence[UUID | str], *, customer: UUID | None,
                             lead: UUID | None) -> list[UUID]:
        """The candidates that the log confirms: open opportunities and open registrations
        of the same customer or lead (a lead and the customer it became count as one)."""
        subjects = self._subjects(customer, lead)
        confirmed: list[UUID] = []
        for candidate in dict.fromkeys(parse_id(c, "conflicts") for c in candidates):
            try:
                found: object = self.repository.get(candidate)
            except AggregateNotFoundError:  # a made-up candidate is no conflict
                continue
            if isinstance(found, Opportunity):
                clash = found.is_open and found.customer_id in subjects
            elif isinstance(found, DealRegistration):
                clash = found.is_open and bool({found.customer_id, found.lead_id} & subjects)
            else:
                clash = False
            if clash:
                confirmed.append(candidate)
        return confirmed

    def _subjects(self, customer: UUID | None, lead: UUID | None) -> set[UUID | None]:
        subjects: set[UUID | None] = set()
        if customer is not None:
            subjects |= {customer, self.load(Customer, customer).lead_id}
        if lead is not None:
            subjects |= {lead, self.load(Lead, lead).customer_id}
        subjects.discard(None)
        return subjects


def lead_accepted_by(hub: HubCore, partner_id: UUID, lead_id: UUID) -> bool:
    """Whether the partner accepted the offer of this lead and holds it now (not
    recalled): `partners/offers.py`."""
    try:
        distribution = hub.load(LeadDistribution, LeadDistribution.create_id(lead_id))
    except NotFoundError:
        return False
    return distribution.owner == partner_id
