"""The short path for leaf fields gives the same data and the same errors as graphql-core's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from enum import Enum
from typing import Any, NewType

import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql.execution import LeafExecutionContext

Picky = NewType("Picky", str)


def _picky(value: str) -> str:
    if value == "refuse":
        raise ValueError("not this one")
    return value.upper()


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Inner:
    label: str
    value: str  # None in some: an error inside an object a plain field holds

    @strawberry.field
    async def later(self) -> str:
        if self.label == "fails":
            raise ValueError("not now")
        return self.label.upper()


@strawberry.type
class Entry:
    name: str
    count: int
    colour: Colour
    note: str | None
    when: datetime
    picky: Picky
    required: str
    code: str = strawberry.field(name="label", default="c")
    inner: Inner = strawberry.field(default_factory=lambda: Inner(label="in", value="v"))
    maybe: Inner | None = None

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


def entry(index: int, **changes: Any) -> Entry:
    values: dict[str, Any] = {
        "name": f"e{index}", "count": index, "colour": Colour.RED if index % 2 else Colour.BLUE,
        "note": None if index % 3 else f"note {index}",
        "when": datetime(2026, 1, 1, index % 24, tzinfo=UTC), "picky": f"p{index}",
        "required": "yes"}
    return Entry(**{**values, **changes})


ENTRIES = [entry(0), entry(1, picky="refuse"), entry(2, required=None), entry(3), entry(4, count="x"),
           entry(5, colour="red"), entry(6, colour="green"), entry(7, code="renamed"),
           entry(8, maybe=Inner(label="m", value="w")), entry(9, maybe=Inner(label="m", value=None)),
           entry(10, inner=Inner(label="i", value=None)), entry(11, maybe=Inner(label="fails", value="x")),
           entry(12, inner="not an Inner")]


@strawberry.type
class Query:
    @strawberry.field
    def entries(self) -> list[Entry]:
        return ENTRIES

    @strawberry.field
    def nullable_entries(self) -> list[Entry | None]:
        return ENTRIES


def run(context: type, query: str) -> tuple[Any, list[tuple[str, list[Any] | None]]]:
    schema = strawberry.Schema(query=Query, execution_context_class=context, config=StrawberryConfig(
        scalar_map={Picky: strawberry.scalar(name="Picky", serialize=_picky, parse_value=str)}))
    result = asyncio.run(schema.execute(query))
    errors = sorted((error.message, error.path) for error in result.errors or [])
    return result.data, errors


@pytest.mark.parametrize("query", [
    "{ nullableEntries { name count colour note when picky required } }",
    "{ entries { name } }",
    "{ nullableEntries { a: name b: name count c: colour __typename shout(times: 2) } }",
    "{ nullableEntries { ... on Entry { name note } required } }",
    "{ entries { name required } }",
    "{ nullableEntries { picky } }",
    "{ nullableEntries { count } }",
    "{ nullableEntries { colour label } }",  # an enum's raw value, a bad one; a renamed field
    "{ nullableEntries { inner { label value } maybe { label value } } }",  # objects, errors in them
    "{ nullableEntries { maybe { later label } } }",  # an awaitable inside one
    "{ nullableEntries { name inner { label } } }",  # a value that is not the object's type
])
def test_the_short_path_answers_as_graphql_core_does(query):
    assert run(LeafExecutionContext, query) == run(StrawberryGraphQLCoreExecutionContext, query)


def test_the_refused_values_are_errors_at_their_paths():
    data, errors = run(LeafExecutionContext, "{ nullableEntries { picky required count } }")
    assert sorted(path for _, path in errors) == [
        ["nullableEntries", 1, "picky"], ["nullableEntries", 2, "required"],
        ["nullableEntries", 4, "count"]]
    assert data["nullableEntries"][0] == {"picky": "P0", "required": "yes", "count": 0}
    assert data["nullableEntries"][1] is None
