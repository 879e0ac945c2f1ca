"""Positions of LibCST expressions read off CPython's tree of the same code.

CPython's parser records where every expression starts and ends, for a tenth of
LibCST's parse cost; LibCST would have to generate code to say the same. Within a
simple statement the two trees have the same shape for the common expressions (calls,
attributes, subscripts, names, strings, keyword arguments), so the node CPython has at
the same place as a LibCST node is found by walking down both trees together, and its
range is that node's range.

Only shapes whose ranges are known to agree are walked: anything else (operators,
comprehensions, lambdas, tuples, whose range CPython widens to the parentheses,
implicitly concatenated strings, ...) answers None and is placed by code generation.
`tests/test_positions.py` holds both ways to LibCST's PositionProvider.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Callable, Optional, Union

import libcst as cst

# LibCST node type -> the CPython node type whose range is the same.
_SAME_RANGE: dict[type[cst.CSTNode], tuple[type[ast.AST], ...]] = {
    cst.Call: (ast.Call,),
    cst.Attribute: (ast.Attribute,),
    cst.Subscript: (ast.Subscript,),
    cst.Name: (ast.Name,),
    cst.SimpleString: (ast.Constant,),
    cst.Integer: (ast.Constant,),
    cst.Float: (ast.Constant,),
}

Columns = Callable[[int, int], int]  # (line, UTF-8 byte offset) -> character column
Range = tuple[int, int, int, int]  # start line, start column, end line, end column

_Native = Union[ast.AST, None]


def native_range(path: Sequence[cst.CSTNode], statements: Sequence[ast.stmt], columns: Columns) -> Optional[Range]:
    """The range of `path[-1]`, where `path` runs from a simple statement line down to it
    and `statements` are CPython's nodes for that line's statements; None if unsure."""
    line = path[0]
    if not isinstance(line, cst.SimpleStatementLine) or len(path) < 3:
        return None
    current = _item(statements, _index(line.body, path[1]))
    at = 1
    while current is not None and at < len(path) - 1:
        current, at = _step(path, at, current)
    node = path[-1]
    if current is None or at != len(path) - 1 or not _same_range(node, current):
        return None
    end_line, end_column = current.end_lineno, current.end_col_offset  # type: ignore[attr-defined]
    if end_line is None or end_column is None:
        return None
    start_line, start_column = current.lineno, current.col_offset  # type: ignore[attr-defined]
    return start_line, columns(start_line, start_column), end_line, columns(end_line, end_column)


def _same_range(node: cst.CSTNode, native: ast.AST) -> bool:
    if isinstance(node, cst.Arg):
        if node.star == "*":
            return isinstance(native, ast.Starred)
        if node.star == "**" or node.keyword is not None:
            return isinstance(native, ast.keyword)
        # A positional argument's range takes in its value's parentheses; CPython's doesn't.
        return not getattr(node.value, "lpar", None) and _same_range(node.value, native)
    kinds = _SAME_RANGE.get(type(node))
    return kinds is not None and isinstance(native, kinds)


# LibCST node type -> (its CPython type, {LibCST field: CPython field}) for the fields
# that hold one expression on both sides.
_FIELDS: dict[type[cst.CSTNode], tuple[type[ast.AST], dict[str, str]]] = {
    cst.Expr: (ast.Expr, {"value": "value"}),
    cst.Return: (ast.Return, {"value": "value"}),
    cst.Assign: (ast.Assign, {"value": "value"}),
    cst.AnnAssign: (ast.AnnAssign, {"target": "target", "value": "value"}),
    cst.AugAssign: (ast.AugAssign, {"target": "target", "value": "value"}),
    cst.Assert: (ast.Assert, {"test": "test", "msg": "msg"}),
    cst.Raise: (ast.Raise, {"exc": "exc"}),
    cst.Await: (ast.Await, {"expression": "value"}),
    cst.Attribute: (ast.Attribute, {"value": "value"}),
    cst.Call: (ast.Call, {"func": "func"}),
    cst.Subscript: (ast.Subscript, {"value": "value"}),
    cst.BinaryOperation: (ast.BinOp, {"left": "left", "right": "right"}),
    cst.UnaryOperation: (ast.UnaryOp, {"expression": "operand"}),
    cst.Comparison: (ast.Compare, {"left": "left"}),
    cst.IfExp: (ast.IfExp, {"test": "test", "body": "body", "orelse": "orelse"}),
    cst.Lambda: (ast.Lambda, {"body": "body"}),
    cst.NamedExpr: (ast.NamedExpr, {"target": "target", "value": "value"}),
    cst.ListComp: (ast.ListComp, {"elt": "elt"}),
    cst.SetComp: (ast.SetComp, {"elt": "elt"}),
    cst.GeneratorExp: (ast.GeneratorExp, {"elt": "elt"}),
    cst.DictComp: (ast.DictComp, {"key": "key", "value": "value"}),
    cst.CompFor: (ast.comprehension, {"target": "target", "iter": "iter"}),
    cst.List: (ast.List, {}),
    cst.Set: (ast.Set, {}),
    cst.Tuple: (ast.Tuple, {}),
    cst.Dict: (ast.Dict, {}),
}


def _step(path: Sequence[cst.CSTNode], at: int, native: ast.AST) -> tuple[_Native, int]:
    """From `path[at]` (whose CPython node is `native`) one or more steps down the path:
    the CPython node of the LibCST node reached, and its index in `path` (None when the
    shapes part)."""
    node, child = path[at], path[at + 1]
    after = path[at + 2] if at + 2 < len(path) else None
    shape = _FIELDS.get(type(node))
    if shape is None or not isinstance(native, shape[0]):
        return None, at
    for cst_field, ast_field in shape[1].items():
        if getattr(node, cst_field) is child:
            return getattr(native, ast_field), at + 1
    # Fields that hold a sequence, or a wrapper CPython has no node for.
    if isinstance(node, cst.Assign) and isinstance(native, ast.Assign):
        if isinstance(child, cst.AssignTarget) and after is child.target:
            return _item(native.targets, _index(node.targets, child)), at + 2
    elif isinstance(node, cst.AnnAssign) and isinstance(native, ast.AnnAssign):
        if child is node.annotation and after is node.annotation.annotation:
            return native.annotation, at + 2
    elif isinstance(node, cst.Call) and isinstance(native, ast.Call):
        if isinstance(child, cst.Arg):
            return _argument(node, child, native, after, at)
    elif isinstance(node, cst.Subscript) and isinstance(native, ast.Subscript):
        # `a[x,]` is a one-element tuple to CPython, one element with a comma to LibCST.
        only = node.slice[0] if len(node.slice) == 1 and not isinstance(node.slice[0].comma, cst.Comma) else None
        sliced = only.slice if only is not None else None
        if (
            child is only
            and isinstance(sliced, cst.Index)
            and after is sliced
            and sliced.star is None
            and at + 3 < len(path)
            and path[at + 3] is sliced.value
        ):
            return native.slice, at + 3
    elif isinstance(node, cst.Comparison) and isinstance(native, ast.Compare):
        if isinstance(child, cst.ComparisonTarget) and after is child.comparator:
            return _item(native.comparators, _index(node.comparisons, child)), at + 2
    elif isinstance(node, (cst.List, cst.Set, cst.Tuple)) and isinstance(native, (ast.List, ast.Set, ast.Tuple)):
        if type(child) is cst.Element and after is child.value:
            return _item(native.elts, _index(node.elements, child)), at + 2
    elif isinstance(node, cst.Dict) and isinstance(native, ast.Dict):
        if type(child) is cst.DictElement and after is not None:
            index = _index(node.elements, child)
            if after is child.key:
                return _item(native.keys, index), at + 2
            if after is child.value:
                return _item(native.values, index), at + 2
    elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)) and isinstance(
        native, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
    ):
        return _generator(node, path, at, native.generators)
    elif isinstance(node, cst.CompFor) and isinstance(native, ast.comprehension):
        if isinstance(child, cst.CompIf) and after is child.test:
            return _item(native.ifs, _index(node.ifs, child)), at + 2
    return None, at


def _generator(
    comprehension: cst.BaseComp, path: Sequence[cst.CSTNode], at: int, generators: Sequence[ast.comprehension]
) -> tuple[_Native, int]:
    """LibCST chains a comprehension's `for` clauses (each the next one's `inner_for_in`);
    CPython lists them: the clause on the path, by its depth in the chain."""
    clause = comprehension.for_in
    depth, at = 0, at + 1
    if path[at] is not clause:
        return None, at - 1
    while at + 1 < len(path) and clause.inner_for_in is not None and path[at + 1] is clause.inner_for_in:
        clause, depth, at = clause.inner_for_in, depth + 1, at + 1
    return _item(generators, depth), at


def _argument(call: cst.Call, arg: cst.Arg, native: ast.Call, after: Optional[cst.CSTNode], at: int) -> tuple[_Native, int]:
    """CPython splits a call's arguments into positional ones (`*x` among them, as
    Starred) and keyword ones (`**x` among them); LibCST keeps one list."""
    keyword = arg.keyword is not None or arg.star == "**"
    same_kind = [a for a in call.args if (a.keyword is not None or a.star == "**") == keyword]
    index = _index(same_kind, arg)
    found: _Native = _item(native.keywords if keyword else native.args, index)
    if after is None:
        return found, at + 1  # the argument itself
    if after is not arg.value or found is None:
        return None, at
    if keyword:
        return (found.value if isinstance(found, ast.keyword) else None), at + 2
    if arg.star == "*":
        return (found.value if isinstance(found, ast.Starred) else None), at + 2
    return found, at + 2


def _index(items: Sequence[cst.CSTNode], item: cst.CSTNode) -> int:
    for number, candidate in enumerate(items):
        if candidate is item:
            return number
    return -1


def _item(items: Sequence[Optional[ast.AST]], index: int) -> _Native:
    return items[index] if 0 <= index < len(items) else None
