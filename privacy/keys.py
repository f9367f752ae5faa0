"""Per-person data keys: what crypto-shredding deletes.

Every data subject (a customer, or a lead before conversion) has a random 256-bit key
that encrypts their personal fields inside events and snapshots. The keys are kept in
`crmhub_subject_keys`, in the store's own database, each wrapped (AES-GCM) with the
master key from the settings, so a copy of the database alone reads nothing.

Erasing a subject replaces its wrapped key by a tombstone: from then on their personal
fields decrypt to nothing anywhere (replays, rebuilds, exports), while every event stays
in the log. On SQLite the row is overwritten with `secure_delete` on, so the key's bytes
leave the file (and `checkpoint()` empties the write-ahead log); PostgreSQL's old row
versions are vacuumed.

Keys are cached per process. A process that erases drops its copy at once; another
process drops its copy when its projection runner decodes the erasure event, so a
long-lived process can read an erased person's data for at most the time its views lag.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.errors import InvalidTransitionError
from domain.storage import lock_schema_changes

KEY_BYTES = 32
NONCE_BYTES = 12
TABLE = "crmhub_subject_keys"
#: Subjects whose keys one read of `preload` asks for.
PRELOAD_CHUNK = 500


class ErasedSubjectError(InvalidTransitionError):
    """Personal data of a subject that was erased cannot be stored again."""

    def __init__(self, subject: UUID) -> None:
        super().__init__(f"data subject {subject} was erased: nothing personal can be "
                         "recorded about them any more")
        self.subject = subject


class SubjectKeys:
    """The data keys of every subject, created on first use, erased on request."""

    def __init__(self, master_key: bytes, *, cache_size: int = 100_000) -> None:
        if len(master_key) != KEY_BYTES:
            raise ValueError(f"the master key must be {KEY_BYTES} bytes")
        self._master = AESGCM(master_key)
        self._master_key = master_key
        self._cache: dict[UUID, bytes | None] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._datastore: Any = None
        self._table = TABLE
        self._postgres = False

    def attach(self, datastore: Any, *, postgres: bool, schema: str | None = None) -> None:
        """Use the event store's datastore (the library's SQLite or PostgreSQL one)."""
        self._datastore = datastore
        self._postgres = postgres
        self._table = f'"{schema}".{TABLE}' if postgres and schema else TABLE
        blob = "BYTEA" if postgres else "BLOB"
        with self._cursor() as cursor:
            if postgres:
                lock_schema_changes(cursor, schema, "subject keys")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {self._table} (subject_id TEXT PRIMARY KEY,"
                           f" wrapped_key {blob}, erased_at TEXT)")

    # -- reading and creating ----------------------------------------------------------------

    def key(self, subject: UUID) -> bytes | None:
        """The subject's key; None if they were erased or never had personal data."""
        if subject in self._cache:
            return self._cache[subject]
        row = self._select(subject)
        key = None if row is None else self._unwrap(subject, row)
        if row is not None:  # an unknown subject may get a key later: not cached
            self._remember(subject, key)
        return key

    def preload(self, subjects: Iterable[UUID]) -> None:
        """Cache the keys of these subjects in as few reads as possible (one per 500
        missing), so that decoding a page of events costs no read per person."""
        missing = [subject for subject in dict.fromkeys(subjects) if subject not in self._cache]
        for start in range(0, len(missing), PRELOAD_CHUNK):
            chunk = {str(subject): subject for subject in missing[start:start + PRELOAD_CHUNK]}
            for subject_id, wrapped in self._select_many(list(chunk)):
                subject = chunk[subject_id]
                self._remember(subject, self._unwrap(subject, (wrapped,)))

    def key_for_writing(self, subject: UUID) -> bytes:
        """The subject's key, created on first use; `ErasedSubjectError` after erasure."""
        key = self.key(subject)
        if key is not None:
            return key
        new = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        with self._cursor() as cursor:
            cursor.execute(self._sql(f"INSERT INTO {self._table} (subject_id, wrapped_key)"  # noqa: S608
                                     " VALUES (?, ?) ON CONFLICT (subject_id) DO NOTHING"
                                     " RETURNING subject_id"),
                           (str(subject), self._wrap(subject, new)))
            created = cursor.fetchone() is not None
        if created:
            self._remember(subject, new)
            return new
        # A concurrent writer created it first (keep theirs), or the subject was erased.
        self._cache.pop(subject, None)
        key = self.key(subject)
        if key is None:
            raise ErasedSubjectError(subject)
        return key

    # -- erasing ----------------------------------------------------------------------------------

    def erase(self, subjects: Iterable[UUID]) -> None:
        """Replace each subject's key by a tombstone (even one that had no key yet)."""
        now = datetime.now(UTC).isoformat()
        with self._cursor() as cursor:
            if not self._postgres:
                cursor.execute("PRAGMA secure_delete = ON")
            for subject in subjects:
                cursor.execute(self._sql(
                    f"INSERT INTO {self._table} (subject_id, wrapped_key, erased_at)"  # noqa: S608
                    " VALUES (?, NULL, ?) ON CONFLICT (subject_id)"
                    " DO UPDATE SET wrapped_key = NULL, erased_at = excluded.erased_at"),
                    (str(subject), now))
                self._remember(subject, None)

    def forget(self, subject: UUID) -> None:
        """Drop this process's copy of a key (another process erased the subject)."""
        self._cache.pop(subject, None)

    def is_erased(self, subject: UUID) -> bool:
        row = self._select(subject)
        return row is not None and row[0] is None

    # -- sealing what was derived from personal data ---------------------------------------------

    def seal(self, data: bytes, subjects: Iterable[UUID], binding: bytes,
             ) -> tuple[bytes, list[UUID]] | None:
        """`data` (derived from these subjects' personal data) sealed under a key derived
        from the master key and the data key of each of them that has one, bound to
        `binding`: it opens only while none of those is erased. Returns the sealed bytes
        and the subjects whose keys sealed them; None if one of `subjects` is erased."""
        used: list[UUID] = []
        keys: list[bytes] = []
        for subject in sorted(set(subjects), key=str):
            key = self.key(subject)
            if key is not None:
                used.append(subject)
                keys.append(key)
            elif self.is_erased(subject):  # maybe since `data` was made: it may hold theirs
                return None
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._derived(keys).encrypt(nonce, data, binding), used

    def open(self, sealed: bytes, subjects: Iterable[UUID], binding: bytes) -> bytes | None:
        """What `seal` sealed with these subjects' keys; None once one of them is erased
        (or if the bytes or the binding are not the sealed ones)."""
        keys = [self.key(subject) for subject in subjects]
        if any(key is None for key in keys):
            return None
        try:
            return self._derived(cast(list[bytes], keys)).decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], binding)
        except InvalidTag:
            return None

    def _derived(self, keys: list[bytes]) -> AESGCM:
        secret = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                      info=b"crmhub: sealed by subject keys").derive(self._master_key + b"".join(keys))
        return AESGCM(secret)

    # -- storage ----------------------------------------------------------------------------------

    def _select(self, subject: UUID) -> tuple[bytes | None] | None:
        with self._cursor() as cursor:
            cursor.execute(self._sql(f"SELECT wrapped_key FROM {self._table}"  # noqa: S608
                                     " WHERE subject_id = ?"),
                           (str(subject),))
            row = cursor.fetchone()
        if row is None:
            return None
        value = row["wrapped_key"] if isinstance(row, dict) else row[0]
        return (None if value is None else bytes(value),)

    def _select_many(self, subject_ids: list[str]) -> list[tuple[str, bytes | None]]:
        if self._postgres:
            sql = f"SELECT subject_id, wrapped_key FROM {self._table} WHERE subject_id = ANY(%s)"  # noqa: S608
            params: tuple[Any, ...] = (subject_ids,)
        else:
            marks = ", ".join("?" * len(subject_ids))
            sql = f"SELECT subject_id, wrapped_key FROM {self._table} WHERE subject_id IN ({marks})"  # noqa: S608
            params = tuple(subject_ids)
        with self._cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        pairs = [(row["subject_id"], row["wrapped_key"]) if isinstance(row, dict) else (row[0], row[1])
                 for row in rows]
        return [(subject_id, None if value is None else bytes(value)) for subject_id, value in pairs]

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        if self._datastore is None:
            raise RuntimeError("SubjectKeys.attach() was not called")
        with self._datastore.transaction(commit=True) as cursor:
            yield cursor

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._postgres else sql

    def _remember(self, subject: UUID, key: bytes | None) -> None:
        with self._lock:
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[subject] = key

    def _wrap(self, subject: UUID, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._master.encrypt(nonce, key, subject.bytes)

    def _unwrap(self, subject: UUID, row: tuple[bytes | None]) -> bytes | None:
        wrapped = row[0]
        if wrapped is None:
            return None
        return self._master.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], subject.bytes)
