"""Node builders for the fixes. Each keeps the original's formatting where it can."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Callable, Optional

import libcst as cst

from migrator.nodes import dotted as _dotted

_DEFAULT_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def quote_of(call: cst.Call) -> str:
    """The quote character the call's own string literals use (double by default)."""
    for arg in call.args:
        value = arg.value
        if isinstance(value, cst.SimpleString):
            prefix_free = value.value.lstrip("rRbBuUfF")
            if prefix_free.startswith("'"):
                return "'"
            return '"'
    return '"'


def with_string_value(node: cst.SimpleString, value: str) -> cst.SimpleString:
    """A literal with a new value, keeping the original's prefix and quotes."""
    prefix = node.prefix
    quote = node.quote
    return node.with_changes(value=f"{prefix}{quote}{value.replace(quote, chr(92) + quote)}{quote}")


def set_string(value: str) -> Callable[[cst.SimpleString], cst.SimpleString]:
    """An edit transform that gives a string literal a new value."""
    return lambda node: with_string_value(node, value)


def replace_with(replacement: cst.BaseExpression) -> Callable[[cst.CSTNode], cst.BaseExpression]:
    return lambda _node: replacement


def add_import_name(name: str) -> Callable[[cst.ImportFrom], cst.ImportFrom]:
    """An edit transform adding `name` to a `from x import a, b` statement, once."""

    def transform(node: cst.ImportFrom) -> cst.ImportFrom:
        if isinstance(node.names, cst.ImportStar):
            return node
        aliases = list(node.names)
        if any(isinstance(a.name, cst.Name) and a.name.value == name and a.asname is None for a in aliases):
            return node
        last = aliases[-1]
        separator = next((a.comma for a in aliases[:-1] if isinstance(a.comma, cst.Comma)), _DEFAULT_COMMA)
        aliases[-1] = last.with_changes(comma=separator)
        aliases.append(cst.ImportAlias(name=cst.Name(name), comma=last.comma))
        return node.with_changes(names=aliases)

    return transform


def ensure_from_import(module_name: str, name: str, alias: str = "") -> Callable[[cst.Module], cst.Module]:
    """A Module transform adding `from module import name [as alias]` after the imports, once."""
    local = alias or name

    def transform(module: cst.Module) -> cst.Module:
        body = list(module.body)
        position = 0
        for index, statement in enumerate(body):
            if not isinstance(statement, cst.SimpleStatementLine):
                break
            small = statement.body[0] if statement.body else None
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                if _dotted(small.module) == module_name and any(
                    _dotted(a.name) == name and (a.asname.name.value if isinstance(a.asname, cst.AsName) and isinstance(a.asname.name, cst.Name) else name) == local
                    for a in small.names
                ):
                    return module
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                position = index + 1
            elif not (index == 0 and isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString)):
                break
            else:
                position = 1
        statement = cst.parse_statement(f"from {module_name} import {name}{f' as {alias}' if alias else ''}\n")
        return module.with_changes(body=[*body[:position], statement, *body[position:]])

    return transform


def remove_import_name(local: str) -> Callable[[cst.ImportFrom], object]:
    """An ImportFrom transform dropping the name bound as `local` (the statement if it was the last)."""

    def transform(node: cst.ImportFrom) -> object:
        if isinstance(node.names, cst.ImportStar):
            return node
        kept = [
            a
            for a in node.names
            if (a.asname.name.value if isinstance(a.asname, cst.AsName) and isinstance(a.asname.name, cst.Name) else _dotted(a.name)) != local
        ]
        if not kept:
            return cst.RemoveFromParent()
        if len(kept) != len(node.names):
            kept[-1] = kept[-1].with_changes(comma=node.names[-1].comma)
        return node.with_changes(names=kept)

    return transform


def user_messages(content: cst.BaseExpression, quote: str) -> cst.BaseExpression:
    """`[{"role": "user", "content": <content>}]` with the prompt's own node inside."""

    def string(text: str) -> cst.SimpleString:
        return cst.SimpleString(f"{quote}{text}{quote}")

    message = cst.Dict(
        [cst.DictElement(string("role"), string("user")), cst.DictElement(string("content"), content)]
    )
    return cst.List([cst.Element(message)])


def fill(template: str, **nodes: cst.BaseExpression) -> cst.BaseExpression:
    """A small expression with the given nodes where its `__name__` placeholders are."""
    return _substitute(_template(template), nodes)  # type: ignore[no-any-return]


@lru_cache(maxsize=256)
def _template(text: str) -> cst.BaseExpression:
    # Nodes are immutable: one parse serves every fix that uses the template.
    return cst.parse_expression(text)


def _substitute(node: cst.CSTNode, nodes: dict[str, cst.BaseExpression]) -> Any:
    if isinstance(node, cst.Name):
        name = node.value
        if name.startswith("__") and name.endswith("__") and name[2:-2] in nodes:
            return nodes[name[2:-2]]
        return node
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, cst.CSTNode):
            new = _substitute(value, nodes)
            if new is not value:
                changes[field.name] = new
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], cst.CSTNode):
            items = [_substitute(item, nodes) for item in value]
            if any(new is not old for new, old in zip(items, value)):
                changes[field.name] = type(value)(items)
    return node.with_changes(**changes) if changes else node


def or_empty(node: cst.BaseExpression, parenthesize: bool, quote: str = '"') -> cst.BaseExpression:
    """`<node> or ""`: keeps a `str` where chat gives `Optional[str]`."""
    operation = cst.BooleanOperation(
        left=node,
        operator=cst.Or(),
        right=cst.SimpleString(quote * 2),
    )
    if parenthesize:
        return operation.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return operation


def insert_chat(attribute: cst.Attribute) -> cst.Attribute:
    """`X.completions` -> `X.chat.completions`, keeping the dots' whitespace."""
    return attribute.with_changes(value=cst.Attribute(value=attribute.value, attr=cst.Name("chat")))


def replace_attribute_in_chain(
    node: cst.BaseExpression, predicate: Callable[[cst.Attribute], bool], replace: Callable[[cst.Attribute], cst.Attribute]
) -> cst.BaseExpression:
    """Rewrite the first attribute of a `.value` chain that matches (outermost first)."""
    if isinstance(node, cst.Attribute):
        if predicate(node):
            return replace(node)
        return node.with_changes(value=replace_attribute_in_chain(node.value, predicate, replace))
    if isinstance(node, cst.Call):
        return node.with_changes(func=replace_attribute_in_chain(node.func, predicate, replace))
    return node


def rebuild_args(original: Sequence[cst.Arg], planned: Sequence[tuple[cst.Arg, bool]]) -> list[cst.Arg]:
    """Lay out a new argument list with the commas of the original one.

    `planned` holds (arg, is_new). Existing args keep their own comma; inserted args and
    args that stop being last borrow a separator comma from the original list, so a call
    written one-argument-per-line stays that way.
    """
    separator: cst.Comma = _DEFAULT_COMMA
    for arg in original[:-1]:
        if isinstance(arg.comma, cst.Comma):
            separator = arg.comma
            break
    last_comma = original[-1].comma if original else cst.MaybeSentinel.DEFAULT
    # The whitespace before the closing parenthesis belongs to the last argument.
    closing = original[-1].whitespace_after_arg if original else cst.SimpleWhitespace("")
    result: list[cst.Arg] = []
    for index, (arg, _is_new) in enumerate(planned):
        if index == len(planned) - 1:
            result.append(arg.with_changes(comma=last_comma, whitespace_after_arg=closing))
            continue
        if arg.whitespace_after_arg is closing:
            arg = arg.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
        if not isinstance(arg.comma, cst.Comma) or arg.comma is last_comma:
            arg = arg.with_changes(comma=separator)
        result.append(arg)
    return result


def keyword_arg(name: str, value: cst.BaseExpression, like: Optional[cst.Arg] = None) -> cst.Arg:
    if like is not None:
        return like.with_changes(keyword=cst.Name(name), value=value)
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )



def fit_call(call: cst.Call, original: cst.Call, ctx: Any) -> cst.Call:
    """The rewritten `call`, its arguments one per line if it became too wide.

    A call the fix made wider than `ctx.options["line-length"]` (the project's ruff or
    black line length; 0 or absent: never) is laid out as black does: each argument on
    its own line, indented one level more than the line the call starts on, with a
    trailing comma, and `)` on a line of its own. Only when the original lines fitted (a
    file written with longer lines keeps its style), the call is not laid out one
    argument per line already (such a call stays so), and it holds no comment.
    """
    from migrator.codegen import block_code
    from migrator.positions import line_context

    def holds_comment(node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Comment) or any(holds_comment(child) for child in node.children)

    limit = ctx.options.get("line-length")
    one_per_line = len(call.args) > 1 and all(
        isinstance(arg.comma, cst.Comma) and isinstance(arg.comma.whitespace_after, cst.ParenthesizedWhitespace)
        for arg in call.args[:-1]
    )
    if not limit or not call.args or one_per_line or holds_comment(original):
        return call
    if len(call.args) == 1 and isinstance(call.args[0].value, cst.GeneratorExp) and not call.args[0].value.lpar:
        return call  # `f(x for x in y,)` does not parse
    module = ctx.module
    around = line_context(module, original, ctx.index.parent)
    if around is None:
        return call

    def widest(code: str) -> int:
        return max(len(line) for line in (around.before + code + around.after).splitlines() or [""])

    if widest(block_code(module, call, around.indent)) <= limit or widest(around.code) > limit:
        return call
    line_indent = around.before[: len(around.before) - len(around.before.lstrip(" \t"))]
    unit = module.default_indent if module.default_indent and not module.default_indent.strip() else "    "
    # Continuation lines are written relative to the block's indentation when they can be.
    relative = line_indent.startswith(around.indent)
    base = line_indent[len(around.indent) :] if relative else line_indent

    def newline(indent: str) -> cst.ParenthesizedWhitespace:
        return cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(), indent=relative, last_line=cst.SimpleWhitespace(indent)
        )

    last = len(call.args) - 1
    args = [
        arg.with_changes(
            comma=cst.Comma(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=newline(base if index == last else base + unit),
            ),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
        for index, arg in enumerate(call.args)
    ]
    return call.with_changes(whitespace_before_args=newline(base + unit), args=args)
