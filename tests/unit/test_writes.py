"""The write-behind a page is applied through: same tables as sending each statement at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.database import Transaction, ViewDatabase
from projections.writes import Catalog, WriteBehind
from tests.stories import tables

DDL = ("CREATE TABLE IF NOT EXISTS w_items (id TEXT PRIMARY KEY, n BIGINT NOT NULL,"
       " label TEXT, flag INTEGER NOT NULL)",
       "CREATE TABLE IF NOT EXISTS w_totals (id TEXT PRIMARY KEY, total BIGINT NOT NULL)",
       "CREATE TABLE IF NOT EXISTS w_tags (item TEXT NOT NULL, tag TEXT NOT NULL,"
       " PRIMARY KEY (item, tag))")
NAMES = ("w_items", "w_totals", "w_tags")

#: Every kind of statement a view sends: plain inserts (with a literal, with ON CONFLICT DO
#: NOTHING), upserts that add, updates and deletes of one row by its key (with further
#: conditions, with a two-column key), updates and deletes of rows by another column
#: and an update of one row that reads others (not keyed), reads, and statements naming two
#: tables.
STATEMENTS = {
    "insert": "INSERT INTO w_items (id, n, label, flag) VALUES (?, ?, ?, 0)",
    "insert_or_skip": "INSERT INTO w_items (id, n, label, flag) VALUES (?, ?, NULL, 1)"
                      " ON CONFLICT DO NOTHING",
    "add": "INSERT INTO w_totals (id, total) VALUES (?, ?) ON CONFLICT (id)"
           " DO UPDATE SET total = w_totals.total + excluded.total",
    "relabel": "UPDATE w_items SET label = ?, n = n + ? WHERE id = ?",
    "delete": "DELETE FROM w_items WHERE id = ? AND n < ?",
    "cap": "UPDATE w_items SET n = CASE WHEN n > ? THEN ? ELSE n END"
           " WHERE id = ? AND (label IS NULL OR flag = ?)",
    "bump_labelled": "UPDATE w_items SET n = n + 1 WHERE label = ?",
    "flag_first": "UPDATE w_items SET flag = 1 WHERE id = ?"
                  " AND (SELECT COUNT(*) FROM w_items AS o WHERE o.flag = 1) = 0",
    "tag": "INSERT INTO w_tags (item, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
    "untag": "DELETE FROM w_tags WHERE item = ? AND tag = ?",
    "untag_all": "DELETE FROM w_tags WHERE item = ?",
    "copy": "UPDATE w_totals SET total = (SELECT COUNT(*) FROM w_items WHERE flag = ?)"
            " WHERE id = ?",
    "read": "SELECT id, n, label FROM w_items WHERE id >= ? ORDER BY id",
}
KEYS = st.sampled_from(["a", "b", "c", "d"])
STEPS = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.tuples(KEYS, st.integers(0, 9), st.sampled_from(["x", None]))),
    st.tuples(st.just("insert_or_skip"), st.tuples(KEYS, st.integers(0, 9))),
    st.tuples(st.just("add"), st.tuples(KEYS, st.integers(-5, 5))),
    st.tuples(st.just("relabel"), st.tuples(st.sampled_from(["y", None]), st.integers(0, 3), KEYS)),
    st.tuples(st.just("delete"), st.tuples(KEYS, st.integers(0, 9))),
    st.tuples(st.just("cap"), st.tuples(st.integers(0, 9), st.integers(0, 9), KEYS,
                                        st.integers(0, 1))),
    st.tuples(st.just("bump_labelled"), st.tuples(st.sampled_from(["x", "y"]),)),
    st.tuples(st.just("flag_first"), st.tuples(KEYS,)),
    st.tuples(st.just("tag"), st.tuples(KEYS, st.sampled_from(["t", "u"]))),
    st.tuples(st.just("untag"), st.tuples(KEYS, st.sampled_from(["t", "u"]))),
    st.tuples(st.just("untag_all"), st.tuples(KEYS,)),
    st.tuples(st.just("copy"), st.tuples(st.integers(0, 1), KEYS)),
    st.tuples(st.just("read"), st.tuples(KEYS,)),
), max_size=60)


def play(tx: Transaction, steps: Sequence[tuple[str, tuple[Any, ...]]]) -> list[Any]:
    """Run the steps (a duplicate plain insert is skipped first); return what reads saw."""
    seen: list[Any] = []
    inserted: set[str] = set()
    for name, params in steps:
        if name == "insert":
            if params[0] in inserted:
                continue
            inserted.add(params[0])
        if name == "insert_or_skip":
            inserted.add(params[0])
        if name == "read":
            seen.append(tx.query(STATEMENTS[name], params))
        else:
            tx.execute(STATEMENTS[name], params)
    return seen


@pytest.fixture
def catalog(views: ViewDatabase) -> Catalog | None:
    return Catalog() if views.dialect == "postgres" else None


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_held_back_writes_end_as_if_each_were_sent_at_once(views, catalog, steps):
    outcomes = []
    for held_back in (False, True):
        with views.transaction() as tx:
            for table in NAMES:
                tx.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in DDL:
                tx.execute(statement)
        with views.transaction() as tx:
            if held_back:
                writes = WriteBehind(tx, NAMES, catalog=catalog)
                seen = play(writes, steps)
                writes.flush()
            else:
                seen = play(tx, steps)
        outcomes.append((seen, tables(views, NAMES)))
    assert outcomes[1] == outcomes[0]


class Recording:
    """A transaction that notes the writes sent through it (not the catalog's questions)."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.sent: list[str] = []

    def _note(self, sql: str) -> None:
        if sql.split()[0] in ("INSERT", "UPDATE", "DELETE"):
            self.sent.append(sql)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._note(sql)
        self.tx.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._note(sql)
        self.tx.executemany(sql, rows)

    def execute_binary(self, sql: str, params: Sequence[Any]) -> None:
        self._note(sql)
        self.tx.execute_binary(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self.tx.query(sql, params)


def test_a_run_of_inserts_is_one_statement(views, catalog):
    with views.transaction() as tx:
        for statement in DDL:
            tx.execute(statement)
        recording = Recording(tx)
        writes = WriteBehind(recording, NAMES, catalog=catalog)
        for index in range(500):
            writes.execute(STATEMENTS["insert"], (f"k{index}", index, None))
            writes.execute(STATEMENTS["add"], ("all", 1))
        assert recording.sent == []
        writes.flush()
    assert len(recording.sent) == 2
    assert views.query("SELECT COUNT(*) AS n FROM w_items") == [{"n": 500}]
    assert views.query("SELECT total FROM w_totals") == [{"total": 500}]


def test_keyed_writes_to_many_rows_go_in_one_statement_per_round_on_postgres(views, catalog):
    """Each row is inserted, relabelled and capped: on PostgreSQL three statements for
    300 rows (rounds of keyed writes), on SQLite one per write."""
    with views.transaction() as tx:
        for statement in DDL:
            tx.execute(statement)
        recording = Recording(tx)
        writes = WriteBehind(recording, NAMES, catalog=catalog)
        for index in range(300):
            writes.execute(STATEMENTS["insert"], (f"k{index}", index, None))
            writes.execute(STATEMENTS["relabel"], ("y", 1, f"k{index}"))
            writes.execute(STATEMENTS["cap"], (100, 100, f"k{index}", 0))
        writes.flush()
    assert len(recording.sent) == (3 if views.dialect == "postgres" else 900)
    rows = views.query("SELECT id, n, label FROM w_items ORDER BY n")
    assert len(rows) == 300
    assert rows[0] == {"id": "k0", "n": 1, "label": "y"}
    assert rows[-1]["n"] == 100
    assert sum(row["n"] for row in rows) == sum(min(n + 1, 100) for n in range(300))


def test_a_write_that_reads_other_rows_goes_in_its_place(views, catalog):
    """Flagging an item only while none is flagged: sent together, all three would be."""
    with views.transaction() as tx:
        for statement in DDL:
            tx.execute(statement)
        writes = WriteBehind(tx, NAMES, catalog=catalog)
        for key in "abc":
            writes.execute(STATEMENTS["insert"], (key, 0, None))
        for key in "abc":
            writes.execute(STATEMENTS["flag_first"], (key,))
        writes.flush()
    assert views.query("SELECT id FROM w_items WHERE flag = 1") == [{"id": "a"}]
