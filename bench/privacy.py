"""Privacy benchmark: what the consent policy adds to reading one customer.

    python -m bench.privacy [--database sqlite|postgres|both] [--customers N] [--reads R]

Each database gets a fresh store with N customers (default 2,000), each with one consent
grant to a partner category. Then R reads (default 2,000, after 200 unmeasured), each of a
random customer, one at a time:

- "profile": `hub.load(Customer, id)`, the customer as the log has it (decrypted);
- "profile under the policy": `privacy.policy.disclose` for a partner reader: the same
  load, the customer's consent aggregate (authoritative, not a view), and a decision per
  field with the grants relied on.

The difference between the two is what the policy costs a read (target: at most 2 ms
added to p99). The cost of per-person encryption on append is in `bench.ingest`.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from time import perf_counter
from uuid import UUID, uuid4

from rich.console import Console
from rich.table import Table

from api.graphql.data_categories import FIELD_CATEGORIES
from api.store import CrmHub, connect_hub
from bench._common import MASTER_KEY, fresh_store, machine, percentile_ms, verdict
from domain.customers import Customer
from privacy.policy import Reader, disclose

ACTOR = "bench:privacy"
WARMUP = 200
POLICY_P99_TARGET_MS = 2.0
PARTNER = uuid4()
READER = Reader.partner(PARTNER, "reseller", "third_party_sharing.partner.lead_referral")
#: The profile fields a partner read asks for, as the schema classifies them.
PROFILE = {"given_name": FIELD_CATEGORIES["Customer"]["givenName"],
           "family_name": FIELD_CATEGORIES["Customer"]["familyName"],
           "emails": FIELD_CATEGORIES["Customer"]["emails"],
           "phones": FIELD_CATEGORIES["Customer"]["phones"],
           "stage": FIELD_CATEGORIES["Customer"]["stage"]}


def customers_with_consent(hub: CrmHub, count: int, console: Console) -> list[UUID]:
    ids = []
    with console.status("registering customers with consent") as status:
        for index in range(count):
            customer = hub.register_customer(actor=ACTOR, kind="person", profile={
                "given_name": "Bench", "family_name": f"P{index}",
                "emails": [f"p{index}@example.com"], "phones": ["+44 20 7946 0000"]})
            hub.grant_consent(actor=ACTOR, customer_id=customer, recipient="partner_category",
                              partner_category="reseller", purpose="third_party_sharing",
                              categories=["user.name", "user.contact"], channel="web",
                              notice_version="bench-v1")
            ids.append(customer)
            if index % 500 == 0:
                status.update(f"registering customers with consent: {index:,}/{count:,}")
    return ids


def latencies(read: Callable[[UUID], object], ids: list[UUID], reads: int) -> list[float]:
    chosen = random.Random(7).choices(ids, k=WARMUP + reads)
    for customer in chosen[:WARMUP]:
        read(customer)
    measured = []
    for customer in chosen[WARMUP:]:
        started = perf_counter()
        read(customer)
        measured.append(perf_counter() - started)
    return measured


def run(database: str, customers: int, reads: int, console: Console) -> None:
    title = {"sqlite": "SQLite (temporary file)", "postgres": "PostgreSQL"}[database]
    with fresh_store(database) as url:
        hub = connect_hub(url, master_key=MASTER_KEY)
        try:
            ids = customers_with_consent(hub, customers, console)
            rows = {
                "profile": latencies(lambda c: hub.load(Customer, c), ids, reads),
                "profile under the policy": latencies(
                    lambda c: disclose(hub, READER, c, PROFILE, at=datetime.now(UTC)), ids, reads),
            }
        finally:
            hub.close()
    table = Table(title=f"One customer read on {title}, {customers:,} customers, {reads:,} reads",
                  title_justify="left")
    for column in ("read", "reads/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "read" else "right")
    for label, seconds in rows.items():
        table.add_row(label, f"{len(seconds) / sum(seconds):,.0f}",
                      *(f"{percentile_ms(seconds, p):.2f}" for p in (50, 95, 99)))
    console.print(table)
    added = percentile_ms(rows["profile under the policy"], 99) - percentile_ms(rows["profile"], 99)
    console.print(verdict(f"the policy adds {added:.2f} ms to p99",
                          f"target <= {POLICY_P99_TARGET_MS} ms", added <= POLICY_P99_TARGET_MS))
    console.print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.privacy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--reads", type=int, default=2_000)
    arguments = parser.parse_args(argv)
    if arguments.customers < 1 or arguments.reads < 100:
        parser.error("--customers must be at least 1 and --reads at least 100")
    console = Console(width=None if sys.stdout.isatty() else 110)
    console.print(machine())
    databases = ("sqlite", "postgres") if arguments.database == "both" else (arguments.database,)
    for database in databases:
        run(database, arguments.customers, arguments.reads, console)


if __name__ == "__main__":
    main()
