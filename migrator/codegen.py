"""LibCST's code generator, driven directly: the one place that uses its private API.

`libcst._nodes.internal.CodegenState` is what `Module.code` runs on. Positions
(`migrator.positions`), splices (`migrator.splice`) and fix previews need code for part
of a module, as it reads at its place, or offsets noted while generating; LibCST has no
public way to ask for either. The LibCST range in pyproject.toml is the one the tests
prove these subclasses against.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst
from libcst._nodes.internal import CodegenState


def block_code(module: cst.Module, node: cst.CSTNode, indent: str) -> str:
    """A node's code as it reads inside its block.

    `Module.code_for_node` renders continuation lines as if at column 0: LibCST stores
    them relative to the block's indentation, which only the code generator state knows.
    """
    state = CodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        indent_tokens=[indent] if indent else [],
    )
    node._codegen(state)
    return "".join(state.tokens)


class _Stop(Exception):
    pass


@dataclass
class _CutState(CodegenState):
    """Code generation that stops when it reaches `stop` (a compound statement's body)."""

    stop: Optional[cst.CSTNode] = None

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node is self.stop:
            raise _Stop


def statement_code(
    module: cst.Module, statement: cst.CSTNode, indent: str, *, last: bool = False, stop: Optional[cst.CSTNode] = None
) -> str:
    """A statement's code at `indent`, cut before `stop` when given; `last` drops the
    newline LibCST would add after a file's final statement."""
    state = _CutState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        indent_tokens=[indent] if indent else [],
        stop=stop,
    )
    try:
        statement._codegen(state)
    except _Stop:
        return "".join(state.tokens)
    if last:
        state.pop_trailing_newline()
    return "".join(state.tokens)


class _AllPlaced(Exception):
    """Raised out of code generation once the last wanted node has its range."""


@dataclass
class OffsetState(CodegenState):
    """Code generation that notes character offsets, only for the nodes asked about."""

    wanted: set[int] = field(default_factory=set)
    offset: int = 0
    starts: dict[int, int] = field(default_factory=dict)
    ranges: dict[int, tuple[int, int]] = field(default_factory=dict)
    placed: set[int] = field(default_factory=set)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.tokens.append(token)
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.starts[id(node)] = self.offset

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted:
            if key not in self.ranges:
                self.ranges[key] = (self.starts[key], self.offset)
            self.placed.add(key)
            if len(self.placed) == len(self.wanted):
                # What follows the last wanted node cannot move it: stop generating.
                raise _AllPlaced

    def generate(self, node: cst.CSTNode) -> None:
        """Generate `node`'s code until every wanted node in it has been placed."""
        with suppress(_AllPlaced):
            node._codegen(self)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        start = self.offset
        try:
            yield
        finally:
            end = self.offset
            # Children hoisted as the start or end are recorded first (they are inside).
            if start_node is not None and id(start_node) in self.ranges:
                start = self.ranges[id(start_node)][0]
            if end_node is not None and id(end_node) in self.ranges:
                end = self.ranges[id(end_node)][1]
            self.ranges[id(node)] = (start, end)


class LineDone(Exception):
    """Raised out of code generation at the end of the line the wanted node ends on."""


@dataclass
class LineState(OffsetState):
    """Code generation that stops at the first line break after the wanted node."""

    def add_token(self, value: str) -> None:
        if self.placed and ("\n" in value or "\r" in value):
            raise LineDone
        super().add_token(value)

    def after_codegen(self, node: cst.CSTNode) -> None:
        with suppress(_AllPlaced):  # go on to the end of its last line
            super().after_codegen(node)
