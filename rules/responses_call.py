"""`--target responses`: what OAI001 reports for a legacy completions call under this
target: the call and its fix (with the edits its reads hand over, `responses_reads.py`),
how safe that fix is, what cannot move from openai<1.0, the mocks of the endpoint, and
the notes about the SDK the migrated code needs and the project's pin.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Optional

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Dependency, Edit, Fix, Note, Output, Report, RuleContext

from . import edits, pins, sdk, upgrade
from .analysis import Analysis, CompletionsCall, analyse
from .analysis.mocks import match_target
from .call_rewrites import alias_group, prelude_edit
from .responses_call_rewrites import call_transform, spread_mapper, stream_options
from .responses_parameters import is_neutral

V0_ADVICE = (
    "move the call to the v1 SDK by hand: `client.responses.create(model=<model>, input=prompt, "
    "store=False)`, and read `response.output_text`"
)
AZURE_NOTE = (
    f'on Azure, Responses needs `api_version="{sdk.AZURE_RESPONSES_API_VERSION}"` or later, and '
    "`model` names a deployment: it must serve a model the Responses API supports"
)
SHAPED_ADVICE = (
    "if it is OpenAI's SDK, make that visible (build or annotate it as `openai.OpenAI`, or "
    "list the module that wraps openai in `openai-modules`) and run `migrator fix` again, "
    "or migrate it by hand to `responses.create(input=..., store=False)`; if it belongs to "
    "another SDK, add `# noqa: OAI001`"
)
GETATTR_ADVICE = (
    "write the endpoint as attributes (`client.completions.create(...)`, "
    "`openai.Completion.create(...)`) and run `migrator fix` again, or migrate it by hand to "
    "`responses.create(input=..., store=False)`, whose response has `output_text`"
)

THROUGH_ADVICE = (
    "migrate the value it is called through by hand (see the OAI009 finding where it is "
    "bound or stored): the Responses API takes `input=...` (and `store=False`) and its "
    "response has `output_text`; then change this call to match"
)


def version_text(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


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
            advice={"unproven": SHAPED_ADVICE, "through": THROUGH_ADVICE, "getattr": GETATTR_ADVICE}[shaped.kind],
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
    found = match_target(value, sdk.RESPONSES_MOCK_TARGETS)
    if found is None:
        return None
    legacy, target, prefix = found
    rest = value[len(prefix) + len(legacy) :]
    if rest == ".acreate":  # v0's coroutine is the async resource's `create`
        return prefix + target.replace("Responses", "AsyncResponses", 1) + ".create"
    return prefix + target + rest


def _call_outputs(
    code: str,
    ctx: RuleContext,
    analysis: Analysis,
    call: CompletionsCall,
    attached: Optional[tuple[list[Edit], frozenset[str]]],
) -> Iterator[Output]:
    uses = analysis.uses_of(call)
    applicability, notes = _safety(call, uses.escapes, analysis)
    groups = {call.key}
    migrate = call_transform(call, analysis)
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
        fix_edits.append(Edit(call.spread, spread_mapper(call)))
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


def _safety(call: CompletionsCall, escapes: Sequence[str], analysis: Analysis) -> tuple[Applicability, list[str]]:
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
        if receiver.deployments:
            notes.append(
                "the SDK does not send `/responses` to the client's `azure_deployment`: "
                "the call's `model` chooses the deployment instead"
            )
    elif receiver.custom_base_url:
        applicability = Applicability.UNSAFE
        if receiver.spread is not None:
            notes.append(f"this client is built from `{receiver.spread}`, which may set a `base_url`: that server may not implement the Responses API")
        else:
            notes.append("this client's server (a custom `base_url`) may not implement the Responses API")
    if escapes:
        applicability = Applicability.UNSAFE
        notes.extend(escapes)
    model = call.model_argument()
    origins = analysis.origins_of(call)
    if model is not None and not isinstance(model.value, cst.SimpleString) and (origins is None or not origins.complete):
        # As on chat: a model not traced to literals may still name a completion model.
        applicability = Applicability.UNSAFE
        notes.append("the model is computed: check that the Responses API serves it")
    logprobs = call.keyword("logprobs")
    if logprobs is not None and isinstance(logprobs.value, cst.Integer):
        notes.append(
            f"log probabilities need openai>={version_text(sdk.RESPONSES_LOGPROBS_SDK)} "
            f'(`include=["{sdk.LOGPROBS_INCLUDABLE}"]`, `top_logprobs`)'
        )
    return applicability, notes


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
    fix_edits.append(prelude_edit(ctx, analysis, call))


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
    if options is not None and stream_options(options.value) is not None and not is_neutral(options.value, ("None",)):
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
