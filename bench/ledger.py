"""Ledger benchmark: how fast the chain follows the log, and how fast the log verifies.

    python -m bench.ledger [--database sqlite|postgres|both] [--events N] [--repeat R]

Each database gets one store (a temporary SQLite file, or a new PostgreSQL schema in
`CRMHUB_BENCH_POSTGRES_URL` dropped afterwards), filled through the hub with `--events`
interactions (default 200,000) in `record_interactions` batches of 5,000 for 200
customers (on PostgreSQL the loading hub commits with `synchronous_commit=off`, as in
`bench.projections`; every measured connection commits as usual). Then, timed:

- chain: a `LedgerRunner` (pages of 5,000, a checkpoint every 10,000 events) chains the
  whole log from position 0 (`catch_up`);
- verify: `verify_database` over the whole log (every event hash, the chain links and
  every checkpoint signature and head), as `crmhub audit verify` runs it;
- export: `write_export` of the whole log to a temporary file, and `verify_export` of that
  file (offline).

Each measured step runs `--repeat` times (the chain is reset between runs); the median is
reported. Target: verification at least 50,000 events per second on both databases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from time import perf_counter

from joserfc.jwk import ECKey
from rich.console import Console
from rich.table import Table

from api.store import connect_hub
from bench._common import MASTER_KEY, fresh_store, machine, verdict
from bench.ingest import drafts
from projections.chain import LedgerChain, LedgerRunner
from projections.checkpoints import CheckpointPolicy
from projections.database import ViewDatabase
from projections.ledger_export import verify_export, write_export
from projections.ledger_verify import verify_database

ACTOR = "bench:ledger"
CUSTOMERS = 200
BATCH = 5_000
DEFAULT_EVENTS = 200_000
VERIFY_TARGET = 50_000


def load(url: str, database: str, events: int, console: Console) -> None:
    saved = os.environ.get("PGOPTIONS")
    if database == "postgres":
        os.environ["PGOPTIONS"] = "-c synchronous_commit=off"
    try:
        hub = connect_hub(url, master_key=MASTER_KEY)
        started = perf_counter()
        customers = [hub.register_customer(actor=ACTOR, kind="person", profile={
            "given_name": "Bench", "family_name": f"L{i}"}) for i in range(CUSTOMERS)]
        feed = drafts(customers, events - CUSTOMERS)
        for start in range(0, len(feed), BATCH):
            hub.record_interactions(actor=ACTOR, drafts=feed[start:start + BATCH])
        seconds = perf_counter() - started
        total = hub.position()
        hub.close()
    finally:
        if saved is None:
            os.environ.pop("PGOPTIONS", None)
        else:
            os.environ["PGOPTIONS"] = saved
    console.print(f"loaded {total:,} events through the hub in {seconds:,.0f} s "
                  f"({total / seconds:,.0f} events/s)")


def _key() -> ECKey:
    key = ECKey.generate_key("P-256")
    return ECKey.import_key(key.as_dict(private=True), {"kid": key.thumbprint()})


def timed(step: Callable[[], object], repeat: int, before: Callable[[], object] | None = None
          ) -> tuple[float, float]:
    """The median wall-clock seconds of `step`, and the median CPU seconds this process
    spent in it (all threads): on a shared machine the second says what the step costs."""
    runs, cpu = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        started, started_cpu = perf_counter(), time.process_time()
        step()
        runs.append(perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(runs), statistics.median(cpu)


def run(database: str, events: int, repeat: int, console: Console) -> dict[str, float]:
    title = {"sqlite": "SQLite (temporary file)", "postgres": "PostgreSQL"}[database]
    console.rule(title)
    with fresh_store(database) as url:
        load(url, database, events, console)
        hub = connect_hub(url, master_key=MASTER_KEY)
        views = ViewDatabase.connect(url)
        key = _key()
        keys = {str(key.kid): key}
        policy = CheckpointPolicy(keys=lambda: (str(key.kid), key), every_events=10_000)
        runner = LedgerRunner(hub, views, LedgerChain(policy), page_size=BATCH)
        total = hub.position()
        try:
            def reset() -> None:
                with views.transaction() as tx:
                    for table in ("ledger_chain", "ledger_checkpoints", "ledger_positions"):
                        tx.execute(f"DROP TABLE IF EXISTS {table}")
                runner.setup()

            rates: dict[str, tuple[float, float]] = {}
            with console.status(f"{title}: chaining"):
                rates["chain (LedgerRunner.catch_up)"] = timed(runner.catch_up, repeat, reset)
            with console.status(f"{title}: verifying"):
                rates["verify (crmhub audit verify)"] = timed(
                    lambda: _intact(verify_database(hub, views, public_keys=keys.get)), repeat)
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, "ledger.jsonl")

                def export() -> None:
                    with open(path, "w", encoding="utf-8") as out:
                        write_export(hub, views, out, jwks=lambda kids: [
                            {**key.as_dict(private=False), "kid": str(key.kid)}])

                def offline() -> None:
                    with open(path, encoding="utf-8") as lines:
                        _intact(verify_export(lines)[0])

                with console.status(f"{title}: exporting"):
                    rates["export (crmhub export)"] = timed(export, repeat)
                    rates["verify the export offline"] = timed(offline, repeat)
        finally:
            views.close()
            hub.close()
    table = Table(title=f"{total:,} events, median of {repeat} run(s)", title_justify="left")
    table.add_column("step", no_wrap=True)
    table.add_column("events/s", justify="right")
    table.add_column("events per CPU second of this process", justify="right")
    for label, (seconds, cpu) in rates.items():
        table.add_row(label, f"{total / seconds:,.0f}", f"{total / cpu:,.0f}")
    console.print(table)
    rate = total / rates["verify (crmhub audit verify)"][0]
    console.print(verdict(f"verification: {rate:,.0f} events/s", f"target >= {VERIFY_TARGET:,}",
                          rate >= VERIFY_TARGET))
    console.print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return {label: total / seconds for label, (seconds, _) in rates.items()}


def _intact(report: object) -> None:
    if not getattr(report, "intact", False):
        raise RuntimeError(f"the benchmark's log does not verify: {report}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    parser.add_argument("--repeat", type=int, default=1)
    arguments = parser.parse_args(argv)
    if arguments.events < CUSTOMERS + 1:
        parser.error(f"--events must be more than {CUSTOMERS}")
    console = Console(width=None if sys.stdout.isatty() else 110)
    console.print(machine())
    started = time.monotonic()
    databases = ("sqlite", "postgres") if arguments.database == "both" else (arguments.database,)
    for database in databases:
        run(database, arguments.events, max(arguments.repeat, 1), console)
    console.print(f"total {time.monotonic() - started:,.0f} s")



if __name__ == "__main__":
    main()
