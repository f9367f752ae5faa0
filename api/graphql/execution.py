"""Completing plain leaf fields without graphql-core's per-field machinery.

graphql-core completes every field the same way: it looks the field up, builds a
`GraphQLResolveInfo` (Strawberry's, with the operation's context), collects the
arguments, calls the resolver, checks whether the result is awaitable, then completes
it by its type. For a leaf field on Strawberry's default resolver (an attribute of a
read-model object, no arguments, no field extension or permission) the only steps that
matter are the attribute and the scalar's or enum's output coercion. A 200-entry
timeline page asks for some 3,000 such fields; the full path costs about 12 µs each,
most of a customer 360's time. Even Strawberry's default resolver is four calls deep
(the basic-field wrapper, `get_result`, its `python_name` property, `getattr`), and its
enum types find a member's name by scanning the values: the short path reads the
attribute with one `operator.attrgetter` and maps a member to its name with a dict.

`LeafExecutionContext` takes the short path for exactly those fields and only when no
extension wraps resolvers (no middleware); an object whose fields are all such (a
timeline entry) is completed in one loop, without a path or an awaitable check per
field, and a plain field holding an object (an edge's node) without resolve info or
the resolver's wrappers. Anything else — a null where the type forbids one, a value the scalar refuses, an
awaitable — goes the ordinary way, which then raises the ordinary error at the ordinary
path: the short path gives the same results and the same errors, only sooner.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from operator import attrgetter
from typing import Any

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter

#: (output coercion, attribute getter, may be null) for a field the short path may take,
#: None for any other. The coercion returns None or `Undefined` where the ordinary path is
#: to decide.
_Plan = tuple[Callable[[Any], Any], Callable[[Any], Any], bool] | None
#: (attribute getter, object type, the field's type) for a plain field holding an object.
_Link = tuple[Callable[[Any], Any], GraphQLObjectType, Any] | None


class LeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._short = manager is None or not manager.middlewares
        #: (type, field) -> its plan if a plain leaf, its link if a plain object field.
        self._fields: dict[tuple[str, str], tuple[_Plan, _Link]] = {}
        #: id(grouped fields) -> (them, each one's plan, or None if any field has none).
        self._objects: dict[int, tuple[Any, list[tuple[str, Any]] | None]] = {}

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any,
                       path: Path | None, grouped_field_set: Any, position_context: Any) -> Any:
        """An object whose fields all have a plan is completed in one loop (no path, no
        awaitable check per field); any value a plan cannot take sends the whole object
        the ordinary way (reading an attribute twice changes nothing)."""
        plans = self._object_plans(parent_type, grouped_field_set) if self._short else None
        if plans is not None:
            results: dict[str, Any] = {}
            try:
                for response_name, (coerce, read, nullable) in plans:
                    value = _complete(coerce, read(source_value), nullable)
                    if value is Undefined:
                        break
                    results[response_name] = value
                else:
                    return results
            except Exception:  # noqa: BLE001,S110 - an attribute that would not read
                pass
        return super().execute_fields(parent_type, source_value, path, grouped_field_set,
                                      position_context)

    def execute_field(self, parent_type: GraphQLObjectType, source: Any,
                      field_details_list: Any, path: Path, position_context: Any) -> Any:
        plan, link = self._plain(parent_type, field_details_list) if self._short else _NEITHER
        if plan is not None:
            coerce, read, nullable = plan
            value = _complete(coerce, _read(read, source), nullable)
            if value is not Undefined:
                return value
        elif link is not None:
            read_object, object_type, return_type = link
            value = _read(read_object, source)
            if value is None and not isinstance(return_type, GraphQLNonNull):
                return None
            if value is not None and value is not Undefined and not isinstance(value, Exception) \
                    and not self.is_awaitable(value):
                return self._complete_object(object_type, return_type, field_details_list, path,
                                             value, position_context)
        return super().execute_field(parent_type, source, field_details_list, path,
                                     position_context)

    def _complete_object(self, object_type: GraphQLObjectType, return_type: Any,
                         field_details_list: Any, path: Path, value: Any,
                         position_context: Any) -> Any:
        """`value`'s fields, as graphql-core's `execute_field` completes an object it
        resolved (its errors handled at this field, as there)."""
        try:
            completed = self.collect_and_execute_subfields(object_type, field_details_list,
                                                           path, value, position_context)
        except Exception as raw_error:  # noqa: BLE001 - located and collected, as there
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def awaited() -> Any:
            try:
                return await completed
            except Exception as raw_error:  # noqa: BLE001 - as above
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None

        return awaited()

    def _object_plans(self, parent_type: GraphQLObjectType,
                      grouped_field_set: Any) -> list[tuple[str, Any]] | None:
        known = self._objects.get(id(grouped_field_set))
        if known is not None and known[0] is grouped_field_set:
            return known[1]
        plans: list[tuple[str, Any]] | None = []
        for response_name, field_details_list in grouped_field_set.items():
            plan = self._plain(parent_type, field_details_list)[0]
            if plan is None:
                plans = None
                break
            plans.append((response_name, plan))  # type: ignore[union-attr]
        # (kept with the fields themselves, so that their id is not reused meanwhile)
        self._objects[id(grouped_field_set)] = (grouped_field_set, plans)
        return plans

    def _plain(self, parent_type: GraphQLObjectType, field_details_list: Any) -> tuple[_Plan, _Link]:
        """A plain field's plan (a leaf) or link (an object, such as a connection edge's
        node): asked for once here, no arguments, on Strawberry's default resolver."""
        if len(field_details_list) != 1:
            return _NEITHER
        node = field_details_list[0].node
        key = (parent_type.name, node.name.value)
        if key in self._fields:
            return self._fields[key]
        field = self.schema.get_field(parent_type, key[1])
        found = _NEITHER
        if field is not None and not field.args and not node.arguments \
                and getattr(field.resolve, "_is_default", False):
            nullable = not isinstance(field.type, GraphQLNonNull)
            inner = field.type if nullable else field.type.of_type
            if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
                found = ((_coercion(inner), _reader(field), nullable), None)
            elif isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
                found = (None, (_reader(field), inner, field.type))
        self._fields[key] = found
        return found


_NEITHER: tuple[_Plan, _Link] = (None, None)


def _read(read: Callable[[Any], Any], source: Any) -> Any:
    """The attribute, or `Undefined` if reading it fails (the ordinary path reports it)."""
    try:
        return read(source)
    except Exception:  # noqa: BLE001
        return Undefined


def _complete(coerce: Callable[[Any], Any], value: Any, nullable: bool) -> Any:
    """The value as the ordinary path completes it, or `Undefined`: the ordinary path is
    to decide (and report the error)."""
    if value is None:
        return None if nullable else Undefined
    if value is Undefined:
        return Undefined
    try:
        coerced = coerce(value)
    except Exception:  # noqa: BLE001 - the ordinary path reports it
        return Undefined
    return Undefined if coerced is None else coerced


def _coercion(leaf: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
    if not isinstance(leaf, CustomGraphQLEnumType):
        return leaf.coerce_output_value
    names: dict[Enum, str] = {}
    for member in leaf.wrapped_cls:  # the first name with its value, as Strawberry finds it
        name = next((name for name, value in leaf.values.items() if value.value == member.value),
                    None)
        if name is not None:
            names[member] = name
    return lambda member: names.get(member) if isinstance(member, leaf.wrapped_cls) else None


def _reader(field: Any) -> Callable[[Any], Any]:
    """The attribute Strawberry's default resolver reads, or that resolver itself."""
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is not None and definition.base_resolver is None \
            and definition.default_resolver is getattr and definition.python_name:
        return attrgetter(definition.python_name)
    resolve = field.resolve
    return lambda source: resolve(source, None)
