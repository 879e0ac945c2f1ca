"""SARIF 2.1.0, as GitHub code scanning reads it: rules with help, results, fixes."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from migrator.model import Applicability, Finding, Location
from migrator.reporters import RuleInfo, RunSummary

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def artifact_uri(path: str) -> str:
    """A relative URI for relative paths (code scanning resolves it against the checkout)."""
    posix = path.replace(os.sep, "/")
    if PurePath(path).is_absolute():
        return "file://" + quote(posix if posix.startswith("/") else "/" + posix)
    return quote(posix[2:] if posix.startswith("./") else posix)


def region(location: Location) -> dict[str, int]:
    return {
        "startLine": location.line,
        "startColumn": location.column,
        "endLine": location.end_line,
        "endColumn": location.end_column,
    }


def _rule(info: RuleInfo) -> dict[str, Any]:
    first_paragraph = info.documentation.split("\n\n")[0].strip() or info.summary
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": first_paragraph},
        "help": {"text": info.documentation or info.summary, "markdown": info.documentation or info.summary},
        "defaultConfiguration": {"level": "error"},
    }


def _result(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    uri = artifact_uri(finding.path)
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    cell = ""
    if finding.cell is None:
        physical["region"] = region(finding.location)
    else:
        # Code scanning shows the notebook's JSON: the region is where the source line is
        # written in it; the cell and the position in the cell go in the message and in
        # the properties.
        if finding.file_location is not None:
            physical["region"] = region(finding.file_location)
        where = finding.location
        cell = f"cell {finding.cell}, line {where.line}, column {where.column}: "
    message = cell + finding.message + (f" (help: {finding.advice})" if finding.advice else "")
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": "error",
        "message": {"text": message},
        "locations": [{"physicalLocation": physical}],
    }
    if finding.cell is not None:
        where = finding.location
        result["properties"] = {
            "cell": finding.cell,
            "cellLine": where.line,
            "cellColumn": where.column,
            "cellEndLine": where.end_line,
            "cellEndColumn": where.end_column,
        }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    # A notebook's regions are within a cell, which a SARIF replacement cannot address.
    if finding.replacement is not None and finding.cell is None:
        label = "unsafe fix (needs --unsafe-fixes)" if finding.fix is Applicability.UNSAFE else "safe fix"
        result["fixes"] = [
            {
                "description": {"text": f"{label}: migrator fix"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": uri},
                        "replacements": [
                            {
                                "deletedRegion": region(finding.replacement.location),
                                "insertedContent": {"text": finding.replacement.content},
                            }
                        ],
                    }
                ],
            }
        ]
    return result


def to_data(summary: RunSummary, rules: Sequence[RuleInfo]) -> dict[str, Any]:
    rule_index = {info.code: index for index, info in enumerate(rules)}
    notifications = [
        {
            "level": "error",
            "message": {"text": error.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(error.path)}}}],
        }
        for error in sorted(summary.errors, key=lambda e: e.path)
    ]
    for path, cells in sorted(summary.skipped):
        for cell in cells:
            location: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(path)}}
            if cell.file_line is not None:
                location["region"] = {"startLine": cell.file_line}
            notifications.append(
                {
                    "level": "warning",
                    "message": {"text": f"cell {cell.cell} was skipped: {cell.error.describe()} (in the cell)"},
                    "locations": [{"physicalLocation": location}],
                    "properties": {"cell": cell.cell, "cellLine": cell.error.line, "cellColumn": cell.error.column},
                }
            )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": summary.tool.name,
                        "version": summary.tool.version,
                        "informationUri": summary.tool.homepage,
                        "rules": [_rule(info) for info in rules],
                    }
                },
                # LibCST columns count code points, not UTF-16 units (SARIF's default).
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {"executionSuccessful": True, "toolExecutionNotifications": notifications}
                ],
                "results": [_result(f, rule_index) for f in sorted(summary.remaining, key=Finding.sort_key)],
            }
        ],
    }


def render(summary: RunSummary, rules: Sequence[RuleInfo]) -> str:
    return json.dumps(to_data(summary, rules), indent=2, ensure_ascii=False)
