"""GitHub Actions workflow commands: one `::error` annotation per finding and per error,
a `::warning` per notebook cell that was skipped."""

from __future__ import annotations

from collections.abc import Sequence

from migrator.model import Finding
from migrator.reporters import RunSummary


def escape_data(text: str) -> str:
    """The message part of a workflow command (GitHub's toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A `key=value` property: `:` and `,` would end it (toolkit `escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _properties(pairs: Sequence[tuple[str, object]]) -> str:
    return ",".join(f"{key}={escape_property(str(value))}" for key, value in pairs)


def annotation(finding: Finding) -> str:
    # In a notebook GitHub shows the file's JSON: point at the line of the JSON string
    # that holds the source line, and say which cell and which line of it in the message.
    where = finding.location if finding.cell is None else finding.file_location
    pairs: list[tuple[str, object]] = [("file", finding.path)]
    if where is not None:
        pairs += [
            ("line", where.line),
            ("col", where.column),
            ("endLine", where.end_line),
            ("endColumn", where.end_column),
        ]
    pairs.append(("title", finding.code))
    cell = ""
    if finding.cell is not None:
        cell = f"cell {finding.cell}, line {finding.location.line}, column {finding.location.column}: "
    message = cell + finding.message + (f"\nhelp: {finding.advice}" if finding.advice else "")
    return f"::error {_properties(pairs)}::{escape_data(message)}"


def render(summary: RunSummary) -> str:
    lines = [
        f"::error file={escape_property(e.path)},title=migrator::{escape_data(e.message)}"
        for e in sorted(summary.errors, key=lambda e: e.path)
    ]
    for path, cells in sorted(summary.skipped):
        for cell in cells:
            pairs: list[tuple[str, object]] = [("file", path)]
            if cell.file_line is not None:
                pairs.append(("line", cell.file_line))
            pairs.append(("title", "migrator"))
            message = f"cell {cell.cell} was skipped: {cell.error.describe()} (in the cell)"
            lines.append(f"::warning {_properties(pairs)}::{escape_data(message)}")
    lines.extend(annotation(f) for f in sorted(summary.remaining, key=Finding.sort_key))
    return "\n".join(lines)
