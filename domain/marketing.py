"""Marketing campaigns, the messages they send to customers, and the responses.

A `Campaign` runs on one channel with a budget over a period of days:
draft -> launched -> completed, and cancelled from draft or launched. A launched
campaign may send only within its period (by the sending command's business date);
a campaign whose period is over cannot be launched any more.

A `CampaignMessage` is one aggregate per (campaign, customer), with an id derived from
both (`CampaignMessage.create_id`): sending twice to a customer is detected by the id,
concurrent senders collide on it, and many messages never contend on the campaign.
Responses are recorded on the message, and these rules keep them meaningful:

- `delivered`, `converted` and `unsubscribed` happen at most once per message;
  `opened` and `clicked` may repeat (every open and every click counts).
- `unsubscribed` ends the message: no response of any kind is recorded after it.
- No other order is imposed: delivery receipts arrive late or never, and a customer may
  convert without a tracked click (in store, by phone).
- Only `converted` may carry a `value`: the revenue attributed to the campaign, in the
  campaign's budget currency.
- Responses are accepted after the campaign is completed or cancelled: customers answer
  messages they already received.

Campaign fields describe the campaign, not a person, and messages carry ids only:
none of these events holds personal data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.base import CrmAggregate, clean_text, now, require, required_text
from domain.errors import InvalidTransitionError, InvalidValueError
from domain.values import Channel, Vocabulary, parse_amount, parse_currency

TEXT_MAX = 4000
REASON_MAX = 500


class CampaignStatus(Vocabulary):
    DRAFT = "draft"
    LAUNCHED = "launched"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class CampaignResponse(Vocabulary):
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    CONVERTED = "converted"
    UNSUBSCRIBED = "unsubscribed"


#: Responses a message can have at most once.
ONCE_ONLY = frozenset({CampaignResponse.DELIVERED, CampaignResponse.CONVERTED,
                       CampaignResponse.UNSUBSCRIBED})


def parse_date(value: date | str, field: str) -> date:
    """A calendar date, given as a `date` or an ISO-8601 string (not a date-time)."""
    if isinstance(value, datetime):
        raise InvalidValueError(field, "must be a date without a time of day")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidValueError(field, f"{value!r} is not an ISO-8601 date (2025-03-31)") from None


class Campaign(CrmAggregate):
    KIND = "campaign"

    @event("Created")
    def __init__(
        self,
        *,
        name: str,
        channel: str,
        budget: Decimal,
        currency: str,
        starts_on: date,
        ends_on: date,
        purpose: str | None,
        description: str | None,
    ) -> None:
        self.name = name
        self.channel = channel
        self.budget = budget
        self.currency = currency
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.purpose = purpose
        self.description = description
        self.status = CampaignStatus.DRAFT.value

    @classmethod
    def create(
        cls,
        *,
        name: str,
        channel: str,
        budget: Decimal | str | int,
        currency: str,
        starts_on: date | str,
        ends_on: date | str,
        purpose: str | None,
        description: str | None,
    ) -> Campaign:
        first, last = parse_date(starts_on, "startsOn"), parse_date(ends_on, "endsOn")
        require(last >= first, "endsOn", "must not be before startsOn")
        return cls(
            name=required_text(name, "name"),
            channel=Channel.parse(channel, "channel").value,
            budget=parse_amount(budget, "budget"),
            currency=parse_currency(currency),
            starts_on=first,
            ends_on=last,
            purpose=clean_text(purpose, "purpose") or None,
            description=clean_text(description, "description", max_length=TEXT_MAX) or None,
        )

    def launch(self) -> None:
        self._require_status(CampaignStatus.DRAFT, "launched")
        today = now().date()
        if today > self.ends_on:
            raise InvalidTransitionError(
                f"campaign {self.id} ended on {self.ends_on.isoformat()}: it cannot be launched"
            )
        self._launch()

    @event("Launched")
    def _launch(self) -> None:
        self.status = CampaignStatus.LAUNCHED.value

    def complete(self) -> None:
        self._require_status(CampaignStatus.LAUNCHED, "completed")
        self._complete()

    @event("Completed")
    def _complete(self) -> None:
        self.status = CampaignStatus.COMPLETED.value

    def cancel(self, reason: str | None) -> None:
        text = clean_text(reason, "reason", max_length=REASON_MAX) or None
        if self.status not in (CampaignStatus.DRAFT, CampaignStatus.LAUNCHED):
            raise InvalidTransitionError(
                f"campaign {self.id} is {self.status}: only a draft or launched campaign "
                "can be cancelled"
            )
        self._cancel(reason=text)

    @event("Cancelled")
    def _cancel(self, *, reason: str | None) -> None:
        self.status = CampaignStatus.CANCELLED.value

    def require_sending(self) -> None:
        """Refuse unless the campaign may send a message now: launched, within its period."""
        self._require_status(CampaignStatus.LAUNCHED, "sent")
        today = now().date()
        if not self.starts_on <= today <= self.ends_on:
            raise InvalidTransitionError(
                f"campaign {self.id} runs from {self.starts_on.isoformat()} to "
                f"{self.ends_on.isoformat()}: it cannot send on {today.isoformat()}"
            )

    def _require_status(self, status: CampaignStatus, done: str) -> None:
        if self.status != status:
            raise InvalidTransitionError(
                f"campaign {self.id} is {self.status}: only a {status.value} campaign "
                f"can be {done}"
            )


class CampaignMessage(CrmAggregate):
    KIND = "campaign message"

    @staticmethod
    def create_id(campaign_id: UUID, customer_id: UUID) -> UUID:  # type: ignore[override]
        """The one id of the message a campaign sends to a customer."""
        return uuid5(campaign_id, str(customer_id))

    @event("Sent")
    def __init__(self, *, campaign_id: UUID, customer_id: UUID, channel: str) -> None:
        self.campaign_id = campaign_id
        self.customer_id = customer_id
        self.channel = channel
        self.response_counts: dict[str, int] = {}
        self.converted_value: Decimal | None = None

    @classmethod
    def send(cls, campaign: Campaign, customer_id: UUID) -> CampaignMessage:
        campaign.require_sending()
        return cls(campaign_id=campaign.id, customer_id=customer_id, channel=campaign.channel)

    @property
    def unsubscribed(self) -> bool:
        return CampaignResponse.UNSUBSCRIBED in self.response_counts

    def record_response(
        self, response: str, value: Decimal | str | int | None, currency: str
    ) -> None:
        """Record one response; `value` (converted only) is in the campaign's `currency`."""
        kind = CampaignResponse.parse(response, "response")
        if value is not None:
            require(kind is CampaignResponse.CONVERTED, "value",
                    "only a converted response carries a value")
            value = parse_amount(value, "value")
        if self.unsubscribed:
            raise InvalidTransitionError(
                f"customer {self.customer_id} unsubscribed from campaign {self.campaign_id}: "
                "no further response is recorded"
            )
        if kind in ONCE_ONLY and kind in self.response_counts:
            raise InvalidTransitionError(
                f"campaign message {self.id} is already {kind.value}: that happens only once"
            )
        self._record_response(campaign_id=self.campaign_id, customer_id=self.customer_id,
                              response=kind.value, value=value,
                              currency=currency if value is not None else None)

    @event("ResponseRecorded")
    def _record_response(
        self,
        *,
        campaign_id: UUID,
        customer_id: UUID,
        response: str,
        value: Decimal | None,
        currency: str | None,
    ) -> None:
        self.response_counts = {**self.response_counts,
                                response: self.response_counts.get(response, 0) + 1}
        if value is not None:
            self.converted_value = value
