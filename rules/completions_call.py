"""OAI001 completions-call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report, Rule, RuleContext

from . import edits, pins, sdk
from .analysis import CompletionsCall, analyse
from .parameters import is_neutral

V0_ADVICE = (
    "on openai 0.27/0.28 call `openai.ChatCompletion.create(model=<chat model>, "
    'messages=[{"role": "user", "content": prompt}])` and read '
    '`response["choices"][0]["message"]["content"]`; on openai>=1 use '
    "`client.chat.completions.create(...)` and `response.choices[0].message.content`"
)


class CompletionsCallRule(Rule):
    """## What it does
    Finds calls that reach OpenAI's legacy Completions endpoint through the v1+ SDK:
    `client.completions.create(...)` on `OpenAI`, `AsyncOpenAI`, `AzureOpenAI` and
    `AsyncAzureOpenAI` clients (however they were imported, aliased, stored on `self`,
    annotated or passed in), the `.with_raw_response` / `.with_streaming_response` and
    `.with_options(...)` forms, and the module-level `openai.completions.create(...)`.
    It also moves mock targets such as `patch("openai.resources.Completions.create")`
    to their chat names.

    ## Why is this bad?
    The completion models are shut down; the chat endpoint does not accept `prompt`.

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

    ## Fix safety
    The fix is safe when the receiver is proven to be an OpenAI client and every read of
    the response is in view. It is unsafe when the receiver could not be resolved (an
    OpenAI-shaped call in a module that uses `openai`), on Azure (the deployment must serve
    a chat model), and when the response leaves the module (returned or passed to code we
    cannot see). A call with a parameter that has no chat equivalent (OAI005) or a model
    that cannot be replaced (OAI004) is not rewritten at all: no half-migrated calls.
    """

    code = "OAI001"
    name = "completions-call"
    summary = "call to the legacy Completions endpoint"

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        analysis = analyse(ctx)
        for call in analysis.calls:
            yield self._call_report(ctx, call)
        for node, why in analysis.v0_reported:
            yield Report(
                code=self.code,
                node=node,
                message=f"{why}; it cannot be migrated automatically",
                advice=V0_ADVICE,
                groups=frozenset({f"v0@{id(node)}"}),
            )
        for mock in analysis.mocks:
            replacement = mock.replacement
            yield Report(
                code=self.code,
                node=mock.node,
                message=f"mock target of the legacy Completions resource; use `{replacement}`",
                fix=Fix(
                    Applicability.SAFE,
                    (Edit(mock.node, edits.set_string(replacement)),),
                ),
                groups=frozenset({f"mock@{id(mock.node)}"}),
            )

    def _call_report(self, ctx: RuleContext, call: CompletionsCall) -> Report:
        if call.generation == "v0":
            blocked = _v0_blocked_by_pin(ctx)
            if blocked is not None:
                return Report(
                    code=self.code,
                    node=call.node,
                    message=blocked,
                    advice=V0_ADVICE,
                    groups=frozenset({call.key}),
                )
        notes: list[str] = []
        applicability = Applicability.SAFE
        receiver = call.receiver
        if call.generation == "v0" and call.is_azure:
            applicability = Applicability.UNSAFE
            notes.append("on Azure, the deployment must serve a chat model")
        elif receiver is None:
            applicability = Applicability.UNSAFE
            notes.append("the receiver could not be proven to be an OpenAI client")
        elif receiver.is_azure:
            applicability = Applicability.UNSAFE
            notes.append("on Azure, `model` names a deployment: it must serve a chat model")
        if call.escapes:
            applicability = Applicability.UNSAFE
            notes.extend(call.escapes)
        keep_max_tokens = ctx.options.get("max-tokens") == "max_tokens"
        if call.keyword("max_tokens") is not None and not keep_max_tokens and receiver is not None:
            if receiver.is_azure or receiver.custom_base_url:
                keep_max_tokens = True
                notes.append(
                    "`max_tokens` kept: this client's server may not accept `max_completion_tokens`"
                )
        model = call.model_argument()
        if model is not None and not isinstance(model.value, (cst.SimpleString, cst.Name)):
            notes.append("the model is computed: check that it names a chat model")
        logprobs = call.keyword("logprobs")
        if logprobs is not None and not isinstance(logprobs.value, (cst.Integer, cst.Name)):
            notes.append("`logprobs` becomes `logprobs=<value> is not None, top_logprobs=<value>`")

        quote = edits.quote_of(call.node)
        rename_engine = call.generation == "v0" and not call.is_azure and call.keyword("model") is None

        def transform(updated: cst.Call) -> cst.Call:
            args = _map_arguments(updated, quote, keep_max_tokens, rename_engine)
            if call.generation == "v0":
                assert isinstance(updated.func, cst.Attribute)
                resource = _chat_resource(updated.func.value)
                return updated.with_changes(func=updated.func.with_changes(value=resource), args=args)
            func = edits.replace_attribute_in_chain(
                updated.func, lambda a: a.attr.value == "completions", edits.insert_chat
            )
            return updated.with_changes(func=func, args=args)

        fix_edits = [Edit(call.node, transform)]
        if call.resource_import is not None:
            fix_edits.append(Edit(call.resource_import, edits.add_import_name("ChatCompletion")))
        if call.generation == "v0":
            message = "legacy `Completion` call (openai<1.0); use `ChatCompletion` with `messages`"
        else:
            message = "legacy Completions call; use `chat.completions.create` with `messages`"
        if notes:
            message += " (" + "; ".join(notes) + ")"
        return Report(
            code=self.code,
            node=call.node,
            message=message,
            fix=Fix(applicability, tuple(fix_edits)),
            groups=frozenset({call.key}),
        )


def _v0_blocked_by_pin(ctx: RuleContext) -> Optional[str]:
    """Why openai<1.0 code cannot stay on its SDK here, if the project's pins say so."""
    if ctx.options.get("sdk", "auto") != "auto":
        return None
    pin = pins.pin_for_file(ctx.path)
    if pin is None or pin.allows_v0:
        if pin is not None and not pin.allows_chat_v0:
            ctx.notes.append(
                f"{pin.source} pins openai{pin.spec}, which has no ChatCompletion: "
                "raise the pin to openai>=0.27,<1 for the migrated code"
            )
        return None
    return (
        f"legacy `Completion` call of openai<1.0, but {pin.source} pins openai{pin.spec}, where it no "
        "longer exists (it fails at run time); port it to `client.chat.completions.create`"
    )


def _chat_resource(resource: cst.BaseExpression) -> cst.BaseExpression:
    """`openai.Completion` -> `openai.ChatCompletion` (v0 keeps its module-level resources)."""
    if isinstance(resource, cst.Name):
        return resource.with_changes(value="ChatCompletion")
    if isinstance(resource, cst.Attribute):
        owner = resource.value
        if isinstance(owner, cst.Attribute) and owner.attr.value == "completion":
            # openai.api_resources.completion.Completion
            owner = owner.with_changes(attr=cst.Name("chat_completion"))
        return resource.with_changes(value=owner, attr=cst.Name("ChatCompletion"))
    return resource


def _map_arguments(call: cst.Call, quote: str, keep_max_tokens: bool, rename_engine: bool) -> list[cst.Arg]:
    planned: list[tuple[cst.Arg, bool]] = []
    for arg in call.args:
        name = arg.keyword.value if arg.keyword is not None else None
        if name == "engine" and rename_engine:
            # v0 on OpenAI: `engine=` routed to /engines/<id>; chat takes the model by name.
            planned.append((arg.with_changes(keyword=cst.Name("model")), False))
        elif name == "prompt":
            planned.append((arg.with_changes(keyword=cst.Name("messages"), value=edits.user_messages(arg.value, quote)), False))
        elif name == "max_tokens" and not keep_max_tokens:
            planned.append((arg.with_changes(keyword=cst.Name("max_completion_tokens")), False))
        elif name == "logprobs":
            planned.extend(_map_logprobs(arg))
        elif name in sdk.UNSUPPORTED_PARAMETERS and is_neutral(arg.value, sdk.UNSUPPORTED_PARAMETERS[name][0]):
            continue  # echo=False, suffix=None, best_of=1: the default, so simply dropped
        else:
            planned.append((arg, False))
    return edits.rebuild_args(call.args, planned)


def _map_logprobs(arg: cst.Arg) -> list[tuple[cst.Arg, bool]]:
    value = arg.value
    if isinstance(value, cst.Name) and value.value == "None":
        return []
    if isinstance(value, cst.Integer):
        enabled: cst.BaseExpression = cst.Name("True")
    else:
        # An expression may be None at run time: keep both parameters consistent with it.
        enabled = cst.Comparison(
            left=value,
            comparisons=[cst.ComparisonTarget(operator=cst.IsNot(), comparator=cst.Name("None"))],
        )
    return [
        (arg.with_changes(value=enabled), False),
        (edits.keyword_arg("top_logprobs", value, like=arg), True),
    ]
