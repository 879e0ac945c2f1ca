"""Reading the openai requirement out of a project's dependency files: requirements
files (as pip reads them: markers, continuations, options, `-r`/`-c` includes), setup.py
and setup.cfg, pyproject.toml (PEP 621, PEP 735, poetry), Pipfile and the lock files."""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from migrator.tomlfile import tomllib

from .pin_specifiers import (
    NAME,
    NOTHING,
    Pin,
    allowed_releases,
    is_openai,
    judge,
    to_pep440,
)
from .releases import openai_releases

if TYPE_CHECKING:
    from packaging.version import Version

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
    if not is_openai(requirement.name):
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
            narrowed &= allowed_releases(line.specifier)
        allowed |= narrowed
    first = lines[0].source
    if all(line.source == first for line in lines):
        spec = " + ".join(line.written for line in lines)
    else:  # names every file but the first, which `source` names
        spec = " + ".join(line.written if line.source == first else f"{line.written} ({line.source})" for line in lines)
    specifiers = list(dict.fromkeys(line.specifier for line in lines))
    return judge(spec, first, specifiers, allowed, files)


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
        allowed |= allowed_releases(specifier)
    written = " | ".join(f'"{spec}"' for spec in specs)
    return judge(f"{written_name} = {written}", source, specifiers, allowed, (source,))


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
            if is_openai(key):
                return _table_pin(value, str(path), key)
    return None


def _read_pipfile(path: Path, read: list[str]) -> Optional[Pin]:
    data = _load_toml(path, read)
    if data is None:
        return None
    for section in ("packages", "dev-packages"):
        for key, value in data.get(section, {}).items():
            if is_openai(key):
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

def pin_in(directory: Path, read: list[str]) -> Optional[Pin]:
    """The folder's openai pin. A lock states what is installed, so it wins over ranges.
    Otherwise every dependency file of the folder is read: the code must run wherever any
    of them installs it, so a file that allows no 1.x release (`requirements.txt:
    openai==0.28.1` beside `requirements-dev.txt: openai>=1`) decides; else one that
    allows only 1.x (a bare `openai` beside it says nothing); else the first file in the
    order below that names openai."""
    for lock in (directory / "poetry.lock", directory / "uv.lock"):
        if lock.is_file():
            pin = _read_lock(lock, read)
            if pin is not None:
                return pin
    readers = [
        (directory / "pyproject.toml", _read_pyproject),
        (directory / "Pipfile", _read_pipfile),
        (directory / "setup.cfg", _read_setup_cfg),
        (directory / "setup.py", _read_setup_py),
    ]
    readers.extend((p, _read_requirements) for p in sorted(directory.glob("requirements*.txt")))
    readers.extend((p, _read_requirements) for p in sorted(directory.glob("requirements/*.txt")))
    pins = [pin for path, reader in readers if path.is_file() and (pin := reader(path, read)) is not None]
    v0_only = [pin for pin in pins if pin.allows_any and not pin.allows_v1]
    v1_only = [pin for pin in pins if pin.allows_v1 and not pin.allows_v0]
    chosen = v0_only or v1_only or pins
    return chosen[0] if chosen else None
