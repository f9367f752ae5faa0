"""Projections benchmark: how fast the views catch up, how soon a write is visible, how
fast the dashboards answer.

    python -m bench.projections [--database sqlite|postgres|both] [--customers N] [--repeat R]

Each database gets one store (a temporary SQLite file, or a new PostgreSQL schema in
`CRMHUB_BENCH_POSTGRES_URL` dropped afterwards), loaded once with
`load_demo(hub, customers=N, seed=7)`: about 29.8 events per customer, so the default
6,700 customers make about 200,000 events. On PostgreSQL the loading hub commits with
`synchronous_commit=off` (three times faster: ~650 instead of ~225 events/s on 2 cores);
every measured hub and view connection commits as usual.

- Catch-up: a `ProjectionRunner` over all the views, over each view alone, and over a
  counter view (one upsert per event) is reset (tables dropped, position 0, `setup()`)
  and then timed over `catch_up()` of the whole log. On PostgreSQL, the library's own
  `eventsourcing.projection.ProjectionRunner` with the same counter (one transaction per
  event) is timed over the first 20,000 events.
- Read-your-writes: with the runner of all views started, 500 `register_customer`
  commands, each timed from its commit to `runner.wait_for(position)` returning.
- GraphQL: the real app (`api.app.create_app`, sharing the hub) in-process through
  FastAPI's TestClient with an admin token; each query 20 times unmeasured, then 200
  times measured, one at a time. The customer 360 asks for a 200-entry timeline page of
  a demo customer given 200 more interactions first. Dashboards the schema does not
  have (yet) are listed as skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.projection import ProjectionRunner as LibraryRunner
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier
from rich.console import Console
from rich.table import Table

from api.demo import load_demo
from api.store import connect_hub
from bench._common import MASTER_KEY, fresh_store, machine, percentile_ms, verdict
from bench.projections_graphql import ACTOR, REQUESTS, graphql_latencies
from domain.hub import Hub
from domain.storage import store_settings
from projections.catalog import all_views
from projections.database import Transaction, ViewDatabase
from projections.runner import ProjectionRunner
from projections.view import View

DEFAULT_CUSTOMERS = 6_700
LIBRARY_EVENTS = 20_000
WRITES, WRITES_WARMUP = 500, 20
#: All views over the counter view, all views on PostgreSQL, read-your-writes p50, query p99.
RATIO_TARGET = 0.25
POSTGRES_RATE_TARGET = 20_000
VISIBLE_P50_TARGET_MS = 10
QUERY_P99_TARGET_MS = 50


class CounterView(View):
    """What the runner costs without any view's work: one upsert per event."""

    name = "bench_counter"
    tables = ("bench_event_counts",)
    ddl = ("CREATE TABLE IF NOT EXISTS bench_event_counts"
           " (topic TEXT PRIMARY KEY, events BIGINT NOT NULL)",)

    def apply(self, tx: Transaction, events: Sequence[object]) -> None:
        for event in events:
            tx.execute("INSERT INTO bench_event_counts (topic, events) VALUES (?, 1) ON CONFLICT"
                       " (topic) DO UPDATE SET events = bench_event_counts.events + 1",
                       (get_topic(type(event)),))


class LibraryCounterView(PostgresTrackingRecorder):
    """The same counter for the library's runner: the upsert and the tracking row in one
    transaction per event, as the library's own examples do."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        table = Identifier(datastore.schema, "bench_library_counts")
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {} (topic text PRIMARY KEY, events bigint NOT NULL)"
        ).format(table))
        self.upsert = SQL("INSERT INTO {0} (topic, events) VALUES (%s, 1) ON CONFLICT (topic)"
                          " DO UPDATE SET events = {0}.events + 1").format(table)

    def count(self, topic: str, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self.upsert, (topic,), prepare=True)
            self._insert_tracking(cursor, tracking)


class LibraryCounter(Projection[LibraryCounterView]):
    name = "benchcounter"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.count(get_topic(type(domain_event)), tracking)


@dataclass(frozen=True)
class Rate:
    events: int
    #: Seconds of each run; the median run is reported.
    runs: list[float]

    @property
    def seconds(self) -> float:
        return sorted(self.runs)[len(self.runs) // 2]

    @property
    def per_second(self) -> float:
        return self.events / self.seconds


#: Catch-up rows, in print order: a label and the views the runner gets.
CATCH_UPS: list[tuple[str, Callable[[], list[View]]]] = []


def catch_up_row(label: str) -> Callable[[Callable[[], list[View]]], Callable[[], list[View]]]:
    def register(views: Callable[[], list[View]]) -> Callable[[], list[View]]:
        CATCH_UPS.append((label, views))
        return views
    return register


catch_up_row("all views together")(all_views)
for _view in all_views():
    catch_up_row(f"{_view.name} alone")(lambda cls=type(_view): [cls()])
catch_up_row("counter view (1 upsert/event)")(lambda: [CounterView()])


# -- measurements -----------------------------------------------------------------------


def catch_up(hub: Hub, database: ViewDatabase, views: list[View], repeat: int) -> Rate:
    runs, events = [], 0
    for _ in range(repeat):
        runner = ProjectionRunner(hub, database, views)
        runner.reset()
        pages: list[int] = []
        started = perf_counter()
        runner.catch_up(on_page=pages.append)
        runs.append(perf_counter() - started)
        events = sum(pages)
    return Rate(events, runs)


def library_catch_up(hub: Hub, url: str) -> Rate:
    """The library's runner from position 0 to the 20,000th event, construction included."""
    page = hub.recorder.select_notifications(start=1, limit=LIBRARY_EVENTS)
    started = perf_counter()
    with LibraryRunner(application_class=Hub, projection_class=LibraryCounter,
                       view_class=LibraryCounterView,
                       env={**store_settings(url), "CREATE_TABLE": "y"}) as runner:
        # Polled every 5 ms: the library's `wait()` sleeps 100 to 800 ms between looks.
        while (runner.view.max_tracking_id(runner.app_name) or 0) < page[-1].id:
            runner.run_forever(timeout=0.005)  # re-raises the processing thread's error
            if runner.is_interrupted.is_set():
                raise RuntimeError("the library's runner stopped before the end")
        seconds = perf_counter() - started
    return Rate(len(page), [seconds])


def read_your_writes(hub: Hub, database: ViewDatabase) -> dict[str, list[float]]:
    runner = ProjectionRunner(hub, database, all_views())
    runner.setup()
    runner.catch_up()
    runner.start()
    visible, whole = [], []
    try:
        for index in range(WRITES_WARMUP + WRITES):
            started = perf_counter()
            hub.register_customer(actor=ACTOR, kind="person",
                                  profile={"given_name": "Bench", "family_name": f"W{index}"})
            committed = perf_counter()
            if not runner.wait_for(hub.last_commit_position(), timeout=10):
                raise RuntimeError("the views did not show a write within 10 s")
            if index >= WRITES_WARMUP:
                visible.append(perf_counter() - committed)
                whole.append(perf_counter() - started)
    finally:
        runner.stop()
    return {"commit -> visible (wait_for)": visible, "command + wait_for": whole}




# -- one database ------------------------------------------------------------------------


def load(database: str, url: str, customers: int, console: Console) -> None:
    """The demo, through a hub of its own (on PostgreSQL with synchronous_commit=off)."""
    saved = os.environ.get("PGOPTIONS")
    if database == "postgres":
        os.environ["PGOPTIONS"] = "-c synchronous_commit=off"
    try:
        hub = connect_hub(url, master_key=MASTER_KEY)
        started = perf_counter()
        summary = load_demo(hub, customers=customers, seed=7, console=Console(stderr=True))
        seconds = perf_counter() - started
        hub.close()
    finally:
        if saved is None:
            os.environ.pop("PGOPTIONS", None)
        else:
            os.environ["PGOPTIONS"] = saved
    console.print(f"Loaded {customers:,} demo customers: {summary.events:,} events in "
                  f"{seconds:,.0f} s ({summary.events / seconds:,.0f} events/s, "
                  f"{summary.events / customers:.1f} per customer)")


def run(database: str, customers: int, repeat: int, console: Console) -> None:
    title = {"sqlite": "SQLite (temporary file)", "postgres": "PostgreSQL"}[database]
    console.rule(title)
    with fresh_store(database) as url:
        load(database, url, customers, console)
        hub = connect_hub(url, master_key=MASTER_KEY)
        views = ViewDatabase.connect(url)
        try:
            with console.status(f"{title}: catching up"):
                rates = {label: catch_up(hub, views, make(), repeat) for label, make in CATCH_UPS}
                library = library_catch_up(hub, url) if database == "postgres" else None
            report_catch_up(database, rates, library, repeat, console)
            with console.status(f"{title}: read-your-writes"):
                latencies = read_your_writes(hub, views)
            report_latencies(f"Read-your-writes on {title}, {WRITES} register_customer", latencies,
                             console)
            p50 = percentile_ms(latencies["commit -> visible (wait_for)"], 50)
            console.print(verdict(f"commit to visible p50: {p50:.2f} ms",
                                  f"target < {VISIBLE_P50_TARGET_MS} ms", p50 < VISIBLE_P50_TARGET_MS))
            console.print()
            with console.status(f"{title}: GraphQL"):
                queries, skipped = graphql_latencies(hub, url)
            report_latencies(f"GraphQL in-process on {title}, {REQUESTS} requests each", queries,
                             console)
            slow = [label for label, s in queries.items() if percentile_ms(s, 99) >= QUERY_P99_TARGET_MS]
            console.print(verdict(f"queries with p99 >= {QUERY_P99_TARGET_MS} ms: "
                                  f"{', '.join(slow) or 'none'}",
                                  f"target: every p99 < {QUERY_P99_TARGET_MS} ms", not slow))
            if skipped:
                console.print(f"not in the schema, skipped: {', '.join(skipped)}")
            console.print()
        finally:
            views.close()
            hub.close()


def report_catch_up(database: str, rates: dict[str, Rate], library: Rate | None, repeat: int,
                    console: Console) -> None:
    runs = f", median of {repeat} runs" if repeat > 1 else ""
    table = Table(title=f"Catch-up from position 0{runs}", title_justify="left")
    for column in ("runner and views", "events", "seconds", "events/s", "vs counter"):
        table.add_column(column, no_wrap=True, justify="left" if column == "runner and views" else "right")
    counter = rates["counter view (1 upsert/event)"].per_second
    for label, rate in rates.items():
        table.add_row(f"crmhub: {label}", f"{rate.events:,}", f"{rate.seconds:.2f}",
                      f"{rate.per_second:,.0f}", f"{rate.per_second / counter:.0%}")
    if library:
        table.add_row("library ProjectionRunner: counter (first events)", f"{library.events:,}",
                      f"{library.seconds:.2f}", f"{library.per_second:,.0f}",
                      f"{library.per_second / counter:.0%}")
    console.print(table)
    together = rates["all views together"].per_second
    console.print(verdict(f"all views / counter: {together / counter:.0%}",
                          f"target >= {RATIO_TARGET:.0%}", together / counter >= RATIO_TARGET))
    if database == "postgres":
        console.print(verdict(f"all views together: {together:,.0f} events/s",
                              f"target >= {POSTGRES_RATE_TARGET:,}", together >= POSTGRES_RATE_TARGET))
    if library:
        console.print(verdict(f"all views / library counter: {together / library.per_second:.1f}x",
                              "floor: > 1x", together > library.per_second))
    console.print()


def report_latencies(title: str, latencies: dict[str, list[float]], console: Console) -> None:
    table = Table(title=title, title_justify="left")
    for column in ("measured", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(column, no_wrap=True, justify="left" if column == "measured" else "right")
    for label, seconds in latencies.items():
        table.add_row(label, str(len(seconds)), *(f"{percentile_ms(seconds, p):.2f}" for p in (50, 95, 99)),
                      f"{max(seconds) * 1000:.2f}")
    console.print(table)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.projections", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS,
                        help="demo customers to load (about 29.8 events each)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="catch-up runs per row; the median run is shown")
    arguments = parser.parse_args(argv)
    if arguments.customers < 50:
        parser.error("--customers must be at least 50 (the demo needs a few of each)")
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    console = Console(width=None if sys.stdout.isatty() else 110)
    console.print(machine())
    databases = ("sqlite", "postgres") if arguments.database == "both" else (arguments.database,)
    started = time.monotonic()
    for database in databases:
        run(database, arguments.customers, arguments.repeat, console)
    console.print(f"total {time.monotonic() - started:,.0f} s")


if __name__ == "__main__":
    main()
