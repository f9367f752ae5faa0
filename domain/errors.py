"""Errors raised by the domain. Each carries the API error code it maps to.

A command that raises one of these has recorded nothing: aggregates validate before
they trigger an event, and the hub saves only after every rule has passed.
"""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    """Base of every error the hub raises on purpose."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValueError(DomainError):
    """A value is malformed or out of range; names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message

    def under(self, prefix: str) -> InvalidValueError:
        """The same error for a field nested under `prefix` (e.g. a batch item)."""
        return InvalidValueError(prefix + self.field, self.reason)


class InvalidTransitionError(DomainError):
    """The command is legal in general but not in the aggregate's current state."""

    code = "CONFLICT"


class NotFoundError(DomainError):
    """No aggregate of the expected kind has this id."""

    code = "NOT_FOUND"

    def __init__(self, kind: str, id: UUID | str) -> None:
        super().__init__(f"{kind} {id} not found")
        self.kind = kind
        self.id = id


class ConcurrencyError(DomainError):
    """Somebody else changed the aggregate first (optimistic concurrency)."""

    code = "CONFLICT"
