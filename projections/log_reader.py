"""Reading the stored log and the chain table fast, for verification and export.

The runner reads notifications through the library's `select_notifications`, which makes
a `Notification` per row and (on SQLite) parses every originator id into a `UUID`; at
hundreds of thousands of rows that is most of a verification's time. Here the same rows
come as plain tuples in large pages, through the library's own datastore (its pool, its
schema), on PostgreSQL with a binary cursor:

    stored: (position, originator id as 16 bytes (or text if not a UUID), version, topic, state)
    chain:  (position, originator id text, version, topic, event hash hex, chain hash hex)

Both are ordered by position; `first`/`last` bound the range (None: unbounded below).
On PostgreSQL each reader fetches its next page in a thread of its own while the caller
works on the current one (the server and the hashing then use both cores); on SQLite,
whose reads are this process's own work, that measured slower and is not done.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

from domain.hub import Hub

T = TypeVar("T")
StoredRow = tuple[int, bytes | str, int, str, bytes]
ChainRow = tuple[int, str, int, str, str, str]
_LOWEST = -(2**62)


def stored_rows(hub: Hub, first: int | None, last: int, page_size: int) -> Iterator[StoredRow]:
    recorder: Any = hub.recorder
    table = recorder.events_table_name
    if hub.on_postgres:
        sql = (f'SELECT notification_id, originator_id, originator_version, topic, state'  # noqa: S608
               f' FROM "{recorder.datastore.schema}"."{table}" WHERE notification_id > %s'
               " AND notification_id <= %s ORDER BY notification_id")
        for page in prefetched(_postgres_pages(hub, sql, first, last, page_size)):
            yield from ((p, o.bytes, v, t, s) for p, o, v, t, s in page)
        return
    sql = (f"SELECT rowid, originator_id, originator_version, topic, state FROM {table}"  # noqa: S608
           " WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?")
    for page in _sqlite_pages(hub, sql, first, last, page_size):
        yield from ((p, _uuid_bytes(o), v, t, s) for p, o, v, t, s in page)


def chain_rows(hub: Hub, table: str, first: int | None, last: int, page_size: int
               ) -> Iterator[ChainRow]:
    """The rows of the chain table `table` (which lives beside the events)."""
    columns = "position, originator_id, originator_version, topic, event_hash, chain_hash"
    if hub.on_postgres:
        schema = hub.recorder.datastore.schema  # type: ignore[attr-defined]
        sql = (f'SELECT {columns} FROM "{schema}".{table} WHERE position > %s'  # noqa: S608
               " AND position <= %s ORDER BY position")
        for page in prefetched(_postgres_pages(hub, sql, first, last, page_size)):
            yield from page
        return
    sql = (f"SELECT {columns} FROM {table} WHERE position > ? AND position <= ?"  # noqa: S608
           " ORDER BY position LIMIT ?")
    for page in _sqlite_pages(hub, sql, first, last, page_size):
        yield from page


_END = object()


def prefetched(pages: Iterator[T], depth: int = 2) -> Iterator[T]:
    """`pages`, produced by a thread of their own up to `depth` ahead of the caller.
    The producer's errors are raised here; a caller that stops early stops it (and
    closes `pages`, releasing its connection, in its own thread)."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        ready.put(page, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            item: Any = _END
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            item = error
        finally:
            pages.close()  # type: ignore[attr-defined]
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=produce, name="crmhub-ledger-read", daemon=True)
    thread.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _uuid_bytes(value: str) -> bytes | str:
    """SQLite keeps a UUID as 32 hex digits: its 16 bytes (other ids stay text)."""
    if len(value) == 32:
        try:
            return bytes.fromhex(value)
        except ValueError:
            pass
    return value


def _postgres_pages(hub: Hub, sql: str, first: int | None, last: int, page_size: int
                    ) -> Iterator[list[Any]]:
    """One server-side cursor over the range (one snapshot, one plan: a cursor is planned
    for its first rows, so it walks the index in order instead of sorting the range),
    fetched a page at a time."""
    from psycopg.rows import tuple_row

    after = (first if first is not None else _LOWEST) - 1
    datastore: Any = hub.recorder.datastore  # type: ignore[attr-defined]
    with datastore.get_connection() as connection, connection.transaction():
        # The store's connections give up a transaction idle for 5 s; the reader of a
        # page (a progress bar, a slow pipe) may take longer.
        connection.execute("SET LOCAL idle_in_transaction_session_timeout = '10min'")
        with connection.cursor(name="crmhub_ledger_pages", row_factory=tuple_row,
                               binary=True) as cursor:
            cursor.itersize = page_size
            cursor.execute(sql, (after, last))
            while page := cursor.fetchmany(page_size):
                yield page


def _sqlite_pages(hub: Hub, sql: str, first: int | None, last: int, page_size: int
                  ) -> Iterator[list[Any]]:
    after = (first if first is not None else _LOWEST) - 1
    datastore: Any = hub.recorder.datastore  # type: ignore[attr-defined]
    while True:
        with datastore.transaction(commit=False) as cursor:
            cursor.sqlite_cursor.row_factory = None  # plain tuples, not `sqlite3.Row`s
            cursor.execute(sql, (after, last, page_size))
            page = cursor.fetchall()
        if page:
            yield page
        if len(page) < page_size:
            return
        after = page[-1][0]
