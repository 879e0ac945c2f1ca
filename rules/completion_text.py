"""OAI002 completion-text."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report, Rule, RuleContext

from . import edits, responses, responses_reads, upgrade
from .analysis import Analysis, Kind, analyse
from .analysis.reads import LOGPROB_FIELDS
from .analysis.syntax import source, subscript_key
from .call_rewrites import access_rewrite, owned_accesses
from .edits import set_string
from .read_rewrites import mixed_read, read_rewrite
from .type_rewrites import type_reports

# `__lp__` stands for the expression that held the legacy logprobs.
_LOGPROB_ITEMS = {
    "tokens": '[t["token"] for t in __lp__["content"] or []]',
    "token_logprobs": '[t["logprob"] for t in __lp__["content"] or []]',
    "top_logprobs": '[{x["token"]: x["logprob"] for x in t["top_logprobs"]} for t in __lp__["content"] or []]',
}
_LOGPROB_FIELDS = {
    "tokens": "[t.token for t in __lp__.content or []]",
    "token_logprobs": "[t.logprob for t in __lp__.content or []]",
    "top_logprobs": "[{x.token: x.logprob for x in t.top_logprobs} for t in __lp__.content or []]",
}


UNTRACED_ADVICE = (
    "if it reads a legacy completion, migrate it with the call that made the response "
    "(`choices[i].message.content` once that call is on chat); if the response comes from "
    "elsewhere (another module, a cache), check what it is before changing the read"
)

STORED_ADVICE = (
    "it may read a response this module keeps on an attribute or in a container, so the calls "
    "that keep one stay as they are: read it through the attribute or container it is kept in "
    "(`self.x`, `cache[key]`) so it can be traced, or migrate this read with those calls by hand "
    "(`choices[i].message.content`)"
)


class CompletionTextRule(Rule):
    """## What it does
    Finds reads of a completion's text, `response.choices[i].text`, and rewrites them to
    the chat shape, `response.choices[i].message.content`. The response is followed from
    the call that produced it: the call's own result, variables (also after `await` and
    `.parse()` of a raw response), `for choice in response.choices`, comprehensions, a
    choice stored in a variable, `asyncio.gather` results, the functions of the same
    module that return the response or receive it as an argument, and a response kept on
    an attribute (`self.last`, `obj.last` of an instance of the class) or in a container
    (`cache[q]`, `cache.get(q)`), read back anywhere in the module. Reads in every style
    are rewritten in that style: `c.text`, `c["text"]`, `c.get("text")`,
    `getattr(c, "text")`. Also rewrites `response.object == "text_completion"`, the legacy
    logprobs fields (`tokens`, `token_logprobs`, `top_logprobs`) and the legacy response
    types in annotations (`Completion` -> `ChatCompletion`, `Stream[Completion]` ->
    `Stream[ChatCompletionChunk]`). Under `--sdk v1`, the dict-style reads of a v0
    response (`r["usage"]["total_tokens"]`, `choice.get("finish_reason")`) and
    `json.dumps(r)` / `dict(r)` move to attributes and `model_dump_json()` /
    `model_dump()` with their call.

    Under `--target responses` every use of the response is accounted for, because a
    Response has no `choices`: `choices[0]` stands for the response itself (so
    `r.choices[0].text` becomes `r.output_text`, and a variable holding the choice holds
    the response), `index` becomes `0`, `usage.prompt_tokens` / `completion_tokens`
    become `input_tokens` / `output_tokens`, `created` becomes `int(r.created_at)`,
    `"text_completion"` becomes `"response"`, a comparison of `finish_reason` with
    `"stop"`, `"length"` or `"content_filter"` becomes one of `status == "completed"` /
    `incomplete_details.reason`, the legacy logprobs fields read the output text's log
    probabilities, and `Completion` annotations become `openai.types.responses.Response`
    (`Stream[Completion]`: `Stream[ResponseStreamEvent]`).

    ## Why is this bad?
    A chat choice has no `text`; the answer is in `message.content`. A Response has no
    choices at all: its text is `output_text`.

    ## Example
    ```python
    answer = response.choices[0].text.strip()
    ```
    Use instead:
    ```python
    answer = (response.choices[0].message.content or "").strip()
    ```
    `message.content` is `Optional[str]` (it is `None` for refusals and tool calls), so
    where the text is used as a `str` (a method call, `+`, an f-string, an argument, a
    return value) the fix adds `or ""`, and nowhere else.

    Under `--target responses`:
    ```python
    answer = response.output_text.strip()
    if response.incomplete_details is not None and response.incomplete_details.reason == "max_output_tokens":
        ...  # was: response.choices[0].finish_reason == "length"
    ```
    `output_text` is a `str` (empty when there is no text), so no `or ""` is needed.

    ## Fix safety
    Safe when the read is traced to a call that is migrated in the same fix: a read is
    rewritten only together with its call. A `.choices[i].text` that cannot be traced
    (in a module that uses `openai`) is reported without a fix; when it may read a
    response the module keeps on an attribute or in a container (`summarizer.last` of a
    parameter where a call's response is kept on `.last`, the items of a container handed
    to other code), the calls that keep one are held back with it. A kept response may
    still be read in other modules: its call's fix is unsafe. What cannot be carried over is reported and keeps the call as it is:
    `logprobs.text_offset` (no chat equivalent), a response part serialised with
    `model_dump()` & co. (its keys are read elsewhere), and under `--sdk v1` a dict read
    with a non-identifier key or a computed default, or a `json.dumps(r, ...)` with
    options `model_dump_json` lacks.

    Under `--target responses` a read with no counterpart blocks the call's fix: another
    choice (`choices[1]`, a loop over `choices`), `finish_reason` used other than in such a
    comparison, `system_fingerprint`, usage details, `text_offset`, a choice used as a
    whole, the raw HTTP body, a response kept where other values go too.
    """

    code = "OAI002"
    name = "completion-text"
    summary = "completion text read as `.choices[i].text`"
    # A `.choices[i].text` read is reported even untraced, next to an `openai` import.
    prefilter = ((b"completions",), (b"Completion",), (b"openai", b"choices", b".text"))

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        if responses.active(ctx):
            yield from responses_reads.read_reports(ctx)
            return
        analysis = analyse(ctx)
        flow = analysis.flow
        for read in analysis.reads:
            if read.kind is not None and read.kind.read_tag == "chunk_choice":
                continue  # OAI003
            if read.kind is not None and read.kind.mixed:
                yield mixed_read(self.code, read.node, read.kind)
            elif read.kind is not None:
                generation = flow.generation_of(read.kind)
                transform = read_rewrite(analysis.names, read, "message", generation) if generation else None
                yield Report(
                    code=self.code,
                    node=read.node,
                    message="completion text read as `text`; a chat choice has `message.content`",
                    fix=Fix(Applicability.SAFE, (Edit(read.node, transform),)) if transform else None,
                    advice=None if transform else "read `choices[i].message.content` of the chat response",
                    groups=read.kind.sources,
                )
            elif read.stored_by or (analysis.uses_openai and not analysis.other_sdk):
                # A read is rewritten only with its call: one that cannot be tied to a call
                # is reported, and stays as it is (with the calls whose kept responses it
                # may read).
                yield Report(
                    code=self.code,
                    node=read.node,
                    message=(
                        "`.choices[i].text` looks like a legacy completion read, but it could not "
                        "be traced to a completions call"
                    ),
                    advice=STORED_ADVICE if read.stored_by else UNTRACED_ADVICE,
                    groups=frozenset({f"read@{id(read.node)}"}) | read.stored_by,
                )
        for compare in analysis.object_compares:
            if compare.kind.mixed:
                yield mixed_read(self.code, compare.node, compare.kind)
                continue
            chat_object = "chat.completion.chunk" if compare.kind.tag == "chunk" else "chat.completion"
            yield Report(
                code=self.code,
                node=compare.node,
                message=f'`"text_completion"` is the legacy object type; chat responses are `"{chat_object}"`',
                fix=Fix(
                    Applicability.SAFE,
                    (Edit(compare.node, set_string(chat_object)),),
                ),
                groups=compare.kind.sources,
            )
        yield from self._logprob_reads(ctx, analysis)
        if any(call.generation == "v1" for call in analysis.calls):
            yield from type_reports(self.code, analysis)
        yield from self._unmovable_uses(analysis)
        for node, kind in analysis.text_guards:
            # Code written for both shapes: rewriting the call would change which branch runs.
            yield Report(
                code=self.code,
                node=node,
                message="`hasattr(..., \"text\")` tells legacy choices from others: after the migration it is always false",
                advice="migrate the branch that reads `text` and the one that does not by hand, then drop the test",
                groups=kind.sources,
            )

    def _unmovable_uses(self, analysis: Analysis) -> Iterator[Report]:
        """Uses of a response that no fix can carry over: they keep its call as it is."""
        for call in analysis.calls:
            uses = analysis.uses_of(call)
            groups = frozenset({call.key}.union(*(a.kind.sources for a in owned_accesses(analysis, call))))
            for node, why in uses.blockers:
                yield Report(
                    code=self.code,
                    node=node,
                    message=f"{why}; the call cannot be migrated automatically",
                    advice="read the fields from the chat response (`message.content`, ...) instead of a dict of it",
                    groups=groups,
                )
            if not call.upgrade:
                continue
            for access in owned_accesses(analysis, call):
                if access_rewrite(access) is None:
                    yield Report(
                        code=self.code,
                        node=access.node,
                        message=f"`{access.key}` of a v1 response must be read as an attribute",
                        advice="read it with `getattr(response, ...)` or `.model_dump()[...]`",
                        groups=groups,
                    )
            for node in uses.serializations:
                if upgrade.serialization_rewrite(node) is None:
                    yield Report(
                        code=self.code,
                        node=node,
                        message="a v1 response is not a dict: this serialisation cannot be carried over",
                        advice="use `response.model_dump_json(indent=...)` or `response.model_dump()`",
                        groups=groups,
                    )

    def _logprob_reads(self, ctx: RuleContext, analysis: Analysis) -> Iterator[Report]:
        if not any(call.keyword("logprobs") is not None for call in analysis.calls):
            return
        candidates: list[tuple[cst.BaseExpression, cst.BaseExpression, str, bool]] = [
            (node, node.value, node.attr.value, False)
            for node in ctx.index.nodes(cst.Attribute)
            if node.attr.value in LOGPROB_FIELDS
        ]
        for subscript in ctx.index.nodes(cst.Subscript):
            key = subscript_key(subscript)
            if key in LOGPROB_FIELDS:
                candidates.append((subscript, subscript.value, key, True))
        for node, holder, field, item in candidates:
            kind = analysis.flow.kind(holder)
            if kind is not None and kind.read_tag == "logprobs" and kind.mixed:
                yield mixed_read(self.code, node, kind)
            elif kind is not None and kind.tag == "logprobs":
                generation = analysis.flow.generation_of(kind)
                # v0 dicts keep the subscript style; v1 objects (and v0 code moved to v1) read attributes.
                dict_style = item and generation == "v0"
                yield self._logprob_report(node, field, kind, dict_style)

    def _logprob_report(self, node: cst.BaseExpression, field: str, kind: Kind, dict_style: bool) -> Report:
        if field == "text_offset":
            return Report(
                code=self.code,
                node=node,
                message="`logprobs.text_offset` has no chat equivalent",
                advice="compute offsets from the token strings: `itertools.accumulate(len(t.token) for t in logprobs.content)`",
                groups=kind.sources,
            )
        template = (_LOGPROB_ITEMS if dict_style else _LOGPROB_FIELDS)[field]

        def transform(updated: cst.BaseExpression) -> cst.BaseExpression:
            assert isinstance(updated, (cst.Attribute, cst.Subscript))
            holder = updated.value
            if " " in source(holder):
                # Anything with a space may bind looser than the `.content` put after it.
                holder = holder.with_changes(lpar=[cst.LeftParen(), *holder.lpar], rpar=[*holder.rpar, cst.RightParen()])
            return edits.fill(template, lp=holder)

        return Report(
            code=self.code,
            node=node,
            message=f"legacy `logprobs.{field}`; chat logprobs are a list of token objects in `logprobs.content`",
            fix=Fix(Applicability.SAFE, (Edit(node, transform),)),
            groups=kind.sources,
        )
