"""The contract between the engine and a rule pack.

The engine knows nothing about what the rules look for. A rule pack hands it a
:class:`RulePack`: a byte-level prefilter, the options its rules accept (so configuration
can be validated generically) and a loader for the rules. Rules receive a
:class:`RuleContext` and yield :class:`Report` objects; fixes are LibCST node transforms
that the engine applies in a single pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Optional, Protocol, TypeVar

from migrator.model import Applicability

if TYPE_CHECKING:  # LibCST is imported lazily: a clean file never pays for it.
    import libcst as cst
    from libcst.metadata import BaseMetadataProvider

    from migrator.tree import ModuleIndex

_T = TypeVar("_T")


@dataclass(frozen=True)
class Edit:
    """Replace `target` (a node of the original tree) by `transform(updated_target)`.

    The transform receives the node after its children were rewritten, so edits nested
    inside one another compose instead of conflicting.
    """

    target: cst.CSTNode
    transform: Callable[[Any], Any]


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    edits: tuple[Edit, ...]


@dataclass
class Report:
    """A finding as a rule produces it, before the engine positions and filters it.

    `groups` ties reports whose fixes only make sense together (a call and the reads of
    its response): the engine applies every fix of a connected group, or none of them.
    """

    code: str
    node: cst.CSTNode
    message: str
    fix: Optional[Fix] = None
    advice: Optional[str] = None
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OptionSpec:
    """A rule-pack option accepted in `[tool.migrator]` and on the command line."""

    name: str
    kind: type
    default: Any
    help: str
    item_kind: Optional[type] = None  # for list and dict options
    cli: Optional[str] = None  # a command-line flag that sets it, e.g. "--model"
    choices: Optional[tuple[str, ...]] = None


class Rule:
    """Base class for rules. The class docstring is the rule's documentation."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]

    def check(self, ctx: RuleContext) -> Iterable[Report]:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


class Prefilter(Protocol):
    """Says whether a file's bytes may hold anything the rules look for (a compiled
    `re.Pattern[bytes]` is one). It must be cheap: it runs on every file."""

    def search(self, data: bytes, /) -> object: ...


@dataclass(frozen=True)
class Description:
    """A line a rule pack adds to `migrator config`: what it decided for the paths given,
    which the settings alone do not show. `data` is the same for `--output-format json`."""

    label: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RulePack:
    name: str
    prefilter: Prefilter
    options: tuple[OptionSpec, ...]
    load: Callable[[], list[type[Rule]]]
    # The codes as plain data, so validating `--select` does not import the rules (and
    # LibCST) before the prefilter has said whether any file needs them.
    codes: tuple[str, ...] = ()
    # `migrator config PATHS`: (the paths, the pack's option values) -> lines to show.
    describe: Optional[Callable[[Sequence[str], Mapping[str, Any]], list[Description]]] = None

    def rule_classes(self) -> list[type[Rule]]:
        return self.load()

    def known_codes(self) -> tuple[str, ...]:
        return self.codes or tuple(rule.code for rule in self.rule_classes())


@dataclass
class RuleContext:
    """What a rule sees of one file."""

    path: str
    module: cst.Module
    options: Mapping[str, Any]
    wrapper: Any = None  # libcst.metadata.MetadataWrapper, created on first metadata use
    cache: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # said once per run, e.g. about the project's pins
    requirements: tuple[str, ...] = ()  # requirement specifiers declared in the file itself
    dependencies: list[str] = field(default_factory=list)  # other files the rules read
    _resolved: dict[Any, Mapping[Any, Any]] = field(default_factory=dict)

    def metadata(self, provider: type[BaseMetadataProvider[_T]]) -> Mapping[cst.CSTNode, _T]:
        """Resolve a metadata provider for the whole module, once, on first use."""
        if provider not in self._resolved:
            if self.wrapper is None:
                from libcst.metadata import MetadataWrapper

                # unsafe_skip_copy: rules and the fixer key on the very nodes of this tree.
                self.wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._resolved[provider] = self.wrapper.resolve(provider)
        return self._resolved[provider]

    def index(self) -> ModuleIndex:
        """Parents, scopes and name bindings of the module, built in one pass on first use."""
        from migrator.tree import ModuleIndex

        return self.memo("module-index", lambda: ModuleIndex(self.module))

    def memo(self, key: str, compute: Callable[[], _T]) -> _T:
        """Share one analysis between the rules of a pack."""
        if key not in self.cache:
            self.cache[key] = compute()
        result: _T = self.cache[key]
        return result
