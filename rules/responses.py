"""`--target responses`: legacy completions calls move to the Responses API.

What the call becomes (`client.responses.create(model=M, input=X, ..., store=False)`),
which of its parameters have no counterpart, the notes about SDK pins, and the wording
the rules use under this target. The reads of the response are `responses_reads.py`'s.
Each rule hands over to this module from one place (`active(ctx)`); the chat target's
code paths are untouched.

Source: `../shared/reference/openai-api-mapping.md` section 10 and the SDK wheels (see
the Responses section of `sdk.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Callable, Optional, Union

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Dependency, Edit, Fix, Note, Output, Report, RuleContext

from . import edits, pins, sdk, upgrade
from .analysis import Analysis, CompletionsCall, analyse
from .analysis.names import Names
from .analysis.syntax import argument_for, string_key
from .call_rewrites import alias_group
from .parameters import BATCH_ADVICE, KWARGS_ADVICE, NONE_ADVICE, TOKENS_ADVICE, Unsupported

TARGET = "responses"
# The Responses counterparts of the chat target's summaries, where they differ.
UNSUPPORTED_SUMMARY = "completions parameter with no Responses API equivalent"

V0_ADVICE = (
    "move the call to the v1 SDK by hand: `client.responses.create(model=<model>, input=prompt, "
    "store=False)`, and read `response.output_text`"
)
AZURE_NOTE = (
    f'on Azure, Responses needs `api_version="{sdk.AZURE_RESPONSES_API_VERSION}"` or later, and '
    "`model` names a deployment: it must serve a model the Responses API supports"
)
RESPONSES_BATCH_ADVICE = (
    "a response has one input: send one request per prompt (a loop, or `asyncio.gather` with "
    "the async client) and read `output_text` of each"
)
RESPONSES_TOKENS_ADVICE = (
    "the Responses API takes text, not token arrays: decode the tokens with the tokenizer of the "
    "model they were made for (`tiktoken`), then pass the text as `input`"
)
RESPONSES_NONE_ADVICE = "a response needs an input: pass the text the model should answer as `prompt`"
MAX_TOKENS_ADVICE = (
    f"`max_output_tokens` must be at least {sdk.MIN_OUTPUT_TOKENS} (it counts reasoning tokens "
    "too): raise the budget, check that the output is still what you want, then run `migrator fix` again"
)
LOGPROBS_ADVICE = (
    "pass `logprobs` as an integer literal: it becomes "
    f'`include=["{sdk.LOGPROBS_INCLUDABLE}"], top_logprobs=<k>`'
)
USAGE_STREAM_ADVICE = (
    "a Responses stream has no usage chunk: read `event.response.usage` of the "
    "`response.completed` event instead, then drop `include_usage`"
)
SHAPED_ADVICE = (
    "if it is OpenAI's SDK, make that visible (build or annotate it as `openai.OpenAI`, or "
    "list the module that wraps openai in `openai-modules`) and run `migrator fix` again, "
    "or migrate it by hand to `responses.create(input=..., store=False)`; if it belongs to "
    "another SDK, add `# noqa: OAI001`"
)
VALUE_ADVICE = (
    "whatever uses it calls the legacy endpoint (`prompt=`, `choices[i].text`): hand over "
    "`client.responses` / `.create` instead and change the code that calls it to pass "
    "`input=prompt, store=False` and read `output_text`"
)
THROUGH_ADVICE = (
    "migrate the value it is called through by hand (see the OAI009 finding where it is "
    "bound or stored): the Responses API takes `input=...` (and `store=False`) and its "
    "response has `output_text`; then change this call to match"
)
STREAM_OPTIONS_ADVICE = "pass `stream_options` as a dict literal (`include_usage` has no Responses counterpart)"


def active(ctx: RuleContext) -> bool:
    """Whether the run migrates to the Responses API (`--target responses`)."""
    return ctx.options.get("target") == TARGET


def version_text(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class NoEquivalent:
    node: cst.CSTNode
    what: str
    advice: str
    message: Optional[str] = None  # when "<what> has no Responses API equivalent" does not say it


Argument = Union[cst.Arg, cst.DictElement]


def is_neutral(value: cst.BaseExpression, neutral: Sequence[str]) -> bool:
    """The argument passes a do-nothing value of its parameter (`n=1`, `stop=None`, `seed=None`)."""
    if isinstance(value, (cst.Name, cst.Integer, cst.Float)):
        return value.value in neutral
    if isinstance(value, cst.Dict):
        return not value.elements and "{}" in neutral
    return False


def no_equivalent(names: Names, call: CompletionsCall) -> list[NoEquivalent]:
    """What a completions call uses that the Responses API lacks besides what it shares
    with chat's list (`parameters.unsupported`): `n`, `stop`, penalties, `logit_bias`,
    `seed`, a computed `logprobs`, `include_usage`, a budget under 16."""
    found: list[NoEquivalent] = []
    for name, arg in call.parameters():
        if name is None or (isinstance(arg, cst.Arg) and arg.star) or name in sdk.UNSUPPORTED_PARAMETERS:
            continue  # chat's findings, reworded (`reworded`)
        if name in sdk.RESPONSES_NO_EQUIVALENT:
            neutral, advice = sdk.RESPONSES_NO_EQUIVALENT[name]
            if not is_neutral(arg.value, neutral):
                found.append(NoEquivalent(arg, f"`{name}`", advice))
        elif name == "logprobs" and not isinstance(arg.value, cst.Integer) and not is_neutral(arg.value, ("None",)):
            found.append(NoEquivalent(arg, "a computed `logprobs`", LOGPROBS_ADVICE))
        elif name == "stream_options":
            problem = _stream_options_problem(arg.value)
            if problem is not None:
                found.append(NoEquivalent(arg, problem[0], problem[1]))
        elif name == "max_tokens":
            low = [value for value in integer_origins(names, arg.value) if int(value.value) < sdk.MIN_OUTPUT_TOKENS]
            if low:
                what = f"`max_tokens={low[0].value}`" + (" (reaching the call)" if low[0] is not arg.value else "")
                message = (
                    f"{what} is below {sdk.MIN_OUTPUT_TOKENS}, the least `max_output_tokens` the Responses "
                    "API accepts; the call is left unchanged"
                )
                found.append(NoEquivalent(arg, what, MAX_TOKENS_ADVICE, message))
    return found


def reworded(item: Unsupported) -> NoEquivalent:
    """One of chat's findings (a batch, `echo`, `**kwargs`...) with the advice for Responses."""
    advice = {
        BATCH_ADVICE: RESPONSES_BATCH_ADVICE,
        TOKENS_ADVICE: RESPONSES_TOKENS_ADVICE,
        NONE_ADVICE: RESPONSES_NONE_ADVICE,
        KWARGS_ADVICE: KWARGS_ADVICE.replace("build `messages` yourself", "build `input` yourself"),
    }.get(item.advice, item.advice)
    for name, (_neutral, chat_advice) in sdk.UNSUPPORTED_PARAMETERS.items():
        if item.advice == chat_advice:
            advice = sdk.RESPONSES_NO_EQUIVALENT[name][1]
    return NoEquivalent(item.node, item.what, advice)


def _stream_options_problem(value: cst.BaseExpression) -> Optional[tuple[str, str]]:
    if is_neutral(value, ("None",)):
        return None
    if not isinstance(value, cst.Dict) or not all(
        isinstance(e, cst.DictElement) and string_key(e.key) is not None for e in value.elements
    ):
        return "a computed `stream_options`", STREAM_OPTIONS_ADVICE
    for element in value.elements:
        assert isinstance(element, cst.DictElement)
        if string_key(element.key) == "include_usage" and not is_neutral(element.value, ("False",)):
            return "`stream_options` with `include_usage`", USAGE_STREAM_ADVICE
    return None


def integer_origins(names: Names, node: cst.BaseExpression, depth: int = 0) -> list[cst.Integer]:
    """Integer literals that can flow into `node` within this module (a parameter's
    default and what its local callers pass, a constant...)."""
    if depth > 6:
        return []
    if isinstance(node, cst.Integer):
        return [node]
    found: list[cst.Integer] = []
    if isinstance(node, cst.Name):
        for binding in names.assignments(node) or ():
            value = names.assigned_value(binding)
            if isinstance(value, cst.Param):
                if value.default is not None:
                    found.extend(integer_origins(names, value.default, depth + 1))
                function = names.parent(names.parent(value) or value)
                if isinstance(function, cst.FunctionDef):
                    position = next((i for i, p in enumerate(function.params.params) if p is value), None)
                    for site, bound in names.call_sites(function) or ():
                        argument = argument_for(site, value.name.value, position, bound)
                        if argument is not None:
                            found.extend(integer_origins(names, argument, depth + 1))
            elif isinstance(value, cst.BaseExpression):
                found.extend(integer_origins(names, value, depth + 1))
    elif isinstance(node, cst.Attribute):
        for value in names.self_attribute_values(node):
            found.extend(integer_origins(names, value, depth + 1))
    return found


def unsupported_reports(
    code: str, analysis: Analysis, call: CompletionsCall, shared: Sequence[Unsupported]
) -> Iterator[Report]:
    """OAI005 under `--target responses`: chat's findings for the call, reworded, and what
    only the Responses API lacks."""
    for item in [*(reworded(item) for item in shared), *no_equivalent(analysis.names, call)]:
        yield Report(
            code=code,
            node=item.node,
            message=item.message or f"{item.what} has no Responses API equivalent; the call is left unchanged",
            advice=item.advice,
            groups=frozenset({call.key}),
        )


# --------------------------------------------------------------------------- the call


def call_rule_outputs(code: str, ctx: RuleContext) -> Iterator[Output]:
    """OAI001 under `--target responses`: the calls, and what the rule reports besides
    them (shaped calls, the endpoint passed around, v0 forms, mocks), worded for this
    target. (A v0 `ChatCompletion` moved to v1 with its file stays OAI006's, on chat.)"""
    from . import responses_reads

    analysis = analyse(ctx)
    census = responses_reads.census(ctx)
    yield from _generation_notes(analysis)
    for call in analysis.calls:
        if not call.chat:
            yield from _call_outputs(code, ctx, analysis, call, census.attached.get(call.key))
    for shaped in analysis.shaped:
        yield Report(
            code=code,
            node=shaped.node,
            message=shaped.why,
            advice=SHAPED_ADVICE if shaped.kind == "unproven" else THROUGH_ADVICE,
            groups=frozenset({f"shaped@{id(shaped.node)}"}),
        )
    for node, why in analysis.v0_reported:
        yield Report(
            code=code,
            node=node,
            message=f"{why}; it cannot be migrated automatically",
            advice=V0_ADVICE,
            groups=frozenset({f"v0@{id(node)}"}),
        )
    for mock in analysis.mocks:
        target = mock_target(mock.node)
        if target is None:
            continue
        # As on chat: a mock moves with the calls it patches in the file (all or nothing).
        patched = [c.key for c in analysis.calls if c.generation == mock.generation and not c.chat]
        groups = frozenset({f"mock@{id(mock.node)}", *patched})
        message = f"mock target of the legacy Completions resource; use `{target}`"
        if mock.texts:
            # The fake completions it hands back have choices; a fake Response needs
            # `output_text` (and whatever else the code reads): not a mechanical rewrite.
            yield Report(
                code=code,
                node=mock.node,
                message=message + "; the fake completions it returns need the Responses shape",
                advice="make the fake responses Responses (`output_text=...`, `usage.input_tokens`...) by hand",
                groups=groups,
            )
            continue
        applicability = Applicability.SAFE if patched else Applicability.UNSAFE
        if not patched:
            message += " (the code it patches is in other files: apply it in the change that migrates that code)"
        yield Report(
            code=code,
            node=mock.node,
            message=message,
            fix=Fix(applicability, (Edit(mock.node, edits.set_string(target)),)),
            groups=groups,
        )


def mock_target(node: cst.SimpleString) -> Optional[str]:
    """The Responses resource a legacy mock target string moves to."""
    value = node.evaluated_value
    if not isinstance(value, str):
        return None
    for legacy, target in sdk.RESPONSES_MOCK_TARGETS:
        if value == legacy or value.startswith(legacy + "."):
            rest = value[len(legacy) :]
            if rest == ".acreate":  # v0's coroutine is the async resource's `create`
                return target.replace("Responses", "AsyncResponses", 1) + ".create"
            return target + rest
    return None


def _call_outputs(
    code: str,
    ctx: RuleContext,
    analysis: Analysis,
    call: CompletionsCall,
    attached: Optional[tuple[list[Edit], frozenset[str]]],
) -> Iterator[Output]:
    uses = analysis.uses_of(call)
    applicability, notes = _safety(call, uses.escapes)
    groups = {call.key}
    migrate = _call_transform(call, analysis)
    # A call the fix made too wide is laid out one argument per line, as on the chat target.
    fix_edits: list[Edit] = [Edit(call.node, lambda updated: edits.fit_call(migrate(updated), call.node, ctx))]
    if call.alias is not None:
        # Called through a name bound to the endpoint: OAI009 rewrites the binding once
        # for every call through it (`alias_transform`), in this group.
        groups.add(alias_group(call))
        if call.method == "acreate":
            yield Report(
                code=code,
                node=call.alias,
                message="`Completion.acreate` (openai<1.0) bound to a name has no v1 form that builds no client at import",
                advice="call `client.responses.create(...)` on an `openai.AsyncOpenAI()` where the name is used",
                groups=frozenset(groups),
            )
    if attached is not None:
        fix_edits.extend(attached[0])
        groups |= attached[1]
    if call.upgrade:
        yield from _upgrade_outputs(code, ctx, analysis, call, groups, fix_edits)
        if call.keyword("timeout") is not None:
            notes.append("the v0 retry `timeout` is removed: v1 retries by itself (`max_retries`)")
    for node, why in uses.blockers:
        yield Report(
            code=code,
            node=node,
            message=f"{why}; the call cannot be migrated automatically",
            advice="read the fields of the response (`output_text`, `usage.input_tokens`, ...) instead of a dict of it",
            groups=frozenset(groups),
        )
    if call.spread is not None:
        fix_edits.append(Edit(call.spread, _spread_mapper(call)))
    yield from pin_notes(ctx, call)
    message = (
        "legacy `Completion` call (openai<1.0); use the v1 `responses.create` with `input`"
        if call.generation == "v0"
        else "legacy Completions call; use `responses.create` with `input`"
    )
    if notes:
        message += " (" + "; ".join(notes) + ")"
    yield Report(
        code=code,
        node=call.node,
        message=message,
        fix=Fix(applicability, tuple(fix_edits)),
        groups=frozenset(groups),
    )


def _safety(call: CompletionsCall, escapes: Sequence[str]) -> tuple[Applicability, list[str]]:
    notes: list[str] = []
    applicability = Applicability.SAFE
    receiver = call.receiver
    if call.unproven is not None:
        applicability = Applicability.UNSAFE
        notes.append(call.unproven)
    if receiver is None:
        applicability = Applicability.UNSAFE
        notes.append("the receiver could not be proven to be an OpenAI client")
    elif receiver.is_azure and call.generation == "v1":
        applicability = Applicability.UNSAFE
        notes.append(AZURE_NOTE)
    elif receiver.custom_base_url:
        applicability = Applicability.UNSAFE
        notes.append("this client's server (a custom `base_url`) may not implement the Responses API")
    if escapes:
        applicability = Applicability.UNSAFE
        notes.extend(escapes)
    model = call.model_argument()
    if model is not None and not isinstance(model.value, (cst.SimpleString, cst.Name)):
        notes.append("the model is computed: check that the Responses API serves it")
    logprobs = call.keyword("logprobs")
    if logprobs is not None and isinstance(logprobs.value, cst.Integer):
        notes.append(
            f"log probabilities need openai>={version_text(sdk.RESPONSES_LOGPROBS_SDK)} "
            f'(`include=["{sdk.LOGPROBS_INCLUDABLE}"]`, `top_logprobs`)'
        )
    return applicability, notes


def _call_transform(call: CompletionsCall, analysis: Analysis) -> Callable[[cst.Call], cst.Call]:
    def transform(updated: cst.Call) -> cst.Call:
        args = _map_arguments(updated.args, call)
        if call.alias is not None:
            return updated.with_changes(args=args)  # the bound endpoint is rewritten apart
        if call.upgrade:
            return updated.with_changes(func=_v1_function(call, analysis, updated.func), args=args)
        func = edits.replace_attribute_in_chain(
            updated.func,
            lambda a: a.attr.value == "completions",
            lambda a: a.with_changes(attr=cst.Name("responses")),
        )
        return updated.with_changes(func=func, args=args)

    return transform


def alias_transform(call: CompletionsCall, analysis: Analysis) -> Callable[[cst.Attribute], cst.BaseExpression]:
    """The bound endpoint (OAI009's fix): `client.completions.create` -> `client.responses.create`."""

    def transform(updated: cst.Attribute) -> cst.BaseExpression:
        if call.upgrade:
            return _v1_function(call, analysis, updated)
        return edits.replace_attribute_in_chain(
            updated, lambda a: a.attr.value == "completions", lambda a: a.with_changes(attr=cst.Name("responses"))
        )

    return transform


def _v1_function(call: CompletionsCall, analysis: Analysis, func: cst.BaseExpression) -> cst.BaseExpression:
    """`openai.Completion.create` -> `openai.responses.create` (or the lazily built async client)."""
    if call.method == "acreate":
        return cst.parse_expression(f"{upgrade.ASYNC_HELPER_NAME}().responses.create")
    assert isinstance(func, cst.Attribute)
    resource = func.value
    module: cst.BaseExpression
    if isinstance(resource, cst.Attribute) and resource.attr.value == "Completion" and not (
        isinstance(resource.value, cst.Attribute) and resource.value.attr.value in ("api_resources", "completion")
    ):
        module = resource.value  # `openai`, an alias, or `self._openai`
    else:
        module = cst.Name(analysis.module_alias or "openai")
    return cst.Attribute(value=cst.Attribute(value=module, attr=cst.Name("responses")), attr=cst.Name("create"))


def _renamed(name: Optional[str], call: CompletionsCall) -> Optional[str]:
    """The Responses name of a keyword (None: dropped); `name` itself when it carries over."""
    if name == "prompt":
        return "input"
    if name == "max_tokens":
        return "max_output_tokens"
    if name == "engine" and call.generation == "v0" and call.keyword("model") is None:
        return "model"  # v0 on OpenAI routed `engine=` to /engines/<id>: it is the model
    if call.upgrade and name == "timeout":
        return None  # v0's retry budget, not an HTTP timeout
    if call.upgrade and name in upgrade.RENAMED_KWARGS:
        return upgrade.RENAMED_KWARGS[name]
    return name


def _is_dropped(name: Optional[str], value: cst.BaseExpression) -> bool:
    if name in sdk.RESPONSES_NO_EQUIVALENT:
        return is_neutral(value, sdk.RESPONSES_NO_EQUIVALENT[name][0])
    if name == "logprobs" or name == "stream_options":
        return is_neutral(value, ("None",))
    return False


def _map_arguments(args: Sequence[cst.Arg], call: CompletionsCall) -> list[cst.Arg]:
    planned: list[tuple[cst.Arg, bool]] = []
    has_store = False
    for arg in args:
        name = arg.keyword.value if arg.keyword is not None else None
        has_store = has_store or name == "store"
        if arg.star or name is None:
            planned.append((arg, False))
            continue
        new = _renamed(name, call)
        if new is None or _is_dropped(name, arg.value):
            continue
        if name == "logprobs" and isinstance(arg.value, cst.Integer):
            planned.append((edits.keyword_arg("include", _includes(call), like=arg), False))
            planned.append((edits.keyword_arg("top_logprobs", arg.value, like=arg), True))
            continue
        value = _stream_options(arg.value) if name == "stream_options" else arg.value
        if value is None:
            continue
        planned.append((arg.with_changes(keyword=cst.Name(new), value=value), False))
    if not has_store and call.spread is None:
        # The completions endpoint kept nothing; Responses stores by default.
        planned.append((edits.keyword_arg("store", cst.Name("False"), like=_plain_keyword(args)), True))
    return edits.rebuild_args(args, planned)


def _plain_keyword(args: Sequence[cst.Arg]) -> Optional[cst.Arg]:
    """A keyword argument of the call to copy the `=` spacing from."""
    return next((a for a in args if a.keyword is not None and not a.star), None)


def _includes(call: CompletionsCall) -> cst.BaseExpression:
    quote = edits.quote_of(call.node)
    return cst.List([cst.Element(cst.SimpleString(f"{quote}{sdk.LOGPROBS_INCLUDABLE}{quote}"))])


def _stream_options(value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """`stream_options` without its no-op `include_usage: False` (None: nothing is left)."""
    if not isinstance(value, cst.Dict):
        return value
    kept = [e for e in value.elements if not (isinstance(e, cst.DictElement) and string_key(e.key) == "include_usage")]
    if not kept:
        return None
    if len(kept) == len(value.elements):
        return value
    kept[-1] = kept[-1].with_changes(comma=value.elements[-1].comma)
    return value.with_changes(elements=kept)


def _spread_mapper(call: CompletionsCall) -> Callable[[cst.Dict], cst.Dict]:
    """The same mapping on the entries of a followed `**params` dict literal."""

    def transform(node: cst.Dict) -> cst.Dict:
        planned: list[cst.DictElement] = []
        for element in node.elements:
            assert isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
            name = string_key(element.key)
            new = _renamed(name, call)
            if new is None or _is_dropped(name, element.value):
                continue
            if name == "logprobs" and isinstance(element.value, cst.Integer):
                planned.append(element.with_changes(key=edits.with_string_value(element.key, "include"), value=_includes(call)))
                planned.append(element.with_changes(key=edits.with_string_value(element.key, "top_logprobs")))
                continue
            value = _stream_options(element.value) if name == "stream_options" else element.value
            if value is None:
                continue
            planned.append(element.with_changes(key=edits.with_string_value(element.key, new), value=value))
        if planned and not any(string_key(e.key) == "store" for e in planned):
            # The completions endpoint kept nothing; Responses stores by default.
            like = planned[-1]
            assert isinstance(like.key, cst.SimpleString)
            planned.append(like.with_changes(key=edits.with_string_value(like.key, "store"), value=cst.Name("False")))
        separator = next(
            (e.comma for e in node.elements[:-1] if isinstance(e.comma, cst.Comma)),
            cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
        )
        last_comma = node.elements[-1].comma if node.elements else cst.MaybeSentinel.DEFAULT
        laid_out = [
            e.with_changes(comma=last_comma if i == len(planned) - 1 else separator) for i, e in enumerate(planned)
        ]
        return node.with_changes(elements=laid_out)

    return transform


def _upgrade_outputs(
    code: str, ctx: RuleContext, analysis: Analysis, call: CompletionsCall, groups: set[str], fix_edits: list[Edit]
) -> Iterator[Report]:
    """openai<1.0 code moved to v1 in the same fix: what cannot be carried over is
    reported; serialisations and the module prelude join the call's edits."""
    if call.is_azure:
        yield Report(
            code=code,
            node=call.node,
            message="openai<1.0 Azure configuration cannot be moved to the v1 SDK automatically",
            advice=(
                "create an `openai.AzureOpenAI(azure_endpoint=..., "
                f'api_version="{sdk.AZURE_RESPONSES_API_VERSION}")` client and call '
                "`.responses.create(model=<deployment>, input=..., store=False)` on it"
            ),
            groups=frozenset(groups),
        )
    for arg in call.node.args:
        name = arg.keyword.value if arg.keyword is not None else None
        if name in upgrade.CREDENTIAL_KWARGS:
            yield Report(
                code=code,
                node=arg,
                message=f"per-call `{name}` has no v1 equivalent on a call",
                advice=upgrade.CREDENTIAL_ADVICE.replace(".chat.completions.create", ".responses.create"),
                groups=frozenset(groups),
            )
        if name == "request_timeout" and isinstance(arg.value, cst.Tuple):
            yield Report(
                code=code,
                node=arg,
                message="a `(connect, read)` request_timeout has no float equivalent",
                advice="pass `timeout=openai.Timeout(read, connect=connect)`",
                groups=frozenset(groups),
            )
    for node in analysis.uses_of(call).serializations:
        rewrite = upgrade.serialization_rewrite(node)
        if rewrite is None:
            yield Report(
                code=code,
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


# --------------------------------------------------------------------------- notes


def _generation_notes(analysis: Analysis) -> Iterator[Note]:
    if any(call.generation == "v1" for call in analysis.calls):
        yield Note("SDK: openai>=1 code calls the legacy endpoint (client.completions.create)")
    if any(call.generation == "v0" and not call.chat for call in analysis.calls) or analysis.v0_reported:
        yield Note(
            "SDK: openai<1.0 code (openai.Completion) is moved to the v1 SDK's Responses API "
            "(--target responses implies --sdk v1)"
        )


def required_sdk(call: CompletionsCall) -> tuple[tuple[int, ...], str]:
    """The first SDK release the migrated call runs on, and what it needs from it."""
    needed, why = sdk.RESPONSES_SDK, "the Responses API"
    logprobs = call.keyword("logprobs")
    options = call.keyword("stream_options")
    if options is not None and _stream_options(options.value) is not None and not is_neutral(options.value, ("None",)):
        needed, why = sdk.RESPONSES_STREAM_OPTIONS_SDK, "`stream_options` on `responses.create`"
    elif logprobs is not None and isinstance(logprobs.value, cst.Integer):
        needed, why = sdk.RESPONSES_LOGPROBS_SDK, "`top_logprobs` and the logprobs `include` of `responses.create`"
    elif call.receiver is not None and call.receiver.is_module and call.method != "acreate":
        needed, why = sdk.RESPONSES_MODULE_CLIENT_SDK, "the module-level `openai.responses`"
    return needed, why


def pin_notes(ctx: RuleContext, call: CompletionsCall) -> Iterator[Output]:
    """A project pin that allows no release the migrated call runs on (once per run)."""
    read: list[str] = []
    pin = pins.pin_for(ctx.path, ctx.requirements, read)
    yield from (Dependency(path) for path in read)
    if pin is None:
        return
    needed, why = required_sdk(call)
    if not pins.allows_release_from(pin, sdk.RESPONSES_SDK):
        needed, why = sdk.RESPONSES_SDK, "the Responses API"
    elif pins.allows_release_from(pin, needed):
        return
    yield Note(
        f"{pins.display_path(pin.source)}: {pin.spec} allows no release with {why} "
        f"(openai {version_text(needed)} and later): raise the pin to openai>={version_text(needed)} "
        "for the migrated code"
    )


# --------------------------------------------------------------------------- wording


@dataclass(frozen=True)
class ApiWords:
    """How OAI004 names the API a call moves to."""

    api: str  # "chat"
    model: str  # "a chat model"
    endpoint: str  # "the chat endpoint"
    deployment: str  # what an Azure deployment must serve


CHAT_WORDS = ApiWords("chat", "a chat model", "the chat endpoint", "chat needs a chat deployment")
RESPONSES_WORDS = ApiWords(
    "the Responses API",
    "a model the Responses API serves",
    "the Responses API",
    "the Responses API needs a deployment of a model it supports",
)


def api_words(ctx: RuleContext) -> ApiWords:
    return RESPONSES_WORDS if active(ctx) else CHAT_WORDS
