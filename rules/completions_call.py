"""OAI001 completions-call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Callable

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Dependency, Edit, Fix, Note, Output, Report, Rule, RuleContext

from . import edits, pins, responses, responses_call
from .analysis import Analysis, CompletionsCall, analyse
from .analysis.mocks import chat_text
from .analysis.records import MockedText
from .call_rewrites import call_edits, call_report

V0_ADVICE = (
    "on openai 0.27/0.28 call `openai.ChatCompletion.create(model=<chat model>, "
    'messages=[{"role": "user", "content": prompt}])` and read '
    '`response["choices"][0]["message"]["content"]`; on openai>=1 use '
    "`client.chat.completions.create(...)` and `response.choices[0].message.content`"
)


SHAPED_ADVICE = (
    "if it is OpenAI's SDK, make that visible (build or annotate it as `openai.OpenAI`, or "
    "list the module that wraps openai in `openai-modules`) and run `migrator fix` again, "
    "or migrate it by hand to `chat.completions.create(messages=[...])`; if it belongs to "
    "another SDK, add `# noqa: OAI001`"
)


GETATTR_ADVICE = (
    "write the endpoint as attributes (`client.completions.create(...)`, "
    "`openai.Completion.create(...)`) and run `migrator fix` again, or migrate it by hand to "
    "`chat.completions.create(messages=[...])`, whose response has `choices[i].message.content`"
)


THROUGH_ADVICE = (
    "migrate the value it is called through by hand (see the OAI009 finding where it is "
    "bound or stored): the chat endpoint takes `messages=[...]` and its response has "
    "`choices[i].message.content`; then change this call to match"
)


class CompletionsCallRule(Rule):
    """## What it does
    Finds calls that reach OpenAI's legacy Completions endpoint through the v1+ SDK:
    `client.completions.create(...)` on `OpenAI`, `AsyncOpenAI`, `AzureOpenAI` and
    `AsyncAzureOpenAI` clients (however they were imported, aliased, stored on `self`,
    annotated or passed in), the `.with_raw_response` / `.with_streaming_response` and
    `.with_options(...)` forms, and the module-level `openai.completions.create(...)`.
    Also the openai<1.0 forms: `openai.Completion.create/acreate` (however `Completion`
    is imported or held), moved to `openai.ChatCompletion` (`--sdk keep`) or to the v1
    SDK in one pass (`--sdk v1`, or `auto` when the project pins openai>=1). It moves mock
    targets such as `patch("openai.resources.Completions.create")` (also through a
    module's import of openai, `patch("app.openai.Completion.create")`) to their chat
    names, and follows `create(**params)` when `params` is a dict literal built beside the call.
    The endpoint spelled with `getattr` (`getattr(client, "completions").create(...)`) is
    found too, and reported without a fix.

    Under `--target responses` the same calls (every receiver above) move to
    `responses.create` instead, openai<1.0 code always moves to the v1 SDK (`--sdk keep`
    is refused), mocks move to `openai.resources.Responses`, and a project pin that allows
    no release with what the migrated call needs (openai 1.66.0 for `client.responses`,
    1.66.3 for the module-level `openai.responses`, 1.92.0 for log probabilities) is said
    once per run.

    ## Why is this bad?
    The completion models are shut down; the chat endpoint does not accept `prompt`.
    OpenAI presents the Responses API as its primary interface; `--target responses`
    lands there in one step.

    ## Example
    ```python
    response = client.completions.create(model="gpt-4o-mini", prompt=question, max_tokens=50)
    ```
    Use instead:
    ```python
    response = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}], max_completion_tokens=50
    )
    ```
    Parameters are mapped: `logprobs=k` becomes `logprobs=True, top_logprobs=k`,
    `max_tokens` becomes `max_completion_tokens` (set `max-tokens = "max_tokens"` to keep it;
    it is kept for Azure clients and clients with a custom `base_url`, whose servers may not
    know the new name). `echo=False`, `suffix=None` and `best_of=1` are dropped, as they do
    nothing. Everything else passes through unchanged. The reads of the response are
    rewritten by OAI002 and OAI003, the model by OAI004, all in the same fix.

    Under `--target responses`:
    ```python
    response = client.responses.create(model="gpt-4o-mini", input=question, max_output_tokens=50, store=False)
    ```
    `prompt` becomes `input`, `max_tokens` becomes `max_output_tokens`, `logprobs=k`
    becomes `include=["message.output_text.logprobs"], top_logprobs=k`, `temperature`,
    `top_p`, `user` and the request options carry over, and `store=False` is added: the
    completions endpoint kept nothing, Responses stores by default. Parameters without a
    counterpart are OAI005's.

    ## Fix safety
    The fix is safe when the receiver is proven to be an OpenAI client and every read of
    the response is in view. It is unsafe when the receiver could not be resolved (an
    OpenAI-shaped call next to `import openai`), on Azure (the deployment must serve a
    chat model), on a client of another server (`base_url`, a client built from
    `**kwargs` that may set one, or the v0 module's `api_base`: it may serve completions
    and not chat), when the model cannot be traced
    to literals, and when the response leaves the module (returned or passed to code we
    cannot see). The same shape on a receiver nothing proves, elsewhere in a project that
    uses openai, is a manual finding saying what could not be proven; it is silent only
    when the call itself shows another SDK (its receiver is that SDK's client, or it
    passes that SDK's own parameters or values), not because the module imports one. A
    call with a
    parameter that has no chat equivalent (OAI005), a model that cannot be replaced
    (OAI004) or a read other values may reach (OAI002) is not rewritten at all: no
    half-migrated calls. A mock target is safe when the calls it patches are in the same
    file, unsafe otherwise.

    Under `--target responses` the same holds, and the fix is also unsafe on Azure
    (Responses needs `api_version="2025-03-01-preview"` or later and a deployment of a
    model that supports it) and for clients with a custom `base_url` (the server may not
    implement `/responses`).
    """

    code = "OAI001"
    name = "completions-call"
    summary = "call to the legacy Completions endpoint"
    prefilter = ((b"completions",), (b"Completion",))

    def check(self, ctx: RuleContext) -> Iterator[Output]:
        if responses.active(ctx):
            yield from responses_call.call_rule_outputs(self.code, ctx)
            return
        analysis = analyse(ctx)
        yield from _generation_notes(ctx, analysis)
        for call in analysis.calls:
            if not call.chat:  # a v0 chat call moved to v1 with its file is OAI006's
                yield from self._call_report(ctx, analysis, call)
        for shaped in analysis.shaped:
            yield Report(
                code=self.code,
                node=shaped.node,
                message=shaped.why,
                advice={"unproven": SHAPED_ADVICE, "through": THROUGH_ADVICE, "getattr": GETATTR_ADVICE}[shaped.kind],
                groups=frozenset({f"shaped@{id(shaped.node)}"}),
            )
        for node, why in analysis.v0_reported:
            yield Report(
                code=self.code,
                node=node,
                message=f"{why}; it cannot be migrated automatically",
                advice=V0_ADVICE,
                groups=frozenset({f"v0@{id(node)}"}),
            )
        yield from self._mock_reports(analysis)

    def _mock_reports(self, analysis: Analysis) -> Iterator[Report]:
        """A mock target moves with the fake responses it hands back and the calls of its
        generation in the file (all or nothing); patching code elsewhere, it is unsafe."""
        claimed: set[int] = set()
        for mock in analysis.mocks:
            patched = [c.key for c in analysis.calls if c.generation == mock.generation and not c.chat]
            groups = {f"mock@{id(mock.node)}", *patched, *(f"mocked@{id(t.node)}" for t in mock.texts)}
            fix_edits = [Edit(mock.node, edits.set_string(mock.replacement))]
            for text in mock.texts:
                if id(text.node) not in claimed:
                    claimed.add(id(text.node))
                    fix_edits.append(Edit(text.node, _chat_text(text)))
            message = f"mock target of the legacy Completions resource; use `{mock.replacement}`"
            applicability = Applicability.SAFE
            if not patched:
                applicability = Applicability.UNSAFE
                message += (
                    " (the code it patches is in other files: apply it in the change that "
                    "migrates that code, with the fake responses it returns)"
                )
            yield Report(
                code=self.code,
                node=mock.node,
                message=message,
                fix=Fix(applicability, tuple(fix_edits)),
                groups=frozenset(groups),
            )

    def _call_report(self, ctx: RuleContext, analysis: Analysis, call: CompletionsCall) -> Iterator[Output]:
        if call.generation == "v0" and not call.upgrade:
            yield from _pre_chat_pin_note(ctx)
        applicability, notes, fix_edits = call_edits(ctx, analysis, call)
        message = _call_message(call)
        if notes:
            message += " (" + "; ".join(notes) + ")"
        yield call_report(self.code, analysis, call, message, Fix(applicability, tuple(fix_edits)))


def _chat_text(text: MockedText) -> Callable[[cst.CSTNode], cst.CSTNode]:
    return lambda updated: chat_text(updated, text.style, text.callee)


def _call_message(call: CompletionsCall) -> str:
    if call.upgrade:
        return "legacy `Completion` call (openai<1.0); use the v1 `chat.completions.create` with `messages`"
    if call.generation == "v0":
        return "legacy `Completion` call (openai<1.0); use `ChatCompletion` with `messages`"
    return "legacy Completions call; use `chat.completions.create` with `messages`"


def _generation_notes(ctx: RuleContext, analysis: Analysis) -> Iterator[Output]:
    """Which SDK generations the legacy code is written for, and what it becomes (once per run)."""
    if any(call.generation == "v1" for call in analysis.calls):
        yield Note("SDK: openai>=1 code calls the legacy endpoint (client.completions.create)")
    if any(call.generation == "v0" and not call.chat for call in analysis.calls) or analysis.v0_reported:
        # Which file and specifier decided, per project root: `requirements.txt: openai==0.28.1 -> keep (...)`.
        read: list[str] = []
        decision = pins.decide(ctx.path, str(ctx.options.get("sdk", "auto")), ctx.requirements, read)
        yield from (Dependency(path) for path in read)
        yield Note(decision.note())


def _pre_chat_pin_note(ctx: RuleContext) -> Iterator[Output]:
    """ChatCompletion needs openai 0.27: say so once if the project pins an older SDK."""
    read: list[str] = []
    pin = pins.pin_for(ctx.path, ctx.requirements, read)
    yield from (Dependency(path) for path in read)
    if pin is not None and pin.allows_v0 and not pin.allows_chat_v0:
        yield Note(
            f"{pins.display_path(pin.source)}: {pin.spec} allows no release with ChatCompletion "
            "(0.27 and later): raise the pin to openai>=0.27,<1 for the migrated code"
        )
