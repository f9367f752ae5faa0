"""The README's GraphQL examples are valid against the schema (names, arguments, types)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import DocumentNode, parse, validate

from api.graphql.schema import build_schema
from api.partner.schema import build_partner_schema
from api.settings import Settings

README = Path(__file__).parents[2] / "README.md"
BLOCKS = re.findall(r"```graphql\n(.*?)```", README.read_text(), flags=re.DOTALL)
OPERATIONS = [definition for block in BLOCKS for definition in parse(block).definitions]
#: Examples for `POST /partner/graphql`, fenced as ```graphql partner.
PARTNER_BLOCKS = re.findall(r"```graphql partner\n(.*?)```", README.read_text(), flags=re.DOTALL)
PARTNER_OPERATIONS = [definition for block in PARTNER_BLOCKS
                      for definition in parse(block).definitions]


def test_the_readme_has_examples():
    assert len(OPERATIONS) >= 20


@pytest.mark.parametrize("operation", OPERATIONS,
                         ids=lambda op: op.selection_set.selections[0].name.value)
def test_every_example_is_valid(operation):
    schema = build_schema(Settings())._schema
    errors = validate(schema, DocumentNode(definitions=(operation,)))
    assert not errors, [error.message for error in errors]


def test_the_readme_has_partner_examples():
    assert len(PARTNER_OPERATIONS) >= 3


@pytest.mark.parametrize("operation", PARTNER_OPERATIONS,
                         ids=lambda op: op.selection_set.selections[0].name.value)
def test_every_partner_example_is_valid_against_the_partner_schema(operation):
    schema = build_partner_schema(Settings())._schema
    errors = validate(schema, DocumentNode(definitions=(operation,)))
    assert not errors, [error.message for error in errors]
