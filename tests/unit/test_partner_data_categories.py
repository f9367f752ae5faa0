"""Every field the partner schema can return has a data category, named in the vocabulary."""

from __future__ import annotations

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType

from api.partner.data_categories import PARTNER_FIELD_CATEGORIES, ROOT_TYPES
from api.partner.schema import build_partner_schema
from api.settings import Settings
from privacy.vocabulary import vocabulary

SCHEMA = build_partner_schema(Settings())._schema
TYPES = {name: graphql_type for name, graphql_type in SCHEMA.type_map.items()
         if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType)
         and not name.startswith("__") and name not in ROOT_TYPES}


@pytest.mark.parametrize("type_name", sorted(TYPES))
def test_every_field_of_every_partner_type_is_classified(type_name):
    fields = set(TYPES[type_name].fields)
    classified = set(PARTNER_FIELD_CATEGORIES.get(type_name, {}))
    assert fields - classified == set(), "classify in api/partner/data_categories.py"
    assert classified - fields == set(), "no longer in the partner schema: remove"


def test_no_classified_type_is_missing_from_the_partner_schema():
    assert set(PARTNER_FIELD_CATEGORIES) - set(TYPES) == set()


def test_every_category_is_in_the_vocabulary():
    terms = vocabulary()
    for type_name, fields in PARTNER_FIELD_CATEGORIES.items():
        for field_name, category in fields.items():
            terms.category(category, f"{type_name}.{field_name}")  # raises when unknown


def test_a_customer_s_personal_fields_are_classified_as_personal():
    """Only the id the partner asked by is not about the person."""
    customer = PARTNER_FIELD_CATEGORIES["PartnerCustomer"]
    assert [name for name, category in customer.items() if not category.startswith("user.")] == [
        "id"]


def test_the_partner_schema_has_no_internal_type():
    internal = {"Customer", "Lead", "Opportunity", "Case", "Campaign", "Purchase", "Partner",
                "ConsentGrant", "Interaction", "Customer360"}
    assert internal & set(SCHEMA.type_map) == set()
