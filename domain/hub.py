"""The hub: one `eventsourcing` application for every aggregate, so one global order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.commands.customers import CustomerCommands
from domain.commands.marketing import MarketingCommands
from domain.commands.orders import OrderCommands
from domain.commands.sales import SalesCommands
from domain.commands.service import ServiceCommands
from domain.customers import Customer
from domain.interactions import Interaction
from domain.marketing import Campaign, CampaignMessage
from domain.orders import Purchase
from domain.sales import Lead, Opportunity, Quote
from domain.service import Case
from domain.storage import store_settings

#: Every aggregate kind the hub saves, in one store with one global order.
AGGREGATES = (Customer, Interaction, Lead, Opportunity, Quote, Case, Campaign,
              CampaignMessage, Purchase)


class Hub(CustomerCommands, SalesCommands, ServiceCommands, MarketingCommands, OrderCommands):
    """Every command of the CRM. Create one per process with `Hub.connect(url)`."""

    name = "crmhub"
    #: Largest page a reader of the notification log may ask for.
    log_section_size = 1000
    # Long-lived aggregates get a snapshot every N events, so loading stays cheap.
    snapshotting_intervals = {Customer: 50, Opportunity: 50, Case: 50, Campaign: 200}
    interaction_links = {
        "case_id": Case,
        "opportunity_id": Opportunity,
        "campaign_id": Campaign,
        "order_id": Purchase,
    }

    @classmethod
    def connect(
        cls, database_url: str, *, recorder_topic: str | None = None,
        env: Mapping[str, str] | None = None, **settings: Any,
    ) -> Hub:
        """Open the store that `database_url` names (creating its tables if needed).

        `recorder_topic` names another application recorder class for the library to
        use (its `APPLICATION_RECORDER_TOPIC`): `api.store.connect_hub` passes its
        PostgreSQL recorder that way, so the domain stays free of the database driver.
        `env` adds settings of the layers composed on top (the privacy master key)."""
        config = {**store_settings(database_url, **settings), **(env or {})}
        config["CREATE_TABLE"] = "y"
        if recorder_topic is not None:
            config["APPLICATION_RECORDER_TOPIC"] = recorder_topic
        return cls(env=config)
