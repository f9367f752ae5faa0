"""The ledger chain: every stored event hashed, and each hash linked to the one before.

`LedgerChain` is a raw view (`View.raw`): it follows the global log in order and gets
each stored notification as stored (position, originator id, version, topic and state
bytes: the ciphertext, so erasure, which deletes a person's key and not a byte of the
log, leaves every hash valid). For each it keeps a row of `ledger_chain`:

    event_hash = SHA-256(canonical encoding of position, originator id, version, topic, state)
    chain_hash = SHA-256(previous chain_hash || event_hash)      (genesis: 32 zero bytes)

The encoding (`event_hash`) is unambiguous: a version tag, then a fixed-size header
(position and version as signed 64-bit integers, the originator's 16 UUID bytes, and the
length of every variable field), then the topic and the state.

Notification ids can have gaps (an insert rolled back on PostgreSQL leaves its ids
unused): the chain links consecutive *stored* rows and records each row's position, so a
row deleted later shows as "missing at position N" and a row slipped into a gap as
"inserted". The chain never skips a row that commits late: writers take an `EXCLUSIVE`
lock on the events table before their ids are drawn and keep it until they commit
(`api/store.py`), so ids commit in id order and a reader that has seen id N has seen
every id below N that will ever commit. What the chain cannot tell is who wrote a row
appended after its head: it proves the log was not changed after it was chained, and
the signed checkpoints (`projections.checkpoints`) protect the chain table itself.

Rows and the chain's position commit in one transaction, as the views' do. The chain is
evidence, not a read model: `LedgerRunner` keeps its position in `ledger_positions`
(read-your-writes does not wait for it) and refuses to rebuild it.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from domain.hub import Hub
from projections import checkpoints
from projections.checkpoints import Checkpoint, CheckpointPolicy
from projections.database import Transaction, ViewDatabase
from projections.runner import ProjectionRunner
from projections.view import View

GENESIS = bytes(32)
TAG = b"crmhub-ledger-v1\x00"
TABLE = "ledger_chain"
DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (position BIGINT PRIMARY KEY,"
       " originator_id TEXT NOT NULL, originator_version BIGINT NOT NULL, topic TEXT NOT NULL,"
       " event_hash TEXT NOT NULL, chain_hash TEXT NOT NULL)")
#: tag 1: a UUID originator (16 bytes); tag 2: any other id, as UTF-8 of that length.
_UUID_HEAD = struct.Struct(">Bqq16sQQ")
_TEXT_HEAD = struct.Struct(">BqqQQQ")
_sha256 = hashlib.sha256


def event_hash(position: int, originator_id: UUID | bytes | str, version: int, topic: str,
               state: bytes) -> bytes:
    """The hash of one stored event, over its canonical encoding: the tag, then a fixed
    header (a kind byte, position and version as signed 64-bit integers, the id, the
    lengths of what follows), then the topic (UTF-8) and the state. `originator_id` is a
    UUID or its 16 bytes, or (kind 2) any other id as text."""
    topic_bytes = topic.encode()
    if isinstance(originator_id, UUID):
        originator_id = originator_id.bytes
    if isinstance(originator_id, bytes) and len(originator_id) == 16:
        head = _UUID_HEAD.pack(1, position, version, originator_id, len(topic_bytes), len(state))
    else:
        text = (originator_id.decode("latin-1") if isinstance(originator_id, bytes)
                else str(originator_id)).encode()
        head = _TEXT_HEAD.pack(2, position, version, len(text), len(topic_bytes),
                               len(state)) + text
    return _sha256(TAG + head + topic_bytes + state).digest()


def link(previous: bytes, event: bytes) -> bytes:
    """The chain hash of an event whose predecessor's chain hash is `previous`."""
    return _sha256(previous + event).digest()


def head(database: ViewDatabase | Transaction) -> tuple[int, bytes]:
    """The chain's last position and hash ((0, genesis) for an empty chain)."""
    rows = database.query(f"SELECT position, chain_hash FROM {TABLE}"  # noqa: S608
                          " ORDER BY position DESC LIMIT 1")
    return (rows[0]["position"], bytes.fromhex(rows[0]["chain_hash"])) if rows else (0, GENESIS)


def hash_before(database: ViewDatabase | Transaction, position: int) -> bytes:
    """The chain hash of the last chained row before `position` (genesis if none)."""
    rows = database.query(f"SELECT chain_hash FROM {TABLE} WHERE position < ?"  # noqa: S608
                          " ORDER BY position DESC LIMIT 1", (position,))
    return bytes.fromhex(rows[0]["chain_hash"]) if rows else GENESIS


def chained_position(database: ViewDatabase) -> int:
    """The log position the chain has reached, whoever runs it (0 before it first ran)."""
    rows = database.query(f"SELECT position FROM {LedgerRunner.positions_table}"  # noqa: S608
                          " WHERE view = ?", (LedgerChain.name,))
    return int(rows[0]["position"]) if rows else 0


class LedgerChain(View):
    """The chaining projection; with a `CheckpointPolicy`, it also signs its head."""

    name = "ledger_chain"
    version = 1  # never raised: the chain is never rebuilt
    tables = (TABLE, checkpoints.TABLE)
    ddl = (DDL, checkpoints.DDL)
    raw = True

    def __init__(self, policy: CheckpointPolicy | None = None) -> None:
        self.policy = policy

    def apply(self, tx: Transaction, events: Sequence[Any]) -> None:
        notifications: Sequence[Notification] = events
        if not notifications:
            return
        _, previous = head(tx)
        rows = []
        for n in notifications:
            digest = event_hash(n.id, n.originator_id, n.originator_version, n.topic, n.state)
            previous = link(previous, digest)
            rows.append((n.id, str(n.originator_id), n.originator_version, n.topic,
                         digest.hex(), previous.hex()))
        tx.executemany(f"INSERT INTO {TABLE} (position, originator_id, originator_version,"  # noqa: S608
                       " topic, event_hash, chain_hash) VALUES (?, ?, ?, ?, ?, ?)", rows)
        if self.policy is not None:
            last = latest_checkpoint(tx)
            if self.policy.due(last, notifications[-1].id):
                checkpoints.store(tx, checkpoints.sign(
                    position=notifications[-1].id, head_hash=previous.hex(),
                    at=self.policy.now(), keys=self.policy.keys))


def latest_checkpoint(database: ViewDatabase | Transaction) -> Checkpoint | None:
    rows = database.query(f"SELECT position, signed_at, head_hash, kid, jws"  # noqa: S608
                          f" FROM {checkpoints.TABLE} ORDER BY position DESC, signed_at DESC"
                          " LIMIT 1")
    return Checkpoint.of_row(rows[0]) if rows else None


class ChainRebuildError(RuntimeError):
    """The chain is evidence of what the log held: rebuilding it would erase that."""


class LedgerRunner(ProjectionRunner):
    """The runner of the chain alone, with its position in a table of its own."""

    positions_table = "ledger_positions"

    def __init__(self, hub: Hub, database: ViewDatabase, chain: LedgerChain, *,
                 page_size: int = 1000, poll_interval: float = 0.5) -> None:
        super().__init__(hub, database, [chain], page_size=page_size,
                         poll_interval=poll_interval)
        self.chain = chain

    def reset(self, names: Sequence[str] | None = None) -> None:
        self._drop()

    def _drop(self, *_: object) -> None:
        """Never (a reset, or a `version` changed by mistake, would land here)."""
        raise ChainRebuildError("the ledger chain is never rebuilt: it records what the log "
                                "held when each event was chained")

    def checkpoint(self, *, on_page: Callable[[int], None] | None = None) -> Checkpoint | None:
        """Chain everything in the log now, then sign the head (None for an empty log)."""
        policy = self.chain.policy
        if policy is None:
            raise ValueError("the chain has no signing key (CheckpointPolicy)")
        self.catch_up(on_page=on_page)
        with self.database.transaction() as tx:
            position, chain_hash = head(tx)
            if position == 0:
                return None
            checkpoint = checkpoints.sign(position=position, head_hash=chain_hash.hex(),
                                          at=policy.now(), keys=policy.keys)
            checkpoints.store(tx, checkpoint)
        return checkpoint
