"""Erasure in the internal schema: `eraseCustomer` (admins only)."""

from __future__ import annotations

from uuid import UUID

import strawberry
from anyio import to_thread
from pydantic import Field

from api.graphql.auth import requires
from api.graphql.context import Info, run_command
from api.graphql.directory import CustomerSummary
from api.graphql.types import InputModel, input_type, validated
from api.permissions import Action
from api.privacy import purge_erased
from domain.errors import NotFoundError
from projections import customer_queries as queries


class EraseCustomerModel(InputModel):
    customer_id: UUID
    expected_version: int | None = Field(default=None, ge=1)


EraseCustomerInput = input_type(EraseCustomerModel, "EraseCustomerInput",
                                customer_id=strawberry.ID)


@strawberry.type
class ErasureMutation:
    @strawberry.mutation(
        extensions=requires(Action.PRIVACY_ERASE),
        description="Erase a customer's personal data everywhere, for good: their data key "
                    "is deleted, so every event and snapshot that held their names, contact "
                    "details or what was written about them becomes unreadable, and the views "
                    "drop their copies. The log stays complete; numbers (purchases, cases, "
                    "stages) stay. Returns the customer as the directory now shows them.")
    async def erase_customer(self, info: Info, input: EraseCustomerInput) -> CustomerSummary:
        data = validated(EraseCustomerModel, input)
        await run_command(info, info.context.hub.erase_customer, customer_id=data.customer_id,
                          expected_version=data.expected_version)
        views, customer_id = info.context.views, str(data.customer_id)
        await to_thread.run_sync(purge_erased, views)
        found = await to_thread.run_sync(queries.customer_summaries, views, [customer_id])
        if customer_id not in found:  # the views lag more than the read-your-writes wait
            raise NotFoundError("customer", customer_id)
        return CustomerSummary.of(found[customer_id])
