"""Turn `CRMHUB_DATABASE_URL` into the `eventsourcing` library's settings.

`sqlite:///relative/path.db`, `sqlite:////absolute/path.db` and `sqlite:///:memory:`
pick the embedded store; `postgresql://user:password@host:port/dbname` picks PostgreSQL
(psycopg 3, pooled). A `?schema=NAME` query parameter puts the PostgreSQL tables in
that schema, which is how the tests give every test its own store.
"""

from __future__ import annotations

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
