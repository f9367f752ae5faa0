"""Completing plain leaf fields without graphql-core's per-field machinery.

graphql-core completes every field the same way: it looks the field up, builds a
`GraphQLResolveInfo` (Strawberry's, with the operation's context), collects the
arguments, calls the resolver, checks whether the result is awaitable, then completes
it by its type. For a leaf field on Strawberry's default resolver (an attribute of a
read-model object, no arguments, no field extension or permission) the only steps that
matter are the attribute and the scalar's or enum's output coercion. A 200-entry
timeline page asks for some 3,000 such fields; the full path costs about 12 µs each,
most of a customer 360's time.

`LeafExecutionContext` takes the short path for exactly those fields and only when no
extension wraps resolvers (no middleware). Anything else — a null, a value the scalar
refuses, an awaitable — goes the ordinary way, which then raises the ordinary error at
the ordinary path: the short path gives the same results and the same errors, only
sooner.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: (leaf type, resolver) for a field the short path may take, None for any other.
_Plan = tuple[GraphQLScalarType | GraphQLEnumType, Any] | None


class LeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._short = manager is None or not manager.middlewares
        self._plans: dict[tuple[str, str], _Plan] = {}

    def execute_field(self, parent_type: GraphQLObjectType, source: Any,
                      field_details_list: Any, path: Path, position_context: Any) -> Any:
        if self._short and len(field_details_list) == 1:
            node = field_details_list[0].node
            key = (parent_type.name, node.name.value)
            plan = self._plans[key] if key in self._plans else self._plan(key, parent_type, node)
            if plan is not None:
                leaf, resolve = plan
                value = resolve(source, None)
                if value is not None:
                    try:
                        coerced = leaf.coerce_output_value(value)
                    except Exception:  # noqa: BLE001,S110 - the ordinary path reports it
                        coerced = Undefined
                    if coerced is not Undefined and coerced is not None:
                        return coerced
        return super().execute_field(parent_type, source, field_details_list, path,
                                     position_context)

    def _plan(self, key: tuple[str, str], parent_type: GraphQLObjectType, node: Any) -> _Plan:
        field = self.schema.get_field(parent_type, key[1])
        plan: _Plan = None
        if field is not None and not field.args and not node.arguments \
                and getattr(field.resolve, "_is_default", False):
            leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
                plan = (leaf, field.resolve)
        self._plans[key] = plan
        return plan
