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

    ## Why is this bad?
    The chat endpoint rejects these parameters (`TypeError` in the SDK, HTTP 400 from the
    API), and each needs a decision only a person can make: one request per prompt, a
    different way to score text, a different model.

    ## Example
    ```python
    client.completions.create(model=m, prompt=["a", "b"], echo=True, logprobs=1)
    ```
    The finding says what to do by hand. `echo=False`, `suffix=None` and `best_of=1` do
    nothing and are simply dropped by the OAI001 fix.

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
