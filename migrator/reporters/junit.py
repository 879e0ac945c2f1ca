"""JUnit XML: one test case per file checked, one failure per finding in it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from migrator.model import Finding
from migrator.reporters import RunSummary, skipped_message


def render(summary: RunSummary) -> str:
    by_file: dict[str, list[Finding]] = {path: [] for path in summary.files}
    for finding in sorted(summary.remaining, key=Finding.sort_key):
        by_file.setdefault(finding.path, []).append(finding)
    errors = {}
    for error in summary.errors:
        errors[error.path] = error.message
        by_file.setdefault(error.path, [])
    failures = sum(len(found) for found in by_file.values())
    counts = {"tests": str(len(by_file)), "failures": str(failures), "errors": str(len(errors))}
    root = ET.Element("testsuites", {"name": "migrator", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "migrator", **counts})
    skipped = {path: skipped_message(cells) for path, cells in summary.skipped}
    for path in sorted(by_file):
        case = ET.SubElement(suite, "testcase", {"name": path, "classname": "migrator", "file": path})
        if path in errors:
            ET.SubElement(case, "error", {"message": errors[path]}).text = errors[path]
        if path in skipped:
            # Not a failure of the file: its other cells were checked.
            ET.SubElement(case, "system-err").text = f"warning: {skipped[path]}"
        for finding in by_file[path]:
            where = f"{finding.location.line}:{finding.location.column}"
            element = ET.SubElement(
                case,
                "failure",
                {"type": finding.code, "message": f"{where}: {finding.code} {finding.message}"},
            )
            element.text = f"{path}:{where}: {finding.code} {finding.message}" + (
                f"\nhelp: {finding.advice}" if finding.advice else ""
            )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
