"""Which openai SDK generation a project pins, read from its dependency files.

Only the `openai` requirement matters (never `langchain-openai` or `openai-whisper`), so
this is a requirement reader, not a resolver: `pin_files.py` reads the files,
`pin_specifiers.py` judges what they say against the real releases, and this module
finds the files of a project, decides what openai<1.0 code becomes and says why.

Read once per project root and process, and only for files with openai<1.0 code: the
files are small, the results are cached while none of the files read changes.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from migrator.rule import Description

from .pin_files import pin_in, requirement_pin
from .pin_specifiers import KEEP, NAME, V1, Pin, allows_release_from, evaluate

__all__ = ["KEEP", "NAME", "V1", "Decision", "Pin", "allows_release_from", "decide", "describe", "evaluate", "pin_for", "project_pin"]


# -- where the files are -------------------------------------------------------------------



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


def forget(paths: Collection[str]) -> None:
    """Search again from every folder whose answer read one of `paths`, or searched the
    folder one is in (it may have just appeared), whatever their modification times say."""
    changed = {*paths, *(os.path.realpath(path) for path in paths)}
    changed.update([os.path.dirname(path) for path in changed])
    for directory, (found, _) in list(_FOUND.items()):
        if changed.intersection(found.sources):
            del _FOUND[directory]


def _search(directory: Path) -> Search:
    searched: list[str] = []
    for candidate in (directory, *directory.parents):
        searched.append(str(candidate))
        read: list[str] = []
        pin = pin_in(candidate, read)
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
