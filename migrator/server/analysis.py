"""What the language server asks of the engine, without any LSP types.

A :class:`Snapshot` is a document as the client last sent it (a Python file, or the cells
of a notebook); :class:`Analyser` checks it with the settings of the file's project and
says what is still current, and computes the text a fix or a suppression would give.
Everything here runs on the server's one analysis thread.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import tokenize
import traceback
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from migrator.config import ENGINE_OPTIONS, ConfigError, find_config, resolve
from migrator.model import FileResult, Finding, Location
from migrator.rule import RulePack
from migrator.runner import DEFAULT_PACK, load_pack
from migrator.server.text import add_noqa, lines_of
from migrator.settings import Settings
from migrator.suppression import HINT, UNUSED_CODE

Stat = Optional[tuple[int, int]]


@dataclass(frozen=True)
class Cell:
    """A notebook cell as the client sent it; `code` when it is Python code."""

    uri: str
    code: bool
    text: str
    version: int = 0


@dataclass(frozen=True)
class Snapshot:
    """A document at one version: a Python file (`text`) or a notebook (`cells`)."""

    key: str  # the URI of the text document, or of the notebook
    path: str  # where it is on disk: settings, pins and imported modules are found from there
    version: int
    text: str = ""
    cells: tuple[Cell, ...] = ()
    notebook: bool = False

    def text_of(self, uri: str) -> Optional[str]:
        if not self.notebook:
            return self.text if uri == self.key else None
        return next((cell.text for cell in self.cells if cell.uri == uri), None)

    @property
    def uris(self) -> tuple[str, ...]:
        """The documents diagnostics are published for (a notebook's code cells)."""
        if not self.notebook:
            return (self.key,)
        return tuple(cell.uri for cell in self.cells if cell.code)


@dataclass(frozen=True)
class Placed:
    """A finding in one document (the file, or the notebook cell it is in)."""

    uri: str
    finding: Finding


@dataclass(frozen=True)
class Problem:
    """Why (part of) a document could not be checked, at a 0-based line and column."""

    uri: str
    line: int
    column: int
    message: str


@dataclass
class Analysis:
    snapshot: Snapshot
    settings: Optional[Settings]  # None: the configuration is broken (see `problems`)
    findings: list[Placed] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # The files the rules read (pins, imported modules) as they were: stale when they change.
    stamps: tuple[tuple[str, Stat], ...] = ()
    crash: Optional[str] = None  # the traceback, when the analysis itself failed

    def in_document(self, uri: str) -> list[Finding]:
        return [placed.finding for placed in self.findings if placed.uri == uri]


def option_names(pack: RulePack) -> frozenset[str]:
    return frozenset(spec.name for spec in (*ENGINE_OPTIONS, *pack.options))


def client_overrides(raw: object, pack: RulePack) -> tuple[dict[str, Any], list[str]]:
    """The `[tool.migrator]` keys a client's settings give, and the keys it gave that are
    not settings. `unsafe-fixes` may be spelled `unsafeFixes`; the keys may sit at the top
    level or under `settings` or `migrator` (so one object serves every client)."""
    if not isinstance(raw, Mapping):
        return {}, []
    for nested in ("migrator", "settings"):
        inner = raw.get(nested)
        if isinstance(inner, Mapping):
            raw = inner
    names = option_names(pack)
    values: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in raw.items():
        name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", str(key)).lower().replace("_", "-")
        if name not in names:
            unknown.append(str(key))
        elif value is not None:
            values[name] = [value] if name in ("select", "ignore") and isinstance(value, str) else value
    return values, unknown


def _stat(path: Union[str, Path]) -> Stat:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


class Analyser:
    def __init__(self, pack_name: str = DEFAULT_PACK) -> None:
        self.pack = load_pack(pack_name)
        self.overrides: dict[str, Any] = {}
        # folder -> (the pyproject.toml files above it as they were, what they resolved to)
        self._settings: dict[Path, tuple[tuple[Stat, ...], Union[Settings, ConfigError]]] = {}

    def set_overrides(self, overrides: dict[str, Any]) -> None:
        self.overrides = overrides
        self.reload_settings()

    def reload_settings(self) -> None:
        """Read every project's settings again on next use (a pyproject.toml changed)."""
        self._settings.clear()

    def forget(self, paths: Collection[str]) -> None:
        """Files the client says changed on disk: what the rule pack remembers of them (the
        pins found, the modules parsed) goes, even if their size and mtime look the same."""
        if self.pack.forget is not None and paths:
            self.pack.forget(paths)

    # -- settings ----------------------------------------------------------------------

    def settings_for(self, path: str) -> Settings:
        """`[tool.migrator]` of the file's project, with the client's settings on top.

        Read again whenever a `pyproject.toml` above the file appears, disappears or
        changes (size or modification time); ConfigError when it is broken.
        """
        folder = Path(os.path.abspath(path)).parent
        stamps = tuple(_stat(directory / "pyproject.toml") for directory in (folder, *folder.parents))
        known = self._settings.get(folder)
        if known is None or known[0] != stamps:
            value: Union[Settings, ConfigError]
            try:
                config = find_config(folder)
                known_codes = list(self.pack.known_codes())
                value = resolve(self.overrides, self.pack.options, known_codes, config_path=config).settings
            except ConfigError as error:
                value = error
            known = self._settings[folder] = (stamps, value)
        if isinstance(known[1], ConfigError):
            raise known[1]
        # A TODO comment is for `migrator fix`; the editor's fixes never add one.
        return dataclasses.replace(known[1], add_todo=False)

    # -- checking ----------------------------------------------------------------------

    def current(self, snapshot: Snapshot, previous: Optional[Analysis] = None) -> Analysis:
        """`previous` if it still holds for this snapshot (same text, same settings, the
        files it read unchanged), else a new analysis. Never raises: a failure of the
        analysis comes back as `crash`."""
        try:
            settings = self.settings_for(snapshot.path)
        except ConfigError as error:
            problem = Problem(snapshot.uris[0] if snapshot.uris else snapshot.key, 0, 0, f"configuration error: {error}")
            return Analysis(snapshot, None, problems=[problem])
        if (
            previous is not None
            and previous.crash is None
            and previous.snapshot == snapshot
            and previous.settings == settings
            and all(_stat(path) == stat for path, stat in previous.stamps)
        ):
            return previous
        try:
            return self._analyse(snapshot, settings)
        except Exception:
            return Analysis(snapshot, settings, crash=traceback.format_exc())

    def _analyse(self, snapshot: Snapshot, settings: Settings) -> Analysis:
        analysis = Analysis(snapshot, settings)
        if snapshot.notebook:
            result, numbers = self._check_notebook(snapshot, settings)
            for finding in result.findings:
                cell = numbers.get(finding.cell or 0)
                if cell is not None:
                    analysis.findings.append(Placed(cell.uri, finding))
            analysis.problems = _notebook_problems(result.error, numbers, snapshot)
        else:
            result = self._check_python(snapshot.path, snapshot.text, settings)
            analysis.findings = [Placed(snapshot.key, finding) for finding in result.findings]
            if result.error:
                analysis.problems = [_problem(snapshot.key, result.error)]
        analysis.stamps = tuple((path, _stat(path)) for path in sorted(set(result.dependencies)))
        return analysis

    def _check_python(
        self,
        path: str,
        text: str,
        settings: Settings,
        *,
        fix: bool = False,
        fix_only: Optional[Collection[tuple[str, Location]]] = None,
    ) -> FileResult:
        from migrator import engine
        from migrator.runner import native_parse

        encoding = _declared_encoding(text)
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError as error:
            return FileResult(path=path, error=f"cannot encode the text as {encoding} (its coding line): {error.reason}")
        native = None
        if self.pack.prefilter.search(data) or (settings.warn_unused_ignores and HINT.search(data)):
            # LibCST's native parser can crash the process on nesting CPython refuses.
            hazard, native = native_parse(data)
            if hazard is not None:
                return FileResult(path=path, error=hazard)
        try:
            result = engine.check_source(path, data, settings, self.pack, fix=fix, native=native, fix_only=fix_only)
        except RecursionError:
            return FileResult(path=path, error="too deeply nested to analyse (Python's recursion limit)")
        return result

    def _check_notebook(
        self,
        snapshot: Snapshot,
        settings: Settings,
        *,
        fix: bool = False,
        fix_only: Optional[Collection[tuple[str, int, Location]]] = None,
    ) -> tuple[FileResult, dict[int, Cell]]:
        from migrator.notebook import check_notebook

        data, numbers = notebook_bytes(snapshot.cells)
        try:
            result = check_notebook(snapshot.path, data, settings, self.pack, fix=fix, fix_only=fix_only)
        except RecursionError:
            result = FileResult(path=snapshot.path, error="too deeply nested to analyse (Python's recursion limit)")
        return result, numbers

    # -- what an action writes -----------------------------------------------------------

    def fixed(
        self, analysis: Analysis, only: Optional[Finding] = None, *, unsafe: bool = False
    ) -> dict[str, tuple[str, str]]:
        """Document URI -> (old text, new text) for the fix of `only`'s group (None: every
        safe fix, or with `unsafe` every fix). Empty when nothing would change."""
        snapshot, settings = analysis.snapshot, analysis.settings
        if settings is None:
            return {}
        settings = dataclasses.replace(settings, unsafe_fixes=unsafe)
        if not snapshot.notebook:
            key = None if only is None else {(only.code, only.location)}
            result = self._check_python(snapshot.path, snapshot.text, settings, fix=True, fix_only=key)
            if result.new_source is None:
                return {}
            new = result.new_source.decode(_declared_encoding(snapshot.text))
            return {snapshot.key: (snapshot.text, new)} if new != snapshot.text else {}
        cell_key = None if only is None else {(only.code, only.cell or 0, only.location)}
        result, numbers = self._check_notebook(snapshot, settings, fix=True, fix_only=cell_key)
        if result.new_source is None:
            return {}
        changes: dict[str, tuple[str, str]] = {}
        for number, data in enumerate(json.loads(result.new_source.decode("utf-8"))["cells"], start=1):
            cell = numbers.get(number)
            source = data.get("source", "")
            new = source if isinstance(source, str) else "".join(source)
            if cell is not None and new != cell.text:
                changes[cell.uri] = (cell.text, new)
        return changes

    def ignored(self, analysis: Analysis, uri: str, finding: Finding) -> dict[str, tuple[str, str]]:
        """The document with `# noqa: CODE` for the finding where `check` honours it."""
        text = analysis.snapshot.text_of(uri)
        if text is None or finding.code == UNUSED_CODE:
            return {}
        if analysis.snapshot.notebook:
            from migrator.notebook import python_source

            new = add_noqa(text, finding.location.line, finding.code, python_source)
        else:
            new = add_noqa(text, finding.location.line, finding.code)
        return {uri: (text, new)} if new is not None and new != text else {}


def notebook_bytes(cells: tuple[Cell, ...]) -> tuple[bytes, dict[int, Cell]]:
    """An nbformat-4 notebook of the cells (numbered from 1, as Jupyter shows them)."""
    items: list[dict[str, Any]] = []
    numbers: dict[int, Cell] = {}
    for number, cell in enumerate(cells, start=1):
        numbers[number] = cell
        item: dict[str, Any] = {"cell_type": "code" if cell.code else "markdown", "metadata": {}, "source": cell.text}
        if cell.code:
            item.update(outputs=[], execution_count=None)
        items.append(item)
    notebook = {"cells": items, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, ensure_ascii=False).encode("utf-8"), numbers


def _declared_encoding(text: str) -> str:
    """The encoding the coding line (PEP 263) declares, UTF-8 without one."""
    head = "\n".join(lines_of(text)[:2]) + "\n"
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(head.encode("utf-8", "surrogatepass")).readline)
    except SyntaxError:
        return "utf-8"
    return "utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding


_AT = re.compile(r"^syntax error at (\d+):(\d+): ")
_CELL_ERROR = re.compile(r"cell (\d+): syntax error at (\d+):(\d+): (.*?); cell skipped")


def _problem(uri: str, error: str) -> Problem:
    at = _AT.match(error)
    if at is None:
        return Problem(uri, 0, 0, error)
    return Problem(uri, max(int(at.group(1)) - 1, 0), max(int(at.group(2)) - 1, 0), error)


def _notebook_problems(error: Optional[str], numbers: dict[int, Cell], snapshot: Snapshot) -> list[Problem]:
    if not error:
        return []
    problems = []
    for match in _CELL_ERROR.finditer(error):
        cell = numbers.get(int(match.group(1)))
        if cell is not None:
            line, column = max(int(match.group(2)) - 1, 0), max(int(match.group(3)) - 1, 0)
            problems.append(Problem(cell.uri, line, column, f"syntax error: {match.group(4)}; cell not checked"))
    rest = _CELL_ERROR.sub("", error).strip("; ")
    if rest and snapshot.uris:
        problems.append(Problem(snapshot.uris[0], 0, 0, rest))
    return problems
