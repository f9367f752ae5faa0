"""Signed bearer tokens (JWT, ES256, RFC 9068 claims): internal staff and partners.

On a laptop the first signing key is generated once into the data directory; in
production it comes from `CRMHUB_SIGNING_KEY`. Every key's id (`kid`) is its RFC 7638
thumbprint, and a token's header names the key that signed it.

Once attached to the store (`attach`, done when the app starts), the service keeps its
keys in the store's key ring (`api/token_store.py`): the configured key is the first,
`rotate` makes a new one that signs from then on, and a retired key verifies what it
signed for `key_grace_period` seconds more. Every verification also looks the token's
`jti` up in the revocation list, and a partner token is refused as soon as its partner
is no longer active.

Internal tokens (audience `token_audience`, one of `ROLES`) and partner tokens
(audience `partner_token_audience`, role `partner`, scopes from `PARTNER_SCOPES` and
one consent purpose) never stand in for each other: `verify` accepts only the first,
`verify_partner` only the second.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, GuestProtocol
from joserfc.jwt import JWTClaimsRegistry

from api.settings import Settings, SettingsError, generated_secret
from api.token_store import SigningKey, TokenStore
from domain.errors import InvalidValueError
from partners.tokens import token_id
from privacy.vocabulary import vocabulary

ALGORITHM = "ES256"
ROLES = ("admin", "sales", "service", "marketing", "analytics", "auditor")
PARTNER_ROLE = "partner"
PARTNER_SCOPES = ("leads:read", "leads:write", "deals:read", "deals:write", "customers:read",
                  "feedback:write", "reports:read")
#: The longest lifetime of any token, in seconds.
MAX_TTL = 90 * 24 * 3600
#: How long a process trusts its copy of the key ring before reading it again (seconds);
#: a token naming a key it does not know makes it read the ring at once.
RING_REFRESH = 10.0
#: How far apart the clocks of the processes that issue and verify may be (seconds).
CLOCK_SKEW = 30


class InvalidTokenError(Exception):
    """The bearer token is missing, malformed, forged, expired or revoked."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the subject of a verified token."""

    id: str
    role: str
    token_id: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    partner_id: UUID | None = None
    purpose: str | None = None
    #: A partner token's partner as the log had it when the token was verified: its status
    #: (a suspended or terminated partner may still read and acknowledge its notices) and
    #: its kind (which never changes).
    partner_status: str | None = None
    partner_kind: str | None = None


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


def load_signing_key(settings: Settings) -> ECKey:
    """The ES256 key from settings, else from the data directory (generated once)."""
    if settings.signing_key:
        return _with_kid(ECKey.import_key(settings.signing_key))
    pem = generated_secret(settings.key_file, lambda: new_key_pem().encode())
    return _with_kid(ECKey.import_key(pem))


def new_key_pem() -> str:
    """A fresh ES256 private key in PEM, for `CRMHUB_SIGNING_KEY`."""
    return ECKey.generate_key("P-256").as_pem(private=True).decode()


def _with_kid(key: ECKey) -> ECKey:
    if key.curve_name != "P-256" or not key.is_private:
        raise SettingsError("the signing key must be a private EC P-256 key (ES256)")
    return ECKey.import_key(key.as_dict(private=True), {"kid": key.thumbprint()})


def parse_scopes(scopes: Iterable[str], field: str = "scopes") -> tuple[str, ...]:
    """Partner scopes: at least one, each in `PARTNER_SCOPES`, without repeats."""
    chosen = tuple(dict.fromkeys(scope.strip() for scope in scopes))
    if not chosen:
        raise InvalidValueError(field, f"name at least one scope ({', '.join(PARTNER_SCOPES)})")
    for scope in chosen:
        if scope not in PARTNER_SCOPES:
            raise InvalidValueError(
                field, f"unknown scope {scope!r}; use {', '.join(PARTNER_SCOPES)}")
    return chosen


def parse_ttl(ttl: int | None, default: int, field: str = "ttlSeconds") -> int:
    seconds = default if ttl is None else ttl
    if not 0 < seconds <= MAX_TTL:
        raise InvalidValueError(field, f"must be between 1 and {MAX_TTL} seconds (90 days)")
    return seconds


class TokenService:
    """Issues and verifies the hub's tokens; `clock` (seconds since the epoch) is for tests."""

    def __init__(self, settings: Settings, key: ECKey | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        #: The configured key: the first of the ring, the only one until `attach`.
        self.key = key or load_signing_key(settings)
        self.store: TokenStore | None = None
        #: A partner's (status, kind) (None if unknown), set with `attach`.
        self.partner_standing: Callable[[UUID], tuple[str, str] | None] | None = None
        self._ring = [SigningKey(self.key, created_at=datetime.fromtimestamp(0, UTC))]
        self._read_at = 0.0
        self._lock = threading.Lock()
        common: dict[str, Any] = {
            "iss": {"essential": True, "value": settings.token_issuer},
            "sub": {"essential": True}, "exp": {"essential": True},
            "iat": {"essential": True}, "jti": {"essential": True},
        }
        now = self._now_seconds
        self._internal_claims = JWTClaimsRegistry(
            now=now, leeway=CLOCK_SKEW, **common, aud={"essential": True, "value": settings.token_audience},
            role={"essential": True, "values": list(ROLES)})
        self._partner_claims = JWTClaimsRegistry(
            now=now, leeway=CLOCK_SKEW, **common,
            aud={"essential": True, "value": settings.partner_token_audience},
            role={"essential": True, "value": PARTNER_ROLE},
            partner_id={"essential": True}, scope={"essential": True},
            purpose={"essential": True})

    def attach(self, store: TokenStore,
               partner_standing: Callable[[UUID], tuple[str, str] | None] | None = None) -> None:
        """Keep keys and revocations in `store`; the configured key joins the ring the
        first time (a configured key changed later becomes the new signing key)."""
        self.store = store
        self.partner_standing = partner_standing
        store.add(self.key, at=self.now(), if_absent=True)
        self._read_ring()

    # -- issuing ----------------------------------------------------------------------------

    def issue(self, *, subject: str, role: str, ttl: int | None = None) -> str:
        """A token for an internal principal."""
        return self.issue_internal(subject=subject, role=role, ttl=ttl).token

    def issue_internal(self, *, subject: str, role: str, ttl: int | None = None) -> IssuedToken:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
        if not subject.strip():
            raise ValueError("a token needs a subject (the principal's id)")
        return self._sign({"aud": self.settings.token_audience, "sub": subject, "role": role},
                          ttl or self.settings.token_ttl)

    def issue_partner(self, *, partner_id: UUID, scopes: Iterable[str], purpose: str,
                      ttl: int | None = None) -> IssuedToken:
        """A token for a partner's system: what it may do (`scopes`) and why (`purpose`, a
        consent purpose). Checks its values (`InvalidValueError`), not the partner."""
        chosen = parse_scopes(scopes)
        vocabulary().purpose(purpose, "purpose")
        seconds = parse_ttl(ttl, self.settings.token_ttl)
        return self._sign({"jti": token_id(partner_id),
                           "aud": self.settings.partner_token_audience,
                           "sub": f"partner:{partner_id}", "role": PARTNER_ROLE,
                           "partner_id": str(partner_id), "scope": " ".join(chosen),
                           "purpose": purpose}, seconds)

    def _sign(self, claims: dict[str, Any], ttl: int) -> IssuedToken:
        now = self._now_seconds()
        claims = {"jti": uuid.uuid4().hex, "iss": self.settings.token_issuer, **claims,
                  "iat": now, "exp": now + ttl}
        jti = str(claims["jti"])
        key = self.signing_key()
        header = {"alg": ALGORITHM, "kid": key.kid, "typ": "at+jwt"}
        token = jwt.encode(header, claims, key.key, algorithms=[ALGORITHM])
        return IssuedToken(token=token, jti=jti, expires_at=datetime.fromtimestamp(now + ttl, UTC))

    # -- verifying -------------------------------------------------------------------------

    def verify(self, token: str) -> Principal:
        """The internal principal of `token`, or `InvalidTokenError`."""
        claims = self._decode(token, self._internal_claims)
        return Principal(id=claims["sub"], role=claims["role"], token_id=claims["jti"],
                         scopes=frozenset(str(claims.get("scope", "")).split()))

    def verify_partner(self, token: str) -> Principal:
        """The partner principal of `token`, with its partner's status and kind as the log
        has them now, or `InvalidTokenError` (also for a partner the log does not know).
        What a partner that is not active may still do is `api.partner.auth`'s to say."""
        claims = self._decode(token, self._partner_claims)
        try:
            partner_id = UUID(str(claims["partner_id"]))
            scopes = parse_scopes(str(claims["scope"]).split(), "scope")
            purpose = vocabulary().purpose(str(claims["purpose"]), "purpose")
        except (ValueError, InvalidValueError) as error:
            raise InvalidTokenError(f"invalid token: {error}") from None
        if claims["sub"] != f"partner:{partner_id}":
            raise InvalidTokenError("invalid token: its subject is not its partner")
        standing = self.partner_standing(partner_id) if self.partner_standing else None
        if self.partner_standing and standing is None:
            raise InvalidTokenError("invalid token: its partner is unknown")
        status, kind = standing or (None, None)
        return Principal(id=claims["sub"], role=PARTNER_ROLE, token_id=claims["jti"],
                         scopes=frozenset(scopes), partner_id=partner_id, purpose=purpose,
                         partner_status=status, partner_kind=kind)

    def _decode(self, token: str, registry: JWTClaimsRegistry) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, self._verifying_key, algorithms=[ALGORITHM])
            registry.validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise InvalidTokenError(f"invalid token: {error}") from None
        claims = decoded.claims
        if self.store is not None and self.store.is_revoked(str(claims["jti"])):
            raise InvalidTokenError("invalid token: it was revoked")
        return claims

    def _verifying_key(self, guest: GuestProtocol) -> ECKey:
        kid = guest.headers().get("kid")
        key = self._find(kid)
        if key is None and self.store is not None:
            self._read_ring()  # rotated by another process since we last looked?
            key = self._find(kid)
        if key is None:
            raise InvalidTokenError("invalid token: signed by an unknown key")
        if not key.verifies_at(self.now(), self.grace):
            raise InvalidTokenError("invalid token: signed by a retired key")
        return key.key

    def _find(self, kid: object) -> SigningKey | None:
        return next((key for key in self.ring() if key.kid == kid), None)

    # -- the key ring ----------------------------------------------------------------------

    @property
    def grace(self) -> timedelta:
        return timedelta(seconds=self.settings.key_grace_period)

    def ring(self) -> list[SigningKey]:
        """Every key this process knows, oldest first (read again every few seconds)."""
        if self.store is not None and time.monotonic() - self._read_at > RING_REFRESH:
            self._read_ring()
        return self._ring

    def signing_key(self) -> SigningKey:
        """The newest key not retired (read from the store: another process may have
        rotated)."""
        if self.store is not None:
            self._read_ring()
        live = [key for key in self._ring if key.retired_at is None]
        if not live:
            raise RuntimeError("the key ring has no signing key")
        return live[-1]

    def live_keys(self) -> list[SigningKey]:
        """The keys whose tokens are accepted now: the signing key and those retired
        within the grace period."""
        now = self.now()
        return [key for key in self.ring() if key.verifies_at(now, self.grace)]

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public keys of `live_keys`, as a JSON Web Key Set (RFC 7517)."""
        return {"keys": [{**key.key.as_dict(private=False), "kid": key.kid, "use": "sig",
                          "alg": ALGORITHM} for key in self.live_keys()]}

    def rotate(self) -> SigningKey:
        """Make a new signing key and retire the current one; return the new key."""
        store = self._require_store()
        key = _with_kid(ECKey.generate_key("P-256"))
        store.add(key, at=self.now())
        self._read_ring()
        return next(ring_key for ring_key in self._ring if ring_key.kid == key.kid)

    def revoke(self, jti: str, *, reason: str, expires_at: datetime | None = None) -> bool:
        """Refuse the token `jti` from now on, in every process; False if it was already."""
        now = self.now()
        return self._require_store().revoke(
            jti, reason=reason, at=now, expires_at=expires_at or now + timedelta(seconds=MAX_TTL))

    def _read_ring(self) -> None:
        store = self._require_store()
        with self._lock:
            self._ring = store.keys()
            self._read_at = time.monotonic()

    def _require_store(self) -> TokenStore:
        if self.store is None:
            raise RuntimeError("TokenService.attach() was not called")
        return self.store

    def now(self) -> datetime:
        """The service's clock, as a time in UTC."""
        return datetime.fromtimestamp(self.clock(), UTC)

    def _now_seconds(self) -> int:
        return int(self.clock())
