"""The JSON output of `check`: a stable, documented schema (see README, "JSON output")."""

from __future__ import annotations

import json
from typing import Any, Optional

from migrator.model import Finding, Location, Replacement
from migrator.reporters import RunSummary

SCHEMA_VERSION = 1


def location_data(location: Location) -> dict[str, int]:
    return {
        "line": location.line,
        "column": location.column,
        "end_line": location.end_line,
        "end_column": location.end_column,
    }


def _replacement(replacement: Optional[Replacement]) -> Optional[dict[str, Any]]:
    if replacement is None:
        return None
    return {"content": replacement.content, **location_data(replacement.location)}


def finding_data(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "message": f.message,
        "path": f.path,
        "cell": f.cell,  # notebooks: 1-based cell number; lines are then within the cell
        **location_data(f.location),
        "fix": f.fix.value,
        "fixed": f.fixed,
        "advice": f.advice,
        "replacement": _replacement(f.replacement),
    }


def to_data(summary: RunSummary) -> dict[str, Any]:
    return {
        "tool": {"name": summary.tool.name, "version": summary.tool.version},
        "schema_version": SCHEMA_VERSION,
        "files_checked": summary.files_checked,
        "findings": [finding_data(f) for f in sorted(summary.remaining, key=Finding.sort_key)],
        "errors": [{"path": e.path, "message": e.message} for e in sorted(summary.errors, key=lambda e: e.path)],
        # Notebook cells that do not parse: the rest of each notebook was checked.
        "skipped_cells": [
            {
                "path": path,
                "cell": cell.cell,
                "line": cell.error.line or None,
                "column": cell.error.column or None,
                "message": cell.error.describe(),
            }
            for path, cells in sorted(summary.skipped)
            for cell in cells
        ],
    }


def render(summary: RunSummary) -> str:
    return json.dumps(to_data(summary), indent=2, ensure_ascii=False)
