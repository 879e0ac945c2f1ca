"""Score the tool on one package of the corpus: the census before and after a real fix.

The real CLI runs in a subprocess on a copy of the extracted release, as a user runs it
(`--isolated --no-cache`, `--sdk auto` so the package's own pins decide, no `--model`, so
the built-in default model applies as an unsafe fix):

1. `check --output-format json`: the findings on the original code;
2. `fix --unsafe-fixes`, then `check --output-format json` again: what is left;
3. `fix --unsafe-fixes` once more: it must change nothing.

When the first fix changed no file, the second check and fix are not run: the same bytes
give the same results.

Per file, a census site of the original is *migrated* when the census finds fewer sites
in the fixed file, and *reported* when a finding of the second check overlaps its lines;
what is neither is *silent*, the defect this stage exists to catch. A site with no
finding in the first check is *silent before fix*.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.realcode import census
from tests.realcode.corpus import PACKAGES, Package, package_dir

HERE = Path(__file__).resolve().parent
SNAPSHOT = HERE / "snapshot.json"
RESULTS = HERE / "RESULTS.md"

# What the fix wrote, counted in the changed files (new occurrences): which SDK generation
# it moved the code to, for comparison with the package's own openai pin.
WRITTEN = {
    "ChatCompletion.create (openai<1)": re.compile(rb"\bChatCompletion\.a?create\b"),
    "chat.completions.create (openai>=1)": re.compile(rb"\bchat\.completions\.create\b"),
}

# Reads of a legacy response's text (`.text`, `["text"]`, `.get("text")`). A fix that
# lowers their number in a file where it migrated none of the file's census sites has
# rewritten reads apart from their call: half-migrated code (the whole-call promise).
LEGACY_READ = re.compile(rb"\.text\b|\[\s*[\"']text[\"']\s*\]|\.get\(\s*[\"']text[\"']")

TOOL_FAILURE_SIGNS = ("internal error", "please report", "Traceback (most recent call last)")

# Filled as packages are scored; the terminal summary (tests/conftest.py) reads it.
SCORED: dict[str, Outcome] = {}


@dataclass
class Outcome:
    package: Package
    counts: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    # Each silent or failing site, for the report: path inside the cache, line, kind, code.
    details: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Finding:
    code: str
    cell: int
    line: int
    end_line: int
    fix: str
    message: str


# The largest package takes a few seconds per command; a command that takes this long
# hangs (seen: a module-level `global` statement), and the package's remaining commands
# are not run.
TIMEOUT = 30.0


class Hung(Exception):
    pass


def migrator(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "migrator", args[0], "--isolated", "--no-cache"]
    command += ["--no-respect-gitignore", "--sdk", "auto", "--jobs", "1", *args[1:]]
    try:
        return subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=cwd, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired as error:
        raise Hung(f"`migrator {' '.join(args)}` did not finish in {TIMEOUT:.0f} s") from error


def _snapshot_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in census.source_files(root)}


def _findings(
    done: subprocess.CompletedProcess[str], root: Path, cwd: Path
) -> tuple[dict[str, list[_Finding]], list[dict[str, Any]]]:
    try:
        data = json.loads(done.stdout)
    except ValueError:  # the command failed; `run` recorded how
        return {}, []
    found: dict[str, list[_Finding]] = {}
    for item in data["findings"]:
        path = str((cwd / item["path"]).resolve().relative_to(root.resolve()))
        found.setdefault(path, []).append(
            _Finding(
                item["code"],
                item["cell"] or 0,
                item["line"],
                item["end_line"],
                item["fix"],
                item["message"],
            )
        )
    return found, list(data["errors"])


def _covered(site: census.Site, findings: list[_Finding]) -> bool:
    return any(
        f.cell == site.cell and f.line <= site.end_line and f.end_line >= site.line
        for f in findings
    )


def _census(files: dict[str, bytes], root: Path) -> dict[str, census.FileCensus]:
    return {path: census.census_file(root / path, data) for path, data in files.items()}


def score(package: Package, workdir: Path) -> Outcome:
    source = package_dir(package)
    cached = str(source)
    root = workdir / package.id
    shutil.copytree(source, root)
    problems: list[str] = []
    details: list[dict[str, Any]] = []

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = migrator(workdir, *args, package.id)
        output = done.stdout + done.stderr
        if done.returncode not in (0, 1):
            problems.append(
                f"`migrator {' '.join(args)}` exited {done.returncode}:\n{done.stderr[-2000:]}"
            )
        for line in output.splitlines():
            if any(sign in line for sign in TOOL_FAILURE_SIGNS):
                problems.append(f"`migrator {args[0]}`: {line.strip()}")
                details.append({"failure": "tool error", "command": args[0], "line": line.strip()})
        return done

    original = _snapshot_files(root)
    census_before = _census(original, root)
    first: dict[str, list[_Finding]] = {}
    second: dict[str, list[_Finding]] = {}
    errors_before: list[dict[str, Any]] = []
    errors_after: list[dict[str, Any]] = []
    try:
        first, errors_before = _findings(run("check", "--output-format", "json"), root, workdir)
        run("fix", "--unsafe-fixes")
        fixed = _snapshot_files(root)
        if fixed == original:
            # Same bytes, same results: the second check and fix would repeat the first.
            second, errors_after, again = first, errors_before, fixed
        else:
            second, errors_after = _findings(run("check", "--output-format", "json"), root, workdir)
            run("fix", "--unsafe-fixes")
            again = _snapshot_files(root)
    except Hung as error:
        # What was not found counts as silent; the files are scored as they are now.
        problems.append(f"{error}: the tool hangs on this package")
        details.append({"failure": "hang", "line": str(error)})
        fixed = again = _snapshot_files(root)
    census_after = _census(fixed, root)

    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    written: Counter[str] = Counter()
    counts["files"] = len(original)
    counts["unparsable_originals"] = sum(not c.parsed for c in census_before.values())
    for path, before in sorted(census_before.items()):
        after = census_after.get(path, census.FileCensus([], [], parsed=False))
        counts["sites"] += len(before.sites)
        counts["excluded_other_sdk"] += len(before.excluded)
        counts["files_with_sites"] += bool(before.sites)
        kinds.update(site.kind for site in before.sites)
        for site in before.sites:
            if not _covered(site, first.get(path, [])):
                counts["silent_before_fix"] += 1
                details.append(
                    {
                        "failure": "silent before fix",
                        "path": f"{cached}/{path}",
                        "where": site.where(),
                        "kind": site.kind,
                        "code": site.text,
                    }
                )
        counts["migrated"] += max(0, len(before.sites) - len(after.sites))
        counts["sites_added_by_fix"] += max(0, len(after.sites) - len(before.sites))
        for site in after.sites:
            if _covered(site, second.get(path, [])):
                counts["reported"] += 1
            else:
                counts["silent"] += 1
                details.append(
                    {
                        "failure": "silent after fix",
                        "path": f"{cached}/{path}",
                        "where": f"{site.where()} (in the fixed file)",
                        "kind": site.kind,
                        "code": site.text,
                    }
                )
        if fixed[path] != original[path]:
            counts["files_changed"] += 1
            reads_before = len(LEGACY_READ.findall(original[path]))
            reads_after = len(LEGACY_READ.findall(fixed[path]))
            if reads_after < reads_before and len(after.sites) >= len(before.sites):
                counts["half_migrated_files"] += 1
                details.append(
                    {
                        "failure": "reads rewritten, no call migrated",
                        "path": f"{cached}/{path}",
                        "message": f"{reads_before - reads_after} legacy text read(s) rewritten; "
                        f"census sites {len(before.sites)} before, {len(after.sites)} after",
                    }
                )
            for label, pattern in WRITTEN.items():
                written[label] += max(
                    0, len(pattern.findall(fixed[path])) - len(pattern.findall(original[path]))
                )
            if before.parsed and not census.parses(root / path, fixed[path]):
                counts["unparsable_outputs"] += 1
                details.append({"failure": "fix output does not parse", "path": f"{cached}/{path}"})
        if again.get(path) != fixed[path]:
            counts["non_idempotent"] += 1
            details.append({"failure": "second fix changed the file", "path": f"{cached}/{path}"})
        for label, findings, data in (
            ("before fix", first, original[path]),
            ("after fix", second, fixed[path]),
        ):
            oai001 = [f for f in findings.get(path, []) if f.code == "OAI001"]
            lines = census.call_lines(root / path, data) if oai001 else set()
            for finding in oai001:
                if (finding.cell, finding.line) not in lines:
                    counts["oai001_off_call"] += 1
                    details.append(
                        {
                            "failure": f"OAI001 on a line with no call ({label})",
                            "path": f"{cached}/{path}",
                            "where": f"{f'cell {finding.cell}:' if finding.cell else ''}{finding.line}",
                            "message": finding.message,
                        }
                    )
    counts["tool_errors_before"] = len(errors_before)
    counts["tool_errors_after"] = len(errors_after)
    counts["hung_commands"] = sum(d["failure"] == "hang" for d in details)
    for entry in [*errors_before, *errors_after]:
        if any(sign in entry["message"] for sign in TOOL_FAILURE_SIGNS):
            problems.append(f"{entry['path']}: {entry['message']}")

    result: dict[str, Any] = {
        key: counts[key]
        for key in (
            "files",
            "files_with_sites",
            "sites",
            "excluded_other_sdk",
            "silent_before_fix",
            "migrated",
            "reported",
            "silent",
            "sites_added_by_fix",
            "files_changed",
            "unparsable_originals",
            "unparsable_outputs",
            "half_migrated_files",
            "non_idempotent",
            "oai001_off_call",
            "tool_errors_before",
            "tool_errors_after",
            "hung_commands",
        )
    }
    result["sites_by_kind"] = dict(sorted(kinds.items()))
    result["fix_wrote"] = {label: written[label] for label in WRITTEN}
    result["findings_before"] = dict(
        sorted(Counter(f.code for fs in first.values() for f in fs).items())
    )
    result["findings_after"] = dict(
        sorted(Counter(f.code for fs in second.values() for f in fs).items())
    )

    for key, what in (
        ("silent_before_fix", "census sites with no finding in the first check"),
        ("silent", "census sites left after fix with no finding"),
        ("sites_added_by_fix", "census sites that the fix added"),
        ("unparsable_outputs", "fixed files that do not parse"),
        ("half_migrated_files", "files where the fix rewrote reads but migrated no call"),
        ("non_idempotent", "files a second fix changed"),
        ("oai001_off_call", "OAI001 findings on a line that holds no call"),
    ):
        if result[key]:
            problems.append(f"{result[key]} {what}")
    outcome = Outcome(package, result, problems, details)
    SCORED[package.id] = outcome
    return outcome


def score_all(packages: list[Package], jobs: int = 2) -> dict[str, Outcome]:
    from concurrent.futures import ThreadPoolExecutor

    workdir = Path(tempfile.mkdtemp(prefix="migrator-realcode-"))
    try:
        with ThreadPoolExecutor(jobs) as pool:
            futures = {p.id: pool.submit(score, p, workdir) for p in packages}
            return {key: future.result() for key, future in futures.items()}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# -- the snapshot and the summary ------------------------------------------------------

TOTAL_KEYS = (
    "files",
    "sites",
    "excluded_other_sdk",
    "silent_before_fix",
    "migrated",
    "reported",
    "silent",
    "sites_added_by_fix",
    "files_changed",
    "unparsable_outputs",
    "half_migrated_files",
    "non_idempotent",
    "oai001_off_call",
    "hung_commands",
)


def load_snapshot() -> dict[str, Any]:
    if not SNAPSHOT.is_file():
        return {}
    data: dict[str, Any] = json.loads(SNAPSHOT.read_text())
    return data


def totals(entries: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {key: sum(int(entry[key]) for entry in entries.values()) for key in TOTAL_KEYS}


def write_snapshot(outcomes: dict[str, Outcome]) -> None:
    data = load_snapshot()
    packages = dict(data.get("packages", {}))
    for key, outcome in outcomes.items():
        packages[key] = outcome.counts
    known = {p.id for p in PACKAGES}
    packages = {key: value for key, value in sorted(packages.items()) if key in known}
    snapshot = {"packages": packages, "totals": totals(packages)}
    SNAPSHOT.write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n")
    RESULTS.write_text(results_markdown(packages))


def results_markdown(packages: dict[str, dict[str, Any]]) -> str:
    total = totals(packages)
    by_id = {p.id: p for p in PACKAGES}
    lines = [
        "# Real-code stage: results",
        "",
        "Written by `pytest tests/realcode --update-realcode` (review the diff before committing).",
        "Old releases of public packages, scored by the independent census",
        "(`tests/realcode/census.py`); see `tests/realcode/score.py` for the definitions.",
        "",
        f"**Totals** ({len(packages)} packages, {total['files']} files): "
        f"{total['sites']} legacy sites; after `fix --unsafe-fixes`: {total['migrated']} migrated, "
        f"{total['reported']} still reported, **{total['silent']} silent** "
        f"({total['silent_before_fix']} silent already before the fix); "
        f"{total['unparsable_outputs']} unparsable outputs, {total['non_idempotent']} non-idempotent files, "
        f"{total['half_migrated_files']} files with reads rewritten but no call migrated, "
        f"{total['oai001_off_call']} OAI001 findings on a line with no call, "
        f"{total['hung_commands']} package(s) on which the tool hangs; "
        f"{total['excluded_other_sdk']} look-alike sites of other SDKs left out.",
        "",
        "| package | files | sites | silent before | migrated | reported | silent | unparsable | half-migrated | non-idempotent | OAI001 off a call | hangs | fix wrote (v0 chat / v1 chat) | openai pin |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for key, entry in packages.items():
        package = by_id.get(key)
        label = f"{package.name} {package.version}" if package else key
        wrote = " / ".join(str(n) for n in entry.get("fix_wrote", {}).values()) or "-"
        lines.append(
            f"| {label} | {entry['files']} | {entry['sites']} | {entry['silent_before_fix']} | "
            f"{entry['migrated']} | {entry['reported']} | {entry['silent']} | {entry['unparsable_outputs']} | "
            f"{entry['half_migrated_files']} | {entry['non_idempotent']} | {entry['oai001_off_call']} | "
            f"{entry['hung_commands']} | {wrote} | "
            f"{package.pin.replace('|', '/') if package else ''} |"
        )
    lines += ["", "What each package is in the corpus for:", ""]
    for package in PACKAGES:
        lines.append(f"- **{package.name} {package.version}** ({package.dist}): {package.why}")
    return "\n".join(lines) + "\n"


def summary_lines(outcomes: dict[str, Outcome]) -> list[str]:
    total = totals({key: o.counts for key, o in outcomes.items()})
    return [
        f"real code: {len(outcomes)} packages, {total['sites']} legacy sites: "
        f"{total['migrated']} migrated, {total['reported']} reported, {total['silent']} silent "
        f"(before fix: {total['silent_before_fix']} silent); "
        f"{total['unparsable_outputs']} unparsable outputs, {total['non_idempotent']} non-idempotent, "
        f"{total['half_migrated_files']} half-migrated files, "
        f"{total['oai001_off_call']} OAI001 off a call, {total['hung_commands']} hung",
    ]


def write_last_run(outcomes: dict[str, Outcome]) -> Path:
    """Details of the last run (every silent site, every failure) beside the cache."""
    from tests.realcode.corpus import cache_root

    path = cache_root() / "last-run.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        key: {"counts": o.counts, "problems": o.problems, "details": o.details}
        for key, o in sorted(outcomes.items())
    }
    staging = path.with_suffix(f".{os.getpid()}.tmp")
    staging.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(staging, path)
    return path
