"""Value types shared by every feature: channels, departments, money, addresses."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from domain.errors import InvalidValueError


class Vocabulary(StrEnum):
    """A closed set of names; `parse` turns a plain string into a member or refuses it."""

    @classmethod
    def parse(cls: type[E], value: str | E, field: str) -> E:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(member.value for member in cls)
            message = f"unknown value {value!r} (allowed: {allowed})"
            raise InvalidValueError(field, message) from None


E = TypeVar("E", bound=Vocabulary)


class Channel(Vocabulary):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    SMS = "sms"
    IVR = "ivr"
    CALL_CENTRE = "call_centre"
    FAX = "fax"
    MAIL = "mail"
    STORE = "store"
    DIRECT = "direct"
    CHAT = "chat"
    SOCIAL = "social"
    PARTNER = "partner"


class Direction(Vocabulary):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Department(Vocabulary):
    SALES = "sales"
    SERVICE = "service"
    MARKETING = "marketing"
    PARTNER = "partner"


_CURRENCY = re.compile(r"^[A-Z]{3}$")
#: Largest amount the hub accepts: guards against typos and overflow in views.
MAX_AMOUNT = Decimal("1e12")


def parse_currency(value: str, field: str = "currency") -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise InvalidValueError(field, f"{value!r} is not an ISO-4217 code such as EUR or USD")
    return value


def parse_amount(
    value: Decimal | str | int, field: str = "amount", *, allow_zero: bool = True
) -> Decimal:
    """A money amount: a finite Decimal with at most 2 decimal places, never negative."""
    if isinstance(value, float):
        raise InvalidValueError(field, "money must be a decimal string, never a float")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidValueError(field, f"{value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise InvalidValueError(field, "must be a finite amount")
    if amount < 0:
        raise InvalidValueError(field, "must not be negative")
    if amount == 0 and not allow_zero:
        raise InvalidValueError(field, "must be positive")
    if amount >= MAX_AMOUNT:
        raise InvalidValueError(field, "is implausibly large")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidValueError(field, "must have at most two decimal places")
    return amount.quantize(Decimal("0.01"))


def parse_probability(value: Decimal | str | int, field: str = "probability") -> Decimal:
    try:
        probability = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidValueError(field, f"{value!r} is not a number") from None
    if not (0 <= probability <= 1):
        raise InvalidValueError(field, "must be between 0 and 1")
    return probability
