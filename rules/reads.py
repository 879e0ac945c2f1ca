"""Rewrites of response reads, shared by OAI002 (responses) and OAI003 (stream chunks)."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from .analysis import Analyzer
from .edits import or_empty

# Parents in which `a or ""` must be parenthesised to keep its meaning.
_TIGHT_PARENTS = (
    cst.Attribute,
    cst.Subscript,
    cst.BinaryOperation,
    cst.UnaryOperation,
    cst.Comparison,
    cst.Await,
    cst.BooleanOperation,
    cst.IfExp,
    cst.Call,
)


def content_rewrite(analyzer: Analyzer, node: cst.Attribute, middle: str, str_use: bool):  # type: ignore[no-untyped-def]
    """A transform for `<x>.text` -> `<x>.<middle>.content`, None-safe where used as a str."""
    parent = analyzer.parent(node)
    parenthesize = isinstance(parent, _TIGHT_PARENTS) and not (
        isinstance(parent, cst.Call) and parent.func is not node
    )
    quote = _quote_inside_fstring(analyzer, node)

    def transform(updated: cst.Attribute) -> cst.BaseExpression:
        inner = cst.Attribute(
            value=updated.value,
            attr=cst.Name(middle),
            dot=updated.dot,
        )
        content = cst.Attribute(value=inner, attr=cst.Name("content"), lpar=updated.lpar, rpar=updated.rpar)
        if not str_use:
            return content
        return or_empty(content.with_changes(lpar=[], rpar=[]), parenthesize or bool(updated.lpar), quote)

    return transform


def _quote_inside_fstring(analyzer: Analyzer, node: cst.CSTNode) -> str:
    current: Optional[cst.CSTNode] = node
    while current is not None:
        current = analyzer.parent(current)
        if isinstance(current, cst.FormattedString):
            return "'" if '"' in current.start else '"'
        if isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            break
    return '"'
