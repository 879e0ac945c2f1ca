"""Rewrites of a completions call itself (OAI001) and of a v0 chat call moved to v1 (OAI006):
its endpoint or SDK resource, its arguments, and under `--sdk v1` the parts of the file
that move with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Callable, Optional

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report, RuleContext

from . import edits, sdk, upgrade
from .analysis import Analysis, CompletionsCall
from .analysis.records import DictAccess
from .analysis.syntax import string_value
from .parameters import is_neutral


@dataclass(frozen=True)
class Blocker:
    """Something the migration cannot do by itself: what, where, and what to do by hand."""

    node: cst.CSTNode
    what: str
    advice: str


def call_edits(ctx: RuleContext, analysis: Analysis, call: CompletionsCall) -> tuple[Applicability, list[str], list[Edit]]:
    """The edits that migrate the call, how safe they are, and notes saying why."""
    applicability, notes, keep_max_tokens = call_safety(ctx, analysis, call)
    quote = edits.quote_of(call.node)
    rename_engine = call.generation == "v0" and not call.is_azure and call.keyword("model") is None
    migrate = call_transform(call, analysis, quote, keep_max_tokens, rename_engine)
    found = [Edit(call.node, lambda updated: edits.fit_call(migrate(updated), call.node, ctx))]
    if call.upgrade:
        found.extend(upgrade_edits(ctx, analysis, call))
        if call.keyword("timeout") is not None:
            notes.append("the fix drops the v0 retry `timeout`: v1 retries by itself (`max_retries`)")
    if call.spread is not None and not call.chat:
        found.append(Edit(call.spread, _spread_mapper(quote, keep_max_tokens, rename_engine, call.upgrade)))
    if call.resource_import is not None and not call.upgrade:
        found.append(Edit(call.resource_import, edits.add_import_name("ChatCompletion")))
    return applicability, notes, found


def call_report(code: str, analysis: Analysis, call: CompletionsCall, message: str, fix: Fix) -> Report:
    """The one finding of a call. Under `--sdk v1`, what v1 cannot express on it (Azure
    module configuration, per-call credentials) makes it manual instead."""
    groups = frozenset(
        {call.key}.union(*(access.kind.sources for access in owned_accesses(analysis, call)))
        | ({alias_group(call)} if call.alias is not None else set())
    )
    blockers = list(upgrade_blockers(call)) if call.upgrade else []
    if not blockers:
        return Report(code=code, node=call.node, message=message, fix=fix, groups=groups)
    return Report(
        code=code,
        node=call.node,
        message="; ".join(blocker.what for blocker in blockers) + "; the call cannot be moved to v1 automatically",
        advice="; ".join(dict.fromkeys(blocker.advice for blocker in blockers)),
        groups=groups,
    )


def upgrade_group(analysis: Analysis) -> frozenset[str]:
    """The fix group of everything that moves to v1 with the whole file."""
    return frozenset(call.key for call in analysis.calls if call.upgrade)


def alias_group(call: CompletionsCall) -> str:
    """The fix group of the calls through one alias and of the alias itself (OAI009)."""
    return f"alias@{id(call.alias)}"


def alias_transform(call: CompletionsCall) -> Callable[[cst.Attribute], cst.Attribute]:
    """The bound endpoint itself: `client.completions.create` -> `client.chat.completions.create`."""

    def transform(updated: cst.Attribute) -> cst.Attribute:
        if call.generation == "v0":
            return updated.with_changes(value=_chat_resource(updated.value))
        rewritten = edits.replace_attribute_in_chain(updated, lambda a: a.attr.value == "completions", edits.insert_chat)
        assert isinstance(rewritten, cst.Attribute)
        return rewritten

    return transform


def owned_accesses(analysis: Analysis, call: CompletionsCall) -> Iterator[DictAccess]:
    """The dict-style reads (`r["usage"]`) of the call's response that move to attributes
    with it. A read fed by more than one call (a loop variable reused) belongs to the
    first of them; the others join its group."""
    for access in analysis.dict_accesses:
        owner = next(c for c in analysis.calls if c.key in access.kind.sources)
        if owner is call:
            yield access


def access_rewrite(access: DictAccess) -> Optional[Callable[[cst.BaseExpression], cst.BaseExpression]]:
    if access.kind.mixed:
        return None  # another value may be read here too: not rewritten, and holds its call
    if upgrade.is_attribute_name(access.key) and (access.default is None or upgrade.is_simple_default(access.default)):
        return upgrade.to_attribute(access.key)
    return None


def upgrade_edits(ctx: RuleContext, analysis: Analysis, call: CompletionsCall) -> list[Edit]:
    """What moves to v1 with the call: its response's dict reads and serialisations that
    have an attribute form, and the module prelude (`import openai`, the async client)."""
    found: list[Edit] = []
    for access in owned_accesses(analysis, call):
        rewrite = access_rewrite(access)
        if rewrite is not None:
            found.append(Edit(access.node, rewrite))
    for node in analysis.uses_of(call).serializations:
        serialization = upgrade.serialization_rewrite(node)
        if serialization is not None:
            found.append(Edit(node, serialization))
    found.append(prelude_edit(ctx, analysis, call))
    return found


def prelude_edit(ctx: RuleContext, analysis: Analysis, call: CompletionsCall) -> Edit:
    """What a call moving to v1 needs at the top of the module: `import openai` where the
    moved code names it, and the lazy async client for an `acreate`."""
    prelude = upgrade.module_prelude(
        analysis.module_alias or "openai",
        add_import=analysis.module_alias is None,
        add_async_helper=call.method == "acreate",
    )
    return Edit(ctx.module, prelude)


def upgrade_blockers(call: CompletionsCall) -> Iterator[Blocker]:
    """What v0 code does on a call that a v1 call cannot express mechanically."""
    if call.is_azure:
        yield Blocker(
            call.node,
            "openai<1.0 Azure configuration cannot be moved to the v1 SDK automatically",
            "create an `openai.AzureOpenAI(azure_endpoint=..., api_version=...)` client and call "
            "`.chat.completions.create(model=<chat deployment>, ...)` on it",
        )
    for arg in call.node.args:
        name = arg.keyword.value if arg.keyword is not None else None
        if name in upgrade.CREDENTIAL_KWARGS:
            yield Blocker(arg, f"per-call `{name}` has no v1 equivalent on a call", upgrade.CREDENTIAL_ADVICE)
        if name == "request_timeout" and isinstance(arg.value, cst.Tuple):
            yield Blocker(
                arg,
                "a `(connect, read)` request_timeout has no float equivalent",
                "pass `timeout=openai.Timeout(read, connect=connect)`",
            )


def call_safety(ctx: RuleContext, analysis: Analysis, call: CompletionsCall) -> tuple[Applicability, list[str], bool]:
    """How safe the call's fix is, the notes that say why, and whether `max_tokens` stays."""
    escapes = analysis.uses_of(call).escapes
    notes: list[str] = []
    applicability = Applicability.SAFE
    receiver = call.receiver
    if call.unproven is not None:
        applicability = Applicability.UNSAFE
        notes.append(call.unproven)
    if call.is_azure and _mapped_deployment(ctx, call):
        pass  # the user named the chat deployment (OAI004 puts it in)
    elif call.generation == "v0" and call.is_azure:
        applicability = Applicability.UNSAFE
        notes.append("on Azure, the deployment must serve a chat model")
    elif receiver is None:
        applicability = Applicability.UNSAFE
        notes.append("the receiver could not be proven to be an OpenAI client")
    elif receiver.is_azure:
        applicability = Applicability.UNSAFE
        if receiver.deployments:
            notes.append("on Azure, the client's `azure_deployment` names the deployment: it must serve a chat model")
        else:
            notes.append("on Azure, `model` names a deployment: it must serve a chat model")
    if receiver is not None and receiver.custom_base_url and not receiver.is_azure:
        applicability = Applicability.UNSAFE
        server = (
            f"the client is built from `{receiver.spread}`, which may set `base_url` to a server other than OpenAI's"
            if receiver.spread is not None
            else "the client talks to a server other than OpenAI's (`base_url`)"
        )
        notes.append(f"{server}: it may still serve /v1/completions, and may not serve chat or the chosen model")
    if escapes:
        applicability = Applicability.UNSAFE
        notes.extend(escapes)
    keep_max_tokens = ctx.options.get("max-tokens") == "max_tokens"
    if call.keyword("max_tokens") is not None and not keep_max_tokens and receiver is not None:
        if receiver.is_azure or receiver.custom_base_url:
            keep_max_tokens = True
            notes.append("the fix keeps `max_tokens`: this client's server may not accept `max_completion_tokens`")
    model = call.model_argument()
    if model is not None and not isinstance(model.value, cst.SimpleString):
        origins = analysis.origins_of(call)
        if origins is None or not origins.complete:
            applicability = Applicability.UNSAFE
            notes.append("the model is computed: check that it names a chat model")
    logprobs = call.keyword("logprobs")
    if logprobs is not None and not isinstance(logprobs.value, (cst.Integer, cst.Name)):
        notes.append("`logprobs` becomes `logprobs=<value> is not None, top_logprobs=<value>`")
    return applicability, notes, keep_max_tokens


def _mapped_deployment(ctx: RuleContext, call: CompletionsCall) -> bool:
    """The deployment the call goes to is named in `deployment-map`: the client's
    (`azure_deployment=`) when it has one, else the call's `model`."""
    mapping = ctx.options.get("deployment-map") or {}
    if call.receiver is not None and call.receiver.deployments:
        deployments = list(call.receiver.deployments)
    else:
        model = call.model_argument()
        deployments = [model.value] if model is not None else []
    return bool(deployments) and all(
        isinstance(deployment, cst.SimpleString) and string_value(deployment) in mapping for deployment in deployments
    )


def call_transform(
    call: CompletionsCall, analysis: Analysis, quote: str, keep_max_tokens: bool, rename_engine: bool
) -> Callable[[cst.Call], cst.Call]:
    """The call itself: its endpoint (or v0 resource, or SDK) and its arguments."""

    def transform(updated: cst.Call) -> cst.Call:
        if call.chat:
            args = list(updated.args)  # already chat: only the SDK changes
        else:
            args = _map_arguments(updated, quote, keep_max_tokens, rename_engine)
        if call.alias is not None:
            return updated.with_changes(args=args)  # the alias itself is rewritten once, apart
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
