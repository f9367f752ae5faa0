"""Commands for campaigns, their messages and responses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from domain.core import HubCore, command, parse_id
from domain.errors import InvalidTransitionError, InvalidValueError, NotFoundError
from domain.marketing import Campaign, CampaignMessage

#: Most messages one batch may send (one transaction).
MAX_MESSAGES_BATCH = 5_000


class MarketingCommands(HubCore):
    @command
    def create_campaign(
        self,
        *,
        actor: str,
        name: str,
        channel: str,
        budget: Decimal | str | int,
        currency: str,
        starts_on: date | str,
        ends_on: date | str,
        purpose: str | None = None,
        description: str | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Create a draft campaign; return its id."""
        campaign = Campaign.create(
            name=name, channel=channel, budget=budget, currency=currency,
            starts_on=starts_on, ends_on=ends_on, purpose=purpose, description=description,
        )
        self.commit(campaign)
        return campaign.id

    @command
    def launch_campaign(
        self,
        *,
        actor: str,
        campaign_id: UUID | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        campaign = self.load(Campaign, campaign_id, expected_version=expected_version)
        campaign.launch()
        return self.commit(campaign)

    @command
    def complete_campaign(
        self,
        *,
        actor: str,
        campaign_id: UUID | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        campaign = self.load(Campaign, campaign_id, expected_version=expected_version)
        campaign.complete()
        return self.commit(campaign)

    @command
    def cancel_campaign(
        self,
        *,
        actor: str,
        campaign_id: UUID | str,
        reason: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        campaign = self.load(Campaign, campaign_id, expected_version=expected_version)
        campaign.cancel(reason)
        return self.commit(campaign)

    # -- messages and responses ---------------------------------------------------

    @command
    def send_campaign_message(
        self,
        *,
        actor: str,
        campaign_id: UUID | str,
        customer_id: UUID | str,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Record that a launched campaign sent its message to a customer; return its id."""
        campaign = self.load(Campaign, campaign_id)
        (message,) = self._messages(campaign, [customer_id], field="customerId")
        self.commit(message)
        return message.id

    @command
    def send_campaign_messages(
        self,
        *,
        actor: str,
        campaign_id: UUID | str,
        customer_ids: Sequence[UUID | str],
        occurred_at: datetime | None = None,
    ) -> list[UUID]:
        """Batch send: every message is recorded in one transaction, or none is."""
        if not customer_ids:
            raise InvalidValueError("customerIds", "the batch is empty")
        if len(customer_ids) > MAX_MESSAGES_BATCH:
            raise InvalidValueError("customerIds", f"at most {MAX_MESSAGES_BATCH} per batch")
        campaign = self.load(Campaign, campaign_id)
        messages = self._messages(campaign, customer_ids, field="customerIds")
        self.commit(*messages)
        return [m.id for m in messages]

    @command
    def record_campaign_response(
        self,
        *,
        actor: str,
        campaign_id: UUID | str,
        customer_id: UUID | str,
        response: str,
        value: Decimal | str | int | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Record a customer's response to the message the campaign sent them.

        A message that was never sent is `NotFoundError` (kind "campaign message").
        """
        campaign = self.load(Campaign, campaign_id)
        customer = self.require_customer(customer_id, "customerId")
        message = self.load(CampaignMessage, CampaignMessage.create_id(campaign.id, customer),
                            expected_version=expected_version)
        message.record_response(response, value, campaign.currency)
        return self.commit(message)

    def _messages(
        self, campaign: Campaign, customer_ids: Sequence[UUID | str], *, field: str
    ) -> list[CampaignMessage]:
        campaign.require_sending()
        batch = field == "customerIds"
        messages: list[CampaignMessage] = []
        seen: set[UUID] = set()
        for index, raw_id in enumerate(customer_ids):
            where = f"{field}[{index}]" if batch else field
            customer_id = parse_id(raw_id, where)
            if customer_id in seen:
                raise InvalidValueError(where, f"customer {customer_id} is listed twice")
            seen.add(customer_id)
            try:
                self.require_customer(customer_id, where)
            except NotFoundError as error:
                if batch:
                    raise NotFoundError(error.kind, f"{error.id} ({where})") from None
                raise
            if self.exists(CampaignMessage, CampaignMessage.create_id(campaign.id, customer_id)):
                raise InvalidTransitionError(
                    f"campaign {campaign.id} already sent its message to customer {customer_id}"
                    + (f" ({where})" if batch else "")
                )
            messages.append(CampaignMessage.send(campaign, customer_id))
        return messages
