"""As-of replay benchmark: the customer 360 and the sales pipeline as of an instant.

    python -m bench.as_of [--database sqlite|postgres|both] [--events N] [--reads R]

Each database gets a fresh store: one customer with 1,000 events of their own (profile
changes, interactions, cases opened and resolved, opportunities), beside a larger log of
N further events (default 50,000: interactions of 200 other customers, with
opportunities moving through the pipeline). Then:

- the log index catching up on the whole log (`projections.log_index`, events/s);
- `customer_as_of` for the 1,000-event customer as of now with their summary and newest
  50 contacts read from the replay, R reads (default 200, after 20 unmeasured),
  p50/p95/p99 (target: p99 under 100 ms): from the log's beginning (their checkpoints
  dropped before each read: a first replay), and, with the checkpoints the background
  keeper keeps every `EVERY` events, from the newest with the most events a replay can
  find after one (`EVERY - 1`: with more, the keeper keeps a newer one);
- the latter through GraphQL, in-process (`customerAsOf` over the ASGI app, auditor token);
- `customer_as_of` as of the instant of a random one of their events (the older
  checkpoints, spaced out);
- the keeper's query for the customers due a checkpoint (`replay_checkpoints.due`);
- `salesPipelineAsOf` as of now: the sales view replayed from the whole log (only the
  events it handles decoded), log positions replayed per second, median of 3.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from api.app import create_app, freeze_startup_objects
from api.settings import Settings
from api.store import CrmHub, connect_hub
from api.tokens import TokenService
from bench._common import MASTER_KEY, fresh_store, machine, percentile_ms, verdict
from domain.interactions import InteractionDraft
from projections import as_of, customer_queries, replay_checkpoints, sales_queries
from projections.checkpoint_keeper import BATCH
from projections.database import ViewDatabase
from projections.log_index import LogIndexView
from projections.runner import ProjectionRunner
from projections.sales import SalesView

ACTOR = "bench:as_of"
WARMUP = 20
P99_TARGET_MS = 100.0
CUSTOMER_AS_OF = """query ($id: ID!, $at: DateTime!) { customerAsOf(id: $id, at: $at) {
  summary { displayName stage openCases openOpportunities lifetimeRevenue { amount currency } }
  profile { displayName emails phones version }
  timeline(first: 50) { edges { cursor node { interactionId occurredAt channel subject } } } } }"""


def drafts(customer: UUID, count: int, prefix: str) -> list[InteractionDraft]:
    return [InteractionDraft(customer_id=customer, channel="phone", direction="inbound",
                             department="service", subject=f"{prefix} call {i}",
                             summary="Asked about the delivery date.", handled_by="agent:7",
                             duration_seconds=180) for i in range(count)]


def the_customer(hub: CrmHub) -> tuple[UUID, int, list[datetime]]:
    """A customer with 1,000 events of their own; returns the id, the count and the
    instants after every `EVERY` of them (where the keeper's sweeps would have kept their
    checkpoints), the last one before their last `EVERY - 1` events."""
    before = hub.position()
    customer = hub.register_customer(actor=ACTOR, kind="person", profile={
        "given_name": "Ada", "family_name": "Bench", "emails": ["ada@example.com"]})
    for index in range(60):
        hub.update_customer_profile(actor=ACTOR, customer_id=customer,
                                    changes={"job_title": f"Engineer {index}"})
    for _ in range(40):
        case = hub.open_case(actor=ACTOR, customer_id=customer, channel="phone",
                             case_type="question", subject="How?")
        hub.resolve_case(actor=ACTOR, case_id=case, resolution="Explained")
    close = datetime.now(UTC).date() + timedelta(days=30)
    for _ in range(20):
        deal = hub.open_opportunity(actor=ACTOR, customer_id=customer, name="Fleet", amount="100",
                                    currency="EUR", expected_close_date=close)
        hub.close_opportunity(actor=ACTOR, opportunity_id=deal, outcome="won")
    every, tail = replay_checkpoints.EVERY, replay_checkpoints.EVERY - 1
    instants = []
    for mark in range((1000 - tail) % every or every, 1000 - tail + 1, every):  # ..., 801
        if (own := hub.position() - before) < mark:
            hub.record_interactions(actor=ACTOR, drafts=drafts(customer, mark - own, "Ada"))
            instants.append(datetime.now(UTC))
    hub.record_interactions(actor=ACTOR, drafts=drafts(customer, tail, "Ada, lately"))
    return customer, hub.position() - before, instants


def a_larger_log(hub: CrmHub, events: int, console: Console) -> None:
    others = [hub.register_customer(actor=ACTOR, kind="organisation",
                                    profile={"company_name": f"Co {i}"}) for i in range(200)]
    close = datetime.now(UTC).date() + timedelta(days=60)
    for index, customer in enumerate(others):
        deal = hub.open_opportunity(actor=ACTOR, customer_id=customer, name="Deal", amount="250",
                                    currency="EUR", expected_close_date=close)
        if index % 2:
            hub.advance_opportunity(actor=ACTOR, opportunity_id=deal, stage="qualification")
    with console.status("writing the larger log") as status:
        while hub.position() < events:
            batch = min(1000, events - hub.position())
            customer = others[hub.position() % len(others)]
            hub.record_interactions(actor=ACTOR, drafts=drafts(customer, batch, "Other"))
            status.update(f"writing the larger log: {hub.position():,}/{events:,}")


def timed(work: Any, reads: int, *, before: Any = None) -> list[float]:
    """Seconds per call of `work`, after `WARMUP` calls; `before` runs untimed before each."""
    seconds = []
    for read in range(WARMUP + reads):
        if before is not None:
            before()
        started = perf_counter()
        work()
        if read >= WARMUP:
            seconds.append(perf_counter() - started)
    return seconds


def no_checkpoints(views: ViewDatabase) -> None:
    with views.transaction() as tx:
        tx.execute(f"DELETE FROM {replay_checkpoints.TABLE}")  # noqa: S608


def customer_360(hub: CrmHub, views: ViewDatabase, customer: UUID, *,
                 at: datetime | None = None) -> None:
    replayed = as_of.customer_as_of(hub, views, customer, at=at or datetime.now(UTC))
    try:
        customer_queries.timeline(replayed.views, customer_id=str(customer), first=50)
    finally:
        replayed.views.close()


def graphql_latencies(hub: CrmHub, url: str, customer: UUID, reads: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="crmhub-bench-") as data_dir:
        # No background sweeps of the keeper: the reads alone are measured.
        settings = Settings(database_url=url, data_dir=Path(data_dir), replay_checkpoint_sweep=0)
        token = TokenService(settings).issue(subject="bench-auditor", role="auditor", ttl=3600)
        app = create_app(settings, hub=hub, server=True)
        with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
            app.state.runner.wait_for(hub.position(), timeout=600)

            def ask() -> None:
                body = client.post("/graphql", json={"query": CUSTOMER_AS_OF, "variables": {
                    "id": str(customer), "at": datetime.now(UTC).isoformat()}})
                if body.status_code != 200 or body.json().get("errors"):
                    raise RuntimeError(f"GraphQL request failed: {body.text}")

            return timed(ask, reads)


def run(database: str, events: int, reads: int, console: Console) -> None:
    title = {"sqlite": "SQLite (temporary file)", "postgres": "PostgreSQL"}[database]
    with fresh_store(database) as url:
        hub = connect_hub(url, master_key=MASTER_KEY)
        views = ViewDatabase.connect(url)
        try:
            customer, own, instants = the_customer(hub)
            a_larger_log(hub, events, console)
            runner = ProjectionRunner(hub, views, [LogIndexView()])
            runner.setup()
            started = perf_counter()
            runner.catch_up()
            index_rate = hub.position() / (perf_counter() - started)
            freeze_startup_objects()  # as `crmhub serve` does once it has started
            customer_360(hub, views, customer)  # (creates the checkpoints' table)
            cold = timed(lambda: customer_360(hub, views, customer), reads,
                         before=lambda: no_checkpoints(views))
            # The checkpoints the keeper's sweeps would have kept after every EVERY events
            # (the newest before their last EVERY - 1: a replay as of now applies those,
            # and, being fewer than EVERY, keeps no newer one).
            for instant in instants:
                as_of.customer_as_of(hub, views, customer, at=instant).views.close()
            direct = timed(lambda: customer_360(hub, views, customer), reads)
            recorded = [row["recorded_at"] for row in views.query(
                "SELECT recorded_at FROM log_index WHERE customer_id = ?", (str(customer),))]
            chosen = random.Random(7)
            in_the_past = timed(lambda: customer_360(hub, views, customer, at=datetime.fromisoformat(
                chosen.choice(recorded))), reads)
            due = timed(lambda: replay_checkpoints.due(views, limit=BATCH), 5)
            replays = []
            for _ in range(3):
                started = perf_counter()
                scratch = as_of.views_as_of(hub, views, [SalesView()], at=datetime.now(UTC))
                sales_queries.pipeline(scratch)
                scratch.close()
                replays.append(perf_counter() - started)
            replay_rate = hub.position() / statistics.median(replays)
            with console.status("GraphQL: the app's views catching up"):
                over_graphql = graphql_latencies(hub, url, customer, reads)
            total = hub.position()
        finally:
            views.close()
            hub.close()
    table = Table(title=f"As-of replay on {title}: a customer with {own:,} events, a log of "
                        f"{total:,} events, {reads:,} reads", title_justify="left")
    for column in ("what", "per second", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "what" else "right")
    table.add_row("log index catching up (events)", f"{index_rate:,.0f}", "", "", "")
    tail = replay_checkpoints.EVERY - 1
    rows = (("customer_as_of + timeline(50), from the beginning", cold),
            (f"customer_as_of + timeline(50), {tail} after a checkpoint", direct),
            (f"GraphQL customerAsOf, in-process, {tail} after a checkpoint", over_graphql),
            ("customer_as_of + timeline(50), as of a random one of their events",
             in_the_past))
    for label, seconds in rows:
        table.add_row(label, f"{len(seconds) / sum(seconds):,.0f}",
                      *(f"{percentile_ms(seconds, p):.1f}" for p in (50, 95, 99)))
    table.add_row("the keeper's query for the customers due a checkpoint", "",
                  f"{percentile_ms(due, 50):.1f} (median of 5)", "", "")
    table.add_row("salesPipelineAsOf replay (log positions)", f"{replay_rate:,.0f}",
                  f"{statistics.median(replays) * 1000:,.0f} (median of 3)", "", "")
    console.print(table)
    for label, seconds in (("customerAsOf p99 with no checkpoint yet (before the keeper's sweep)",
                            cold),
                           ("customerAsOf p99, from a checkpoint", direct),
                           ("GraphQL customerAsOf p99, from a checkpoint", over_graphql),
                           ("customerAsOf p99, as of a random past event", in_the_past)):
        p99 = percentile_ms(seconds, 99)
        console.print(verdict(f"{label} {p99:.1f} ms", f"target < {P99_TARGET_MS:.0f} ms",
                              p99 < P99_TARGET_MS))
    console.print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.as_of", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--reads", type=int, default=200)
    arguments = parser.parse_args(argv)
    if arguments.events < 2_000 or arguments.reads < 20:
        parser.error("--events must be at least 2,000 and --reads at least 20")
    console = Console(width=None if sys.stdout.isatty() else 120)
    console.print(machine())
    databases = ("sqlite", "postgres") if arguments.database == "both" else (arguments.database,)
    for database in databases:
        run(database, arguments.events, arguments.reads, console)


if __name__ == "__main__":
    main()
