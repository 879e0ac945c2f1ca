"""OAI005 unsupported-parameter."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from migrator.rule import Report, Rule, RuleContext

from . import responses
from .analysis import analyse
from .parameters import unsupported


class UnsupportedParameterRule(Rule):
    """## What it does
    Reports completions calls that use what Chat Completions cannot express: `echo`,
    `suffix` (insert mode), `best_of`, a batched prompt (a list of prompts), a token-array
    prompt, `prompt=None`, or `*args` / `**kwargs` that may carry any of these.

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
        if responses.active(ctx):
            yield from responses.unsupported_reports(self.code, ctx)
            return
        analysis = analyse(ctx)
        for call in analysis.calls:
            if call.chat:
                continue  # a v0 chat call upgraded with its file: nothing to map
            for item in unsupported(analysis.names, call):
                yield Report(
                    code=self.code,
                    node=item.node,
                    message=f"{item.what} has no Chat Completions equivalent; the call is left unchanged",
                    advice=item.advice,
                    groups=frozenset({call.key}),
                )
