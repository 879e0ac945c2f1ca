"""What the analysis finds, as plain records the rules read. Built once, never mutated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Optional, Union

import libcst as cst

from migrator.tree import Binding

from .syntax import ReadForm, string_key, string_value

if TYPE_CHECKING:
    from .dataflow import Flow, Kind
    from .names import Names
    from .origins import Origins

# The SDK generation a call is written for: "v0" is openai<1.0's module-level resources.
Generation = Literal["v0", "v1"]
# What openai<1.0 code becomes: "keep" (ChatCompletion) or "v1" (moved to the v1 SDK).
SdkMode = Literal["keep", "v1"]
# `create` called directly, through `.with_raw_response` or `.with_streaming_response`.
Variant = Literal["plain", "raw", "streaming"]


@dataclass(frozen=True)
class Client:
    """What we know of an OpenAI client expression."""

    is_async: bool = False
    is_azure: bool = False
    custom_base_url: bool = False
    is_module: bool = False  # the `openai` module's lazily built client
    # `AzureOpenAI(azure_deployment=...)`: the deployments the client was built with. Its
    # `/completions` and `/chat/completions` go there, whatever a call's `model` says.
    deployments: tuple[cst.BaseExpression, ...] = ()
    # `OpenAI(**cfg)`: the spread it was built from, which may set `base_url` (then
    # `custom_base_url` is set too: the server is unknown).
    spread: Optional[str] = None


class Other:
    """Resolved, and not OpenAI (another SDK's client, a user class...)."""


class Either:
    """Resolved both ways: OpenAI's client on some paths, another SDK's on others (a
    factory returning either)."""


OTHER = Other()
EITHER = Either()
Receiver = Union[Client, Other, Either, None]  # None: cannot tell


@dataclass(frozen=True, eq=False)
class CompletionsCall:
    """A call that reaches `POST /completions`."""

    key: str  # the fix group of the call, its reads and its model
    node: cst.Call
    completions_attr: Optional[cst.Attribute]  # v1: the `.completions` to turn into `.chat.completions`
    receiver: Optional[Client]  # None: OpenAI-shaped, receiver not resolved
    variant: Variant
    stream: Optional[bool]  # None: `stream=` is not a literal
    generation: Generation = "v1"
    resource: Optional[cst.BaseExpression] = None  # v0: the `openai.Completion` expression
    resource_import: Optional[cst.ImportFrom] = None  # v0: `from openai import Completion`
    spread: Optional[cst.Dict] = None  # `**params` built as a dict literal next to the call
    upgrade: bool = False  # v0 code moved to the v1 SDK in the same fix (--sdk v1)
    chat: bool = False  # a v0 ChatCompletion call, moved to v1 with the rest of the file
    method: str = "create"
    # Why the receiver is not proven to be OpenAI's (the fix is then unsafe), when it is not.
    unproven: Optional[str] = None
    # Called through a name bound to the endpoint (`create = client.completions.create`):
    # that bound expression, which the fix rewrites once for all the calls through it.
    alias: Optional[cst.Attribute] = None

    @property
    def is_azure(self) -> bool:
        return self.receiver is not None and self.receiver.is_azure

    def model_argument(self) -> Optional[Union[cst.Arg, cst.DictElement]]:
        """The argument naming the model (v0 on OpenAI: `model=` or `engine=`; v0 on
        Azure: the deployment, `deployment_id=` or `engine=`)."""
        if self.generation == "v0" and self.is_azure:
            return self.keyword("deployment_id") or self.keyword("engine") or self.keyword("model")
        model = self.keyword("model")
        if model is None and self.generation == "v0":
            return self.keyword("engine")
        return model

    def keyword(self, name: str) -> Optional[Union[cst.Arg, cst.DictElement]]:
        """The argument `name=` of the call, or the `"name": ...` entry of the dict it spreads."""
        for arg in self.node.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg
        for element in self.spread.elements if self.spread is not None else ():
            if isinstance(element, cst.DictElement) and string_key(element.key) == name:
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
                found.append((string_key(element.key), element))
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


@dataclass(frozen=True, eq=False)
class ShapedCall:
    """A call with the legacy shape whose receiver cannot be proven to be OpenAI's, in
    code that uses openai and shows no other SDK: reported, never silently passed over."""

    node: cst.Call
    why: str  # the finding's message: what it is, and what could not be proven
    # "unproven": the receiver is not shown to be OpenAI's; "through": called through a
    # value that is (or may be) the legacy endpoint; "getattr": the endpoint spelled with
    # `getattr(x, "<name>")`, which the fix does not rewrite.
    kind: Literal["unproven", "through", "getattr"] = "unproven"


@dataclass(frozen=True)
class CallUses:
    """How a call's response is used beyond the reads the rules rewrite."""

    escapes: tuple[str, ...] = ()  # where it leaves the code in view: the fix is unsafe
    blockers: tuple[tuple[cst.CSTNode, str], ...] = ()  # uses no fix can follow: manual
    serializations: tuple[cst.Call, ...] = ()  # json.dumps(r) / dict(r) rewritten with --sdk v1


@dataclass(frozen=True)
class TextRead:
    """A read of a choice's text: `c.text`, `c["text"]` or `c.get("text", ...)`."""

    node: cst.BaseExpression  # the whole read
    holder: cst.BaseExpression  # the choice it reads from
    form: ReadForm
    kind: Optional[Kind]  # choice / chunk_choice when traced
    str_use: bool  # the value is used as a str: keep it one with `or ""`
    shaped: bool  # looks like `.choices[i].text` / a loop over `.choices`
    # Untraced, but may read a response kept on an attribute or in a container: the keys
    # of the calls it may come from (they wait for it).
    stored_by: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MockedText:
    """The text of a fake completion choice in a test: `"text": x` of a dict, `text=x` of
    a mock object (`callee` builds the choice: `MagicMock`)."""

    node: Union[cst.DictElement, cst.Arg]
    style: Literal["dict", "call", "object"]  # `"object": "text_completion"` beside it
    callee: Optional[cst.BaseExpression]


@dataclass(frozen=True)
class MockTarget:
    node: cst.SimpleString
    replacement: str
    generation: Generation  # of the SDK whose resource it patches
    texts: tuple[MockedText, ...] = ()  # the fake responses built where it is used


@dataclass(frozen=True)
class ObjectCompare:
    node: cst.SimpleString  # the "text_completion" literal
    kind: Kind


@dataclass(frozen=True)
class TypeReference:
    """A legacy response type named in the code (`Completion`, `Stream[Completion]`...)."""

    node: cst.BaseExpression  # the Name or Attribute naming it
    legacy: str  # its qualified name
    stream: bool  # inside Stream[...] / Iterator[...]: the chunk type
    annotation: bool  # in an annotation (else: constructed, isinstance...)
    binding: Optional[Binding]  # the import it comes through, for a Name


@dataclass(frozen=True)
class DictAccess:
    """`value["key"]` or `value.get("key"[, default])` on a v0 response part."""

    node: cst.BaseExpression
    key: str
    default: Optional[cst.BaseExpression]
    kind: Kind


@dataclass(frozen=True, eq=False)
class Analysis:
    uses_openai: bool
    other_sdk: bool
    names: Names
    flow: Flow
    calls: tuple[CompletionsCall, ...] = ()
    shaped: tuple[ShapedCall, ...] = ()
    reads: tuple[TextRead, ...] = ()
    mocks: tuple[MockTarget, ...] = ()
    object_compares: tuple[ObjectCompare, ...] = ()
    model_constants: Optional[dict[str, list[CompletionsCall]]] = None  # constant name -> calls using it
    uses: Optional[dict[str, CallUses]] = None  # call key -> how its response is used
    v0_reported: tuple[tuple[cst.CSTNode, str], ...] = ()  # no fix: (node, why)
    values: tuple[tuple[cst.BaseExpression, str], ...] = ()  # the legacy endpoint used as a value
    sdk_mode: SdkMode = "keep"
    dict_accesses: tuple[DictAccess, ...] = ()  # upgrade mode only
    error_references: tuple[cst.CSTNode, ...] = ()  # openai.error.X, upgrade mode
    config_references: tuple[cst.Attribute, ...] = ()  # openai.api_base..., upgrade mode
    module_alias: Optional[str] = None  # the name `import openai [as x]` binds, if any
    type_references: tuple[TypeReference, ...] = ()
    # `hasattr(choice, "text")` on a traced choice: always false once its call is on chat.
    text_guards: tuple[tuple[cst.Call, Kind], ...] = ()
    dependencies: tuple[str, ...] = ()  # other files read: pins, imported project modules
    stored_loads: tuple[cst.BaseExpression, ...] = ()  # reads of a response kept on an attribute / in a container
    model_origins: Optional[dict[str, Origins]] = None  # call key -> where a model not written as a literal comes from

    def uses_of(self, call: CompletionsCall) -> CallUses:
        return (self.uses or {}).get(call.key, _NO_USES)

    def origins_of(self, call: CompletionsCall) -> Optional[Origins]:
        """The literals a call's model (not itself a literal) can come from."""
        return (self.model_origins or {}).get(call.key)

    def constants(self, name: str) -> list[CompletionsCall]:
        return (self.model_constants or {}).get(name, [])

    @property
    def types_group(self) -> frozenset[str]:
        """Type renames go with every v1 call of the module: a half-renamed file lies."""
        return frozenset({"types@module"} | {c.key for c in self.calls if c.generation == "v1"})


_NO_USES = CallUses()
