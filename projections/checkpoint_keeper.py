"""Replay checkpoints kept in the background, so that a replay as of now starts near now.

A replay keeps a checkpoint after applying `replay_checkpoints.EVERY` events, so only the
first replay of a customer, the first after a new layout of the customer view and the
first after an erasure of someone in their checkpoint start from the log's beginning.
`CheckpointKeeper.sweep` spares those too: it finds the customers with `EVERY` or more
events after their newest checkpoint (`replay_checkpoints.due`), replays each as of now
from that checkpoint and keeps one at their newest event (`as_of.keep_checkpoint`), and
drops the checkpoints of older layouts. `crmhub serve` sweeps every
`CRMHUB_REPLAY_CHECKPOINT_SWEEP` seconds; `crmhub audit replay-checkpoints` runs one.

A checkpoint that cannot be sealed (someone in it was erased, so their key is gone) is
not kept; the keeper remembers that customer's newest event and tries again only once
they have a newer one, so it does not replay them on every sweep. Several keepers may
sweep at once: the second to keep one checkpoint keeps nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.errors import NotFoundError
from domain.hub import Hub
from projections import as_of, replay_checkpoints
from projections.database import ViewDatabase
from projections.log_index import LogIndexView
from projections.runner import ProjectionRunner

#: Customers replayed per sweep, at most (the next sweep goes on).
BATCH = 100


class CheckpointKeeper:
    """Sweeps for the customers due a checkpoint; one per process (it remembers whom it
    could not keep one for)."""

    def __init__(self, hub: Hub, database: ViewDatabase, *, batch: int = BATCH) -> None:
        self.hub = hub
        self.database = database
        self.batch = batch
        #: Customers whose checkpoint could not be kept, with their newest event then.
        self._not_kept: dict[UUID, int] = {}
        ProjectionRunner(hub, database, [LogIndexView()]).setup()  # the tables exist, if empty
        replay_checkpoints.ensure_table(database)

    def sweep(self, *, on_progress: Callable[[int, int], None] | None = None) -> int:
        """Keep a checkpoint for up to `batch` customers due one; return how many were
        kept. `on_progress(replayed, due)` after each customer replayed."""
        as_of.ensure_indexed(self.hub, self.database)
        replay_checkpoints.drop_outdated(self.database)
        due = [(customer, newest) for customer, newest in replay_checkpoints.due(
            self.database, limit=self.batch + len(self._not_kept))
            if self._not_kept.get(customer) != newest][:self.batch]
        kept = 0
        for replayed, (customer, newest) in enumerate(due, start=1):
            if self._keep(customer):
                kept += 1
                self._not_kept.pop(customer, None)
            else:
                self._not_kept[customer] = newest
            if on_progress is not None:
                on_progress(replayed, len(due))
        return kept

    def _keep(self, customer: UUID) -> bool:
        try:
            return as_of.keep_checkpoint(self.hub, self.database, customer)
        except NotFoundError:
            return False
