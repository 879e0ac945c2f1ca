"""What a LibCST node is made of: its child nodes that carry code (layout skipped,
straight from the dataclass fields, for the walks of the index and the rules), and the
dotted name of a chain of names.
"""

from __future__ import annotations

import dataclasses
from typing import Union

import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}


# Fields that hold only layout (whitespace, comments, brackets, commas, operators): no
# rule asks about them, and skipping them halves the nodes a walk visits.
_LAYOUT_FIELDS = frozenset(
    {
        "lpar", "rpar", "leading_lines", "lines_after_decorators", "header", "footer",
        "trailing_whitespace", "comma", "dot", "equal", "semicolon", "colon", "asynchronous",
        "newline", "operator", "lbracket", "rbracket", "lbrace", "rbrace", "star_tok",
    }
)


def _child_fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(kind)
            if f.name not in _LAYOUT_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELDS[kind] = names
    return names


_IS_NODE: dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    # `isinstance(x, cst.CSTNode)` goes through ABCMeta on every call: a third of a walk.
    known = _IS_NODE.get(kind)
    if known is None:
        known = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)
    return known


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The child nodes that carry code (not layout), straight from the dataclass fields:
    much cheaper than LibCST's `.children`, which runs a visitor."""
    found: list[cst.CSTNode] = []
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind is list or kind is tuple:
            found.extend(item for item in value if _is_node(type(item)))
        elif _is_node(kind):
            found.append(value)
    return found


def dotted(node: Union[cst.Attribute, cst.Name, cst.BaseExpression, None]) -> str:
    """`a.b.c` for a chain of names ("" for anything else)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""
