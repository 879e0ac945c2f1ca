"""OAI006 v0-chat-call."""

from __future__ import annotations

from collections.abc import Iterator

from migrator.rule import Fix, Report, Rule, RuleContext

from .analysis import analyse
from .call_rewrites import call_edits, call_report


class V0ChatCallRule(Rule):
    """## What it does
    Under `--sdk v1` (or `auto` when the project pins openai>=1), finds openai<1.0
    `openai.ChatCompletion.create/acreate(...)` calls in a file whose legacy
    `Completion` calls move to the v1 SDK, and moves them with it:
    `openai.chat.completions.create(...)` (the v1 module client), the lazy `AsyncOpenAI`
    client for `acreate`, and attribute reads of the response instead of dict keys.

    ## Why is this bad?
    The v1 SDK has no `ChatCompletion` resource (calling it raises `APIRemovedInV1`),
    and a file half on each SDK generation cannot run on either.

    ## Example
    ```python
    reply = openai.ChatCompletion.create(model="gpt-4o-mini", messages=messages)
    text = reply["choices"][0]["message"]["content"]
    ```
    Use instead:
    ```python
    reply = openai.chat.completions.create(model="gpt-4o-mini", messages=messages)
    text = reply.choices[0].message.content
    ```
    A file with only `ChatCompletion` calls is left alone: upgrading chat code to v1 is
    not this tool's job.

    ## Fix safety
    Safe when every read of the response is in view; unsafe when the response leaves
    the module. Per-call credentials (`api_key=`, `api_base=`...) and Azure module
    configuration have no v1 form on a call: the call is then reported and left as it is.
    """

    code = "OAI006"
    name = "v0-chat-call"
    summary = "openai<1.0 `ChatCompletion` call in a file moving to the v1 SDK"
    prefilter = ((b"ChatCompletion",),)

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        analysis = analyse(ctx)
        for call in analysis.calls:
            if not call.chat:
                continue
            applicability, notes, fix_edits = call_edits(ctx, analysis, call)
            message = "openai<1.0 `ChatCompletion` call in a file moving to the v1 SDK; use `chat.completions.create`"
            if notes:
                message += " (" + "; ".join(notes) + ")"
            yield call_report(self.code, analysis, call, message, Fix(applicability, tuple(fix_edits)))
