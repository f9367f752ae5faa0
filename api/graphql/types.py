"""GraphQL types shared by every feature: enums from the domain's vocabularies, money,
and the helpers that turn client input into validated values."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel, ConfigDict, ValidationError

from api.graphql.errors import from_validation
from domain import values
from domain.base import CrmAggregate
from projections import periods

Channel = strawberry.enum(values.Channel, description="Where a contact happened.")
Direction = strawberry.enum(values.Direction)
Department = strawberry.enum(values.Department)

M = TypeVar("M", bound=BaseModel)


class InputModel(BaseModel):
    """Base of every mutation input: strict about unknown fields and whitespace."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def validated(model: type[M], data: Any) -> M:
    """Validate a Strawberry input against its pydantic model (errors name camelCase fields)."""
    raw = dataclasses.asdict(data) if dataclasses.is_dataclass(data) else data
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise from_validation(error) from None


def input_type(model: type[InputModel], name: str, **overrides: object) -> type:
    """The Strawberry input type generated from a pydantic input model.

    `overrides` replace a field's GraphQL type, e.g. `customer_id=strawberry.ID` for a
    field the model validates as a UUID.
    """
    return strawberry.experimental.pydantic.input(model=model, all_fields=True, name=name)(
        type(name, (), {"__annotations__": dict(overrides)})
    )


@strawberry.type(description="An amount of money: a decimal string and its ISO-4217 currency.")
class Money:
    amount: Decimal
    currency: str


@strawberry.interface(description="Something kept as a sequence of events in the log.")
class Versioned:
    id: strawberry.ID
    version: int = strawberry.field(description="Pass as expectedVersion to detect lost updates.")
    created_at: datetime
    updated_at: datetime


def versioned_fields(aggregate: CrmAggregate) -> dict[str, Any]:
    return {
        "id": strawberry.ID(str(aggregate.id)),
        "version": aggregate.version,
        "created_at": aggregate.created_on,
        "updated_at": aggregate.modified_on,
    }


PERIOD = "The period is [start, end): date-times with a time zone."
SERIES = ("One per bucket of [start, end), in time order: days, ISO weeks (from Monday) or "
          "calendar months of timeZone (an IANA name, e.g. Europe/Berlin; null for UTC), each "
          "beginning at a local midnight, so a day lasts 23 or 25 hours when the clocks change. "
          "The first and last buckets are clipped to the period, so either may be partial; at "
          f"most {periods.MAX_BUCKETS} buckets. {PERIOD}")

Interval = strawberry.enum(periods.Interval, description=(
    "How long each bucket of a series is: a day, an ISO week (Monday to Sunday) or a calendar "
    "month of the series' time zone."))
