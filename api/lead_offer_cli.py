"""`crmhub partners ...`: lead distribution from the command line. Registered on
`api.cli`'s `partners` group when that module loads."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli import _cli_actor, caught_up, err, open_hub, partners_app, settings
from api.lead_offers import sweep_lead_offers
from projections.database import ViewDatabase


@partners_app.command("expire-offers")
def expire_offers(
    actor: Annotated[str | None, typer.Option(
        help="Who does it, for the record [default: cli:<your user name>].")] = None,
) -> None:
    """Time out the lead offers past their expiry now, and offer each lead to the next
    eligible partner (what `crmhub serve` does every CRMHUB_LEAD_OFFER_SWEEP seconds)."""
    config = settings()
    hub = open_hub(config)
    views = ViewDatabase.connect(config.database_url, pool_size=1)
    try:
        total = 0
        while True:
            caught_up(hub, views)  # the views know every offer and every partner's load
            timed_out = sweep_lead_offers(hub, views, actor=actor or _cli_actor())
            total += timed_out
            if not timed_out:
                break
        caught_up(hub, views)
        err.print(f"{total} lead offer(s) timed out and moved on")
    finally:
        views.close()
        hub.close()
