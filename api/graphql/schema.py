"""The internal schema at `POST /graphql`: every feature's queries and mutations."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from api.graphql.customers import CustomerMutation, CustomerQuery
from api.graphql.errors import MaskInternalErrors
from api.graphql.marketing import MarketingMutation, MarketingQuery
from api.graphql.orders import OrderMutation, OrderQuery
from api.graphql.sales import SalesMutation, SalesQuery
from api.graphql.service import ServiceMutation, ServiceQuery
from api.settings import Settings

Query = merge_types("Query", (CustomerQuery, SalesQuery, MarketingQuery, ServiceQuery, OrderQuery))
Mutation = merge_types("Mutation", (CustomerMutation, SalesMutation, MarketingMutation, ServiceMutation,
                                   OrderMutation))


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(relay_max_results=100),
        # Factories, so every request gets fresh extensions; the parser and validation
        # caches live at module level in Strawberry and survive across requests.
        extensions=[
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            MaskInternalErrors,
        ],
    )
