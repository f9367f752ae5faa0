"""The log index: every stored event's place in the log, its time, and whose it is.

The library keeps an event's recording time inside its serialised state, not in a
column, so "the log as it stood at T" cannot be asked of the stored events table. This
view keeps, for every event in log order:

- `log_index`: its position in the log (the notification id: a positioned view), its
  aggregate id and version, its recording time (`recorded_at`, the library's timestamp,
  ISO-8601 UTC text) and the customer it concerns, if any: the customer themselves for
  a customer's events, else the event's `customer_id` (interactions, cases,
  opportunities, purchases, campaign messages, consent ...), else the customer an
  earlier event of the same aggregate named (an interaction's correction names none).
- `log_index_aggregates`: the customer each aggregate concerns, from its first event
  that named one (how the events that name none are placed).

Indexes answer "the events of customer X up to T, in log order" and "the last event at
or before T" (`projections.as_of` replays from them). Ids, versions and times only: no
personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.customers import Customer
from projections.customers import iso
from projections.database import Transaction
from projections.view import View


class LogIndexView(View):
    name = "log_index"
    version = 1
    tables = ("log_index", "log_index_aggregates")
    ddl = (
        "CREATE TABLE IF NOT EXISTS log_index ("
        " position BIGINT PRIMARY KEY, aggregate_id TEXT NOT NULL, version BIGINT NOT NULL,"
        " recorded_at TEXT NOT NULL, customer_id TEXT)",
        "CREATE INDEX IF NOT EXISTS log_index_customer"
        " ON log_index (customer_id, recorded_at, position)",
        "CREATE INDEX IF NOT EXISTS log_index_time ON log_index (recorded_at, position)",
        "CREATE INDEX IF NOT EXISTS log_index_aggregate"
        " ON log_index (aggregate_id, version)",
        "CREATE TABLE IF NOT EXISTS log_index_aggregates ("
        " aggregate_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL)",
    )

    positioned = True

    def apply(self, tx: Transaction, events: Sequence[Any]) -> None:
        """`events`: (log position, event) pairs."""
        # The aggregates of events that name no customer: whom earlier pages placed them with.
        unnamed = sorted({str(e.originator_id) for _, e in events if _named_customer(e) is None})
        owners: dict[str, str] = {}
        for start in range(0, len(unnamed), 500):
            chunk = unnamed[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            owners.update((r["aggregate_id"], r["customer_id"]) for r in tx.query(
                "SELECT aggregate_id, customer_id FROM log_index_aggregates"  # noqa: S608
                f" WHERE aggregate_id IN ({marks})", chunk))
        rows: list[tuple[Any, ...]] = []
        new_owners: list[tuple[str, str]] = []
        for position, e in events:
            aggregate = str(e.originator_id)
            customer = _named_customer(e)
            if customer is None:
                customer = owners.get(aggregate)
            elif aggregate not in owners and aggregate != customer:
                owners[aggregate] = customer
                new_owners.append((aggregate, customer))
            rows.append((position, aggregate, e.originator_version, iso(e.timestamp), customer))
        tx.executemany("INSERT INTO log_index (position, aggregate_id, version, recorded_at,"
                       " customer_id) VALUES (?, ?, ?, ?, ?)", rows)
        tx.executemany("INSERT INTO log_index_aggregates (aggregate_id, customer_id)"
                       " VALUES (?, ?) ON CONFLICT DO NOTHING", new_owners)


def _named_customer(event: Any) -> str | None:
    """The customer the event itself names: a customer's own events name them."""
    if isinstance(event, Customer.Event):
        return str(event.originator_id)
    customer = getattr(event, "customer_id", None)
    return None if customer is None else str(customer)
