"""Questions about a node's own shape, answered without name resolution."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, Optional

import libcst as cst

from migrator.nodes import children
from migrator.nodes import dotted as dotted

# How code reads a choice's `text`: `c.text`, `c["text"]`, `c.get("text")`, `getattr(c, "text")`.
ReadForm = Literal["attr", "item", "get", "getattr"]


def string_value(node: cst.SimpleString) -> Optional[str]:
    """The str a literal stands for. Plain literals (no prefix, no backslash) are sliced;
    only the rest pay for LibCST's `evaluated_value`, which compiles an AST each time."""
    raw = node.value
    if raw[:1] in ("'", '"') and "\\" not in raw:
        width = 3 if raw[:3] in ('"""', "'''") else 1
        return raw[width:-width]
    value = node.evaluated_value
    return value if isinstance(value, str) else None


def string_key(node: cst.BaseExpression) -> Optional[str]:
    """The str of a plain string literal used as a key (None for anything else)."""
    return string_value(node) if isinstance(node, cst.SimpleString) else None


def subscript_key(node: cst.Subscript) -> Optional[str]:
    """`"key"` of `x["key"]` (None for other subscripts)."""
    if len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    return string_key(index.value) if isinstance(index, cst.Index) else None


def keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def text_access(node: cst.BaseExpression) -> Optional[tuple[cst.BaseExpression, ReadForm]]:
    """(holder, form) when `node` reads a `text` field: `x.text`, `x["text"]`, `x.get("text")`."""
    if isinstance(node, cst.Attribute) and node.attr.value == "text":
        return node.value, "attr"
    if isinstance(node, cst.Subscript) and subscript_key(node) == "text":
        return node.value, "item"
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
        if node.args and string_key(node.args[0].value) == "text" and not node.args[0].keyword:
            return node.func.value, "get"
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "getattr":
        if len(node.args) == 2 and string_key(node.args[1].value) == "text":
            return node.args[0].value, "getattr"
    return None


def attribute_names(node: cst.BaseExpression) -> list[str]:
    """The attribute names of a `.value` chain, outermost first, through calls."""
    names = []
    while True:
        if isinstance(node, cst.Attribute):
            names.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        else:
            return names


def spelled_chain(node: cst.BaseExpression) -> list[tuple[str, cst.BaseExpression, cst.BaseExpression]]:
    """(name, what it is taken from, the node) for each attribute of a chain, outermost
    first, reading `getattr(x, "name")` (two arguments, a plain string) as `x.name`:
    `getattr(client, "completions").create` gives `create`, then `completions` taken from
    `client` by a `getattr` call. Whether that `getattr` is the builtin is the caller's
    question (`Names.getattr_literal`)."""
    chain: list[tuple[str, cst.BaseExpression, cst.BaseExpression]] = []
    while True:
        if isinstance(node, cst.Attribute):
            chain.append((node.attr.value, node.value, node))
            node = node.value
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Name)
            and node.func.value == "getattr"
            and len(node.args) == 2
            and not any(arg.keyword or arg.star for arg in node.args)
            and (name := string_key(node.args[1].value)) is not None
        ):
            chain.append((name, node.args[0].value, node))
            node = node.args[0].value
        else:
            return chain


def annotation_names(expression: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The names inside an annotation: `Optional[OpenAI]`, `OpenAI | None`."""
    if isinstance(expression, cst.BinaryOperation):
        yield from annotation_names(expression.left)
        yield from annotation_names(expression.right)
    elif isinstance(expression, cst.Subscript):
        for element in expression.slice:
            if isinstance(element.slice, cst.Index):
                yield from annotation_names(element.slice.value)
    else:
        yield expression


def return_values(function: cst.FunctionDef, *, yields: bool = False) -> list[cst.BaseExpression]:
    """The values the function's own `return` statements give (not nested functions'),
    and with `yields` its `yield` values too (what a pytest fixture hands out)."""
    values: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        if isinstance(node, cst.Return) and node.value is not None:
            values.append(node.value)
        if yields and isinstance(node, cst.Yield) and isinstance(node.value, cst.BaseExpression):
            values.append(node.value)
        stack.extend(reversed(children(node)))
    return values


def decorator_names(function: cst.FunctionDef) -> list[str]:
    """`pytest.fixture` for `@pytest.fixture` and `@pytest.fixture(scope=...)`."""
    found = []
    for decorator in function.decorators:
        expression = decorator.decorator
        if isinstance(expression, cst.Call):
            expression = expression.func
        found.append(dotted(expression))
    return found


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every code-carrying node under `node` (itself first), in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def argument_for(call: cst.Call, name: str, position: Optional[int], bound: bool) -> Optional[cst.BaseExpression]:
    """The argument a call passes for a parameter (by keyword, else by position)."""
    found = keyword(call, name)
    if found is not None:
        return found.value
    if position is None:
        return None
    index = position - 1 if bound else position
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in positional[: index + 1]):
        return None
    if 0 <= index < len(positional):
        return positional[index].value
    return None


def has_custom_base_url(call: cst.Call) -> bool:
    """A client built with a `base_url` that is not OpenAI's own."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "base_url":
            value = arg.value
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            if isinstance(value, cst.SimpleString) and "api.openai.com" in value.value:
                continue
            return True
    return False


def spread_source(call: cst.Call) -> Optional[str]:
    """`**cfg` of `OpenAI(**cfg)` (the first `*`/`**` argument, as written), else None."""
    for arg in call.args:
        if arg.star:
            return f"{arg.star}{source(arg.value)}"
    return None


def source(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def literal_index(node: cst.Subscript) -> Optional[int]:
    """`0` of `x[0]` (None for other subscripts)."""
    if len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer):
        return int(index.value.value)
    return None


def single_name_target(statement: cst.CSTNode) -> Optional[cst.Name]:
    """`x` of `x = ...` or `x: T = ...` (None for other statements and targets)."""
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0].target, cst.Name):
        return statement.targets[0].target
    if isinstance(statement, cst.AnnAssign) and isinstance(statement.target, cst.Name):
        return statement.target
    return None


def compares_with_none(comparison: cst.CSTNode) -> bool:
    """`x is None` or `x is not None` (either side)."""
    return (
        isinstance(comparison, cst.Comparison)
        and len(comparison.comparisons) == 1
        and isinstance(comparison.comparisons[0].operator, (cst.Is, cst.IsNot))
        and any(isinstance(side, cst.Name) and side.value == "None" for side in (comparison.left, comparison.comparisons[0].comparator))
    )


def is_pure(node: cst.CSTNode) -> bool:
    """Names, attributes and constant subscripts only: safe to evaluate twice."""
    while True:
        if isinstance(node, cst.Name):
            return True
        if isinstance(node, cst.Attribute):
            node = node.value
        elif isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            if not isinstance(node.slice[0].slice.value, (cst.Integer, cst.SimpleString)):
                return False
            node = node.value
        else:
            return False
