"""Signed checkpoints of the ledger chain: who vouches for the head, and when.

A checkpoint is a compact JWS (ES256, the hub's signing key, its `kid` in the header)
over `{"position", "head", "time"}`: the chain's hash after the stored event at
`position`, as it stood at `time`. It protects the chain table itself: whoever rewrites
the log and recomputes `ledger_chain` to match cannot make a signed head agree, and an
auditor who kept an old checkpoint (or an export) can prove that everything up to it is
still there. Checkpoints are kept in `ledger_checkpoints`; the row's columns are only an
index, what counts is the signed payload.

Keys are injected (`projections` does not import `api`): a `KeySource` gives the current
signing key and its kid, `PublicKeys` the public key of a kid (None when unknown).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError

from projections.database import Row, Transaction, ViewDatabase

ALGORITHM = "ES256"
TYPE = "crmhub-ledger-checkpoint+jws"
TABLE = "ledger_checkpoints"
DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (position BIGINT NOT NULL, signed_at TEXT NOT NULL,"
       " head_hash TEXT NOT NULL, kid TEXT NOT NULL, jws TEXT NOT NULL,"
       " PRIMARY KEY (position, signed_at))")

#: () -> (kid, private key): the key that signs now.
KeySource = Callable[[], tuple[str, Any]]
#: kid -> public key, or None for a key the verifier does not know.
PublicKeys = Callable[[str], Any | None]


class CheckpointError(Exception):
    """A checkpoint whose signature does not verify, or that is malformed."""


@dataclass(frozen=True)
class Checkpoint:
    position: int
    head_hash: str
    signed_at: datetime
    kid: str
    jws: str

    def as_json(self) -> dict[str, Any]:
        return {"position": self.position, "headHash": self.head_hash,
                "signedAt": self.signed_at.isoformat(), "kid": self.kid, "jws": self.jws}

    @classmethod
    def of_row(cls, row: Row) -> Checkpoint:
        return cls(position=int(row["position"]), head_hash=row["head_hash"],
                   signed_at=datetime.fromisoformat(row["signed_at"]), kid=row["kid"],
                   jws=row["jws"])


def sign(*, position: int, head_hash: str, at: datetime, keys: KeySource) -> Checkpoint:
    kid, key = keys()
    payload = json.dumps({"position": position, "head": head_hash, "time": at.isoformat()},
                         sort_keys=True, separators=(",", ":"))
    token = jws.serialize_compact({"alg": ALGORITHM, "kid": kid, "typ": TYPE}, payload, key,
                                  algorithms=[ALGORITHM])
    return Checkpoint(position, head_hash, at, kid, token)


def verified(checkpoint: Checkpoint, public_keys: PublicKeys) -> Checkpoint:
    """The checkpoint as its signature says (`CheckpointError` when it does not verify,
    names an unknown key, or its stored columns disagree with what was signed)."""
    try:
        header = jws.extract_compact(checkpoint.jws.encode()).headers()
        if header.get("typ") != TYPE:  # an access token signed by the same key is no checkpoint
            raise CheckpointError(f"not a checkpoint (typ {header.get('typ')!r})")
        kid = str(header.get("kid"))
        key = public_keys(kid)
        if key is None:
            raise CheckpointError(f"signed by key {kid}, which the verifier does not know")
        payload = json.loads(jws.deserialize_compact(checkpoint.jws, key,
                                                     algorithms=[ALGORITHM]).payload)
        signed = Checkpoint(position=int(payload["position"]), head_hash=str(payload["head"]),
                            signed_at=datetime.fromisoformat(payload["time"]), kid=kid,
                            jws=checkpoint.jws)
    except CheckpointError:
        raise
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"the signature does not verify ({error})") from None
    if (signed.position, signed.head_hash, signed.kid) != \
            (checkpoint.position, checkpoint.head_hash, checkpoint.kid):
        raise CheckpointError("its stored position, head or key differ from what was signed")
    return signed


def store(tx: Transaction, checkpoint: Checkpoint) -> None:
    tx.execute(f"INSERT INTO {TABLE} (position, signed_at, head_hash, kid, jws)"  # noqa: S608
               " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
               (checkpoint.position, checkpoint.signed_at.isoformat(), checkpoint.head_hash,
                checkpoint.kid, checkpoint.jws))


def stored(database: ViewDatabase | Transaction, *, first: int | None = None,
           last: int | None = None) -> list[Checkpoint]:
    """The stored checkpoints (of positions in [first, last]), oldest position first."""
    rows = database.query(f"SELECT position, signed_at, head_hash, kid, jws FROM {TABLE}"  # noqa: S608
                          " WHERE position >= ? AND position <= ? ORDER BY position, signed_at",
                          (first if first is not None else -(2**62), last if last is not None else 2**62))
    return [Checkpoint.of_row(row) for row in rows]


@dataclass
class CheckpointPolicy:
    """When the chain signs its head by itself: every `every_events` chained events, or
    when `every_seconds` have passed since the last checkpoint (or, before the first,
    since the policy was made) and events were chained. The chain asks after each page it
    applies, so it signs at most once a page."""

    keys: KeySource
    every_events: int = 10_000
    every_seconds: float = 3600.0
    clock: Callable[[], float] = field(default=time.time)
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def due(self, last: Checkpoint | None, position: int) -> bool:
        signed_position = 0 if last is None else last.position
        signed_at = self.started if last is None else last.signed_at.timestamp()
        if position <= signed_position:
            return False
        return (position - signed_position >= self.every_events
                or self.clock() - signed_at >= self.every_seconds)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)
