"""Quotes (proposals): priced lines offered to a customer for one opportunity.

A quote is issued once and then accepted, rejected or expired; it is never edited (a
changed offer is a new quote). Its currency is the opportunity's. Line and quote
totals are computed here, in Decimal, and recorded with the quote, so every view shows
the same amounts. Accepting a quote leaves its opportunity as it is: winning the deal
stays a decision of its own (`close_opportunity`), since an accepted proposal may
still be followed by contract negotiation.

Lines describe products, not people; only a rejection reason, which may quote the
customer, is personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import CrmAggregate, clean_text, now, require, required_text
from domain.errors import InvalidTransitionError, InvalidValueError
from domain.opportunities import Opportunity, parse_future_date
from domain.values import MAX_AMOUNT, Vocabulary, parse_amount, parse_currency

MAX_LINES = 200
MAX_QUANTITY = Decimal("1e9")
CENT = Decimal("0.01")
REASON_MAX = 500


class QuoteStatus(Vocabulary):
    ISSUED = "issued"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass(frozen=True)
class QuoteLineDraft:
    """One line of a quote as a client submits it, before validation."""

    sku: str
    quantity: int | Decimal | str
    unit_price: Decimal | str | int
    description: str | None = None
    discount_percent: Decimal | str | int | None = None


def _decimal(value: Any, field: str, *, places: int) -> Decimal:
    if isinstance(value, bool | float):
        raise InvalidValueError(field, "must be an integer or a decimal string, never a float")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidValueError(field, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise InvalidValueError(field, "must be a finite number")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise InvalidValueError(field, f"must have at most {places} decimal places")
    return number


def parse_line(draft: QuoteLineDraft, where: str) -> dict[str, Any]:
    """Validate one line and compute its total: quantity x unit price, less the discount."""
    sku = required_text(draft.sku, f"{where}sku", max_length=64)
    description = clean_text(draft.description, f"{where}description", max_length=500)
    quantity = _decimal(draft.quantity, f"{where}quantity", places=4)
    require(quantity > 0, f"{where}quantity", "must be greater than zero")
    require(quantity < MAX_QUANTITY, f"{where}quantity", "is implausibly large")
    if quantity == quantity.to_integral():
        quantity = quantity.quantize(Decimal(1))  # 5, 5.0 and 5E0 are all recorded as 5
    unit_price = parse_amount(draft.unit_price, f"{where}unitPrice")
    discount = Decimal(0)
    if draft.discount_percent is not None:
        discount = _decimal(draft.discount_percent, f"{where}discountPercent", places=2)
        require(0 <= discount <= 100, f"{where}discountPercent", "must be between 0 and 100")
    total = (quantity * unit_price * (100 - discount) / 100).quantize(CENT, ROUND_HALF_UP)
    return {
        "sku": sku,
        "description": description or None,
        "quantity": quantity,
        "unit_price": unit_price,
        "discount_percent": discount.quantize(CENT),
        "total": total,
    }


def parse_lines(drafts: Sequence[QuoteLineDraft]) -> list[dict[str, Any]]:
    require(bool(drafts), "lines", "a quote needs at least one line")
    require(len(drafts) <= MAX_LINES, "lines", f"at most {MAX_LINES} lines")
    return [parse_line(draft, f"lines[{index}].") for index, draft in enumerate(drafts)]


class Quote(CrmAggregate):
    KIND = "quote"

    @event("Issued")
    def __init__(
        self,
        *,
        opportunity_id: UUID,
        customer_id: UUID,
        currency: str,
        lines: list[dict[str, Any]],
        total: Decimal,
        valid_until: date,
    ) -> None:
        self.opportunity_id = opportunity_id
        self.customer_id = customer_id
        self.currency = currency
        self.lines = lines
        self.total = total
        self.valid_until = valid_until
        self.status = QuoteStatus.ISSUED.value
        self.rejection_reason: str | None = None

    @classmethod
    def issue(
        cls,
        *,
        opportunity: Opportunity,
        currency: str,
        lines: Sequence[QuoteLineDraft],
        valid_until: date | str,
    ) -> Quote:
        """A quote for an open opportunity, in the opportunity's currency."""
        opportunity.require_open("quoted")
        currency = parse_currency(currency, "currency")
        require(currency == opportunity.currency, "currency",
                f"must be the opportunity's currency {opportunity.currency}")
        parsed = parse_lines(lines)
        total = sum((line["total"] for line in parsed), Decimal("0.00"))
        require(total < MAX_AMOUNT, "lines", "the quote total is implausibly large")
        valid = parse_future_date(valid_until, "validUntil")
        return cls(opportunity_id=opportunity.id, customer_id=opportunity.customer_id,
                   currency=currency, lines=parsed, total=total, valid_until=valid)

    def accept(self) -> None:
        self._require_issued("accepted")
        if now().date() > self.valid_until:
            raise InvalidTransitionError(
                f"quote {self.id} was valid until {self.valid_until.isoformat()}: "
                "an expired offer cannot be accepted"
            )
        self._accept()

    @event("Accepted")
    def _accept(self) -> None:
        self.status = QuoteStatus.ACCEPTED.value

    def reject(self, reason: str) -> None:
        self._require_issued("rejected")
        self._reject(customer_id=self.customer_id,
                     reason=required_text(reason, "reason", max_length=REASON_MAX))

    @event("Rejected")
    def _reject(self, *, customer_id: UUID, reason: str) -> None:
        self.status = QuoteStatus.REJECTED.value
        self.rejection_reason = reason

    def expire(self) -> None:
        """Mark the quote expired; only once its last valid day has passed."""
        self._require_issued("expired")
        if now().date() <= self.valid_until:
            raise InvalidTransitionError(
                f"quote {self.id} is valid until {self.valid_until.isoformat()}: "
                "it cannot expire before then"
            )
        self._expire()

    @event("Expired")
    def _expire(self) -> None:
        self.status = QuoteStatus.EXPIRED.value

    def _require_issued(self, action: str) -> None:
        if self.status != QuoteStatus.ISSUED:
            raise InvalidTransitionError(
                f"quote {self.id} is {self.status}: only an issued quote can be {action}"
            )
