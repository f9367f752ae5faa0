"""Verify the ledger: recompute every event hash and the chain from the stored rows.

The check walks two sequences in position order, the stored events (as stored) and the
chain table's rows, side by side, and the signed checkpoints in the range:

- a stored row whose hash differs from the chain's row at its position: `state_changed`
  (same event, other content) or `reordered` (another event sits there: rows reordered
  or positions swapped);
- a chain row without a stored row: `row_missing` (deleted);
- a stored row at or below the chain's head that the chain never saw: `row_inserted`;
- a chain row whose hash does not follow from the row before it, or whose event hash
  was changed: `chain_altered`;
- a checkpoint whose signature does not verify (or whose key is unknown):
  `checkpoint_invalid`; one whose signed head differs from the hash of the stored log up
  to its position: `checkpoint_mismatch` (this is what catches a chain table rewritten
  to match a rewritten log: the signed head cannot be recomputed).

Stored rows above the chain's head (the last chained position, from the table or seen
in the walk) are counted as not chained yet, not as problems.
The same check runs on the database (`verify_database`) and on an export
(`projections.ledger_export`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.hub import Hub
from projections import checkpoints
from projections.chain import GENESIS, TABLE, event_hash, hash_before, head, link
from projections.checkpoints import Checkpoint, CheckpointError, PublicKeys
from projections.database import ViewDatabase
from projections.log_reader import ChainRow, StoredRow, chain_rows, stored_rows

STATE_CHANGED = "state_changed"
REORDERED = "reordered"
ROW_MISSING = "row_missing"
ROW_INSERTED = "row_inserted"
CHAIN_ALTERED = "chain_altered"
CHECKPOINT_INVALID = "checkpoint_invalid"
CHECKPOINT_MISMATCH = "checkpoint_mismatch"
KINDS = (STATE_CHANGED, REORDERED, ROW_MISSING, ROW_INSERTED, CHAIN_ALTERED,
         CHECKPOINT_INVALID, CHECKPOINT_MISMATCH)

PAGE_SIZE = 10_000
_HIGHEST = 2**62
_sha256 = hashlib.sha256


@dataclass(frozen=True)
class Problem:
    position: int
    kind: str
    detail: str


@dataclass
class Report:
    checked_from: int
    checked_to: int
    #: The last chained position checked, and the chain's hash there recomputed from
    #: the stored rows.
    head_position: int = 0
    head_hash: str = GENESIS.hex()
    events: int = 0
    unchained: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass
class LedgerCheck:
    """One walk over a range; `seed` is the chain hash before its first position."""

    checked_from: int
    checked_to: int
    chain_head: int
    seed: bytes = GENESIS
    on_progress: Callable[[int], None] | None = None
    report: Report = field(init=False)

    def __post_init__(self) -> None:
        self.report = Report(self.checked_from, self.checked_to)

    def run(self, walk: Iterable[tuple[int, StoredRow | None, ChainRow | None]],
            signed: Sequence[Checkpoint], public_keys: PublicKeys) -> Report:
        """Walk `walk`: (position, stored row or None, chain row or None) in order."""
        report = self.report
        pending = self._verified(signed, public_keys)
        next_checkpoint = pending[0].position if pending else _HIGHEST
        running = table = head_hash = self.seed
        done = events = 0
        #: Stored rows after the last chained row seen: inserted if a chained row follows.
        unchained: list[tuple[int, str]] = []
        for position, row, chained in walk:
            if position > next_checkpoint:
                while pending and pending[0].position < position:
                    self._compare(pending.pop(0), running)
                next_checkpoint = pending[0].position if pending else _HIGHEST
            if row is not None:
                digest = event_hash(position, row[1], row[2], row[3], row[4])
                before, running = running, _sha256(running + digest).digest()
                events += 1
                done += 1
                if done == PAGE_SIZE:
                    self._progress(done)
                    done = 0
                if chained is not None and table == before and chained[4] == digest.hex() \
                        and chained[5] == running.hex():
                    # The usual case: the row is what was chained, and the link holds.
                    table = head_hash = running
                    report.head_position = position
                    if unchained:
                        self._inserted(unchained)
                    continue
            if chained is None:
                assert row is not None
                unchained.append((position, _describe(row)))
                if position <= self.chain_head:
                    self._inserted(unchained)
                continue
            self._inserted(unchained)
            table = self._check_row(position, row, chained, table)
            report.head_position, head_hash = position, running
        for checkpoint in pending:
            self._compare(checkpoint, running)
        self._progress(done)
        report.events = events
        report.head_hash = head_hash.hex()
        report.unchained = len(unchained)
        report.problems.sort(key=lambda problem: problem.position)
        return report

    def _inserted(self, rows: list[tuple[int, str]]) -> None:
        for position, what in rows:
            self._problem(position, ROW_INSERTED, f"a stored row the chain never saw ({what}): "
                          "inserted or forged")
        rows.clear()

    def _check_row(self, position: int, row: StoredRow | None, chained: ChainRow,
                   previous: bytes) -> bytes:
        """Compare a stored row (None: missing) with the chain's row at its position;
        return the chain table's hash there."""
        recorded = bytes.fromhex(chained[4])
        chain_hash = bytes.fromhex(chained[5])
        links = chain_hash == link(previous, recorded)
        what = f"{chained[1]} v{chained[2]}"
        if row is None:
            self._problem(position, ROW_MISSING, f"the stored row is gone (the chain has {what} "
                          "here): deleted")
        else:
            digest = event_hash(position, row[1], row[2], row[3], row[4])
            if digest != recorded:
                if chain_hash == link(previous, digest):
                    self._problem(position, CHAIN_ALTERED, "the chain table's event hash was "
                                  "changed (the stored row still matches its chain hash)")
                    links = True
                elif _describe(row) != what:
                    self._problem(position, REORDERED, f"holds {_describe(row)}, but {what} was "
                                  "chained here: rows reordered or positions swapped")
                elif row[3] != chained[3]:
                    self._problem(position, STATE_CHANGED, f"the topic of {what} was changed "
                                  f"({chained[3]} -> {row[3]})")
                else:
                    self._problem(position, STATE_CHANGED, f"the stored state of {what} was "
                                  "changed")
        if not links:
            self._problem(position, CHAIN_ALTERED, "the chain table's hash here does not follow "
                          "from the row before: the chain table was altered")
        return chain_hash

    def _verified(self, signed: Sequence[Checkpoint], public_keys: PublicKeys) -> list[Checkpoint]:
        good = []
        for checkpoint in signed:
            try:
                good.append(checkpoints.verified(checkpoint, public_keys))
            except CheckpointError as error:
                self._problem(checkpoint.position, CHECKPOINT_INVALID,
                              f"checkpoint signed at {checkpoint.signed_at.isoformat()}: {error}")
        self.report.checkpoints = len(good)
        return sorted(good, key=lambda checkpoint: checkpoint.position)

    def _compare(self, checkpoint: Checkpoint, running: bytes) -> None:
        if running.hex() != checkpoint.head_hash:
            self._problem(checkpoint.position, CHECKPOINT_MISMATCH,
                          f"the stored log up to {checkpoint.position} hashes to {running.hex()}, "
                          f"not to the head signed at {checkpoint.signed_at.isoformat()} "
                          f"({checkpoint.head_hash}, key {checkpoint.kid}): rows up to here were "
                          "changed, removed or inserted")

    def _problem(self, position: int, kind: str, detail: str) -> None:
        self.report.problems.append(Problem(position, kind, detail))

    def _progress(self, count: int) -> None:
        if self.on_progress is not None and count:
            self.on_progress(count)


def _describe(row: StoredRow) -> str:
    """The stored row's event as the chain table names it: `<originator id> v<version>`."""
    originator = row[1]
    if isinstance(originator, bytes):
        originator = str(UUID(bytes=originator)) if len(originator) == 16 else originator.hex()
    return f"{originator} v{row[2]}"


def merged(stored: Iterable[StoredRow], chain: Iterable[ChainRow]
           ) -> Iterator[tuple[int, StoredRow | None, ChainRow | None]]:
    """(position, stored row or None, chain row or None) in position order."""
    stored, chain = iter(stored), iter(chain)
    row, chained = next(stored, None), next(chain, None)
    while row is not None or chained is not None:
        if chained is None or (row is not None and row[0] < chained[0]):
            assert row is not None
            yield row[0], row, None
            row = next(stored, None)
        elif row is None or chained[0] < row[0]:
            yield chained[0], None, chained
            chained = next(chain, None)
        else:
            yield row[0], row, chained
            row, chained = next(stored, None), next(chain, None)


# -- on the database ------------------------------------------------------------------------


def verify_database(hub: Hub, database: ViewDatabase, *, public_keys: PublicKeys,
                    first: int | None = None, last: int | None = None,
                    page_size: int = PAGE_SIZE,
                    on_progress: Callable[[int], None] | None = None) -> Report:
    """Verify the stored log against the chain table and the checkpoints, positions
    `first` to `last` (default: everything stored, chained or checkpointed). `last` is
    capped at what is known before the rows are read: the stored rows and the chain are read
    by two cursors, and a row committed between their starts must be in neither."""
    chain_head, _ = head(database)
    signed = checkpoints.stored(database, first=first, last=last)
    known = max(hub.recorder.max_notification_id() or 0, chain_head,
                max((c.position for c in signed), default=0))
    last = known if last is None else min(last, known)
    seed = GENESIS if first is None else hash_before(database, first)
    check = LedgerCheck(checked_from=1 if first is None else first, checked_to=last,
                        chain_head=chain_head, seed=seed, on_progress=on_progress)
    return check.run(merged(stored_rows(hub, first, last, page_size),
                            chain_rows(hub, TABLE, first, last, page_size)), signed, public_keys)


def describe(report: Report) -> Any:
    """The report as JSON-ready data (for `--json` and the export's verification)."""
    return {"intact": report.intact, "checkedFrom": report.checked_from,
            "checkedTo": report.checked_to, "headPosition": report.head_position,
            "headHash": report.head_hash, "events": report.events,
            "unchained": report.unchained, "checkpoints": report.checkpoints,
            "problems": [{"position": p.position, "kind": p.kind, "detail": p.detail}
                         for p in report.problems]}
