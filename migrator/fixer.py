"""Decide which fixes to apply and apply them to the tree in one pass."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Callable, Optional

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Edit, Report


def fix_groups(reports: Sequence[Report]) -> list[list[int]]:
    """Connected components of reports that share a group key (union-find)."""
    parent = list(range(len(reports)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_holder: dict[str, int] = {}
    for index, report in enumerate(reports):
        for key in report.groups:
            if key in first_holder:
                parent[find(index)] = find(first_holder[key])
            else:
                first_holder[key] = index
    components: dict[int, list[int]] = {}
    for index in range(len(reports)):
        components.setdefault(find(index), []).append(index)
    return list(components.values())


def effective_applicability(
    reports: Sequence[Report], blocked: Sequence[bool]
) -> list[Applicability]:
    """The applicability each report shows: the worst of its group.

    A group with one manual member (or one member the user silenced or disabled) cannot be
    fixed at all, because its fixes only make sense together.
    """
    result = [Applicability.NONE] * len(reports)
    for component in fix_groups(reports):
        worst = Applicability.SAFE
        for index in component:
            fix = reports[index].fix
            if fix is None or blocked[index]:
                worst = Applicability.NONE
                break
            if fix.applicability.rank > worst.rank:
                worst = fix.applicability
        for index in component:
            result[index] = worst
    return result


class _ApplyEdits(cst.CSTTransformer):
    def __init__(self, edits: Sequence[Edit]) -> None:
        super().__init__()
        self._edits: dict[int, list[Edit]] = {}
        for edit in edits:
            self._edits.setdefault(id(edit.target), []).append(edit)

    def on_leave(self, original_node: Any, updated_node: Any) -> Any:
        for edit in self._edits.get(id(original_node), ()):
            updated_node = edit.transform(updated_node)
        return updated_node


def apply_edits(
    module: cst.Module,
    edits: Sequence[Edit],
    parent: Optional[Callable[[cst.CSTNode], Optional[cst.CSTNode]]] = None,
    rebuilt: Optional[dict[int, Any]] = None,
) -> cst.Module:
    """The module with the edits applied, inner edits first.

    With `parent` (the module index's), only the nodes on the paths from the root to the
    edited nodes are rebuilt; everything else is shared with the original tree, and
    `rebuilt` (if given) receives what each rebuilt statement became, keyed by the
    original's id. Without it, a LibCST transformer visits the whole tree.
    """
    if not edits:
        return module
    if parent is None:
        result = module.visit(_ApplyEdits(edits))
    else:
        result = _rebuild_paths(module, edits, parent, rebuilt if rebuilt is not None else {})
    assert isinstance(result, cst.Module)
    return result


def _rebuild_paths(
    module: cst.Module,
    edits: Sequence[Edit],
    parent: Callable[[cst.CSTNode], Optional[cst.CSTNode]],
    rebuilt: dict[int, Any],
) -> Any:
    by_target: dict[int, list[Edit]] = {}
    on_path: set[int] = {id(module)}
    for edit in edits:
        by_target.setdefault(id(edit.target), []).append(edit)
        current: Optional[cst.CSTNode] = edit.target
        while current is not None and id(current) not in on_path:
            on_path.add(id(current))
            current = parent(current)
        if current is None:
            raise ValueError("an edit targets a node outside the module")

    def rebuild(node: Any) -> Any:
        changes: dict[str, Any] = {}
        for name in _field_names(type(node)):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                if id(value) in on_path:
                    changes[name] = rebuild(value)
            elif isinstance(value, (list, tuple)) and any(id(item) in on_path for item in value):
                items: list[Any] = []
                for item in value:
                    new = rebuild(item) if id(item) in on_path else item
                    if isinstance(new, cst.FlattenSentinel):
                        items.extend(new.nodes)
                    elif not isinstance(new, cst.RemovalSentinel):
                        items.append(new)
                changes[name] = type(value)(items) if isinstance(value, tuple) else items
        updated = node.with_changes(**changes) if changes else node
        if isinstance(updated, cst.SimpleStatementLine) and not updated.body:
            updated = cst.RemoveFromParent()  # its only statement was removed (as LibCST does)
        else:
            for edit in by_target.get(id(node), ()):
                updated = edit.transform(updated)
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            rebuilt[id(node)] = updated
        return updated

    return rebuild(module)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def apply_edits_to_node(node: cst.CSTNode, edits: Sequence[Edit]) -> Any:
    """Apply the edits that fall inside `node` to that node alone (to show a fix's text)."""
    return node.visit(_ApplyEdits(edits))
