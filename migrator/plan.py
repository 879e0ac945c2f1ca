"""The migration plan behind `migrator report`: plain data built from one `check` run.

Knows nothing of the rules' subject: rule names and summaries come from the rule pack, and what
each finding is about is the flagged code itself (a model name, a parameter).
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

from migrator.model import Applicability, FileError, Finding
from migrator.reporters import RuleInfo, RunSummary, Tool, skipped_message

# Flagged code longer than this is a construct (a whole call), not a subject worth listing.
SUBJECT_MAX_CHARS = 60
SUBJECTS_PER_RULE = 10


@dataclass
class Counts:
    safe: int = 0
    unsafe: int = 0
    manual: int = 0

    @property
    def total(self) -> int:
        return self.safe + self.unsafe + self.manual

    def add(self, finding: Finding) -> None:
        if finding.fix is Applicability.SAFE:
            self.safe += 1
        elif finding.fix is Applicability.UNSAFE:
            self.unsafe += 1
        else:
            self.manual += 1


@dataclass
class RuleRow:
    code: str
    name: str
    summary: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class FileRow:
    path: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class Subject:
    text: str  # the flagged code, e.g. a model name literal or `echo=True`
    becomes: Optional[str]  # what the fix writes instead, None when it is manual
    fix: str
    count: int


@dataclass
class SubjectGroup:
    code: str
    name: str
    summary: str
    subjects: list[Subject]
    more: int = 0  # distinct subjects left out


@dataclass
class Step:
    command: str
    why: str


@dataclass
class Plan:
    paths: list[str]
    files_checked: int
    totals: Counts
    rules: list[RuleRow]
    files: list[FileRow]
    subjects: list[SubjectGroup]
    errors: list[FileError]
    steps: list[Step]
    notes: list[str] = field(default_factory=list)  # what the rules said about the whole run
    # Notebooks whose other cells were checked: (path, which cells were skipped and why).
    skipped: list[tuple[str, str]] = field(default_factory=list)
    tool: Tool = field(default_factory=Tool)


def build_plan(
    summary: RunSummary,
    rules: Sequence[RuleInfo],
    paths: Sequence[str],
    option_flags: Sequence[str] = (),
    given_options: Sequence[str] = (),
) -> Plan:
    """`option_flags`: the rule pack's command-line options that change what fixes do;
    `given_options`: those given to this run (`--target responses`), which every command
    the plan suggests repeats."""
    findings = sorted(summary.findings, key=Finding.sort_key)
    info = {rule.code: rule for rule in rules}
    totals = Counts()
    by_rule: dict[str, RuleRow] = {}
    by_file: dict[str, FileRow] = {}
    for finding in findings:
        totals.add(finding)
        rule = info.get(finding.code, RuleInfo(finding.code, finding.code, "", ""))
        by_rule.setdefault(finding.code, RuleRow(rule.code, rule.name, rule.summary)).counts.add(finding)
        by_file.setdefault(finding.path, FileRow(finding.path)).counts.add(finding)
    order = {rule.code: index for index, rule in enumerate(rules)}
    rule_rows = sorted(by_rule.values(), key=lambda row: (order.get(row.code, len(order)), row.code))
    # Top files first: where most of the work is; the path breaks ties so output is stable.
    file_rows = sorted(by_file.values(), key=lambda row: (-row.counts.total, row.path))
    return Plan(
        tool=summary.tool,
        paths=list(paths),
        files_checked=summary.files_checked,
        totals=totals,
        rules=rule_rows,
        files=file_rows,
        subjects=_subjects(findings, rule_rows),
        errors=sorted(summary.errors, key=lambda e: e.path),
        steps=_steps(totals, summary.errors, paths, option_flags, given_options),
        notes=list(summary.notes),
        skipped=[(path, skipped_message(cells)) for path, cells in sorted(summary.skipped)],
    )


def _subjects(findings: Sequence[Finding], rules: Sequence[RuleRow]) -> list[SubjectGroup]:
    groups = []
    for rule in rules:
        mine = [f for f in findings if f.code == rule.code]
        texts = [" ".join((f.source or "").split()) for f in mine]
        # Only rules that flag names and values (not whole statements) have subjects.
        if not mine or any(not t or len(t) > SUBJECT_MAX_CHARS for t in texts):
            continue
        counter: Counter[tuple[str, Optional[str], str]] = Counter()
        for finding, text in zip(mine, texts):
            becomes = finding.replacement.content if finding.replacement else None
            counter[(text, becomes, finding.fix.value)] += 1
        ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0][0], item[0][1] or ""))
        subjects = [Subject(t, b, fix, n) for (t, b, fix), n in ranked[:SUBJECTS_PER_RULE]]
        groups.append(
            SubjectGroup(rule.code, rule.name, rule.summary, subjects, max(0, len(ranked) - SUBJECTS_PER_RULE))
        )
    return groups


def _steps(
    totals: Counts,
    errors: Sequence[FileError],
    paths: Sequence[str],
    option_flags: Sequence[str],
    given_options: Sequence[str] = (),
) -> list[Step]:
    where = " ".join([*given_options, *(shlex.quote(path) for path in paths)]) or "."
    steps = []
    if errors:
        steps.append(Step(f"migrator check {where}", f"{len(errors)} file(s) could not be checked: fix them first, they are listed above"))
    if totals.safe:
        steps.append(Step(f"migrator fix --diff {where}", f"preview the {totals.safe} safe fix(es)"))
        steps.append(Step(f"migrator fix {where}", "apply the safe fixes"))
    if totals.unsafe:
        hint = f"; setting {' or '.join(option_flags)} can make some of them safe" if option_flags else ""
        steps.append(
            Step(
                f"migrator fix --diff --unsafe-fixes {where}",
                f"review the {totals.unsafe} fix(es) that may change behaviour{hint}",
            )
        )
    if totals.manual:
        steps.append(
            Step(f"migrator fix --add-todo {where}", f"mark the {totals.manual} finding(s) that need a person with TODO comments")
        )
    if totals.total or errors:
        steps.append(Step(f"migrator check {where}", "what is left; in CI add `--output-format github`"))
    return steps
