"""Turn run results into text for people and machines. Reporters never touch files."""

from __future__ import annotations

from dataclasses import dataclass, field

from migrator.model import FileError, FileResult, Finding, SkippedCell

FORMATS: tuple[str, ...] = ("text", "concise", "json", "sarif", "github", "junit")


@dataclass(frozen=True)
class Tool:
    """Who made the report: the distribution the rule pack makes of the engine."""

    name: str = "migrator"
    version: str = ""
    homepage: str = ""


@dataclass
class RunSummary:
    """Everything a reporter needs, collected from the per-file results."""

    tool: Tool = field(default_factory=Tool)
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files_checked: int = 0
    files_changed: int = 0
    files: list[str] = field(default_factory=list)  # in the order they were checked
    # Notebooks checked except for cells that do not parse: (path, those cells).
    skipped: list[tuple[str, list[SkippedCell]]] = field(default_factory=list)

    def add(self, result: FileResult) -> None:
        self.files_checked += 1
        self.files.append(result.path)
        self.findings.extend(result.findings)
        if result.error:
            self.errors.append(FileError(result.path, result.error))
        if result.skipped_cells:
            self.skipped.append((result.path, list(result.skipped_cells)))
        if result.new_source is not None or result.written:
            self.files_changed += 1
        self.notes.extend(f"{result.path}: {note}" for note in result.notes)
        self.notes.extend(note for note in result.run_notes if note not in self.notes)

    @property
    def incomplete(self) -> bool:
        """Some code was not checked: a file (or a notebook cell) could not be read or
        parsed. Such a run exits 1 at least, like one with findings."""
        return bool(self.errors or self.skipped)

    @property
    def remaining(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.fixed]

    @property
    def fixed(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.fixed]


def skipped_message(cells: list[SkippedCell]) -> str:
    """`cell 6 was skipped (syntax error at 1:12: invalid syntax); the other cells were checked`"""
    parts = [f"{cell.cell} ({cell.error.describe()})" for cell in cells]
    if len(parts) == 1:
        return f"cell {parts[0]} was skipped; the other cells were checked"
    return f"cells {', '.join(parts[:-1])} and {parts[-1]} were skipped; the other cells were checked"


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
    diff: bool = False  # `fix --diff`: the text is the summary under the diff
    statistics: bool = False  # `check --statistics`: counts per rule instead of findings
    show_fixes: bool = False  # `fix --show-fixes`: list each fix applied
    check_command: str = "migrator check ."  # the command that lists what is left


STATISTICS_FORMATS = ("text", "concise", "json")


def render(output_format: str, summary: RunSummary, options: RenderOptions) -> str:
    """The whole report in one of FORMATS (imported lazily: each is used alone)."""
    if options.statistics:
        return _statistics(output_format, summary, options)
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
        diff=options.diff,
        check_command=options.check_command,
        show_fixes=options.show_fixes,
    )
    if options.quiet:
        lines = text.findings_only(lines)
    return "\n".join(lines)


def _statistics(output_format: str, summary: RunSummary, options: RenderOptions) -> str:
    from migrator.reporters import text

    if output_format == "json":
        import json

        rows = text.statistics(summary, options.rules, unsafe_fixes=options.unsafe_fixes)
        data = [
            {"code": code, "name": name, "count": count, "fixable": fixable == count, "fixable_count": fixable}
            for code, name, count, fixable in rows
        ]
        return json.dumps(data, indent=2)
    if output_format not in ("text", "concise"):
        raise ValueError(f"--statistics prints text or json, not {output_format}")
    lines = text.statistics_lines(summary, options.rules, unsafe_fixes=options.unsafe_fixes)
    if options.quiet:
        lines = [line for line in lines if "\t" in line or ": error: " in line or ": warning: " in line]
    return "\n".join(lines)
