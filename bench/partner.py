"""Partner API benchmark: a partner's customer read, with consent checks and the disclosure
record, beside the same read without them.

    python -m bench.partner [--database sqlite|postgres|both] [--database-url URL]
                            [--customers N] [--reads R] [--projections in-process|worker]

Each database gets a fresh store (or the empty store `--database-url` names) with N
customers (default 10,000), nine in ten of them with a consent grant to the partner for
its token's purpose, covering names, contact details and the job. Then R reads (default
2,000, after 200 unmeasured) of a random consenting customer, one at a time, in-process
through the ASGI app (`httpx.ASGITransport`: no network, no server; the app's lifespan runs
as under uvicorn, with the views kept current in-process):

- "partner": `POST /partner/graphql` `customer(id)` with a partner token: the token
  verified (with its revocation and its partner's status), the partner loaded, the
  customer and their consent read from the log, a decision per field, the disclosure
  recorded (one event, committed) before the answer leaves;
- "internal": `POST /graphql` `customer(id)` for the same fields with an internal token:
  the customer read from the log, nothing decided, nothing recorded.

Target: partner read p99 under 50 ms. The ratio says what consent and the log cost.

`--projections in-process` (the default, as `crmhub serve` runs) keeps the views and the
ledger chain current inside the app's process, where they apply each disclosure event
beside the next read; `worker` runs them in a `crmhub project` process instead, as a larger
deployment does (`CRMHUB_RUN_PROJECTIONS=false`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from time import perf_counter
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI
from rich.console import Console
from rich.table import Table

from api.app import create_app
from api.settings import Settings
from api.store import CrmHub, connect_hub
from bench._common import MASTER_KEY, fresh_store, machine, percentile_ms, verdict

ACTOR = "bench:partner"
WARMUP = 200
P99_TARGET_MS = 50.0
PURPOSE = "third_party_sharing.partner.lead_referral"
CATEGORIES = ["user.name", "user.contact", "user.professional_information"]
FIELDS = "id displayName givenName familyName jobTitle emails phones address { city country }"
QUERY = f"query ($id: ID!) {{ customer(id: $id) {{ {FIELDS} }} }}"


def load(hub: CrmHub, partner: UUID, count: int, console: Console) -> list[UUID]:
    """`count` customers; the ids of those (nine in ten) who consented to the partner."""
    consenting = []
    with console.status("registering customers and consent") as status:
        for index in range(count):
            customer = hub.register_customer(actor=ACTOR, kind="person", stage="customer", profile={
                "given_name": "Bench", "family_name": f"P{index}", "job_title": "Buyer",
                "emails": [f"p{index}@example.com"], "phones": ["+44 20 7946 0000"],
                "address": {"city": "Leeds", "country": "GB"}})
            if index % 10:
                hub.grant_consent(actor=ACTOR, customer_id=customer, recipient="partner",
                                  partner_id=partner, purpose=PURPOSE, categories=CATEGORIES,
                                  channel="web", notice_version="bench-v1")
                consenting.append(customer)
            if index % 500 == 0:
                status.update(f"registering customers and consent: {index:,}/{count:,}")
    return consenting


async def latencies(read: Callable[[UUID], Awaitable[Any]], ids: list[UUID],
                    reads: int) -> list[float]:
    chosen = random.Random(7).choices(ids, k=WARMUP + reads)
    for customer in chosen[:WARMUP]:
        await read(customer)
    measured = []
    for customer in chosen[WARMUP:]:
        started = perf_counter()
        await read(customer)
        measured.append(perf_counter() - started)
    return measured


def reader(client: httpx.AsyncClient, path: str, token: str) -> Callable[[UUID], Awaitable[Any]]:
    headers = {"Authorization": f"Bearer {token}"}

    async def read(customer: UUID) -> Any:
        response = await client.post(
            path, json={"query": QUERY, "variables": {"id": str(customer)}}, headers=headers)
        body = response.json()
        if response.status_code != 200 or body.get("errors") or not body["data"]["customer"]:
            raise RuntimeError(f"{path} failed ({response.status_code}): {response.text}")
        return body

    return read


async def read_both(app: FastAPI, partner: UUID, ids: list[UUID],
                    reads: int) -> dict[str, list[float]]:
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://crmhub") as client:
        tokens = app.state.tokens
        partner_token = tokens.issue_partner(partner_id=partner, scopes=["customers:read"],
                                             purpose=PURPOSE, ttl=3600).token
        internal_token = tokens.issue(subject="bench-sales", role="sales", ttl=3600)
        return {
            "partner customer(id): consent + disclosure record": await latencies(
                reader(client, "/partner/graphql", partner_token), ids, reads),
            "internal customer(id), same fields": await latencies(
                reader(client, "/graphql", internal_token), ids, reads),
        }


def measure(url: str, customers: int, reads: int, console: Console, *,
            worker: bool) -> dict[str, list[float]]:
    hub = connect_hub(url, master_key=MASTER_KEY)
    try:
        partner = hub.register_partner(actor=ACTOR, name="Bench Resellers", kind="reseller",
                                       territories=["GB"], products=["routers"], capacity=100)
        ids = load(hub, partner, customers, console)
        with tempfile.TemporaryDirectory(prefix="crmhub-bench-") as data_dir:
            settings = Settings(database_url=url, data_dir=Path(data_dir),
                                partner_rate_limit=10**9, partner_rate_burst=10**9,
                                run_projections=not worker)
            app = create_app(settings, hub=hub, server=True)
            with console.status("reading"), projection_worker(url, data_dir, worker):
                return asyncio.run(read_both(app, partner, ids, reads))
    finally:
        hub.close()


class projection_worker:  # noqa: N801 - a context manager, named for what it holds
    """A `crmhub project` process keeping the views and the ledger chain current."""

    def __init__(self, url: str, data_dir: str, wanted: bool) -> None:
        self.command = [shutil.which("crmhub") or "crmhub", "project"]
        self.env = {**os.environ, "CRMHUB_DATABASE_URL": url, "CRMHUB_DATA_DIR": data_dir,
                    "CRMHUB_MASTER_KEY": MASTER_KEY.hex()}
        self.wanted = wanted
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> None:
        if self.wanted:
            self.process = subprocess.Popen(self.command, env=self.env,  # noqa: S603
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def report(title: str, rows: dict[str, list[float]], customers: int, reads: int,
           console: Console) -> None:
    table = Table(title=f"One customer read on {title}, {customers:,} customers, {reads:,} reads",
                  title_justify="left")
    for column in ("read", "reads/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "read" else "right")
    for label, seconds in rows.items():
        table.add_row(label, f"{len(seconds) / sum(seconds):,.0f}",
                      *(f"{percentile_ms(seconds, p):.2f}" for p in (50, 95, 99)))
    console.print(table)
    partner, internal = rows.values()
    p99 = percentile_ms(partner, 99)
    console.print(f"partner / internal: p50 {percentile_ms(partner, 50) / percentile_ms(internal, 50):.2f}x, "
                  f"p99 {p99 / percentile_ms(internal, 99):.2f}x")
    console.print(verdict(f"partner read p99 {p99:.1f} ms", f"target < {P99_TARGET_MS:.0f} ms",
                          p99 < P99_TARGET_MS))
    console.print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.partner", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--database-url", help="An empty store to use instead of fresh ones.")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=2_000)
    parser.add_argument("--projections", choices=("in-process", "worker"), default="in-process")
    arguments = parser.parse_args(argv)
    if arguments.customers < 10 or arguments.reads < 100:
        parser.error("--customers must be at least 10 and --reads at least 100")
    console = Console(width=None if sys.stdout.isatty() else 110)
    worker = arguments.projections == "worker"
    console.print(machine() + f"projections: {arguments.projections}\n")
    if arguments.database_url:
        rows = measure(arguments.database_url, arguments.customers, arguments.reads, console,
                       worker=worker)
        report(arguments.database_url.split("@")[-1], rows, arguments.customers, arguments.reads,
               console)
        return
    databases = ("sqlite", "postgres") if arguments.database == "both" else (arguments.database,)
    for database in databases:
        title = {"sqlite": "SQLite (temporary file)", "postgres": "PostgreSQL"}[database]
        with fresh_store(database) as url:
            rows = measure(url, arguments.customers, arguments.reads, console, worker=worker)
        report(title, rows, arguments.customers, arguments.reads, console)


if __name__ == "__main__":
    main()
