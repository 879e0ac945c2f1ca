"""Which openai SDK generation a project pins, read from its dependency files.

Read once per project root and process (files are small; results are cached). Only the
`openai` requirement matters, so this is a small specifier reader, not a resolver.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

# Versions that matter for the decision: before ChatCompletion, the last v0, v1+.
_PROBES = ((0, 26, 5), (0, 27, 0), (0, 28, 1), (1, 0, 0), (1, 109, 1), (2, 0, 0), (3, 57, 0))
_CLAUSE = re.compile(r"\s*(===|==|!=|~=|<=|>=|<|>|\^|~)?\s*([0-9][0-9a-zA-Z.*+-]*)\s*")
_REQUIREMENT = re.compile(r"""(?ix)^\s*openai(?:\[[^\]]*\])?\s*(?P<spec>[<>=!~^][^;#\s"']*(?:\s*,\s*[<>=!~^][^;#\s"',]*)*)?""")


@dataclass(frozen=True)
class Pin:
    spec: str  # as written, e.g. "==0.28.1" or ">=1,<2"
    source: str  # the file it came from
    allows_v0: bool
    allows_v1: bool
    allows_chat_v0: bool  # some allowed v0 release has ChatCompletion (0.27+)


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
    return tuple(parts) or (0,)


def _matches(version: tuple[int, ...], operator: str, bound_text: str) -> bool:
    if bound_text.endswith(".*"):
        prefix = _version(bound_text[:-2])
        equal = version[: len(prefix)] == prefix
        return equal if operator in ("==", "===") else not equal
    bound = _version(bound_text)
    padded = bound + (0,) * (3 - len(bound))
    if operator in ("==", "==="):
        return version == padded
    if operator == "!=":
        return version != padded
    if operator == ">=":
        return version >= padded
    if operator == "<=":
        return version <= padded
    if operator == ">":
        return version > padded
    if operator == "<":
        return version < padded
    if operator == "~=":  # compatible release: >= bound, == bound minus its last part
        return version >= padded and version[: len(bound) - 1] == bound[:-1]
    if operator == "^":  # poetry caret: same leftmost non-zero part
        first = next((i for i, part in enumerate(bound) if part), len(bound) - 1)
        return version >= padded and version[: first + 1] == padded[: first + 1]
    if operator == "~":  # poetry tilde: same major.minor
        return version >= padded and version[:2] == padded[:2]
    return True


def evaluate(spec: str, source: str) -> Pin:
    clauses = [c for c in spec.split(",") if c.strip()]
    allowed = []
    for probe in _PROBES:
        ok = True
        for clause in clauses:
            match = _CLAUSE.fullmatch(clause)
            if match is None:
                continue
            operator = match.group(1) or "=="
            if not _matches(probe, operator, match.group(2)):
                ok = False
                break
        if ok:
            allowed.append(probe)
    return Pin(
        spec=spec.strip() or "(any)",
        source=source,
        allows_v0=any(v < (1,) for v in allowed),
        allows_v1=any(v >= (1,) for v in allowed),
        allows_chat_v0=any((0, 27) <= v < (1,) for v in allowed),
    )


def _from_requirement_lines(text: str, source: str) -> Optional[Pin]:
    for line in text.splitlines():
        match = _REQUIREMENT.match(line.split("#", 1)[0])
        if match is not None:
            return evaluate(match.group("spec") or "", source)
    return None


def _from_toml_table(value: object, source: str) -> Optional[Pin]:
    """poetry / Pipfile style: `openai = "^0.28"` or `{version = "..."}`."""
    if isinstance(value, dict):
        value = value.get("version", "*")
    if isinstance(value, str):
        spec = "" if value.strip() in ("*", "") else value
        if spec and spec[0].isdigit():
            spec = "==" + spec  # Pipfile and poetry read a bare version as exact
        return evaluate(spec, source)
    return None


def _read_pyproject(path: Path) -> Optional[Pin]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    project = data.get("project", {})
    lists = [project.get("dependencies", [])]
    lists.extend(project.get("optional-dependencies", {}).values())
    for requirements in lists:
        for requirement in requirements if isinstance(requirements, list) else []:
            pin = _from_requirement_lines(str(requirement), str(path))
            if pin is not None:
                return pin
    poetry = data.get("tool", {}).get("poetry", {})
    for table in (poetry.get("dependencies", {}), *poetry.get("group", {}).values()):
        dependencies = table.get("dependencies", table) if isinstance(table, dict) else {}
        if "openai" in dependencies:
            return _from_toml_table(dependencies["openai"], str(path))
    return None


def _read_lock(path: Path) -> Optional[Pin]:
    """poetry.lock / uv.lock: `name = "openai"` followed by its exact `version`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    match = re.search(r'name = "openai"\s*\nversion = "([^"]+)"', text)
    return evaluate("==" + match.group(1), str(path)) if match else None


def _read_pipfile(path: Path) -> Optional[Pin]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    for section in ("packages", "dev-packages"):
        if "openai" in data.get(section, {}):
            return _from_toml_table(data[section]["openai"], str(path))
    return None


def _read_text_requirements(path: Path) -> Optional[Pin]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if path.name == "setup.py":
        match = re.search(r"""["']openai\s*([<>=!~][^"']*)?["']""", text)
        return evaluate(match.group(1) or "", str(path)) if match else None
    if path.name == "setup.cfg":
        return _from_requirement_lines(
            "\n".join(line.strip() for line in text.splitlines()), str(path)
        )
    return _from_requirement_lines(text, str(path))


def _pin_in(directory: Path) -> Optional[Pin]:
    # Locks state what is installed, so they win over ranges.
    readers = [
        (directory / "poetry.lock", _read_lock),
        (directory / "uv.lock", _read_lock),
        (directory / "pyproject.toml", _read_pyproject),
        (directory / "Pipfile", _read_pipfile),
        (directory / "setup.cfg", _read_text_requirements),
        (directory / "setup.py", _read_text_requirements),
    ]
    readers.extend((p, _read_text_requirements) for p in sorted(directory.glob("requirements*.txt")))
    readers.extend((p, _read_text_requirements) for p in sorted(directory.glob("requirements/*.txt")))
    for path, reader in readers:
        if path.is_file():
            pin = reader(path)
            if pin is not None:
                return pin
    return None


def project_pin(directory: Path) -> Optional[Pin]:
    """The openai pin of the project that holds `directory` (searched up to the repository root)."""
    return project_pin_and_sources(directory)[0]


_FOUND: dict[Path, tuple[Optional[Pin], tuple[str, ...], tuple[Optional[int], ...]]] = {}


def _mtimes(paths: Sequence[str]) -> tuple[Optional[int], ...]:
    stamps: list[Optional[int]] = []
    for path in paths:
        try:
            stamps.append(os.stat(path).st_mtime_ns)
        except OSError:
            stamps.append(None)
    return tuple(stamps)


def project_pin_and_sources(directory: Path) -> tuple[Optional[Pin], tuple[str, ...]]:
    """The pin, and what was read to find it: the folders searched (a new file changes
    their modification time) and the file that pins. Remembered per folder while none of
    those changed, since every file of a project asks the same question."""
    known = _FOUND.get(directory)
    if known is not None and _mtimes(known[1]) == known[2]:
        return known[0], known[1]
    pin, sources = _search(directory)
    _FOUND[directory] = (pin, sources, _mtimes(sources))
    return pin, sources


def _search(directory: Path) -> tuple[Optional[Pin], tuple[str, ...]]:
    searched: list[str] = []
    for candidate in (directory, *directory.parents):
        searched.append(str(candidate))
        pin = _pin_in(candidate)
        if pin is not None:
            return pin, (*searched, pin.source)
        if (candidate / ".git").exists():
            break
    return None, tuple(searched)


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


def pin_for(path: str, requirements: Sequence[str] = (), read: Optional[list[str]] = None) -> Optional[Pin]:
    """The file's own requirement (a notebook's `%pip install openai==0.28`), else the
    project's; `read` collects the files and folders consulted."""
    for requirement in requirements:
        pin = _from_requirement_lines(requirement, f"{Path(path).name} (%pip install)")
        if pin is not None:
            return pin
    try:
        directory = _real_folder(path)
    except OSError:
        return None
    pin, sources = project_pin_and_sources(directory)
    if read is not None:
        read.extend(sources)
    return pin


def allows_release_from(pin: Pin, minimum: tuple[int, ...]) -> bool:
    """Whether the pin allows some release at or above `minimum` (a feature's first SDK).

    A range can only start at the minimum, at one of its own bounds, or just above one,
    so those (and a far-off release) are the versions worth trying.
    """
    clauses = [(m.group(1) or "==", m.group(2)) for c in pin.spec.split(",") if (m := _CLAUSE.fullmatch(c))]
    lowest = minimum + (0,) * (3 - len(minimum))
    candidates = {lowest, (999, 0, 0)}
    for _operator, bound_text in clauses:
        bound = _version(bound_text[:-2] if bound_text.endswith(".*") else bound_text)
        padded = bound + (0,) * (3 - len(bound))
        candidates.update({padded, (*padded, 1), (*padded[:2], padded[2] + 1)})
    return any(
        candidate >= lowest and all(_matches(candidate, operator, text) for operator, text in clauses)
        for candidate in candidates
    )
