"""Turn `CRMHUB_DATABASE_URL` into the `eventsourcing` library's settings.

`sqlite:///relative/path.db`, `sqlite:////absolute/path.db` and `sqlite:///:memory:`
pick the embedded store; `postgresql://user:password@host:port/dbname` picks PostgreSQL
(psycopg 3, pooled). A `?schema=NAME` query parameter puts the PostgreSQL tables in
that schema, which is how the tests give every test its own store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from domain.errors import InvalidValueError


class DatabaseURLError(InvalidValueError):
    def __init__(self, message: str) -> None:
        super().__init__("CRMHUB_DATABASE_URL", message)


def store_settings(url: str, *, pool_size: int = 5) -> dict[str, str]:
    """The library environment for the store that `url` names."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return _sqlite(parts.path)
    if parts.scheme in {"postgresql", "postgres", "postgresql+psycopg"}:
        return _postgres(parts.username, parts.password, parts.hostname, parts.port,
                         parts.path, parts.query, pool_size)
    raise DatabaseURLError(
        f"unsupported scheme {parts.scheme!r}: use sqlite:///path.db or postgresql://host/db"
    )


def _sqlite(path: str) -> dict[str, str]:
    # urlsplit keeps the leading slash of 'sqlite:///x.db': drop exactly one.
    db_path = path[1:] if path.startswith("/") else path
    if not db_path:
        raise DatabaseURLError("a SQLite URL needs a file: sqlite:///crmhub.db")
    if db_path == ":memory:":
        db_path = "file::memory:?cache=shared"
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": db_path,
        "SQLITE_LOCK_TIMEOUT": "30",
    }


def _postgres(
    user: str | None,
    password: str | None,
    host: str | None,
    port: int | None,
    path: str,
    query: str,
    pool_size: int,
) -> dict[str, str]:
    dbname = unquote(path.lstrip("/"))
    if not dbname:
        raise DatabaseURLError("a PostgreSQL URL needs a database: postgresql://host/dbname")
    settings = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host or "127.0.0.1",
        "POSTGRES_PORT": str(port or 5432),
        "POSTGRES_USER": unquote(user or "postgres"),
        "POSTGRES_PASSWORD": unquote(password or ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_LOCK_TIMEOUT": "5",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "5",
        "POSTGRES_PRE_PING": "y",
    }
    schema = parse_qs(query).get("schema")
    if schema:
        settings["POSTGRES_SCHEMA"] = schema[0]
    return settings


def postgres_conninfo(settings: dict[str, str]) -> dict[str, Any]:
    """psycopg's connection keywords for `store_settings`' PostgreSQL settings, with the
    schema (if any) as the search path."""
    schema = settings.get("POSTGRES_SCHEMA")
    return {
        "dbname": settings["POSTGRES_DBNAME"], "host": settings["POSTGRES_HOST"],
        "port": settings["POSTGRES_PORT"], "user": settings["POSTGRES_USER"],
        "password": settings["POSTGRES_PASSWORD"] or None,
        "options": f"-c search_path={schema}" if schema else "",
    }


def lock_schema_changes(cursor: Any, schema: str | None, tables: str) -> None:
    """PostgreSQL: wait until no other process is creating this group of crmhub's `tables`
    in `schema`, and keep that right until this transaction ends. Processes starting on a
    new database at once (`serve` beside `project` workers) would otherwise run the same
    `CREATE ... IF NOT EXISTS` together, and one of them would fail: PostgreSQL does not
    serialise them."""
    cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                   (_schema_key(schema, tables),))


@contextmanager
def schema_changes_locked(connection: Any, schema: str | None, tables: str) -> Iterator[None]:
    """`lock_schema_changes` across several transactions: held by `connection` (in
    autocommit mode) until the block ends."""
    key = _schema_key(schema, tables)
    connection.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
    try:
        yield
    finally:
        connection.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))


def _schema_key(schema: str | None, tables: str) -> str:
    return f"crmhub:schema:{schema or 'public'}:{tables}"
