"""`crmhub token ...`: issue staff and partner tokens, rotate the signing key, revoke a
token, list the keys. Registered on `api.cli`'s `token` group when that module loads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from api.cli import _cli_actor, _table, err, open_hub, parse_duration, settings, token_app
from api.partner_tokens import issue_partner_token, revoke_token
from api.settings import Settings
from api.store import CrmHub
from api.token_store import attach_tokens
from api.tokens import MAX_TTL, PARTNER_SCOPES, ROLES, TokenService, new_key_pem
from domain.errors import DomainError, InvalidValueError

_ACTOR = "Who does it, for the record [default: cli:<your user name>]."


@contextmanager
def attached(config: Settings) -> Iterator[tuple[CrmHub, TokenService]]:
    """The hub and a token service on its key ring and revocation list."""
    hub = open_hub(config)
    try:
        tokens = TokenService(config)
        attach_tokens(tokens, hub)
        yield hub, tokens
    finally:
        hub.close()


def _refused(error: DomainError, hints: dict[str, str]) -> typer.BadParameter:
    """A domain error as a bad parameter (exit code 2), naming the option it is about."""
    field = error.field if isinstance(error, InvalidValueError) else "partnerId"
    message = error.reason if isinstance(error, InvalidValueError) else error.message
    return typer.BadParameter(message, param_hint=hints.get(field))


@token_app.command("issue")
def issue_token(
    role: Annotated[str | None, typer.Option(help=f"A staff token: one of {', '.join(ROLES)}.")] = None,
    subject: Annotated[str | None, typer.Option(help="Principal id (default: <role>-cli).")] = None,
    partner: Annotated[str | None, typer.Option(help="A partner token: the partner's id.")] = None,
    scope: Annotated[list[str] | None, typer.Option(
        help=f"With --partner, repeatable: {', '.join(PARTNER_SCOPES)}.")] = None,
    purpose: Annotated[str | None, typer.Option(
        help="With --partner: the consent purpose it reads personal data for.")] = None,
    ttl: Annotated[str, typer.Option(help="Lifetime, e.g. 3600, 15m, 8h, 30d.")] = "1h",
    actor: Annotated[str | None, typer.Option(help=_ACTOR)] = None,
) -> None:
    """Print a signed bearer token: for a staff role (--role), or for a partner's systems
    (--partner with --scope and --purpose; recorded on the partner)."""
    if (role is None) == (partner is None):
        raise typer.BadParameter("give either --role (a staff token) or --partner (a partner "
                                 "token)", param_hint="--role/--partner")
    if role is not None and role not in ROLES:
        raise typer.BadParameter(f"unknown role {role!r}; use one of {', '.join(ROLES)}",
                                 param_hint="--role")
    if role is not None and (scope or purpose):
        raise typer.BadParameter("--scope and --purpose go with --partner", param_hint="--scope")
    seconds = parse_duration(ttl)
    config = settings()
    if seconds > MAX_TTL:
        raise typer.BadParameter("at most 90d", param_hint="--ttl")
    if partner is None:
        assert role is not None
        with attached(config) as (_, tokens):
            typer.echo(tokens.issue(subject=subject or f"{role}-cli", role=role, ttl=seconds))
        return
    if not scope or not purpose:
        raise typer.BadParameter("a partner token needs --scope (one or more) and --purpose",
                                 param_hint="--scope/--purpose")
    with attached(config) as (hub, tokens):
        try:
            issued = issue_partner_token(hub=hub, tokens=tokens, actor=actor or _cli_actor(),
                                         partner_id=partner, scopes=scope, purpose=purpose,
                                         ttl=seconds)
        except DomainError as error:
            raise _refused(error, {"partnerId": "--partner", "scopes": "--scope",
                                   "purpose": "--purpose", "ttlSeconds": "--ttl"}) from None
    typer.echo(issued.issued.token)
    err.print(f"partner token {issued.issued.jti} ({' '.join(issued.scopes)}; {issued.purpose})"
              f" expires {issued.issued.expires_at:%Y-%m-%d %H:%M} UTC")


@token_app.command("rotate-key")
def rotate_key() -> None:
    """Make a new signing key for every process; the old one still verifies the tokens it
    signed for CRMHUB_KEY_GRACE_PERIOD seconds."""
    config = settings()
    with attached(config) as (_, tokens):
        key = tokens.rotate()
    typer.echo(key.kid)
    err.print(f"new signing key {key.kid}; the previous key verifies its tokens for "
              f"{config.key_grace_period} s more")


@token_app.command("revoke")
def revoke(
    jti: Annotated[str, typer.Argument(help="The token's id (its jti claim).")],
    reason: Annotated[str, typer.Option(help="Why, for the record.")],
    actor: Annotated[str | None, typer.Option(help=_ACTOR)] = None,
) -> None:
    """Refuse a token (a partner's or a staff one) from now on, in every process."""
    with attached(settings()) as (hub, tokens):
        try:
            revoked = revoke_token(hub=hub, tokens=tokens, actor=actor or _cli_actor(), jti=jti,
                                   reason=reason)
        except DomainError as error:
            raise _refused(error, {"jti": "JTI", "reason": "--reason", "partnerId": "JTI"}) from None
    owner = f"partner {revoked.partner_id}" if revoked.partner_id else "staff"
    typer.echo(f"token {revoked.jti} ({owner}) revoked at {revoked.revoked_at:%Y-%m-%d %H:%M} UTC")


@token_app.command("keys")
def keys() -> None:
    """List the signing keys: the one that signs, and the retired ones."""
    with attached(settings()) as (_, tokens):
        ring, now, grace = tokens.ring(), tokens.now(), tokens.grace
    table = _table("kid", "created (UTC)", "retired (UTC)", "status", title="signing keys")
    for key in ring:
        if key.retired_at is None:
            status = "signing"
        elif key.verifies_at(now, grace):
            status = f"retired, verifies until {_when(key.retired_at + grace)}"
        else:
            status = "expired"
        table.add_row(key.kid, _when(key.created_at),
                      _when(key.retired_at) if key.retired_at else "", status)
    Console().print(table)


@token_app.command("new-key")
def new_key() -> None:
    """Print a new ES256 private key (PEM) for CRMHUB_SIGNING_KEY."""
    typer.echo(new_key_pem(), nl=False)


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}"
