"""The base every crmhub aggregate stands on: who did it, and when it happened.

Every event records the acting principal (`actor`) and the business time it refers to
(`occurred_at`). Both are taken from the command context that the hub opens around each
command (`acting`), so aggregate methods stay free of the same two arguments.

`occurred_at` is when the thing happened in the world. It is the moment the command
started (a hair before the event's recording `timestamp`) unless the command says
otherwise: a call system that delivers a call late, or an import of history from
another CRM. The recording timestamp itself always comes
from the library and never lies about when the event entered the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValueError

#: How far into the future a client clock may run before `occurred_at` is refused.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class CommandContext:
    actor: str
    occurred_at: datetime | None = None


_context: ContextVar[CommandContext | None] = ContextVar("crmhub_command", default=None)


@contextmanager
def acting(actor: str, occurred_at: datetime | None = None) -> Iterator[CommandContext]:
    """Open the context in which a command's events are raised."""
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidValueError("actor", "every command needs the acting principal")
    # One business time for the whole command, so that every event it raises (and every
    # due time it computes from `now()`) agrees on when it happened.
    occurred_at = _checked_time(occurred_at) if occurred_at else datetime.now(UTC)
    context = CommandContext(actor=actor.strip(), occurred_at=occurred_at)
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


def _checked_time(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise InvalidValueError("occurredAt", "must carry a time zone (UTC ISO-8601)")
    value = value.astimezone(UTC)
    if value > datetime.now(UTC) + CLOCK_SKEW:
        raise InvalidValueError("occurredAt", "must not be in the future")
    return value


def _current_actor() -> str:
    context = _context.get()
    if context is None:
        msg = "events may only be raised inside a hub command (no acting principal)"
        raise RuntimeError(msg)
    return context.actor


def _current_occurred_at() -> datetime | None:
    context = _context.get()
    return context.occurred_at if context else None


def now() -> datetime:
    """Business 'now' of the current command: its occurred_at, or the wall clock."""
    return _current_occurred_at() or datetime.now(UTC)


class CrmAggregate(Aggregate):
    """Base of all crmhub aggregates."""

    #: Human name used in error messages ("case", "opportunity", ...).
    KIND = "aggregate"

    @property
    def occurred_on(self) -> datetime:
        """Business time of the first event: when this began (see `CommandContext`)."""
        return cast(datetime, vars(self)["_occurred_on"])

    @property
    def last_occurred_on(self) -> datetime:
        """Business time of the latest event."""
        return cast(datetime, vars(self)["_last_occurred_on"])

    class Event(Aggregate.Event):
        actor: str = field(default_factory=_current_actor, init=False)
        occurred_at: datetime | None = field(default_factory=_current_occurred_at, init=False)

        def __post_init__(self) -> None:
            super().__post_init__()
            if self.occurred_at is None:
                object.__setattr__(self, "occurred_at", self.timestamp)

        def apply(self, aggregate: CrmAggregate) -> None:
            """Keep the business times beside the library's recording times
            (`created_on`, `modified_on`): when the aggregate's story began, and when
            its latest event happened."""
            super().apply(aggregate)
            state = vars(aggregate)
            state.setdefault("_occurred_on", self.occurred_at)
            state["_last_occurred_on"] = self.occurred_at


def require(condition: bool, field_name: str, message: str) -> None:
    """Raise `InvalidValueError` naming the field unless `condition` holds."""
    if not condition:
        raise InvalidValueError(field_name, message)


def clean_text(value: str | None, field_name: str, *, max_length: int = 200) -> str | None:
    """Strip a free-text value; refuse one that is too long. None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValueError(field_name, "must be text")
    value = value.strip()
    if len(value) > max_length:
        raise InvalidValueError(field_name, f"must be at most {max_length} characters")
    return value


def required_text(value: str | None, field_name: str, *, max_length: int = 200) -> str:
    cleaned = clean_text(value, field_name, max_length=max_length)
    if not cleaned:
        raise InvalidValueError(field_name, "must not be empty")
    return cleaned
