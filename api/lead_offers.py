"""Lead offers that lapse without anyone asking: the sweep.

`crmhub serve` sweeps every `CRMHUB_LEAD_OFFER_SWEEP` seconds (0: never, `api.periodic`);
`crmhub partners expire-offers` and the admin mutation `expireLeadOffers` run one sweep.
A sweep reads the offers past their expiry and every partner's load from the PRM view,
and the hub records each time-out and offers the lead to the next eligible partner
(`LeadOfferCommands.expire_lead_offers`). Several processes may sweep at once: a lead
another one moved on meanwhile is skipped, not recorded twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.store import CrmHub
from projections.database import ViewDatabase
from projections.prm_queries import due_offers, partner_candidates

#: The actor of the time-outs nobody asked for.
SWEEPER = "system:lead-offers"
BATCH = 500


def window(seconds: int | None, default: int) -> timedelta:
    """The acceptance window an offer asks for, or the configured one."""
    return timedelta(seconds=default if seconds is None else seconds)


def sweep_lead_offers(hub: CrmHub, views: ViewDatabase, *, actor: str = SWEEPER,
                      at: datetime | None = None) -> int:
    """Time out (and move on) up to `BATCH` offers past their expiry; return how many."""
    due = due_offers(views, at or datetime.now(UTC), limit=BATCH)
    if not due:
        return 0
    return hub.expire_lead_offers(actor=actor, due=due, candidates=partner_candidates(views))
