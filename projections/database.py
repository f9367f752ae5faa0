"""The views' tables, in the same database as the event store: one place for what differs.

SQL is written once, with `?` placeholders and types both databases share (TEXT, INTEGER,
BIGINT; money in integer cents, times as ISO-8601 UTC text, which sorts as time does).
SQLite and PostgreSQL both speak `INSERT ... ON CONFLICT`. Placeholders are translated
here for psycopg; on PostgreSQL the URL's `?schema=` is the connections' search path.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from typing import Any, Protocol

from domain.storage import lock_schema_changes, postgres_conninfo, store_settings

Row = dict[str, Any]


class Transaction(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def execute_binary(self, sql: str, params: Sequence[Any]) -> None:
        """`execute` with the parameters sent in binary where the database can (for
        large arrays on PostgreSQL: no text quoting per element)."""
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


class ViewDatabase:
    """Connections for the read models; `transaction()` is all-or-nothing."""

    dialect: str

    @staticmethod
    def connect(database_url: str, *, pool_size: int = 4) -> ViewDatabase:
        settings = store_settings(database_url)
        if settings["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
            return SQLiteViews(settings["SQLITE_DBNAME"])
        return PostgresViews(settings, pool_size=pool_size)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        """One transaction; `write=False` for reads (one consistent snapshot, and on
        SQLite no writer lock)."""
        raise NotImplementedError  # pragma: no cover

    def schema_transaction(self) -> AbstractContextManager[Transaction]:
        """A write transaction for creating and dropping tables: one process at a time
        (SQLite's writer lock serialises them already)."""
        return self.transaction()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.transaction(write=False) as tx:
            return tx.query(sql, params)

    def purge(self, tables: Sequence[str]) -> None:
        """After an erasure: make the overwritten rows of these tables unrecoverable from
        the database's files, as far as the database allows (see each dialect)."""
        raise NotImplementedError  # pragma: no cover

    def close(self) -> None:
        raise NotImplementedError  # pragma: no cover


class SQLiteTransaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.connection.executemany(sql, rows)

    def execute_binary(self, sql: str, params: Sequence[Any]) -> None:
        self.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self.connection.execute(sql, tuple(params))
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class SQLiteViews(ViewDatabase):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            uri = self.path.startswith("file:")
            connection = sqlite3.connect(self.path, uri=uri, isolation_level=None,
                                         check_same_thread=False, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=30000")
            # Deleted and overwritten content is zeroed, not left in free space: erasure
            # must leave no personal data in the file.
            connection.execute("PRAGMA secure_delete=ON")
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        connection = self._connection()
        # Writers take the lock at BEGIN (one at a time, no upgrade deadlocks).
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield SQLiteTransaction(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def purge(self, tables: Sequence[str]) -> None:
        """Secure delete already zeroed the old rows in the file; copy the write-ahead
        log back and truncate it, so the old pages in it go too."""
        self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()


_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=1024)
def _psycopg_sql(sql: str, placeholder: str = "%s") -> str:
    return _PLACEHOLDER.sub(placeholder, sql.replace("%", "%%"))


class _PostgresTransaction:
    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(_psycopg_sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cursor.executemany(_psycopg_sql(sql), rows)

    def execute_binary(self, sql: str, params: Sequence[Any]) -> None:
        self.cursor.execute(_psycopg_sql(sql, "%b"), tuple(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        # A cursor of its own: in pipeline mode, a cursor that has just run `executemany`
        # can hand the next `fetchall` that statement's result instead of the query's.
        with self.cursor.connection.cursor() as cursor:
            cursor.execute(_psycopg_sql(sql), tuple(params))
            return list(cursor.fetchall())


class PostgresViews(ViewDatabase):
    dialect = "postgres"

    def __init__(self, settings: dict[str, str], *, pool_size: int) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.schema = settings.get("POSTGRES_SCHEMA")
        self.channel = "crmhub_events"
        self.conninfo = postgres_conninfo(settings)
        self.pool = ConnectionPool(
            kwargs={**self.conninfo, "row_factory": dict_row}, min_size=1, max_size=pool_size,
            open=True, name="crmhub-views",
        )

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        # Pipeline mode: a view's writes go to the server without waiting for each reply.
        with self.pool.connection() as connection, connection.pipeline(), \
                connection.transaction(), connection.cursor() as cursor:
            yield _PostgresTransaction(cursor)

    @contextmanager
    def schema_transaction(self) -> Iterator[Transaction]:
        with self.transaction() as tx:
            lock_schema_changes(tx.cursor, self.schema, "views")
            yield tx

    def listen(self) -> Any:
        """A connection LISTENing to the event table's channel (wakes runners)."""
        import psycopg

        connection = psycopg.connect(**self.conninfo, autocommit=True)
        connection.execute(f'LISTEN "{self.channel}"')
        return connection

    def purge(self, tables: Sequence[str]) -> None:
        """VACUUM the tables: their dead row versions (the old values) are removed and
        their space marked for reuse. PostgreSQL does not zero that space at once: the old
        bytes leave the data files as the space is reused (VACUUM FULL would rewrite the
        tables, but locks them)."""
        import psycopg

        with psycopg.connect(**self.conninfo, autocommit=True) as connection:
            for table in tables:
                connection.execute(f"VACUUM {table}")

    def close(self) -> None:
        self.pool.close()
