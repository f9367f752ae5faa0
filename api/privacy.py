"""Privacy in the API: the master key every process opens the hub with, what an erasure
needs beyond the hub's command (purging the old bytes of the tables it overwrote), and the
records of `partners` the subject-access export adds; shared by GraphQL and the CLI."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from uuid import UUID

from api.settings import Settings, generated_secret
from domain.base import CrmAggregate
from partners.deals import DealRegistration
from privacy.keys import TABLE as KEYS_TABLE
from projections import prm_deals
from projections.customers import CustomerView
from projections.database import ViewDatabase

#: The tables an erasure overwrites: the data keys, and the only view with personal data.
ERASED_TABLES = (KEYS_TABLE, *CustomerView.tables)


def purge_erased(views: ViewDatabase) -> None:
    """Once the views show an erasure: drop the old row versions from the files."""
    views.purge(ERASED_TABLES)


def load_master_key(settings: Settings) -> bytes:
    """The master key from settings, else from the data directory (generated once)."""
    if settings.master_key:
        return bytes.fromhex(settings.master_key)
    hexdigits = generated_secret(settings.master_key_file, lambda: f"{new_master_key()}\n".encode())
    return bytes.fromhex(hexdigits.decode().strip())


def new_master_key() -> str:
    """A fresh master key, as 64 hex digits for `CRMHUB_MASTER_KEY`."""
    return secrets.token_hex(32)


def partner_records(views: ViewDatabase,
                    customer_id: UUID) -> dict[str, tuple[type[CrmAggregate], Sequence[str]]]:
    """The customer's records kept by `partners`, for the subject-access export (`more`):
    the deals partners registered for them or for the lead they were converted from."""
    return {"partnerDeals": (DealRegistration, prm_deals.deals_for(views, customer_id))}
