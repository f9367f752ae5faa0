"""Purchases a customer made, on any channel, and the refunds given on them.

A purchase is never edited. A refund is a new event on the same purchase, either of
whole units of some of its lines (`lines=[{sku, quantity}]`, the amount is their price)
or of an amount of money (a goodwill gesture, a price adjustment). Neither may exceed
what is left: per sku, the units bought less the units already refunded; in money, the
total less everything already refunded.

An over-refund is an `InvalidValueError` naming the offending field (`amount`,
`lines[i].quantity`): the request asks for a value the purchase cannot give, and the
client can correct it. A refund on a purchase with nothing left to refund is an
`InvalidTransitionError`: no value would make it legal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import event

from domain.base import CrmAggregate, clean_text, require, required_text
from domain.errors import InvalidTransitionError, InvalidValueError
from domain.values import MAX_AMOUNT, Channel, parse_amount, parse_currency

#: Most lines one purchase may carry, and most units of one line.
MAX_LINES = 500
MAX_QUANTITY = 1_000_000
LINE_FIELDS = ("sku", "product_name", "category", "quantity", "unit_price", "currency")
REFUND_LINE_FIELDS = ("sku", "quantity")
_ORDER_NUMBERS = uuid5(NAMESPACE_URL, "urn:crmhub:purchase-order-number")


class Purchase(CrmAggregate):
    """What a customer bought, in one currency, and what was refunded since.

    Lines are stored as dicts `{sku, product_name, category, quantity, unit_price}`;
    skus are unique within a purchase, so refunds name lines by sku.
    """

    KIND = "purchase"

    @staticmethod
    def create_id(
        customer_id: UUID, channel: str, external_order_number: str | None
    ) -> UUID:
        """The same external order of the same customer on the same channel always gets
        the same id, so importing it twice is detected instead of counted twice."""
        if external_order_number is None:
            return uuid4()
        return uuid5(_ORDER_NUMBERS, f"{customer_id}/{channel}/{external_order_number}")

    @event("Recorded")
    def __init__(
        self,
        *,
        customer_id: UUID,
        channel: str,
        currency: str,
        lines: list[dict[str, Any]],
        total: Decimal,
        opportunity_id: UUID | None,
        campaign_id: UUID | None,
        external_order_number: str | None,
    ) -> None:
        self.customer_id = customer_id
        self.channel = channel
        self.currency = currency
        self.lines = lines
        self.total = total
        self.opportunity_id = opportunity_id
        self.campaign_id = campaign_id
        self.external_order_number = external_order_number
        self.refunded_amount = Decimal("0.00")
        self.refunded_quantities: dict[str, int] = {}

    @classmethod
    def record(
        cls,
        *,
        customer_id: UUID,
        channel: str,
        lines: Sequence[Mapping[str, Any]],
        opportunity_id: UUID | None,
        campaign_id: UUID | None,
        external_order_number: str | None,
    ) -> Purchase:
        require(bool(lines), "lines", "a purchase needs at least one line")
        require(len(lines) <= MAX_LINES, "lines", f"at most {MAX_LINES} lines")
        parsed = [_parse_line(line, f"lines[{index}].") for index, line in enumerate(lines)]
        currencies = {currency for _, currency in parsed}
        require(len(currencies) == 1, "lines", "all lines must be in one currency, not "
                + " and ".join(sorted(currencies)))
        purchase_lines = [line for line, _ in parsed]
        skus = [line["sku"] for line in purchase_lines]
        for index, sku in enumerate(skus):
            require(sku not in skus[:index], f"lines[{index}].sku",
                    f"{sku!r} is listed twice: give one line per sku")
        total = sum((_line_total(line) for line in purchase_lines), Decimal("0.00"))
        require(total < MAX_AMOUNT, "lines", "the total is implausibly large")
        return cls(
            customer_id=customer_id,
            channel=Channel.parse(channel, "channel").value,
            currency=currencies.pop(),
            lines=purchase_lines,
            total=total,
            opportunity_id=opportunity_id,
            campaign_id=campaign_id,
            external_order_number=clean_text(
                external_order_number, "externalOrderNumber", max_length=64) or None,
        )

    # -- what is left to refund ------------------------------------------------

    @property
    def remaining_amount(self) -> Decimal:
        return self.total - self.refunded_amount

    def remaining_quantity(self, sku: str) -> int:
        bought = next(line["quantity"] for line in self.lines if line["sku"] == sku)
        return int(bought) - self.refunded_quantities.get(sku, 0)

    @property
    def fully_refunded(self) -> bool:
        """All money went back, or (for a free purchase) every unit was returned."""
        all_units_back = all(self.remaining_quantity(line["sku"]) == 0 for line in self.lines)
        return all_units_back or (self.total > 0 and self.remaining_amount == 0)

    # -- refunds ---------------------------------------------------------------

    def refund(
        self,
        *,
        lines: Sequence[Mapping[str, Any]] | None,
        amount: Decimal | str | int | None,
        reason: str,
    ) -> None:
        if self.fully_refunded:
            raise InvalidTransitionError(f"purchase {self.id} is already fully refunded")
        require((lines is None) != (amount is None), "lines",
                "give either the lines to refund or an amount (exactly one of them)")
        reason = required_text(reason, "reason", max_length=500)
        if amount is not None:
            refund_amount = parse_amount(amount, "amount", allow_zero=False)
            refund_lines: list[dict[str, Any]] = []
            amount_field = "amount"
        else:
            refund_lines = self._refund_lines(lines or [])
            refund_amount = sum((line["amount"] for line in refund_lines), Decimal("0.00"))
            amount_field = "lines"
        require(refund_amount <= self.remaining_amount, amount_field,
                f"refund of {refund_amount} {self.currency} exceeds the "
                f"{self.remaining_amount} {self.currency} left to refund")
        self._refund(customer_id=self.customer_id, lines=refund_lines,
                     amount=refund_amount, reason=reason)

    def _refund_lines(self, lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        require(bool(lines), "lines", "name at least one line to refund")
        prices = {line["sku"]: line["unit_price"] for line in self.lines}
        refund_lines: list[dict[str, Any]] = []
        for index, line in enumerate(lines):
            where = f"lines[{index}]."
            _refuse_unknown_keys(line, REFUND_LINE_FIELDS, where)
            sku = required_text(line.get("sku"), where + "sku", max_length=64)
            require(sku in prices, where + "sku", f"{sku!r} is not on purchase {self.id}")
            require(all(sku != done["sku"] for done in refund_lines), where + "sku",
                    f"{sku!r} is listed twice")
            quantity = _parse_quantity(line.get("quantity"), where + "quantity")
            left = self.remaining_quantity(sku)
            require(quantity <= left, where + "quantity",
                    f"cannot refund {quantity} of {sku!r}: {left} left to refund")
            refund_lines.append({"sku": sku, "quantity": quantity,
                                 "amount": Decimal(prices[sku]) * quantity})
        return refund_lines

    @event("Refunded")
    def _refund(
        self,
        *,
        customer_id: UUID,
        lines: list[dict[str, Any]],
        amount: Decimal,
        reason: str,
    ) -> None:
        """`lines` is empty for a refund of an amount; `amount` is always the money back."""
        self.refunded_amount = self.refunded_amount + amount
        quantities = dict(self.refunded_quantities)
        for line in lines:
            quantities[line["sku"]] = quantities.get(line["sku"], 0) + int(line["quantity"])
        self.refunded_quantities = quantities


def _parse_line(line: Mapping[str, Any], where: str) -> tuple[dict[str, Any], str]:
    """One purchase line as stored, and the currency of its unit price."""
    _refuse_unknown_keys(line, LINE_FIELDS, where)
    parsed = {
        "sku": required_text(line.get("sku"), where + "sku", max_length=64),
        "product_name": required_text(line.get("product_name"), where + "productName"),
        "category": clean_text(line.get("category"), where + "category", max_length=100) or None,
        "quantity": _parse_quantity(line.get("quantity"), where + "quantity"),
        "unit_price": parse_amount(_required(line, "unit_price", where + "unitPrice"),
                                   where + "unitPrice"),
    }
    currency = parse_currency(_required(line, "currency", where + "currency"), where + "currency")
    return parsed, currency


def _required(line: Mapping[str, Any], key: str, field: str) -> Any:
    if line.get(key) is None:
        raise InvalidValueError(field, "is required")
    return line[key]


def _refuse_unknown_keys(line: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(line) - set(allowed))
    require(not unknown, where.rstrip("."), f"unknown fields {unknown}; use {', '.join(allowed)}")


def _parse_quantity(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValueError(field, "must be a whole number")
    require(0 < value <= MAX_QUANTITY, field, f"must be between 1 and {MAX_QUANTITY}")
    return value


def _line_total(line: Mapping[str, Any]) -> Decimal:
    return Decimal(line["unit_price"]) * int(line["quantity"])
