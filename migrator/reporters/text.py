"""ruff-style text: `path:line:col: CODE [*] message`, then a summary of the run.

`check` ends with what it found and what `fix` would do with it; `fix` and `fix --diff`
end with what was (or would be) fixed and what is left, split by what it takes:
`--unsafe-fixes`, or a person. `--statistics` counts per rule instead of listing.
"""

from __future__ import annotations

from collections.abc import Sequence

from migrator.model import Applicability, Finding
from migrator.reporters import RuleInfo, RunSummary, skipped_message

CHECK, FIX, DIFF = "check", "fix", "diff"


def render(
    summary: RunSummary,
    *,
    fixing: bool,
    unsafe_fixes: bool,
    show_advice: bool = True,
    diff: bool = False,
    check_command: str = "migrator check .",
    show_fixes: bool = False,
) -> list[str]:
    """The whole report. With `diff`, only what goes under the diff: no finding lines."""
    lines: list[str] = []
    lines.extend(problem_lines(summary))
    if not diff:
        for finding in sorted(summary.remaining, key=Finding.sort_key):
            lines.append(finding_line(finding, marker=_fixable(finding, unsafe_fixes) and not fixing))
            if show_advice and finding.advice:
                lines.append(f"    help: {finding.advice}")
    lines.extend(f"note: {note}" for note in summary.notes)
    if show_fixes and summary.fixed:
        lines.extend(fixes_lines(summary, diff=diff))
    if fixing:
        lines.extend(fix_summary(summary, diff=diff, check_command=check_command))
    else:
        lines.extend(check_summary(summary, unsafe_fixes=unsafe_fixes))
    return lines


def problem_lines(summary: RunSummary) -> list[str]:
    """`path: error: ...` for files not checked, `path: warning: ...` for skipped cells."""
    lines = [f"{error.path}: error: {error.message}" for error in sorted(summary.errors, key=lambda e: e.path)]
    lines.extend(f"{path}: warning: {skipped_message(cells)}" for path, cells in sorted(summary.skipped))
    return lines


def where(finding: Finding) -> str:
    cell = f"cell {finding.cell}:" if finding.cell is not None else ""
    return f"{finding.path}:{cell}{finding.location.line}:{finding.location.column}:"


def finding_line(finding: Finding, *, marker: bool = False) -> str:
    return f"{where(finding)} {finding.code} {'[*] ' if marker else ''}{finding.message}"


def _fixable(finding: Finding, unsafe_fixes: bool) -> bool:
    return finding.fix is Applicability.SAFE or (finding.fix is Applicability.UNSAFE and unsafe_fixes)


def plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}{'es' if word.endswith(('x', 's')) else 's'}"


def fixes_lines(summary: RunSummary, *, diff: bool) -> list[str]:
    """`--show-fixes`: one line per fix, at its place in the file as it was read."""
    fixed = sorted(summary.fixed, key=Finding.sort_key)
    head = "Fixes in the diff:" if diff else "Fixes applied:"
    return [head, *(f"  {finding_line(f)}" for f in fixed)]


def _files(findings: Sequence[Finding]) -> int:
    return len({finding.path for finding in findings})


def left_line(remaining: Sequence[Finding], *, check_command: str, diff: bool = False, fixed: int = 0) -> str:
    """`21 findings left: 10 fixable with `--unsafe-fixes`, 11 manual (`migrator check .` lists them).`"""
    unsafe = sum(1 for f in remaining if f.fix is Applicability.UNSAFE)
    manual = sum(1 for f in remaining if f.fix is Applicability.NONE)
    # Safe fixes left over: their file was not written (an error above says why).
    other = len(remaining) - unsafe - manual
    parts = []
    if unsafe:
        parts.append(f"{unsafe} fixable with `--unsafe-fixes`")
    if manual:
        parts.append(f"{manual} manual")
    if other:
        parts.append(f"{other} not applied because of the errors above")
    if diff and fixed:
        # Nothing was written: the check lists the findings the diff fixes too, marked [*].
        return (
            f"{plural(len(remaining), 'finding')} would be left: {', '.join(parts)} "
            f"(`{check_command}` lists them, and marks [*] those this diff fixes)."
        )
    left = "would be left" if diff else "left"
    return f"{plural(len(remaining), 'finding')} {left}: {', '.join(parts)} (`{check_command}` lists them)."


def fix_summary(summary: RunSummary, *, diff: bool, check_command: str) -> list[str]:
    """What `fix` fixed (`fix --diff` would fix), and what is left."""
    fixed, remaining = summary.fixed, summary.remaining
    lines: list[str] = []
    if not summary.findings and not summary.incomplete:
        return [f"All checks passed ({plural(summary.files_checked, 'file')} checked)."]
    if fixed:
        files = _files(fixed)
        head = "Would fix" if diff else "Fixed"
        lines.append(f"{head} {plural(len(fixed), 'finding')} in {plural(files, 'file')}.")
    elif summary.findings:
        lines.append("No fixes would be applied." if diff else "No fixes applied.")
    if remaining:
        lines.append(left_line(remaining, check_command=check_command, diff=diff, fixed=len(fixed)))
    elif summary.findings:
        lines.append("Nothing would be left to migrate." if diff else "Nothing is left to migrate.")
    lines.extend(_incomplete_lines(summary))
    return lines


def check_summary(summary: RunSummary, *, unsafe_fixes: bool) -> list[str]:
    remaining = summary.remaining
    lines: list[str] = []
    if not summary.findings and not summary.incomplete:
        return [f"All checks passed ({plural(summary.files_checked, 'file')} checked)."]
    if summary.findings:
        lines.append(
            f"Found {plural(len(summary.findings), 'finding')} in {plural(_files(summary.findings), 'file')}."
        )
    safe = sum(1 for f in remaining if f.fix is Applicability.SAFE)
    unsafe = sum(1 for f in remaining if f.fix is Applicability.UNSAFE)
    if safe or (unsafe and unsafe_fixes):
        fixable = safe + (unsafe if unsafe_fixes else 0)
        flag = " --unsafe-fixes" if unsafe_fixes and unsafe else ""
        lines.append(f"[*] {fixable} fixable with `migrator fix{flag}`.")
    if unsafe and not unsafe_fixes:
        lines.append(f"{plural(unsafe, 'hidden fix')} can be enabled with the `--unsafe-fixes` option.")
    lines.extend(_incomplete_lines(summary))
    return lines


def _incomplete_lines(summary: RunSummary) -> list[str]:
    lines = []
    if summary.errors:
        lines.append(f"{plural(len(summary.errors), 'file')} could not be checked (see errors above).")
    if summary.skipped:
        cells = sum(len(cells) for _, cells in summary.skipped)
        lines.append(
            f"{plural(cells, 'notebook cell')} could not be checked (see warnings above); "
            "the rest of each notebook was."
        )
    return lines


def statistics(summary: RunSummary, rules: Sequence[RuleInfo], *, unsafe_fixes: bool) -> list[tuple[str, str, int, int]]:
    """(code, name, count, fixable count) per rule code, most findings first (ruff's order)."""
    names = {rule.code: rule.name for rule in rules}
    counts: dict[str, list[int]] = {}
    for finding in summary.remaining:
        entry = counts.setdefault(finding.code, [0, 0])
        entry[0] += 1
        entry[1] += _fixable(finding, unsafe_fixes)
    ordered = sorted(counts.items(), key=lambda item: (-item[1][0], item[0]))
    return [(code, names.get(code, code), count, fixable) for code, (count, fixable) in ordered]


def statistics_lines(summary: RunSummary, rules: Sequence[RuleInfo], *, unsafe_fixes: bool) -> list[str]:
    """ruff's `--statistics`: `count<TAB>code<TAB>[*] name`; `[*]` all fixable, `[-]` some,
    `[ ]` none (the markers only when something is fixable)."""
    rows = statistics(summary, rules, unsafe_fixes=unsafe_fixes)
    lines = problem_lines(summary)
    if rows:
        count_width = max(len(str(count)) for _, _, count, _ in rows)
        code_width = max(len(code) for code, _, _, _ in rows)
        any_fixable = any(fixable for _, _, _, fixable in rows)
        for code, name, count, fixable in rows:
            marker = ""
            if any_fixable:
                marker = "[*] " if fixable == count else "[-] " if fixable else "[ ] "
            lines.append(f"{count:>{count_width}}\t{code:<{code_width}}\t{marker}{name}")
    lines.extend(check_summary(summary, unsafe_fixes=unsafe_fixes))
    return lines


def findings_only(lines: list[str]) -> list[str]:
    """`--quiet`: the `path:line:col:`, `path: error:` and `path: warning:` lines, no help
    and no summary."""
    return [line for line in lines if ":" in line.split(" ")[0] and not line.startswith("note: ")]
