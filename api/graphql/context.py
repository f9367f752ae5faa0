"""Per-request GraphQL context, and the one path from a resolver to a hub command."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from anyio import to_thread
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from api.graphql.errors import graphql_errors
from api.settings import Settings
from api.tokens import Principal, TokenService
from projections.database import ViewDatabase
from projections.runner import ProjectionRunner, wait_for_views

if TYPE_CHECKING:
    from api.graphql.loaders import Loaders
    from api.store import CrmHub

T = TypeVar("T")


@dataclass
class Context(BaseContext):
    hub: CrmHub
    views: ViewDatabase
    #: The in-process runner, or None when `crmhub project` workers keep the views.
    runner: ProjectionRunner | None
    settings: Settings
    principal: Principal | None
    #: Why the bearer token was refused, when one was sent but failed verification.
    auth_error: str | None = None
    #: This request's DataLoaders, made on first use by `api.graphql.loaders.loaders`.
    loaders: Loaders | None = None
    #: The app's token service (issuing and revoking partner tokens).
    tokens: TokenService | None = None

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
    hub = info.context.hub

    def run() -> tuple[T, int]:
        return command(actor=principal.id, **arguments), hub.last_commit_position()

    with graphql_errors():
        result, position = await to_thread.run_sync(run)
    await caught_up(info.context, position)
    return result


async def caught_up(context: Context, position: int, *, views: Sequence[str] | None = None) -> None:
    """Read-your-writes: wait (bounded) until the views (all, or those named) show the log
    up to `position`."""
    timeout = context.settings.read_your_writes_timeout
    if context.runner is not None:
        await to_thread.run_sync(partial(context.runner.wait_for, position, timeout, names=views))
    else:
        await to_thread.run_sync(partial(wait_for_views, context.views, position, timeout=timeout,
                                         names=views))


async def read(info: Info, query: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a read against the hub off the event loop, mapping domain errors."""
    with graphql_errors():
        return await to_thread.run_sync(partial(query, *args, **kwargs))
