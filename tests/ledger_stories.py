"""A history to audit, and an intruder with raw SQL access to the events table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from joserfc.jwk import ECKey

from domain.hub import Hub
from domain.interactions import InteractionDraft
from projections.chain import LedgerChain, LedgerRunner
from projections.checkpoints import CheckpointPolicy
from projections.database import ViewDatabase

ACTOR = "tests:ledger"


def some_history(hub: Hub, *, customers: int = 3, interactions: int = 4) -> list[Any]:
    """Customers, each with a few interactions: `customers * (1 + interactions)` events."""
    ids = []
    for index in range(customers):
        customer = hub.register_customer(actor=ACTOR, kind="person", profile={
            "given_name": "Ada", "family_name": f"Lovelace {index}",
            "emails": [f"ada{index}@example.com"]})
        hub.record_interactions(actor=ACTOR, drafts=[
            InteractionDraft(customer_id=customer, channel="phone", direction="inbound",
                             department="service", subject=f"call {n}")
            for n in range(interactions)])
        ids.append(customer)
    return ids


def signing_key() -> ECKey:
    key = ECKey.generate_key("P-256")
    return ECKey.import_key(key.as_dict(private=True), {"kid": key.thumbprint()})


def key_source(key: ECKey) -> Callable[[], tuple[str, Any]]:
    return lambda: (str(key.kid), key)


def public_keys(*keys: ECKey) -> Callable[[str], Any]:
    known = {str(key.kid): key for key in keys}
    return known.get


def chain_runner(hub: Hub, views: ViewDatabase, key: ECKey, *, every_events: int = 10_000
                 ) -> LedgerRunner:
    runner = LedgerRunner(hub, views, LedgerChain(CheckpointPolicy(
        keys=key_source(key), every_events=every_events)))
    runner.setup()
    return runner


class Intruder:
    """Someone with write access to the database, and none to the hub's signing key."""

    def __init__(self, hub: Hub, views: ViewDatabase) -> None:
        self.hub = hub
        self.views = views
        self.position = "rowid" if views.dialect == "sqlite" else "notification_id"
        self.events = hub.recorder.events_table_name  # type: ignore[attr-defined]

    def flip_a_byte(self, position: int, offset: int = 10) -> None:
        (row,) = self.views.query(f"SELECT state FROM {self.events} WHERE {self.position} = ?",  # noqa: S608
                                  (position,))
        state = bytearray(row["state"])
        state[offset] ^= 0x01
        self.execute(f"UPDATE {self.events} SET state = ? WHERE {self.position} = ?",  # noqa: S608
                     bytes(state), position)

    def delete(self, position: int) -> None:
        self.execute(f"DELETE FROM {self.events} WHERE {self.position} = ?", position)  # noqa: S608

    def swap(self, first: int, second: int) -> None:
        column = self.position
        with self.views.transaction() as tx:
            for old, new in ((first, -1), (second, first), (-1, second)):
                tx.execute(f"UPDATE {self.events} SET {column} = ? WHERE {column} = ?",  # noqa: S608
                           (new, old))

    def forge(self, position: int, like: int) -> None:
        """Insert a row at `position` copying the shape of the row at `like`, with a new
        version of its aggregate."""
        (row,) = self.views.query(f"SELECT originator_id, topic, state FROM {self.events}"  # noqa: S608
                                  f" WHERE {self.position} = ?", (like,))
        self.execute(f"INSERT INTO {self.events} ({self.position}, originator_id,"  # noqa: S608
                     " originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
                     position, row["originator_id"], 999, row["topic"], row["state"])

    def rewrite_chain_from(self, position: int) -> None:
        """Recompute the chain table from `position` on to match the (tampered) log: what a
        careful intruder does so that the chain table alone agrees."""
        from projections.chain import event_hash, hash_before, link
        from projections.log_reader import stored_rows

        previous = hash_before(self.views, position)
        with self.views.transaction() as tx:
            tx.execute("DELETE FROM ledger_chain WHERE position >= ?", (position,))
        for at, originator, version, topic, state in stored_rows(self.hub, position, 2**62, 1000):
            digest = event_hash(at, originator, version, topic, state)
            previous = link(previous, digest)
            self.execute("INSERT INTO ledger_chain (position, originator_id, originator_version,"
                         " topic, event_hash, chain_hash) VALUES (?, ?, ?, ?, ?, ?)",
                         at, str(UUID(bytes=originator)), version, topic, digest.hex(),
                         previous.hex())

    def execute(self, sql: str, *params: Any) -> None:
        with self.views.transaction() as tx:
            tx.execute(sql, params)
