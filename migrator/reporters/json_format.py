"""The JSON output of `check`: a stable, documented schema (see README)."""

from __future__ import annotations

import json
from typing import Any

from migrator import __version__
from migrator.reporters import RunSummary

SCHEMA_VERSION = 1


def to_data(summary: RunSummary) -> dict[str, Any]:
    return {
        "tool": {"name": "openai-chat-migrator", "version": __version__},
        "schema_version": SCHEMA_VERSION,
        "findings": [
            {
                "code": f.code,
                "message": f.message,
                "path": f.path,
                "line": f.location.line,
                "column": f.location.column,
                "end_line": f.location.end_line,
                "end_column": f.location.end_column,
                "fix": f.fix.value,
                "fixed": f.fixed,
                "advice": f.advice,
            }
            for f in sorted(summary.remaining, key=lambda f: f.sort_key())
        ],
        "errors": [{"path": e.path, "message": e.message} for e in sorted(summary.errors, key=lambda e: e.path)],
    }


def render(summary: RunSummary) -> str:
    return json.dumps(to_data(summary), indent=2, ensure_ascii=False)
