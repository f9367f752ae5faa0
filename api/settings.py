"""Settings from the environment (prefix `CRMHUB_`), safe on a laptop, strict in production."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRMHUB_", extra="ignore")

    #: `development` generates what is missing (signing and master keys); `production`
    #: refuses to.
    environment: Literal["development", "production"] = "development"
    #: The store: `sqlite:///crmhub.db` (default, in the current directory) or
    #: `postgresql://user@host:5432/dbname`.
    database_url: str = "sqlite:///crmhub.db"
    #: Where generated secrets live on a laptop (the signing key).
    data_dir: Path = Path(".crmhub")
    #: ES256 private key (PEM). Required in production; generated into data_dir otherwise.
    signing_key: str | None = Field(default=None, repr=False)
    #: The key that wraps every person's data key (64 hex digits). Required in
    #: production; generated into data_dir otherwise. Losing it loses all personal data.
    master_key: str | None = Field(default=None, repr=False, pattern=r"^[0-9a-fA-F]{64}$")
    token_issuer: str = "crmhub"  # noqa: S105 - an issuer name, not a secret
    token_audience: str = "crmhub"  # noqa: S105
    #: The audience of partner tokens: never accepted where staff tokens are, and back.
    partner_token_audience: str = "crmhub-partner"  # noqa: S105
    #: How long a retired signing key still verifies the tokens it signed (seconds).
    key_grace_period: int = Field(default=24 * 3600, ge=0, le=90 * 24 * 3600)
    #: Default lifetime of issued tokens, in seconds.
    token_ttl: int = Field(default=3600, gt=0, le=90 * 24 * 3600)
    #: Connections per pool on PostgreSQL.
    pool_size: int = Field(default=5, ge=1, le=100)
    #: `serve` keeps the views current in-process; turn off when `crmhub project` workers do.
    run_projections: bool = True
    #: How long a mutation waits for the views to show its write (seconds).
    read_your_writes_timeout: float = Field(default=2.0, ge=0, le=60)
    #: The ledger chain signs its head (a checkpoint) every this many chained events, or
    #: when this many seconds passed since the last checkpoint and events were chained.
    ledger_checkpoint_events: int = Field(default=10_000, ge=1)
    ledger_checkpoint_seconds: float = Field(default=3600.0, gt=0)
    #: GraphQL limits, on every endpoint.
    max_query_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=5000, ge=100)
    #: How long a partner has to accept or reject a lead offered to it (seconds).
    lead_offer_window: int = Field(default=48 * 3600, gt=0, le=90 * 24 * 3600)
    #: How often `serve` times out lapsed lead offers and moves them on (seconds; 0: never).
    lead_offer_sweep: float = Field(default=60.0, ge=0)
    #: How often `serve` keeps the replay checkpoints of customers due one (seconds; 0: never).
    replay_checkpoint_sweep: float = Field(default=30.0, ge=0)
    #: The partner endpoint's own, tighter limits (`POST /partner/graphql`).
    partner_max_query_depth: int = Field(default=8, ge=1)
    partner_max_aliases: int = Field(default=15, ge=1)
    partner_max_tokens: int = Field(default=2000, ge=100)
    #: Requests per minute per partner token (its `jti`), and the burst above that rate.
    #: Each process limits on its own: behind N processes a token gets up to N times this.
    partner_rate_limit: int = Field(default=120, ge=1)
    partner_rate_burst: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment == "production":
            if not self.signing_key:
                raise SettingsError(
                    "CRMHUB_SIGNING_KEY is required when CRMHUB_ENVIRONMENT=production "
                    "(an ES256 private key in PEM; `crmhub token new-key` prints one)"
                )
            if not self.master_key:
                raise SettingsError(
                    "CRMHUB_MASTER_KEY is required when CRMHUB_ENVIRONMENT=production "
                    "(64 hex digits; `crmhub privacy new-master-key` prints one)"
                )
            if self.database_url.startswith("sqlite"):
                raise SettingsError(
                    "CRMHUB_DATABASE_URL must name PostgreSQL in production "
                    "(postgresql://user@host:5432/dbname)"
                )
        return self

    @cached_property
    def key_file(self) -> Path:
        return self.data_dir / "signing-key.pem"

    @cached_property
    def master_key_file(self) -> Path:
        return self.data_dir / "master-key.hex"


def generated_secret(path: Path, generate: Callable[[], bytes]) -> bytes:
    """The secret kept in `path`, made by `generate` the first time (readable by its owner
    only). Processes starting together agree on one: each writes its own in full, and the
    first to link it into place wins; the others read the winner's."""
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(generate())
        os.link(draft, path)
    except FileExistsError:
        pass  # another process linked its secret first
    finally:
        os.unlink(draft)
    return path.read_bytes()
