"""The partner schema at `POST /partner/graphql`: each partner feature's queries and
mutations, merged, with the endpoint's security settings.

A feature module adds its `...Query` / `...Mutation` type to `QUERIES` / `MUTATIONS`.

Security settings (a partner is outside the organisation, so it learns nothing of the
schema it was not told): introspection off (`__schema` and `__type` are refused) and no
"Did you mean ...?" in any error; depth, alias and document size limits of their own
(`CRMHUB_PARTNER_MAX_QUERY_DEPTH`, `..._MAX_ALIASES`, `..._MAX_TOKENS`); unexpected
errors masked as INTERNAL; lists of at most 100; no batching. The customer data a
request returned is logged before the response leaves (`RecordDisclosures`).
"""

from __future__ import annotations

import re

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
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
from strawberry.types import ExecutionContext

from api.graphql.errors import CodedSchema, MaskInternalErrors
from api.partner.customers import CustomerQuery
from api.partner.deals import DealMutation, DealQuery
from api.partner.disclosure_log import RecordDisclosures
from api.partner.identity import IdentityQuery
from api.partner.leads import LeadMutation, LeadQuery
from api.partner.notices import NoticeMutation, NoticeQuery
from api.settings import Settings

QUERIES: tuple[type, ...] = (IdentityQuery, CustomerQuery, NoticeQuery, DealQuery, LeadQuery)
MUTATIONS: tuple[type, ...] = (NoticeMutation, DealMutation, LeadMutation)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS) if MUTATIONS else None

#: graphql-core suggests names in several messages (fields, arguments, types, enum
#: values, input fields); strawberry's `disable_field_suggestions` strips only the first.
_SUGGESTION = re.compile(r"\s*Did you mean\b.*$", re.DOTALL)


class PartnerSchema(CodedSchema):
    """Every error the partner sees has a code and suggests no name it did not write
    (`process_errors` sees every error, whatever the phase)."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            error.message = _SUGGESTION.sub("", error.message)
        super().process_errors(errors, execution_context)


def build_partner_schema(settings: Settings) -> strawberry.Schema:
    rules: list[type[ASTValidationRule]] = [
        NoSchemaIntrospectionCustomRule,
        *QueryDepthLimiter(max_depth=settings.partner_max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.partner_max_aliases).validation_rules,
    ]
    return PartnerSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(relay_max_results=100, disable_field_suggestions=True),
        # Factories, so every request gets fresh extensions; the rule classes are built
        # once, so the validation cache (keyed by the rules) keeps hitting.
        extensions=[
            lambda: AddValidationRules(rules),
            lambda: MaxTokensLimiter(max_token_count=settings.partner_max_tokens),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            MaskInternalErrors,
            RecordDisclosures,
        ],
    )
