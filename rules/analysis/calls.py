"""Call recognition: which calls reach the legacy Completions endpoint (v1 and v0 forms)."""

from __future__ import annotations

from typing import Callable, Literal, Optional, Union

import libcst as cst

from migrator.tree import Binding

from .. import sdk
from .module_settings import ModuleSettings
from .names import Names
from .receivers import Receivers
from .records import EITHER, OTHER, Client, CompletionsCall, ShapedCall, Variant
from .syntax import dotted, keyword, source, spelled_chain, string_key, string_value, walk

V0_METHODS = frozenset({"create", "acreate", "generate", "agenerate"})
V0_CHAT = frozenset(
    {"openai.ChatCompletion", "openai.api_resources.ChatCompletion", "openai.api_resources.chat_completion.ChatCompletion"}
)
V0_COMPLETION = frozenset(
    {"openai.Completion", "openai.api_resources.Completion", "openai.api_resources.completion.Completion"}
)
_PREFIXES = ("with_raw_response", "with_streaming_response")
# Keyword arguments only other SDKs' `completions.create` take (anthropic's text API);
# OpenAI's takes neither (its stop sequences are `stop`).
_OTHER_SDK_KEYWORDS = frozenset({"max_tokens_to_sample", "stop_sequences"})
Found = Union[CompletionsCall, ShapedCall, None]


class CallFinder:
    def __init__(
        self,
        names: Names,
        receivers: Receivers,
        *,
        uses_openai: bool,
        other_sdk: bool,
        project_uses_openai: Callable[[], bool],
    ) -> None:
        self.names = names
        self.receivers = receivers
        self.uses_openai = uses_openai
        self.other_sdk = other_sdk
        # Asked only for a call no receiver proves: the project's pins, the modules read.
        self.project_uses_openai = project_uses_openai
        self.settings = ModuleSettings(names, receivers)

    def shaped(
        self, node: cst.Call, why: str, *, proven: bool = False, kind: Literal["through", "getattr"] = "through"
    ) -> Optional[ShapedCall]:
        """The call as a manual finding, unless something tied to it says it is another
        SDK's (a module that imports one says nothing of this call). `proven`: what it
        calls is (or may be, one branch of a conditional) OpenAI's for certain; `kind`
        says how."""
        if self._inside_sdk_definition(node) or self.expects_failure(node):
            return None
        if proven:
            return ShapedCall(node, why, kind)
        if self.other_sdk_evidence(node):
            return None
        if not self.uses_openai and not self.project_uses_openai():
            return None
        return ShapedCall(node, why)

    def other_sdk_evidence(self, node: cst.Call) -> bool:
        """The call itself says it is another SDK's: one of that SDK's own parameters
        (also in a followed `**dict`), or, on a call nothing marks as OpenAI's (a known
        OpenAI model, `engine=`, the `Completion` resource), a value imported from that
        SDK among its arguments (`anthropic.HUMAN_PROMPT`)."""
        spread = self._followed_spread(node)
        keys = {a.keyword.value for a in node.args if a.keyword is not None}
        for element in spread.elements if spread is not None else ():
            if isinstance(element, cst.DictElement) and (key := string_key(element.key)) is not None:
                keys.add(key)
        if keys & _OTHER_SDK_KEYWORDS:
            return True
        if _openai_evidence(node, keys):
            return False
        return any(self._imported_from_other_sdk(arg.value) for arg in node.args)

    def _imported_from_other_sdk(self, value: cst.BaseExpression) -> bool:
        for name in walk(value):
            if isinstance(name, cst.Name):
                for binding in self.names.assignments(name) or ():
                    if binding.imported is not None and binding.imported.split(".")[0] in sdk.OTHER_SDKS:
                        return True
        return False

    # -- v1: client.completions.create(...) --

    def v1_call(self, node: cst.Call, alias: Optional[cst.Attribute] = None) -> Found:
        """`node` as a legacy call; with `alias`, called through a name bound to it."""
        func = alias if alias is not None else node.func
        assert isinstance(func, cst.Attribute)
        chain: list[cst.Attribute] = []
        current: cst.BaseExpression = func.value
        while isinstance(current, cst.Attribute):
            chain.append(current)
            current = current.value
        # chain[0] is the attribute right before `.create`.
        names = [a.attr.value for a in chain]
        variant: Variant = "plain"
        completions_attr: Optional[cst.Attribute] = None
        receiver_node: Optional[cst.BaseExpression] = None
        if names[:1] == ["completions"]:
            completions_attr, receiver_node = chain[0], chain[0].value
            if names[1:2] and names[1] in _PREFIXES:
                variant = _variant(names[1])
                receiver_node = chain[1].value
        elif names[:2] in ([_PREFIXES[0], "completions"], [_PREFIXES[1], "completions"]):
            variant = _variant(names[0])
            completions_attr, receiver_node = chain[1], chain[1].value
        if completions_attr is None or receiver_node is None:
            return None
        if isinstance(receiver_node, cst.Attribute) and receiver_node.attr.value in ("chat", "beta"):
            return None  # already chat
        receiver = self.receivers.receiver(receiver_node)
        if receiver is OTHER or any(keyword(node, name) is not None for name in _OTHER_SDK_KEYWORDS):
            return None
        if isinstance(receiver, Client) and receiver.is_module and self.module_base_url():
            receiver = Client(receiver.is_async, receiver.is_azure, True, True)
        if self._inside_sdk_definition(node):
            return None
        if receiver is EITHER:
            # Rewritten, the other SDK's client would have no `chat`: never a fix.
            return self.shaped(node, f"legacy Completions call shape, but `{source(receiver_node)}` may be another SDK's client as well as OpenAI's")
        if receiver is None:
            # OpenAI-shaped but unresolved: an unsafe fix next to `import openai` when the
            # call reads like OpenAI's, a manual finding elsewhere in a project using it.
            why = f"legacy Completions call shape, but `{source(receiver_node)}` could not be proven to be an OpenAI client"
            has_prompt = keyword(node, "prompt") is not None
            if not has_prompt and not any(arg.star == "**" for arg in node.args):
                return None  # not the legacy shape: `<x>.completions.create(prompt=...)`
            looks_openai = has_prompt and keyword(node, "model") is not None
            if self.other_sdk or not self.uses_openai or not looks_openai:
                return self.shaped(node, why)
        spread = self._followed_spread(node)
        return CompletionsCall(
            key=f"call@{id(node)}",
            node=node,
            completions_attr=completions_attr,
            receiver=receiver if isinstance(receiver, Client) else None,
            variant=variant,
            stream=literal_stream(node, spread),
            spread=spread,
            alias=alias,
        )

    # -- spelled with getattr: getattr(client, "completions").create(...) --

    def getattr_call(self, node: cst.Call) -> Found:
        """The legacy endpoint with a part spelled `getattr(x, "<name>")`, found as its
        attribute form would be; the fix does not rewrite such spellings, so it is a
        manual finding."""
        chain = spelled_chain(node.func)
        length = endpoint_length(chain)
        spelled = [part for _, _, part in chain[:length] if isinstance(part, cst.Call)]
        if not spelled or any(self.names.getattr_literal(part) is None for part in spelled):
            return None
        if len(chain) > length and chain[length][0] in ("chat", "beta"):
            return None  # already chat
        holder = chain[length - 1][1]
        v0 = chain[length - 1][0] == "Completion" or length == 1
        receiver = None if length == 1 else self.receivers.receiver(holder)
        if receiver is OTHER or self.other_sdk_evidence(node):
            return None
        what = "the openai module" if v0 else "an OpenAI client"
        if receiver is EITHER:
            return self.shaped(node, f"legacy Completions call shape, but `{source(holder)}` may be another SDK's as well as {what}")
        proven = isinstance(receiver, Client) and (receiver.is_module or not v0)
        if length == 1:
            proven = bool(self.names.qualified_names(holder) & V0_COMPLETION)
        if proven:
            why = f"legacy Completions call spelled with `getattr` (`{source(node.func)}`), which the fix does not rewrite"
            return self.shaped(node, why, proven=True, kind="getattr")
        if length == 1 or (keyword(node, "prompt") is None and not any(arg.star == "**" for arg in node.args)):
            return None  # not the legacy shape
        return self.shaped(node, f"legacy Completions call shape, but `{source(holder)}` could not be proven to be {what}")

    # -- through a name: create = client.completions.create; create(...) --

    def aliased_call(self, node: cst.Call, upgrade: bool) -> Found:
        """A call through a name bound to the legacy endpoint. Migrated when the name is
        bound once, in this scope, and only ever called; reported otherwise."""
        assert isinstance(node.func, cst.Name)
        bindings = self.names.assignments(node.func) or []
        values = [self.names.assigned_value(binding) for binding in bindings]
        legacy = [value for value in values if isinstance(value, cst.Attribute) and self._is_endpoint(value)]
        mixed = [value for value in values if isinstance(value, cst.IfExp) and self._branches_endpoint(value)]
        if not legacy and not mixed:
            return None
        name = node.func.value
        if mixed or len(values) != 1 or not self._only_called(bindings[0], name):
            why = f"legacy Completions call through `{name}`, which may be the legacy endpoint (it is bound to it in a conditional or among other values)"
            return self.shaped(node, why, proven=True)
        alias = legacy[0]
        if "completions" in [a for a in _chain_names(alias)]:
            return self.v1_call(node, alias=alias)
        if upgrade:
            return self.shaped(node, f"legacy Completions call through `{name}`, bound to `{source(alias)}`, which --sdk v1 cannot move by itself")
        return self.v0_call(node, upgrade=False, alias=alias)

    def _is_endpoint(self, value: cst.Attribute) -> bool:
        if value.attr.value not in ("create", "acreate"):
            return False
        if _chain_names(value)[:1] == ["completions"]:
            return not (isinstance(value.value, cst.Attribute) and isinstance(value.value.value, cst.Attribute)
                        and value.value.value.attr.value in ("chat", "beta"))
        return self.is_v0_completion(value.value)

    def _branches_endpoint(self, value: cst.IfExp) -> bool:
        return any(isinstance(branch, cst.Attribute) and self._is_endpoint(branch) for branch in (value.body, value.orelse))

    def _only_called(self, binding: Binding, name: str) -> bool:
        references = self.names.references(binding.node, name) or []
        return bool(references) and all(
            isinstance(parent := self.names.parent(reference), cst.Call) and parent.func is reference
            for reference in references
        )

    # -- v0: openai.Completion.create(...) --

    def is_v0_chat(self, resource: cst.BaseExpression) -> bool:
        return self._is_v0_resource(resource, V0_CHAT, "ChatCompletion")

    def is_v0_completion(self, resource: cst.BaseExpression) -> bool:
        return self._is_v0_resource(resource, V0_COMPLETION, "Completion")

    def _is_v0_resource(self, resource: cst.BaseExpression, names: frozenset[str], attribute: str) -> bool:
        """A v0 module-level resource however it is spelled (alias, api_resources, `self._openai`)."""
        if self.names.qualified_names(resource) & names:
            return True
        if isinstance(resource, cst.Attribute) and resource.attr.value == attribute:
            receiver = self.receivers.receiver(resource.value)
            return isinstance(receiver, Client) and receiver.is_module
        return False

    def v0_call(
        self, node: cst.Call, upgrade: bool = False, alias: Optional[cst.Attribute] = None
    ) -> Found:
        func = alias if alias is not None else node.func
        assert isinstance(func, cst.Attribute)
        if func.attr.value not in ("create", "acreate"):
            return None
        chat = upgrade and self.is_v0_chat(func.value)
        unproven = None
        if not chat and not self.is_v0_completion(func.value):
            unproven = self._unproven_resource(func.value)
            if unproven is None:
                return None
            holder = func.value.value if isinstance(func.value, cst.Attribute) else func.value
            if not _names_the_module(holder) or self.receivers.receiver(holder) is EITHER:
                return self.shaped(node, f"legacy Completions call shape, but {unproven}")
        if self.expects_failure(node):
            return None  # code asserting that the old API raises is left alone
        keywords = {a.keyword.value: a for a in node.args if a.keyword is not None}
        api_type = keywords.get("api_type")
        if api_type is not None and isinstance(api_type.value, cst.SimpleString):
            azure = str(api_type.value.evaluated_value).startswith("azure")  # the call says
        else:
            azure = "deployment_id" in keywords or "api_version" in keywords or self.module_is_azure()
        resource_import = None
        if isinstance(func.value, cst.Name):
            for assignment in self.names.assignments(func.value) or ():
                if assignment.is_import and isinstance(assignment.node, cst.ImportFrom):
                    resource_import = assignment.node
        spread = self._followed_spread(node)
        return CompletionsCall(
            key=f"call@{id(node)}",
            node=node,
            completions_attr=None,
            receiver=Client(
                is_async=func.attr.value == "acreate",
                is_azure=azure,
                custom_base_url=self.module_base_url() or keyword(node, "api_base") is not None,
                is_module=True,
            ),
            variant="plain",
            stream=literal_stream(node, spread),
            generation="v0",
            resource=func.value,
            resource_import=resource_import,
            spread=spread,
            upgrade=upgrade,
            chat=chat,
            method=func.attr.value,
            unproven=unproven,
            alias=alias,
        )

    def _unproven_resource(self, resource: cst.BaseExpression) -> Optional[str]:
        """Why `X.Completion` may be openai<1.0's resource though `X` cannot be resolved
        (None: it is not that shape, or `X` is known to be something else)."""
        if not (isinstance(resource, cst.Attribute) and resource.attr.value == "Completion"):
            return None
        holder = self.receivers.receiver(resource.value)
        if holder is EITHER:
            return f"`{source(resource.value)}` may be another SDK's module as well as openai"
        if holder is not None:
            return None  # resolved, and not the openai module (is_v0_completion said so)
        return f"`{source(resource.value)}` could not be proven to be the openai module"

    def v0_unfixable(self, node: cst.Call) -> Optional[str]:
        """Why a v0 call of the legacy endpoint has no fix (None: it is not one)."""
        func = node.func
        assert isinstance(func, cst.Attribute)
        owner = func.value
        if func.attr.value in ("generate", "agenerate"):
            if isinstance(owner, cst.Call) and "openai.Engine" in self.names.qualified_names(owner.func):
                return "`Engine.generate` (openai<1.0) calls the legacy engines endpoint"
            return None
        if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super":
            klass = self.names.enclosing(node, cst.ClassDef)
            if klass is not None and any(self.names.qualified_names(base.value) & V0_COMPLETION for base in klass.bases):
                return "a subclass of `openai.Completion` (openai<1.0) calls the legacy endpoint"
        return None

    def module_base_url(self) -> bool:
        """`openai.api_base = "http://localhost:8000/v1"` (or v1's `openai.base_url`), here
        or in a project module this one imports: the module's own client talks to a server
        other than OpenAI's."""
        return self.settings.other_server()

    def module_is_azure(self) -> bool:
        """`openai.api_type = "azure"`, here or in a project module this one imports: the
        module's v0 calls go to Azure deployments."""
        return self.settings.azure()

    def expects_failure(self, node: cst.CSTNode) -> bool:
        """Inside `with pytest.raises(...)` / `self.assertRaises(...)` of its function."""
        for ancestor in self.names.ancestors(node):
            if isinstance(ancestor, cst.With):
                for item in ancestor.items:
                    call = item.item
                    if isinstance(call, cst.Call) and dotted(call.func).split(".")[-1] in ("raises", "assertRaises"):
                        return True
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                return False
        return False

    def _followed_spread(self, node: cst.Call) -> Optional[cst.Dict]:
        """`create(**params)` where `params = {"prompt": ..., ...}` is built in the same scope,
        bound once, with string keys only, and used nowhere else: its keys are the keywords."""
        spreads = [arg for arg in node.args if arg.star == "**"]
        if len(spreads) != 1 or any(arg.star == "*" for arg in node.args):
            return None
        name = spreads[0].value
        if not isinstance(name, cst.Name):
            return None
        bindings = self.names.assignments(name)
        if not bindings or len(bindings) != 1:
            return None
        binding = bindings[0]
        value = self.names.assigned_value(binding)
        if not isinstance(value, cst.Dict) or binding.scope is not self.names.index.scope(name):
            return None
        if not all(isinstance(e, cst.DictElement) and string_key(e.key) is not None for e in value.elements):
            return None
        if [reference for reference in binding.references if reference is not name]:
            return None  # mutated or read elsewhere: its keys at the call are not in view
        keywords = {a.keyword.value for a in node.args if a.keyword is not None}
        if keywords & {string_key(e.key) for e in value.elements if isinstance(e, cst.DictElement)}:
            return None
        return value

    def _inside_sdk_definition(self, node: cst.CSTNode) -> bool:
        """The SDK's own resource classes define `create`; never touch those."""
        return any(
            isinstance(a, cst.ClassDef) and a.name.value in ("Completions", "AsyncCompletions")
            for a in self.names.ancestors(node)
        )


def _chain_names(node: cst.Attribute) -> list[str]:
    """The attribute names before `.create` in `x.completions.create`: ["completions", ...]."""
    names = []
    current: cst.BaseExpression = node.value
    while isinstance(current, cst.Attribute):
        names.append(current.attr.value)
        current = current.value
    return names


def endpoint_length(chain: list[tuple[str, cst.BaseExpression, cst.BaseExpression]]) -> int:
    """How many leading parts of a `spelled_chain` name the legacy endpoint: `create`,
    `completions` and a response prefix (either order), or `create` and `Completion`, or
    `create` alone (of a resource held by a name); 0: not `create`/`acreate`."""
    names = [name for name, _, _ in chain]
    if names[:1] not in (["create"], ["acreate"]):
        return 0
    if names[1:2] == ["Completion"]:
        return 2
    if names[1:2] == ["completions"]:
        return 3 if names[2:3] and names[2] in _PREFIXES else 2
    if names[1:2] and names[1] in _PREFIXES and names[2:3] == ["completions"]:
        return 3
    return 1


def _openai_evidence(node: cst.Call, keys: set[str]) -> bool:
    """What marks a call as OpenAI's: `engine=` and the `Completion` resource (openai<1.0;
    anthropic has neither), a model OpenAI serves or served."""
    func = node.func
    if "engine" in keys or (
        isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) and func.value.attr.value == "Completion"
    ):
        return True
    model = keyword(node, "model")
    name = string_value(model.value) if model is not None and isinstance(model.value, cst.SimpleString) else None
    return name is not None and (sdk.is_legacy_model(name) or sdk.is_known_chat_model(name))


def _names_the_module(node: cst.BaseExpression) -> bool:
    """`context.openai`, `self._openai`, `openai_module`: the v0 module kept on an object."""
    name = node.attr.value if isinstance(node, cst.Attribute) else node.value if isinstance(node, cst.Name) else ""
    return "openai" in name.lower()


def _variant(prefix: str) -> Variant:
    return "raw" if prefix == "with_raw_response" else "streaming"


def literal_stream(node: cst.Call, spread: Optional[cst.Dict] = None) -> Optional[bool]:
    """`stream=True/False` as written (False when absent; None when it is computed)."""
    values = [arg.value for arg in node.args if arg.keyword is not None and arg.keyword.value == "stream"]
    if spread is not None:
        values += [e.value for e in spread.elements if isinstance(e, cst.DictElement) and string_key(e.key) == "stream"]
    for value in values:
        if isinstance(value, cst.Name) and value.value in ("True", "False"):
            return value.value == "True"
        return None
    return False
