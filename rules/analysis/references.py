"""The legacy endpoint as a value: `openai.Completion` (openai<1.0's resource),
`client.completions` (the v1 resource), and their `create` / `acreate` methods, when they
are stored, returned, passed, subclassed or chosen in a conditional instead of called.

Such code is legacy wherever the value goes, so each place is reported; and a call
through one (`self.client.create(...)` after `values["client"] = openai.Completion`,
`endpoint.create(...)` after `endpoint = a if chat else b`) is a legacy call that no fix
can follow by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Optional

import libcst as cst

from .calls import CallFinder
from .names import Memo, Names
from .receivers import Receivers
from .records import Client
from .syntax import source, subscript_key

What = Literal["resource", "endpoint"]  # `openai.Completion` / its `create`


@dataclass(frozen=True)
class Legacy:
    what: What
    certain: bool  # always this value (else: one branch of a conditional, one binding of several)


class References:
    def __init__(self, names: Names, receivers: Receivers, calls: CallFinder) -> None:
        self.names = names
        self.receivers = receivers
        self.calls = calls
        self._memo: Memo[Legacy] = Memo(limit=8)
        self._stored: Optional[dict[str, Legacy]] = None

    def legacy(self, node: cst.BaseExpression, depth: int = 0) -> Optional[Legacy]:
        """What legacy value an expression may hold (None: none that this module shows)."""
        return self._memo.get(node, depth, lambda: self._legacy(node, depth))

    def _legacy(self, node: cst.BaseExpression, depth: int) -> Optional[Legacy]:
        if isinstance(node, cst.Attribute):
            return self._attribute(node)
        if isinstance(node, cst.Name):
            if self.calls.is_v0_completion(node):
                return Legacy("resource", True)
            bindings = self.names.assignments(node) or []
            found = [
                self.legacy(value, depth + 1)
                for binding in bindings
                if isinstance(value := self.names.assigned_value(binding), cst.BaseExpression)
            ]
            known = [item for item in found if item is not None]
            if not known:
                return None
            certain = len(bindings) == 1 and known[0].certain
            return Legacy(known[0].what, certain)
        if isinstance(node, cst.IfExp):
            return self._choice(node, [node.body, node.orelse], depth)
        if isinstance(node, cst.BooleanOperation):
            return self._choice(node, [node.left, node.right], depth)
        return None

    def _choice(self, node: cst.BaseExpression, branches: list[cst.BaseExpression], depth: int) -> Optional[Legacy]:
        found = [self.legacy(branch, depth + 1) for branch in branches]
        if isinstance(node, cst.IfExp) and all(item is None for item in found):
            # `client.chat.completions if chat else client.completions`, whatever `client` is.
            for branch, other in ((node.body, node.orelse), (node.orelse, node.body)):
                if _completions_of(branch) is not None and _completions_of(branch) == _chat_completions_of(other):
                    return Legacy("resource", False)
        known = [item for item in found if item is not None]
        return Legacy(known[0].what, False) if known else None

    def _attribute(self, node: cst.Attribute) -> Optional[Legacy]:
        name = node.attr.value
        if name == "Completion" and self.calls.is_v0_completion(node):
            return Legacy("resource", True)
        if name == "Completions" and isinstance(self.receivers.receiver(node.value), Client):
            return Legacy("resource", True)  # `openai.Completions`: a v0/v1 mix-up, meant as this
        if name == "completions" and not _under_chat(node):
            if isinstance(self.receivers.receiver(node.value), Client):
                return Legacy("resource", True)
        if name in ("create", "acreate"):
            inner = self._attribute(node.value) if isinstance(node.value, cst.Attribute) else None
            if inner is None and isinstance(node.value, cst.Name) and self.calls.is_v0_completion(node.value):
                inner = Legacy("resource", True)
            if inner is not None and inner.what == "resource":
                return Legacy("endpoint", inner.certain)
        return None

    # -- attributes the module stores a legacy value in --

    def stored(self) -> dict[str, Legacy]:
        """`self.client = openai.Completion`, `values["client"] = OpenAI().completions`:
        the attribute (or pydantic field) names the module stores legacy values under."""
        if self._stored is None:
            self._stored = {}
            for assignment in self.names.index.nodes(cst.Assign):
                found = self.legacy(assignment.value)
                if found is None:
                    continue
                for target in assignment.targets:
                    key = _stored_name(target.target)
                    if key is not None:
                        self._stored[key] = Legacy(found.what, False)
        return self._stored

    def through(self, call: cst.Call) -> Optional[str]:
        """Why a call not otherwise recognised goes through a legacy value, if it does."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("create", "acreate"):
            holder = func.value
            found = self.legacy(holder)
            if found is not None and found.what == "resource":
                return f"legacy Completions call through `{source(holder)}`, which holds the legacy resource"
            key = _stored_name(holder)
            if key is not None and self.stored().get(key, Legacy("endpoint", False)).what == "resource":
                return f"legacy Completions call through `{source(holder)}`, where this module stores the legacy resource"
        key = _stored_name(func)
        if key is not None and self.stored().get(key, Legacy("resource", False)).what == "endpoint":
            return f"legacy Completions call through `{source(func)}`, where this module stores the legacy endpoint"
        if isinstance(func, cst.Name):
            found = self.legacy(func)
            if found is not None and found.what == "endpoint" and not found.certain:
                return f"legacy Completions call through `{func.value}`, which may be the legacy endpoint"
        return None

    # -- values --

    def value_sites(self, candidates: list[cst.BaseExpression]) -> Iterator[tuple[cst.BaseExpression, str]]:
        """Each place a legacy value is used as a value (not called, not the receiver of a
        call, not a type in an annotation), with what it is."""
        for node in candidates:
            parent = self.names.parent(node)
            if isinstance(parent, cst.Attribute) and parent.value is node:
                continue  # part of a longer chain: the chain is judged as a whole
            if (isinstance(parent, cst.Call) and parent.func is node) or self._spelled_in_call(node):
                continue  # a call (also `getattr(openai.Completion, "create")(...)`): OAI001's
            if isinstance(parent, (cst.Import, cst.ImportFrom, cst.ImportAlias, cst.AssignTarget)) or self._in_type(node):
                continue
            if self.calls.expects_failure(node) or self._inside_sdk(node):
                continue
            found = self.legacy(node)
            if found is None and isinstance(parent, cst.IfExp) and _completions_of(node) is not None:
                found = self.legacy(parent)  # `client.chat.completions if chat else client.completions`
            if found is None or (not found.certain and not isinstance(node, (cst.Attribute, cst.Name))):
                continue
            if isinstance(node, cst.Name) and not self.calls.is_v0_completion(node):
                continue  # a name bound to one: its binding is the place
            yield node, _describe(node, found)

    def _spelled_in_call(self, node: cst.BaseExpression) -> bool:
        """`node` is taken apart by `getattr(node, "<name>")` in the chain a call calls."""
        current: cst.CSTNode = node
        spelled = False
        while True:
            parent = self.names.parent(current)
            if isinstance(parent, cst.Attribute) and parent.value is current:
                current = parent
                continue
            call = self.names.parent(parent) if isinstance(parent, cst.Arg) else None
            if isinstance(call, cst.Call) and (literal := self.names.getattr_literal(call)) and literal[0] is current:
                current, spelled = call, True
                continue
            return spelled and isinstance(parent, cst.Call) and parent.func is current

    def _in_type(self, node: cst.CSTNode) -> bool:
        for ancestor in self.names.ancestors(node):
            if isinstance(ancestor, (cst.Annotation, cst.Subscript)):
                return True
            if isinstance(ancestor, cst.BaseStatement):
                return False
        return False

    def _inside_sdk(self, node: cst.CSTNode) -> bool:
        return any(
            isinstance(a, cst.ClassDef) and a.name.value in ("Completions", "AsyncCompletions")
            for a in self.names.ancestors(node)
        )


def _describe(node: cst.BaseExpression, found: Legacy) -> str:
    what = "endpoint" if found.what == "endpoint" else "resource"
    return f"`{source(node)}` (the legacy Completions {what}) is used as a value"


def _stored_name(node: cst.BaseExpression) -> Optional[str]:
    """`client` of `self.client` / `llm.client` / `values["client"]`."""
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript):
        return subscript_key(node)
    return None


def _under_chat(node: cst.Attribute) -> bool:
    return isinstance(node.value, cst.Attribute) and node.value.attr.value in ("chat", "beta")


def _completions_of(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Attribute) and node.attr.value == "completions" and not _under_chat(node):
        return source(node.value)
    return None


def _chat_completions_of(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Attribute) and node.attr.value == "completions" and _under_chat(node):
        assert isinstance(node.value, cst.Attribute)
        return source(node.value.value)
    return None
