"""Per-request GraphQL context, and the one path from a resolver to a hub command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from anyio import to_thread
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from api.graphql.errors import graphql_errors
from api.tokens import Principal
from domain.hub import Hub

T = TypeVar("T")


@dataclass
class Context(BaseContext):
    hub: Hub
    principal: Principal | None
    #: Why the bearer token was refused, when one was sent but failed verification.
    auth_error: str | None = None

    def __post_init__(self) -> None:
        super().__init__()


Info = StrawberryInfo[Context, None]


async def run_command(info: Info, command: Callable[..., T], /, **arguments: Any) -> T:
    """Run a hub command as the calling principal, off the event loop.

    The `eventsourcing` library is synchronous, so the command runs in a worker thread;
    domain errors come back as GraphQL errors with their codes.
    """
    principal = info.context.principal
    assert principal is not None, "resolvers run only after authentication"
    with graphql_errors():
        return await to_thread.run_sync(partial(command, actor=principal.id, **arguments))


async def read(info: Info, query: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a read against the hub off the event loop, mapping domain errors."""
    with graphql_errors():
        return await to_thread.run_sync(partial(query, *args, **kwargs))
