"""Signed bearer tokens (JWT, ES256, RFC 9068 claims) for every principal.

On a laptop the signing key is generated once into the data directory; in production
it comes from `CRMHUB_SIGNING_KEY`. The key id (`kid`) is the key's RFC 7638
thumbprint, so a token names the key that signed it.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from joserfc.jwt import JWTClaimsRegistry

from api.settings import Settings, SettingsError

ALGORITHM = "ES256"
ROLES = ("admin", "sales", "service", "marketing", "analytics", "auditor")


class InvalidTokenError(Exception):
    """The bearer token is missing, malformed, forged or expired."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the subject of a verified token."""

    id: str
    role: str
    token_id: str
    scopes: frozenset[str] = field(default_factory=frozenset)


def load_signing_key(settings: Settings) -> ECKey:
    """The ES256 key from settings, else from the data directory (generated once)."""
    if settings.signing_key:
        return _with_kid(ECKey.import_key(settings.signing_key))
    path = settings.key_file
    if path.exists():
        return _with_kid(ECKey.import_key(path.read_bytes()))
    key = ECKey.generate_key("P-256")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.as_pem(private=True))
    return _with_kid(key)


def new_key_pem() -> str:
    """A fresh ES256 private key in PEM, for `CRMHUB_SIGNING_KEY`."""
    return ECKey.generate_key("P-256").as_pem(private=True).decode()


def _with_kid(key: ECKey) -> ECKey:
    if key.curve_name != "P-256" or not key.is_private:
        raise SettingsError("the signing key must be a private EC P-256 key (ES256)")
    return ECKey.import_key(key.as_dict(private=True), {"kid": key.thumbprint()})


class TokenService:
    """Issues and verifies the hub's tokens with one signing key."""

    def __init__(self, settings: Settings, key: ECKey | None = None) -> None:
        self.settings = settings
        self.key = key or load_signing_key(settings)
        self._claims = JWTClaimsRegistry(
            iss={"essential": True, "value": settings.token_issuer},
            aud={"essential": True, "value": settings.token_audience},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
            role={"essential": True, "values": list(ROLES)},
        )

    def issue(self, *, subject: str, role: str, ttl: int | None = None) -> str:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
        if not subject.strip():
            raise ValueError("a token needs a subject (the principal's id)")
        now = int(time.time())
        claims = {
            "iss": self.settings.token_issuer,
            "aud": self.settings.token_audience,
            "sub": subject,
            "role": role,
            "iat": now,
            "exp": now + (ttl or self.settings.token_ttl),
            "jti": uuid.uuid4().hex,
        }
        header = {"alg": ALGORITHM, "kid": self.key.kid, "typ": "at+jwt"}
        return jwt.encode(header, claims, self.key, algorithms=[ALGORITHM])

    def verify(self, token: str) -> Principal:
        try:
            decoded = jwt.decode(token, self.key, algorithms=[ALGORITHM])
            if decoded.header.get("kid") != self.key.kid:
                raise InvalidTokenError("token signed by an unknown key")
            self._claims.validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise InvalidTokenError(f"invalid token: {error}") from None
        claims = decoded.claims
        return Principal(id=claims["sub"], role=claims["role"], token_id=claims["jti"],
                         scopes=frozenset(str(claims.get("scope", "")).split()))
