"""Turn run results into text for people and machines. Reporters never touch files."""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator.model import FileError, FileResult, Finding


@dataclass
class RunSummary:
    """Everything a reporter needs, collected from the per-file results."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files_checked: int = 0
    files_changed: int = 0

    def add(self, result: FileResult) -> None:
        self.files_checked += 1
        self.findings.extend(result.findings)
        if result.error:
            self.errors.append(FileError(result.path, result.error))
        if result.new_source is not None or result.written:
            self.files_changed += 1
        self.notes.extend(f"{result.path}: {note}" for note in result.notes)

    @property
    def remaining(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.fixed]

    @property
    def fixed(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.fixed]
