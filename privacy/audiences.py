"""Marketing audiences: a campaign messages only the customers who consented to it.

A campaign runs on one channel, and the channel decides what messaging a customer there
is in the consent vocabulary (`REACH`, the one place that says so): the purpose
(email -> `marketing.communications.email`) and the data category the message goes to
(email -> `user.contact.email`). A campaign's own `purpose` is free text for people; it
plays no part here.

A campaign's audience is every customer, not erased, with a live grant to our own
organisation whose purpose and categories cover both, at the time of the send (the
command's `occurred_at`). `AudienceCommands` holds the hub's send commands to it: composed
in `api/store.py` before `domain.hub.Hub`, its overrides run first, refuse a send to anyone
outside the audience (`NoConsentError`, a CONFLICT naming the batch item) and only then
hand over to the CRM's own commands, so a refused batch records nothing. Consent is read
from the Consent aggregate, never from a view: a send or an audience read that starts after
a withdrawal sees it, however far behind the views are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.base import now
from domain.commands.marketing import MarketingCommands
from domain.core import command
from domain.customers import Customer
from domain.errors import DomainError, InvalidTransitionError, NotFoundError
from domain.marketing import Campaign
from domain.values import Channel
from privacy.commands import ConsentCommands
from privacy.consent import Consent
from privacy.policy import Reader, decide


@dataclass(frozen=True)
class Reach:
    """What messaging a customer on one channel needs their consent for."""

    purpose: str
    category: str


_PHONE = Reach("marketing.communications.phone", "user.contact.phone_number")
_IN_PERSON = "marketing.communications.in_person"

#: Per channel, the nearest names of the consent vocabulary. Calls from a call centre or
#: an IVR are phone calls; "direct" is a visit (to the customer's address), "store" a word
#: in the shop (by name); the web shows offers picked from what the customer browsed; a
#: partner delivers on our behalf, so only consent to marketing on every channel and every
#: contact detail covers it.
REACH: dict[Channel, Reach] = {
    Channel.EMAIL: Reach("marketing.communications.email", "user.contact.email"),
    Channel.SMS: Reach("marketing.communications.sms", "user.contact.phone_number"),
    Channel.PHONE: _PHONE,
    Channel.CALL_CENTRE: _PHONE,
    Channel.IVR: _PHONE,
    Channel.FAX: Reach("marketing.communications.fax", "user.contact.fax_number"),
    Channel.MAIL: Reach("marketing.communications.post", "user.contact.address"),
    Channel.DIRECT: Reach(_IN_PERSON, "user.contact.address"),
    Channel.STORE: Reach(_IN_PERSON, "user.name"),
    Channel.CHAT: Reach("marketing.communications.chat", "user.contact"),
    Channel.SOCIAL: Reach("marketing.communications.social", "user.contact.social_url"),
    Channel.WEB: Reach("marketing.advertising", "user.behavior.browsing_history"),
    Channel.PARTNER: Reach("marketing.communications", "user.contact"),
}


def reach_of(channel: str) -> Reach:
    """What a campaign on `channel` needs consent for."""
    return REACH[Channel(channel)]


def covering_names(name: str) -> list[str]:
    """`name` and every broader name: the names a grant may give to cover it
    (`marketing.communications.email` <- `marketing`, `marketing.communications`, itself)."""
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]


def consenting_grants(consent: Consent | None, channel: str, at: datetime, *,
                      erased: bool = False) -> tuple[UUID, ...]:
    """The live grants of a customer's `consent` that let a campaign on `channel` message
    them at `at` (empty: none), as the policy decides for our organisation reading the
    channel's data category for the channel's marketing purpose."""
    reach = reach_of(channel)
    return decide(Reader.organisation(reach.purpose), reach.category, consent=consent,
                  erased=erased, at=at).grants


class NoConsentError(InvalidTransitionError):
    """The customer gave us no live consent for what the campaign's message needs."""

    def __init__(self, campaign: Campaign, customer_id: UUID, item: str | None) -> None:
        reach = reach_of(campaign.channel)
        super().__init__(
            f"customer {customer_id} has no live consent to {reach.purpose} with"
            f" {reach.category}: campaign {campaign.id} on {campaign.channel} may not message"
            " them" + (f" ({item})" if item else ""))


class AudienceCommands(ConsentCommands, MarketingCommands):
    """The hub's send commands, refusing every customer outside the campaign's audience.
    Each hands the instant it judged consent at to the CRM's command as its `occurred_at`:
    the messages are sent at the very time their consent was live."""

    @command
    def send_campaign_message(
        self,
        *,
        actor: str,
        campaign_id: UUID | str,
        customer_id: UUID | str,
        occurred_at: datetime | None = None,
    ) -> UUID:
        at = now()
        self._require_audience(campaign_id, [customer_id], at=at, batch=False)
        return super().send_campaign_message(actor=actor, campaign_id=campaign_id,
                                             customer_id=customer_id, occurred_at=at)

    @command
    def send_campaign_messages(
        self,
        *,
        actor: str,
        campaign_id: UUID | str,
        customer_ids: Sequence[UUID | str],
        occurred_at: datetime | None = None,
    ) -> list[UUID]:
        at = now()
        self._require_audience(campaign_id, customer_ids, at=at, batch=True)
        return super().send_campaign_messages(actor=actor, campaign_id=campaign_id,
                                              customer_ids=customer_ids, occurred_at=at)

    def in_audience(self, campaign: Campaign, customer_id: UUID | str, at: datetime) -> bool:
        """Whether `campaign` may message the customer at `at`, as the log stands now (what
        the audience query confirms each candidate of the consent view with)."""
        try:
            customer = self.load(Customer, customer_id)
        except NotFoundError:  # a lead's grant in the consent view: leads get no campaigns
            return False
        return bool(consenting_grants(self.consent_of(customer.id), campaign.channel, at,
                                      erased=customer.erased))

    def _require_audience(self, campaign_id: UUID | str, customer_ids: Sequence[UUID | str],
                          *, at: datetime, batch: bool) -> None:
        """Refuse the send unless every customer listed is in the campaign's audience at
        `at`. What the send refuses anyway keeps its own error: a campaign that may not
        send now, and an id that is malformed, unknown, erased or listed twice."""
        campaign = self.load(Campaign, campaign_id)
        campaign.require_sending()
        checked: set[UUID] = set()
        for index, listed in enumerate(customer_ids):
            customer = self._addressable(listed)
            if customer is None or customer in checked:
                continue
            checked.add(customer)
            if not self._consenting_grants(campaign, customer, at):
                raise NoConsentError(campaign, customer,
                                     f"customerIds[{index}]" if batch else None)

    def _addressable(self, customer_id: UUID | str) -> UUID | None:
        try:
            return self.require_customer(customer_id, "customerId")
        except DomainError:
            return None

    def _consenting_grants(self, campaign: Campaign, customer_id: UUID,
                           at: datetime) -> tuple[UUID, ...]:
        return consenting_grants(self.consent_of(customer_id), campaign.channel, at)
