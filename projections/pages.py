"""Keyset pagination: a page of rows after an opaque cursor, and whether more follow."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.errors import InvalidValueError

T = TypeVar("T")
MAX_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[tuple[str, T]]  # (cursor, item)
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.items[-1][0] if self.items else None


def encode_cursor(list_name: str, key: Sequence[str]) -> str:
    """An opaque cursor: the list it belongs to and the sort key of its row."""
    return base64.urlsafe_b64encode(json.dumps([list_name, *key]).encode()).decode()


def decode_cursor(cursor: str | None, list_name: str, size: int) -> list[str] | None:
    """The sort key a cursor of `list_name` stands for; any other cursor is bad input
    (a cursor of another list, even one with a key of the same shape, included)."""
    if cursor is None:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error):
        decoded = None
    # Every part of every key is text: a forged number must not reach a comparison.
    if not (isinstance(decoded, list) and len(decoded) == size + 1
            and decoded[0] == list_name and all(isinstance(k, str) for k in decoded)):
        raise InvalidValueError("after", "is not a cursor of this list")
    return decoded[1:]


def page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidValueError("first", f"must be between 1 and {MAX_PAGE}")
    return first
