"""Helpers for tests written as stories: what a command recorded, or that it recorded nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from api.store import connect_hub
from domain.hub import Hub
from projections.database import ViewDatabase

#: The master key every test process opens the hub with (`tests/conftest.py` also puts it
#: in CRMHUB_MASTER_KEY, for the CLI and the worker processes the tests start).
TEST_MASTER_KEY = bytes(range(32))


@contextmanager
def records_nothing(hub: Hub) -> Iterator[None]:
    """The block may fail however it likes, but must leave the log as it was."""
    before = hub.position()
    yield
    assert hub.position() == before, "a refused command recorded events"


@contextmanager
def opened_store(database_url: str) -> Iterator[tuple[Hub, ViewDatabase]]:
    """The hub and the views of a store, closed afterwards: for hypothesis tests, whose
    examples cannot share the function-scoped `hub` and `views` fixtures."""
    hub = connect_hub(database_url, master_key=TEST_MASTER_KEY)
    views = ViewDatabase.connect(database_url)
    try:
        yield hub, views
    finally:
        views.close()
        hub.close()


def tables(views: ViewDatabase, names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Every row of these view tables, in a stable order (to compare two projections)."""
    return {name: sorted(views.query(f"SELECT * FROM {name}"), key=repr)  # noqa: S608
            for name in names}


def events_since(hub: Hub, position: int = 0) -> list[Any]:
    """The events recorded after log `position`, oldest first."""
    events: list[Any] = []
    while page := hub.notification_log.select(start=position + 1, limit=1000):
        events += [hub.mapper.to_domain_event(n) for n in page]
        position = page[-1].id
    return events
