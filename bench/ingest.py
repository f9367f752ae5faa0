"""Ingest benchmark: how fast interactions enter the log, against the library's own floor.

    python -m bench.ingest [--database sqlite|postgres|both] [--events N] [--repeat R]

Every row runs on a fresh, empty store: a temporary SQLite file, or a new PostgreSQL
schema (in `CRMHUB_BENCH_POSTGRES_URL`, default postgresql://postgres@127.0.0.1:5432/test)
dropped afterwards. A row warms up first (not measured), then times every call with
`time.perf_counter`: events per second over the whole run, and latency percentiles per
call (a command, or a batch).

The hub's rows run the real commands: validation, the customer check (200 customers,
all known after the warm-up: the steady state of a running process), the acting
context, the hub's commit (through `api.store.connect_hub`, as the app opens it, with
personal fields encrypted per person). The rows "without per-person keys" run the same
commands on the CRM's hub alone (`domain.hub.Hub`, the library's mapper): the
difference is what crypto-shredding costs on append. The raw
rows are the library's floor: a plain `Application` with the library's own recorder,
saving a minimal aggregate whose created event has the same attributes as
`Interaction.Recorded`; building the aggregate is timed too, as it is in the hub.

The HTTP rows send the same interactions as GraphQL mutations to the real app
(`api.app:create_app`) served by uvicorn in a process of its own on a free port of
127.0.0.1 (one worker, access log off), from one keep-alive httpx client with an admin
token, one request at a time: a call is a request and its whole response.

A row is one function `(url, events) -> Measurement` registered with `@row`: the
single-command rows append `--events` events, the batch rows (scale=10) ten times as many.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from time import perf_counter
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic
from rich.console import Console
from rich.table import Table

from api.store import ColumnArraysRecorder, connect_hub
from bench._common import MASTER_KEY, fresh_store, machine, percentile_ms, verdict
from bench.ingest_http import RECORD_MANY, RECORD_ONE, interaction_input, post, served
from domain.hub import Hub
from domain.interactions import InteractionDraft
from domain.storage import store_settings

ACTOR = "bench:ingest"
CUSTOMERS = 200
#: Ratio of the hub's single-command throughput to the raw library's, and the batch
#: throughput on PostgreSQL, that the hub is expected to reach.
SINGLE_RATIO_TARGET = 0.70
#: At most this share of append throughput may go to per-person encryption.
ENCRYPTION_COST_TARGET = 0.30
BATCH_TARGET_PER_SECOND = 10_000


@dataclass(frozen=True)
class Measurement:
    events: int
    seconds: float
    #: Seconds taken by each measured call (one command, or one batch).
    latencies: list[float]
    per: str

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds

    def percentile_ms(self, p: int) -> float:
        return percentile_ms(self.latencies, p)


#: A measured row: given a fresh store's URL and how many events to append, measure.
Measure = Callable[[str, int], Measurement]


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    #: How many events the row appends, as a multiple of `--events`.
    scale: int
    measure: Measure


ROWS: list[Row] = []


def row(key: str, label: str, *, scale: int = 1) -> Callable[[Measure], Measure]:
    """Register a measured row; rows are printed in the order they are registered."""
    def register(measure: Measure) -> Measure:
        ROWS.append(Row(key, label, scale, measure))
        return measure
    return register


def timed(call: Callable[[int], object], *, calls: int, warmup: int, events_per_call: int,
          per: str) -> Measurement:
    """Run `call(i)` for warm-up, then `calls` times under the clock."""
    for index in range(warmup):
        call(index)
    latencies = []
    started = perf_counter()
    for index in range(calls):
        before = perf_counter()
        call(index)
        latencies.append(perf_counter() - before)
    return Measurement(calls * events_per_call, perf_counter() - started, latencies, per)


# -- the two paths under test -----------------------------------------------------------


def hub_with_customers(url: str, *, keys: bool = True) -> tuple[Hub, list[UUID]]:
    """The hub as the app opens it, or (`keys=False`) the CRM's commands alone, whose
    mapper stores personal fields in clear: the cost of per-person encryption is the
    difference."""
    if keys:
        hub: Hub = connect_hub(url, master_key=MASTER_KEY)
    else:
        postgres = store_settings(url)["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        hub = Hub.connect(url, recorder_topic=get_topic(ColumnArraysRecorder) if postgres else None)
    customers = [hub.register_customer(actor=ACTOR, kind="person",
                                       profile={"given_name": "Bench", "family_name": f"C{i}"})
                 for i in range(CUSTOMERS)]
    return hub, customers


def drafts(customers: list[UUID], count: int) -> list[InteractionDraft]:
    """`count` interactions as a call-centre feed would send them, made before the clock."""
    return [InteractionDraft(
        customer_id=customers[i % len(customers)], channel="phone", direction="inbound",
        department="service", subject=f"Call {i}", summary="Asked about the delivery date.",
        handled_by="agent:7", duration_seconds=180,
    ) for i in range(count)]


def hub_batches(url: str, events: int, size: int, *, keys: bool = True) -> Measurement:
    hub, customers = hub_with_customers(url, keys=keys)
    try:
        warmup = max(1, CUSTOMERS // size)
        calls = max(1, events // size)
        feed = drafts(customers, (warmup + calls) * size)
        return timed(
            lambda i: hub.record_interactions(actor=ACTOR, drafts=feed[i * size:(i + 1) * size]),
            calls=calls, warmup=warmup, events_per_call=size, per=f"batch of {size}",
        )
    finally:
        hub.close()


class RawInteraction(Aggregate):
    """The same event attributes as `Interaction.Recorded`, with no rule at all."""

    @event("Recorded")
    def __init__(
        self, *, actor: str, occurred_at: datetime, customer_id: UUID, channel: str,
        direction: str, department: str, subject: str, summary: str | None,
        handled_by: str | None, duration_seconds: int | None, case_id: UUID | None,
        opportunity_id: UUID | None, campaign_id: UUID | None, order_id: UUID | None,
    ) -> None:
        self.customer_id = customer_id


class RawStore(Application[UUID]):
    name = "rawbench"


def raw_interaction(draft: InteractionDraft) -> RawInteraction:
    return RawInteraction(
        actor=ACTOR, occurred_at=datetime.now(UTC), customer_id=draft.customer_id,
        channel=draft.channel, direction=draft.direction, department=draft.department,
        subject=draft.subject, summary=draft.summary, handled_by=draft.handled_by,
        duration_seconds=draft.duration_seconds, case_id=None, opportunity_id=None,
        campaign_id=None, order_id=None,
    )


def raw_saves(url: str, events: int, size: int) -> Measurement:
    app = RawStore(env={**store_settings(url), "CREATE_TABLE": "y"})
    try:
        warmup = max(1, CUSTOMERS // size)
        calls = max(1, events // size)
        feed = drafts([uuid.uuid4() for _ in range(CUSTOMERS)], (warmup + calls) * size)
        return timed(
            lambda i: app.save(*(raw_interaction(d) for d in feed[i * size:(i + 1) * size])),
            calls=calls, warmup=warmup, events_per_call=size,
            per="call" if size == 1 else f"call of {size}",
        )
    finally:
        app.close()


# -- the same commands over HTTP (the server and requests: bench.ingest_http) ---------


def http_mutations(url: str, events: int, size: int) -> Measurement:
    hub, customers = hub_with_customers(url)
    hub.close()  # the server opens its own
    warmup = CUSTOMERS if size == 1 else max(1, CUSTOMERS // size)
    calls = max(1, events // size)
    feed = [interaction_input(d) for d in drafts(customers, (warmup + calls) * size)]
    if size == 1:
        bodies = [json.dumps({"query": RECORD_ONE, "variables": {"input": item}}).encode()
                  for item in feed]
    else:
        bodies = [json.dumps({"query": RECORD_MANY, "variables": {"input": {
            "interactions": feed[i * size:(i + 1) * size]}}}).encode()
            for i in range(warmup + calls)]
    with served(url) as client:
        return timed(lambda i: post(client, bodies[i]), calls=calls, warmup=warmup,
                     events_per_call=size, per="request" if size == 1 else f"request of {size}")


# -- the rows, in the order they are printed -----------------------------------------


def hub_commands(url: str, events: int, *, keys: bool = True) -> Measurement:
    hub, customers = hub_with_customers(url, keys=keys)
    try:
        feed = drafts(customers, CUSTOMERS + events)
        return timed(lambda i: hub.record_interaction(actor=ACTOR, draft=feed[i]),
                     calls=events, warmup=CUSTOMERS, events_per_call=1, per="command")
    finally:
        hub.close()


@row("hub_single", "hub record_interaction")
def hub_single(url: str, events: int) -> Measurement:
    return hub_commands(url, events)


@row("clear_single", "hub without per-person keys")
def clear_single(url: str, events: int) -> Measurement:
    return hub_commands(url, events, keys=False)


@row("raw_single", "raw app.save, 1 aggregate")
def raw_single(url: str, events: int) -> Measurement:
    return raw_saves(url, events, 1)


@row("hub_batch_100", "hub record_interactions", scale=10)
def hub_batch_100(url: str, events: int) -> Measurement:
    return hub_batches(url, events, 100)


@row("hub_batch_1000", "hub record_interactions", scale=10)
def hub_batch_1000(url: str, events: int) -> Measurement:
    return hub_batches(url, events, 1000)


@row("clear_batch_1000", "hub without per-person keys", scale=10)
def clear_batch_1000(url: str, events: int) -> Measurement:
    return hub_batches(url, events, 1000, keys=False)


@row("raw_batch_100", "raw app.save, 100 aggregates", scale=10)
def raw_batch_100(url: str, events: int) -> Measurement:
    return raw_saves(url, events, 100)


@row("raw_batch_1000", "raw app.save, 1000 aggregates", scale=10)
def raw_batch_1000(url: str, events: int) -> Measurement:
    return raw_saves(url, events, 1000)


@row("http_single", "GraphQL recordInteraction")
def http_single(url: str, events: int) -> Measurement:
    return http_mutations(url, events, 1)


@row("http_batch_100", "GraphQL recordInteractions", scale=10)
def http_batch_100(url: str, events: int) -> Measurement:
    return http_mutations(url, events, 100)


# -- report --------------------------------------------------------------------------


def run(database: str, events: int, repeat: int, console: Console) -> dict[str, Measurement]:
    title = {"sqlite": "SQLite (temporary file)", "postgres": "PostgreSQL"}[database]
    runs = f", median of {repeat} runs" if repeat > 1 else ""
    table = Table(title=f"Ingest on {title}, {events:,} single commands{runs}",
                  title_justify="left")
    for column in ("path", "per", "events", "events/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, no_wrap=True,
                         justify="left" if column in {"path", "per"} else "right")
    results: dict[str, Measurement] = {}
    with console.status(f"measuring on {title}") as status:
        for measured in ROWS:
            status.update(f"{title}: {measured.label}")
            result = median_run(database, measured, events * measured.scale, repeat)
            results[measured.key] = result
            table.add_row(measured.label, result.per, f"{result.events:,}",
                          f"{result.events_per_second:,.0f}",
                          *(f"{result.percentile_ms(p):.2f}" for p in (50, 95, 99)))
    console.print(table)
    verdicts(database, results, console)
    return results


def median_run(database: str, measured: Row, events: int, repeat: int) -> Measurement:
    """The run of median throughput among `repeat` runs, each on a fresh store."""
    results = []
    for _ in range(repeat):
        with fresh_store(database) as url:
            results.append(measured.measure(url, events))
    results.sort(key=lambda result: result.events_per_second)
    return results[len(results) // 2]


def verdicts(database: str, results: dict[str, Measurement], console: Console) -> None:
    ratio = results["hub_single"].events_per_second / results["raw_single"].events_per_second
    console.print(verdict(f"hub / raw, one at a time: {ratio:.0%}",
                          f"target >= {SINGLE_RATIO_TARGET:.0%}", ratio >= SINGLE_RATIO_TARGET))
    for encrypted, clear, what in (("hub_single", "clear_single", "one at a time"),
                                   ("hub_batch_1000", "clear_batch_1000", "batches of 1,000")):
        cost = 1 - results[encrypted].events_per_second / results[clear].events_per_second
        console.print(verdict(f"per-person encryption costs {cost:.0%} of throughput, {what}",
                              f"target <= {ENCRYPTION_COST_TARGET:.0%}",
                              cost <= ENCRYPTION_COST_TARGET))
    if database == "postgres":
        best = max(results["hub_batch_100"].events_per_second,
                   results["hub_batch_1000"].events_per_second)
        console.print(verdict(f"hub batches: {best:,.0f} interactions/s",
                              f"target >= {BATCH_TARGET_PER_SECOND:,}",
                              best >= BATCH_TARGET_PER_SECOND))
    console.print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--events", type=int, default=5_000,
                        help="single commands per row (batch rows append ten times as many)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per row, each on a fresh store; the median run is shown")
    arguments = parser.parse_args(argv)
    if arguments.events < 1000:
        parser.error("--events must be at least 1000 for the percentiles to mean something")
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    # Rich falls back to 80 columns when the output is not a terminal: too narrow here.
    console = Console(width=None if sys.stdout.isatty() else 110)
    console.print(machine())
    databases = ("sqlite", "postgres") if arguments.database == "both" else (arguments.database,)
    for database in databases:
        run(database, arguments.events, arguments.repeat, console)


if __name__ == "__main__":
    main()
