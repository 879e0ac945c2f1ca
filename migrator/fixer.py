"""Decide which fixes to apply and apply them to the tree in one pass."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


def apply_edits(module: cst.Module, edits: Sequence[Edit]) -> cst.Module:
    if not edits:
        return module
    result = module.visit(_ApplyEdits(edits))
    assert isinstance(result, cst.Module)
    return result


def apply_edits_to_node(node: cst.CSTNode, edits: Sequence[Edit]) -> Any:
    """Apply the edits that fall inside `node` to that node alone (to show a fix's text)."""
    return node.visit(_ApplyEdits(edits))
