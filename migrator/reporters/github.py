"""GitHub Actions workflow commands: one `::error` annotation per finding and per error."""

from __future__ import annotations

from migrator.model import Finding
from migrator.reporters import RunSummary


def escape_data(text: str) -> str:
    """The message part of a workflow command (GitHub's toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A `key=value` property: `:` and `,` would end it (toolkit `escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    where = finding.location
    properties = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in (
            ("file", finding.path),
            ("line", where.line),
            ("col", where.column),
            ("endLine", where.end_line),
            ("endColumn", where.end_column),
            ("title", finding.code),
        )
    )
    # In a notebook the line is within a cell; GitHub cannot point there, so say which.
    cell = f"cell {finding.cell}, line {where.line}: " if finding.cell is not None else ""
    message = cell + finding.message + (f"\nhelp: {finding.advice}" if finding.advice else "")
    return f"::error {properties}::{escape_data(message)}"


def render(summary: RunSummary) -> str:
    lines = [
        f"::error file={escape_property(e.path)},title=migrator::{escape_data(e.message)}"
        for e in sorted(summary.errors, key=lambda e: e.path)
    ]
    lines.extend(annotation(f) for f in sorted(summary.remaining, key=Finding.sort_key))
    return "\n".join(lines)
