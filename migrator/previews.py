"""Fix previews: the text a finding's fix writes over a region of the original file.

JSON and SARIF show it; it costs a code generation per finding, so only the outputs that
show it ask for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional

from migrator.model import Location, Replacement
from migrator.rule import Edit, Report

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import CodeRange

Parent = Callable[[Any], Optional[Any]]


def inside(node: Any, ancestor: Any, parent: Parent) -> bool:
    current = node
    while current is not ancestor:
        current = parent(current)
        if current is None:
            return False
    return True


def replacement_target(report: Report, parent: Parent) -> Any:
    """The smallest expression holding all of a finding's own edits (None: beyond a statement)."""
    import libcst as cst

    if report.fix is None:
        return None
    candidate: Any = report.node
    while not all(inside(edit.target, candidate, parent) for edit in report.fix.edits):
        candidate = parent(candidate)
        if candidate is None or isinstance(candidate, (cst.Module, cst.BaseStatement)):
            return None
    return candidate


def region_text(lines: Sequence[str], where: Location) -> str:
    """The original text between 1-based line/column positions (end exclusive)."""
    if where.line == where.end_line:
        return lines[where.line - 1][where.column - 1 : where.end_column - 1]
    parts = [lines[where.line - 1][where.column - 1 :]]
    parts.extend(lines[where.line : where.end_line - 1])
    parts.append(lines[where.end_line - 1][: where.end_column - 1])
    return "".join(parts)


def location_of(where: CodeRange) -> Location:
    return Location(where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)


def replacement(
    candidate: Any,
    edits: Sequence[Edit],
    module: cst.Module,
    lines: Sequence[str],
    parent: Parent,
    positions: Mapping[Any, CodeRange],
    statement: Any,
) -> Optional[Replacement]:
    """The text the fix writes over the smallest expression holding all its edits.

    None when the edits reach beyond one statement (say, a constant defined elsewhere):
    then the finding's own region does not show the fix, and a guess would mislead.
    """
    import libcst as cst

    from migrator.codegen import block_code
    from migrator.fixer import apply_edits_to_node

    if candidate is None:
        return None
    location = location_of(positions[candidate])
    within = [edit for edit in edits if inside(edit.target, candidate, parent)]
    try:
        updated = apply_edits_to_node(candidate, within)
    except Exception:  # the real fix run reports broken fixes; this is only a preview
        return None
    if not isinstance(updated, cst.CSTNode):
        return None
    # The generated code can carry a trailing comma or whitespace that the position
    # leaves out; trim the same tail from the new text, and give up if it is not there.
    first_line = lines[location.line - 1]
    if statement is not None:
        first_line = lines[positions[statement].start.line - 1]
    indent = first_line[: len(first_line) - len(first_line.lstrip(" \t"))]
    old_code, new_code = block_code(module, candidate, indent), block_code(module, updated, indent)
    region = region_text(lines, location)
    if not old_code.startswith(region):
        return None
    tail = old_code[len(region) :]
    if tail and not new_code.endswith(tail):
        return None
    return Replacement(location, new_code[: len(new_code) - len(tail)] if tail else new_code)
