"""`--target responses`: every read of a migrated response, and what it becomes.

A Response has no `choices`: its one output is read from the response itself. So the
first choice stands for the response (`r.choices[0]` becomes `r`, and a variable holding
the choice holds the response), and each field read off a choice, the usage or the
legacy logprobs is mapped to its Responses counterpart, or reported when it has none.
Unlike the chat target, where a choice keeps its fields, nothing of the legacy shape
survives here, so every use of a response part is accounted for: a use this module does
not know blocks the call instead of being left behind.

The census walks from each call to every use of its response (`responses_walk.py`: how it
follows a value and what it records); the loops over a stream are `responses_streams.py`'s
and the node builders of the fixes `responses_read_edits.py`'s.

Reads of plain responses are OAI002's findings, reads of stream chunks OAI003's. Edits
that belong to no read (a choice stored in a variable, a loop's event filter, the dict
reads of openai<1.0 code turned into attributes) go with the call's own fix (OAI001).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from migrator.rule import Edit, Report, RuleContext

from . import edits, sdk
from .analysis import Kind, analyse
from .analysis.escapes import SERIALIZERS
from .analysis.syntax import compares_with_none, is_pure, single_name_target
from .read_rewrites import mixed_read
from .responses_read_edits import (
    DELTA,
    LOGPROB_ITEMS,
    LOGPROBS_LIST,
    created_at,
    finish_comparison,
    holder_of,
    holder_of_choices,
    logprob_field,
    parenthesized,
    to_attribute,
)
from .responses_streams import StreamReads
from .responses_walk import LOST, READS_CODE, STORED_ADVICE, STREAM_CODE, TYPES_KEY, Step
from .type_rewrites import type_reports

# Fields of a raw or streaming HTTP response that do not depend on the body's shape.
UNTRACED_ADVICE = "read `output_text` of the response once it comes from `responses.create`"
RAW_SAME = frozenset(
    {"headers", "status_code", "http_request", "http_response", "url", "request_id", "elapsed", "retries_taken", "is_closed", "close", "http_version", "reason_phrase"}
)


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


class _Census(StreamReads):
    """The walk from each call to every use of its response: what each part of a response
    may be used for (the streams' part is `StreamReads`', the following and recording
    `Walk`'s)."""

    # -- the walk --

    def run(self) -> Census:
        if self.calls:
            deferred: list[tuple[cst.BaseExpression, Kind]] = []
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
            for name in (*self._loads(), *self.analysis.stored_loads):
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
                    [*pending, Edit(step.node, created_at)],
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
            self._manual(READS_CODE, node, *LOST, kind)
        else:
            # Stored, returned, passed on, serialised: the names are followed on their own,
            # and what leaves the module makes the call's fix unsafe (analysis.escapes).
            self._attach(kind, pending)

    def _choices(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        stream = kind.base == "chunk_choices"
        code = STREAM_CODE if stream else READS_CODE
        if step.how == "index" and step.index == 0 and not stream:
            self.visit(step.node, Kind("choice", kind.sources), [*pending, Edit(step.node, holder_of_choices)])
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
                    [*pending, Edit(step.node, to_attribute("output_text"))],
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

    def _finish_reason(self, choice: cst.CSTNode, step: Step, kind: Kind, pending: list[Edit]) -> None:
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
            mapped = finish_comparison(comparison, step.node, not alone)
        if mapped is None or comparison is None or not is_pure(choice):
            self._manual(READS_CODE, step.node, "`finish_reason` has no Responses counterpart", advice, kind)
            return
        self._fix(
            READS_CODE,
            step.node,
            "`finish_reason` has no Responses counterpart; the comparison becomes one of `status` / `incomplete_details.reason`",
            kind,
            [*pending, Edit(comparison, mapped)],
        )

    def _choice_logprobs(self, step: Step, kind: Kind, pending: list[Edit]) -> None:
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
        lists = Edit(step.node, lambda updated: edits.fill(template, r=parenthesized(holder_of(updated))))
        self.visit(step.node, Kind("logprobs", kind.sources), [*pending, lists])

    def _logprobs(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        if step.how == "field" and step.name in LOGPROB_ITEMS:
            self._fix(
                READS_CODE,
                step.node,
                f"legacy `logprobs.{step.name}`; Responses log probabilities are a list of tokens on the output text",
                kind,
                [*pending, Edit(step.node, logprob_field(step.name))],
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
        elif (step.how == "compare" and compares_with_none(step.node)) or self._followed(node, step):
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
                [*pending, Edit(step.node, to_attribute(new))],
            )
        elif step.how == "test" or (step.how == "compare" and compares_with_none(step.node)):
            self._attach(kind, pending)
        elif step.how == "assign" and (target := single_name_target(step.node)) is not None and self._only_binding(target):
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
        quiet = not analysis.uses_openai or analysis.other_sdk or bool(analysis.v0_reported)
        quiet = quiet or any(call.generation == "v0" for call in analysis.calls)
        for read in analysis.reads:
            if read.kind is not None or read.form != "attr" or not read.shaped or (quiet and not read.stored_by):
                continue
            self.reports.append(
                Report(
                    code=READS_CODE,
                    node=read.node,
                    message=(
                        "`.choices[i].text` looks like a legacy completion read, but it could not be "
                        "traced to a completions call; a Response has `.output_text`"
                    ),
                    advice=STORED_ADVICE if read.stored_by else UNTRACED_ADVICE,
                    groups=frozenset({f"read@{id(read.node)}"}) | read.stored_by,
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


def _aliased(entry: Optional[tuple[str, str, str, str]]) -> Optional[tuple[str, str, str, str]]:
    if entry is None or entry[2] != "Response":
        return entry
    return (entry[0], entry[1], entry[2], "OpenAIResponse")
