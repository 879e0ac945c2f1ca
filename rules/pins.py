"""Which openai SDK generation a project pins, read from its dependency files.

A requirement is read with `packaging` (PEP 508: extras, markers, specifiers; poetry's
`^`, `~`, bare versions and `||` translated to PEP 440 first) and judged against the real
list of openai releases (`releases.py`): a pin "allows v1" only if some 1.x release
satisfies it. Only the `openai` requirement matters (never `langchain-openai` or
`openai-whisper`), so this is a requirement reader, not a resolver.

Read once per project root and process, and only for files with openai<1.0 code: the
files are small, the results are cached while none of the files read changes.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from migrator.rule import Description

from .releases import openai_releases

if TYPE_CHECKING:
    from packaging.version import Version

from migrator.tomlfile import tomllib

NAME = "openai"
KEEP, V1 = "keep", "v1"
_CHAT_V0 = (0, 27)  # the first release with ChatCompletion
NOTHING = "(not a version specifier)"  # what a pin that does not parse is judged as: no release


# -- judging a specifier -------------------------------------------------------------------
# `packaging` is imported in the functions that need it: the rules load for every file
# that passes the prefilter, a pin is judged only for openai<1.0 code (and then once).


def _is_openai(name: str) -> bool:
    """PEP 503 names compare with runs of `-_.` as one `-`: "openai" has none, so `OpenAI`
    is openai, and `open-ai`, `openai-whisper` are not."""
    return name.lower() == NAME


@cache
def _allowed(specifier: str) -> frozenset[Version]:
    """The openai releases a PEP 440 specifier set allows ("" allows them all; one that
    does not parse, none)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return frozenset(SpecifierSet(specifier).filter(openai_releases()))
    except InvalidSpecifier:
        return frozenset()


def _bump(release: tuple[int, ...], index: int) -> str:
    return ".".join(map(str, (*release[:index], release[index] + 1)))


def _poetry_clause(clause: str) -> str:
    """One poetry (or Pipfile) constraint as PEP 440: `^0.28` -> `>=0.28,<0.29`,
    `~1.2.3` -> `>=1.2.3,<1.3`, `0.28.1` -> `==0.28.1`, `*` -> `` (any)."""
    from packaging.specifiers import InvalidSpecifier
    from packaging.version import InvalidVersion, Version

    if clause in ("", "*"):
        return ""
    match = re.fullmatch(r"(===|==|!=|~=|<=|>=|<|>|\^|~|=)?v?(.+)", clause)
    if match is None:
        raise InvalidSpecifier(clause)
    operator, text = match.group(1) or "", match.group(2)
    if operator in ("", "="):
        return f"=={text}"
    if operator not in ("^", "~"):
        return operator + text
    try:
        release = Version(text).release
    except InvalidVersion as error:
        raise InvalidSpecifier(clause) from error
    if operator == "^":  # same leftmost non-zero part (of the parts written)
        given = len(text.split("."))
        written = release[:given]
        index = next((i for i, part in enumerate(written) if part), len(written) - 1)
    else:  # `~1.2.3` and `~1.2`: same minor; `~1`: same major
        index = min(1, len(release) - 1)
    return f">={text},<{_bump(release, index)}"


def to_pep440(spec: str) -> list[str]:
    """A constraint as written in poetry, a Pipfile or PEP 440, as PEP 440 specifier sets,
    one per `||` alternative. Raises InvalidSpecifier when it is none of them."""
    from packaging.specifiers import SpecifierSet

    alternatives = []
    for alternative in re.split(r"\|\|?", spec):
        # `>= 1.2` -> `>=1.2`; then `,` and spaces both mean "and" (`>=1.2 <2`).
        tight = re.sub(r"(===|==|!=|~=|<=|>=|<|>|\^|~|=)\s+", r"\1", alternative.strip())
        clauses = [_poetry_clause(clause) for clause in re.split(r"[,\s]+", tight) if clause]
        text = ",".join(clause for clause in clauses if clause)
        SpecifierSet(text)  # validates
        alternatives.append(text)
    return alternatives or [""]


@dataclass(frozen=True)
class Pin:
    """What a project (or a notebook) says about openai, and the releases it allows."""

    spec: str  # as written, e.g. "openai==0.28.1", 'openai = "^0.28"', "openai 0.28.1 (locked)"
    source: str  # the file that holds it, e.g. "/repo/requirements.txt", or "nb.ipynb (%pip install)"
    specifier: str  # what was evaluated, as PEP 440 (" | " between alternatives; "" is any release)
    allows_v0: bool
    allows_v1: bool
    allows_chat_v0: bool  # some allowed v0 release has ChatCompletion (0.27+)
    files: tuple[str, ...] = ()  # every file read to find it (`-r` includes too)

    @property
    def allows_any(self) -> bool:
        return self.allows_v0 or self.allows_v1

    @property
    def decision(self) -> str:
        """Any pin that allows no 1.x release keeps the code on its SDK; one that allows
        no 0.x release (but some release) moves it to v1; both, or none: keep."""
        return V1 if self.allows_v1 and not self.allows_v0 else KEEP


def _judge(spec: str, source: str, specifiers: Sequence[str], allowed: Iterable[Version], files: Sequence[str] = ()) -> Pin:
    versions = tuple(allowed)
    return Pin(
        spec=spec,
        source=source,
        specifier=" | ".join(specifiers),
        allows_v0=any(v.major == 0 for v in versions),
        allows_v1=any(v.major >= 1 for v in versions),
        allows_chat_v0=any(v.major == 0 and v.release >= _CHAT_V0 for v in versions),
        files=tuple(files),
    )


def evaluate(spec: str, source: str) -> Pin:
    """A specifier (PEP 440 or poetry) as a pin; one that does not parse allows nothing."""
    from packaging.specifiers import InvalidSpecifier

    try:
        specifiers = to_pep440(spec.strip())
    except InvalidSpecifier:
        specifiers = [NOTHING]
    allowed: set[Version] = set()
    for specifier in specifiers:
        allowed |= _allowed(specifier)
    return _judge(f"{NAME}{spec.strip()}", source, specifiers, allowed)


# -- requirement lines (requirements.txt, PEP 621, setup.py, setup.cfg, %pip) --------------


@dataclass(frozen=True)
class _Line:
    source: str
    written: str
    specifier: str
    marker: Optional[str]


def _requirement(text: str, source: str) -> Optional[_Line]:
    """`text` as a PEP 508 requirement on openai, or None (another package, not a requirement)."""
    if NAME not in text.lower():
        return None
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        if _OPENAI_FIRST.match(text) is None:
            return None
        # `openai=0.28.1`, `openai==0.28.1.`: on openai, but no release satisfies it.
        return _Line(source, text.strip(), NOTHING, None)
    if not _is_openai(requirement.name):
        return None  # langchain-openai, openai-whisper, azure-ai-openai...
    specifier = "" if requirement.url else str(requirement.specifier)
    return _Line(source, text.strip(), specifier, str(requirement.marker) if requirement.marker else None)


def _combine(lines: Sequence[_Line], files: Sequence[str] = ()) -> Optional[Pin]:
    """Several openai lines: pip applies every line whose marker holds, so lines without a
    marker narrow each other; lines under different markers are alternatives (the code
    must run on each of them)."""
    if not lines:
        return None
    unmarked = [line for line in lines if line.marker is None]
    groups: dict[Optional[str], list[_Line]] = {}
    for line in lines:
        groups.setdefault(line.marker, []).append(line)
    allowed: set[Version] = set()
    for group in groups.values():
        narrowed = frozenset(openai_releases())
        for line in (*unmarked, *group):
            narrowed &= _allowed(line.specifier)
        allowed |= narrowed
    first = lines[0].source
    if all(line.source == first for line in lines):
        spec = " + ".join(line.written for line in lines)
    else:  # names every file but the first, which `source` names
        spec = " + ".join(line.written if line.source == first else f"{line.written} ({line.source})" for line in lines)
    specifiers = list(dict.fromkeys(line.specifier for line in lines))
    return _judge(spec, first, specifiers, allowed, files)


_OPENAI_FIRST = re.compile(r"(?i)\s*openai(?![\w.-])")
_COMMENT = re.compile(r"(^|\s)#.*$")
_COMMENT_LINE = re.compile(r"\s*#")
_INCLUDE = re.compile(r"^(?:--requirement|--constraint|-r|-c)(?:\s*=\s*|\s*)(\S+)")
_OPTIONS_AFTER = re.compile(r"\s+--?[A-Za-z].*$")  # `openai==1.0 --hash=sha256:...`


def _logical_lines(text: str) -> Iterator[str]:
    """pip's reading: a trailing backslash continues the line; comments are dropped."""
    pending = ""
    for raw in text.splitlines():
        if _COMMENT_LINE.match(raw):
            raw = " " + raw  # a comment line ends a continued line
        elif raw.endswith("\\"):
            pending += raw[:-1]
            continue
        line = _COMMENT.sub("", pending + raw).strip()
        pending = ""
        if line:
            yield line
    if pending.strip():
        yield _COMMENT.sub("", pending).strip()


@dataclass
class _Reading:
    """The state of reading one requirements file and what it includes."""

    start: Path  # the folder of the file read first
    read: list[str] = field(default_factory=list)
    lines: list[_Line] = field(default_factory=list)
    _boundary: Optional[Path] = None

    @property
    def boundary(self) -> Path:
        """Includes are followed only inside the project: the repository that holds the
        first file, or its folder outside a repository. Found on the first include."""
        if self._boundary is None:
            self._boundary = (_git_root(self.start) or self.start).resolve()
        return self._boundary


def _read_requirements_file(path: Path, reading: _Reading, depth: int = 0) -> None:
    if str(path) in reading.read or depth > 10:
        return
    reading.read.append(str(path))
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    if NAME not in text.lower() and "-r" not in text and "-c" not in text and "--" not in text:
        return
    for line in _logical_lines(text):
        include = _INCLUDE.match(line)
        if include is not None:
            target = include.group(1)
            if "://" not in target:
                _follow(path.parent / target, reading, depth)
            continue
        if line.startswith("-"):  # -e, --index-url, ...: not a requirement on a release
            continue
        found = _requirement(_OPTIONS_AFTER.sub("", line), str(path))
        if found is not None:
            reading.lines.append(found)


def _follow(target: Path, reading: _Reading, depth: int) -> None:
    """`-r other.txt` / `-c constraints.txt`, relative to the including file, inside the project."""
    try:
        resolved = target.resolve()
        resolved.relative_to(reading.boundary)
    except (OSError, ValueError):
        return  # outside the project (or unresolvable): not followed
    if resolved.is_file():
        _read_requirements_file(resolved, reading, depth + 1)


def _git_root(directory: Path) -> Optional[Path]:
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _read_requirements(path: Path, read: list[str]) -> Optional[Pin]:
    reading = _Reading(path.parent)
    _read_requirements_file(path, reading)
    read.extend(reading.read)
    return _combine(reading.lines, reading.read)


def _from_requirement_strings(values: Iterable[object], source: str) -> list[_Line]:
    found = []
    for value in values:
        if isinstance(value, str):
            line = _requirement(value, source)
            if line is not None:
                found.append(line)
    return found


def requirement_pin(requirements: Sequence[str], source: str) -> Optional[Pin]:
    """Requirement strings (a notebook's `%pip install` words) as a pin; the first one
    on openai decides, as it was installed first."""
    lines = _from_requirement_strings(requirements, source)
    return _combine(lines[:1])


def _read_setup_py(path: Path, read: list[str]) -> Optional[Pin]:
    read.append(str(path))
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    strings = re.findall(r"""["'](\s*openai\s*(?:\[[^\]"']*\])?\s*(?:[<>=!~;@][^"']*)?)["']""", text, re.IGNORECASE)
    return _combine(_from_requirement_strings(strings, str(path))[:1])


def _read_setup_cfg(path: Path, read: list[str]) -> Optional[Pin]:
    read.append(str(path))
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, configparser.Error):
        return None
    values: list[str] = []
    if parser.has_option("options", "install_requires"):
        values.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        values.extend(value for _, value in parser.items("options.extras_require"))
    lines = [line for value in values for line in _logical_lines(value)]
    return _combine(_from_requirement_strings(lines, str(path)))


# -- TOML files (pyproject.toml: PEP 621, PEP 735 and poetry; Pipfile) ---------------------


def _load_toml(path: Path, read: list[str]) -> Optional[dict[str, Any]]:
    read.append(str(path))
    try:
        text = path.read_text(encoding="utf-8")
        if NAME not in text.lower():
            return None
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None


def _table_pin(value: object, source: str, written_name: str) -> Optional[Pin]:
    """poetry / Pipfile: `openai = "^0.28"`, `{version = "...", extras = [...]}`, a list
    of such tables (alternatives per python or markers), or a git/path source (any)."""
    constraints = value if isinstance(value, list) else [value]
    specs = []
    for constraint in constraints:
        if isinstance(constraint, dict):
            constraint = constraint.get("version", "*")
        if not isinstance(constraint, str):
            continue
        specs.append(constraint.strip())
    if not specs:
        return None
    from packaging.specifiers import InvalidSpecifier

    specifiers: list[str] = []
    for spec in specs:
        try:
            specifiers.extend(to_pep440(spec))
        except InvalidSpecifier:
            specifiers.append(NOTHING)
    allowed: set[Version] = set()
    for specifier in specifiers:
        allowed |= _allowed(specifier)
    written = " | ".join(f'"{spec}"' for spec in specs)
    return _judge(f"{written_name} = {written}", source, specifiers, allowed, (source,))


def _read_pyproject(path: Path, read: list[str]) -> Optional[Pin]:
    data = _load_toml(path, read)
    if data is None:
        return None
    project = data.get("project", {})
    lists: list[object] = [project.get("dependencies", [])]
    lists.extend(project.get("optional-dependencies", {}).values())
    lists.extend(data.get("dependency-groups", {}).values())
    lines = []
    for requirements in lists:
        lines.extend(_from_requirement_strings(requirements if isinstance(requirements, list) else [], str(path)))
    if lines:
        return _combine(lines, (str(path),))
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables.extend(group.get("dependencies", {}) for group in poetry.get("group", {}).values() if isinstance(group, dict))
    for table in tables:
        for key, value in table.items() if isinstance(table, dict) else ():
            if _is_openai(key):
                return _table_pin(value, str(path), key)
    return None


def _read_pipfile(path: Path, read: list[str]) -> Optional[Pin]:
    data = _load_toml(path, read)
    if data is None:
        return None
    for section in ("packages", "dev-packages"):
        for key, value in data.get(section, {}).items():
            if _is_openai(key):
                return _table_pin(value, str(path), key)
    return None


def _read_lock(path: Path, read: list[str]) -> Optional[Pin]:
    """poetry.lock / uv.lock: `name = "openai"` followed by its exact `version`. A regular
    expression, not a TOML parse: locks run to megabytes."""
    read.append(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    versions = list(dict.fromkeys(re.findall(r'(?m)^name = "openai"\s*\nversion = "([^"]+)"', text)))
    if not versions:
        return None
    lines = [
        _Line(str(path), f"{NAME} {version} (locked)", f"=={version}", str(i) if len(versions) > 1 else None)
        for i, version in enumerate(versions)
    ]
    return _combine(lines, (str(path),))


# -- where the files are -------------------------------------------------------------------


def _pin_in(directory: Path, read: list[str]) -> Optional[Pin]:
    # Locks state what is installed, so they win over ranges.
    readers = [
        (directory / "poetry.lock", _read_lock),
        (directory / "uv.lock", _read_lock),
        (directory / "pyproject.toml", _read_pyproject),
        (directory / "Pipfile", _read_pipfile),
        (directory / "setup.cfg", _read_setup_cfg),
        (directory / "setup.py", _read_setup_py),
    ]
    readers.extend((p, _read_requirements) for p in sorted(directory.glob("requirements*.txt")))
    readers.extend((p, _read_requirements) for p in sorted(directory.glob("requirements/*.txt")))
    for path, reader in readers:
        if path.is_file():
            pin = reader(path, read)
            if pin is not None:
                return pin
    return None


@dataclass(frozen=True)
class Search:
    """What the search from one folder found: the pin (if any), the folders searched and
    the files read (a change to any of them can change the answer), and the repository
    root where it stopped (None when it went up to the file system's root)."""

    pin: Optional[Pin]
    sources: tuple[str, ...]
    root: Optional[str]


def project_pin(directory: Path) -> Optional[Pin]:
    """The openai pin of the project that holds `directory` (searched up to the repository root)."""
    return project_search(directory).pin


_FOUND: dict[Path, tuple[Search, tuple[Optional[int], ...]]] = {}


def _mtimes(paths: Sequence[str]) -> tuple[Optional[int], ...]:
    stamps: list[Optional[int]] = []
    for path in paths:
        try:
            stamps.append(os.stat(path).st_mtime_ns)
        except OSError:
            stamps.append(None)
    return tuple(stamps)


def project_search(directory: Path) -> Search:
    """The pin of the project that holds `directory`, and what was read to find it.
    Remembered per folder while none of those changed, since every file of a project
    asks the same question."""
    known = _FOUND.get(directory)
    if known is not None and _mtimes(known[0].sources) == known[1]:
        return known[0]
    found = _search(directory)
    _FOUND[directory] = (found, _mtimes(found.sources))
    return found


def _search(directory: Path) -> Search:
    searched: list[str] = []
    for candidate in (directory, *directory.parents):
        searched.append(str(candidate))
        read: list[str] = []
        pin = _pin_in(candidate, read)
        searched.extend(read)
        if pin is not None:
            return Search(pin, tuple(dict.fromkeys(searched)), None)
        if (candidate / ".git").exists():
            return Search(None, tuple(dict.fromkeys(searched)), str(candidate))
    return Search(None, tuple(dict.fromkeys(searched)), None)


_REAL_FOLDERS: dict[str, Path] = {}


def _real_folder(path: str) -> Path:
    """The folder the file really lives in (links followed), resolved once per folder:
    `resolve` stats every component of the path, and a project's files share folders."""
    if os.path.islink(path) or ".." in Path(path).parts:
        # A link, or `..` after one (`link/../x.py`): only `resolve` follows it right.
        return Path(path).resolve().parent
    folder = os.path.dirname(os.path.abspath(path))
    known = _REAL_FOLDERS.get(folder)
    if known is None:
        known = _REAL_FOLDERS[folder] = Path(folder).resolve()
    return known


def _own_pin(path: str, requirements: Sequence[str]) -> Optional[Pin]:
    return requirement_pin(requirements, f"{path} (%pip install)") if requirements else None


def pin_for(path: str, requirements: Sequence[str] = (), read: Optional[list[str]] = None) -> Optional[Pin]:
    """The file's own requirement (a notebook's `%pip install openai==0.28`), else the
    project's; `read` collects the files and folders consulted."""
    return decide(path, "auto", requirements, read).pin


# -- the decision, and how it is said ------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What openai<1.0 code becomes for one file, and why."""

    mode: str  # KEEP or V1
    requested: str  # the `sdk` setting: "auto", "keep" or "v1"
    pin: Optional[Pin] = None
    root: Optional[str] = None  # where a search that found nothing stopped (the repository)

    def reason(self) -> str:
        """`requirements.txt: openai==0.28.1 -> keep`, paths relative to the current folder."""
        if self.requested != "auto":
            return f"--sdk {self.requested} (the `sdk` setting) -> {self.mode}"
        if self.pin is None:
            where = f" (searched up to {display_path(self.root)})" if self.root else ""
            return f"no openai pin found{where} -> {self.mode}"
        pin = self.pin
        said = f"{display_path(pin.source)}: {pin.spec}"
        if not pin.allows_any:
            return f"{said} allows no openai release this tool knows (a typo, or newer than the tool) -> {self.mode}"
        if pin.allows_v0 and pin.allows_v1:
            return f"{said} allows openai<1.0 and >=1 -> {self.mode}"
        return f"{said} -> {self.mode}"

    def note(self) -> str:
        """The run note: the decision and what it does to openai<1.0 code."""
        if self.mode == V1:
            effect = "openai<1.0 code (openai.Completion) is moved to the v1 SDK"
        else:
            effect = "openai<1.0 code stays on its SDK as openai.ChatCompletion; --sdk v1 moves it to the v1 SDK"
        return f"SDK: {self.reason()} ({effect})"


def display_path(path: str) -> str:
    """A path as the user would write it: relative to the current folder when inside it."""
    suffix = ""
    if path.endswith(" (%pip install)"):
        path, suffix = path[: -len(" (%pip install)")], " (%pip install)"
    try:
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive on Windows
        return path + suffix
    shown = path if relative.startswith("..") else relative
    return shown + suffix


def decide(path: str, requested: str = "auto", requirements: Sequence[str] = (), read: Optional[list[str]] = None) -> Decision:
    """`--sdk auto` for one file: its own `%pip install` pin, else its project's."""
    if requested in (KEEP, V1):
        return Decision(requested, requested)
    own = _own_pin(path, requirements)
    if own is not None:
        return Decision(own.decision, "auto", own)
    try:
        directory = _real_folder(path)
    except OSError:
        return Decision(KEEP, "auto")
    found = project_search(directory)
    if read is not None:
        read.extend(found.sources)
    pin = found.pin
    return Decision(pin.decision if pin is not None else KEEP, "auto", pin, found.root)


def start_folder(path: str) -> str:
    """The folder a search for `path`'s pin starts from: a folder given, or a file's folder."""
    return path if os.path.isdir(path) else os.path.dirname(path) or "."


def describe(paths: Sequence[str], options: Mapping[str, Any]) -> list[Description]:
    """`migrator config PATHS`: the `--sdk auto` decision per project root found from each
    path (which file, which specifier, the decision), or the `sdk` setting."""
    requested = str(options.get("sdk", "auto"))
    if requested != "auto":
        decision = Decision(requested, requested)
        setting: dict[str, Any] = {"path": None, "decision": requested, "from": "setting", "file": None, "specifier": None}
        return [Description("sdk", decision.reason(), setting)]
    lines = []
    seen: set[tuple[Optional[str], Optional[str]]] = set()
    for path in paths or (".",):
        try:
            found = project_search(Path(start_folder(path)).resolve())
        except OSError:
            continue
        pin = found.pin
        key = (pin.source if pin else None, found.root)
        if key in seen:
            continue
        seen.add(key)
        decision = Decision(pin.decision if pin else KEEP, "auto", pin, found.root)
        data: dict[str, Any] = {
            "path": path,
            "decision": decision.mode,
            "from": "pin" if pin else "no pin",
            "file": display_path(pin.source) if pin else None,
            "specifier": pin.spec if pin else None,
            "pep440": pin.specifier if pin else None,
            "allows_v0": pin.allows_v0 if pin else None,
            "allows_v1": pin.allows_v1 if pin else None,
        }
        lines.append(Description(f"sdk ({path})", decision.reason(), data))
    return lines


def allows_release_from(pin: Pin, minimum: tuple[int, ...]) -> bool:
    """Whether the pin allows some openai release at or above `minimum` (the first SDK
    with a feature the migrated code uses)."""
    return any(
        version.release >= minimum
        for specifier in pin.specifier.split(" | ")
        for version in _allowed(specifier)
    )
