"""Rewrites of response reads, shared by OAI002 (responses) and OAI003 (stream chunks).

v1 responses are pydantic models (attribute access only, `content` is Optional); v0
responses are dicts that also allow attribute access, and a v0 chat stream's `delta` may
have no `content` key at all. The rewrite follows the form the code used.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import libcst as cst

from migrator.rule import Report

from .analysis.dataflow import Kind, ReadGeneration
from .analysis.names import Names
from .analysis.records import TextRead
from .edits import fill, or_empty

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

Transform = Callable[[Any], cst.BaseExpression]


def read_rewrite(names: Names, read: TextRead, target: str, generation: ReadGeneration) -> Optional[Transform]:
    """A transform for a text read; `target` is "message" (responses) or "delta" (chunks)."""
    if generation == "v1" and read.form not in ("attr", "getattr"):
        return None  # v1 objects are not subscriptable: such code never worked
    has_default = read.form == "get" and isinstance(read.node, cst.Call) and len(read.node.args) > 1
    wrap = generation in ("v1", "v0to1") and read.str_use and not has_default
    parent = names.parent(read.node)
    parenthesize = isinstance(parent, _TIGHT_PARENTS) and not (
        isinstance(parent, cst.Call) and parent.func is not read.node
    )
    quote = _quote_inside_fstring(names, read.node)
    key_quote = _key_quote(read.node)

    def transform(updated: Any) -> cst.BaseExpression:
        holder, default = _parts(updated, read.form)
        result = _content_of(holder, read.form, target, generation, default, key_quote, updated)
        lpar, rpar = updated.lpar, updated.rpar
        if wrap:
            return or_empty(result, parenthesize or bool(lpar), quote)
        return result.with_changes(lpar=lpar, rpar=rpar)

    return transform


def _parts(updated: Any, form: str) -> tuple[cst.BaseExpression, Optional[cst.BaseExpression]]:
    if form == "attr" or form == "item":
        return updated.value, None
    if form == "getattr":
        return updated.args[0].value, None
    # form == "get": x.get("text"[, default])
    default = updated.args[1].value if len(updated.args) > 1 else None
    return updated.func.value, default


def _content_of(
    holder: cst.BaseExpression,
    form: str,
    target: str,
    generation: str,
    default: Optional[cst.BaseExpression],
    q: str,
    original: Any,
) -> cst.BaseExpression:
    if generation == "v0to1":
        # A v0 response moved to v1 objects: every style of read becomes attributes.
        content = cst.Attribute(value=cst.Attribute(value=holder, attr=cst.Name(target)), attr=cst.Name("content"))
        if default is not None:
            return fill("(__content__ or __default__)", content=content, default=default)
        return content
    if form in ("attr", "getattr"):
        dot = original.dot if form == "attr" else cst.Dot()
        inner = cst.Attribute(value=holder, attr=cst.Name(target), dot=dot)
        if generation == "v0" and target == "delta":
            # A v0 chat delta is a dict that may lack "content" (first and last chunks).
            return fill(f'__inner__.get({q}content{q}, {q}{q})', inner=inner)
        return cst.Attribute(value=inner, attr=cst.Name("content"))
    item = fill(f"__holder__[{q}{target}{q}]", holder=holder)
    if target == "delta":
        fallback = default if default is not None else cst.SimpleString(q + q)
        return fill(f"__item__.get({q}content{q}, __default__)", item=item, default=fallback)
    if form == "get":
        if default is not None:
            return fill(f"__item__.get({q}content{q}, __default__)", item=item, default=default)
        return fill(f"__item__.get({q}content{q})", item=item)
    return fill(f"__item__[{q}content{q}]", item=item)


def _key_quote(node: cst.BaseExpression) -> str:
    key: Optional[cst.BaseExpression] = None
    if isinstance(node, cst.Subscript):
        index = node.slice[0].slice
        key = index.value if isinstance(index, cst.Index) else None
    elif isinstance(node, cst.Call) and node.args:
        key = node.args[0].value
    if isinstance(key, cst.SimpleString) and key.quote.startswith("'"):
        return "'"
    return '"'


def _quote_inside_fstring(names: Names, node: cst.CSTNode) -> str:
    fstring = names.enclosing(node, cst.FormattedString, stop=(cst.SimpleStatementLine, cst.BaseCompoundStatement))
    if fstring is not None and '"' in fstring.start:
        return "'"
    return '"'


MIXED_ADVICE = (
    "give each call's response a name of its own (or make both branches the same endpoint), "
    "then run `migrator fix` again; or migrate this code by hand"
)


def mixed_read(code: str, node: cst.CSTNode, kind: Kind) -> Report:
    """A read that another value may reach besides a completions response: it stays as it
    is, and so does every call it may read (a read is rewritten only with its calls)."""
    return Report(
        code=code,
        node=node,
        message=(
            "this read may see a legacy completion or another value (a response of another "
            "endpoint, a value not traced), so neither it nor its call is rewritten"
        ),
        advice=MIXED_ADVICE,
        groups=kind.sources,
    )
