"""Commands for purchases and refunds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.core import HubCore, command, parse_id
from domain.errors import InvalidValueError
from domain.marketing import Campaign
from domain.orders import Purchase
from domain.sales import Opportunity


class OrderCommands(HubCore):
    @command
    def record_purchase(
        self,
        *,
        actor: str,
        customer_id: UUID | str,
        channel: str,
        lines: Sequence[Mapping[str, Any]],
        opportunity_id: UUID | str | None = None,
        campaign_id: UUID | str | None = None,
        external_order_number: str | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Record what a customer bought; return the purchase's id.

        Each line is `{sku, product_name, category?, quantity, unit_price, currency}`.
        The opportunity and the campaign, when given, are what the revenue is attributed
        to. An external order number already recorded for this customer on this channel
        is refused, so a repeated import does not count the purchase twice.
        """
        purchase = Purchase.record(
            customer_id=self.require_customer(customer_id, "customerId"),
            channel=channel,
            lines=lines,
            opportunity_id=self._attributed(Opportunity, opportunity_id, "opportunityId"),
            campaign_id=self._attributed(Campaign, campaign_id, "campaignId"),
            external_order_number=external_order_number,
        )
        if purchase.external_order_number and self.exists(Purchase, purchase.id):
            raise InvalidValueError(
                "externalOrderNumber",
                f"order {purchase.external_order_number!r} is already recorded "
                f"as purchase {purchase.id}",
            )
        self.commit(purchase)
        return purchase.id

    @command
    def refund_purchase(
        self,
        *,
        actor: str,
        purchase_id: UUID | str,
        reason: str,
        lines: Sequence[Mapping[str, Any]] | None = None,
        amount: Decimal | str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Refund units of some lines (`lines=[{sku, quantity}]`) or an `amount`."""
        purchase = self.load(Purchase, purchase_id, expected_version=expected_version)
        purchase.refund(lines=lines, amount=amount, reason=reason)
        return self.commit(purchase)

    def _attributed(
        self, cls: type[Opportunity] | type[Campaign], aggregate_id: UUID | str | None, field: str
    ) -> UUID | None:
        """The id of the existing opportunity or campaign a purchase is attributed to."""
        if aggregate_id is None:
            return None
        return self.load(cls, parse_id(aggregate_id, field)).id
