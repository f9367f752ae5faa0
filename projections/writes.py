"""Write-behind for a page of events: each table's writes held back and sent together.

On PostgreSQL a statement costs 25–35 µs however small it is (the round trip through
psycopg and the server's per-statement work), so a view that wrote one statement per
event could never go faster than the statements. `WriteBehind` wraps a view's
transaction while the runner applies a page:

- A write (`INSERT`, `UPDATE`, `DELETE`) that names one of the view's tables and no
  other waits in that table's queue.
- A statement that reads a table, or names several, first sends the queues of the
  tables it names; a statement that names none of them sends every queue first.
- Sending a queue keeps its order, turns each run of plain inserts of the same shape
  into one multi-row `INSERT`, and each run of another identical statement into one
  `executemany`.

Writes to different tables commute (the views have no triggers or foreign keys), and
every statement still sees the writes before it to the tables it names, so the tables
end exactly as if each statement had been sent at once; only the number of round trips
changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from projections.database import Row, Transaction

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
#: A plain insert of one row: `INSERT INTO t (columns) VALUES (...)`, optionally
#: `ON CONFLICT DO NOTHING` (a later duplicate in the same statement is skipped, as it
#: would be one statement later). Upserts that update are not merged: PostgreSQL
#: refuses to touch one row twice in one statement.
_PLAIN_INSERT = re.compile(
    r"\s*INSERT INTO (?P<table>\w+) \((?P<columns>[^)]*)\) VALUES \((?P<values>[^()]*)\)"
    r"(?P<tail>\s+ON CONFLICT DO NOTHING)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class _Statement:
    """What the write-behind needs to know of one SQL text (parsed once)."""

    sql: str
    tables: frozenset[str]
    queued_in: str | None
    #: For a plain insert: its table, columns, values (`?` or a literal) and what follows.
    insert: tuple[str, tuple[str, ...], tuple[str, ...], str] | None


class WriteBehind:
    """A view's transaction for one page, holding back writes as the module explains."""

    def __init__(self, tx: Transaction, tables: Iterable[str], *,
                 column_types: dict[str, dict[str, str]] | None = None) -> None:
        """`column_types` (PostgreSQL only, shared between pages and filled as needed) maps
        a table to its columns' types, for inserting a run of rows as typed arrays; without
        it (SQLite) a run of inserts is one `executemany`."""
        self._tx = tx
        self._column_types = column_types
        names = sorted(tables, key=len, reverse=True)
        self._names = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b") \
            if names else None
        self._queues: dict[str, list[tuple[_Statement, Sequence[Any]]]] = {}

    # -- the Transaction interface ---------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        statement = self._parse(sql)
        if statement.queued_in is not None:
            self._queues.setdefault(statement.queued_in, []).append((statement, params))
            return
        self._send(statement.tables)
        self._tx.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        for params in rows:
            self.execute(sql, params)

    def execute_binary(self, sql: str, params: Sequence[Any]) -> None:
        self.execute(sql, params)  # held back or sent like any statement

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._send(self._parse(sql).tables)
        return self._tx.query(sql, params)

    def flush(self) -> None:
        """Send every queue (before the position moves and the transaction commits)."""
        self._send(frozenset())

    # -- sending ---------------------------------------------------------------------------

    def _send(self, tables: frozenset[str]) -> None:
        for table in list(self._queues) if not tables else tables & self._queues.keys():
            queue = self._queues.pop(table)
            start = 0
            while start < len(queue):
                statement = queue[start][0]
                end = start + 1
                while end < len(queue) and queue[end][0] is statement:
                    end += 1
                self._send_run(statement, [params for _, params in queue[start:end]])
                start = end

    def _send_run(self, statement: _Statement, rows: list[Sequence[Any]]) -> None:
        if len(rows) == 1:
            self._tx.execute(statement.sql, rows[0])
        elif statement.insert is not None and self._column_types is not None:
            self._tx.execute_binary(self._unnest(statement),
                                    [list(column) for column in zip(*rows, strict=True)])
        else:
            self._tx.executemany(statement.sql, rows)

    def _unnest(self, statement: _Statement) -> str:
        """The insert of a run of rows on PostgreSQL: one array per parameter, unnested."""
        assert statement.insert is not None and self._column_types is not None
        table, columns, values, tail = statement.insert
        if table not in self._column_types:
            self._column_types[table] = {row["column_name"]: row["data_type"] for row in self._tx.query(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ?", (table,))}
        types = self._column_types[table]
        arrays: list[str] = []
        selected: list[str] = []
        for column, value in zip(columns, values, strict=True):
            if value == "?":
                selected.append(f"p{len(arrays)}")
                arrays.append(f"?::{types[column]}[]")
            else:
                selected.append(value)
        names = ", ".join(f"p{index}" for index in range(len(arrays)))
        return (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(selected)}"  # noqa: S608
                f" FROM unnest({', '.join(arrays)}) AS u ({names}){tail}")

    def _parse(self, sql: str) -> _Statement:
        return _parse(sql, self._names)


@cache
def _parse(sql: str, names: re.Pattern[str] | None) -> _Statement:
    tables = frozenset(names.findall(sql)) if names else frozenset()
    queued_in = next(iter(tables)) if len(tables) == 1 and _WRITE.match(sql) else None
    insert = None
    match = _PLAIN_INSERT.fullmatch(sql)
    if match is not None and queued_in is not None:
        insert = (match["table"], _items(match["columns"]), _items(match["values"]),
                  match["tail"] or "")
    return _Statement(sql, tables, queued_in, insert)


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(","))
