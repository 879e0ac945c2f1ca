"""`--target responses`: every read of a migrated response, and what it becomes.

A Response has no `choices`: its one output is read from the response itself. So the
first choice stands for the response (`r.choices[0]` becomes `r`, and a variable holding
the choice holds the response), and each field read off a choice, the usage or the
legacy logprobs is mapped to its Responses counterpart, or reported when it has none.
Unlike the chat target, where a choice keeps its fields, nothing of the legacy shape
survives here, so every use of a response part is accounted for: a use this module does
not know blocks the call instead of being left behind.

Streams yield typed events instead of chunks. A legacy stream is one chunk per piece of
text and a last chunk with empty text and the finish reason; a Responses stream is
`response.output_text.delta` events (the text, in `event.delta`) among others, and ends
with `response.completed` (or `response.incomplete` at the token budget). A loop over the
stream therefore skips every other event and reads `event.delta`; where the last empty
chunk mattered (a `print` per chunk, a count, a list of the pieces) the terminal event
stands for it with an empty text, so the output is the same, line for line.

Reads of plain responses are OAI002's findings, reads of stream chunks OAI003's. Edits
that belong to no read (a choice stored in a variable, a loop's event filter, the dict
reads of openai<1.0 code turned into attributes) go with the call's own fix (OAI001).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report, RuleContext

from . import edits, sdk
from .analysis import Analysis, Kind, analyse
from .analysis.escapes import SERIALIZERS
from .analysis.syntax import string_key, string_value, subscript_key
from .read_rewrites import mixed_read
from .type_rewrites import type_reports

READS_CODE = "OAI002"
STREAM_CODE = "OAI003"
TYPES_KEY = "types@module"

DELTA = sdk.TEXT_DELTA_EVENT
CHUNK_EVENTS = (DELTA, *sdk.TERMINAL_EVENTS)

# Fields of a raw or streaming HTTP response that do not depend on the body's shape.
RAW_SAME = frozenset(
    {"headers", "status_code", "http_request", "http_response", "url", "request_id", "elapsed", "retries_taken", "is_closed", "close", "http_version", "reason_phrase"}
)
STREAM_SAME = frozenset({"response", "close"})
# Builtins that would consume a stream chunk by chunk, where a Responses stream has other events.
STREAM_CONSUMERS = frozenset(
    f"builtins.{name}" for name in ("next", "list", "tuple", "iter", "enumerate", "zip", "sorted", "reversed", "len", "map", "filter", "set")
)
FINISH_REASONS = ("stop", "length", "content_filter")
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}

# The legacy logprobs of the (only) choice: the log probabilities of every output text
# part, in order (what `output_text` joins). `__r__` is the response.
LOGPROBS_LIST = (
    '[logprob for item in __r__.output if item.type == "message" '
    'for part in item.content if part.type == "output_text" for logprob in part.logprobs or []]'
)
_LOGPROB_ITEMS = {
    "tokens": "__t__.token",
    "token_logprobs": "__t__.logprob",
    "top_logprobs": "{x.token: x.logprob for x in __t__.top_logprobs}",
}
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

Transform = Callable[[Any], Any]


@dataclass(frozen=True)
class Census:
    reports: tuple[Report, ...]
    # call key -> edits that go with the call's own fix, and the groups they tie it to
    attached: dict[str, tuple[list[Edit], frozenset[str]]]


def census(ctx: RuleContext) -> Census:
    return ctx.memo(__name__, lambda: _Census(ctx, analyse(ctx)).run())


def read_reports(ctx: RuleContext) -> Iterator[Report]:
    """OAI002 under `--target responses`."""
    return (report for report in census(ctx).reports if report.code == READS_CODE)


def stream_reports(ctx: RuleContext) -> Iterator[Report]:
    """OAI003's read findings under `--target responses`."""
    return (report for report in census(ctx).reports if report.code == STREAM_CODE)


@dataclass(frozen=True)
class _Step:
    """How an expression is used by its parent."""

    how: str  # field, method, index, await, iter, assign, compare, test, arg, with, write, other
    node: cst.CSTNode  # the parent expression (the field read, the call...) or the statement
    name: str = ""  # field or method name
    form: str = "attr"  # how a field is read: attr, item, get, getattr
    index: Optional[int] = None


@dataclass
class _Loop:
    """A loop (or comprehension) over a migrated stream: whether the last legacy chunk
    (empty text) can be ignored (`delta_only`), or the terminal event must stand for it."""

    target: str
    delta_only: bool
    sources: frozenset[str]


@dataclass
class _Attachments:
    edits: list[Edit] = field(default_factory=list)
    groups: set[str] = field(default_factory=set)


class _Census:
    def __init__(self, ctx: RuleContext, analysis: Analysis) -> None:
        self.ctx = ctx
        self.analysis = analysis
        self.names = analysis.names
        self.flow = analysis.flow
        self.calls = [call for call in analysis.calls if not call.chat]
        self.keys = frozenset(call.key for call in self.calls)
        self.reports: list[Report] = []
        self.attached: dict[str, _Attachments] = {}
        self.loops: dict[int, _Loop] = {}
        self.seen: set[int] = set()
        self.reported: set[int] = set()

    # -- the walk --

    def run(self) -> Census:
        if self.calls:
            deferred: list[tuple[cst.Name, Kind]] = []
            for call in self.calls:
                kind = self.flow.kind(call.node)
                if kind is not None:
                    self.visit(call.node, kind, [])
            for site in self.ctx.index.nodes(cst.Call):
                # `helper(...)` of a function of this module that returns a response
                if self.names.local_function(site.func) is not None:
                    kind = self.flow.kind(site)
                    if kind is not None and kind.sources & self.keys and kind.base not in ("obj", "objstream", "chunk"):
                        self.visit(site, kind, [])
            for name in self._loads():
                kind = self.flow.kind(name)
                if kind is None or not kind.sources & (self.keys | {TYPES_KEY}) or kind.base in ("obj", "objstream"):
                    continue
                if kind.tag == "chunk":
                    deferred.append((name, kind))  # after every loop over a stream is planned
                else:
                    self.visit(name, kind, [])
            for name, kind in deferred:
                self.visit(name, kind, [])
            self._object_compares()
        self._left_over_reads()
        self._untraced_reads()
        for node, kind in self.analysis.text_guards:
            # Code written for both shapes: after the migration the test means something else.
            self._manual(
                READS_CODE,
                node,
                '`hasattr(..., "text")` tells legacy choices from others: on a Response it tests its text configuration',
                "migrate the branch that reads `text` and the one that does not by hand, then drop the test",
                kind,
            )
        self.reports.extend(self._types())
        attached = {key: (found.edits, frozenset(found.groups)) for key, found in self.attached.items()}
        return Census(tuple(self.reports), attached)

    def _loads(self) -> list[cst.Name]:
        """Every name that is read (not bound), in source order."""
        index = self.ctx.index
        reads: set[int] = set()
        known: set[int] = set()
        every = index.nodes(cst.Name)
        for name in every:
            for binding in index.bindings(name):
                if id(binding) not in known:
                    known.add(id(binding))
                    reads.update(id(reference) for reference in binding.references)
        return [name for name in every if id(name) in reads]

    def visit(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        if id(node) in self.seen:
            return
        self.seen.add(id(node))
        if kind.mixed:
            # Another value may be read here too: neither this nor its calls move.
            stream = kind.base in ("stream", "chunk", "chunk_choices", "chunk_choice")
            self.reported.add(id(node))
            self.reports.append(mixed_read(STREAM_CODE if stream else READS_CODE, node, kind))
            return
        if kind.raw:
            self._raw(node, kind, pending)
        elif kind.lists:
            self._listed(node, kind, pending)
        elif kind.base == "completion":
            self._response(node, kind, pending)
        elif kind.base == "choices" or kind.base == "chunk_choices":
            self._choices(node, kind, pending)
        elif kind.base == "chunk_choice":
            # A chunk's text is read in one go from the chunk (`_chunk`); a chunk's choice
            # kept on its own has nothing left to read it from.
            self._manual(
                STREAM_CODE,
                node,
                "a stream chunk's choice has no Responses counterpart: the stream yields typed events",
                f'read `event.delta` of the `"{DELTA}"` events in the loop over the stream',
                kind,
            )
        elif kind.base == "choice":
            self._choice(node, kind, pending)
        elif kind.base == "logprobs":
            self._logprobs(node, kind, pending)
        elif kind.base == "stream":
            self._stream(node, kind, pending)
        elif kind.base == "chunk":
            self._chunk(node, kind, pending)
        else:
            self._attach(kind, pending)

    # -- what each part of a response may be used for --

    def _response(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        if step.how == "await":
            self.visit(step.node, kind, pending)
        elif step.how == "write":
            self._manual(READS_CODE, step.node, "a write to a completion has no Responses counterpart", "build the values you need from the response's fields instead", kind)
        elif step.how == "field":
            name = step.name
            moved = [*pending, *self._attribute_form(step, name)]
            if name == "choices":
                self.visit(step.node, Kind("choices", kind.sources), moved)
            elif name == "usage":
                self._usage(step.node, kind, moved)
            elif name in sdk.RESPONSES_SAME_FIELDS:
                self._attach(kind, moved)
            elif name == "created":
                self._fix(
                    READS_CODE,
                    step.node,
                    "`created` is `created_at` on a Response (a float)",
                    kind,
                    [*pending, Edit(step.node, _created_at)],
                )
            else:
                self._manual(
                    READS_CODE,
                    step.node,
                    f"`{name}` of a completion has no Responses counterpart",
                    "read what you need from the Response (`output_text`, `usage`, `status`, `id`, `model`)",
                    kind,
                )
        elif step.how == "method" and step.name not in SERIALIZERS:
            self._manual(READS_CODE, step.node, f"`{step.name}()` of a completion has no Responses counterpart", "read the fields of the Response instead", kind)
        elif self._lost(node, step):
            self._manual(READS_CODE, node, *_LOST, kind)
        else:
            # Stored, returned, passed on, serialised: the names are followed on their own,
            # and what leaves the module makes the call's fix unsafe (analysis.escapes).
            self._attach(kind, pending)

    def _choices(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        stream = kind.base == "chunk_choices"
        code = STREAM_CODE if stream else READS_CODE
        if step.how == "index" and step.index == 0 and not stream:
            self.visit(step.node, Kind("choice", kind.sources), [*pending, Edit(step.node, _holder_of_choices)])
            return
        if step.how == "index" and step.index is not None:
            what = f"`choices[{step.index}]` has no Responses counterpart: a response has one output"
        else:
            what = "the `choices` list has no Responses counterpart: a response has one output"
        advice = (
            "read the text of the stream's `response.output_text.delta` events (`event.delta`)"
            if stream
            else "read `output_text` of the response; for several outputs send several requests"
        )
        self._manual(code, step.node if step.how == "index" else node, what, advice, kind)

    def _choice(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        if step.how == "write":
            self._manual(READS_CODE, step.node, "a write to a choice has no Responses counterpart", "build the values you need from the response's fields instead", kind)
        elif step.how == "field":
            name = step.name
            if name == "text":
                self._fix(
                    READS_CODE,
                    step.node,
                    "completion text read as `text`; a Response has `output_text`",
                    kind,
                    [*pending, Edit(step.node, _to_attribute("output_text"))],
                )
            elif name == "finish_reason":
                self._finish_reason(node, step, kind, pending)
            elif name == "index":
                self._fix(
                    READS_CODE,
                    step.node,
                    "the choice's `index` is 0: a Response has one output",
                    kind,
                    [*pending, Edit(step.node, lambda updated: cst.Integer("0", lpar=updated.lpar, rpar=updated.rpar))],
                )
            elif name == "logprobs":
                self._choice_logprobs(step, kind, pending)
            else:
                self._manual(READS_CODE, step.node, f"`{name}` of a choice has no Responses counterpart", "read what you need from the Response", kind)
        elif step.how == "test" or self._followed(node, step):
            self._attach(kind, pending)
        else:
            self._manual(
                READS_CODE,
                node,
                "a choice used as a whole has no Responses counterpart",
                "read the fields you need (`output_text`, ...) from the response where the choice was taken",
                kind,
            )

    def _finish_reason(self, choice: cst.CSTNode, step: _Step, kind: Kind, pending: list[Edit]) -> None:
        comparison = self.names.parent(step.node)
        if isinstance(comparison, cst.ComparisonTarget):
            comparison = self.names.parent(comparison)
        advice = (
            'compare `response.status == "completed"` (was "stop") or '
            '`response.incomplete_details.reason == "max_output_tokens"` (was "length")'
        )
        mapped = None
        if isinstance(comparison, cst.Comparison):
            context = self.names.parent(comparison)
            alone = isinstance(context, (cst.If, cst.While, cst.Assign, cst.AnnAssign, cst.Return, cst.Arg, cst.Expr, cst.Assert))
            if isinstance(context, cst.IfExp):
                alone = context.test is comparison
            mapped = _finish_comparison(comparison, step.node, not alone)
        if mapped is None or comparison is None or not _is_pure(choice):
            self._manual(READS_CODE, step.node, "`finish_reason` has no Responses counterpart", advice, kind)
            return
        self._fix(
            READS_CODE,
            step.node,
            "`finish_reason` has no Responses counterpart; the comparison becomes one of `status` / `incomplete_details.reason`",
            kind,
            [*pending, Edit(comparison, mapped)],
        )

    def _choice_logprobs(self, step: _Step, kind: Kind, pending: list[Edit]) -> None:
        calls = [call for call in self.calls if call.key in kind.sources]
        requested = [call.keyword("logprobs") for call in calls]
        if not calls or not all(arg is not None and isinstance(arg.value, cst.Integer) for arg in requested):
            self._manual(
                READS_CODE,
                step.node,
                "`logprobs` of a choice whose call requests none (or a computed number) has no Responses counterpart",
                "pass `logprobs=<k>` as an integer literal, or drop the read (it is None)",
                kind,
            )
            return
        template = LOGPROBS_LIST.replace('"', self._quote(step.node))
        lists = Edit(step.node, lambda updated: edits.fill(template, r=_parenthesized(_holder(updated))))
        self.visit(step.node, Kind("logprobs", kind.sources), [*pending, lists])

    def _logprobs(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        if step.how == "field" and step.name in _LOGPROB_ITEMS:
            self._fix(
                READS_CODE,
                step.node,
                f"legacy `logprobs.{step.name}`; Responses log probabilities are a list of tokens on the output text",
                kind,
                [*pending, Edit(step.node, _logprob_field(step.name))],
            )
        elif step.how == "field":
            self._manual(
                READS_CODE,
                step.node,
                f"`logprobs.{step.name}` has no Responses counterpart",
                "compute offsets from the token strings: `itertools.accumulate(len(t.token) for t in logprobs)`"
                if step.name == "text_offset"
                else "read `token`, `logprob` and `top_logprobs` of each token",
                kind,
            )
        elif (step.how == "compare" and _compares_with_none(step.node)) or self._followed(node, step):
            self._attach(kind, pending)
        else:
            self._manual(READS_CODE, node, "the legacy logprobs object has no Responses counterpart", "read `tokens`, `token_logprobs` or `top_logprobs` of it", kind)

    def _usage(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        if step.how == "field" and step.name in sdk.RESPONSES_USAGE_FIELDS:
            new = sdk.RESPONSES_USAGE_FIELDS[step.name]
            if new == step.name:
                self._attach(kind, [*pending, *self._attribute_form(step, new)])
                return
            self._fix(
                READS_CODE,
                step.node,
                f"`usage.{step.name}` is `usage.{new}` on a Response",
                kind,
                [*pending, Edit(step.node, _to_attribute(new))],
            )
        elif step.how == "test" or (step.how == "compare" and _compares_with_none(step.node)):
            self._attach(kind, pending)
        elif step.how == "assign" and (target := _single_name_target(step.node)) is not None and self._only_binding(target):
            self._attach(kind, pending)
            for reference in self.names.references(target, target.value) or ():
                if isinstance(reference, cst.Name) and id(reference) not in self.seen:
                    self.seen.add(id(reference))
                    self._usage(reference, kind, [])
        else:
            what = f"`usage.{step.name}`" if step.how == "field" else "the usage object"
            self._manual(
                READS_CODE,
                step.node if step.how == "field" else node,
                f"{what} has no Responses counterpart",
                "a Response's `usage` has `input_tokens`, `output_tokens` and `total_tokens`",
                kind,
            )

    def _raw(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        if step.how == "method" and step.name == "parse":
            parsed = self.flow.kind(step.node)
            if parsed is not None:
                self.visit(step.node, parsed, pending)
            return
        if step.how in ("field", "method") and step.name not in RAW_SAME:
            self._manual(
                READS_CODE,
                step.node,
                f"`{step.name}` of the raw response reads a Completions body",
                "read the parsed Response (`.parse()`) instead of the HTTP body",
                kind,
            )
            return
        if step.how == "await":
            self.visit(step.node, kind, pending)
            return
        self._attach(kind, pending)

    def _listed(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        element = kind.element()
        if step.how == "index" and step.index is not None and element is not None:
            self.visit(step.node, element, pending)
        elif step.how == "await" and element is not None:
            self.visit(step.node, kind, pending)
        else:
            self._attach(kind, pending)

    # -- streams --

    def _stream(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        if step.how == "await":
            self.visit(step.node, kind, pending)
        elif step.how == "iter" and isinstance(step.node, cst.For):
            self._plan_loop(step.node, kind, pending)
        elif step.how == "iter" and isinstance(step.node, cst.CompFor):
            self._plan_comprehension(step.node, kind, pending)
        elif step.how in ("field", "method") and step.name not in STREAM_SAME:
            self._manual(STREAM_CODE, step.node, f"`{step.name}` of a stream has no Responses counterpart", "iterate over the stream's events", kind)
        elif self._lost(node, step):
            self._manual(STREAM_CODE, node, *_LOST, kind)
        elif step.how == "arg" and isinstance(step.node, cst.Call) and self.names.qualified_names(step.node.func) & STREAM_CONSUMERS:
            self._manual(
                STREAM_CODE,
                step.node,
                "the stream is consumed chunk by chunk, and a Responses stream has events besides the text",
                'iterate with `for event in stream:` and read `event.delta` of the `"response.output_text.delta"` events',
                kind,
            )
        else:
            self._attach(kind, pending)

    def _plan_loop(self, loop: cst.For, kind: Kind, pending: list[Edit]) -> None:
        if not isinstance(loop.target, cst.Name):
            self._manual(
                STREAM_CODE,
                loop.target,
                "the stream's chunks are unpacked or numbered, and a Responses stream has events besides the text",
                'loop with `for event in stream:` and keep count of the `"response.output_text.delta"` events yourself',
                kind,
            )
            return
        name = loop.target.value
        body = loop.body
        statements: Sequence[cst.BaseStatement] = ()
        if isinstance(body, cst.SimpleStatementSuite):
            statements = [cst.SimpleStatementLine(body=[small]) for small in body.body]
        elif isinstance(body, cst.IndentedBlock):
            statements = body.body
        delta_only = all(_is_neutral_sink(statement, name) for statement in statements)
        self.loops[id(loop)] = _Loop(name, delta_only, kind.sources)
        self._attach(kind, [*pending, Edit(loop, _event_filter(name, delta_only))])

    def _plan_comprehension(self, loop: cst.CompFor, kind: Kind, pending: list[Edit]) -> None:
        if not isinstance(loop.target, cst.Name):
            self._manual(
                STREAM_CODE,
                loop.target,
                "the stream's chunks are unpacked, and a Responses stream has events besides the text",
                'read `event.delta` of the `"response.output_text.delta"` events',
                kind,
            )
            return
        name = loop.target.value
        comprehension = self.names.parent(loop)
        delta_only = False
        if isinstance(comprehension, (cst.GeneratorExp, cst.ListComp)) and comprehension.for_in is loop and loop.inner_for_in is None:
            arg = self.names.parent(comprehension)
            join = self.names.parent(arg) if isinstance(arg, cst.Arg) else None
            delta_only = (
                isinstance(join, cst.Call)
                and len(join.args) == 1
                and isinstance(join.func, cst.Attribute)
                and join.func.attr.value == "join"
                and isinstance(join.func.value, cst.SimpleString)
                and string_value(join.func.value) == ""
                and _is_text_read(comprehension.elt, name)
            )
        self.loops[id(loop)] = _Loop(name, delta_only, kind.sources)
        q = self._quote(loop)
        condition = f"{name}.type == {q}{DELTA}{q}" if delta_only else f"{name}.type in {_events_tuple(q)}"
        self._attach(kind, [*pending, Edit(loop, _add_condition(condition))])

    def _chunk(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        assert isinstance(node, cst.Name)
        loop = self._loop_of(node)
        plan = self.loops.get(id(loop)) if loop is not None else None
        read = self._text_read_of(node)
        if plan is None or read is None:
            self._manual(
                STREAM_CODE,
                read or node,
                "a stream chunk used this way has no Responses counterpart: the stream yields typed events",
                f'read `event.delta` of the `"{DELTA}"` events in the loop over the stream',
                kind,
            )
            return
        for part in (node, *self._chain(node, read)):
            self.seen.add(id(part))
        delta_only = plan.delta_only
        self._fix(
            STREAM_CODE,
            read,
            "streamed completion text read as `text`; a Responses stream carries it in "
            f'`delta` of its "{DELTA}" events',
            kind,
            [*pending, Edit(read, _delta_of(node.value, delta_only, self._needs_parentheses(read), self._quote(read)))],
        )

    def _loop_of(self, name: cst.Name) -> Optional[cst.CSTNode]:
        """The loop over a stream that binds this chunk name around it (For or CompFor)."""
        child: cst.CSTNode = name
        for ancestor in self.names.ancestors(name):
            if isinstance(ancestor, cst.For) and child is ancestor.body:
                if isinstance(ancestor.target, cst.Name) and ancestor.target.value == name.value:
                    return ancestor
            if isinstance(ancestor, (cst.GeneratorExp, cst.ListComp, cst.SetComp)) and child is not ancestor.for_in:
                loop: Optional[cst.CompFor] = ancestor.for_in
                while loop is not None:
                    if isinstance(loop.target, cst.Name) and loop.target.value == name.value:
                        return loop
                    loop = loop.inner_for_in
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            child = ancestor
        return None

    def _text_read_of(self, name: cst.Name) -> Optional[cst.BaseExpression]:
        """`name.choices[0].text` (in any of v0's forms) around the name, or None."""
        choices = self._step(name)
        if choices.how != "field" or choices.name != "choices":
            return None
        first = self._step(choices.node)
        if first.how != "index" or first.index != 0:
            return None
        text = self._step(first.node)
        if text.how != "field" or text.name != "text" or self._step(text.node).how == "write":
            return None
        assert isinstance(text.node, cst.BaseExpression)
        return text.node

    def _chain(self, name: cst.Name, read: cst.CSTNode) -> Iterator[cst.CSTNode]:
        for ancestor in self.names.ancestors(name):
            yield ancestor
            if ancestor is read:
                return

    # -- module-wide reads --

    def _object_compares(self) -> None:
        for compare in self.analysis.object_compares:
            if not compare.kind.sources & self.keys:
                continue
            if compare.kind.tag == "completion":
                self._fix(
                    READS_CODE,
                    compare.node,
                    '`"text_completion"` is the legacy object type; a Response is `"response"`',
                    compare.kind,
                    [Edit(compare.node, edits.set_string("response"))],
                )
            else:
                self._manual(
                    STREAM_CODE,
                    compare.node,
                    "a stream chunk's `object` has no Responses counterpart: the stream yields typed events",
                    "compare the event's `type` instead",
                    compare.kind,
                )

    def _left_over_reads(self) -> None:
        """A traced `.text` read the walk did not reach must not stay behind silently."""
        for read in self.analysis.reads:
            if read.kind is None or read.kind.mixed or id(read.node) in self.reported:
                continue  # (a mixed read's value was reported where it is read from)
            if not read.kind.sources & (self.keys | {TYPES_KEY}):
                continue
            stream = read.kind.tag == "chunk_choice"
            self._manual(
                STREAM_CODE if stream else READS_CODE,
                read.node,
                "this read of the completion text could not be followed to a Responses counterpart",
                "read `output_text` of the response (or `delta` of the stream's text events)",
                read.kind,
            )

    def _untraced_reads(self) -> None:
        """`x.choices[0].text` next to openai, not traced to a call: reported, not rewritten
        (a read moves only with its call)."""
        analysis = self.analysis
        if not analysis.uses_openai or analysis.other_sdk or analysis.v0_reported:
            return
        if any(call.generation == "v0" for call in analysis.calls):
            return
        for read in analysis.reads:
            if read.kind is not None or read.form != "attr" or not read.shaped:
                continue
            self.reports.append(
                Report(
                    code=READS_CODE,
                    node=read.node,
                    message=(
                        "`.choices[i].text` looks like a legacy completion read, but it could not be "
                        "traced to a completions call; a Response has `.output_text`"
                    ),
                    advice="read `output_text` of the response once it comes from `responses.create`",
                    groups=frozenset({f"read@{id(read.node)}"}),
                )
            )

    def _types(self) -> Iterator[Report]:
        if not any(call.generation == "v1" for call in self.calls):
            return iter(())
        table = dict(sdk.RESPONSES_TYPES)
        bound = self.ctx.index.module_scope.bindings.get("Response", [])
        if any(not (b.imported or "").startswith("openai.types.responses") for b in bound):
            # `Response` is taken (requests, fastapi...): import the SDK's under another name.
            for legacy, (plain, stream) in table.items():
                table[legacy] = (_aliased(plain), stream)
        return type_reports(READS_CODE, self.analysis, table, "Responses API")

    # -- helpers --

    def _step(self, node: cst.CSTNode) -> _Step:
        names = self.names
        parent = names.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            grand = names.parent(parent)
            if isinstance(grand, cst.Call) and grand.func is parent:
                if parent.attr.value == "get" and grand.args and not grand.args[0].keyword:
                    key = string_key(grand.args[0].value)
                    if key is not None:
                        return _Step("field", grand, key, "get")
                return _Step("method", grand, parent.attr.value)
            if _is_written(names, parent):
                return _Step("write", parent, parent.attr.value)
            return _Step("field", parent, parent.attr.value)
        if isinstance(parent, cst.Subscript) and parent.value is node:
            key = subscript_key(parent)
            if key is not None:
                if _is_written(names, parent):
                    return _Step("write", parent, key, "item")
                return _Step("field", parent, key, "item")
            return _Step("index", parent, index=_literal_index(parent))
        if isinstance(parent, cst.Arg) and parent.value is node:
            call = names.parent(parent)
            if isinstance(call, cst.Call):
                if isinstance(call.func, cst.Name) and call.func.value == "getattr" and len(call.args) == 2 and call.args[0] is parent:
                    key = string_key(call.args[1].value)
                    if key is not None:
                        return _Step("field", call, key, "getattr")
                return _Step("arg", call)
        if isinstance(parent, cst.Await):
            return _Step("await", parent)
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
            return _Step("iter", parent)
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            return _Step("assign", parent)
        if isinstance(parent, cst.ComparisonTarget):
            grand = names.parent(parent)
            assert grand is not None
            return _Step("compare", grand)
        if isinstance(parent, cst.Comparison):
            return _Step("compare", parent)
        if isinstance(parent, (cst.If, cst.While, cst.IfExp)) and parent.test is node:
            return _Step("test", parent)
        if isinstance(parent, cst.BooleanOperation) or (isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not)):
            return _Step("test", parent)
        if isinstance(parent, cst.WithItem) and parent.item is node:
            return _Step("with", parent)
        return _Step("other", parent if parent is not None else node)

    def _followed(self, node: cst.CSTNode, step: _Step) -> bool:
        """Stored in a local variable, passed to a function of this module or returned
        from one, where every use of it is traced (and so rewritten or reported here)."""
        names = self.names
        if step.how == "assign":
            target = _single_name_target(step.node)
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

    def _lost(self, node: cst.CSTNode, step: _Step) -> bool:
        """Stored in a variable, or passed to a function of this module, where some use
        of it cannot be traced (the variable holds other values too, say)."""
        if step.how == "assign":
            return _single_name_target(step.node) is not None and not self._followed(node, step)
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

    def _attribute_form(self, step: _Step, name: str) -> list[Edit]:
        """openai<1.0 dict reads (`r["usage"]`, `r.get("id")`) become attributes."""
        if step.form in ("attr", "getattr"):
            return []
        return [Edit(step.node, _to_attribute(name))]

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


_LOST = (
    "the response is stored or passed where other values go too, so its reads cannot all be followed",
    "keep the response in a variable of its own (not one that is also set to None or to other values)",
)

# --------------------------------------------------------------------------- shapes


def _literal_index(node: cst.Subscript) -> Optional[int]:
    if len(node.slice) != 1:
        return None
    index = node.slice[0].slice
    if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer):
        return int(index.value.value)
    return None


def _is_written(names: Any, node: cst.CSTNode) -> bool:
    parent = names.parent(node)
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        return True
    if isinstance(parent, cst.AugAssign) and parent.target is node:
        return True
    return isinstance(parent, cst.Del)


def _single_name_target(statement: cst.CSTNode) -> Optional[cst.Name]:
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0].target, cst.Name):
        return statement.targets[0].target
    if isinstance(statement, cst.AnnAssign) and isinstance(statement.target, cst.Name):
        return statement.target
    return None


def _compares_with_none(comparison: cst.CSTNode) -> bool:
    return (
        isinstance(comparison, cst.Comparison)
        and len(comparison.comparisons) == 1
        and isinstance(comparison.comparisons[0].operator, (cst.Is, cst.IsNot))
        and any(isinstance(side, cst.Name) and side.value == "None" for side in (comparison.left, comparison.comparisons[0].comparator))
    )


def _is_pure(node: cst.CSTNode) -> bool:
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


def _is_text_read(node: cst.BaseExpression, name: str) -> bool:
    """`name.choices[0].text` in any of its forms (attributes, v0 keys, `.get`)."""

    def field(expression: cst.BaseExpression, key: str) -> Optional[cst.BaseExpression]:
        if isinstance(expression, cst.Attribute) and expression.attr.value == key:
            return expression.value
        if isinstance(expression, cst.Subscript) and subscript_key(expression) == key:
            return expression.value
        if (
            isinstance(expression, cst.Call)
            and isinstance(expression.func, cst.Attribute)
            and expression.func.attr.value == "get"
            and len(expression.args) == 1
            and string_key(expression.args[0].value) == key
        ):
            return expression.func.value
        return None

    first = field(node, "text")
    if not isinstance(first, cst.Subscript) or _literal_index(first) != 0:
        return False
    root = field(first.value, "choices")
    return isinstance(root, cst.Name) and root.value == name


def _is_neutral_sink(statement: cst.BaseStatement, name: str) -> bool:
    """A statement to which the last legacy chunk (empty text) contributed nothing:
    `print(text, end="")`, `out.write(text)` or `buffer += text`."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.AugAssign):
        return isinstance(small.operator, cst.AddAssign) and isinstance(small.target, (cst.Name, cst.Attribute)) and _is_text_read(small.value, name)
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    call = small.value
    positional = [arg for arg in call.args if arg.keyword is None]
    if len(positional) != 1 or positional[0].star or not _is_text_read(positional[0].value, name):
        return False
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    if isinstance(call.func, cst.Name) and call.func.value == "print":
        end = keywords.get("end")
        return (
            isinstance(end, cst.SimpleString)
            and string_value(end) == ""
            and set(keywords) <= {"end", "flush", "file", "sep"}
        )
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "write" and not keywords


def _finish_comparison(comparison: cst.Comparison, read: cst.CSTNode, loose: bool) -> Optional[Transform]:
    """`finish_reason == "length"` (`!=`, `in`, `not in`) as the Response says it.

    `loose`: the comparison sits where a boolean operation needs parentheses (not alone as
    a condition, an assignment's value, an argument...)."""
    if len(comparison.comparisons) != 1:
        return None
    target = comparison.comparisons[0]
    operator = target.operator
    if not isinstance(operator, (cst.Equal, cst.NotEqual, cst.In, cst.NotIn)):
        return None
    read_on_left = comparison.left is read
    other = target.comparator if read_on_left else comparison.left
    if not read_on_left and (target.comparator is not read or isinstance(operator, (cst.In, cst.NotIn))):
        return None
    values: list[cst.SimpleString] = []
    if isinstance(operator, (cst.Equal, cst.NotEqual)) and isinstance(other, cst.SimpleString):
        values = [other]
    elif isinstance(operator, (cst.In, cst.NotIn)) and isinstance(other, (cst.Tuple, cst.List, cst.Set)):
        values = [e.value for e in other.elements if isinstance(e.value, cst.SimpleString)]
        if len(values) != len(other.elements):
            return None
    if not values or any(string_value(v) not in FINISH_REASONS for v in values):
        return None
    negate = isinstance(operator, (cst.NotEqual, cst.NotIn))
    reasons = [str(string_value(v)) for v in values]
    quote = values[0].quote if len(values[0].quote) == 1 else '"'

    def transform(updated: cst.Comparison) -> cst.BaseExpression:
        side = updated.left if read_on_left else updated.comparisons[0].comparator
        response = _parenthesized(_holder(side))
        tests = [_finish_test(reason, negate, quote) for reason in reasons]
        if len(tests) > 1:
            tests = [f"({test})" if " and " in test or " or " in test else test for test in tests]
        text = (" and " if negate else " or ").join(tests)
        expression = edits.fill(text, r=response)
        if updated.lpar or (loose and (" and " in text or " or " in text)):
            expression = expression.with_changes(
                lpar=updated.lpar or [cst.LeftParen()], rpar=updated.rpar or [cst.RightParen()]
            )
        return expression

    return transform


def _finish_test(reason: str, negate: bool, q: str) -> str:
    if reason == "stop":
        return f"__r__.status {'!=' if negate else '=='} {q}completed{q}"
    incomplete = _INCOMPLETE[reason]
    if negate:
        return f"__r__.incomplete_details is None or __r__.incomplete_details.reason != {q}{incomplete}{q}"
    return f"__r__.incomplete_details is not None and __r__.incomplete_details.reason == {q}{incomplete}{q}"


# --------------------------------------------------------------------------- transforms


def _holder(node: cst.CSTNode) -> cst.BaseExpression:
    """What a field read reads from: `x` of `x.f`, `x["f"]`, `x.get("f")`, `getattr(x, "f")`."""
    if isinstance(node, (cst.Attribute, cst.Subscript)):
        return node.value
    if isinstance(node, cst.Call):
        if isinstance(node.func, cst.Attribute):
            return node.func.value
        return node.args[0].value
    raise AssertionError(f"not a field read: {type(node).__name__}")


def _parenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)) or node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _holder_of_choices(updated: cst.Subscript) -> cst.BaseExpression:
    """`x.choices[0]` -> `x`: the first (only) choice is the response itself."""
    holder = _holder(updated.value)
    if updated.lpar:
        return holder.with_changes(lpar=[*updated.lpar, *holder.lpar], rpar=[*holder.rpar, *updated.rpar])
    return holder


def _to_attribute(name: str) -> Transform:
    def transform(updated: cst.CSTNode) -> cst.BaseExpression:
        lpar = getattr(updated, "lpar", [])
        rpar = getattr(updated, "rpar", [])
        dot = updated.dot if isinstance(updated, cst.Attribute) else cst.Dot()
        return cst.Attribute(value=_holder(updated), attr=cst.Name(name), dot=dot, lpar=lpar, rpar=rpar)

    return transform


def _created_at(updated: cst.CSTNode) -> cst.BaseExpression:
    return edits.fill("int(__r__.created_at)", r=_holder(updated))


def _logprob_field(name: str) -> Transform:
    def transform(updated: cst.CSTNode) -> cst.BaseExpression:
        holder = _holder(updated)
        item = _LOGPROB_ITEMS[name]
        if (
            isinstance(holder, cst.ListComp)
            and isinstance(holder.elt, cst.Name)
            and holder.elt.value == "logprob"
            and not holder.lpar
        ):
            # Our own list of the log probabilities: read the field in it directly.
            return holder.with_changes(elt=edits.fill(item, t=cst.Name("logprob")))
        return edits.fill(f"[{item} for __t__ in __lps__]", t=cst.Name("t"), lps=_parenthesized(holder))

    return transform


def _events_tuple(q: str = '"') -> str:
    return "(" + ", ".join(f"{q}{event}{q}" for event in CHUNK_EVENTS) + ")"


def _event_filter(name: str, delta_only: bool) -> Transform:
    """The loop skips the events that are no legacy chunk (`continue` first in its body)."""
    if delta_only:
        test = f'{name}.type != "{DELTA}"'
    else:
        test = f"{name}.type not in {_events_tuple()}"

    def transform(updated: cst.For) -> cst.For:
        guard = cst.parse_statement(f"if {test}:\n    continue\n")
        body = updated.body
        if isinstance(body, cst.IndentedBlock):
            return updated.with_changes(body=body.with_changes(body=[guard, *body.body]))
        assert isinstance(body, cst.SimpleStatementSuite)
        line = cst.SimpleStatementLine(body=body.body, trailing_whitespace=body.trailing_whitespace)
        return updated.with_changes(body=cst.IndentedBlock(body=[guard, line]))

    return transform


def _add_condition(condition: str) -> Transform:
    """The comprehension skips the events that are no legacy chunk (its first `if`)."""

    def transform(updated: cst.CompFor) -> cst.CompFor:
        test = cst.parse_expression(condition)
        clause = cst.CompIf(
            test=test,
            whitespace_before=cst.SimpleWhitespace(" "),
            whitespace_before_test=cst.SimpleWhitespace(" "),
        )
        return updated.with_changes(ifs=[clause, *updated.ifs])

    return transform


def _delta_of(name: str, delta_only: bool, parenthesize: bool, q: str) -> Transform:
    def transform(updated: cst.CSTNode) -> cst.BaseExpression:
        if delta_only:
            expression = cst.parse_expression(f"{name}.delta")
        else:
            expression = cst.parse_expression(f"{name}.delta if {name}.type == {q}{DELTA}{q} else {q}{q}")
            if parenthesize:
                expression = expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        lpar = getattr(updated, "lpar", [])
        if lpar:
            expression = expression.with_changes(lpar=lpar, rpar=getattr(updated, "rpar", []))
        return expression

    return transform


def _aliased(entry: Optional[tuple[str, str, str, str]]) -> Optional[tuple[str, str, str, str]]:
    if entry is None or entry[2] != "Response":
        return entry
    return (entry[0], entry[1], entry[2], "OpenAIResponse")

