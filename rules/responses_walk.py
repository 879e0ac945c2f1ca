"""`--target responses`: the walk over the uses of a module's migrated responses.

What the walk records (the reports, and the edits that go with a call's own fix) and how
it follows a value: the step from an expression to its parent (a field read, a method, an
index, a loop...), and whether a value stored in a variable, passed to a function of the
module or returned from one can be followed to every use. What each part of a response
may be used for is `responses_reads.py`'s; the loops over a stream are
`responses_streams.py`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report, RuleContext

from .analysis import Analysis, Kind
from .analysis.names import Names
from .analysis.syntax import literal_index, single_name_target, string_key, subscript_key
from .responses_read_edits import to_attribute

READS_CODE = "OAI002"
STREAM_CODE = "OAI003"
TYPES_KEY = "types@module"

# A response stored or passed where other values go too (`Walk._lost`): what to say.
LOST = (
    "the response is stored or passed where other values go too, so its reads cannot all be followed",
    "keep the response in a variable of its own (not one that is also set to None or to other values)",
)
# An untraced read that may see a response the module keeps on an attribute or in a
# container (`TextRead.stored_by`): the calls that keep one wait for it.
STORED_ADVICE = (
    "it may read a response this module keeps on an attribute or in a container, so the calls "
    "that keep one stay as they are: read it through the attribute or container it is kept in "
    "(`self.x`, `cache[key]`) so it can be traced, or migrate this read with those calls by hand "
    "(`output_text`)"
)
# Parents that bind tighter than a conditional expression put in their place.
_TIGHT = (
    cst.Attribute,
    cst.Subscript,
    cst.BinaryOperation,
    cst.UnaryOperation,
    cst.Comparison,
    cst.ComparisonTarget,
    cst.Await,
    cst.BooleanOperation,
    cst.IfExp,
)


@dataclass(frozen=True)
class Step:
    """How an expression is used by its parent."""

    how: str  # field, method, index, await, iter, assign, compare, test, arg, with, write, other
    node: cst.CSTNode  # the parent expression (the field read, the call...) or the statement
    name: str = ""  # field or method name
    form: str = "attr"  # how a field is read: attr, item, get, getattr
    index: Optional[int] = None


@dataclass
class _Attachments:
    edits: list[Edit] = field(default_factory=list)
    groups: set[str] = field(default_factory=set)


class Walk:
    """The census's state as it walks, the steps it takes from a value to its uses, and
    how it records what it finds; what each part of a response may be used for is the
    census's own (`visit`)."""

    def __init__(self, ctx: RuleContext, analysis: Analysis) -> None:
        self.ctx = ctx
        self.analysis = analysis
        self.names = analysis.names
        self.flow = analysis.flow
        self.calls = [call for call in analysis.calls if not call.chat]
        self.keys = frozenset(call.key for call in self.calls)
        self.reports: list[Report] = []
        self.attached: dict[str, _Attachments] = {}
        self.seen: set[int] = set()
        self.reported: set[int] = set()

    def visit(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        """Follow `node`, a value of `kind`, to its uses; `pending`: the edits that move
        with the value's reads (the census says what each part may be used for)."""
        raise NotImplementedError

    # -- following a value --

    def _step(self, node: cst.CSTNode) -> Step:
        names = self.names
        parent = names.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            grand = names.parent(parent)
            if isinstance(grand, cst.Call) and grand.func is parent:
                if parent.attr.value == "get" and grand.args and not grand.args[0].keyword:
                    key = string_key(grand.args[0].value)
                    if key is not None:
                        return Step("field", grand, key, "get")
                return Step("method", grand, parent.attr.value)
            if _is_written(names, parent):
                return Step("write", parent, parent.attr.value)
            return Step("field", parent, parent.attr.value)
        if isinstance(parent, cst.Subscript) and parent.value is node:
            key = subscript_key(parent)
            if key is not None:
                if _is_written(names, parent):
                    return Step("write", parent, key, "item")
                return Step("field", parent, key, "item")
            return Step("index", parent, index=literal_index(parent))
        if isinstance(parent, cst.Arg) and parent.value is node:
            call = names.parent(parent)
            if isinstance(call, cst.Call):
                if isinstance(call.func, cst.Name) and call.func.value == "getattr" and len(call.args) == 2 and call.args[0] is parent:
                    key = string_key(call.args[1].value)
                    if key is not None:
                        return Step("field", call, key, "getattr")
                return Step("arg", call)
        if isinstance(parent, cst.Await):
            return Step("await", parent)
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
            return Step("iter", parent)
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            return Step("assign", parent)
        if isinstance(parent, cst.ComparisonTarget):
            grand = names.parent(parent)
            assert grand is not None
            return Step("compare", grand)
        if isinstance(parent, cst.Comparison):
            return Step("compare", parent)
        if isinstance(parent, (cst.If, cst.While, cst.IfExp)) and parent.test is node:
            return Step("test", parent)
        if isinstance(parent, cst.BooleanOperation) or (isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not)):
            return Step("test", parent)
        if isinstance(parent, cst.WithItem) and parent.item is node:
            return Step("with", parent)
        return Step("other", parent if parent is not None else node)

    def _followed(self, node: cst.CSTNode, step: Step) -> bool:
        """Stored in a local variable, passed to a function of this module or returned
        from one, where every use of it is traced (and so rewritten or reported here)."""
        names = self.names
        if step.how == "assign":
            target = single_name_target(step.node)
            return target is not None and self._all_traced(names.references(target, target.value))
        if step.how == "arg" and isinstance(step.node, cst.Call):
            function = names.local_function(step.node.func)
            param = self._param_for(step.node, node, function) if function is not None else None
            return param is not None and self._all_traced(names.references(param, param.name.value))
        if step.how == "other" and isinstance(step.node, cst.Return):
            function = names.enclosing(step.node, cst.FunctionDef)
            sites = names.call_sites(function) if function is not None else None
            return bool(sites) and self._all_traced([site for site, _bound in sites or ()])
        return False

    def _lost(self, node: cst.CSTNode, step: Step) -> bool:
        """Stored in a variable, or passed to a function of this module, where some use
        of it cannot be traced (the variable holds other values too, say)."""
        if step.how == "assign":
            return single_name_target(step.node) is not None and not self._followed(node, step)
        if step.how == "arg" and isinstance(step.node, cst.Call) and self.names.local_function(step.node.func) is not None:
            return not self._followed(node, step)
        return False

    def _all_traced(self, nodes: Optional[Sequence[cst.CSTNode]]) -> bool:
        if nodes is None:
            return False
        for node in nodes:
            kind = self.flow.kind(node)
            if kind is None or kind.mixed or not kind.sources & (self.keys | {TYPES_KEY}):
                return False
        return True

    def _param_for(self, call: cst.Call, value: cst.CSTNode, function: cst.FunctionDef) -> Optional[cst.Param]:
        """The parameter of a local function that `value` (an argument of `call`) binds."""
        arg = self.names.parent(value)
        if not isinstance(arg, cst.Arg) or arg.star:
            return None
        params = function.params
        if arg.keyword is not None:
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            return next((p for p in every if p.name.value == arg.keyword.value), None)
        positional = [a for a in call.args if a.keyword is None]
        position = positional.index(arg)
        if any(a.star for a in positional[:position]):
            return None
        ordered = [*params.posonly_params, *params.params]
        position += 1 if isinstance(call.func, cst.Attribute) else 0  # `self.helper(x)`
        return ordered[position] if position < len(ordered) else None

    def _only_binding(self, target: cst.Name) -> bool:
        """The name is bound here and nowhere else in its scope."""
        bindings = self.names.assignments(target) or []
        return len(bindings) == 1 and bindings[0].node is target

    # -- writing and recording --

    def _attribute_form(self, step: Step, name: str) -> list[Edit]:
        """openai<1.0 dict reads (`r["usage"]`, `r.get("id")`) become attributes."""
        if step.form in ("attr", "getattr"):
            return []
        return [Edit(step.node, to_attribute(name))]

    def _quote(self, node: cst.CSTNode) -> str:
        """The quote for string literals written at `node`: not the one of an f-string
        around it (before Python 3.12 an f-string cannot hold its own quote)."""
        fstring = self.names.enclosing(node, cst.FormattedString, stop=(cst.SimpleStatementLine, cst.BaseCompoundStatement))
        return "'" if fstring is not None and '"' in fstring.start else '"'

    def _needs_parentheses(self, node: cst.CSTNode) -> bool:
        parent = self.names.parent(node)
        if isinstance(parent, cst.Call):
            return parent.func is node
        return isinstance(parent, _TIGHT)

    def _attach(self, kind: Kind, pending: Sequence[Edit]) -> None:
        if not pending:
            return
        key = next((call.key for call in self.calls if call.key in kind.sources), None)
        if key is None:
            key = next((call.key for call in self.calls if call.generation == "v1"), None)
        if key is None:
            # No call to go with (a helper typed with the legacy types, say): the edits need
            # a report of their own, in the same groups as the reads they serve.
            self.reports.append(
                Report(
                    code=READS_CODE,
                    node=pending[0].target,
                    message="a legacy response part read here moves to its Responses counterpart",
                    fix=Fix(Applicability.SAFE, tuple(pending)),
                    groups=kind.sources,
                )
            )
            return
        found = self.attached.setdefault(key, _Attachments())
        found.edits.extend(pending)
        found.groups.update(kind.sources)

    def _fix(self, code: str, node: cst.CSTNode, message: str, kind: Kind, fix_edits: Sequence[Edit]) -> None:
        self.reported.add(id(node))
        self.reports.append(
            Report(code=code, node=node, message=message, fix=Fix(Applicability.SAFE, tuple(fix_edits)), groups=kind.sources)
        )

    def _manual(self, code: str, node: cst.CSTNode, message: str, advice: str, kind: Kind) -> None:
        self.reported.add(id(node))
        self.reports.append(Report(code=code, node=node, message=message, advice=advice, groups=kind.sources))


def _is_written(names: Names, node: cst.CSTNode) -> bool:
    parent = names.parent(node)
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        return True
    if isinstance(parent, cst.AugAssign) and parent.target is node:
        return True
    return isinstance(parent, cst.Del)
