"""Relay-style connections for every list: `edges { cursor node }` and `pageInfo`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from projections.pages import Page

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def connection(page: Page[Any], node: Callable[[Any], T]) -> Connection[T]:
    """A GraphQL connection of a view's page, each item made a node by `node`."""
    return Connection(edges=[Edge(cursor=cursor, node=node(item)) for cursor, item in page.items],
                      page_info=PageInfo(has_next_page=page.has_next_page,
                                         end_cursor=page.end_cursor))
