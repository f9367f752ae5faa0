"""Purchases and their refunds in the internal GraphQL schema."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.auth import requires
from api.graphql.context import Info, read, run_command
from api.graphql.types import (
    Channel,
    InputModel,
    Money,
    Versioned,
    input_type,
    validated,
    versioned_fields,
)
from api.permissions import Action
from domain import orders as model
from domain import values

Sku = Annotated[str, Field(min_length=1, max_length=64)]


def _ident(value: UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value else None


# -- output types -------------------------------------------------------------------


@strawberry.type(description="One product line of a purchase, and how many units came back.")
class PurchaseLine:
    sku: str
    product_name: str
    category: str | None
    quantity: int
    unit_price: Money
    line_total: Money = strawberry.field(description="Quantity times unit price.")
    refunded_quantity: int = strawberry.field(description="Units refunded so far.")

    @classmethod
    def of(cls, line: dict[str, Any], purchase: model.Purchase) -> PurchaseLine:
        unit_price = Decimal(line["unit_price"])
        quantity = int(line["quantity"])
        return cls(
            sku=line["sku"], product_name=line["product_name"], category=line["category"],
            quantity=quantity, unit_price=Money(amount=unit_price, currency=purchase.currency),
            line_total=Money(amount=unit_price * quantity, currency=purchase.currency),
            refunded_quantity=purchase.refunded_quantities.get(line["sku"], 0),
        )


@strawberry.type(description="What a customer bought, in one currency, and what was refunded.")
class Purchase(Versioned):
    customer_id: strawberry.ID
    channel: Channel
    lines: list[PurchaseLine]
    total: Money
    refunded_total: Money = strawberry.field(
        description="Money given back so far, by units returned or by amount.")
    opportunity_id: strawberry.ID | None = strawberry.field(
        description="The opportunity the revenue is attributed to.")
    campaign_id: strawberry.ID | None = strawberry.field(
        description="The campaign the purchase is attributed to.")
    external_order_number: str | None = strawberry.field(
        description="The order's number in the shop or system it came from.")
    purchased_at: datetime = strawberry.field(description="When the customer bought.")
    fully_refunded: bool

    @classmethod
    def of(cls, p: model.Purchase) -> Purchase:
        return cls(
            **versioned_fields(p), customer_id=strawberry.ID(str(p.customer_id)),
            channel=values.Channel(p.channel),
            lines=[PurchaseLine.of(line, p) for line in p.lines],
            total=Money(amount=p.total, currency=p.currency),
            refunded_total=Money(amount=p.refunded_amount, currency=p.currency),
            opportunity_id=_ident(p.opportunity_id), campaign_id=_ident(p.campaign_id),
            external_order_number=p.external_order_number, purchased_at=p.occurred_on,
            fully_refunded=p.fully_refunded,
        )


# -- inputs ---------------------------------------------------------------------------


class PurchaseLineModel(InputModel):
    """One line as the domain takes it; all lines of a purchase share one currency."""

    sku: Sku
    product_name: Annotated[str, Field(min_length=1, max_length=200)]
    category: Annotated[str, Field(max_length=100)] | None = None
    quantity: int
    unit_price: Decimal
    currency: str


class RecordPurchaseModel(InputModel):
    customer_id: UUID
    channel: Channel
    lines: list[PurchaseLineModel] = Field(min_length=1, max_length=model.MAX_LINES)
    opportunity_id: UUID | None = None
    campaign_id: UUID | None = None
    external_order_number: Annotated[str, Field(max_length=64)] | None = None
    occurred_at: datetime | None = Field(
        default=None, description="When it was bought, if earlier than now (imports).")


class RefundLineModel(InputModel):
    sku: Sku
    quantity: int


class RefundPurchaseModel(InputModel):
    id: UUID
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    lines: list[RefundLineModel] | None = Field(
        default=None, max_length=model.MAX_LINES,
        description="Units to refund, at their price; or give an amount instead.")
    amount: Decimal | None = Field(
        default=None, description="Money to refund; or give lines instead.")
    expected_version: int | None = Field(default=None, ge=1)
    occurred_at: datetime | None = None


PurchaseLineInput = input_type(PurchaseLineModel, "PurchaseLineInput")
RecordPurchaseInput = input_type(
    RecordPurchaseModel, "RecordPurchaseInput", customer_id=strawberry.ID,
    opportunity_id=strawberry.ID | None, campaign_id=strawberry.ID | None,
)
RefundLineInput = input_type(RefundLineModel, "RefundLineInput")
RefundPurchaseInput = input_type(RefundPurchaseModel, "RefundPurchaseInput", id=strawberry.ID)


# -- queries and mutations ---------------------------------------------------------


async def _purchase(info: Info, purchase_id: UUID | str) -> Purchase:
    return Purchase.of(await read(info, info.context.hub.load, model.Purchase, purchase_id))


@strawberry.type
class OrderQuery:
    @strawberry.field(extensions=requires(Action.ORDERS_READ))
    async def purchase(self, info: Info, id: strawberry.ID) -> Purchase | None:
        return await _purchase(info, id)


@strawberry.type
class OrderMutation:
    @strawberry.mutation(
        extensions=requires(Action.ORDERS_WRITE),
        description="Record a purchase. An external order number already recorded for the "
                    "same customer on the same channel is refused, so re-imports count once.",
    )
    async def record_purchase(self, info: Info, input: RecordPurchaseInput) -> Purchase:
        data = validated(RecordPurchaseModel, input)
        purchase_id = await run_command(
            info, info.context.hub.record_purchase, customer_id=data.customer_id,
            channel=data.channel, lines=[line.model_dump() for line in data.lines],
            opportunity_id=data.opportunity_id, campaign_id=data.campaign_id,
            external_order_number=data.external_order_number, occurred_at=data.occurred_at,
        )
        return await _purchase(info, purchase_id)

    @strawberry.mutation(
        extensions=requires(Action.ORDERS_WRITE),
        description="Refund units of some lines or an amount of money, never more than is left.",
    )
    async def refund_purchase(self, info: Info, input: RefundPurchaseInput) -> Purchase:
        data = validated(RefundPurchaseModel, input)
        lines = None if data.lines is None else [line.model_dump() for line in data.lines]
        await run_command(
            info, info.context.hub.refund_purchase, purchase_id=data.id, reason=data.reason,
            lines=lines, amount=data.amount, expected_version=data.expected_version,
            occurred_at=data.occurred_at,
        )
        return await _purchase(info, data.id)
