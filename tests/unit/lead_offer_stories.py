"""The world of the lead-distribution tests: partners, leads, and the PRM view's loads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from api.store import CrmHub
from projections.database import ViewDatabase
from projections.prm import PrmView
from projections.prm_queries import PartnerCandidate, partner_candidates
from projections.runner import ProjectionRunner

ADMIN = "admin-1"
SALES = "sales-1"
#: A business time three days ago: offers made then have lapsed by now.
THEN = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)


@dataclass
class Desk:
    """The sales desk that distributes leads: the hub, and the PRM view kept current."""

    hub: CrmHub
    views: ViewDatabase
    runner: ProjectionRunner

    def candidates(self) -> list[PartnerCandidate]:
        self.runner.catch_up()
        return partner_candidates(self.views)

    def partner(self, name: str, *, territories: tuple[str, ...] = ("DE", "AT"),
                products: tuple[str, ...] = ("Routers",), capacity: int = 5,
                occurred_at: datetime | None = None) -> UUID:
        return self.hub.register_partner(
            actor=ADMIN, name=name, kind="reseller", territories=list(territories),
            products=list(products), capacity=capacity,
            occurred_at=occurred_at)

    def lead(self, name: str = "Ada", *, qualified: bool = False,
             occurred_at: datetime | None = None) -> UUID:
        lead_id = self.hub.capture_lead(actor=SALES, source="web_form", channel="web",
                                        given_name=name, family_name="Lovelace",
                                        email=f"{name.lower()}@example.com",
                                        occurred_at=occurred_at)
        if qualified:
            self.hub.qualify_lead(actor=SALES, lead_id=lead_id, occurred_at=occurred_at)
        return lead_id

    def distribute(self, lead_id: UUID, *, territory: str = "DE", product: str | None = "routers",
                   **kwargs: Any) -> UUID | None:
        return self.hub.distribute_lead(actor=SALES, lead_id=lead_id, territory=territory,
                                        product=product, candidates=self.candidates(), **kwargs)

    def reject(self, partner_id: UUID, lead_id: UUID, reason: str = "not our market",
               **kwargs: Any) -> int:
        return self.hub.reject_lead_offer(actor=f"partner:{partner_id}", partner_id=partner_id,
                                          lead_id=lead_id, reason=reason,
                                          candidates=self.candidates(), **kwargs)

    def accept(self, partner_id: UUID, lead_id: UUID, **kwargs: Any) -> int:
        return self.hub.accept_lead_offer(actor=f"partner:{partner_id}", partner_id=partner_id,
                                          lead_id=lead_id, **kwargs)

    def holder(self, lead_id: UUID) -> UUID | None:
        """The partner the lead is offered to or held by now."""
        distribution = self.hub.lead_distribution(lead_id)
        current = distribution.current if distribution else None
        return current.partner_id if current and current.status in ("offered", "accepted") \
            else None


@pytest.fixture
def desk(hub: CrmHub, views: ViewDatabase) -> Desk:
    runner = ProjectionRunner(hub, views, [PrmView()])
    runner.setup()
    return Desk(hub=hub, views=views, runner=runner)
