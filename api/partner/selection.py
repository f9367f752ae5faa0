"""Which fields a query selects below the field being resolved.

A partner is disclosed exactly what it asked for: the resolver reads the selection (with
fragments, and `@skip` / `@include` applied) instead of resolving every field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types.nodes import SelectedField, Selection

#: Field name -> what is selected below it (empty for a leaf).
Tree = dict[str, "Tree"]


def selected(info: Any) -> Tree:
    """The selection of the field being resolved (all its nodes: a field asked twice
    under one response name is resolved once)."""
    tree: Tree = {}
    for node in info.selected_fields:
        _merge(tree, _tree(node.selections))
    return tree


def flattened(tree: Tree, prefix: str = "") -> list[str]:
    """`{"name": {}, "address": {"city": {}}}` -> `["name", "address.city"]`."""
    names: list[str] = []
    for name, below in tree.items():
        names += flattened(below, f"{prefix}{name}.") if below else [f"{prefix}{name}"]
    return names


def _tree(selections: Iterable[Selection]) -> Tree:
    tree: Tree = {}
    for selection in selections:
        if not _included(selection.directives):
            continue
        if isinstance(selection, SelectedField):
            if not selection.name.startswith("__"):
                _merge(tree.setdefault(selection.name, {}), _tree(selection.selections))
        else:  # a fragment: its fields are the field's own
            _merge(tree, _tree(selection.selections))
    return tree


def _merge(into: Tree, tree: Tree) -> None:
    for name, below in tree.items():
        _merge(into.setdefault(name, {}), below)


def _included(directives: dict[str, dict[str, Any]]) -> bool:
    if "skip" in directives and directives["skip"].get("if"):
        return False
    return not ("include" in directives and not directives["include"].get("if"))
