"""Which files a run looks at."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Optional

from migrator.model import FileError
from migrator.settings import Settings

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


def is_excluded(relative: str, patterns: Sequence[str]) -> bool:
    """Match gitignore-style names (`build`, `*.gen.py`) and paths (`src/legacy/*`)."""
    names, paths, prefixes = _compiled(tuple(patterns))
    parts = os.path.normcase(relative).replace(os.sep, "/").split("/")
    if names is not None and any(names.match(part) for part in parts):
        return True
    if paths is None:
        return False
    joined = "/".join(parts)
    return paths.match(joined) is not None or joined.startswith(prefixes)


@lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...]) -> tuple[Optional[re.Pattern[str]], Optional[re.Pattern[str]], tuple[str, ...]]:
    """The patterns as one regex for single names and one for paths (with the folders a
    path pattern names, as prefixes): a run asks for every file and folder it walks."""
    names: list[str] = []
    paths: list[str] = []
    for pattern in patterns:
        pattern = os.path.normcase(pattern.rstrip("/"))
        (paths if "/" in pattern else names).append(pattern.lstrip("/") if "/" in pattern else pattern)

    def union(items: list[str]) -> Optional[re.Pattern[str]]:
        return re.compile("|".join(fnmatch.translate(item) for item in items)) if items else None

    return union(names), union(paths), tuple(path + "/" for path in paths)


def discover(paths: Sequence[str], settings: Settings) -> tuple[list[str], list[FileError]]:
    """Files to check, in a stable order, and errors for paths that cannot be used."""
    files: dict[str, None] = {}
    errors: list[FileError] = []
    excludes = settings.all_excludes
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            errors.append(FileError(raw, "no such file or directory"))
            continue
        if path.is_dir():
            for found in _walk_directory(path, settings, errors):
                files.setdefault(found, None)
            continue
        if path.is_symlink() and not path.exists():
            errors.append(FileError(raw, _link_problem(raw)))
            continue
        # Explicitly named files are always checked, unless the caller (the pre-commit
        # hook) asks for the excludes to apply to them too.
        if settings.force_exclude and is_excluded(_relative_to_cwd(path), excludes):
            continue
        if settings.force_exclude and settings.respect_gitignore and _git_ignored(path):
            continue
        files.setdefault(str(path), None)
    return list(files), errors


def _link_problem(path: str) -> str:
    """Why a symbolic link cannot be followed, in the words a user would search for."""
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop; skipped"
    return "broken symbolic link; skipped"


def _relative_to_cwd(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _walk_directory(root: Path, settings: Settings, errors: list[FileError]) -> Iterable[str]:
    excludes = settings.all_excludes
    listed = _git_listed_files(root) if settings.respect_gitignore else None
    root_real = os.path.realpath(root)
    if listed is not None:
        candidates: Iterable[str] = sorted(listed)
    else:
        candidates = _os_walk(root, excludes, errors)
    for relative in candidates:
        if not relative.endswith(SOURCE_SUFFIXES) or is_excluded(relative, excludes):
            continue
        full = os.path.join(str(root), relative) if str(root) != "." else relative
        if os.path.islink(full):
            target = os.path.realpath(full)
            if not os.path.exists(target):
                errors.append(FileError(full, _link_problem(full)))
                continue
            # Never follow a link out of the tree we were asked to look at.
            if os.path.commonpath([root_real, target]) != root_real:
                continue
        if os.path.isdir(full):
            continue
        yield full


def _os_walk(root: Path, excludes: Sequence[str], errors: list[FileError]) -> Iterable[str]:
    def on_error(error: OSError) -> None:
        errors.append(FileError(str(error.filename or root), error.strerror or str(error)))

    for directory, subdirs, filenames in os.walk(root, onerror=on_error):
        relative_dir = os.path.relpath(directory, root)
        subdirs[:] = sorted(
            d
            for d in subdirs
            if not is_excluded(os.path.normpath(os.path.join(relative_dir, d)), excludes)
        )
        for name in sorted(filenames):
            yield os.path.normpath(os.path.join(relative_dir, name))


def _git_listed_files(root: Path) -> Optional[list[str]]:
    """Tracked and untracked-but-not-ignored files below root, or None outside git."""
    try:
        completed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "."],
            cwd=root,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    names = completed.stdout.decode("utf-8", "surrogateescape").split("\0")
    # ls-files lists deleted-but-tracked files too; only what exists can be checked.
    return [name for name in dict.fromkeys(names) if name and os.path.lexists(root / name)]


def _git_ignored(path: Path) -> bool:
    try:
        completed = subprocess.run(
            ["git", "check-ignore", "-q", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0
