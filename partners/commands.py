"""Commands for the partner registry: register, update, suspend, reactivate, terminate.

A mixin of `domain.core.HubCore` like the CRM's own commands; `api.store.CrmHub` puts it
together with `domain.hub.Hub`, because `domain` must not import `partners`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from domain.core import HubCore, command, parse_id
from partners.partner import Partner


class PartnerCommands(HubCore):
    @command
    def register_partner(
        self,
        *,
        actor: str,
        name: str,
        kind: str,
        territories: Sequence[str],
        products: Sequence[str],
        capacity: int,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Register an active partner; return its id."""
        partner = Partner.register(name=name, kind=kind, territories=territories,
                                   products=products, capacity=capacity)
        self.commit(partner)
        return partner.id

    @command
    def update_partner(
        self,
        *,
        actor: str,
        partner_id: UUID | str,
        name: str | None = None,
        territories: Sequence[str] | None = None,
        products: Sequence[str] | None = None,
        capacity: int | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        """Change what is given of a partner's profile (not once terminated)."""
        partner = self.partner(partner_id, expected_version=expected_version)
        partner.update(name=name, territories=territories, products=products, capacity=capacity)
        return self.commit(partner)

    @command
    def suspend_partner(self, *, actor: str, partner_id: UUID | str, reason: str,
                        occurred_at: datetime | None = None) -> int:
        """Stop working with an active partner for now, saying why."""
        partner = self.partner(partner_id)
        partner.suspend(reason)
        return self.commit(partner)

    @command
    def reactivate_partner(self, *, actor: str, partner_id: UUID | str,
                           reason: str | None = None, occurred_at: datetime | None = None) -> int:
        """Work with a suspended partner again."""
        partner = self.partner(partner_id)
        partner.reactivate(reason)
        return self.commit(partner)

    @command
    def terminate_partner(self, *, actor: str, partner_id: UUID | str, reason: str,
                          occurred_at: datetime | None = None) -> int:
        """End the relationship with a partner for good, saying why."""
        partner = self.partner(partner_id)
        partner.terminate(reason)
        return self.commit(partner)

    def partner(self, partner_id: UUID | str, *, expected_version: int | None = None) -> Partner:
        """The partner as it stands in the log, or `NotFoundError`."""
        return self.load(Partner, parse_id(partner_id, "partnerId"),
                         expected_version=expected_version)
