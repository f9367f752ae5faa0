"""Commands for customers and their interactions."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from domain.base import CrmAggregate, acting
from domain.core import HubCore, command
from domain.customers import Customer
from domain.errors import InvalidValueError, NotFoundError
from domain.interactions import Interaction, InteractionDraft

#: Most interactions one batch may carry (one transaction).
MAX_BATCH = 5_000


class CustomerCommands(HubCore):
    #: Aggregate kind behind each link field of an interaction; set by `domain.hub.Hub`.
    interaction_links: ClassVar[dict[str, type[CrmAggregate]]] = {}

    @command
    def register_customer(
        self,
        *,
        actor: str,
        kind: str,
        profile: dict[str, Any],
        organisation_id: UUID | str | None = None,
        stage: str = "lead",
        owner: str | None = None,
        tags: Sequence[str] = (),
        external_ids: dict[str, str] | None = None,
        occurred_at: datetime | None = None,
    ) -> UUID:
        """Register a person or an organisation; return its id."""
        organisation = None
        if organisation_id is not None:
            organisation = self.load(Customer, organisation_id)
            if organisation.kind != "organisation":
                raise InvalidValueError("organisationId", f"{organisation.id} is a person")
        customer = Customer.register(
            kind=kind, profile=profile, organisation_id=organisation.id if organisation else None,
            stage=stage, owner=owner, tags=list(tags), external_ids=external_ids or {},
        )
        self.commit(customer)
        return customer.id

    @command
    def update_customer_profile(
        self,
        *,
        actor: str,
        customer_id: UUID | str,
        changes: dict[str, Any],
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        customer = self.load(Customer, customer_id, expected_version=expected_version)
        customer.update_profile(changes)
        return self.commit(customer)

    @command
    def change_customer_stage(
        self,
        *,
        actor: str,
        customer_id: UUID | str,
        stage: str,
        reason: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> int:
        customer = self.load(Customer, customer_id, expected_version=expected_version)
        customer.change_stage(stage, reason)
        return self.commit(customer)

    @command
    def assign_customer_owner(
        self, *, actor: str, customer_id: UUID | str, owner: str,
        occurred_at: datetime | None = None,
    ) -> int:
        customer = self.load(Customer, customer_id)
        customer.assign_owner(owner)
        return self.commit(customer)

    @command
    def tag_customer(
        self,
        *,
        actor: str,
        customer_id: UUID | str,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        occurred_at: datetime | None = None,
    ) -> int:
        customer = self.load(Customer, customer_id)
        customer.change_tags(add=list(add), remove=list(remove))
        return self.commit(customer)

    @command
    def link_external_id(
        self, *, actor: str, customer_id: UUID | str, system: str, external_id: str,
        occurred_at: datetime | None = None,
    ) -> int:
        customer = self.load(Customer, customer_id)
        customer.link_external_id(system, external_id)
        return self.commit(customer)

    # -- interactions ------------------------------------------------------------

    @command
    def record_interaction(
        self, *, actor: str, draft: InteractionDraft, occurred_at: datetime | None = None
    ) -> UUID:
        """Record one interaction; `draft.occurred_at` wins over `occurred_at`."""
        (interaction,) = self._interactions(actor, [draft])
        self.commit(interaction)
        return interaction.id

    @command
    def record_interactions(
        self, *, actor: str, drafts: Sequence[InteractionDraft],
        occurred_at: datetime | None = None,
    ) -> list[UUID]:
        """Batch ingest: all interactions are recorded in one transaction, or none is."""
        if not drafts:
            raise InvalidValueError("interactions", "the batch is empty")
        if len(drafts) > MAX_BATCH:
            raise InvalidValueError("interactions", f"at most {MAX_BATCH} per batch")
        interactions = self._interactions(actor, drafts)
        self.commit(*interactions)
        return [i.id for i in interactions]

    @command
    def correct_interaction(
        self,
        *,
        actor: str,
        interaction_id: UUID | str,
        reason: str,
        changes: dict[str, Any],
        occurred_at: datetime | None = None,
    ) -> int:
        interaction = self.load(Interaction, interaction_id)
        interaction.correct(reason=reason, changes=changes)
        return self.commit(interaction)

    def _interactions(self, actor: str, drafts: Sequence[InteractionDraft]) -> list[Interaction]:
        interactions = []
        for index, draft in enumerate(drafts):
            where = f"interactions[{index}]." if len(drafts) > 1 else ""
            try:
                self.require_customer(draft.customer_id, "customerId")
                for name, linked in draft.links.items():
                    self.require_link(name, linked)
                # Inside the command's own context unless this draft has its own time.
                own_time = acting(actor, draft.occurred_at) if draft.occurred_at else nullcontext()
                with own_time:
                    interactions.append(Interaction.record(draft))
            except InvalidValueError as error:
                raise error.under(where) from None
            except NotFoundError as error:
                if where:
                    raise NotFoundError(error.kind, f"{error.id} ({where.rstrip('.')})") from None
                raise
        return interactions

    def require_link(self, link_field: str, aggregate_id: UUID) -> None:
        """Links from interactions name an existing case, opportunity, campaign or order."""
        self.load(self.interaction_links[link_field], aggregate_id)
