"""ruff-style text: `path:line:col: CODE [*] message`, then a one-line summary."""

from __future__ import annotations

from migrator.model import Applicability
from migrator.reporters import RunSummary


def render(summary: RunSummary, *, fixing: bool, unsafe_fixes: bool, show_advice: bool = True) -> list[str]:
    lines: list[str] = []
    for error in sorted(summary.errors, key=lambda e: e.path):
        lines.append(f"{error.path}: error: {error.message}")
    remaining = sorted(summary.remaining, key=lambda f: f.sort_key())
    for finding in remaining:
        cell = f"cell {finding.cell}:" if finding.cell is not None else ""
        where = f"{finding.path}:{cell}{finding.location.line}:{finding.location.column}:"
        marker = ""
        if finding.fix is Applicability.SAFE or (finding.fix is Applicability.UNSAFE and unsafe_fixes):
            marker = "[*] "
        lines.append(f"{where} {finding.code} {marker}{finding.message}")
        if show_advice and finding.advice:
            lines.append(f"    help: {finding.advice}")
    lines.extend(f"note: {note}" for note in summary.notes)
    lines.extend(_summary_lines(summary, fixing=fixing, unsafe_fixes=unsafe_fixes))
    return lines


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}{'es' if word.endswith(('x', 's')) else 's'}"


def _summary_lines(summary: RunSummary, *, fixing: bool, unsafe_fixes: bool) -> list[str]:
    remaining = summary.remaining
    fixed = summary.fixed
    lines: list[str] = []
    if not summary.findings and not summary.errors:
        lines.append(f"All checks passed ({_plural(summary.files_checked, 'file')} checked).")
        return lines
    if summary.findings:
        if fixing:
            lines.append(
                f"Found {_plural(len(summary.findings), 'finding')} "
                f"({len(fixed)} fixed, {len(remaining)} remaining)."
            )
        else:
            lines.append(f"Found {_plural(len(summary.findings), 'finding')}.")
    safe = sum(1 for f in remaining if f.fix is Applicability.SAFE)
    unsafe = sum(1 for f in remaining if f.fix is Applicability.UNSAFE)
    if not fixing and (safe or (unsafe and unsafe_fixes)):
        fixable = safe + (unsafe if unsafe_fixes else 0)
        flag = " --unsafe-fixes" if unsafe_fixes and unsafe else ""
        lines.append(f"[*] {fixable} fixable with `migrator fix{flag}`.")
    if unsafe and not unsafe_fixes:
        lines.append(
            f"{_plural(unsafe, 'hidden fix')} can be enabled with the `--unsafe-fixes` option."
        )
    if summary.errors:
        lines.append(f"{_plural(len(summary.errors), 'file')} could not be checked (see errors above).")
    return lines


def findings_only(lines: list[str]) -> list[str]:
    """`--quiet`: the `path:line:col:` and `path: error:` lines, no help and no summary."""
    return [line for line in lines if ":" in line.split(" ")[0] and not line.startswith("note: ")]
