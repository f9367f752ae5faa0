"""Every field the GraphQL schema can return has a data category, named in the vocabulary."""

from __future__ import annotations

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType

from api.graphql.data_categories import FIELD_CATEGORIES, ROOT_TYPES
from api.graphql.schema import build_schema
from api.settings import Settings
from privacy.vocabulary import vocabulary

SCHEMA = build_schema(Settings())._schema
TYPES = {name: graphql_type for name, graphql_type in SCHEMA.type_map.items()
         if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType)
         and not name.startswith("__") and name not in ROOT_TYPES}


@pytest.mark.parametrize("type_name", sorted(TYPES))
def test_every_field_of_every_type_is_classified(type_name):
    fields = set(TYPES[type_name].fields)
    classified = set(FIELD_CATEGORIES.get(type_name, {}))
    assert fields - classified == set(), "classify in api/graphql/data_categories.py"
    assert classified - fields == set(), "no longer in the schema: remove"


def test_no_classified_type_is_missing_from_the_schema():
    assert set(FIELD_CATEGORIES) - set(TYPES) == set()


def test_every_category_is_in_the_vocabulary():
    terms = vocabulary()
    for type_name, fields in FIELD_CATEGORIES.items():
        for field_name, category in fields.items():
            terms.category(category, f"{type_name}.{field_name}")  # raises when unknown


def test_personal_fields_are_classified_as_personal():
    """Spot checks of what must never count as operational data."""
    for type_name, field_name in [("Customer", "givenName"), ("Customer", "emails"),
                                  ("Customer", "address"), ("Lead", "phone"),
                                  ("Interaction", "summary"), ("Case", "description"),
                                  ("TimelineEntry", "subject"), ("Purchase", "lines")]:
        assert FIELD_CATEGORIES[type_name][field_name].startswith("user."), (type_name, field_name)
