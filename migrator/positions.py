"""Where nodes are: line and column ranges, as LibCST's PositionProvider gives them.

PositionProvider generates the code of the whole module to position every node. The
engine needs a few dozen positions per file, so these passes position only the nodes
asked for: CPython's parser (a tenth of LibCST's cost) says where each statement
starts, most nodes in simple statements take the range CPython recorded for them
(`migrator.native_spans`), and code is generated only for the statements that hold the
others, and only up to the last node wanted in each.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Callable, Optional

import libcst as cst

from migrator.codegen import LineDone, LineState, OffsetState
from migrator.native_spans import native_range

NEWLINE = re.compile(r"\r\n?|\n")


def line_starts(text: str) -> list[int]:
    """The offset where each line of `text` starts (lines end as CPython's do)."""
    return [0] + [match.end() for match in NEWLINE.finditer(text)]


def char_column(line: str, offset: int) -> int:
    """A UTF-8 byte offset into `line` (CPython's columns) in characters (LibCST's)."""
    return offset if line.isascii() else len(line.encode("utf-8")[:offset].decode("utf-8", "replace"))


@dataclass(frozen=True)
class Span:
    """1-based lines, 0-based columns (LibCST's PositionProvider convention)."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


def spans(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, Span]:
    """Positions of the given nodes (keyed by `id(node)`), as PositionProvider computes them."""
    state = OffsetState(default_indent=module.default_indent, default_newline=module.default_newline)
    state.wanted = {id(node) for node in nodes}
    state.generate(module)
    code = "".join(state.tokens)
    starts = line_starts(code)

    def position(offset: int) -> tuple[int, int]:
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1]

    result = {}
    for key in state.wanted:
        if key in state.ranges:
            start, end = state.ranges[key]
            result[key] = Span(*position(start), *position(end))
    return result


def statement_spans(
    module: cst.Module,
    nodes: Iterable[cst.CSTNode],
    parent: Callable[[cst.CSTNode], Optional[cst.CSTNode]],
    source: str,
    *,
    native: Optional[ast.Module] = None,
    starts: Iterable[cst.CSTNode] = (),
) -> Optional[dict[int, Span]]:
    """Like `spans`, generating code only for the statements that hold the nodes.

    CPython's parser (a tenth of LibCST's cost; pass its tree as `native` if it was
    already run on `source`) says where each statement starts and how it is indented;
    the code generated for that one statement, up to the last node wanted in it, then
    places the nodes. A node is placed from the innermost statement CPython placed (a
    simple statement line, or the compound statement whose header holds it), else from
    its top-level statement. The statements in `starts` are asked for their first line
    only, which CPython gives without any code generation: their spans are empty ranges
    at their start. None when the two parsers disagree on the statements (the caller
    falls back to `spans`).
    """
    if native is None:
        try:
            native = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    lines: dict[int, tuple[int, int]] = {}  # id(statement) -> (line, indentation width)
    small: dict[int, Sequence[ast.stmt]] = {}  # id(statement) -> CPython's statements
    if not match_statements(module.body, native.body, lines, small):
        return None
    result: dict[int, Span] = {}
    pending = list(nodes)
    for statement in starts:
        if id(statement) in lines:
            line, width = lines[id(statement)]
            result[id(statement)] = Span(line, width, line, width)
        else:
            pending.append(statement)
    source_lines = NEWLINE.split(source)
    columns = _columns(source, source_lines)
    groups: dict[int, tuple[cst.CSTNode, list[cst.CSTNode]]] = {}
    for node in pending:
        path = _path_to_statement(node, parent, lines)
        if not path:
            return None
        holder = path[0]
        if columns is not None and isinstance(holder, cst.SimpleStatementLine) and id(holder) in small:
            found = native_range(path, small[id(holder)], columns)
            if found is not None:
                result[id(node)] = Span(*found)
                continue
        groups.setdefault(id(holder), (holder, []))[1].append(node)
    for holder, members in groups.values():
        line, width = lines[id(holder)]
        indent = source_lines[line - 1][:width] if line - 1 < len(source_lines) else ""
        if indent.strip():
            return None  # not whitespace: the two parsers disagree on this line
        state = _placing(module, indent, members)
        state.generate(holder)
        if id(holder) not in state.ranges:
            # The members come before the holder's own range opens (a decorator): place
            # the holder too, so its start is known.
            state = _placing(module, indent, [*members, holder])
            state.generate(holder)
        code = "".join(state.tokens)
        breaks = line_starts(code)

        def position(offset: int, breaks: list[int] = breaks) -> tuple[int, int]:
            number = bisect_right(breaks, offset)
            return number, offset - breaks[number - 1]

        if id(holder) not in state.ranges:
            return None
        first_line, first_column = position(state.ranges[id(holder)][0])
        if first_column != width:
            return None
        shift = line - first_line
        for node in members:
            if id(node) not in state.ranges:
                return None
            begin, end = state.ranges[id(node)]
            (start_line, column), (end_line, end_column) = position(begin), position(end)
            result[id(node)] = Span(start_line + shift, column, end_line + shift, end_column)
    return result


def _placing(module: cst.Module, indent: str, nodes: Iterable[cst.CSTNode]) -> OffsetState:
    state = OffsetState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        indent_tokens=[indent] if indent else [],
    )
    state.wanted = {id(node) for node in nodes}
    return state


def _path_to_statement(
    node: cst.CSTNode,
    parent: Callable[[cst.CSTNode], Optional[cst.CSTNode]],
    lines: dict[int, tuple[int, int]],
) -> list[cst.CSTNode]:
    """The nodes from the statement that holds `node` down to `node` (empty: none).

    The holder is the innermost statement around `node` that CPython placed, else the
    top-level one. An `elif` is not a holder: alone, it would print as `if`, two
    columns short.
    """
    path: list[cst.CSTNode] = []
    current: Optional[cst.CSTNode] = node
    top = 0  # the length of `path` when it reached a top-level statement
    while current is not None:
        path.append(current)
        above = parent(current)
        if id(current) in lines and not (isinstance(current, cst.If) and isinstance(above, cst.If)):
            path.reverse()
            return path
        if isinstance(above, cst.Module):
            top = len(path)
        current = above
    if not top or id(path[top - 1]) not in lines:
        return []
    del path[top:]
    path.reverse()
    return path


def _columns(source: str, lines: Sequence[str]) -> Optional[Callable[[int, int], int]]:
    """CPython counts columns in UTF-8 bytes, LibCST in characters: the conversion."""
    if source.startswith("\ufeff"):
        return None  # CPython's first line starts after the byte order mark, LibCST's at it
    if source.isascii():
        return lambda line, offset: offset

    def column(line: int, offset: int) -> int:
        return char_column(lines[line - 1] if line - 1 < len(lines) else "", offset)

    return column


def match_statements(
    statements: Sequence[cst.BaseStatement],
    nodes: Sequence[Any],
    lines: dict[int, tuple[int, int]],
    small: dict[int, Sequence[ast.stmt]],
) -> bool:
    """Walk LibCST's and CPython's statement lists side by side, noting where each
    LibCST statement starts and CPython's statements for it (several for a simple
    statement line). False when they do not line up."""

    position = 0
    for statement in statements:
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        if position + count > len(nodes):
            return False
        first = nodes[position]
        lines[id(statement)] = (first.lineno, first.col_offset)
        small[id(statement)] = nodes[position : position + count]
        if not isinstance(statement, cst.SimpleStatementLine):
            for body, ast_body in _bodies(statement, first):
                if not match_statements(body, ast_body, lines, small):
                    return False
        position += count
    return position == len(nodes)


def _bodies(statement: cst.BaseStatement, node: Any) -> Iterator[tuple[Sequence[cst.BaseStatement], Sequence[Any]]]:
    """Pairs of (LibCST, CPython) statement lists inside a compound statement. Shapes not
    listed here are simply not descended into (their lines fall back to the top level)."""

    def block(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
        return suite.body if isinstance(suite, cst.IndentedBlock) else ()

    if isinstance(statement, (cst.FunctionDef, cst.ClassDef, cst.With)) and isinstance(
        node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With, ast.AsyncWith)
    ):
        if isinstance(statement.body, cst.IndentedBlock):
            yield block(statement.body), node.body
    elif isinstance(statement, (cst.For, cst.While)) and isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
        if isinstance(statement.body, cst.IndentedBlock):
            yield block(statement.body), node.body
        if statement.orelse is not None and isinstance(statement.orelse.body, cst.IndentedBlock):
            yield block(statement.orelse.body), node.orelse
    elif isinstance(statement, cst.If) and isinstance(node, ast.If):
        if isinstance(statement.body, cst.IndentedBlock):
            yield block(statement.body), node.body
        orelse = statement.orelse
        if isinstance(orelse, cst.Else) and isinstance(orelse.body, cst.IndentedBlock):
            yield block(orelse.body), node.orelse
        elif isinstance(orelse, cst.If) and len(node.orelse) == 1:
            yield [orelse], node.orelse
    elif isinstance(statement, cst.Try) and isinstance(node, ast.Try):
        if isinstance(statement.body, cst.IndentedBlock):
            yield block(statement.body), node.body
        if len(statement.handlers) == len(node.handlers):
            for handler, ast_handler in zip(statement.handlers, node.handlers):
                if isinstance(handler.body, cst.IndentedBlock):
                    yield block(handler.body), ast_handler.body
        if statement.orelse is not None and isinstance(statement.orelse.body, cst.IndentedBlock):
            yield block(statement.orelse.body), node.orelse
        if statement.finalbody is not None and isinstance(statement.finalbody.body, cst.IndentedBlock):
            yield block(statement.finalbody.body), node.finalbody


@dataclass(frozen=True)
class LineContext:
    """A node's code as it reads in the file, with the rest of its first and last lines."""

    before: str  # the text of the node's first line before it
    code: str  # the node's code, continuation lines indented as in the file
    after: str  # the text of its last line after it
    indent: str  # the indentation of the block that holds it


def line_context(
    module: cst.Module, node: cst.CSTNode, parent: Callable[[cst.CSTNode], Optional[cst.CSTNode]]
) -> Optional[LineContext]:
    """Where `node` sits on its lines, from the code of the statement that holds it alone
    (not the module): what a fix needs to judge the width of the lines it rewrites.

    None when `node` is not inside a statement of `module`.
    """
    statement: Optional[cst.CSTNode] = None
    indent: list[str] = []
    current = parent(node)
    while current is not None:
        if statement is None and isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            statement = current
        elif statement is not None and isinstance(current, cst.IndentedBlock):
            indent.append(module.default_indent if current.indent is None else current.indent)
        current = parent(current)
    if statement is None:
        return None
    block = "".join(reversed(indent))
    state = LineState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        indent_tokens=[block] if block else [],
    )
    state.wanted = {id(node)}
    with suppress(LineDone):
        statement._codegen(state)
    if id(node) not in state.ranges:
        return None
    start, end = state.ranges[id(node)]
    code = "".join(state.tokens)
    line_start = max(code.rfind("\n", 0, start), code.rfind("\r", 0, start)) + 1
    return LineContext(code[line_start:start], code[start:end], code[end:], block)
