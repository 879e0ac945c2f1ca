"""`--target responses`: what a completions call becomes, `client.responses.create(model=M,
input=X, ..., store=False)`: its endpoint (or, moving from openai<1.0, its v1 function)
and its arguments, renamed, dropped or added, also in a followed `**params` dict literal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable, Optional

import libcst as cst

from . import edits, sdk, upgrade
from .analysis import Analysis, CompletionsCall
from .analysis.syntax import string_key
from .responses_parameters import is_neutral


def call_transform(call: CompletionsCall, analysis: Analysis) -> Callable[[cst.Call], cst.Call]:
    """The call's own fix: its endpoint (or v1 function) and its arguments."""

    def transform(updated: cst.Call) -> cst.Call:
        args = _map_arguments(updated.args, call)
        if call.alias is not None:
            return updated.with_changes(args=args)  # the bound endpoint is rewritten apart
        if call.upgrade:
            return updated.with_changes(func=_v1_function(call, analysis, updated.func), args=args)
        func = edits.replace_attribute_in_chain(
            updated.func,
            lambda a: a.attr.value == "completions",
            lambda a: a.with_changes(attr=cst.Name("responses")),
        )
        return updated.with_changes(func=func, args=args)

    return transform


def alias_transform(call: CompletionsCall, analysis: Analysis) -> Callable[[cst.Attribute], cst.BaseExpression]:
    """The bound endpoint (OAI009's fix): `client.completions.create` -> `client.responses.create`."""

    def transform(updated: cst.Attribute) -> cst.BaseExpression:
        if call.upgrade:
            return _v1_function(call, analysis, updated)
        return edits.replace_attribute_in_chain(
            updated, lambda a: a.attr.value == "completions", lambda a: a.with_changes(attr=cst.Name("responses"))
        )

    return transform


def _v1_function(call: CompletionsCall, analysis: Analysis, func: cst.BaseExpression) -> cst.BaseExpression:
    """`openai.Completion.create` -> `openai.responses.create` (or the lazily built async client)."""
    if call.method == "acreate":
        return cst.parse_expression(f"{upgrade.ASYNC_HELPER_NAME}().responses.create")
    assert isinstance(func, cst.Attribute)
    resource = func.value
    module: cst.BaseExpression
    if isinstance(resource, cst.Attribute) and resource.attr.value == "Completion" and not (
        isinstance(resource.value, cst.Attribute) and resource.value.attr.value in ("api_resources", "completion")
    ):
        module = resource.value  # `openai`, an alias, or `self._openai`
    else:
        module = cst.Name(analysis.module_alias or "openai")
    return cst.Attribute(value=cst.Attribute(value=module, attr=cst.Name("responses")), attr=cst.Name("create"))


def _renamed(name: Optional[str], call: CompletionsCall) -> Optional[str]:
    """The Responses name of a keyword (None: dropped); `name` itself when it carries over."""
    if name == "prompt":
        return "input"
    if name == "max_tokens":
        return "max_output_tokens"
    if name == "engine" and call.generation == "v0" and call.keyword("model") is None:
        return "model"  # v0 on OpenAI routed `engine=` to /engines/<id>: it is the model
    if call.upgrade and name == "timeout":
        return None  # v0's retry budget, not an HTTP timeout
    if call.upgrade and name in upgrade.RENAMED_KWARGS:
        return upgrade.RENAMED_KWARGS[name]
    return name


def _is_dropped(name: Optional[str], value: cst.BaseExpression) -> bool:
    if name in sdk.RESPONSES_NO_EQUIVALENT:
        return is_neutral(value, sdk.RESPONSES_NO_EQUIVALENT[name][0])
    if name == "logprobs" or name == "stream_options":
        return is_neutral(value, ("None",))
    return False


def _map_arguments(args: Sequence[cst.Arg], call: CompletionsCall) -> list[cst.Arg]:
    planned: list[tuple[cst.Arg, bool]] = []
    has_store = False
    for arg in args:
        name = arg.keyword.value if arg.keyword is not None else None
        has_store = has_store or name == "store"
        if arg.star or name is None:
            planned.append((arg, False))
            continue
        new = _renamed(name, call)
        if new is None or _is_dropped(name, arg.value):
            continue
        if name == "logprobs" and isinstance(arg.value, cst.Integer):
            planned.append((edits.keyword_arg("include", _includes(call), like=arg), False))
            planned.append((edits.keyword_arg("top_logprobs", arg.value, like=arg), True))
            continue
        value = stream_options(arg.value) if name == "stream_options" else arg.value
        if value is None:
            continue
        planned.append((arg.with_changes(keyword=cst.Name(new), value=value), False))
    if not has_store and call.spread is None:
        # The completions endpoint kept nothing; Responses stores by default.
        planned.append((edits.keyword_arg("store", cst.Name("False"), like=_plain_keyword(args)), True))
    return edits.rebuild_args(args, planned)


def _plain_keyword(args: Sequence[cst.Arg]) -> Optional[cst.Arg]:
    """A keyword argument of the call to copy the `=` spacing from."""
    return next((a for a in args if a.keyword is not None and not a.star), None)


def _includes(call: CompletionsCall) -> cst.BaseExpression:
    quote = edits.quote_of(call.node)
    return cst.List([cst.Element(cst.SimpleString(f"{quote}{sdk.LOGPROBS_INCLUDABLE}{quote}"))])


def stream_options(value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """`stream_options` without its no-op `include_usage: False` (None: nothing is left)."""
    if not isinstance(value, cst.Dict):
        return value
    kept = [e for e in value.elements if not (isinstance(e, cst.DictElement) and string_key(e.key) == "include_usage")]
    if not kept:
        return None
    if len(kept) == len(value.elements):
        return value
    kept[-1] = kept[-1].with_changes(comma=value.elements[-1].comma)
    return value.with_changes(elements=kept)


def spread_mapper(call: CompletionsCall) -> Callable[[cst.Dict], cst.Dict]:
    """The same mapping on the entries of a followed `**params` dict literal."""

    def transform(node: cst.Dict) -> cst.Dict:
        planned: list[cst.DictElement] = []
        for element in node.elements:
            assert isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
            name = string_key(element.key)
            new = _renamed(name, call)
            if new is None or _is_dropped(name, element.value):
                continue
            if name == "logprobs" and isinstance(element.value, cst.Integer):
                planned.append(element.with_changes(key=edits.with_string_value(element.key, "include"), value=_includes(call)))
                planned.append(element.with_changes(key=edits.with_string_value(element.key, "top_logprobs")))
                continue
            value = stream_options(element.value) if name == "stream_options" else element.value
            if value is None:
                continue
            planned.append(element.with_changes(key=edits.with_string_value(element.key, new), value=value))
        if planned and not any(string_key(e.key) == "store" for e in planned):
            # The completions endpoint kept nothing; Responses stores by default.
            like = planned[-1]
            assert isinstance(like.key, cst.SimpleString)
            planned.append(like.with_changes(key=edits.with_string_value(like.key, "store"), value=cst.Name("False")))
        separator = next(
            (e.comma for e in node.elements[:-1] if isinstance(e.comma, cst.Comma)),
            cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
        )
        last_comma = node.elements[-1].comma if node.elements else cst.MaybeSentinel.DEFAULT
        laid_out = [
            e.with_changes(comma=last_comma if i == len(planned) - 1 else separator) for i, e in enumerate(planned)
        ]
        return node.with_changes(elements=laid_out)

    return transform
