"""Commands for purchases and refunds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.core import HubCore, command, parse_id
from domain.customers import Customer
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
        to; the opportunity must be the customer's own or their organisation's. An
        external order number already recorded for this customer on this channel is
        refused, so a repeated import does not count the purchase twice.
        """
        customer = self.require_customer(customer_id, "customerId")
        campaign = None
        if campaign_id is not None:
            campaign = self.load(Campaign, parse_id(campaign_id, "campaignId")).id
        purchase = Purchase.record(
            customer_id=customer,
            channel=channel,
            lines=lines,
            opportunity_id=self._attributed_opportunity(customer, opportunity_id),
            campaign_id=campaign,
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

    def _attributed_opportunity(
        self, customer_id: UUID, opportunity_id: UUID | str | None
    ) -> UUID | None:
        """The id of the opportunity a purchase's revenue goes to: one of the buyer's own,
        or of the organisation the buyer belongs to (a contact buying for their company)."""
        if opportunity_id is None:
            return None
        opportunity = self.load(Opportunity, parse_id(opportunity_id, "opportunityId"))
        if opportunity.customer_id != customer_id:
            buyer = self.load(Customer, customer_id)
            if opportunity.customer_id != buyer.organisation_id:
                raise InvalidValueError(
                    "opportunityId",
                    f"opportunity {opportunity.id} is with another customer, not {customer_id}",
                )
        return opportunity.id
