"""DataLoaders: what many rows of one response need, read in one query per request.

A list of cases names each case's customer by id; resolving every case's `customer` on
its own would run a query per row. A loader collects the ids a response asks for and
reads them in one statement. Loaders live on the request's context: nothing is cached
across requests, so no principal sees another's reads and no read outlives its request.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import strawberry
from strawberry.dataloader import DataLoader

from api.graphql.context import Info, read
from api.graphql.customers import LifecycleStage
from domain import customers as model
from projections import customer_queries as queries


@strawberry.type(description="Who a row is about, as the customer directory names them.")
class CustomerRef:
    id: strawberry.ID
    display_name: str
    stage: LifecycleStage
    owner: str | None

    @classmethod
    def of(cls, name: queries.CustomerName) -> CustomerRef:
        return cls(id=strawberry.ID(name.id), display_name=name.display_name,
                   stage=model.LifecycleStage(name.stage), owner=name.owner)


@dataclass(frozen=True)
class Loaders:
    customers: DataLoader[str, CustomerRef | None]


def loaders(info: Info) -> Loaders:
    """This request's loaders, made on first use."""
    context = info.context
    if context.loaders is None:
        context.loaders = Loaders(customers=DataLoader(load_fn=partial(_load_customers, info)))
    return context.loaders


async def _load_customers(info: Info, ids: list[str]) -> list[CustomerRef | None]:
    """One query for every customer the response asks for; None for one the view lacks."""
    found = await read(info, queries.customer_names, info.context.views, ids)
    return [CustomerRef.of(found[i]) if i in found else None for i in ids]
