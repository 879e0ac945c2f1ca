"""The fixed file's text without generating the code of what the fixes did not touch.

`Module.code` generates the code of every node in the file, a pass as long as a third
of the parse, to change a few lines. Fixes only rebuild the paths to the nodes they
edit (`migrator.fixer`), so every statement outside those paths is the very node the
parser made, and prints as its original text. The new text is the original with the
text of each statement that holds edits (a simple statement line, or a compound
statement when an edit is in its header) replaced by that statement's new code.

Each replacement is proven first: the original statement, generated alone with its
indentation, must print exactly the lines it replaces (its comment lines above, its
decorators, its statements, its trailing comment and newline). Anything else (an edit
to the module itself, a statement removed, comments the lines do not account for, a
disagreement between the parsers) answers None, and the caller generates the whole
module as before.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable, Optional, Union

import libcst as cst

from migrator.codegen import statement_code
from migrator.positions import char_column, line_starts, match_statements
from migrator.rule import Edit

# The test suite sets this to compare every splice with the whole module's code.
CHECK_SPLICES = os.environ.get("MIGRATOR_CHECK_SPLICES") == "1"

Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]

# How much of a statement a unit replaces.
LINE = "line"  # a simple statement line, with its comment lines above
HEADER = "header"  # a compound statement up to its body (decorators and comments above too)
WHOLE = "whole"  # a compound statement with everything in it

_BLANK_OR_COMMENT = re.compile(r"[ \t]*(#[^\r\n]*)?(\r\n?|\n)?")
_LINE_END = re.compile(r"[ \t]*(;[ \t]*)?(#[^\r\n]*)?(\r\n?|\n)?")


@dataclass(frozen=True)
class Unit:
    """A statement of the original tree that holds edits, how much of it to replace, and
    what the fixes made of it."""

    statement: Statement
    mode: str
    new: object = None


def spliced_code(module: cst.Module, text: str, units: Sequence[Unit], native: Optional[ast.Module]) -> Optional[str]:
    """`updated.code`, from the original `text` of `module` and the units that hold the
    edits (`changed_units`, with what each statement became)."""
    if native is None:
        try:
            native = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    lines: dict[int, tuple[int, int]] = {}
    small: dict[int, Sequence[ast.stmt]] = {}
    if not match_statements(module.body, native.body, lines, small):
        return None
    starts = line_starts(text)
    if starts[-1] != len(text):
        starts.append(len(text))  # the last line has no newline
    pieces: list[tuple[int, int, str]] = []
    for unit in units:
        piece = _piece(module, text, unit, lines, small, starts)
        if piece is None:
            return None
        pieces.append(piece)
    pieces.sort()
    out: list[str] = []
    at = 0
    for begin, end, code in pieces:
        if begin < at:
            return None  # overlapping: not separate statements
        out += (text[at:begin], code)
        at = end
    out.append(text[at:])
    return "".join(out)


def _piece(
    module: cst.Module,
    text: str,
    unit: Unit,
    lines: dict[int, tuple[int, int]],
    small: dict[int, Sequence[ast.stmt]],
    starts: list[int],
) -> Optional[tuple[int, int, str]]:
    """(start, end, new code) of the text one unit replaces; None if it cannot be proven."""
    original, new = unit.statement, unit.new
    if type(new) is not type(original) or id(original) not in small:
        return None  # removed, or CPython disagrees
    assert isinstance(new, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    first_line, width = lines[id(original)]
    natives = small[id(original)]
    decorators = getattr(natives[0], "decorator_list", None)
    top = (decorators[0].lineno if decorators else first_line) - len(original.leading_lines)
    last_line = natives[-1].end_lineno
    if last_line is None or top < 1 or last_line >= len(starts):
        return None
    begin = starts[top - 1]
    indent = text[starts[first_line - 1] : starts[first_line - 1] + width]
    if indent.strip(" \t"):
        return None  # not plain indentation: the parsers disagree, or form feeds
    if unit.mode == HEADER:
        before = statement_code(module, original, indent, stop=_body(original))
        if not text.startswith(before, begin):
            return None
        return begin, begin + len(before), statement_code(module, new, indent, stop=_body(new))
    end = starts[last_line]
    # The module drops the newline of its last line when the file has none.
    last = end == len(text) and not module.has_trailing_newline
    if unit.mode == LINE:
        # A simple statement line prints as its comment lines above (one line each), then
        # its lines from CPython's first to last: no need to generate it to know that,
        # unless a backslash carries its end (`;`, comment, newline) on to another line.
        above = range(top, first_line)
        if any(_BLANK_OR_COMMENT.fullmatch(text, starts[n - 1], starts[n]) is None for n in above):
            return None
        last_text = text[starts[last_line - 1] : end]
        end_column = natives[-1].end_col_offset
        if end_column is None or _LINE_END.fullmatch(last_text, char_column(last_text, end_column)) is None:
            return None
    elif statement_code(module, original, indent, last=last) != text[begin:end]:
        return None
    return begin, end, statement_code(module, new, indent, last=last)


def _body(statement: cst.CSTNode) -> Optional[cst.CSTNode]:
    """Where a compound statement's header ends."""
    if isinstance(statement, cst.Match):
        return statement.cases[0] if statement.cases else None
    body = getattr(statement, "body", None)
    return body if isinstance(body, cst.CSTNode) else None


# Fields of compound statements that are not their header.
_NOT_HEADER = frozenset({"body", "orelse", "handlers", "finalbody", "cases"})


def _holds(field: object, node: cst.CSTNode) -> bool:
    """Whether a field is `node`, or a sequence of nodes (`except` clauses, `case`s) with it."""
    if isinstance(field, (list, tuple)):
        return any(item is node for item in field)
    return field is node


def changed_units(edits: Sequence[Edit], parent: Callable[[cst.CSTNode], Optional[cst.CSTNode]]) -> Optional[list[Unit]]:
    """The statements that hold the edits, each with how much of it the edits touch;
    None if an edit is to the module itself."""
    modes: dict[int, tuple[Statement, str]] = {}
    for edit in edits:
        current: Optional[cst.CSTNode] = edit.target
        below: Optional[cst.CSTNode] = None
        while current is not None and not isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            below, current = current, parent(current)
        if not isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return None
        if isinstance(current, cst.SimpleStatementLine):
            mode = LINE
        elif below is not None and not any(_holds(getattr(current, name, None), below) for name in _NOT_HEADER):
            mode = HEADER
        else:
            mode = WHOLE  # an `except` clause, a one-line body after the colon, ...
        # An `elif` prints as `if` alone: the whole `if` statement is the unit.
        while isinstance(current, cst.If) and isinstance(parent(current), cst.If):
            above = parent(current)
            assert isinstance(above, cst.If)
            current, mode = above, WHOLE
        known = modes.get(id(current))
        if known is None or known[1] != WHOLE:
            modes[id(current)] = (current, mode)
    units = []
    for statement, mode in modes.values():
        # What a whole statement replaces already holds the units inside it.
        above = parent(statement)
        while above is not None and modes.get(id(above), (None, ""))[1] != WHOLE:
            above = parent(above)
        if above is None:
            units.append(Unit(statement, mode))
    return units
