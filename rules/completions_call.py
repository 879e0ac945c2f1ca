"""OAI001 completions-call."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Callable

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Dependency, Edit, Fix, Note, Output, Report, Rule, RuleContext

from . import edits, pins, responses, sdk, upgrade
from .analysis import Analysis, CompletionsCall, analyse
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
    Also the openai<1.0 forms: `openai.Completion.create/acreate` (however `Completion`
    is imported or held), moved to `openai.ChatCompletion` (`--sdk keep`) or to the v1
    SDK in one pass (`--sdk v1`, or `auto` when the project pins openai>=1). It moves mock
    targets such as `patch("openai.resources.Completions.create")` to their chat names,
    and follows `create(**params)` when `params` is a dict literal built beside the call.

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
    OpenAI-shaped call in a module that uses `openai`), on Azure (the deployment must serve
    a chat model), and when the response leaves the module (returned or passed to code we
    cannot see). A call with a parameter that has no chat equivalent (OAI005) or a model
    that cannot be replaced (OAI004) is not rewritten at all: no half-migrated calls.

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
            yield from responses.call_rule_outputs(self, ctx)
            return
        analysis = analyse(ctx)
        yield from _generation_notes(analysis)
        for call in analysis.calls:
            yield from self._call_report(ctx, analysis, call)
        yield from self._error_reports(analysis)
        yield from self._config_reports(analysis)
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

    def _call_report(self, ctx: RuleContext, analysis: Analysis, call: CompletionsCall) -> Iterator[Output]:
        if call.generation == "v0" and not call.upgrade:
            yield from _pre_chat_pin_note(ctx)
        uses = analysis.uses_of(call)
        applicability, notes, keep_max_tokens = _safety(ctx, call, uses.escapes)
        quote = edits.quote_of(call.node)
        rename_engine = call.generation == "v0" and not call.is_azure and call.keyword("model") is None
        groups = {call.key}
        fix_edits: list[Edit] = [Edit(call.node, _call_transform(call, analysis, quote, keep_max_tokens, rename_engine))]
        if call.upgrade:
            yield from self._upgrade_outputs(ctx, analysis, call, groups, fix_edits)
            if call.keyword("timeout") is not None:
                notes.append("the v0 retry `timeout` is removed: v1 retries by itself (`max_retries`)")
        for node, why in uses.blockers:
            yield Report(
                code=self.code,
                node=node,
                message=f"{why}; the call cannot be migrated automatically",
                advice="read the fields from the chat response (`message.content`, ...) instead of a dict of it",
                groups=frozenset(groups),
            )
        if call.spread is not None and not call.chat:
            fix_edits.append(
                Edit(call.spread, _spread_mapper(quote, keep_max_tokens, rename_engine, call.upgrade))
            )
        if call.resource_import is not None and not call.upgrade:
            fix_edits.append(Edit(call.resource_import, edits.add_import_name("ChatCompletion")))
        message = _call_message(call)
        if notes:
            message += " (" + "; ".join(notes) + ")"
        yield Report(
            code=self.code,
            node=call.node,
            message=message,
            fix=Fix(applicability, tuple(fix_edits)),
            groups=frozenset(groups),
        )

    def _upgrade_outputs(
        self, ctx: RuleContext, analysis: Analysis, call: CompletionsCall, groups: set[str], fix_edits: list[Edit]
    ) -> Iterator[Report]:
        """openai<1.0 code moved to v1 in the same fix: the dict reads of its response, its
        serialisations and the module prelude join the call's edits (and `groups`); what
        cannot be carried over is reported."""
        for node, what, advice in self._upgrade_blockers(call):
            yield Report(code=self.code, node=node, message=what, advice=advice, groups=frozenset(groups))
        for access in analysis.dict_accesses:
            # A read that more than one call feeds (a loop variable reused) is
            # rewritten once, by the first of them; the others join its group.
            owner = next(c for c in analysis.calls if c.key in access.kind.sources)
            if owner is not call:
                continue
            groups |= access.kind.sources
            if upgrade.is_attribute_name(access.key) and (
                access.default is None or upgrade.is_simple_default(access.default)
            ):
                fix_edits.append(Edit(access.node, upgrade.to_attribute(access.key)))
            else:
                yield Report(
                    code=self.code,
                    node=access.node,
                    message=f"`{access.key}` of a v1 response must be read as an attribute",
                    advice="read it with `getattr(response, ...)` or `.model_dump()[...]`",
                    groups=frozenset(groups),
                )
        for node in analysis.uses_of(call).serializations:
            rewrite = upgrade.serialization_rewrite(node)
            if rewrite is None:
                yield Report(
                    code=self.code,
                    node=node,
                    message="a v1 response is not a dict: this serialisation cannot be carried over",
                    advice="use `response.model_dump_json(indent=...)` or `response.model_dump()`",
                    groups=frozenset(groups),
                )
            else:
                fix_edits.append(Edit(node, rewrite))
        prelude = upgrade.module_prelude(
            analysis.module_alias or "openai",
            add_import=analysis.module_alias is None,
            add_async_helper=call.method == "acreate",
        )
        fix_edits.append(Edit(ctx.module, prelude))

    def _upgrade_blockers(self, call: CompletionsCall) -> Iterator[tuple[cst.CSTNode, str, str]]:
        """What v0 code does that a v1 call cannot express mechanically."""
        if call.is_azure:
            yield (
                call.node,
                "openai<1.0 Azure configuration cannot be moved to the v1 SDK automatically",
                "create an `openai.AzureOpenAI(azure_endpoint=..., api_version=...)` client and call "
                "`.chat.completions.create(model=<chat deployment>, ...)` on it",
            )
        for arg in call.node.args:
            name = arg.keyword.value if arg.keyword is not None else None
            if name in upgrade.CREDENTIAL_KWARGS:
                yield arg, f"per-call `{name}` has no v1 equivalent on a call", upgrade.CREDENTIAL_ADVICE
            if name == "request_timeout" and isinstance(arg.value, cst.Tuple):
                yield (
                    arg,
                    "a `(connect, read)` request_timeout has no float equivalent",
                    "pass `timeout=openai.Timeout(read, connect=connect)`",
                )

    def _config_reports(self, analysis: Analysis) -> Iterator[Report]:
        """`openai.api_base = ...` is `openai.base_url` in v1; other v0 settings are ignored there."""
        calls = frozenset(c.key for c in analysis.calls if c.upgrade)
        names = analysis.names
        for node in analysis.config_references:
            name = node.attr.value
            if name == "api_base":
                fix_edits = [Edit(node, upgrade.rename_attribute("base_url"))]
                assignment = names.parent(names.parent(node) or node)
                if isinstance(assignment, cst.Assign):
                    # v1's module client joins paths onto base_url as it is: it must end in "/".
                    value = upgrade.slash_terminated(assignment.value, names.qualified_names)
                    if value is None:
                        yield Report(
                            code=self.code,
                            node=assignment.value,
                            message="`openai.base_url` must end with `/` in the v1 SDK",
                            advice="make sure the URL assigned to `openai.base_url` ends with `/`",
                            groups=calls,
                        )
                        continue
                    fix_edits.append(Edit(assignment.value, edits.replace_with(value)))
                yield Report(
                    code=self.code,
                    node=node,
                    message="`openai.api_base` is `openai.base_url` in the v1 SDK",
                    fix=Fix(Applicability.SAFE, tuple(fix_edits)),
                    groups=calls,
                )
            else:
                yield Report(
                    code=self.code,
                    node=node,
                    message=f"the v1 SDK ignores `openai.{name}`",
                    advice=upgrade.IGNORED_SETTINGS.get(name, upgrade.HTTP_CLIENT_ADVICE),
                    groups=calls,
                )

    def _error_reports(self, analysis: Analysis) -> Iterator[Report]:
        for node in analysis.error_references:
            transform, advice = upgrade.error_rewrite(node)
            yield Report(
                code=self.code,
                node=node,
                message="`openai.error` does not exist in the v1 SDK; use the v1 exception",
                fix=Fix(Applicability.SAFE, (Edit(node, transform),)) if transform else None,
                advice=advice,
                groups=frozenset({f"error@{id(node)}"}),
            )


def _safety(ctx: RuleContext, call: CompletionsCall, escapes: Sequence[str]) -> tuple[Applicability, list[str], bool]:
    """How safe the call's fix is, the notes that say why, and whether `max_tokens` stays."""
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
    if escapes:
        applicability = Applicability.UNSAFE
        notes.extend(escapes)
    keep_max_tokens = ctx.options.get("max-tokens") == "max_tokens"
    if call.keyword("max_tokens") is not None and not keep_max_tokens and receiver is not None:
        if receiver.is_azure or receiver.custom_base_url:
            keep_max_tokens = True
            notes.append("`max_tokens` kept: this client's server may not accept `max_completion_tokens`")
    model = call.model_argument()
    if model is not None and not isinstance(model.value, (cst.SimpleString, cst.Name)):
        notes.append("the model is computed: check that it names a chat model")
    logprobs = call.keyword("logprobs")
    if logprobs is not None and not isinstance(logprobs.value, (cst.Integer, cst.Name)):
        notes.append("`logprobs` becomes `logprobs=<value> is not None, top_logprobs=<value>`")
    return applicability, notes, keep_max_tokens


def _call_transform(
    call: CompletionsCall, analysis: Analysis, quote: str, keep_max_tokens: bool, rename_engine: bool
) -> Callable[[cst.Call], cst.Call]:
    """The call itself: its endpoint (or v0 resource, or SDK) and its arguments."""

    def transform(updated: cst.Call) -> cst.Call:
        if call.chat:
            args = list(updated.args)  # already chat: only the SDK changes
        else:
            args = _map_arguments(updated, quote, keep_max_tokens, rename_engine)
        if call.upgrade:
            args = _map_v0_keywords(args, updated.args)
            return updated.with_changes(func=_v1_function(call, analysis, updated.func), args=args)
        if call.generation == "v0":
            assert isinstance(updated.func, cst.Attribute)
            resource = _chat_resource(updated.func.value)
            return updated.with_changes(func=updated.func.with_changes(value=resource), args=args)
        func = edits.replace_attribute_in_chain(updated.func, lambda a: a.attr.value == "completions", edits.insert_chat)
        return updated.with_changes(func=func, args=args)

    return transform


def _call_message(call: CompletionsCall) -> str:
    if call.chat:
        return "openai<1.0 `ChatCompletion` call; upgraded to the v1 SDK with the rest of the file"
    if call.upgrade:
        return "legacy `Completion` call (openai<1.0); use the v1 `chat.completions.create` with `messages`"
    if call.generation == "v0":
        return "legacy `Completion` call (openai<1.0); use `ChatCompletion` with `messages`"
    return "legacy Completions call; use `chat.completions.create` with `messages`"


def _generation_notes(analysis: Analysis) -> Iterator[Note]:
    """Which SDK generations the legacy code is written for, and what it becomes (once per run)."""
    if any(call.generation == "v1" for call in analysis.calls):
        yield Note("SDK: openai>=1 code calls the legacy endpoint (client.completions.create)")
    if any(call.generation == "v0" and not call.chat for call in analysis.calls) or analysis.v0_reported:
        if analysis.sdk_mode == "v1":
            yield Note(
                "SDK: openai<1.0 code (openai.Completion) is moved to the v1 SDK (--sdk v1, "
                "or the project pins openai>=1)"
            )
        else:
            yield Note(
                "SDK: openai<1.0 code (openai.Completion) stays on its SDK as openai.ChatCompletion "
                "(--sdk keep); --sdk v1 moves it to the v1 SDK"
            )


def _pre_chat_pin_note(ctx: RuleContext) -> Iterator[Output]:
    """ChatCompletion needs openai 0.27: say so once if the project pins an older SDK."""
    read: list[str] = []
    pin = pins.pin_for(ctx.path, ctx.requirements, read)
    yield from (Dependency(path) for path in read)
    if pin is not None and pin.allows_v0 and not pin.allows_chat_v0:
        yield Note(
            f"{pin.source} pins openai{pin.spec}, which has no ChatCompletion: "
            "raise the pin to openai>=0.27,<1 for the migrated code"
        )


def _v1_function(call: CompletionsCall, analysis: Analysis, func: cst.BaseExpression) -> cst.BaseExpression:
    """`openai.Completion.create` -> `openai.chat.completions.create` (or the lazy async client)."""
    if call.method == "acreate":
        return cst.parse_expression(f"{upgrade.ASYNC_HELPER_NAME}().chat.completions.create")
    assert isinstance(func, cst.Attribute)
    resource = func.value
    module: cst.BaseExpression
    if isinstance(resource, cst.Attribute) and resource.attr.value in ("Completion", "ChatCompletion") and not (
        isinstance(resource.value, cst.Attribute) and resource.value.attr.value in ("api_resources", "completion", "chat_completion")
    ):
        module = resource.value  # `openai`, an alias, or `self._openai`
    else:
        module = cst.Name(analysis.module_alias or "openai")
    return cst.Attribute(
        value=cst.Attribute(value=cst.Attribute(value=module, attr=cst.Name("chat")), attr=cst.Name("completions")),
        attr=cst.Name("create"),
    )


def _map_v0_keywords(args: list[cst.Arg], original: Sequence[cst.Arg]) -> list[cst.Arg]:
    """v0-only keyword arguments -> their v1 names; the v0 retry `timeout` is dropped."""
    planned: list[tuple[cst.Arg, bool]] = []
    for arg in args:
        name = arg.keyword.value if arg.keyword is not None else None
        if name == "timeout":
            continue
        if name in upgrade.RENAMED_KWARGS:
            arg = arg.with_changes(keyword=cst.Name(upgrade.RENAMED_KWARGS[name]))
        planned.append((arg, False))
    return edits.rebuild_args(original, planned)


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


def _spread_mapper(
    quote: str, keep_max_tokens: bool, rename_engine: bool, upgrade_v0: bool
) -> Callable[[cst.Dict], cst.Dict]:
    """The same mapping as for keyword arguments, on the entries of a followed `**dict`."""

    def transform(node: cst.Dict) -> cst.Dict:
        planned: list[cst.DictElement] = []
        for element in node.elements:
            assert isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
            name = element.key.evaluated_value
            rename = {"prompt": "messages", "engine": "model" if rename_engine else None}.get(str(name))
            if name == "max_tokens" and not keep_max_tokens:
                rename = "max_completion_tokens"
            if upgrade_v0 and name == "timeout":
                continue
            if upgrade_v0 and name in upgrade.RENAMED_KWARGS:
                rename = upgrade.RENAMED_KWARGS[str(name)]
            if name in sdk.UNSUPPORTED_PARAMETERS and is_neutral(element.value, sdk.UNSUPPORTED_PARAMETERS[str(name)][0]):
                continue
            value = element.value
            if name == "prompt":
                value = edits.user_messages(value, quote)
            if name == "logprobs":
                mapped = _map_logprobs(cst.Arg(value=value))
                for arg, _ in mapped:
                    mapped_name = "logprobs" if arg is mapped[0][0] else "top_logprobs"
                    planned.append(
                        element.with_changes(key=edits.with_string_value(element.key, mapped_name), value=arg.value)
                    )
                continue
            new_key = edits.with_string_value(element.key, rename) if rename else element.key
            planned.append(element.with_changes(key=new_key, value=value))
        separator = next(
            (e.comma for e in node.elements[:-1] if isinstance(e.comma, cst.Comma)),
            cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
        )
        last_comma = node.elements[-1].comma if node.elements else cst.MaybeSentinel.DEFAULT
        laid_out = [
            e.with_changes(comma=last_comma if i == len(planned) - 1 else (e.comma if isinstance(e.comma, cst.Comma) and e.comma is not last_comma else separator))
            for i, e in enumerate(planned)
        ]
        return node.with_changes(elements=laid_out)

    return transform


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
