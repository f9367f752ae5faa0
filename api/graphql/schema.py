"""The internal schema at `POST /graphql`: every feature's queries and mutations."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from api.graphql.as_of import AsOfQuery
from api.graphql.audit_reads import AuditReadQuery, RecordAuditReads
from api.graphql.consent import ConsentMutation, ConsentQuery
from api.graphql.customers import CustomerMutation, CustomerQuery
from api.graphql.deals import DealMutation, DealQuery
from api.graphql.directory import DirectoryQuery
from api.graphql.disclosures import DisclosureQuery
from api.graphql.erasure import ErasureMutation
from api.graphql.errors import CodedSchema, MaskInternalErrors
from api.graphql.history import HistoryQuery
from api.graphql.lead_offers import LeadOfferMutation, LeadOfferQuery
from api.graphql.ledger import LedgerQuery
from api.graphql.marketing import MarketingMutation, MarketingQuery
from api.graphql.marketing_dashboard import MarketingDashboardQuery
from api.graphql.orders import OrderMutation, OrderQuery
from api.graphql.partners import PartnerMutation, PartnerQuery
from api.graphql.sales import SalesMutation, SalesQuery
from api.graphql.sales_dashboard import SalesDashboardQuery
from api.graphql.service import ServiceMutation, ServiceQuery
from api.graphql.service_dashboard import ServiceDashboardQuery
from api.graphql.subject_access import SubjectAccessQuery
from api.graphql.tokens import TokenMutation, TokenQuery
from api.settings import Settings

Query = merge_types("Query", (CustomerQuery, DirectoryQuery, SalesQuery, SalesDashboardQuery, MarketingQuery,
                             MarketingDashboardQuery, ServiceQuery, ServiceDashboardQuery, OrderQuery,
                             ConsentQuery, SubjectAccessQuery, DisclosureQuery, PartnerQuery, TokenQuery,
                             DealQuery, LeadOfferQuery, LedgerQuery, AsOfQuery, HistoryQuery,
                             AuditReadQuery))
Mutation = merge_types("Mutation", (CustomerMutation, SalesMutation, MarketingMutation, ServiceMutation,
                                   OrderMutation, ConsentMutation, ErasureMutation, PartnerMutation,
                                   TokenMutation, DealMutation, LeadOfferMutation))


def build_schema(settings: Settings) -> strawberry.Schema:
    limits = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    return CodedSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(relay_max_results=100),
        # Factories, so every request gets fresh extensions. The limiters' rule classes
        # are built once: a new class per request would miss the validation cache, whose
        # key includes the rules (about 1 ms per request).
        extensions=[
            lambda: AddValidationRules(limits),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            MaskInternalErrors,
            RecordAuditReads,
        ],
    )
