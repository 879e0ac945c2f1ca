"""One analysis of a module, shared by all OpenAI rules.

It finds the calls that reach the legacy Completions endpoint (resolving the receiver
through LibCST scope metadata, not names) and follows their responses through variables,
loops, comprehensions, awaits, `.parse()` and the functions of the same module, so that
every `.text` read can be tied to the call(s) it came from.

Values are described by a `Kind`: a tag saying what the value is (`completion`, `stream`,
`choice`, ...) and the set of calls it came from. Two kinds join only if their tags agree;
anything else is unknown, and unknown never gets a safe fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union

import libcst as cst

from migrator.rule import RuleContext
from migrator.tree import Binding, children
from migrator.tree import dotted as _dotted

from . import sdk

# --- receivers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """What we know of an OpenAI client expression."""

    is_async: bool = False
    is_azure: bool = False
    custom_base_url: bool = False
    is_module: bool = False  # the `openai` module's lazily built client


class _Other:
    """Resolved, and not OpenAI (another SDK's client, a user class...)."""


OTHER = _Other()
Receiver = Union[Client, _Other, None]  # None: cannot tell

# --- value kinds -----------------------------------------------------------------------

ELEMENT_OF = {
    "stream": "chunk",
    "choices": "choice",
    "chunk_choices": "chunk_choice",
    # v0 responses being upgraded to v1 objects: every field read needs the attribute form
    "objstream": "obj",
    "obj": "obj",
}
# Values that are (parts of) a v0 response: dicts whose string keys become attributes in v1.
RESPONSE_TAGS = frozenset({"completion", "chunk", "choice", "chunk_choice", "logprobs", "obj"})
ATTRIBUTE_OF = {
    ("completion", "choices"): "choices",
    ("chunk", "choices"): "chunk_choices",
    ("choice", "logprobs"): "logprobs",
    ("chunk_choice", "logprobs"): "logprobs",
}


@dataclass(frozen=True)
class Kind:
    tag: str
    sources: frozenset[str]

    def join(self, other: Optional[Kind]) -> Optional[Kind]:
        if other is None or other.tag != self.tag:
            return None
        return Kind(self.tag, self.sources | other.sources)

    def field(self, key: str) -> Optional[Kind]:
        """The kind of `value.key` / `value["key"]`."""
        tag = ATTRIBUTE_OF.get((self.tag, key))
        if tag is None and self.tag in RESPONSE_TAGS:
            tag = "obj"
        return Kind(tag, self.sources) if tag else None

    def element(self) -> Optional[Kind]:
        if self.tag.startswith("list:"):
            return Kind(self.tag[5:], self.sources)
        tag = ELEMENT_OF.get(self.tag)
        return Kind(tag, self.sources) if tag else None


def _join_all(kinds: Sequence[Optional[Kind]]) -> Optional[Kind]:
    if not kinds or kinds[0] is None:
        return None
    result: Optional[Kind] = kinds[0]
    for kind in kinds[1:]:
        if result is None:
            return None
        result = result.join(kind)
    return result


# --- records the rules consume ---------------------------------------------------------


@dataclass
class CompletionsCall:
    """A call that reaches `POST /completions`."""

    key: str
    node: cst.Call
    completions_attr: Optional[cst.Attribute]  # v1: the `.completions` to turn into `.chat.completions`
    receiver: Optional[Client]  # None: OpenAI-shaped, receiver not resolved
    variant: str  # "plain" | "raw" | "streaming"
    stream: Optional[bool]  # None: `stream=` is not a literal
    notes: list[str] = field(default_factory=list)
    escapes: list[str] = field(default_factory=list)
    blockers: list[tuple[cst.CSTNode, str]] = field(default_factory=list)  # uses no fix can follow
    serializations: list[cst.Call] = field(default_factory=list)  # json.dumps(r) / dict(r), --sdk v1
    generation: str = "v1"  # "v0": a module-level resource of openai<1.0
    resource: Optional[cst.BaseExpression] = None  # v0: the `openai.Completion` expression
    resource_import: Optional[cst.ImportFrom] = None  # v0: `from openai import Completion`
    spread: Optional[cst.Dict] = None  # `**params` built as a dict literal next to the call
    upgrade: bool = False  # v0 code moved to the v1 SDK in the same fix (--sdk v1)
    chat: bool = False  # a v0 ChatCompletion call, upgraded with the rest of the file
    method: str = "create"

    @property
    def is_azure(self) -> bool:
        return self.receiver is not None and self.receiver.is_azure

    def model_argument(self) -> Optional[Union[cst.Arg, cst.DictElement]]:
        """The argument naming the model (v0 on OpenAI: `model=` or `engine=`)."""
        model = self.keyword("model")
        if model is None and self.generation == "v0" and not self.is_azure:
            return self.keyword("engine")
        return model

    def keyword(self, name: str) -> Optional[Union[cst.Arg, cst.DictElement]]:
        """The argument `name=` of the call, or the `"name": ...` entry of the dict it spreads."""
        for arg in self.node.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg
        for element in self.spread.elements if self.spread is not None else ():
            if isinstance(element, cst.DictElement) and _string_key(element.key) == name:
                return element
        return None

    def parameters(self) -> list[tuple[Optional[str], Union[cst.Arg, cst.DictElement]]]:
        """(name, node) of every argument, the entries of a followed `**dict` included."""
        found: list[tuple[Optional[str], Union[cst.Arg, cst.DictElement]]] = []
        for arg in self.node.args:
            if arg.star == "**" and self.spread is not None:
                continue
            found.append((arg.keyword.value if arg.keyword is not None else None, arg))
        for element in self.spread.elements if self.spread is not None else ():
            if isinstance(element, cst.DictElement):
                found.append((_string_key(element.key), element))
        return found

    @property
    def include_usage(self) -> bool:
        arg = self.keyword("stream_options")
        if arg is None or not isinstance(arg.value, cst.Dict):
            return False
        for element in arg.value.elements:
            if (
                isinstance(element, cst.DictElement)
                and isinstance(element.key, cst.SimpleString)
                and string_value(element.key) == "include_usage"
                and isinstance(element.value, cst.Name)
                and element.value.value == "True"
            ):
                return True
        return False


@dataclass
class TextRead:
    """A read of a choice's text: `c.text`, `c["text"]` or `c.get("text", ...)`."""

    node: cst.BaseExpression  # the whole read
    holder: cst.BaseExpression  # the choice it reads from
    form: str  # "attr" | "item" | "get"
    kind: Optional[Kind]  # choice / chunk_choice when traced
    str_use: bool  # the value is used as a str: keep it one with `or ""`
    shaped: bool  # looks like `.choices[i].text` / a loop over `.choices`


@dataclass
class MockTarget:
    node: cst.SimpleString
    replacement: str


@dataclass
class ObjectCompare:
    node: cst.SimpleString  # the "text_completion" literal
    kind: Kind


@dataclass
class Analysis:
    uses_openai: bool
    other_sdk: bool
    calls: list[CompletionsCall]
    reads: list[TextRead]
    mocks: list[MockTarget]
    object_compares: list[ObjectCompare]
    model_constants: dict[str, list[CompletionsCall]]  # constant name -> calls using it
    analyzer: Optional[Analyzer] = None
    v0_reported: list[tuple[cst.CSTNode, str]] = field(default_factory=list)  # no fix: (node, why)
    sdk_mode: str = "keep"  # what openai<1.0 code becomes: "keep" (ChatCompletion) or "v1"
    dict_accesses: list[DictAccess] = field(default_factory=list)  # upgrade mode only
    error_references: list[cst.CSTNode] = field(default_factory=list)  # openai.error.X, upgrade mode
    config_references: list[cst.Attribute] = field(default_factory=list)  # openai.api_base..., upgrade mode
    module_alias: Optional[str] = None  # the name `import openai [as x]` binds, if any
    type_references: list[TypeReference] = field(default_factory=list)

    @property
    def types_group(self) -> frozenset[str]:
        """Type renames go with every v1 call of the module: a half-renamed file lies."""
        return frozenset({"types@module"} | {c.key for c in self.calls if c.generation == "v1"})


@dataclass
class TypeReference:
    """A legacy response type named in the code (`Completion`, `Stream[Completion]`...)."""

    node: cst.BaseExpression  # the Name or Attribute naming it
    legacy: str  # its qualified name
    stream: bool  # inside Stream[...] / Iterator[...]: the chunk type
    annotation: bool  # in an annotation (else: constructed, isinstance...)
    binding: Optional[Binding]  # the import it comes through, for a Name


@dataclass
class DictAccess:
    """`value["key"]` or `value.get("key"[, default])` on a v0 response part."""

    node: cst.BaseExpression
    key: str
    default: Optional[cst.BaseExpression]
    kind: Kind


def analyse(ctx: RuleContext) -> Analysis:
    return ctx.memo("openai-analysis", lambda: _build(ctx))


def _build(ctx: RuleContext) -> Analysis:
    collector = _Collector()
    index = ctx.index()
    looks: tuple[tuple[type, Callable[[Any], None]], ...] = (
        (cst.Assign, collector.visit_Assign),
        (cst.Import, collector.visit_Import),
        (cst.ImportFrom, collector.visit_ImportFrom),
        (cst.Call, collector.visit_Call),
        (cst.Attribute, collector.visit_Attribute),
        (cst.Subscript, collector.visit_Subscript),
        (cst.SimpleString, collector.visit_SimpleString),
        (cst.Name, collector.visit_Name),
    )
    for node_type, look in looks:
        nodes: list[Any] = index.nodes(node_type)
        for found in nodes:
            look(found)
    proxies = sdk.PROXY_MODULES + tuple(ctx.options.get("openai-modules") or ())
    uses_openai = any(
        root == "openai" or any(root == p or root.startswith(p + ".") or p.startswith(root + ".") for p in proxies)
        for root in collector.imported
    )
    other_sdk = any(root.split(".")[0] in sdk.OTHER_SDKS for root in collector.imported)
    mocks = _mock_targets(collector.strings)
    # A module that never imports openai can still call a client imported from another
    # module of the project, so calls are always resolved; bare `.text` reads only matter
    # next to openai.
    if not (collector.create_calls or (uses_openai and (collector.text_attributes or collector.v0_candidates))):
        return Analysis(uses_openai, other_sdk, [], [], mocks, [], {})
    analyzer = Analyzer(ctx, proxies, other_sdk, uses_openai)
    calls = [call for node in collector.create_calls if (call := analyzer.completions_call(node))]
    v0_reported: list[tuple[cst.CSTNode, str]] = []
    v0_azure = any(analyzer.sets_azure_api_type(node) for node in collector.api_type_assignments)
    mode = sdk_mode(ctx) if collector.v0_candidates else "keep"
    for node in collector.v0_candidates:
        v0_call = analyzer.v0_completions_call(node, v0_azure, upgrade=mode == "v1")
        if v0_call is not None:
            calls.append(v0_call)
        elif (why := analyzer.v0_unfixable(node)) is not None:
            v0_reported.append((node, why))
    if mode == "v1" and not any(call.generation == "v0" and not call.chat for call in calls):
        # Upgrading only v0 chat calls is not this tool's job: leave such files alone.
        calls = [call for call in calls if not call.chat]
    upgrading = any(call.upgrade for call in calls)
    for reference in collector.v0_references:
        if (why := analyzer.v0_reference(reference)) is not None:
            v0_reported.append((reference, why))
    reads = [read for node in collector.text_attributes if (read := analyzer.text_read(node))]
    for call in calls:
        call.escapes = analyzer.escapes(call)
    if calls:
        analyzer.part_escapes(index.nodes(cst.Call))
    if any(call.upgrade for call in calls):
        analyzer.serializations(index.nodes(cst.Call))
    compares = [c for node in collector.object_strings if (c := analyzer.object_compare(node))]
    constants: dict[str, list[CompletionsCall]] = {}
    for call in calls:
        model = call.model_argument()
        if model is not None and isinstance(model.value, cst.Name):
            constants.setdefault(model.value.value, []).append(call)
    accesses: list[DictAccess] = []
    errors: list[cst.CSTNode] = []
    config: list[cst.Attribute] = []
    if upgrading:
        accesses = [a for node in collector.string_accesses if (a := analyzer.dict_access(node))]
        errors = [n for n in collector.error_attributes if "openai.error" in analyzer.qualified_names(n.value)]
        config = [n for n in collector.config_attributes if "openai" in analyzer.qualified_names(n.value)]
        errors.extend(collector.error_imports)
    alias = collector.module_aliases[0] if collector.module_aliases else None
    types = [t for node in collector.type_names if (t := analyzer.type_reference(node))]
    return Analysis(
        uses_openai, other_sdk, calls, reads, mocks, compares, constants, analyzer, v0_reported,
        sdk_mode=mode, dict_accesses=accesses, error_references=errors, module_alias=alias,
        config_references=config if upgrading else [],
        type_references=types,
    )


def sdk_mode(ctx: RuleContext) -> str:
    """"v1" when openai<1.0 code moves to the v1 SDK: asked for, or the project pins v1."""
    from .pins import decide

    return decide(ctx.path, str(ctx.options.get("sdk", "auto")), ctx.requirements, ctx.dependencies).mode


def _mock_targets(strings: Sequence[cst.SimpleString]) -> list[MockTarget]:
    found = []
    for node in strings:
        value = string_value(node)
        if value is None:
            continue
        for legacy, chat in sdk.MOCK_TARGETS:
            if value == legacy or value.startswith(legacy + "."):
                found.append(MockTarget(node, chat + value[len(legacy) :]))
                break
    return found


class _Collector:
    """Picks the few nodes worth a closer look out of the module index's node lists."""

    def __init__(self) -> None:
        self.imported: set[str] = set()
        self.create_calls: list[cst.Call] = []
        self.text_attributes: list[cst.BaseExpression] = []
        self.strings: list[cst.SimpleString] = []
        self.object_strings: list[cst.SimpleString] = []
        self.v0_candidates: list[cst.Call] = []
        self.v0_references: list[cst.Attribute] = []
        self.api_type_assignments: list[cst.Assign] = []
        self.module_aliases: list[str] = []
        self.string_accesses: list[cst.BaseExpression] = []
        self.error_attributes: list[cst.Attribute] = []
        self.error_imports: list[cst.ImportFrom] = []
        self.type_names: list[cst.BaseExpression] = []
        self.config_attributes: list[cst.Attribute] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in LEGACY_TYPE_NAMES:
            self.type_names.append(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Attribute) and target.target.attr.value == "api_type":
                self.api_type_assignments.append(node)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.imported.add(_dotted(alias.name))
            if _dotted(alias.name) == "openai":
                as_name = alias.asname.name if alias.asname else alias.name
                if isinstance(as_name, cst.Name):
                    self.module_aliases.append(as_name.value)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and not node.relative:
            module = _dotted(node.module)
            if module == "openai.error":
                self.error_imports.append(node)
            self.imported.add(module)
            if not isinstance(node.names, cst.ImportStar):
                self.imported.update(f"{module}.{alias.name.value}" for alias in node.names if isinstance(alias.name, cst.Name))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "create" and "completions" in _attribute_names(func.value):
            self.create_calls.append(node)
        elif isinstance(func, cst.Attribute) and func.attr.value in V0_METHODS:
            self.v0_candidates.append(node)
        elif isinstance(func, cst.Name) and func.value == "getattr" and text_access(node):
            self.text_attributes.append(node)
        elif isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args:
            if text_access(node):
                self.text_attributes.append(node)
            if _string_key(node.args[0].value) is not None:
                self.string_accesses.append(node)
        for arg in node.args:
            if isinstance(arg.value, cst.SimpleString) and "Completion" in arg.value.value:
                self.strings.append(arg.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in V0_MODULE_SETTINGS:
            self.config_attributes.append(node)
        if node.attr.value in LEGACY_TYPE_NAMES:
            self.type_names.append(node)
        if node.attr.value == "text":
            self.text_attributes.append(node)
        elif node.attr.value in ("create", "acreate"):
            self.v0_references.append(node)
        if isinstance(node.value, cst.Attribute) and node.value.attr.value == "error":
            self.error_attributes.append(node)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if text_access(node):
            self.text_attributes.append(node)
        if len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index) and _string_key(index.value) is not None:
                self.string_accesses.append(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "text_completion" in node.value:
            self.object_strings.append(node)


def string_value(node: cst.SimpleString) -> Optional[str]:
    """The str a literal stands for. Plain literals (no prefix, no backslash) are sliced;
    only the rest pay for LibCST's `evaluated_value`, which compiles an AST each time."""
    raw = node.value
    if raw[:1] in ("'", '"') and "\\" not in raw:
        width = 3 if raw[:3] in ('"""', "'''") else 1
        return raw[width:-width]
    value = node.evaluated_value
    return value if isinstance(value, str) else None


def _string_key(node: cst.BaseExpression) -> Optional[str]:
    return string_value(node) if isinstance(node, cst.SimpleString) else None


def text_access(node: cst.BaseExpression) -> Optional[tuple[cst.BaseExpression, str]]:
    """(holder, form) when `node` reads a `text` field: `x.text`, `x["text"]`, `x.get("text")`."""
    if isinstance(node, cst.Attribute) and node.attr.value == "text":
        return node.value, "attr"
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and _string_key(index.value) == "text":
            return node.value, "item"
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
        if node.args and _string_key(node.args[0].value) == "text" and not node.args[0].keyword:
            return node.func.value, "get"
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "getattr":
        if len(node.args) == 2 and _string_key(node.args[1].value) == "text":
            return node.args[0].value, "getattr"
    return None


def _attribute_names(node: cst.BaseExpression) -> list[str]:
    names = []
    while True:
        if isinstance(node, cst.Attribute):
            names.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        else:
            return names


V0_METHODS = frozenset({"create", "acreate", "generate", "agenerate"})
# Response parts that are objects with fields (not the str and int values inside them).
STRUCTURED_TAGS = frozenset({"completion", "chunk", "choice", "chunk_choice", "choices", "chunk_choices", "stream", "logprobs"})
SERIALIZERS = frozenset({"model_dump", "model_dump_json", "to_dict", "to_json", "dict", "json", "to_dict_recursive"})
# Builtins that take a response part without reading fields by name.
HARMLESS_CALLS = frozenset(
    {f"builtins.{name}" for name in ("len", "enumerate", "zip", "sorted", "reversed", "max", "min", "list", "iter", "next", "isinstance", "id", "type", "bool")}
    | {"asyncio.gather"}
)
PICKERS = frozenset({"builtins.max", "builtins.min", "builtins.sorted", "builtins.reversed", "builtins.list"})
# openai<1.0 module settings that v1 renamed or no longer reads.
V0_MODULE_SETTINGS = frozenset(
    {"api_base", "proxy", "requestssession", "aiosession", "verify_ssl_certs", "ca_bundle_path", "api_key_path"}
)
LEGACY_TYPE_NAMES = frozenset(name.rsplit(".", 1)[1] for name in sdk.LEGACY_TYPES)
V0_CHAT = frozenset(
    {"openai.ChatCompletion", "openai.api_resources.ChatCompletion", "openai.api_resources.chat_completion.ChatCompletion"}
)
V0_COMPLETION = frozenset(
    {"openai.Completion", "openai.api_resources.Completion", "openai.api_resources.completion.Completion"}
)


# --- the analyzer ----------------------------------------------------------------------

STR_METHODS = frozenset(dir(str))
_CLIENT_ASSIGNMENT = r"^{name}\s*(?::[^=\n]+)?=\s*(?:[\w.]+\.)?(Async)?(Azure)?OpenAI\("


class Analyzer:
    def __init__(self, ctx: RuleContext, proxies: tuple[str, ...], other_sdk: bool, uses_openai: bool) -> None:
        self.ctx = ctx
        self.proxies = proxies
        self.other_sdk = other_sdk
        self.uses_openai = uses_openai
        self.index = ctx.index()
        self.calls: dict[int, CompletionsCall] = {}
        self._kind_cache: dict[int, Optional[Kind]] = {}
        self._receiver_cache: dict[int, Receiver] = {}
        self._in_progress: set[int] = set()

    # -- metadata helpers --

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.index.parent(node)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        return {sdk.normalise_qualified_name(name, self.proxies) for name in self.index.qualified_names(node)}

    def assignments(self, name: cst.Name) -> Optional[list[Binding]]:
        return self.index.bindings(name) or None

    def references(self, binding: cst.CSTNode, name: str) -> Optional[list[cst.CSTNode]]:
        """Every place (in any scope) that reads the name bound by `binding`."""
        found = self.index.binding_of(binding, name)
        return list(found.references) if found is not None else None

    def assigned_value(self, assignment: Binding) -> Union[cst.BaseExpression, cst.CSTNode, None]:
        """The expression a name was bound to, or the binding node when there is none."""
        target = assignment.node
        if not isinstance(target, cst.Name):
            return target  # Param, FunctionDef, ClassDef, ...
        child: cst.CSTNode = target
        parent = self.parent(target)
        while parent is not None:
            if isinstance(parent, cst.AssignTarget):
                owner = self.parent(parent)
                if isinstance(owner, cst.Assign) and parent.target is child:
                    return owner.value
                return None
            if isinstance(parent, cst.AnnAssign) and parent.target is child:
                return parent.value
            if isinstance(parent, cst.MatchAs) and parent.name is child:
                # A bare capture (`case c:`) is the subject itself; other patterns are not followed.
                case = self.parent(parent)
                match = self.parent(case) if isinstance(case, cst.MatchCase) else None
                if parent.pattern is None and isinstance(case, cst.MatchCase) and case.pattern is parent:
                    return match.subject if isinstance(match, cst.Match) else None
                return None
            if isinstance(parent, cst.NamedExpr) and parent.target is child:
                return parent.value
            if isinstance(parent, (cst.For, cst.CompFor)) and parent.target is child:
                return parent  # iteration: handled by the caller
            if isinstance(parent, cst.AsName):
                owner = self.parent(parent)
                if isinstance(owner, cst.WithItem):
                    return owner
                return None
            if isinstance(parent, (cst.Tuple, cst.List, cst.Element, cst.StarredElement)):
                child, parent = parent, self.parent(parent)
                continue
            return None
        return None

    # -- receivers --

    def receiver(self, node: cst.BaseExpression, depth: int = 0) -> Receiver:
        key = id(node)
        if key in self._receiver_cache:
            return self._receiver_cache[key]
        if depth > 12 or key in self._in_progress:
            return None
        self._in_progress.add(key)
        try:
            result = self._receiver(node, depth)
        finally:
            self._in_progress.discard(key)
        self._receiver_cache[key] = result
        return result

    def _receiver(self, node: cst.BaseExpression, depth: int) -> Receiver:
        if isinstance(node, cst.Call):
            names = self.qualified_names(node.func)
            for name in names:
                if name in sdk.CLIENT_CLASSES:
                    is_async, is_azure = sdk.CLIENT_CLASSES[name]
                    return Client(is_async=is_async, is_azure=is_azure, custom_base_url=_has_custom_base_url(node))
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("with_options", "copy"):
                inner = self.receiver(node.func.value, depth + 1)
                if isinstance(inner, Client) and _has_custom_base_url(node):
                    return Client(inner.is_async, inner.is_azure, True, inner.is_module)
                return inner
            function = self.local_function(node.func)
            if function is not None:
                return self._function_receiver(function, depth)
            if any(not name.startswith("openai.") for name in names if "." in name):
                return OTHER
            return None
        if isinstance(node, cst.Name):
            names = self.qualified_names(node)
            if "openai" in names:
                return Client(is_module=True)
            assignments = self.assignments(node)
            if not assignments:
                return None
            results: list[Receiver] = []
            for assignment in assignments:
                results.append(self._assignment_receiver(assignment, node, depth))
            return _join_receivers(results)
        if isinstance(node, cst.Attribute):
            names = self.qualified_names(node)
            if "openai" in names:
                return Client(is_module=True)
            if isinstance(node.value, cst.Name):
                return self._self_attribute_receiver(node, depth)
            return None
        if isinstance(node, cst.Await):
            return None
        return None

    def _assignment_receiver(self, assignment: Binding, use: cst.Name, depth: int) -> Receiver:
        if assignment.is_import:
            return self._imported_receiver(assignment, use)
        value = self.assigned_value(assignment)
        if isinstance(value, cst.Param):
            return self._annotation_receiver(value.annotation)
        if isinstance(value, cst.BaseExpression):
            return self.receiver(value, depth + 1)
        if isinstance(value, cst.CSTNode) and not isinstance(value, (cst.For, cst.CompFor, cst.WithItem)):
            return OTHER  # a function or class of the user's own
        if isinstance(assignment.node, cst.Name):
            annotated = self.parent(assignment.node)
            if isinstance(annotated, cst.AnnAssign):
                return self._annotation_receiver(annotated.annotation)
        return None

    def _annotation_receiver(self, annotation: Optional[cst.Annotation]) -> Receiver:
        if annotation is None:
            return None
        expression = annotation.annotation
        if isinstance(expression, cst.SimpleString):
            return None
        for name in self.qualified_names(expression):
            if name in sdk.CLIENT_CLASSES:
                is_async, is_azure = sdk.CLIENT_CLASSES[name]
                return Client(is_async=is_async, is_azure=is_azure)
        # Optional[OpenAI] / OpenAI | None
        for node in _annotation_names(expression):
            for name in self.qualified_names(node):
                if name in sdk.CLIENT_CLASSES:
                    is_async, is_azure = sdk.CLIENT_CLASSES[name]
                    return Client(is_async=is_async, is_azure=is_azure)
        names = self.qualified_names(expression)
        if names and not any(name.startswith("openai") for name in names):
            return OTHER
        return None

    def _imported_receiver(self, assignment: Binding, use: cst.Name) -> Receiver:
        """`from .clients import client`: look at that module's text, if it is ours."""
        statement = assignment.node
        if not isinstance(statement, cst.ImportFrom) or (statement.module is None and not statement.relative):
            return None
        module = _dotted(statement.module) if statement.module is not None else ""
        if module.split(".")[0] in ("openai",) or module.split(".")[0] in sdk.OTHER_SDKS:
            return None
        imported_name = use.value
        if not isinstance(statement.names, cst.ImportStar):
            for alias in statement.names:
                as_name = alias.asname.name if alias.asname else alias.name
                if isinstance(as_name, cst.Name) and as_name.value == use.value and isinstance(alias.name, cst.Name):
                    imported_name = alias.name.value
        path = _module_file(Path(self.ctx.path), module, len(statement.relative))
        if path is None:
            return None
        self.ctx.dependencies.append(str(path))
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        if not re.search(r"^\s*(import openai|from openai\b)", text, re.MULTILINE):
            return None
        match = re.search(_CLIENT_ASSIGNMENT.format(name=re.escape(imported_name)), text, re.MULTILINE)
        if match is None:
            return None
        return Client(is_async=bool(match.group(1)), is_azure=bool(match.group(2)))

    def _self_attribute_receiver(self, node: cst.Attribute, depth: int) -> Receiver:
        """`self.client` where the class assigns or annotates `client`."""
        assert isinstance(node.value, cst.Name)
        klass = self._enclosing_class_of_self(node.value)
        if klass is None:
            return None
        attribute = node.attr.value
        results: list[Receiver] = []
        for statement in _walk(klass.body):
            if isinstance(statement, cst.AnnAssign) and isinstance(statement.target, cst.Name) and statement.target.value == attribute:
                results.append(self._annotation_receiver(statement.annotation))
            targets: list[cst.BaseExpression] = []
            value: Optional[cst.BaseExpression] = None
            if isinstance(statement, cst.Assign):
                targets = [t.target for t in statement.targets]
                value = statement.value
            elif isinstance(statement, cst.AnnAssign) and isinstance(statement.target, cst.Attribute):
                targets = [statement.target]
                value = statement.value
                if value is None:
                    results.append(self._annotation_receiver(statement.annotation))
                    continue
            for target in targets:
                if (
                    isinstance(target, cst.Attribute)
                    and target.attr.value == attribute
                    and isinstance(target.value, cst.Name)
                    and target.value.value == node.value.value
                    and value is not None
                ):
                    results.append(self.receiver(value, depth + 1))
        return _join_receivers(results) if results else None

    def type_reference(self, node: cst.BaseExpression) -> Optional[TypeReference]:
        parent = self.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return None  # `openai.types.Completion` is seen once, as the whole attribute
        if isinstance(parent, (cst.ImportAlias, cst.Import, cst.ImportFrom)):
            return None
        legacy = next((name for name in self.qualified_names(node) if name in sdk.LEGACY_TYPES), None)
        if legacy is None:
            return None
        binding = None
        if isinstance(node, cst.Name):
            binding = next((b for b in self.index.bindings(node) if b.is_import), None)
        stream = False
        annotation = False
        current: Optional[cst.CSTNode] = node
        while current is not None and not isinstance(current, (cst.BaseStatement, cst.Param)):
            if isinstance(current, cst.Annotation):
                annotation = True
                break
            if isinstance(current, cst.Subscript) and self.qualified_names(current.value) & sdk.STREAM_CONTAINERS:
                stream = True
            current = self.parent(current)
        return TypeReference(node, legacy, stream, annotation, binding)

    def annotation_kind(self, annotation: Optional[cst.Annotation]) -> Optional[Kind]:
        """`response: Completion` / `stream: Stream[Completion]` say what a value is."""
        if annotation is None:
            return None
        expression = annotation.annotation
        stream = False
        if isinstance(expression, cst.Subscript) and self.qualified_names(expression.value) & sdk.STREAM_CONTAINERS:
            if len(expression.slice) != 1 or not isinstance(expression.slice[0].slice, cst.Index):
                return None
            expression, stream = expression.slice[0].slice.value, True
        for name in self.qualified_names(expression):
            if name in sdk.LEGACY_TYPES:
                tag = sdk.LEGACY_TYPES[name][0][0]
                if stream and tag == "completion":
                    tag = "stream"
                elif stream:
                    return None
                return Kind(tag, frozenset({"types@module"}))
        return None

    def self_attribute_values(self, node: cst.Attribute) -> list[cst.BaseExpression]:
        """What `self.x` is set to in its class: `self.x = ...` in methods, `x = ...` in the body."""
        if not isinstance(node.value, cst.Name):
            return []
        klass = self._enclosing_class_of_self(node.value)
        if klass is None:
            return []
        attribute = node.attr.value
        values: list[cst.BaseExpression] = []
        for statement in _walk(klass.body):
            targets: list[cst.BaseExpression] = []
            value: Optional[cst.BaseExpression] = None
            if isinstance(statement, cst.Assign):
                targets, value = [t.target for t in statement.targets], statement.value
            elif isinstance(statement, cst.AnnAssign) and statement.value is not None:
                targets, value = [statement.target], statement.value
            for target in targets:
                own = isinstance(target, cst.Attribute) and target.attr.value == attribute and (
                    isinstance(target.value, cst.Name) and target.value.value == node.value.value
                )
                class_level = isinstance(target, cst.Name) and target.value == attribute and (
                    self.parent(self.parent(statement) or statement) is klass.body
                )
                if (own or class_level) and value is not None:
                    values.append(value)
        return values

    def constructor_sites(self, klass: cst.ClassDef) -> list[cst.Call]:
        """`Klass(...)` calls in this module (the call sites of its `__init__`)."""
        sites = []
        for node in self.references(klass, klass.name.value) or ():
            parent = self.parent(node)
            if isinstance(parent, cst.Call) and parent.func is node:
                sites.append(parent)
        return sites

    def _enclosing_class_of_self(self, name: cst.Name) -> Optional[cst.ClassDef]:
        current: Optional[cst.CSTNode] = name
        function: Optional[cst.FunctionDef] = None
        while current is not None:
            current = self.parent(current)
            if isinstance(current, cst.FunctionDef) and function is None:
                function = current
            if isinstance(current, cst.ClassDef):
                if function is None or not function.params.params:
                    return None
                if function.params.params[0].name.value != name.value:
                    return None
                return current
        return None

    def local_function(self, node: cst.BaseExpression) -> Optional[cst.FunctionDef]:
        if isinstance(node, cst.Name):
            assignments = self.assignments(node)
            if assignments and len(assignments) == 1:
                assignment = assignments[0]
                if isinstance(assignment.node, cst.FunctionDef):
                    return assignment.node
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            klass = self._enclosing_class_of_self(node.value)
            if klass is not None:
                for statement in klass.body.body:
                    if isinstance(statement, cst.FunctionDef) and statement.name.value == node.attr.value:
                        return statement
        return None

    def _function_receiver(self, function: cst.FunctionDef, depth: int) -> Receiver:
        if function.returns is not None:
            annotated = self._annotation_receiver(function.returns)
            if annotated is not None:
                return annotated
        results = [self.receiver(value, depth + 1) for value in _return_values(function)]
        return _join_receivers(results) if results else None

    # -- completions calls --

    def completions_call(self, node: cst.Call) -> Optional[CompletionsCall]:
        func = node.func
        assert isinstance(func, cst.Attribute)
        chain: list[cst.Attribute] = []
        current: cst.BaseExpression = func.value
        while isinstance(current, cst.Attribute):
            chain.append(current)
            current = current.value
        # chain[0] is the attribute right before `.create`.
        names = [a.attr.value for a in chain]
        variant = "plain"
        completions_attr: Optional[cst.Attribute] = None
        receiver_node: Optional[cst.BaseExpression] = None
        if names[:1] == ["completions"]:
            completions_attr, receiver_node = chain[0], chain[0].value
            if names[1:2] in (["with_raw_response"], ["with_streaming_response"]):
                variant = "raw" if names[1] == "with_raw_response" else "streaming"
                receiver_node = chain[1].value
        elif names[:2] in (["with_raw_response", "completions"], ["with_streaming_response", "completions"]):
            variant = "raw" if names[0] == "with_raw_response" else "streaming"
            completions_attr, receiver_node = chain[1], chain[1].value
        if completions_attr is None or receiver_node is None:
            return None
        if isinstance(receiver_node, cst.Attribute) and receiver_node.attr.value in ("chat", "beta"):
            return None  # already chat
        receiver = self.receiver(receiver_node)
        if receiver is OTHER:
            return None
        has_prompt = any(a.keyword is not None and a.keyword.value == "prompt" for a in node.args)
        if receiver is None:
            # OpenAI-shaped but unresolved: only where nothing suggests another SDK.
            has_model = any(a.keyword is not None and a.keyword.value == "model" for a in node.args)
            if self.other_sdk or not self.uses_openai or not (has_prompt and has_model):
                return None
        if self._inside_sdk_definition(node):
            return None
        stream = self._literal_stream(node)
        call = CompletionsCall(
            key=f"call@{id(node)}",
            node=node,
            completions_attr=completions_attr,
            receiver=receiver if isinstance(receiver, Client) else None,
            variant=variant,
            stream=stream,
        )
        call.spread = self._followed_spread(node)
        if call.spread is not None:
            call.stream = self._literal_stream(node, call.spread)
        self.calls[id(node)] = call
        return call

    def generation_of(self, kind: Optional[Kind]) -> Optional[str]:
        """"v0" or "v1" for the calls a value came from (None: untraced or mixed)."""
        if kind is None:
            return None
        generations = {
            "v0to1" if call.upgrade else call.generation for call in self.calls.values() if call.key in kind.sources
        }
        return generations.pop() if len(generations) == 1 else None

    def is_v0_chat(self, resource: cst.BaseExpression) -> bool:
        return self._is_v0_resource(resource, V0_CHAT, "ChatCompletion")

    def dict_access(self, node: cst.BaseExpression) -> Optional[DictAccess]:
        """A string-key read of a v0 response part that v1 must read as an attribute."""
        default: Optional[cst.BaseExpression] = None
        if isinstance(node, cst.Subscript):
            holder = node.value
            index = node.slice[0].slice
            assert isinstance(index, cst.Index)
            key = _string_key(index.value)
        else:
            assert isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            holder = node.func.value
            key = _string_key(node.args[0].value)
            if len(node.args) > 1:
                default = node.args[1].value
        kind = self.kind(holder)
        if key is None or kind is None or kind.tag not in RESPONSE_TAGS:
            return None
        if key == "text" and kind.tag in ("choice", "chunk_choice"):
            return None  # the text itself: OAI002 / OAI003
        if kind.tag == "logprobs" and key in ("tokens", "token_logprobs", "top_logprobs", "text_offset"):
            return None  # reshaped by OAI002, not just renamed
        return DictAccess(node, key, default, kind)

    def is_v0_completion(self, resource: cst.BaseExpression) -> bool:
        return self._is_v0_resource(resource, V0_COMPLETION, "Completion")

    def _is_v0_resource(self, resource: cst.BaseExpression, names: frozenset[str], attribute: str) -> bool:
        """A v0 module-level resource however it is spelled (alias, api_resources, `self._openai`)."""
        if self.qualified_names(resource) & names:
            return True
        if isinstance(resource, cst.Attribute) and resource.attr.value == attribute:
            receiver = self.receiver(resource.value)
            return isinstance(receiver, Client) and receiver.is_module
        return False

    def v0_completions_call(self, node: cst.Call, file_azure: bool, upgrade: bool = False) -> Optional[CompletionsCall]:
        func = node.func
        assert isinstance(func, cst.Attribute)
        if func.attr.value not in ("create", "acreate"):
            return None
        chat = upgrade and self.is_v0_chat(func.value)
        if not chat and not self.is_v0_completion(func.value):
            return None
        if self._expects_failure(node):
            return None  # code asserting that the old API raises is left alone
        keywords = {a.keyword.value: a for a in node.args if a.keyword is not None}
        api_type = keywords.get("api_type")
        azure = file_azure or "deployment_id" in keywords or "api_version" in keywords
        if api_type is not None and isinstance(api_type.value, cst.SimpleString):
            azure = str(api_type.value.evaluated_value).startswith("azure")
        resource_import = None
        if isinstance(func.value, cst.Name):
            for assignment in self.assignments(func.value) or ():
                if assignment.is_import and isinstance(assignment.node, cst.ImportFrom):
                    resource_import = assignment.node
        stream = self._literal_stream(node)
        call = CompletionsCall(
            key=f"call@{id(node)}",
            node=node,
            completions_attr=None,
            receiver=Client(is_async=func.attr.value == "acreate", is_azure=azure, is_module=True),
            variant="plain",
            stream=stream,
            generation="v0",
            resource=func.value,
            resource_import=resource_import,
            upgrade=upgrade,
            chat=chat,
            method=func.attr.value,
        )
        call.spread = self._followed_spread(node)
        if call.spread is not None:
            call.stream = self._literal_stream(node, call.spread)
        self.calls[id(node)] = call
        return call

    def v0_unfixable(self, node: cst.Call) -> Optional[str]:
        func = node.func
        assert isinstance(func, cst.Attribute)
        owner = func.value
        if func.attr.value in ("generate", "agenerate"):
            if isinstance(owner, cst.Call) and "openai.Engine" in self.qualified_names(owner.func):
                return "`Engine.generate` (openai<1.0) calls the legacy engines endpoint"
            return None
        if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super":
            klass = self._enclosing_class(node)
            if klass is not None and any(
                self.qualified_names(base.value) & V0_COMPLETION for base in klass.bases
            ):
                return "a subclass of `openai.Completion` (openai<1.0) calls the legacy endpoint"
        return None

    def v0_reference(self, node: cst.Attribute) -> Optional[str]:
        """`openai.Completion.create` passed around as a value (partial, sync_to_async, ...)."""
        parent = self.parent(node)
        if isinstance(parent, cst.Call) and parent.func is node:
            return None
        if not self.is_v0_completion(node.value) or self._expects_failure(node):
            return None
        if isinstance(parent, (cst.Arg, cst.Assign, cst.AnnAssign, cst.Call, cst.Element, cst.IfExp)):
            return "`openai.Completion.create` (openai<1.0) is passed around as a value"
        return None

    def sets_azure_api_type(self, node: cst.Assign) -> bool:
        value = node.value
        if not isinstance(value, cst.SimpleString) or not str(value.evaluated_value).startswith("azure"):
            return False
        return any(
            isinstance(t.target, cst.Attribute) and "openai" in self.qualified_names(t.target.value)
            for t in node.targets
        )

    def _expects_failure(self, node: cst.CSTNode) -> bool:
        current: Optional[cst.CSTNode] = node
        while current is not None:
            current = self.parent(current)
            if isinstance(current, cst.With):
                for item in current.items:
                    call = item.item
                    if isinstance(call, cst.Call) and _dotted(call.func).split(".")[-1] in ("raises", "assertRaises"):
                        return True
            if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
                return False
        return False

    def _enclosing_class(self, node: cst.CSTNode) -> Optional[cst.ClassDef]:
        current: Optional[cst.CSTNode] = node
        while current is not None:
            current = self.parent(current)
            if isinstance(current, cst.ClassDef):
                return current
        return None

    def _literal_stream(self, node: cst.Call, spread: Optional[cst.Dict] = None) -> Optional[bool]:
        values = [arg.value for arg in node.args if arg.keyword is not None and arg.keyword.value == "stream"]
        if spread is not None:
            values += [e.value for e in spread.elements if isinstance(e, cst.DictElement) and _string_key(e.key) == "stream"]
        for value in values:
            if isinstance(value, cst.Name) and value.value in ("True", "False"):
                return value.value == "True"
            return None
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
        bindings = self.assignments(name)
        if not bindings or len(bindings) != 1:
            return None
        binding = bindings[0]
        value = self.assigned_value(binding)
        if not isinstance(value, cst.Dict) or binding.scope is not self.index.scope(name):
            return None
        if not all(isinstance(e, cst.DictElement) and _string_key(e.key) is not None for e in value.elements):
            return None
        if [reference for reference in binding.references if reference is not name]:
            return None  # mutated or read elsewhere: its keys at the call are not in view
        keywords = {a.keyword.value for a in node.args if a.keyword is not None}
        if keywords & {_string_key(e.key) for e in value.elements if isinstance(e, cst.DictElement)}:
            return None
        return value

    def _inside_sdk_definition(self, node: cst.CSTNode) -> bool:
        """The SDK's own resource classes define `create`; never touch those."""
        current: Optional[cst.CSTNode] = node
        while current is not None:
            current = self.parent(current)
            if isinstance(current, cst.ClassDef) and current.name.value in ("Completions", "AsyncCompletions"):
                return True
        return False

    # -- value kinds --

    def kind(self, node: cst.CSTNode, depth: int = 0) -> Optional[Kind]:
        key = id(node)
        if key in self._kind_cache:
            return self._kind_cache[key]
        if depth > 24 or key in self._in_progress:
            return None
        self._in_progress.add(key)
        try:
            result = self._kind(node, depth)
        finally:
            self._in_progress.discard(key)
        self._kind_cache[key] = result
        return result

    def _kind(self, node: cst.CSTNode, depth: int) -> Optional[Kind]:
        if isinstance(node, cst.Call):
            call = self.calls.get(id(node))
            if call is not None:
                if call.stream is None:
                    return None
                tag = "stream" if call.stream else "completion"
                if call.chat:
                    tag = "objstream" if call.stream else "obj"
                if call.variant != "plain":
                    tag = "raw:" + tag
                return Kind(tag, frozenset({call.key}))
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args:
                key = _string_key(node.args[0].value)
                base = self.kind(func.value, depth + 1)
                if key is None or base is None:
                    return None
                return base.field(key)
            if isinstance(func, cst.Attribute) and func.attr.value == "parse":
                inner = self.kind(func.value, depth + 1)
                if inner is not None and inner.tag.startswith("raw:"):
                    return Kind(inner.tag[4:], inner.sources)
                return None
            names = self.qualified_names(func)
            if "asyncio.gather" in names:
                return self._gather_kind(node, depth)
            if names & PICKERS and node.args and not node.args[0].keyword:
                # max(r.choices, key=...) is one of the choices; sorted(...) keeps them all.
                inner = self.kind(node.args[0].value, depth + 1)
                if inner is None:
                    return None
                return inner.element() if names & {"builtins.max", "builtins.min"} else inner
            function = self.local_function(func)
            if function is not None:
                values = _return_values(function)
                return _join_all([self.kind(v, depth + 1) for v in values]) if values else None
            return None
        if isinstance(node, cst.Await):
            return self.kind(node.expression, depth + 1)
        if isinstance(node, cst.Name):
            return self._name_kind(node, depth)
        if isinstance(node, cst.Attribute):
            base = self.kind(node.value, depth + 1)
            if base is None:
                return None
            return base.field(node.attr.value)
        if isinstance(node, cst.Subscript):
            base = self.kind(node.value, depth + 1)
            if base is None or len(node.slice) != 1:
                return None
            index = node.slice[0].slice
            if not isinstance(index, cst.Index):
                return base  # a slice of choices is still choices
            key = _string_key(index.value)
            if key is not None:  # r["choices"]: v0 responses are dicts as well
                return base.field(key)
            return base.element()
        if isinstance(node, cst.IfExp):
            return _join_all([self.kind(node.body, depth + 1), self.kind(node.orelse, depth + 1)])
        if isinstance(node, (cst.List, cst.Tuple)):
            elements = [e.value for e in node.elements if isinstance(e, cst.Element)]
            inner = _join_all([self.kind(e, depth + 1) for e in elements]) if elements else None
            return Kind("list:" + inner.tag, inner.sources) if inner else None
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            inner = self.kind(node.elt, depth + 1)
            return Kind("list:" + inner.tag, inner.sources) if inner else None
        return None

    def _gather_kind(self, node: cst.Call, depth: int) -> Optional[Kind]:
        if len(node.args) == 1 and node.args[0].star == "*":
            inner = self.kind(node.args[0].value, depth + 1)
            return inner if inner is not None and inner.tag.startswith("list:") else None
        values = [a.value for a in node.args if not a.keyword and not a.star]
        inner = _join_all([self.kind(v, depth + 1) for v in values]) if values else None
        return Kind("list:" + inner.tag, inner.sources) if inner else None

    def _name_kind(self, node: cst.Name, depth: int) -> Optional[Kind]:
        assignments = self.assignments(node)
        if not assignments:
            return None
        kinds: list[Optional[Kind]] = []
        for assignment in assignments:
            kinds.append(self._binding_kind(assignment, depth))
        return _join_all(kinds)

    def _binding_kind(self, assignment: Binding, depth: int) -> Optional[Kind]:
        value = self.assigned_value(assignment)
        target = assignment.node
        if isinstance(value, (cst.For, cst.CompFor)):
            return self._iteration_kind(value, target, depth)
        if isinstance(value, cst.WithItem):
            return self.kind(value.item, depth + 1)
        if isinstance(value, cst.Param):
            return self._param_kind(value, depth) or self.annotation_kind(value.annotation)
        if isinstance(value, cst.BaseExpression):
            if isinstance(target, cst.Name) and self._is_unpacked(target):
                return self._unpacked_kind(target, value, depth)
            return self.kind(value, depth + 1)
        return None

    def _is_unpacked(self, target: cst.Name) -> bool:
        return isinstance(self.parent(target), (cst.Element, cst.StarredElement))

    def _unpacked_kind(self, target: cst.Name, value: cst.BaseExpression, depth: int) -> Optional[Kind]:
        """`first, *rest = r.choices`: `first` is a choice, `rest` a list of them."""
        holder = self.parent(target)
        sequence = self.parent(holder) if holder is not None else None
        if not isinstance(sequence, (cst.Tuple, cst.List)) or not isinstance(
            self.parent(sequence), (cst.AssignTarget, cst.For, cst.CompFor)
        ):
            return None  # nested unpacking: not followed
        kind = self.kind(value, depth + 1)
        if kind is None:
            return None
        if isinstance(holder, cst.StarredElement):
            return kind if kind.tag in ELEMENT_OF or kind.tag.startswith("list:") else None
        return kind.element()

    def _iteration_kind(self, loop: Union[cst.For, cst.CompFor], target: cst.CSTNode, depth: int) -> Optional[Kind]:
        iterable = loop.iter
        if loop.target is target:
            kind = self.kind(iterable, depth + 1)
            return kind.element() if kind else None
        # `for i, choice in enumerate(r.choices)` and `for a, b in zip(x, y)`
        if not isinstance(loop.target, (cst.Tuple, cst.List)) or not isinstance(iterable, cst.Call):
            return None
        position = next(
            (i for i, e in enumerate(loop.target.elements) if e.value is target),
            None,
        )
        if position is None:
            return None
        names = self.qualified_names(iterable.func)
        args = [a.value for a in iterable.args if not a.keyword and not a.star]
        if "builtins.enumerate" in names or (isinstance(iterable.func, cst.Name) and iterable.func.value == "enumerate"):
            if position == 1 and args:
                kind = self.kind(args[0], depth + 1)
                return kind.element() if kind else None
            return None
        if isinstance(iterable.func, cst.Name) and iterable.func.value == "zip" and position < len(args):
            kind = self.kind(args[position], depth + 1)
            return kind.element() if kind else None
        return None

    def _param_kind(self, param: cst.Param, depth: int) -> Optional[Kind]:
        """A parameter's kind: the join of what every call site in this module passes."""
        function = self.parent(self.parent(param) or param)
        if isinstance(function, cst.Lambda):
            return self._key_function_kind(function, depth)
        if not isinstance(function, cst.FunctionDef):
            return None
        sites = self.call_sites(function)
        if not sites:
            return None
        params = list(function.params.params)
        position = next((i for i, p in enumerate(params) if p is param), None)
        is_method = self._is_method(function)
        kinds: list[Optional[Kind]] = []
        for site, bound_method in sites:
            argument = argument_for(site, param.name.value, position, is_method and bound_method)
            if argument is None:
                if param.default is not None:
                    continue
                return None
            kinds.append(self.kind(argument, depth + 1))
        return _join_all(kinds) if kinds else None

    def _key_function_kind(self, function: cst.Lambda, depth: int) -> Optional[Kind]:
        """`max(choices, key=lambda c: ...)`: the lambda sees one element at a time."""
        arg = self.parent(function)
        call = self.parent(arg) if isinstance(arg, cst.Arg) else None
        if not isinstance(arg, cst.Arg) or arg.keyword is None or arg.keyword.value != "key":
            return None
        if not isinstance(call, cst.Call) or not (self.qualified_names(call.func) & PICKERS) or not call.args:
            return None
        inner = self.kind(call.args[0].value, depth + 1)
        return inner.element() if inner is not None else None

    def _is_method(self, function: cst.FunctionDef) -> bool:
        return isinstance(self.parent(self.parent(function) or function), cst.ClassDef)

    def call_sites(self, function: cst.FunctionDef) -> Optional[list[tuple[cst.Call, bool]]]:
        """Every call of a module function (or of a method through `self.`), or None if it
        is used any other way (passed around, exported...)."""
        name = function.name.value
        sites: list[tuple[cst.Call, bool]] = []
        if self._is_method(function):
            klass = self.parent(self.parent(function) or function)
            assert isinstance(klass, cst.ClassDef)
            for node in _walk(klass.body):
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == name:
                    if isinstance(node.func.value, cst.Name) and node.func.value.value in ("self", "cls"):
                        sites.append((node, True))
            return sites or None
        for node in self.references(function, name) or ():
            parent = self.parent(node)
            if isinstance(parent, cst.Call) and parent.func is node:
                sites.append((parent, False))
            else:
                return None
        return sites or None

    # -- reads --

    def text_read(self, node: cst.BaseExpression) -> Optional[TextRead]:
        found = text_access(node)
        if found is None:
            return None
        holder, form = found
        kind = self.kind(holder)
        shaped = form in ("attr", "getattr") and self._looks_like_choice(holder)
        if kind is not None and kind.tag not in ("choice", "chunk_choice"):
            return None
        if kind is None and not shaped:
            return None
        return TextRead(node, holder, form, kind, str_use=self.used_as_str(node), shaped=shaped)

    def _looks_like_choice(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute):
            return node.value.attr.value == "choices"
        if isinstance(node, cst.Name):
            for assignment in self.assignments(node) or ():
                value = self.assigned_value(assignment)
                if isinstance(value, (cst.For, cst.CompFor)) and isinstance(value.iter, cst.Attribute):
                    if value.iter.attr.value == "choices":
                        return True
                if isinstance(value, cst.BaseExpression) and self._looks_like_choice(value):
                    return True
        return False

    def used_as_str(self, node: cst.BaseExpression) -> bool:
        """Whether the value is used where `None` would break or print differently."""
        parent = self.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return parent.attr.value in STR_METHODS
        if isinstance(parent, (cst.BinaryOperation, cst.AugAssign, cst.FormattedStringExpression, cst.Return, cst.Yield)):
            return True
        if isinstance(parent, cst.Arg):
            return True
        if isinstance(parent, cst.Element):
            return True
        if isinstance(parent, (cst.ListComp, cst.GeneratorExp, cst.SetComp)) and parent.elt is node:
            # `[c.text for c in ...]` is a list of str wherever the list goes.
            return self.used_as_str(parent)
        if isinstance(parent, cst.DictElement) and parent.value is node:
            return True
        if isinstance(parent, cst.Subscript) and parent.value is node:
            return True
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            return any(self._name_used_as_str(t) for t in targets)
        return False

    def _name_used_as_str(self, target: cst.BaseExpression) -> bool:
        if not isinstance(target, cst.Name):
            return True
        uses = self.references(target, target.value)
        if uses is None:
            return True
        return any(isinstance(use, cst.Name) and self.used_as_str(use) for use in uses)

    def object_compare(self, node: cst.SimpleString) -> Optional[ObjectCompare]:
        if string_value(node) != "text_completion":
            return None
        comparison = self.parent(self.parent(node) or node)
        if not isinstance(comparison, cst.Comparison):
            comparison = self.parent(node)
        if not isinstance(comparison, cst.Comparison):
            return None
        for side in (comparison.left, *(c.comparator for c in comparison.comparisons)):
            holder: Optional[cst.BaseExpression] = None
            if isinstance(side, cst.Attribute) and side.attr.value == "object":
                holder = side.value
            elif isinstance(side, cst.Subscript) and len(side.slice) == 1:
                index = side.slice[0].slice
                if isinstance(index, cst.Index) and _string_key(index.value) == "object":
                    holder = side.value
            kind = self.kind(holder) if holder is not None else None
            if kind is not None and kind.tag in ("completion", "chunk"):
                return ObjectCompare(node, kind)
        return None

    # -- escapes --

    def part_escapes(self, calls: Sequence[cst.Call]) -> None:
        """A part of a response (a choice, its message...) serialised or handed to code we
        cannot see: whatever reads it there is not migrated, so the fix is unsafe."""
        for node in calls:
            func = node.func
            reasons: list[tuple[Optional[Kind], str]] = []
            if isinstance(func, cst.Attribute) and func.attr.value in SERIALIZERS:
                kind = self.kind(func.value)
                if kind is not None and kind.tag in STRUCTURED_TAGS:
                    # The keys read from the dict are legacy ones: nobody can fix them blind.
                    for call in self.calls.values():
                        if call.key in kind.sources:
                            call.blockers.append((node, f"a response part is serialised with `{func.attr.value}()`"))
                continue
            if self.local_function(func) is None and not (self.qualified_names(func) & HARMLESS_CALLS):
                name = _dotted(func) or "a call"
                for arg in node.args:
                    if not isinstance(arg.value, (cst.Name, cst.Attribute, cst.Subscript)):
                        continue  # the response itself (a Name) is covered by escapes()
                    if isinstance(arg.value, cst.Name):
                        continue
                    reasons.append((self.kind(arg.value), f"a response part is passed to `{name}`: check what it reads"))
            for kind, reason in reasons:
                if kind is None or kind.tag not in STRUCTURED_TAGS:
                    continue
                for call in self.calls.values():
                    if call.key in kind.sources and reason not in call.escapes:
                        call.escapes.append(reason)

    def serializations(self, nodes: Sequence[cst.Call]) -> None:
        """`json.dumps(r)` and `dict(r)` of a v0 response moved to v1: rewritten, not escapes."""
        for node in nodes:
            names = self.qualified_names(node.func)
            if not names & {"json.dumps", "builtins.dict"} or not node.args or node.args[0].keyword:
                continue
            kind = self.kind(node.args[0].value)
            if kind is None or kind.tag not in ("completion", "chunk"):
                continue
            name = "json.dumps" if "json.dumps" in names else "dict"
            for call in self.calls.values():
                if call.key in kind.sources and call.upgrade:
                    call.serializations.append(node)
                    call.escapes = [e for e in call.escapes if f"`{name}`" not in e and "`dumps`" not in e]
                    # The JSON or dict now holds the chat shape: whoever reads it must follow.
                    reason = "the response is serialised: its readers see the chat shape"
                    if reason not in call.escapes:
                        call.escapes.append(reason)

    def escapes(self, call: CompletionsCall) -> list[str]:
        """Where the response leaves the code we can see (so its readers are not ours)."""
        holder: cst.CSTNode = call.node
        parent = self.parent(holder)
        if isinstance(parent, cst.Await):
            holder, parent = parent, self.parent(parent)
        return self._value_escapes(holder, parent, depth=0)

    def _value_escapes(self, holder: cst.CSTNode, parent: Optional[cst.CSTNode], depth: int) -> list[str]:
        if depth > 6 or parent is None:
            return []
        if isinstance(parent, (cst.Attribute, cst.Expr, cst.WithItem, cst.For, cst.CompFor, cst.Subscript)):
            return []
        if isinstance(parent, (cst.Element, cst.StarredElement, cst.ListComp, cst.GeneratorExp)):
            return []  # gathered or iterated: the reads are traced through the list kind
        if isinstance(parent, cst.Return):
            function = _enclosing_function(self, parent)
            if function is not None and self.call_sites(function) and function.name.value.startswith("_"):
                return []
            return ["the response is returned: check the code that reads it"]
        if isinstance(parent, cst.Arg):
            call = self.parent(parent)
            if isinstance(call, cst.Call) and self.local_function(call.func) is not None:
                return []
            name = _dotted(call.func) if isinstance(call, cst.Call) else ""
            return [f"the response is passed to `{name or 'a call'}`: check what it reads"]
        if isinstance(parent, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            found: list[str] = []
            for target in targets:
                if not isinstance(target, cst.Name):
                    found.append("the response is stored outside a local variable: check where it is read")
                    continue
                found.extend(self._name_escapes(target, depth))
            return found
        return ["the response is used in a way the migration cannot follow"]

    def _name_escapes(self, target: cst.Name, depth: int) -> list[str]:
        found: list[str] = []
        for node in self.references(target, target.value) or ():
            if isinstance(node, cst.Name):
                found.extend(self._value_escapes(node, self.parent(node), depth + 1))
        return sorted(set(found))


def _enclosing_function(analyzer: Analyzer, node: cst.CSTNode) -> Optional[cst.FunctionDef]:
    current: Optional[cst.CSTNode] = node
    while current is not None:
        current = analyzer.parent(current)
        if isinstance(current, cst.FunctionDef):
            return current
    return None


def _join_receivers(results: Sequence[Receiver]) -> Receiver:
    if any(r is OTHER for r in results):
        return OTHER
    clients = [r for r in results if isinstance(r, Client)]
    if not clients or len(clients) != len(results):
        return None
    return Client(
        is_async=any(c.is_async for c in clients),
        is_azure=any(c.is_azure for c in clients),
        custom_base_url=any(c.custom_base_url for c in clients),
        is_module=all(c.is_module for c in clients),
    )


def _has_custom_base_url(call: cst.Call) -> bool:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "base_url":
            value = arg.value
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            if isinstance(value, cst.SimpleString) and "api.openai.com" in value.value:
                continue
            return True
    return False


def _annotation_names(expression: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(expression, cst.BinaryOperation):
        yield from _annotation_names(expression.left)
        yield from _annotation_names(expression.right)
    elif isinstance(expression, cst.Subscript):
        for element in expression.slice:
            if isinstance(element.slice, cst.Index):
                yield from _annotation_names(element.slice.value)
    else:
        yield expression


def _return_values(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    values: list[cst.BaseExpression] = []

    class Returns(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is function

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_Return(self, node: cst.Return) -> None:
            if node.value is not None:
                values.append(node.value)

    function.visit(Returns())
    return values


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def argument_for(call: cst.Call, name: str, position: Optional[int], bound: bool) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    if position is None:
        return None
    index = position - 1 if bound else position
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in positional[: index + 1]):
        return None
    if 0 <= index < len(positional):
        return positional[index].value
    return None


def _module_file(current: Path, module: str, level: int) -> Optional[Path]:
    """The file of a project module imported from `current` (relative or absolute)."""
    parts = [p for p in module.split(".") if p]
    if level:
        base = current.parent
        for _ in range(level - 1):
            base = base.parent
        candidates = [base]
    else:
        candidates = [current.parent, *current.parent.parents][:6]
    for base in candidates:
        target = base.joinpath(*parts) if parts else base
        for path in (target.with_suffix(".py"), target / "__init__.py"):
            if path.is_file():
                return path
    return None
