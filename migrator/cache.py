"""Results of `check` per file, reused while nothing they depend on has changed.

An entry is keyed by the tool version, the settings, the file's path and a hash of its
bytes, and it lists the other files the rules read for it (a project's pins, an
imported module) with their size and modification time: if any of those changed, the
entry is stale. Entries are JSON (never pickle: a cache folder is not trusted code),
written to a temporary file and renamed, so concurrent runs never see half an entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Optional

from migrator import __version__
from migrator.model import Applicability, FileResult, Finding, Location, Replacement
from migrator.settings import Settings

DEFAULT_DIRECTORY = ".migrator_cache"


def fingerprint(settings: Settings, pack_name: str) -> str:
    """What, besides the file, decides its results."""
    data = asdict(settings)
    data["rule_options"] = dict(sorted(settings.rule_options.items()))
    text = json.dumps([__version__, pack_name, data], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _stat(path: str) -> Optional[list[int]]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_size]


class Cache:
    def __init__(self, directory: str, settings_fingerprint: str) -> None:
        self.directory = Path(directory) / __version__.replace("/", "_")
        self.fingerprint = settings_fingerprint

    def _entry_path(self, path: str, data: bytes) -> Path:
        key = hashlib.sha256()
        key.update(self.fingerprint.encode())
        key.update(os.path.abspath(path).encode("utf-8", "surrogateescape"))
        key.update(b"\0")
        key.update(data)
        digest = key.hexdigest()
        return self.directory / f"{digest}.json"

    def lookup(self, path: str, data: bytes, *, previews: bool = False) -> Optional[FileResult]:
        """The stored result, unless it is stale or lacks the fix previews asked for."""
        try:
            entry = json.loads(self._entry_path(path, data).read_text(encoding="utf-8"))
            if previews and not entry.get("previews"):
                return None
            for dependency, stat in entry["dependencies"].items():
                if _stat(dependency) != stat:
                    return None
            return _result_from(entry["result"], path)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, corrupt or from another layout: recompute

    def store(self, path: str, data: bytes, result: FileResult, *, previews: bool = False) -> None:
        write_entry(*self.entry(path, data, result, previews=previews))

    def entry(self, path: str, data: bytes, result: FileResult, *, previews: bool = False) -> tuple[str, bytes]:
        """Where the entry for this result goes, and its bytes (`write_entry` writes them:
        a worker leaves that to the main process). `previews`: the findings carry them."""
        entry = {
            "dependencies": {dependency: _stat(dependency) for dependency in sorted(set(result.dependencies))},
            "previews": previews,
            "result": _result_to(result),
        }
        return str(self._entry_path(path, data)), json.dumps(entry).encode("utf-8")


def write_entry(location: str, payload: bytes) -> None:
    """Write one entry atomically (temporary file, then rename); a failure only costs the
    entry. The cache folder, with its `.gitignore`, is made with the first entry."""
    target = Path(location)
    try:
        try:
            descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            _ignore_in_git(target.parent.parent)
            descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(temporary)


def _ignore_in_git(root: Path) -> None:
    marker = root / ".gitignore"
    if not marker.exists():
        with contextlib.suppress(OSError):
            marker.write_text("# Created by migrator: the cache is never committed.\n*\n")


def _result_to(result: FileResult) -> dict[str, Any]:
    return {
        "findings": [_finding_to(finding) for finding in result.findings],
        "error": result.error,
        "notes": result.notes,
        "run_notes": result.run_notes,
    }


def _finding_to(finding: Finding) -> dict[str, Any]:
    # `asdict` deep-copies every value through recursion: a tenth of a check per entry.
    replacement = finding.replacement
    return {
        "code": finding.code,
        "message": finding.message,
        "location": _location_to(finding.location),
        "fix": finding.fix.value,
        "advice": finding.advice,
        "replacement": {"location": _location_to(replacement.location), "content": replacement.content}
        if replacement is not None
        else None,
        "source": finding.source,
        "cell": finding.cell,
        "file_location": _location_to(finding.file_location) if finding.file_location is not None else None,
    }


def _location_to(location: Location) -> dict[str, int]:
    return {
        "line": location.line,
        "column": location.column,
        "end_line": location.end_line,
        "end_column": location.end_column,
    }


def _result_from(data: dict[str, Any], path: str) -> FileResult:
    findings = []
    for item in data["findings"]:
        replacement = item.get("replacement")
        findings.append(
            Finding(
                code=item["code"],
                message=item["message"],
                path=path,
                location=Location(**item["location"]),
                fix=Applicability(item["fix"]),
                advice=item.get("advice"),
                replacement=Replacement(Location(**replacement["location"]), replacement["content"])
                if replacement
                else None,
                source=item.get("source"),
                cell=item.get("cell"),
                file_location=Location(**item["file_location"]) if item.get("file_location") else None,
            )
        )
    return FileResult(
        path=path,
        findings=findings,
        error=data["error"],
        notes=list(data["notes"]),
        run_notes=list(data["run_notes"]),
    )
