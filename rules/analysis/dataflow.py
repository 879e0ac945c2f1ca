"""Value kinds: what a value is (a completion, a stream, a choice...) and which calls it
came from, followed through variables, loops, comprehensions, awaits, `.parse()`,
`asyncio.gather`, unpacking, `max(key=...)` and the module's own functions.

Two kinds join only if they agree; anything else is unknown (None), and unknown never
gets a safe fix. A name read in a function body (or in the module's own statements)
stands for the values of the bindings that reach it in the order the code runs
(`Names.assignments`, the engine's reaching definitions); elsewhere, for every value
bound to it in its scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Optional, Union

import libcst as cst

from migrator.tree import Binding

from .. import sdk
from .names import Memo, Names
from .records import CompletionsCall
from .slots import Held
from .syntax import argument_for, return_values, string_key

Tag = Literal[
    "completion", "stream", "choices", "choice", "chunk", "chunk_choices", "chunk_choice", "logprobs",
    # parts of a v0 response being moved to v1 objects: every field read needs the attribute form
    "obj", "objstream",
]
# How a read's rewrite must look: v0 dicts, v1 objects, or v0 code moved to v1 objects.
ReadGeneration = Literal["v0", "v1", "v0to1"]

ELEMENT_OF: dict[Tag, Tag] = {
    "stream": "chunk",
    "choices": "choice",
    "chunk_choices": "chunk_choice",
    "objstream": "obj",
    "obj": "obj",
}
# Values that are (parts of) a v0 response: dicts whose string keys become attributes in v1.
RESPONSE_TAGS: frozenset[Tag] = frozenset({"completion", "chunk", "choice", "chunk_choice", "logprobs", "obj"})
ATTRIBUTE_OF: dict[tuple[Tag, str], Tag] = {
    ("completion", "choices"): "choices",
    ("chunk", "choices"): "chunk_choices",
    ("choice", "logprobs"): "logprobs",
    ("chunk_choice", "logprobs"): "logprobs",
}
# Response parts that are objects with fields (not the str and int values inside them).
STRUCTURED_TAGS: frozenset[Tag] = frozenset(
    {"completion", "chunk", "choice", "chunk_choice", "choices", "chunk_choices", "stream", "logprobs"}
)
PICKERS = frozenset({"builtins.max", "builtins.min", "builtins.sorted", "builtins.reversed", "builtins.list"})


@dataclass(frozen=True)
class Kind:
    base: Tag
    sources: frozenset[str]  # the keys of the calls the value came from
    raw: bool = False  # a `with_raw_response` result: `.parse()` gives the value itself
    lists: int = 0  # how many lists hold it (gathered results, comprehensions)
    # Something else may reach the same place too (another call's response, a value not
    # traced): such a value is not this kind for certain, and reading it must keep its
    # calls as they are (a read is rewritten only with every call that reaches it).
    mixed: bool = False

    @property
    def tag(self) -> Optional[Tag]:
        """The tag of a plain, certain value (None while it is wrapped in a raw response
        or a list, or when other values may reach it)."""
        return None if self.raw or self.lists or self.mixed else self.base

    @property
    def read_tag(self) -> Optional[Tag]:
        """The tag a read would see were it certain (mixed or not)."""
        return None if self.raw or self.lists else self.base

    def join(self, other: Optional[Kind]) -> Kind:
        if other is None:
            return replace(self, mixed=True)
        sources = self.sources | other.sources
        if (other.base, other.raw, other.lists) != (self.base, self.raw, self.lists):
            return replace(self, sources=sources, mixed=True)
        return replace(self, sources=sources, mixed=self.mixed or other.mixed)

    def field(self, key: str) -> Optional[Kind]:
        """The kind of `value.key` / `value["key"]`."""
        tag = self.read_tag
        if tag is None:
            return None
        found = ATTRIBUTE_OF.get((tag, key))
        if found is None and tag in RESPONSE_TAGS:
            found = "obj"
        return Kind(found, self.sources, mixed=self.mixed) if found else None

    def element(self) -> Optional[Kind]:
        if self.lists:
            return replace(self, lists=self.lists - 1)
        found = ELEMENT_OF.get(self.base) if not self.raw else None
        return Kind(found, self.sources, mixed=self.mixed) if found else None

    def listed(self) -> Kind:
        return replace(self, lists=self.lists + 1)


def join_all(kinds: Sequence[Optional[Kind]]) -> Optional[Kind]:
    """One kind for values from several places; mixed if they disagree or some are not
    traced (None only when none is)."""
    known = [kind for kind in kinds if kind is not None]
    if not known:
        return None
    result = known[0]
    for kind in known[1:]:
        result = result.join(kind)
    return replace(result, mixed=True) if len(known) != len(kinds) else result


class Flow:
    def __init__(self, names: Names, calls: Mapping[int, CompletionsCall]) -> None:
        self.names = names
        self.calls = calls  # by id of the call node
        self._memo: Memo[Kind] = Memo(limit=24)

    def generation_of(self, kind: Optional[Kind]) -> Optional[ReadGeneration]:
        """How the calls a value came from are migrated (None: untraced or mixed)."""
        if kind is None:
            return None
        generations: set[ReadGeneration] = {
            "v0to1" if call.upgrade else call.generation for call in self.calls.values() if call.key in kind.sources
        }
        return generations.pop() if len(generations) == 1 else None

    def calls_of(self, kind: Kind) -> list[CompletionsCall]:
        return [call for call in self.calls.values() if call.key in kind.sources]

    def annotation_kind(self, annotation: Optional[cst.Annotation]) -> Optional[Kind]:
        """`response: Completion` / `stream: Stream[Completion]` say what a value is."""
        if annotation is None:
            return None
        expression = annotation.annotation
        stream = False
        if isinstance(expression, cst.Subscript) and self.names.qualified_names(expression.value) & sdk.STREAM_CONTAINERS:
            if len(expression.slice) != 1 or not isinstance(expression.slice[0].slice, cst.Index):
                return None
            expression, stream = expression.slice[0].slice.value, True
        for name in self.names.qualified_names(expression):
            if name in sdk.LEGACY_TYPES:
                tag: Tag = sdk.LEGACY_TYPES[name][0][0]  # type: ignore[assignment]
                if stream and tag == "completion":
                    tag = "stream"
                elif stream:
                    return None
                return Kind(tag, frozenset({"types@module"}))
        return None

    def kind(self, node: cst.CSTNode, depth: int = 0) -> Optional[Kind]:
        return self._memo.get(node, depth, lambda: self._kind(node, depth))

    def rebound_away(self, node: cst.BaseExpression) -> bool:
        """Whether the variable an expression reads from (`r` of `r.choices[0]`) held a
        traced response earlier in its scope, but a later binding replaced it on every
        path here: what is read now is something else (`r = create(...); r = other()`)."""
        while isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
        if not isinstance(node, cst.Name):
            return False
        reaching = self.names.assignments(node) or []
        every = self.names.all_assignments(node) or []
        if len(reaching) == len(every):
            return False
        if any(self._binding_kind(binding, 1) is not None for binding in reaching):
            return False
        return any(self._binding_kind(binding, 1) is not None for binding in every if binding not in reaching)

    def _kind(self, node: cst.CSTNode, depth: int) -> Optional[Kind]:
        if isinstance(node, cst.Call):
            return self._call_kind(node, depth)
        if isinstance(node, cst.Await):
            return self.kind(node.expression, depth + 1)
        if isinstance(node, cst.Name):
            assignments = self.names.assignments(node)
            if not assignments:
                return None
            found = join_all(
                [self._binding_kind(assignment, depth) for assignment in assignments if not self._binds_none(assignment)]
            )
            if found is None and self.names.slots.filled(node):
                # `results = []` filled with `results.append(r)`: a list of what it keeps
                items = self._held_kind(self.names.slots.items(node), depth)
                return items.listed() if items is not None else None
            return found
        if isinstance(node, cst.Attribute):
            base = self.kind(node.value, depth + 1)
            if base is None and isinstance(node.value, cst.Name):
                return self._held_kind(self.names.slots.attribute(node), depth)  # `self.last`
            return base.field(node.attr.value) if base is not None else None
        if isinstance(node, cst.Subscript):
            base = self.kind(node.value, depth + 1)
            if len(node.slice) != 1:
                return None
            index = node.slice[0].slice
            if base is None and isinstance(index, cst.Index):
                # `cache[q]`: what the module stores in the container
                return self._held_kind(self.names.slots.items(node.value, string_key(index.value)), depth)
            if base is None and isinstance(node.value, (cst.Name, cst.Attribute)):
                items = self._held_kind(self.names.slots.items(node.value), depth)  # `results[1:]`
                return items.listed() if items is not None else None
            if base is None:
                return None
            if not isinstance(index, cst.Index):
                return base  # a slice of choices is still choices
            key = string_key(index.value)
            if key is not None:  # r["choices"]: v0 responses are dicts as well
                return base.field(key)
            return base.element()
        if isinstance(node, cst.IfExp):
            return join_all([self.kind(branch, depth + 1) for branch in (node.body, node.orelse) if not _is_none(branch)])
        if isinstance(node, (cst.List, cst.Tuple)):
            elements = [e.value for e in node.elements if isinstance(e, cst.Element)]
            inner = join_all([self.kind(e, depth + 1) for e in elements]) if elements else None
            return inner.listed() if inner else None
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            inner = self.kind(node.elt, depth + 1)
            return inner.listed() if inner else None
        return None

    def _call_kind(self, node: cst.Call, depth: int) -> Optional[Kind]:
        call = self.calls.get(id(node))
        if call is not None:
            if call.stream is None:
                return None
            tag: Tag = "stream" if call.stream else "completion"
            if call.chat:
                tag = "objstream" if call.stream else "obj"
            return Kind(tag, frozenset({call.key}), raw=call.variant != "plain")
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args:
            key = string_key(node.args[0].value)
            base = self.kind(func.value, depth + 1)
            if base is None:
                return self._got_kind(node, key, depth)
            return base.field(key) if key is not None else None
        if isinstance(func, cst.Attribute) and func.attr.value == "parse":
            inner = self.kind(func.value, depth + 1)
            if inner is not None and inner.raw and not inner.lists:
                return replace(inner, raw=False)
            return None
        names = self.names.qualified_names(func)
        if "typing.cast" in names and len(node.args) == 2:
            return self.kind(node.args[1].value, depth + 1)  # cast(T, r) is r
        if "asyncio.gather" in names:
            return self._gather_kind(node, depth)
        if names & PICKERS and node.args and not node.args[0].keyword:
            # max(r.choices, key=...) is one of the choices; sorted(...) keeps them all.
            inner = self.kind(node.args[0].value, depth + 1)
            if inner is None:
                return None
            return inner.element() if names & {"builtins.max", "builtins.min"} else inner
        function = self.names.local_function(func)
        if function is not None:
            values = return_values(function)
            # `return None` (a failure path) never reaches a read of the response.
            values = [value for value in values if not _is_none(value)]
            return join_all([self.kind(v, depth + 1) for v in values]) if values else None
        return None

    def _held_kind(self, held: Optional[Held], depth: int) -> Optional[Kind]:
        """The kind of what a slot holds: every value the module stores there (`None`
        aside); mixed when something not in view may be stored there too."""
        if held is None:
            return None
        kinds = [self.kind(value, depth + 1) for value in held.values if not _is_none(value)]
        if not kinds:
            return None
        return join_all(kinds if held.complete else [*kinds, None])

    def _got_kind(self, node: cst.Call, key: Optional[str], depth: int) -> Optional[Kind]:
        """`cache.get(q[, default])` of a container the module fills."""
        assert isinstance(node.func, cst.Attribute)
        kind = self._held_kind(self.names.slots.items(node.func.value, key), depth)
        default = node.args[1].value if len(node.args) > 1 else None
        if kind is None or default is None or _is_none(default):
            return kind
        return join_all([kind, self.kind(default, depth + 1)])

    def _gather_kind(self, node: cst.Call, depth: int) -> Optional[Kind]:
        if len(node.args) == 1 and node.args[0].star == "*":
            inner = self.kind(node.args[0].value, depth + 1)
            return inner if inner is not None and inner.lists else None
        values = [a.value for a in node.args if not a.keyword and not a.star]
        inner = join_all([self.kind(v, depth + 1) for v in values]) if values else None
        return inner.listed() if inner else None

    def _binds_none(self, assignment: Binding) -> bool:
        value = self.names.assigned_value(assignment)
        return isinstance(value, cst.BaseExpression) and _is_none(value)

    def _binding_kind(self, assignment: Binding, depth: int) -> Optional[Kind]:
        value = self.names.assigned_value(assignment)
        target = assignment.node
        if isinstance(value, (cst.For, cst.CompFor)):
            return self._iteration_kind(value, target, depth)
        if isinstance(value, cst.WithItem):
            return self.kind(value.item, depth + 1)
        if isinstance(value, cst.Param):
            return self._param_kind(value, depth) or self.annotation_kind(value.annotation)
        if isinstance(value, cst.BaseExpression):
            if isinstance(target, cst.Name) and isinstance(self.names.parent(target), (cst.Element, cst.StarredElement)):
                return self._unpacked_kind(target, value, depth)
            return self.kind(value, depth + 1)
        return None

    def _unpacked_kind(self, target: cst.Name, value: cst.BaseExpression, depth: int) -> Optional[Kind]:
        """`first, *rest = r.choices`: `first` is a choice, `rest` a list of them."""
        holder = self.names.parent(target)
        sequence = self.names.parent(holder) if holder is not None else None
        if not isinstance(sequence, (cst.Tuple, cst.List)) or not isinstance(
            self.names.parent(sequence), (cst.AssignTarget, cst.For, cst.CompFor)
        ):
            return None  # nested unpacking: not followed
        kind = self.kind(value, depth + 1)
        if kind is None:
            return None
        if isinstance(holder, cst.StarredElement):
            return kind if kind.tag in ELEMENT_OF or kind.lists else None
        return kind.element()

    def _iteration_kind(self, loop: Union[cst.For, cst.CompFor], target: cst.CSTNode, depth: int) -> Optional[Kind]:
        iterable = loop.iter
        if loop.target is target:
            kind = self.kind(iterable, depth + 1)
            if kind is None and isinstance(iterable, cst.Attribute):
                # `for r in results`: the items the module keeps in the container
                return self._held_kind(self.names.slots.items(iterable), depth)
            return kind.element() if kind else None
        # `for i, choice in enumerate(r.choices)` and `for a, b in zip(x, y)`
        if not isinstance(loop.target, (cst.Tuple, cst.List)) or not isinstance(iterable, cst.Call):
            return None
        position = next((i for i, e in enumerate(loop.target.elements) if e.value is target), None)
        if position is None:
            return None
        names = self.names.qualified_names(iterable.func)
        args = [a.value for a in iterable.args if not a.keyword and not a.star]
        if "builtins.enumerate" in names or (isinstance(iterable.func, cst.Name) and iterable.func.value == "enumerate"):
            if position == 1 and args:
                kind = self.kind(args[0], depth + 1)
                return kind.element() if kind else None
            return None
        if isinstance(iterable.func, cst.Name) and iterable.func.value == "zip" and position < len(args):
            kind = self.kind(args[position], depth + 1)
            return kind.element() if kind else None
        return None

    def _param_kind(self, param: cst.Param, depth: int) -> Optional[Kind]:
        """A parameter's kind: the join of what every call site in this module passes."""
        function = self.names.parent(self.names.parent(param) or param)
        if isinstance(function, cst.Lambda):
            return self._key_function_kind(function, depth)
        if not isinstance(function, cst.FunctionDef):
            return None
        sites = self.names.call_sites(function)
        if not sites:
            return None
        params = list(function.params.params)
        position = next((i for i, p in enumerate(params) if p is param), None)
        is_method = self.names.is_method(function)
        kinds: list[Optional[Kind]] = []
        for site, bound_method in sites:
            argument = argument_for(site, param.name.value, position, is_method and bound_method)
            if argument is None:
                if param.default is not None:
                    continue
                kinds.append(None)  # passed by `*args`/`**kwargs`: not in view
            elif not _is_none(argument):
                kinds.append(self.kind(argument, depth + 1))
        return join_all(kinds) if kinds else None

    def _key_function_kind(self, function: cst.Lambda, depth: int) -> Optional[Kind]:
        """`max(choices, key=lambda c: ...)`: the lambda sees one element at a time."""
        arg = self.names.parent(function)
        call = self.names.parent(arg) if isinstance(arg, cst.Arg) else None
        if not isinstance(arg, cst.Arg) or arg.keyword is None or arg.keyword.value != "key":
            return None
        if not isinstance(call, cst.Call) or not (self.names.qualified_names(call.func) & PICKERS) or not call.args:
            return None
        inner = self.kind(call.args[0].value, depth + 1)
        return inner.element() if inner is not None else None


def _is_none(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
