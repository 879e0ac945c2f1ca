"""One analysis of a module, shared by all OpenAI rules.

It finds the calls that reach the legacy Completions endpoint (resolving the receiver
through the module index's scopes, not names) and follows their responses, so that every
`.text` read can be tied to the call(s) it came from. One concern per module:

- `syntax`: questions about a node's own shape;
- `names`: what a name is bound to (flow-sensitively) and where it is read;
- `receivers`: whether an expression is an OpenAI client, also across the project's
  modules and pytest fixtures;
- `calls`: which calls reach the legacy endpoint (v1 and v0 forms, through a name);
- `module_settings`: whether the openai module's client is set up for Azure or another
  server, here or in a project module this one imports;
- `references`: the endpoint used as a value, and the calls made through one;
- `dataflow`: what a value is and which calls it came from;
- `reads`: the reads of a response the rules rewrite;
- `escapes`: where a response leaves the code in view;
- `origins`: the literals a value (a model) can come from;
- `slots`: what the module keeps on attributes and in containers, and where it reads
  a kept response back;
- `mocks`: mock targets and the fake responses they hand back;
- `collect`: the candidate nodes; `records`: the results.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Optional

import libcst as cst

from migrator.rule import Dependency, RuleContext

from .. import sdk
from .calls import CallFinder, Found
from .collect import Candidates
from .dataflow import Flow, Kind
from .escapes import call_uses
from .mocks import mock_targets
from .names import Names
from .origins import Origins, string_origins
from .reads import ReadFinder
from .receivers import Receivers
from .records import Analysis, CompletionsCall, DictAccess, SdkMode, ShapedCall, TextRead
from .references import References
from .slots import Stored, may_read_stored, stored_responses

__all__ = ["Analysis", "CompletionsCall", "Kind", "analyse", "file_facts", "sdk_mode"]


def analyse(ctx: RuleContext) -> Analysis:
    return ctx.memo(__name__, lambda: _build(ctx))


def file_facts(ctx: RuleContext) -> Iterator[Dependency]:
    """What the analysis of this file depends on besides its bytes (the pack reports it)."""
    for path in analyse(ctx).dependencies:
        yield Dependency(path)


def _build(ctx: RuleContext) -> Analysis:
    index = ctx.index
    found = Candidates(index)
    proxies = sdk.PROXY_MODULES + tuple(ctx.options.get("openai-modules") or ())
    uses_openai = any(
        root == "openai" or any(root == p or root.startswith(p + ".") or p.startswith(root + ".") for p in proxies)
        for root in found.imported
    )
    other_sdk = any(root.split(".")[0] in sdk.OTHER_SDKS for root in found.imported)
    names = Names(index, proxies)
    registry: dict[int, CompletionsCall] = {}
    flow = Flow(names, registry)
    # A module that never imports openai can still call a client imported from another
    # module of the project, so calls are always resolved; bare `.text` reads only matter
    # next to openai.
    if not (
        found.create_calls
        or found.v0_candidates
        or found.getattr_calls
        or found.references
        or (uses_openai and found.text_attributes)
    ):
        return Analysis(uses_openai, other_sdk, names, flow, mocks=tuple(mock_targets(names, found.strings, False)))
    receivers = Receivers(names, ctx.path)
    dependencies: list[str] = []
    pinned: list[bool] = []

    def project_uses_openai() -> bool:
        if not pinned:
            from ..pins import pin_for

            pinned.append(pin_for(ctx.path, ctx.requirements, dependencies) is not None)
        return pinned[0] or receivers.saw_openai

    finder = CallFinder(
        names, receivers, uses_openai=uses_openai, other_sdk=other_sdk, project_uses_openai=project_uses_openai
    )
    mode: SdkMode = sdk_mode(ctx, dependencies) if found.v0_candidates else "keep"
    references = References(names, receivers, finder)
    calls, shaped, v0_reported = _find_calls(found, finder, references, mode)
    values = tuple(references.value_sites(found.references))
    # Every call found feeds the value kinds, even one dropped below: its responses stay
    # what they are.
    registry.update((id(call.node), call) for call in calls)
    if mode == "v1" and not any(call.generation == "v0" and not call.chat for call in calls):
        # Upgrading only v0 chat calls is not this tool's job: leave such files alone.
        calls = [call for call in calls if not call.chat]
    upgrading = any(call.upgrade for call in calls)
    reader = ReadFinder(names, flow)
    stored = stored_responses(names, flow, calls)
    reads = tuple(
        _held_back(names, read, stored) for node in found.text_attributes if (read := reader.text_read(node))
    )
    uses = call_uses(names, flow, calls, index.nodes(cst.Call))
    compares = tuple(c for node in found.object_strings if (c := reader.object_compare(node)))
    accesses, errors, config = _upgrade_parts(found, names, reader) if upgrading else ((), (), ())
    types = tuple(t for node in found.type_names if (t := reader.type_reference(node)))
    model_origins = _model_origins(names, calls, ctx.path, dependencies)
    dependencies.extend(receivers.files_read)
    return Analysis(
        uses_openai,
        other_sdk,
        names,
        flow,
        calls=tuple(calls),
        shaped=tuple(shaped),
        reads=reads,
        mocks=tuple(mock_targets(names, found.strings, upgrade=upgrading)),
        object_compares=compares,
        model_constants=_model_constants(calls),
        uses=uses,
        v0_reported=tuple(v0_reported),
        values=values,
        text_guards=tuple(
            (node, kind) for node in found.text_guards if (kind := flow.kind(node.args[0].value)) is not None
            and kind.read_tag in ("choice", "chunk_choice")
        ),
        sdk_mode=mode,
        dict_accesses=accesses,
        error_references=errors,
        config_references=config,
        module_alias=found.module_aliases[0] if found.module_aliases else None,
        type_references=types,
        dependencies=tuple(dependencies),
        stored_loads=stored.loads,
        model_origins=model_origins,
    )


def _model_origins(names: Names, calls: list[CompletionsCall], path: str, read: list[str]) -> dict[str, Origins]:
    """Where each model not written as a literal comes from (OAI004 reports the legacy
    ones, OAI001 is unsafe while some value is not in view)."""
    found: dict[str, Origins] = {}
    for call in calls:
        model = call.model_argument()
        if model is not None and not isinstance(model.value, cst.SimpleString):
            found[call.key] = origins = string_origins(names, model.value, path)
            read.extend(file for file in origins.files_read if file not in read)
    return found


def _held_back(names: Names, read: TextRead, stored: Stored) -> TextRead:
    """An untraced read that may see a response the module keeps on an attribute or in a
    container waits for the calls it may come from."""
    if read.kind is not None or not (stored.attributes or stored.containers or stored.items):
        return read
    return replace(read, stored_by=may_read_stored(names, read.holder, stored))


def _find_calls(
    found: Candidates, finder: CallFinder, references: References, mode: SdkMode
) -> tuple[list[CompletionsCall], list[ShapedCall], list[tuple[cst.CSTNode, str]]]:
    """The legacy calls (v1, v0, through a name or a stored value), the ones only shaped
    like them, and the v0 calls no fix can move (`Engine.generate`, `super().create`)."""
    calls: list[CompletionsCall] = []
    shaped: list[ShapedCall] = []
    v0_reported: list[tuple[cst.CSTNode, str]] = []
    for node in found.create_calls:
        _sort(finder.v1_call(node), calls, shaped)
    for node in found.getattr_calls:
        _sort(finder.getattr_call(node), calls, shaped)
    for node in found.v0_candidates:
        v0_call = finder.v0_call(node, upgrade=mode == "v1")
        if v0_call is not None:
            _sort(v0_call, calls, shaped)
        elif (why := finder.v0_unfixable(node)) is not None:
            v0_reported.append((node, why))
        elif (why := references.through(node)) is not None:
            _sort(finder.shaped(node, why, proven=True), calls, shaped)
    for node in found.name_calls:
        aliased = finder.aliased_call(node, upgrade=mode == "v1")
        if aliased is None and (why := references.through(node)) is not None:
            aliased = finder.shaped(node, why, proven=True)
        _sort(aliased, calls, shaped)
    return calls, shaped, v0_reported


def _upgrade_parts(
    found: Candidates, names: Names, reader: ReadFinder
) -> tuple[tuple[DictAccess, ...], tuple[cst.CSTNode, ...], tuple[cst.Attribute, ...]]:
    """Under `--sdk v1`: the dict reads, `openai.error` names and module settings that
    move with the file."""
    accesses = tuple(a for node in found.string_accesses if (a := reader.dict_access(node)))
    errors: list[cst.CSTNode] = [n for n in found.error_attributes if "openai.error" in names.qualified_names(n.value)]
    errors.extend(found.error_imports)
    config = tuple(n for n in found.config_attributes if "openai" in names.qualified_names(n.value))
    return accesses, tuple(errors), config


def _model_constants(calls: list[CompletionsCall]) -> dict[str, list[CompletionsCall]]:
    """Constant name -> the calls whose model it is (OAI004 changes it where defined)."""
    constants: dict[str, list[CompletionsCall]] = {}
    for call in calls:
        model = call.model_argument()
        if model is not None and isinstance(model.value, cst.Name):
            constants.setdefault(model.value.value, []).append(call)
    return constants


def _sort(found: Found, calls: list[CompletionsCall], shaped: list[ShapedCall]) -> None:
    if isinstance(found, CompletionsCall):
        calls.append(found)
    elif isinstance(found, ShapedCall):
        shaped.append(found)


def sdk_mode(ctx: RuleContext, read: Optional[list[str]] = None) -> SdkMode:
    """"v1" when openai<1.0 code moves to the v1 SDK: asked for, or the project pins v1."""
    if ctx.options.get("target") == "responses":
        return "v1"  # openai<1.0 has no Responses API (the pack refuses `--sdk keep` with it)
    from ..pins import decide

    return "v1" if decide(ctx.path, str(ctx.options.get("sdk", "auto")), ctx.requirements, read).mode == "v1" else "keep"
