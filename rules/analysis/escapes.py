"""Escapes: where a response (or a part of it) leaves the code the migration can see.

A response that is returned, passed to another module's function or stored away may be
read there in the legacy shape: its call's fix becomes unsafe. A part serialised with
`model_dump()` & co. is read by key, which nobody can fix blind: that blocks the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Optional

import libcst as cst

from .dataflow import STRUCTURED_TAGS, Flow, Kind
from .names import Names
from .records import CallUses, CompletionsCall
from .syntax import dotted

SERIALIZERS = frozenset({"model_dump", "model_dump_json", "to_dict", "to_json", "dict", "json", "to_dict_recursive"})
# Builtins that take a response part without reading fields by name.
HARMLESS_CALLS = frozenset(
    {f"builtins.{name}" for name in ("len", "enumerate", "zip", "sorted", "reversed", "max", "min", "list", "iter", "next", "isinstance", "id", "type", "bool")}
    | {"asyncio.gather"}
)
SERIALISED = "the response is serialised: its readers see the chat shape"


class _Uses:
    """What the three passes below gather for one call, in the order they find it."""

    def __init__(self, escapes: list[str]) -> None:
        self.escapes = escapes
        self.blockers: list[tuple[cst.CSTNode, str]] = []
        self.serializations: list[cst.Call] = []


def call_uses(
    names: Names, flow: Flow, calls: Sequence[CompletionsCall], every_call: Sequence[cst.Call]
) -> dict[str, CallUses]:
    """How each call's response is used beyond the reads the rules rewrite."""
    found = {call.key: _Uses(_response_escapes(names, call)) for call in calls}
    if calls:
        _part_escapes(names, flow, calls, every_call, found)
    if any(call.upgrade for call in calls):
        _serializations(names, flow, calls, every_call, found)
    return {
        key: CallUses(tuple(uses.escapes), tuple(uses.blockers), tuple(uses.serializations))
        for key, uses in found.items()
    }


def _sources(calls: Iterable[CompletionsCall], kind: Kind) -> list[CompletionsCall]:
    return [call for call in calls if call.key in kind.sources]


def _part_escapes(
    names: Names, flow: Flow, calls: Sequence[CompletionsCall], every_call: Sequence[cst.Call], found: dict[str, _Uses]
) -> None:
    """A part of a response (a choice, its message...) serialised or handed to code we
    cannot see: whatever reads it there is not migrated."""
    for node in every_call:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in SERIALIZERS:
            kind = flow.kind(func.value)
            if kind is not None and kind.tag in STRUCTURED_TAGS:
                # The keys read from the dict are legacy ones: nobody can fix them blind.
                for call in _sources(calls, kind):
                    found[call.key].blockers.append((node, f"a response part is serialised with `{func.attr.value}()`"))
            continue
        if names.local_function(func) is not None or names.qualified_names(func) & HARMLESS_CALLS:
            continue
        name = dotted(func) or "a call"
        for arg in node.args:
            # The response itself (a Name) is covered by _response_escapes.
            if not isinstance(arg.value, (cst.Attribute, cst.Subscript)):
                continue
            kind = flow.kind(arg.value)
            if kind is None or kind.tag not in STRUCTURED_TAGS:
                continue
            reason = f"a response part is passed to `{name}`: check what it reads"
            for call in _sources(calls, kind):
                if reason not in found[call.key].escapes:
                    found[call.key].escapes.append(reason)


def _serializations(
    names: Names, flow: Flow, calls: Sequence[CompletionsCall], every_call: Sequence[cst.Call], found: dict[str, _Uses]
) -> None:
    """`json.dumps(r)` and `dict(r)` of a v0 response moved to v1: rewritten, not escapes."""
    for node in every_call:
        qualified = names.qualified_names(node.func)
        if not qualified & {"json.dumps", "builtins.dict"} or not node.args or node.args[0].keyword:
            continue
        kind = flow.kind(node.args[0].value)
        if kind is None or kind.tag not in ("completion", "chunk"):
            continue
        name = "json.dumps" if "json.dumps" in qualified else "dict"
        for call in _sources(calls, kind):
            if not call.upgrade:
                continue
            uses = found[call.key]
            uses.serializations.append(node)
            uses.escapes = [e for e in uses.escapes if f"`{name}`" not in e and "`dumps`" not in e]
            # The JSON or dict now holds the chat shape: whoever reads it must follow.
            if SERIALISED not in uses.escapes:
                uses.escapes.append(SERIALISED)


def _response_escapes(names: Names, call: CompletionsCall) -> list[str]:
    """Where the response leaves the code we can see (so its readers are not ours)."""
    holder: cst.CSTNode = call.node
    parent = names.parent(holder)
    if isinstance(parent, cst.Await):
        holder, parent = parent, names.parent(parent)
    return _value_escapes(names, holder, parent, depth=0)


def _value_escapes(names: Names, holder: cst.CSTNode, parent: Optional[cst.CSTNode], depth: int) -> list[str]:
    if depth > 6 or parent is None:
        return []
    if isinstance(parent, (cst.Attribute, cst.Expr, cst.WithItem, cst.For, cst.CompFor, cst.Subscript)):
        return []
    if isinstance(parent, (cst.Element, cst.StarredElement, cst.ListComp, cst.GeneratorExp)):
        return []  # gathered or iterated: the reads are traced through the list kind
    if isinstance(parent, cst.Return):
        function = names.enclosing(parent, cst.FunctionDef)
        if function is not None and names.call_sites(function) and function.name.value.startswith("_"):
            return []
        return ["the response is returned: check the code that reads it"]
    if isinstance(parent, cst.Arg):
        call = names.parent(parent)
        if isinstance(call, cst.Call) and "typing.cast" in names.qualified_names(call.func):
            return _value_escapes(names, call, names.parent(call), depth + 1)  # cast(T, r) is r
        if isinstance(call, cst.Call) and names.local_function(call.func) is not None:
            return []
        name = dotted(call.func) if isinstance(call, cst.Call) else ""
        return [f"the response is passed to `{name or 'a call'}`: check what it reads"]
    if isinstance(parent, (cst.Assign, cst.AnnAssign)):
        targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
        found: list[str] = []
        for target in targets:
            if not isinstance(target, cst.Name):
                found.append("the response is stored outside a local variable: check where it is read")
                continue
            found.extend(_name_escapes(names, target, depth))
        return found
    return ["the response is used in a way the migration cannot follow"]


def _name_escapes(names: Names, target: cst.Name, depth: int) -> list[str]:
    found: list[str] = []
    for node in names.references(target, target.value) or ():
        if isinstance(node, cst.Name):
            found.extend(_value_escapes(names, node, names.parent(node), depth + 1))
    return sorted(set(found))
