"""Write-behind for a page of events: each table's writes held back and sent together.

On PostgreSQL a statement costs 25–35 µs however small it is (the round trip through
psycopg and the server's per-statement work), so a view that wrote one statement per
event could never go faster than the statements. `WriteBehind` wraps a view's
transaction while the runner applies a page:

- A write (`INSERT`, `UPDATE`, `DELETE`) that names one of the view's tables and no
  other waits in that table's queue.
- A statement that reads a table, or names several, first sends the queues of the
  tables it names; a statement that names none of them sends every queue first.
- Sending a queue keeps its order and sends each run of one identical statement
  together: one `executemany`, or on PostgreSQL one multi-row `INSERT` for a run of
  plain inserts.

On PostgreSQL a queue goes further, by the table's primary key (`Catalog`). A write is
*keyed* when it can touch only the row of one key: an insert that gives every key column,
an upsert on the key, an update or delete whose `WHERE` starts with `column = ?` for every
key column (an update that does not set them). Keyed writes to different rows commute,
so a run of keyed writes is sent in *rounds*: a write goes in the round after the last
write to its row, and each round sends each statement once for all its rows, as arrays
unnested into one `INSERT`, `UPDATE ... FROM` or `DELETE ... USING`. Each array has the
type PostgreSQL gives that parameter in the one-row statement (asked once per statement,
with `PREPARE`). A write that is not keyed ends the run and is sent in its place: so is
any write with a subquery (it may read other rows), and every write to a table with a
unique index besides its primary key (two rows could meet in it). Keys are compared as
the Python values the view passes: a view names a row the same way in all its
statements.

Writes to different tables commute (the views have no triggers or foreign keys), and
every statement still sees the writes before it to the tables it names, so the tables
end exactly as if each statement had been sent at once; only the number of round trips
changes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import Any

from projections.database import Row, Transaction

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
#: An insert of one row: `INSERT INTO t (columns) VALUES (...)`, optionally followed by
#: an `ON CONFLICT` clause without parameters.
_INSERT = re.compile(
    r"\s*INSERT INTO (?P<table>\w+) \((?P<columns>[^)]*)\) VALUES \((?P<values>[^()]*)\)"
    r"(?P<tail>\s+ON CONFLICT\b[^?]*)?\s*", re.IGNORECASE | re.DOTALL)
#: Tails under which a run of inserts may be one statement even if rows repeat a key: a
#: later duplicate is skipped, as it would be one statement later. An upsert that
#: updates may not: PostgreSQL refuses to touch one row twice in one statement.
_SKIPS = re.compile(r"\s*(ON CONFLICT( \([^)]*\))? DO NOTHING\s*)?", re.IGNORECASE)
_UPSERT_TARGET = re.compile(r"\s*ON CONFLICT \((?P<target>[^)]*)\) DO UPDATE\b", re.IGNORECASE)
_UPDATE = re.compile(r"\s*UPDATE (?P<table>\w+) SET (?P<set>.*?) WHERE (?P<where>.*)",
                     re.IGNORECASE | re.DOTALL)
_DELETE = re.compile(r"\s*DELETE FROM (?P<table>\w+) WHERE (?P<where>.*)",
                     re.IGNORECASE | re.DOTALL)
_KEY_EQUALS = re.compile(r"\s*(\w+)\s*=\s*\?\s*")
_SUBQUERY = re.compile(r"\bSELECT\b", re.IGNORECASE)


@dataclass(frozen=True, eq=False)
class _Statement:
    """What the write-behind needs to know of one SQL text (parsed once, so one object
    per text: compared and hashed by identity)."""

    sql: str
    tables: frozenset[str]
    queued_in: str | None
    #: "insert", "update" or "delete" for a write whose shape is understood, else None.
    kind: str | None = None
    #: For an insert: its columns, values (`?` or a literal) and what follows them.
    insert: tuple[tuple[str, ...], tuple[str, ...], str] | None = None
    #: A run of it may be one statement even if its rows repeat a key (see `_SKIPS`).
    merges: bool = False
    #: The columns that fix the row the write touches, each with its parameter's index.
    fixes: tuple[tuple[str, int], ...] = ()
    #: Columns an update sets (or an upsert's conflict target, for an insert).
    sets: frozenset[str] = frozenset()
    #: For an update: its `SET` and `WHERE`, for a delete its `WHERE`, with `u.pN` for the
    #: N-th parameter (the unnested form).
    unnested: tuple[str, ...] = ()


#: Prepared-statement names, unique in the process (one left by a failed page never clashes).
_DESCRIBED = itertools.count()


@dataclass
class Catalog:
    """What PostgreSQL says of the views' tables and statements, asked in the page's own
    transaction (no other connection, no lock of its own) once per runner set-up."""

    _keys: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    _types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    def clear(self) -> None:
        self._keys.clear()
        self._types.clear()

    def primary_key(self, tx: Transaction, table: str) -> tuple[str, ...] | None:
        """The table's primary-key columns; None without one, or with another unique index."""
        if table not in self._keys:
            indexes = tx.query(
                "SELECT i.indisprimary AS is_primary, ARRAY(SELECT a.attname::text"
                " FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                " ORDER BY a.attnum) AS columns FROM pg_index i"
                " WHERE i.indrelid = ?::regclass AND i.indisunique", (table,))
            self._keys[table] = tuple(indexes[0]["columns"]) \
                if len(indexes) == 1 and indexes[0]["is_primary"] else None
        return self._keys[table]

    def parameter_types(self, tx: Transaction, sql: str) -> tuple[str, ...]:
        """The types PostgreSQL gives the statement's parameters."""
        if sql not in self._types:
            name = f"crmhub_describe_{next(_DESCRIBED)}"
            numbered = iter(range(1, sql.count("?") + 1))
            tx.execute(f"PREPARE {name} AS " + re.sub(r"\?", lambda _: f"${next(numbered)}", sql))
            (row,) = tx.query("SELECT parameter_types::text[] AS types FROM pg_prepared_statements"
                              " WHERE name = ?", (name,))
            tx.execute(f"DEALLOCATE {name}")
            self._types[sql] = tuple(row["types"])
        return self._types[sql]


_Batch = tuple[_Statement, list[Sequence[Any]], bool]  # statement, rows, rows touch distinct rows


class WriteBehind:
    """A view's transaction for one page, holding back writes as the module explains."""

    def __init__(self, tx: Transaction, tables: Iterable[str], *,
                 catalog: Catalog | None = None) -> None:
        """`catalog` (PostgreSQL only, shared between pages): keyed writes in rounds and runs
        as unnested arrays; without it (SQLite) a run is one `executemany`."""
        self._tx = tx
        self._catalog = catalog
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
            key = self._catalog.primary_key(self._tx, table) if self._catalog else None
            batches: list[_Batch] = []
            keyed: list[tuple[_Statement, Sequence[Any], Any]] = []
            for statement, params in queue:
                row_of = _row_of(statement, key) if key else None
                if row_of is None:
                    batches += _rounds(keyed)
                    keyed = []
                    batches.append((statement, [params], False))
                else:
                    keyed.append((statement, params, row_of(params)))
            batches += _rounds(keyed)
            for statement, rows, distinct in _runs(batches):
                self._send_batch(statement, rows, distinct=distinct)

    def _send_batch(self, statement: _Statement, rows: list[Sequence[Any]], *,
                    distinct: bool) -> None:
        if len(rows) == 1:
            self._tx.execute(statement.sql, rows[0])
        elif self._catalog is not None and (statement.merges or distinct and statement.kind):
            types = self._catalog.parameter_types(self._tx, statement.sql)
            self._tx.execute_binary(_unnested(statement, types),
                                    [list(column) for column in zip(*rows, strict=True)])
        else:
            self._tx.executemany(statement.sql, rows)

    def _parse(self, sql: str) -> _Statement:
        return _parse(sql, self._names)


def _rounds(keyed: list[tuple[_Statement, Sequence[Any], Any]]) -> list[_Batch]:
    """Keyed writes in rounds: each in the round after the last write to its row, each
    round's rows of one statement together."""
    rounds: list[dict[_Statement, list[Sequence[Any]]]] = []
    last: dict[Any, int] = {}
    for statement, params, key in keyed:
        number = last[key] = last.get(key, -1) + 1
        if number == len(rounds):
            rounds.append({})
        rounds[number].setdefault(statement, []).append(params)
    return [(statement, rows, True) for batches in rounds for statement, rows in batches.items()]


def _runs(batches: list[_Batch]) -> list[_Batch]:
    """Neighbouring batches of one statement as one, unless that would put two rows of a
    round's batch with rows that may repeat their keys."""
    runs: list[_Batch] = []
    for statement, rows, distinct in batches:
        if runs and runs[-1][0] is statement and \
                (len(rows) == 1 or not distinct) and (len(runs[-1][1]) == 1 or not runs[-1][2]):
            runs[-1] = (statement, runs[-1][1] + rows, False)
        else:
            runs.append((statement, rows, distinct))
    return runs


@cache
def _row_of(statement: _Statement, key: tuple[str, ...]) -> Callable[[Sequence[Any]], Any] | None:
    """The function of the write's parameters that gives its row's `key` (the same for
    every keyed write to the table); None if the write is not keyed (see the module's
    docstring)."""
    fixes = dict(statement.fixes)
    if not statement.kind or not all(column in fixes for column in key):
        return None
    if statement.kind == "update" and statement.sets & set(key):
        return None
    if statement.kind == "insert" and statement.sets and statement.sets != set(key):
        return None
    return itemgetter(*(fixes[column] for column in key))


def _unnested(statement: _Statement, types: Sequence[str]) -> str:
    """The statement for many rows on PostgreSQL: one array parameter per parameter,
    unnested as `u (p0, p1, ...)`."""
    arrays = ", ".join(f"?::{kind}[]" for kind in types)
    rows = f"unnest({arrays}) AS u ({', '.join(f'p{index}' for index in range(len(types)))})"
    if statement.kind == "insert":
        assert statement.insert is not None
        columns, values, tail = statement.insert
        numbered = iter(range(len(types)))
        selected = ", ".join(f"p{next(numbered)}" if value == "?" else value for value in values)
        return (f"INSERT INTO {statement.queued_in} ({', '.join(columns)})"  # noqa: S608
                f" SELECT {selected} FROM {rows}{tail}")
    if statement.kind == "update":
        assignments, where = statement.unnested
        return f"UPDATE {statement.queued_in} SET {assignments} FROM {rows} WHERE {where}"  # noqa: S608
    (where,) = statement.unnested
    return f"DELETE FROM {statement.queued_in} USING {rows} WHERE {where}"  # noqa: S608


@cache
def _parse(sql: str, names: re.Pattern[str] | None) -> _Statement:
    tables = frozenset(names.findall(sql)) if names else frozenset()
    queued_in = next(iter(tables)) if len(tables) == 1 and _WRITE.match(sql) else None
    plain = _Statement(sql, tables, queued_in)
    if queued_in is None or _SUBQUERY.search(sql):
        return plain
    if (match := _INSERT.fullmatch(sql)) and match["table"] == queued_in:
        columns, values = _items(match["columns"]), _items(match["values"])
        tail = match["tail"] or ""
        parameters = itertools.count()
        fixes = tuple((column, next(parameters)) for column, value in zip(columns, values,
                                                                          strict=True)
                      if value == "?")
        target = _UPSERT_TARGET.match(tail)
        return _Statement(sql, tables, queued_in, "insert", (columns, values, tail),
                          merges=bool(_SKIPS.fullmatch(tail)), fixes=fixes,
                          sets=frozenset(_items(target["target"])) if target else frozenset())
    if (match := _UPDATE.fullmatch(sql)) and match["table"] == queued_in:
        assigned = frozenset(item.split("=")[0].strip() for item in _top_level(match["set"], ","))
        before = match["set"].count("?")
        return _Statement(sql, tables, queued_in, "update",
                          fixes=_fixes(match["where"], before), sets=assigned,
                          unnested=(_numbered(match["set"], 0), _numbered(match["where"], before)))
    if (match := _DELETE.fullmatch(sql)) and match["table"] == queued_in:
        return _Statement(sql, tables, queued_in, "delete", fixes=_fixes(match["where"], 0),
                          unnested=(_numbered(match["where"], 0),))
    return plain


def _fixes(where: str, before: int) -> tuple[tuple[str, int], ...]:
    """`column = ?` conditions of a `WHERE` (its top-level `AND`s), with their parameters'
    indexes (`before`: parameters ahead of the `WHERE`)."""
    fixes = []
    for condition in _top_level(where, " AND "):
        if match := _KEY_EQUALS.fullmatch(condition):
            fixes.append((match[1], before))
        before += condition.count("?")
    return tuple(fixes)


def _numbered(text: str, first: int) -> str:
    """`text` with `u.pN` for its parameters, counting from `first`."""
    numbers = itertools.count(first)
    return re.sub(r"\?", lambda _: f"u.p{next(numbers)}", text)


def _top_level(text: str, separator: str) -> list[str]:
    """`text` split at `separator` (case-insensitive) outside parentheses."""
    pieces, depth, start, index = [], 0, 0, 0
    upper, width = text.upper(), len(separator)
    while index < len(text):
        character = text[index]
        depth += (character == "(") - (character == ")")
        if depth == 0 and upper.startswith(separator.upper(), index):
            pieces.append(text[start:index])
            start = index = index + width
            continue
        index += 1
    pieces.append(text[start:])
    return pieces


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(","))
