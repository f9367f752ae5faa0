"""The runner that keeps views current, on SQLite and PostgreSQL alike.

It reads the notification log a page at a time (one decode per event, shared by every
view), and applies the page to every view behind it in one transaction together with
their new positions. The position rows are locked first (`FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), so two runners of one view never apply an event twice:
the second finds the position moved and skips what is done. Notification ids may have
gaps; the runner never assumes consecutive ids.

A raw view (`View.raw`) gets the page's stored notifications, not decoded events; a
page no decoded view needs is not decoded. A positioned view (`View.positioned`) gets
each event with its log position. A runner subclass may keep its positions in
a table of its own (`positions_table`): the ledger chain does, so that read-your-writes,
which waits for every row of `crmhub_view_positions`, never waits for it.

It wakes when the hub in this process commits, on PostgreSQL's `NOTIFY` from other
processes, and otherwise polls. `wait_for(position)` is the read-your-writes wait: it
returns as soon as every view has applied that position, without a fixed sleep.

A view whose handler raises on a page stops before that page (`projections.failures`);
the others go on (the page is applied to each view alone to find which one failed), and
the stopped view is tried again after `retry_interval` seconds, twice as long after each
failed attempt, up to `MAX_RETRY_INTERVAL`. `catch_up` raises `ViewsFailedError` when a
view is stopped at its end; read-your-writes does not wait for a stopped view.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from domain.hub import Hub
from projections import failures
from projections.database import PostgresViews, Transaction, ViewDatabase
from projections.failures import ViewFailure, ViewsFailedError
from projections.view import View
from projections.writes import Catalog, WriteBehind

logger = logging.getLogger("crmhub.projections")
MAX_RETRY_INTERVAL = 60.0

POSITIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS crmhub_view_positions ("
    " view TEXT PRIMARY KEY, position BIGINT NOT NULL, version INTEGER NOT NULL)"
)


def view_positions(database: ViewDatabase) -> dict[str, int]:
    """Each view's applied log position, as stored (whoever runs the views)."""
    return {row["view"]: row["position"] for row in
            database.query("SELECT view, position FROM crmhub_view_positions ORDER BY view")}


def wait_for_views(database: ViewDatabase, position: int, *, timeout: float,
                   names: Sequence[str] | None = None) -> bool:
    """Read-your-writes when other processes run the views (all, or those named): poll
    their positions. A stopped view is not waited for (False: the write is not in it)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = database.query(
            "SELECT p.view, p.position, f.view IS NOT NULL AS stopped"
            " FROM crmhub_view_positions p LEFT JOIN crmhub_view_failures f ON f.view = p.view")
        waited = [row for row in rows if names is None or row["view"] in names]
        if all(row["position"] >= position for row in waited if not row["stopped"]):
            return not any(row["stopped"] for row in waited)
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)


class _Page(NamedTuple):
    """A page of the log: its stored notifications and (unless only raw views run) its
    decoded events, each with its log position."""

    stored: list[tuple[int, Any]]
    events: list[tuple[int, Any]]


class ProjectionRunner:
    #: Where the views' positions are kept (see the module's docstring).
    positions_table = "crmhub_view_positions"

    def __init__(self, hub: Hub, database: ViewDatabase, views: Sequence[View], *,
                 page_size: int = 1000, poll_interval: float = 0.5,
                 retry_interval: float = 1.0) -> None:
        self.hub = hub
        self.database = database
        self.views = list(views)
        self.page_size = page_size
        self.poll_interval = poll_interval
        self.retry_interval = retry_interval
        self._positions: dict[str, int] = {}
        #: Stopped views: their failure, and when (monotonic) to try them again.
        self._failures: dict[str, tuple[ViewFailure, float]] = {}
        #: What PostgreSQL says of the views' tables and statements (for batched writes).
        self._catalog = Catalog() if isinstance(database, PostgresViews) else None
        self._progress = threading.Condition()
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- set-up and rebuild -------------------------------------------------------------

    def setup(self) -> None:
        """Create missing tables; rebuild (from position 0) a view whose version changed."""
        if self._catalog is not None:
            self._catalog.clear()
        table = self.positions_table
        with self.database.schema_transaction() as tx:
            tx.execute(self._ddl())
            tx.execute(failures.DDL)
            stored = {row["view"]: row for row in
                      tx.query(f"SELECT view, position, version FROM {table}")}  # noqa: S608
            for view in self.views:
                row = stored.get(view.name)
                if row is not None and row["version"] != view.version:
                    logger.info("view %s: layout %s -> %s, rebuilding", view.name,
                                row["version"], view.version)
                    self._drop(tx, view)
                    row = None
                for statement in view.ddl:
                    tx.execute(statement)
                if row is None:
                    tx.execute(f"INSERT INTO {table} (view, position, version) "  # noqa: S608
                               "VALUES (?, 0, ?)", (view.name, view.version))
                self._positions[view.name] = row["position"] if row else 0
            # Views another run left stopped: tried again at once.
            self._failures = {name: (failure, 0.0) for name, failure in
                              failures.view_failures(tx).items() if name in self._positions}

    def reset(self, names: Sequence[str] | None = None) -> None:
        """Drop views (all, or those named) so that the next catch-up rebuilds them."""
        with self.database.schema_transaction() as tx:
            tx.execute(self._ddl())
            tx.execute(failures.DDL)
            for view in self.views:
                if names is None or view.name in names:
                    self._drop(tx, view)
        self.setup()

    def _ddl(self) -> str:
        return POSITIONS_DDL.replace("crmhub_view_positions", self.positions_table)

    def _drop(self, tx: Transaction, view: View) -> None:
        for table in (*view.tables, *view.retired_tables):
            tx.execute(f"DROP TABLE IF EXISTS {table}")
        tx.execute(f"DELETE FROM {self.positions_table} WHERE view = ?", (view.name,))  # noqa: S608
        tx.execute("DELETE FROM crmhub_view_failures WHERE view = ?", (view.name,))

    # -- catching up --------------------------------------------------------------------

    @property
    def position(self) -> int:
        """The log position every view has applied."""
        return min(self._positions.values(), default=0)

    def positions(self) -> dict[str, int]:
        return dict(self._positions)

    def catch_up(self, *, on_page: Callable[[int], None] | None = None) -> int:
        """Apply everything in the log now; return the position reached. Raises
        `ViewsFailedError` if a view is stopped (after the others caught up)."""
        now = time.monotonic()  # a view stopped during this call is tried in a later one
        while not self._stopping.is_set():
            views = [view for view in self.views
                     if view.name not in self._failures or self._failures[view.name][1] < now]
            after = min((self._positions[view.name] for view in views), default=None)
            if after is None:
                break
            page = self._read(after, views)
            if not page.stored:
                break
            last = page.stored[-1][0]
            try:
                self._apply(page, views, after=after, last=last)
                failed = False
            except Exception:  # noqa: BLE001 - find out below which view failed
                failed = True
            for view in views if failed else ():  # each alone
                try:
                    self._apply(page, [view], after=after, last=last)
                except Exception as error:  # noqa: BLE001 - that view stops here
                    self._stopped(view.name, error)
            for view in views:
                if view.name in self._failures and self._positions[view.name] >= last:
                    del self._failures[view.name]
                    failures.clear_failure(self.database, view.name)
                    logger.info("view %s applies the log again", view.name)
            if on_page:
                on_page(len(page.stored))
        if self._failures:
            raise ViewsFailedError({name: failure for name, (failure, _) in self._failures.items()})
        return self.position

    def _stopped(self, name: str, error: Exception) -> None:
        previous = self._failures.get(name, (None, 0.0))[0]
        failure = failures.next_failure(previous, position=self._positions[name], error=error)
        try:
            failures.record_failure(self.database, name, failure)
        except Exception:  # noqa: BLE001 - the database may be what failed; still stop it
            logger.warning("could not record that view %s stopped", name, exc_info=True)
        delay = min(self.retry_interval * 2 ** (failure.attempts - 1), MAX_RETRY_INTERVAL)
        self._failures[name] = (failure, time.monotonic() + delay)
        logger.error("view %s stopped at position %s (attempt %s); trying again in %.0f s",
                     name, failure.position, failure.attempts, delay, exc_info=error)
        with self._progress:  # read-your-writes stops waiting for it
            self._progress.notify_all()

    def _read(self, after: int, views: Sequence[View]) -> _Page:
        """The page of the log after position `after`, decoded unless every view is raw."""
        notifications = self.hub.recorder.select_notifications(start=after + 1,
                                                               limit=self.page_size)
        stored = [(n.id, n) for n in notifications]
        if not notifications or all(view.raw for view in views):
            return _Page(stored, [])
        return _Page(stored, list(zip((n.id for n in notifications),
                                      self.hub.decode(notifications), strict=True)))

    def _apply(self, page: _Page, views: Sequence[View], *, after: int, last: int) -> None:
        """Apply the page (events after log position `after`, up to `last`) to those of
        `views` still behind it, in one transaction with their new positions: on
        PostgreSQL the server works through one view's statements while the next view's
        are made."""
        names = sorted(view.name for view in views if self._positions[view.name] < last)
        if not names:
            return
        marks = ", ".join("?" * len(names))
        select = (f"SELECT view, position FROM {self.positions_table}"  # noqa: S608
                  f" WHERE view IN ({marks}) ORDER BY view")
        if isinstance(self.database, PostgresViews):
            select += " FOR UPDATE"
        moved: dict[str, int] = {}
        with self.database.transaction() as tx:
            # Lock the position rows, in name order (two runners sharing views cannot
            # deadlock): a second runner of a view waits here, then skips what the first
            # applied. (SQLite's BEGIN IMMEDIATE already serialises writers.)
            done = {row["view"]: row["position"] for row in tx.query(select, names)}
            applied = []
            for view in (view for view in views if view.name in done):
                position = moved[view.name] = done[view.name]
                # Behind `after`: rebuilt by someone else since we read the page, so start
                # again there. At `last` or past it: another runner applied the page.
                if after <= position < last:
                    writes = WriteBehind(tx, view.tables, catalog=self._catalog)
                    events = page.stored if view.raw else page.events
                    if position > after:  # another runner applied part of this page
                        events = [(p, event) for p, event in events if p > position]
                    view.apply(writes, events if view.positioned else [e for _, e in events])
                    writes.flush()
                    moved[view.name] = last
                    applied.append(view.name)
            if applied:
                tx.execute(f"UPDATE {self.positions_table} SET position = ?"  # noqa: S608
                           f" WHERE view IN ({', '.join('?' * len(applied))})",
                           (last, *applied))
        self._moved(moved)

    def _moved(self, positions: dict[str, int]) -> None:
        """Record views' new positions and wake whoever waits for them."""
        with self._progress:
            self._positions.update(positions)
            self._progress.notify_all()

    # -- running in the background and waiting ---------------------------------------------

    def start(self) -> None:
        """Keep the views current in a background thread until `stop()`."""
        self.hub.commit_listeners.append(self._on_commit)
        self._threads.append(threading.Thread(target=self._run, name="crmhub-projections",
                                              daemon=True))
        if isinstance(self.database, PostgresViews):
            self._threads.append(threading.Thread(target=self._listen, daemon=True,
                                                  name="crmhub-projections-listen"))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._on_commit in self.hub.commit_listeners:
            self.hub.commit_listeners.remove(self._on_commit)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def _on_commit(self, position: int) -> None:
        self._wakeup.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wakeup.clear()
            try:
                self.catch_up()
            except ViewsFailedError:
                pass  # logged as each view stopped; tried again when due
            except Exception:  # noqa: BLE001 - keep running; the next wake-up retries
                logger.exception("projection runner failed; retrying")
                time.sleep(self.poll_interval)
            self._wakeup.wait(self.poll_interval)

    def _listen(self) -> None:
        assert isinstance(self.database, PostgresViews)
        while not self._stopping.is_set():
            try:
                with self.database.listen() as connection:
                    while not self._stopping.is_set():
                        for _ in connection.notifies(timeout=self.poll_interval):
                            self._wakeup.set()
                            break
            except Exception:  # noqa: BLE001 - the poll still runs; reconnect after a pause
                logger.warning("LISTEN connection lost; polling until it is back")
                self._stopping.wait(self.poll_interval)

    def wait_for(self, position: int, timeout: float, *,
                 names: Sequence[str] | None = None) -> bool:
        """Block until every view (or those named) has applied `position` (or `timeout`
        seconds passed). A stopped view is not waited for: False, the write is not in it."""
        self._wakeup.set()
        deadline = time.monotonic() + timeout
        waited = list(self._positions) if names is None else list(names)

        def applied() -> int:
            return min((self._positions.get(name, 0) for name in waited
                        if name not in self._failures), default=position)

        with self._progress:
            while applied() < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._progress.wait(remaining)
        return not any(name in self._failures for name in waited)
