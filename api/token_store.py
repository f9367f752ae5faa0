"""The token service's two tables, kept in the store's own database.

`crmhub_signing_keys` is the key ring: every signing key (its private key in PEM, wrapped
with the master key by AES-GCM, like the data keys of `privacy/keys.py`), when it was
made and when it was retired. The newest key not retired signs; a retired key still
verifies the tokens it signed until its grace period ends. Every process of a deployment
reads the same ring, so a rotation done by one is seen by all.

`crmhub_revoked_tokens` lists the token ids (`jti`) refused before they expire; every
verification looks its token up by primary key, so a revocation takes effect at once in
every process. Rows can be purged once `expires_at` has passed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc.jwk import ECKey

from domain.errors import NotFoundError
from domain.storage import lock_schema_changes
from privacy.erasure import MASTER_KEY

if TYPE_CHECKING:
    from uuid import UUID

    from api.store import CrmHub
    from api.tokens import TokenService

KEYS_TABLE = "crmhub_signing_keys"
REVOKED_TABLE = "crmhub_revoked_tokens"
NONCE_BYTES = 12


@dataclass(frozen=True)
class SigningKey:
    """One key of the ring; `retired_at` is None for a key that may still sign."""

    key: ECKey
    created_at: datetime
    retired_at: datetime | None = None

    @property
    def kid(self) -> str:
        return str(self.key.kid)

    def verifies_at(self, at: datetime, grace: timedelta) -> bool:
        """Whether tokens it signed are still accepted at `at`."""
        return self.retired_at is None or at < self.retired_at + grace


@dataclass(frozen=True)
class Revocation:
    jti: str
    revoked_at: datetime
    expires_at: datetime
    reason: str


class TokenStore:
    """The key ring and the revocation list, in the event store's database."""

    def __init__(self, datastore: Any, *, postgres: bool, master_key: bytes,
                 schema: str | None = None) -> None:
        self._datastore = datastore
        self._postgres = postgres
        self._master = AESGCM(master_key)
        prefix = f'"{schema}".' if postgres and schema else ""
        self._keys = prefix + KEYS_TABLE
        self._revoked = prefix + REVOKED_TABLE
        blob = "BYTEA" if postgres else "BLOB"
        with self._cursor() as cursor:
            if postgres:
                lock_schema_changes(cursor, schema, "tokens")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {self._keys} (kid TEXT PRIMARY KEY,"
                           f" wrapped_pem {blob} NOT NULL, created_at TEXT NOT NULL,"
                           " retired_at TEXT)")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {self._revoked} (jti TEXT PRIMARY KEY,"
                           " revoked_at TEXT NOT NULL, expires_at TEXT NOT NULL,"
                           " reason TEXT NOT NULL)")

    @classmethod
    def of_hub(cls, hub: CrmHub) -> TokenStore:
        """The tables beside the hub's events, wrapped with the hub's master key."""
        return cls(hub.recorder.datastore,  # type: ignore[attr-defined]
                   postgres=hub.on_postgres,
                   master_key=bytes.fromhex(hub.env[MASTER_KEY]),
                   schema=hub.env.get("POSTGRES_SCHEMA") or None)

    # -- the key ring --------------------------------------------------------------------

    def keys(self) -> list[SigningKey]:
        """Every key, oldest first."""
        with self._cursor(commit=False) as cursor:
            cursor.execute(f"SELECT kid, wrapped_pem, created_at, retired_at"  # noqa: S608
                           f" FROM {self._keys} ORDER BY created_at, kid")
            rows = cursor.fetchall()
        return [SigningKey(self._unwrap(row["kid"], bytes(row["wrapped_pem"])),
                           created_at=datetime.fromisoformat(row["created_at"]),
                           retired_at=_time(row["retired_at"]))
                for row in rows]

    def add(self, key: ECKey, *, at: datetime, if_absent: bool = False) -> bool:
        """Make `key` the signing key, retiring every other live key at `at`; with
        `if_absent`, do nothing when the ring holds it already (live or retired).
        Return whether it was added."""
        kid = str(key.kid)
        with self._cursor() as cursor:
            if self._postgres:
                # One rotation at a time: a second one waits, then sees the first's key and
                # retires it, so the ring never holds two live keys. (SQLite has one writer.)
                cursor.execute(f"LOCK TABLE {self._keys} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(self._sql(f"INSERT INTO {self._keys} (kid, wrapped_pem, created_at)"  # noqa: S608
                                     " VALUES (?, ?, ?) ON CONFLICT (kid) DO NOTHING"
                                     " RETURNING kid"),
                           (kid, self._wrap(key), at.isoformat()))
            added = cursor.fetchone() is not None
            if not added and if_absent:
                return False
            cursor.execute(self._sql(f"UPDATE {self._keys} SET retired_at = ?"  # noqa: S608
                                     " WHERE retired_at IS NULL AND kid <> ?"),
                           (at.isoformat(), kid))
        return added

    # -- revocation ------------------------------------------------------------------------

    def revoke(self, jti: str, *, reason: str, at: datetime, expires_at: datetime) -> bool:
        """Refuse the token `jti` from now on; False if it was revoked already."""
        with self._cursor() as cursor:
            cursor.execute(self._sql(f"INSERT INTO {self._revoked}"  # noqa: S608
                                     " (jti, revoked_at, expires_at, reason) VALUES (?, ?, ?, ?)"
                                     " ON CONFLICT (jti) DO NOTHING RETURNING jti"),
                           (jti, at.isoformat(), expires_at.isoformat(), reason))
            return cursor.fetchone() is not None

    def revocation(self, jti: str) -> Revocation | None:
        with self._cursor(commit=False) as cursor:
            cursor.execute(self._sql(f"SELECT jti, revoked_at, expires_at, reason"  # noqa: S608
                                     f" FROM {self._revoked} WHERE jti = ?"), (jti,))
            row = cursor.fetchone()
        if row is None:
            return None
        return Revocation(jti=row["jti"], revoked_at=datetime.fromisoformat(row["revoked_at"]),
                          expires_at=datetime.fromisoformat(row["expires_at"]),
                          reason=row["reason"])

    def is_revoked(self, jti: str) -> bool:
        with self._cursor(commit=False) as cursor:
            cursor.execute(self._sql(f"SELECT 1 FROM {self._revoked} WHERE jti = ?"),  # noqa: S608
                           (jti,))
            return cursor.fetchone() is not None

    def purge_revocations(self, *, before: datetime) -> int:
        """Forget revocations of tokens that expired before `before` (they fail anyway)."""
        with self._cursor() as cursor:
            cursor.execute(self._sql(f"DELETE FROM {self._revoked} WHERE expires_at < ?"  # noqa: S608
                                     " RETURNING jti"), (before.isoformat(),))
            return len(cursor.fetchall())

    # -- storage ---------------------------------------------------------------------------

    @contextmanager
    def _cursor(self, *, commit: bool = True) -> Iterator[Any]:
        """A transaction; a reading one (`commit=False`) waits for no writer on SQLite."""
        with self._datastore.transaction(commit=commit) as cursor:
            yield cursor

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._postgres else sql

    def _wrap(self, key: ECKey) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        pem = key.as_pem(private=True)
        return nonce + self._master.encrypt(nonce, pem, str(key.kid).encode())

    def _unwrap(self, kid: str, wrapped: bytes) -> ECKey:
        pem = self._master.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], kid.encode())
        return ECKey.import_key(pem, {"kid": kid})


def attach_tokens(tokens: TokenService, hub: CrmHub) -> None:
    """Keep `tokens`' keys and revocations beside `hub`'s events, and give each partner
    principal its partner's status and kind (read from the log on every verification)."""

    def partner_standing(partner_id: UUID) -> tuple[str, str] | None:
        try:
            partner = hub.partner(partner_id)
        except NotFoundError:
            return None
        return partner.status, partner.kind

    tokens.attach(TokenStore.of_hub(hub), partner_standing)


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)
