"""OAI004 legacy-model."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any, Optional

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report, Rule, RuleContext

from . import responses, sdk
from .analysis import Analysis, CompletionsCall, analyse
from .analysis.names import Names
from .analysis.origins import Foreign, string_origins
from .analysis.syntax import source, string_value
from .edits import replace_with, set_string

CHOOSE_MODEL = (
    "choose the chat model with `--model NAME` (or `model` / `model-map` in [tool.migrator]); "
    "`--unsafe-fixes` alone uses the built-in default, " + sdk.DEFAULT_CHAT_MODEL
)


def chat_model_for(legacy: str, options: Mapping[str, Any]) -> tuple[Optional[str], Applicability]:
    """The chat model to use instead of `legacy`, and how sure we are of it."""
    model_map = options.get("model-map") or {}
    if legacy in model_map:
        return str(model_map[legacy]), Applicability.SAFE
    if sdk.is_legacy_fine_tune(legacy):
        return None, Applicability.NONE  # a fine-tune cannot be swapped for a base model
    if options.get("model"):
        return str(options["model"]), Applicability.SAFE
    return sdk.DEFAULT_CHAT_MODEL, Applicability.UNSAFE


class LegacyModelRule(Rule):
    """## What it does
    Finds completions-only model names (`text-davinci-003`, `gpt-3.5-turbo-instruct`,
    `davinci-002`, `babbage-002`, `code-davinci-002`, their fine-tunes, ...) that reach the
    `model=` (or v0 `engine=`) of a completions call: a literal, a module-level constant,
    a parameter's default or the arguments its local callers pass, an attribute the module
    sets (`self.model`, `Config.MODEL`, `settings.MODEL = ...`), the values of a dict of
    models (`MODELS[kind]`), the default of `os.getenv` / `os.environ.get`, or a name or
    module attribute imported from another module of the project; each is replaced with a
    chat model where it is written (one written in another module is reported at the
    call, and cannot be replaced from there). Also a model that
    is neither completions-only nor one of the SDK's chat models (it is never carried onto
    a chat call silently), and on Azure a deployment named after a completion model: the
    call's `model`, or the client's `azure_deployment`, which serves every call of the
    client whatever its `model` says.

    Under `--target responses` the replacement is a model the Responses API serves (the
    same choice: `model-map`, `--model`, or the default).

    ## Why is this bad?
    The chat endpoint rejects completion models (HTTP 404 "This is not a chat model"), so
    a call moved to chat must also move to a chat model. The Responses API does not
    serve them either.

    ## Example
    ```python
    client.completions.create(model="gpt-3.5-turbo-instruct", prompt=p)
    ```
    With `migrator fix --model gpt-4o-mini`:
    ```python
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": p}])
    ```
    The target comes from `model-map` (per legacy name), then `--model` / `model`, then
    the built-in default. A constant used only as the model of migrated calls is changed
    where it is defined; otherwise the argument gets the literal.

    Under `--target responses` the example becomes
    `client.responses.create(model="gpt-4o-mini", input=p, store=False)`.

    ## Fix safety
    Safe with `--model` or configuration; with only the built-in default the fix is unsafe
    (a model choice changes cost, latency and answers). Fine-tuned legacy models, unknown
    models and Azure deployments of completion models have no automatic replacement: the
    call is reported and not rewritten until `model-map` (or, on Azure, `deployment-map`)
    names what they become, because the chat endpoint would reject the old one anyway.
    A model on a client of another server is left alone (its names are that server's).
    A legacy model written in another module is manual: the call waits until it is
    changed there. While other values may reach the model (the environment, an object
    not in view), the call's own fix (OAI001) stays unsafe.

    Under `--target responses` the same: an Azure deployment must serve a model the
    Responses API supports. The SDK does not send `/responses` to the client's
    `azure_deployment` but to the deployment `model` names: a call whose `model` is not
    the client's deployment is reported until it is.
    """

    code = "OAI004"
    name = "legacy-model"
    summary = "completions-only (or unknown) model, or an Azure deployment of one"
    prefilter = ((b"completions",), (b"Completion",))

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        analysis = analyse(ctx)
        names = analysis.names
        handled_constants: set[int] = set()
        through: dict[int, tuple[cst.SimpleString, CompletionsCall, set[str]]] = {}
        for call in analysis.calls:
            model = call.model_argument()
            if model is None or call.chat:
                continue
            value = model.value
            if isinstance(value, cst.SimpleString):
                report = self._literal(ctx, call, value, frozenset({call.key}))
                if report is not None:
                    yield report
            elif isinstance(value, cst.Name) and (constant := _module_constant(names, value)) is not None:
                if id(constant) in handled_constants:
                    continue
                handled_constants.add(id(constant))
                report = self._constant(ctx, analysis, value, constant)
                if report is not None:
                    yield report
            elif (origins := analysis.origins_of(call)) is not None:
                # Parameter defaults, arguments at the local call sites, `self.model`, a
                # dict of models, an environment default: each legacy literal that can
                # reach the call is replaced where written (in another module: manual).
                for literal in origins.literals:
                    entry = through.setdefault(id(literal), (literal, call, set()))
                    entry[2].add(call.key)
                for foreign in origins.foreign:
                    report = self._foreign(ctx, call, value, foreign)
                    if report is not None:
                        yield report
        shared: set[int] = set()  # deployments of clients other modules may import
        for call in analysis.calls:
            yield from self._client_deployments(ctx, analysis, call, through, shared)
        for literal, call, keys in through.values():
            report = self._literal(ctx, call, literal, frozenset(keys))
            if report is not None and id(literal) in shared:
                report = _shared_client(report)
            if report is not None:
                yield report

    def _client_deployments(
        self,
        ctx: RuleContext,
        analysis: Analysis,
        call: CompletionsCall,
        through: dict[int, tuple[cst.SimpleString, CompletionsCall, set[str]]],
        shared: set[int],
    ) -> Iterator[Report]:
        """`AzureOpenAI(azure_deployment=...)`: the client's deployment serves its calls
        (`/completions` and `/chat/completions` go there whatever `model` says), so it
        counts as the call's model. Under `--target responses` the SDK sends `/responses`
        to the resource instead, with `model` naming the deployment: a `model` that is not
        the client's deployment would change where the call goes."""
        if call.receiver is None or not call.is_azure:
            return
        if responses.active(ctx):
            yield from self._responses_deployments(call)
            return
        for deployment in call.receiver.deployments:
            if analysis.names.parent(deployment) is None:
                # Built in another module: its literal cannot be changed from here.
                name = string_value(deployment) if isinstance(deployment, cst.SimpleString) else None
                if name is not None and (sdk.is_legacy_model(name) or name in (ctx.options.get("deployment-map") or {})):
                    words = responses.api_words(ctx)
                    yield Report(
                        code=self.code,
                        node=call.node,
                        message=f"the client's Azure deployment `{name}` (set in another module) serves completions; {words.deployment}",
                        advice="set its `azure_deployment` to a chat deployment where the client is built, then run `migrator fix` again",
                        groups=frozenset({call.key}),
                    )
                continue
            literals = [deployment] if isinstance(deployment, cst.SimpleString) else string_origins(analysis.names, deployment).literals
            module_level = not any(isinstance(a, (cst.FunctionDef, cst.ClassDef)) for a in analysis.names.ancestors(deployment))
            for literal in literals:
                through.setdefault(id(literal), (literal, call, set()))[2].add(call.key)
                if module_level:
                    shared.add(id(literal))

    def _foreign(self, ctx: RuleContext, call: CompletionsCall, at: cst.BaseExpression, foreign: Foreign) -> Optional[Report]:
        """A literal of another module reaches the call: reported at the call's argument,
        and manual wherever it would need rewriting (a fix edits the call's module only)."""
        report = self._literal(ctx, call, foreign.literal, frozenset({call.key}), foreign.where)
        if report is None or report.fix is None or not report.fix.edits:
            return replace(report, node=at) if report is not None else None
        target = report.fix.edits[0].transform(foreign.literal).evaluated_value
        advice = f"set {foreign.where} to `{target}` (or the model you choose), then run `migrator fix` again"
        return replace(report, node=at, fix=None, advice=advice)

    def _literal(
        self,
        ctx: RuleContext,
        call: CompletionsCall,
        node: cst.SimpleString,
        groups: frozenset[str],
        where: Optional[str] = None,
    ) -> Optional[Report]:
        name = string_value(node)
        if not isinstance(name, str):
            return None
        shown = f"`{name}` ({where})" if where else f"`{name}`"  # where: written in another module
        words = responses.api_words(ctx)
        if call.is_azure:
            return self._deployment(ctx, node, name, groups, shown)
        if not sdk.is_legacy_model(name):
            if call.receiver is not None and call.receiver.custom_base_url:
                return None  # another server's model names are its own
            return self._unknown(ctx, node, name, groups, shown)
        target, applicability = chat_model_for(name, ctx.options)
        if target is None:
            return Report(
                code=self.code,
                node=node,
                message=f"{shown} is a fine-tune of a completion model; it cannot be used for {words.api}",
                advice="fine-tune a chat model on the same data and map it with `model-map` in [tool.migrator]",
                groups=groups,
            )
        message = f"{shown} is a completions-only model; use {words.model} (`{target}`)"
        if applicability is Applicability.UNSAFE:
            message += "; the built-in default needs `--unsafe-fixes`, or choose one with `--model`"
        return Report(
            code=self.code,
            node=node,
            message=message,
            fix=Fix(applicability, (Edit(node, set_string(target)),)),
            advice=CHOOSE_MODEL if applicability is Applicability.UNSAFE else None,
            groups=groups,
        )

    def _deployment(
        self, ctx: RuleContext, node: cst.SimpleString, name: str, groups: frozenset[str], shown: str
    ) -> Optional[Report]:
        """On Azure the model is a deployment: only the user can name its chat twin."""
        words = responses.api_words(ctx)
        mapped = (ctx.options.get("deployment-map") or {}).get(name)
        if mapped is not None:
            return Report(
                code=self.code,
                node=node,
                message=f"Azure deployment {shown} serves completions; `deployment-map` names `{mapped}` for {words.api}",
                fix=Fix(Applicability.SAFE, (Edit(node, set_string(str(mapped))),)),
                groups=groups,
            )
        if not sdk.is_legacy_model(name):
            return None  # a deployment name says nothing of its model: OAI001's fix is unsafe
        return Report(
            code=self.code,
            node=node,
            message=f"{shown} names an Azure deployment of a completion model; {words.deployment}",
            advice=(
                f"deploy {words.model} in Azure and name it for this deployment in `deployment-map` "
                "([tool.migrator.deployment-map]), then run `migrator fix` again"
            ),
            groups=groups,
        )

    def _responses_deployments(self, call: CompletionsCall) -> Iterator[Report]:
        assert call.receiver is not None
        model = call.model_argument()
        for deployment in call.receiver.deployments:
            if model is not None and _same_value(deployment, model.value):
                continue
            said = f"`{source(model.value)}`" if model is not None else "none"
            yield Report(
                code=self.code,
                node=model.value if model is not None else call.node,
                message=(
                    f"the client's `azure_deployment` (`{source(deployment)}`) served this call, but the SDK does "
                    f"not send `/responses` there: `model` ({said}) names the deployment instead"
                ),
                advice="set `model` to the deployment that serves the Responses API, then run `migrator fix` again",
                groups=frozenset({call.key}),
            )

    def _unknown(
        self, ctx: RuleContext, node: cst.SimpleString, name: str, groups: frozenset[str], shown: str
    ) -> Optional[Report]:
        """A model that is neither completions-only nor a known chat model."""
        if sdk.is_known_chat_model(name):
            return None
        words = responses.api_words(ctx)
        mapped = (ctx.options.get("model-map") or {}).get(name)
        if mapped is not None:
            fix = Fix(Applicability.SAFE, (Edit(node, set_string(str(mapped))),)) if mapped != name else Fix(Applicability.SAFE, ())
            return Report(
                code=self.code,
                node=node,
                message=f"{shown} is not a known chat model; `model-map` names `{mapped}` for {words.api}",
                fix=fix,
                groups=groups,
            )
        return Report(
            code=self.code,
            node=node,
            message=f"{shown} is not a known chat model: {words.endpoint} may reject it",
            advice=(
                f"name the chat model it becomes in `model-map` ([tool.migrator.model-map], "
                f'"{name}" = "<chat model>"; map it to itself to keep it), then run `migrator fix` again'
            ),
            groups=groups,
        )

    def _constant(
        self,
        ctx: RuleContext,
        analysis: Analysis,
        use: cst.Name,
        constant: cst.SimpleString,
    ) -> Optional[Report]:
        names = analysis.names
        users = analysis.constants(use.value)
        binding = _binding_name(names, use)
        uses = names.references(binding, use.value) if binding is not None else None
        only_models = bool(uses) and all(_is_model_argument_of(names, node, users) for node in uses or ())
        if only_models:
            return self._literal(ctx, users[0], constant, frozenset(call.key for call in users))
        # The constant serves other code too: change the argument, not the constant.
        report = self._literal(ctx, users[0], constant, frozenset(call.key for call in users))
        if report is None or report.fix is None or not report.fix.edits:
            return report
        target = report.fix.edits[0].transform(constant).evaluated_value
        quote = constant.quote if len(constant.quote) == 1 else '"'
        replacement = cst.SimpleString(f"{quote}{target}{quote}")
        args = [call.model_argument() for call in users]
        fix = Fix(
            report.fix.applicability,
            tuple(Edit(arg.value, replace_with(replacement)) for arg in args if arg is not None),
        )
        return replace(report, node=use, fix=fix)


def _same_value(deployment: cst.BaseExpression, model: cst.BaseExpression) -> bool:
    """The call's `model` names the client's deployment (the same literal or expression)."""
    if isinstance(deployment, cst.SimpleString) and isinstance(model, cst.SimpleString):
        return string_value(deployment) == string_value(model)
    return deployment.deep_equals(model)


def _shared_client(report: Report) -> Report:
    """A client other modules may import: a new deployment moves their calls too."""
    if report.fix is None or report.fix.applicability is not Applicability.SAFE:
        return report
    message = report.message + " (other modules may use this client: their calls go to the new deployment too)"
    return replace(report, message=message, fix=Fix(Applicability.UNSAFE, report.fix.edits))


def _module_constant(names: Names, name: cst.Name) -> Optional[cst.SimpleString]:
    assignments = names.assignments(name)
    if not assignments or len(assignments) != 1:
        return None
    assignment = assignments[0]
    if not assignment.scope.is_module:
        return None
    value = names.assigned_value(assignment)
    return value if isinstance(value, cst.SimpleString) else None


def _binding_name(names: Names, use: cst.Name) -> Optional[cst.CSTNode]:
    assignments = names.assignments(use)
    if assignments and len(assignments) == 1:
        return assignments[0].node
    return None


def _is_model_argument_of(names: Names, node: cst.CSTNode, calls: list[CompletionsCall]) -> bool:
    parent = names.parent(node)
    if isinstance(parent, cst.DictElement):
        return any(parent is call.model_argument() for call in calls)
    if not isinstance(parent, cst.Arg) or parent.keyword is None or parent.keyword.value not in ("model", "engine"):
        return False
    return any(parent is call.model_argument() for call in calls)
