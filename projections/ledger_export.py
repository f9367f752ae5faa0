"""The ledger as a JSON Lines file, and its verification offline, without a database.

One JSON object per line, in this order:

1. `{"kind": "crmhub-ledger-export", "version": 1, "exportedAt", "from", "to"}`;
2. `{"kind": "jwks", "keys": [...]}`: the public keys (RFC 7517) of every checkpoint's
   key, each `kid` being the key's RFC 7638 thumbprint;
3. `{"kind": "checkpoint", "position", "headHash", "signedAt", "kid", "jws"}` per
   checkpoint;
4. `{"kind": "event", "position", "originatorId", "version", "topic", "state",
   "eventHash", "chainHash"}` per position, in order: `state` is the stored bytes in
   base64 (null when the chain has a row the store lost), the hashes are the chain
   table's (null for a row not chained yet).

`verify_export` runs the same check as on the database (`projections.ledger_verify`).
The keys that verify the checkpoints are the export's own unless the auditor passes
keys they trust (the hub's published JWKS): a forger who re-signs with a key of their
own is only caught by comparing kids with the hub's.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any
from uuid import UUID

from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from domain.hub import Hub
from projections import checkpoints
from projections.chain import TABLE, head
from projections.checkpoints import Checkpoint
from projections.database import ViewDatabase
from projections.ledger_verify import PAGE_SIZE, LedgerCheck, Report, merged
from projections.log_reader import ChainRow, StoredRow, chain_rows, stored_rows

FORMAT = "crmhub-ledger-export"


class ExportFormatError(ValueError):
    """The file is not a ledger export this version can read."""


def write_export(hub: Hub, database: ViewDatabase, out: IO[str], *,
                 jwks: Callable[[set[str]], list[dict[str, Any]]],
                 on_progress: Callable[[int], None] | None = None) -> int:
    """Write the whole log with its hashes and checkpoints; `jwks(kids)` gives the public
    keys of those kids. Return the number of event lines."""
    chain_head, _ = head(database)
    last = max(hub.recorder.max_notification_id() or 0, chain_head)
    signed = checkpoints.stored(database, last=last)
    _line(out, {"kind": FORMAT, "version": 1, "exportedAt": datetime.now(UTC).isoformat(),
                "from": 1, "to": last})
    _line(out, {"kind": "jwks", "keys": jwks({checkpoint.kid for checkpoint in signed})})
    for checkpoint in signed:
        _line(out, {"kind": "checkpoint", **checkpoint.as_json()})
    lines = 0
    for position, row, chained in merged(stored_rows(hub, None, last, PAGE_SIZE),
                                         chain_rows(hub, TABLE, None, last, PAGE_SIZE)):
        if row is not None:
            originator = row[1]
            identity = (str(UUID(bytes=originator)) if isinstance(originator, bytes) else originator,
                        row[2], row[3])
        else:
            assert chained is not None
            identity = chained[1:4]
        _line(out, {
            "kind": "event", "position": position, "originatorId": identity[0],
            "version": identity[1], "topic": identity[2],
            "state": None if row is None else base64.b64encode(row[4]).decode(),
            "eventHash": chained[4] if chained else None,
            "chainHash": chained[5] if chained else None,
        })
        lines += 1
        if on_progress is not None and lines % PAGE_SIZE == 0:
            on_progress(PAGE_SIZE)
    if on_progress is not None:
        on_progress(lines % PAGE_SIZE)
    return lines


def _line(out: IO[str], document: dict[str, Any]) -> None:
    out.write(json.dumps(document, separators=(",", ":")) + "\n")


def verify_export(lines: Iterable[str], *, trusted_keys: list[dict[str, Any]] | None = None,
                  on_progress: Callable[[int], None] | None = None) -> tuple[Report, list[str]]:
    """Verify an export read line by line; return the report and the kids of the keys
    the checkpoints were verified with. `trusted_keys` (a JWKS's `keys`) replaces the
    export's own keys."""
    reader = iter(enumerate(lines, start=1))
    header = _next_document(reader)
    if header is None or header.get("kind") != FORMAT or header.get("version") != 1:
        raise ExportFormatError(f"not a {FORMAT} file of version 1")
    own_keys: list[dict[str, Any]] = []
    signed: list[Checkpoint] = []
    first_event: tuple[int, dict[str, Any]] | None = None
    for number, document in _documents(reader):
        if document.get("kind") == "jwks":
            own_keys = list(document.get("keys") or [])
        elif document.get("kind") == "checkpoint":
            signed.append(_checkpoint(number, document))
        else:
            first_event = (number, document)
            break
    public = public_keys(trusted_keys if trusted_keys is not None else own_keys)
    check = LedgerCheck(checked_from=int(header.get("from", 1)), checked_to=int(header.get("to", 0)),
                        chain_head=0, on_progress=on_progress)
    events = _events(first_event, _documents(reader))
    return check.run(events, signed, public), sorted(public.known)


class _KeySet:
    """kid -> public key, for keys whose kid is their thumbprint (others are ignored)."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys: dict[str, ECKey] = {}
        for jwk in keys:
            try:
                key = ECKey.import_key({k: v for k, v in jwk.items() if k not in {"d"}})
            except (JoseError, ValueError, TypeError):
                continue
            if jwk.get("kid") == key.thumbprint():
                self.keys[key.thumbprint()] = key

    @property
    def known(self) -> set[str]:
        return set(self.keys)

    def __call__(self, kid: str) -> ECKey | None:
        return self.keys.get(kid)


def public_keys(keys: list[dict[str, Any]]) -> _KeySet:
    """The verifier's keys from a JWKS's `keys`: a key counts only under its thumbprint."""
    return _KeySet(keys)


def _events(first: tuple[int, dict[str, Any]] | None,
            rest: Iterator[tuple[int, dict[str, Any]]]
            ) -> Iterator[tuple[int, StoredRow | None, ChainRow | None]]:
    if first is not None:
        yield _event(*first)
    for number, document in rest:
        yield _event(number, document)


def _event(number: int, document: dict[str, Any]) -> tuple[int, StoredRow | None, ChainRow | None]:
    if document.get("kind") != "event":
        raise ExportFormatError(f"line {number}: expected an event line, found {document.get('kind')!r}")
    try:
        position = int(document["position"])
        originator = str(document["originatorId"])
        version, topic = int(document["version"]), str(document["topic"])
        row: StoredRow | None = None
        if document.get("state") is not None:
            row = (position, _id(originator), version, topic,
                   base64.b64decode(document["state"], validate=True))
        chained: ChainRow | None = None
        if document.get("eventHash") is not None:
            hashes = str(document["eventHash"]), str(document["chainHash"])
            bytes.fromhex(hashes[0] + hashes[1])  # ValueError when not hex
            chained = (position, originator, version, topic, hashes[0], hashes[1])
    except (KeyError, ValueError, TypeError) as error:
        raise ExportFormatError(f"line {number}: a malformed event ({error})") from None
    return position, row, chained


def _id(value: str) -> bytes | str:
    """A UUID's 16 bytes, as the hash encodes it (other ids stay text)."""
    try:
        return UUID(value).bytes
    except ValueError:
        return value


def _checkpoint(number: int, document: dict[str, Any]) -> Checkpoint:
    try:
        return Checkpoint(position=int(document["position"]), head_hash=str(document["headHash"]),
                          signed_at=datetime.fromisoformat(document["signedAt"]),
                          kid=str(document["kid"]), jws=str(document["jws"]))
    except (KeyError, ValueError, TypeError) as error:
        raise ExportFormatError(f"line {number}: a malformed checkpoint ({error})") from None


def _documents(reader: Iterator[tuple[int, str]]) -> Iterator[tuple[int, dict[str, Any]]]:
    while (item := _next_document(reader, numbered=True)) is not None:
        yield item


def _next_document(reader: Iterator[tuple[int, str]], *, numbered: bool = False) -> Any:
    for number, line in reader:
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as error:
            raise ExportFormatError(f"line {number}: not JSON ({error.msg})") from None
        if not isinstance(document, dict):
            raise ExportFormatError(f"line {number}: not a JSON object")
        return (number, document) if numbered else document
    return None
