"""`migrator report` output: the plan as text, markdown or JSON (stable; see README)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from migrator.plan import Counts, Plan

PLAN_SCHEMA_VERSION = 1
FORMATS = ("text", "markdown", "json")


def render(plan: Plan, output_format: str) -> str:
    if output_format == "json":
        return json.dumps(to_data(plan), indent=2, ensure_ascii=False)
    if output_format == "markdown":
        return "\n".join(_markdown(plan))
    return "\n".join(_text(plan))


def _counts(counts: Counts) -> dict[str, int]:
    return {"total": counts.total, "safe": counts.safe, "unsafe": counts.unsafe, "manual": counts.manual}


def to_data(plan: Plan) -> dict[str, Any]:
    return {
        "tool": {"name": plan.tool.name, "version": plan.tool.version},
        "schema_version": PLAN_SCHEMA_VERSION,
        "paths": plan.paths,
        "files_checked": plan.files_checked,
        "files_with_findings": len(plan.files),
        "totals": _counts(plan.totals),
        "rules": [
            {"code": r.code, "name": r.name, "summary": r.summary, **_counts(r.counts)} for r in plan.rules
        ],
        "files": [{"path": f.path, **_counts(f.counts)} for f in plan.files],
        "subjects": [
            {
                "code": g.code,
                "name": g.name,
                "summary": g.summary,
                "items": [asdict(s) for s in g.subjects],
                "more": g.more,
            }
            for g in plan.subjects
        ],
        "errors": [{"path": e.path, "message": e.message} for e in plan.errors],
        "skipped_cells": [{"path": path, "message": message} for path, message in plan.skipped],
        "notes": list(plan.notes),
        "next_steps": [{"command": s.command, "why": s.why} for s in plan.steps],
    }


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if index else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths))
        ).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _count_cells(counts: Counts) -> list[str]:
    return [str(counts.total), str(counts.safe), str(counts.unsafe), str(counts.manual)]


COUNT_HEADERS = ["total", "safe", "unsafe", "manual"]


def _subject_line(text: str, becomes: str | None, fix: str, count: int) -> str:
    target = f"-> {becomes} ({fix})" if becomes is not None else "-> manual"
    return f"{text}  {target}  x{count}"


def _text(plan: Plan) -> list[str]:
    t = plan.totals
    lines = [
        "Migration plan",
        f"{plan.files_checked} file(s) checked, {len(plan.files)} with findings, {t.total} finding(s): "
        f"{t.safe} safe, {t.unsafe} fixable with --unsafe-fixes, {t.manual} manual.",
    ]
    if plan.notes:
        lines += ["", "Notes:"]
        lines += [f"  {note}" for note in plan.notes]
    if plan.errors:
        lines += ["", "Files that could not be checked:"]
        lines += [f"  {e.path}: {e.message}" for e in plan.errors]
    if plan.skipped:
        lines += ["", "Notebook cells that could not be checked:"]
        lines += [f"  {path}: {message}" for path, message in plan.skipped]
    if plan.rules:
        lines += ["", "By rule:"]
        rows = [[f"{r.code} {r.name}", *_count_cells(r.counts)] for r in plan.rules]
        lines += ["  " + line for line in _table(["rule", *COUNT_HEADERS], rows)]
    if plan.files:
        lines += ["", "By file (most findings first):"]
        rows = [[f.path, *_count_cells(f.counts)] for f in plan.files]
        lines += ["  " + line for line in _table(["file", *COUNT_HEADERS], rows)]
    for group in plan.subjects:
        lines += ["", f"{group.code} {group.name}: {group.summary}"]
        lines += ["  " + _subject_line(s.text, s.becomes, s.fix, s.count) for s in group.subjects]
        if group.more:
            lines.append(f"  ... and {group.more} more")
    lines += ["", "Next steps:"] if plan.steps else ["", "Nothing to migrate."]
    for number, step in enumerate(plan.steps, start=1):
        lines += [f"  {number}. {step.command}", f"     {step.why}"]
    return lines


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _md_code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


def _markdown(plan: Plan) -> list[str]:
    t = plan.totals
    lines = [
        "## Migration plan",
        "",
        f"{plan.files_checked} file(s) checked, {len(plan.files)} with findings, **{t.total}** finding(s): "
        f"{t.safe} safe, {t.unsafe} fixable with `--unsafe-fixes`, {t.manual} manual.",
    ]
    if plan.notes:
        lines += ["", "### Notes", ""]
        lines += [f"- {note}" for note in plan.notes]
    if plan.errors:
        lines += ["", "### Files that could not be checked", ""]
        lines += [f"- {_md_code(e.path)}: {e.message}" for e in plan.errors]
    if plan.skipped:
        lines += ["", "### Notebook cells that could not be checked", ""]
        lines += [f"- {_md_code(path)}: {message}" for path, message in plan.skipped]
    if plan.rules:
        lines += ["", "### By rule", ""]
        rows = [[f"{r.code} {r.name}", *_count_cells(r.counts)] for r in plan.rules]
        lines += _md_table(["rule", *COUNT_HEADERS], rows)
    if plan.files:
        lines += ["", "### By file", ""]
        rows = [[_md_code(f.path), *_count_cells(f.counts)] for f in plan.files]
        lines += _md_table(["file", *COUNT_HEADERS], rows)
    for group in plan.subjects:
        lines += ["", f"### {group.code} {group.name}: {group.summary}", ""]
        rows = [
            [_md_code(s.text), _md_code(s.becomes) if s.becomes is not None else "manual", s.fix, str(s.count)]
            for s in group.subjects
        ]
        lines += _md_table(["flagged", "becomes", "fix", "count"], rows)
        if group.more:
            lines += ["", f"... and {group.more} more"]
    lines += ["", "### Next steps", ""]
    if not plan.steps:
        lines.append("Nothing to migrate.")
    for number, step in enumerate(plan.steps, start=1):
        lines.append(f"{number}. `{step.command}`: {step.why}")
    return lines
