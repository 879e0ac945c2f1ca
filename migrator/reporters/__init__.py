"""Turn run results into text for people and machines. Reporters never touch files."""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator.model import FileError, FileResult, Finding

FORMATS: tuple[str, ...] = ("text", "concise", "json", "sarif", "github", "junit")


@dataclass
class RunSummary:
    """Everything a reporter needs, collected from the per-file results."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files_checked: int = 0
    files_changed: int = 0
    files: list[str] = field(default_factory=list)  # in the order they were checked

    def add(self, result: FileResult) -> None:
        self.files_checked += 1
        self.files.append(result.path)
        self.findings.extend(result.findings)
        if result.error:
            self.errors.append(FileError(result.path, result.error))
        if result.new_source is not None or result.written:
            self.files_changed += 1
        self.notes.extend(f"{result.path}: {note}" for note in result.notes)
        self.notes.extend(note for note in result.run_notes if note not in self.notes)

    @property
    def remaining(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.fixed]

    @property
    def fixed(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.fixed]


@dataclass(frozen=True)
class RuleInfo:
    """What an output format may say about a rule (SARIF lists them with their help)."""

    code: str
    name: str
    summary: str
    documentation: str


@dataclass(frozen=True)
class RenderOptions:
    fixing: bool = False
    unsafe_fixes: bool = False
    quiet: bool = False
    rules: tuple[RuleInfo, ...] = ()


def render(output_format: str, summary: RunSummary, options: RenderOptions) -> str:
    """The whole report in one of FORMATS (imported lazily: each is used alone)."""
    if output_format == "json":
        from migrator.reporters import json_format

        return json_format.render(summary)
    if output_format == "sarif":
        from migrator.reporters import sarif

        return sarif.render(summary, options.rules)
    if output_format == "github":
        from migrator.reporters import github

        return github.render(summary)
    if output_format == "junit":
        from migrator.reporters import junit

        return junit.render(summary)
    if output_format not in ("text", "concise"):
        raise ValueError(f"unknown output format {output_format!r}")
    from migrator.reporters import text

    lines = text.render(
        summary,
        fixing=options.fixing,
        unsafe_fixes=options.unsafe_fixes,
        show_advice=output_format == "text",
    )
    if options.quiet:
        lines = text.findings_only(lines)
    return "\n".join(lines)
