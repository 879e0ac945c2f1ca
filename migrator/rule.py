"""The contract between the engine and a rule pack.

The engine knows nothing about what the rules look for. A rule pack hands it a
:class:`RulePack`: a catalog of its rules as plain data (codes, names, byte prefilters:
enough to validate `--select` and to skip files without importing the rules or LibCST),
the options its rules accept (so configuration can be validated generically) and a
loader for the rules themselves. Rules receive a :class:`RuleContext` and yield their
outputs as values: :class:`Report` (a finding, with its fix), :class:`Note` (said once
per run) and :class:`Dependency` (another file the result depends on). Fixes are LibCST
node transforms that the engine applies in a single pass.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Optional, TypeVar, Union

from migrator.model import Applicability

if TYPE_CHECKING:  # LibCST is imported lazily: a clean file never pays for it.
    import libcst as cst

    from migrator.tree import ModuleIndex

_T = TypeVar("_T")

# A byte prefilter: any of the groups, where a group needs every one of its byte strings.
# `((b"Engine",), (b"import", b"choices"))` lets through a file that mentions `Engine`,
# or both `import` and `choices`.
PrefilterSpec = tuple[tuple[bytes, ...], ...]


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


@dataclass(frozen=True)
class Report:
    """A finding as a rule produces it, before the engine positions and filters it.

    `groups` ties reports whose fixes only make sense together (a call and the reads of
    its response): the engine applies every fix of a connected group, or none of them.
    A manual report (no fix) in a group blocks the whole group, and so does one that is
    suppressed, or switched off with `--select`/`--ignore` (it is then also hidden).
    """

    code: str
    node: cst.CSTNode
    message: str
    fix: Optional[Fix] = None
    advice: Optional[str] = None
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Note:
    """Something to say once per run, however many files say it (a project's pins...)."""

    text: str


@dataclass(frozen=True)
class Dependency:
    """Another file the result for this one depends on: cached results go stale with it."""

    path: str


Output = Union[Report, Note, Dependency]


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
    """Base class for rules. The class docstring is the rule's documentation, in ruff's
    sections: What it does / Why is this bad? / Example / Fix safety."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    # Files whose bytes fail this are never parsed for the rule (see PrefilterSpec).
    prefilter: ClassVar[PrefilterSpec] = ()

    def check(self, ctx: RuleContext) -> Iterable[Output]:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        import inspect  # not at start-up: only `explain`, `rules` and SARIF need it

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary_for(cls, options: Mapping[str, Any]) -> str:
        """The summary under the given pack options (a rule whose meaning depends on an
        option, say the API it migrates to, says so here); `summary` by default."""
        return cls.summary


@dataclass(frozen=True)
class RuleEntry:
    """A rule as plain data: what the engine needs before (or without) loading it."""

    code: str
    name: str
    summary: str
    prefilter: PrefilterSpec

    @classmethod
    def of(cls, rule: type[Rule]) -> RuleEntry:
        return cls(rule.code, rule.name, rule.summary, rule.prefilter)


class BytePrefilter:
    """Says whether a file's bytes may hold anything the rules look for. Plain `in` tests:
    ten times faster than one regular expression with look-aheads, and it runs on every
    file."""

    def __init__(self, specs: Iterable[PrefilterSpec]) -> None:
        groups: list[tuple[bytes, ...]] = []
        for spec in specs:
            for group in spec:
                if group not in groups:
                    groups.append(group)
        # A single word needs no loop over its group: test those first, in one tuple.
        self.words = tuple(group[0] for group in groups if len(group) == 1)
        self.groups = tuple(group for group in groups if len(group) > 1)

    def search(self, data: bytes, /) -> bool:
        for word in self.words:
            if word in data:
                return True
        return any(all(word in data for word in group) for group in self.groups)


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
    options: tuple[OptionSpec, ...]
    # The rules as plain data, so validating `--select` and prefiltering files import
    # neither the rules nor LibCST before a file needs them.
    catalog: tuple[RuleEntry, ...]
    load: Callable[[], Sequence[type[Rule]]]
    # Work the rules share, run once per file before them: what it yields (notes,
    # dependencies) goes with the file's results.
    shared: Optional[Callable[[RuleContext], Iterable[Output]]] = None
    # Checks that span several options (each one is valid alone): a message saying what
    # is wrong with the combination, or None. The engine reports it as a usage error.
    validate: Optional[Callable[[Mapping[str, Any]], Optional[str]]] = None
    # The distribution the pack makes of the engine: reports name it as their tool, the
    # command line's help says what it does.
    product: str = "migrator"
    homepage: str = ""
    description: str = ""
    # `migrator config PATHS`: (the paths, the pack's option values) -> lines to show.
    describe: Optional[Callable[[Sequence[str], Mapping[str, Any]], list[Description]]] = None
    # Files a client says changed on disk (a language server's file watcher): drop what the
    # pack remembers of them, even when their size and modification time look unchanged.
    forget: Optional[Callable[[Collection[str]], None]] = None
    prefilter: BytePrefilter = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prefilter", BytePrefilter(info.prefilter for info in self.catalog))

    def rule_classes(self) -> list[type[Rule]]:
        return list(self.load())

    def known_codes(self) -> tuple[str, ...]:
        return tuple(info.code for info in self.catalog)


@dataclass
class RuleContext:
    """What a rule sees of one file."""

    path: str
    module: cst.Module
    index: ModuleIndex  # parents, scopes and name bindings, built once by the engine
    options: Mapping[str, Any]
    requirements: tuple[str, ...] = ()  # requirement specifiers the file declares itself (`%pip install`)
    _memo: dict[str, Any] = field(default_factory=dict)

    def memo(self, key: str, compute: Callable[[], _T]) -> _T:
        """Share one analysis between the rules of a pack."""
        if key not in self._memo:
            self._memo[key] = compute()
        result: _T = self._memo[key]
        return result
