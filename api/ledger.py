"""The ledger chain wired to the hub's key ring: what `serve`, `project`, the `audit`
commands and `verifyLedger` share.

Checkpoints are signed with the token service's current signing key (its `kid` in the
header) and verified with the public key of the kid they name, from the whole ring:
a key retired long ago still verifies the checkpoints it signed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from joserfc.jwk import ECKey

from api.settings import Settings
from api.tokens import ALGORITHM, TokenService
from domain.hub import Hub
from projections.chain import LedgerChain, LedgerRunner
from projections.checkpoints import CheckpointPolicy
from projections.database import ViewDatabase


def ledger_runner(hub: Hub, views: ViewDatabase, settings: Settings, tokens: TokenService, *,
                  page_size: int = 1000) -> LedgerRunner:
    """The chain's runner, signing checkpoints as the settings say (call `setup()`)."""
    policy = CheckpointPolicy(keys=signing_key(tokens),
                              every_events=settings.ledger_checkpoint_events,
                              every_seconds=settings.ledger_checkpoint_seconds)
    return LedgerRunner(hub, views, LedgerChain(policy), page_size=page_size)


def signing_key(tokens: TokenService) -> Callable[[], tuple[str, Any]]:
    """The key that signs now, and its kid (read from the ring each time: another process
    may have rotated it)."""

    def current() -> tuple[str, Any]:
        key = tokens.signing_key()
        return key.kid, key.key

    return current


def public_keys(tokens: TokenService) -> Callable[[str], ECKey | None]:
    """kid -> the public key of that kid in the ring (retired keys included)."""

    def find(kid: str) -> ECKey | None:
        for attempt in range(2):
            for key in tokens.ring():
                if key.kid == kid:
                    return ECKey.import_key(key.key.as_dict(private=False), {"kid": kid})
            if attempt == 0:
                tokens.signing_key()  # reads the ring again: rotated by another process?
        return None

    return find


def jwks(tokens: TokenService) -> Callable[[set[str]], list[dict[str, Any]]]:
    """The public JWKs (RFC 7517) of the kids asked for, that the ring knows."""
    lookup = public_keys(tokens)

    def keys(kids: set[str]) -> list[dict[str, Any]]:
        found = [(kid, lookup(kid)) for kid in sorted(kids)]
        return [{**key.as_dict(private=False), "kid": kid, "use": "sig", "alg": ALGORITHM}
                for kid, key in found if key is not None]

    return keys
