"""OAI005 unsupported-parameter."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import libcst as cst

from migrator.rule import Report, Rule, RuleContext

from . import responses, responses_parameters
from .analysis import Analysis, CompletionsCall, analyse
from .parameters import BATCH_ADVICE, Unsupported, unsupported


def _placed_by_index(analysis: Analysis, call: CompletionsCall, reads: list[cst.Attribute]) -> list[Unsupported]:
    """`results[choice.index] = ...` after a call whose prompt is not plainly one string:
    code that places answers by index was written for a batch of prompts."""
    prompt = call.keyword("prompt")
    if prompt is None or isinstance(prompt.value, _ONE_STRING):
        return []
    for node in reads:
        if not _indexes_something(analysis, node):
            continue
        kind = analysis.flow.kind(node.value)
        if kind is not None and kind.tag == "choice" and call.key in kind.sources:
            return [Unsupported(prompt, "a prompt whose answers are placed by `choice.index` (a batch?)", BATCH_ADVICE)]
    return []


def _indexes_something(analysis: Analysis, node: cst.Attribute) -> bool:
    """`answers[choice.index]`, `rows[choice.index // n]`: the index places a result."""
    current: cst.CSTNode = node
    for parent in analysis.names.ancestors(node):
        if isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation)):
            current = parent
            continue
        return isinstance(parent, cst.Index) and parent.value is current
    return False


_ONE_STRING = (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString, cst.BinaryOperation)


class UnsupportedParameterRule(Rule):
    """## What it does
    Reports completions calls that use what Chat Completions cannot express: `echo`,
    `suffix` (insert mode), `best_of`, a batched prompt (a list of prompts), a token-array
    prompt, `prompt=None`, or `*args` / `**kwargs` that may carry any of these. A batch
    need not look like a list: a prompt typed `Union[str, List[str]]`, a tuple, a list the
    module's callers pass, a name that says it holds several (`prompts`, `input_texts`), a
    slice of any of these (`docs[i:i + 20]`; `text[:1000]` of one prompt is one prompt), an
    attribute the module sets to or declares as one (`self.prompts`), or a prompt whose
    answers the code places by `choice.index`.

    Under `--target responses` also `n`, `stop`, `presence_penalty`,
    `frequency_penalty`, `logit_bias`, `seed`, a `logprobs` that is not an integer
    literal, `stream_options` with `include_usage`, and a `max_tokens` literal below 16
    (the least `max_output_tokens` the API accepts; it counts reasoning tokens too), also
    when it reaches the call through a parameter's default or a local caller.

    ## Why is this bad?
    The chat endpoint rejects these parameters (`TypeError` in the SDK, HTTP 400 from the
    API), and each needs a decision only a person can make: one request per prompt, a
    different way to score text, a different model. The Responses API answers
    unknown parameters with HTTP 400, and the SDK raises `TypeError`.

    ## Example
    ```python
    client.completions.create(model=m, prompt=["a", "b"], echo=True, logprobs=1)
    ```
    The finding says what to do by hand. `echo=False`, `suffix=None` and `best_of=1` do
    nothing and are simply dropped by the OAI001 fix.

    Under `--target responses`:
    ```python
    client.completions.create(model=m, prompt=p, n=2, stop=["\\n"], max_tokens=8)
    ```
    is reported three times; `n=1`, `stop=None`, zero penalties, `logit_bias=None`,
    `seed=None` and `logprobs=None` do nothing and are dropped.

    ## Fix safety
    There is no fix, and the whole call (with its response reads and model) is left as it
    is until the parameter is dealt with: a half-migrated call is worse than none.
    """

    code = "OAI005"
    name = "unsupported-parameter"
    summary = "completions parameter with no chat equivalent"
    prefilter = ((b"completions",), (b"Completion",))

    @classmethod
    def summary_for(cls, options: Mapping[str, Any]) -> str:
        return responses.UNSUPPORTED_SUMMARY if options.get("target") == responses.TARGET else cls.summary

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        analysis = analyse(ctx)
        index_reads = [node for node in ctx.index.nodes(cst.Attribute) if node.attr.value == "index"]
        for call in analysis.calls:
            if call.chat:
                continue  # a v0 chat call upgraded with its file: nothing to map
            items = unsupported(analysis.names, call)
            if not any(item.what.startswith("a batched") for item in items):
                items.extend(_placed_by_index(analysis, call, index_reads))
            if responses.active(ctx):
                # The same findings in the Responses API's words, and what it lacks besides.
                yield from responses_parameters.unsupported_reports(self.code, analysis, call, items)
                continue
            for item in items:
                yield Report(
                    code=self.code,
                    node=item.node,
                    message=f"{item.what} has no Chat Completions equivalent; the call is left unchanged",
                    advice=item.advice,
                    groups=frozenset({call.key}),
                )
