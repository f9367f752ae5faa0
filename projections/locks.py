"""One runner per view across processes: a second `crmhub project` waits, then takes over.

PostgreSQL: a session advisory lock per view (released when the holder's connection
closes, so a killed worker frees it at once). SQLite: an exclusive file lock beside the
database file (released by the kernel when the holder dies).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from projections.database import PostgresViews, SQLiteViews, ViewDatabase


@contextmanager
def running(database: ViewDatabase, names: Sequence[str]) -> Iterator[None]:
    """Hold the right to run these views; blocks while another process holds any of them."""
    with ExitStack() as stack:
        for name in sorted(names):  # one order everywhere: no deadlock between workers
            stack.enter_context(_lock(database, name))
        yield


@contextmanager
def _lock(database: ViewDatabase, name: str) -> Iterator[None]:
    if isinstance(database, SQLiteViews):
        path = f"{database.path}.view-{name}.lock"
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)
    elif isinstance(database, PostgresViews):
        key = f"crmhub:{database.conninfo['options']}:{name}"
        with database.listen() as connection:
            connection.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
            yield
    else:  # pragma: no cover - only the two databases exist
        raise TypeError(database)
