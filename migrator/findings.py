"""From the rules' reports to findings and the edits a fix run applies.

A report is *hidden* when its rule is switched off (`--select`/`--ignore`) and *silenced*
when a suppression comment covers it. Both are left out of the findings, but neither is
dropped from its fix group: a silenced report blocks the group (the user said "leave
this alone"), and a hidden one weighs in the group as if it were shown, so a manual part
of a call keeps the whole call as it is whatever the selection. The selection chooses
what is shown, never which parts of a group are applied.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from migrator.model import Applicability, Finding, Location
from migrator.previews import location_of, region_text, replacement, replacement_target
from migrator.rule import Edit, Report
from migrator.settings import Settings
from migrator.suppression import UNUSED_CODE, SuppressionIndex

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import CodeRange

    from migrator.tree import ModuleIndex

TODO_PREFIX = "# TODO(migrator): "


@dataclass(frozen=True)
class ParsedFile:
    """One file as the engine holds it while turning reports into findings."""

    path: str
    module: cst.Module
    text: str  # the decoded source: the tree prints back to exactly this
    index: ModuleIndex
    native: Optional[ast.Module]  # CPython's tree of the same text, when it has one


@dataclass(frozen=True)
class Outcome:
    findings: list[Finding]
    edits: list[Edit]


def findings_and_edits(
    file: ParsedFile,
    reports: Sequence[Report],
    settings: Settings,
    known_codes: Sequence[str],
    *,
    fix: bool,
    previews: bool,
    fix_only: Optional[Collection[tuple[str, Location]]] = None,
) -> Outcome:
    from migrator.fixer import effective_applicability, fix_groups

    enabled = [code for code in known_codes if settings.rule_enabled(code)]
    if not reports and not settings.warn_unused_ignores:
        return Outcome([], [])
    suppressions = SuppressionIndex.from_source(file.text)
    if not reports:
        return Outcome(unused_suppressions(file.path, suppressions, enabled, known_codes), [])
    parent = file.index.parent
    lines = file.text.splitlines(keepends=True)
    statements = [statement_of(report.node, parent) for report in reports]
    targets = [replacement_target(report, parent) if previews else None for report in reports]
    positions = _positions(file, [*(r.node for r in reports), *targets], statements, previews)
    hidden = [not settings.rule_enabled(report.code) for report in reports]
    silenced = []
    for report, statement in zip(reports, statements):
        start = positions[report.node].start.line
        statement_line = positions[statement].start.line if statement is not None else start
        silenced.append(suppressions.silences(report.code, (start, statement_line)))

    levels = effective_applicability(reports, silenced)
    components = fix_groups(reports)
    group_of = {index: component for component in components for index in component}
    chosen = _groups_holding(reports, components, positions, fix_only) if fix_only is not None else None
    findings: list[Finding] = []
    edits: list[Edit] = []
    todos: set[tuple[int, str]] = set()
    for index, (report, level) in enumerate(zip(reports, levels)):
        applies = report.fix is not None and (
            level is Applicability.SAFE or (level is Applicability.UNSAFE and settings.unsafe_fixes)
        ) and (chosen is None or index in chosen)
        if fix and applies and report.fix is not None:
            edits.extend(report.fix.edits)
        if silenced[index] or hidden[index]:
            continue
        group = group_of[index]
        preview = None
        if previews and report.fix is not None and level is not Applicability.NONE:
            shared = [edit for i in group for edit in _edits_of(reports[i])]
            preview = replacement(targets[index], shared, file.module, lines, parent, positions, statements[index])
        location = location_of(positions[report.node])
        findings.append(
            Finding(
                code=report.code,
                message=report.message,
                path=file.path,
                location=location,
                fix=level,
                advice=_advice(
                    index, level, reports, [i for i in group if i != index], hidden, silenced, positions, lines
                ),
                fixed=fix and applies,
                replacement=preview,
                source=region_text(lines, location),
            )
        )
        statement = statements[index]
        # Only a finding that is manual itself gets a TODO: the members of its group that
        # are blocked by it would only repeat it.
        if fix and settings.add_todo and report.fix is None and statement is not None:
            note = " ".join((report.advice or report.message).split())
            key = (id(statement), note)
            if key not in todos and not _has_todo(lines, positions[statement].start.line, note):
                todos.add(key)
                edits.append(Edit(statement, _todo_adder(TODO_PREFIX + note)))
    if settings.warn_unused_ignores:
        findings.extend(unused_suppressions(file.path, suppressions, enabled, known_codes))
    findings.sort(key=Finding.sort_key)
    return Outcome(findings, edits)


def _advice(
    index: int,
    level: Applicability,
    reports: Sequence[Report],
    others: Sequence[int],
    hidden: Sequence[bool],
    silenced: Sequence[bool],
    positions: dict[Any, CodeRange],
    lines: Sequence[str],
) -> Optional[str]:
    """The report's own advice, or, for a fix its group holds back, which members do.

    A fixable finding shown as manual (or unsafe) would otherwise leave its reader
    guessing: the member that decides may be lines away, silenced or hidden.
    """
    report = reports[index]
    if report.fix is None or level is report.fix.applicability:
        return report.advice
    deciding = [
        i
        for i in others
        if silenced[i] or (level is Applicability.NONE and reports[i].fix is None)
        or (level is Applicability.UNSAFE and _level_of(reports[i]) is Applicability.UNSAFE)
    ]
    if not deciding:
        return report.advice
    by_hand = [_named(reports[i], lines, positions, hidden[i]) for i in deciding if not silenced[i]]
    comments = [_named(reports[i], lines, positions, hidden[i]) for i in deciding if silenced[i]]
    parts = []
    if by_hand:
        listed = " and ".join(dict.fromkeys(by_hand))
        verb, their = ("is", "its") if len(by_hand) == 1 else ("are", "their")
        done = "resolved by hand" if level is Applicability.NONE else "accepted with `--unsafe-fixes`"
        parts.append(f"{listed} {verb} {done} (see {their} help)")
    if comments:
        parts.append(f"the suppression comment on {' and '.join(dict.fromkeys(comments))} is removed")
    if level is Applicability.NONE:
        reason = f"`migrator fix` migrates this with its call once {' and '.join(parts)}"
    else:
        reason = f"`migrator fix` migrates this with its call, as an unsafe fix, once {' and '.join(parts)}"
    return f"{report.advice}; {reason}" if report.advice else reason


def _named(report: Report, lines: Sequence[str], positions: dict[Any, CodeRange], hidden: bool) -> str:
    """`OAI005 `echo=True``: a finding's code and, when short, the code it flags."""
    where = positions[report.node]
    name = report.code
    if where.start.line == where.end.line:
        snippet = lines[where.start.line - 1][where.start.column : where.end.column]
        if 0 < len(snippet) <= 40 and "`" not in snippet:
            name = f"{report.code} `{snippet}`"
    else:
        name = f"{report.code} at line {where.start.line}"
    return f"{name} (hidden by --select/--ignore)" if hidden else name


def _level_of(report: Report) -> Applicability:
    return report.fix.applicability if report.fix is not None else Applicability.NONE


def _groups_holding(
    reports: Sequence[Report],
    components: Sequence[Sequence[int]],
    positions: dict[Any, CodeRange],
    wanted: Collection[tuple[str, Location]],
) -> set[int]:
    """The reports of the fix groups that hold a report found at one of `wanted`."""
    keys = set(wanted)
    chosen: set[int] = set()
    for component in components:
        if any((reports[i].code, location_of(positions[reports[i].node])) in keys for i in component):
            chosen.update(component)
    return chosen


def _edits_of(report: Report) -> tuple[Edit, ...]:
    return report.fix.edits if report.fix is not None else ()


def unused_suppressions(
    path: str, suppressions: SuppressionIndex, enabled: Sequence[str], known: Sequence[str]
) -> list[Finding]:
    findings = []
    for suppression, codes in suppressions.unused(enabled, frozenset(known)):
        what = f"`{suppression.text}`" + (f" ({', '.join(codes)})" if codes else "")
        findings.append(
            Finding(
                code=UNUSED_CODE,
                message=f"unused suppression {what}: it silences nothing",
                path=path,
                location=Location(
                    suppression.line,
                    suppression.column,
                    suppression.line,
                    suppression.column + len(suppression.text),
                ),
                fix=Applicability.NONE,
                advice="remove the comment, or the codes it lists that no longer occur",
                source=suppression.text,
            )
        )
    return findings


def _positions(
    file: ParsedFile, nodes: Sequence[Any], statements: Sequence[Any], previews: bool
) -> dict[Any, CodeRange]:
    """CodeRanges (PositionProvider's convention) for the given nodes, keyed by node.

    Of a statement only the first line is used (suppressions, TODOs), except to cut a
    preview: then its whole range is asked for.
    """
    from libcst.metadata import CodePosition, CodeRange

    from migrator.positions import spans, statement_spans

    wanted = [node for node in (*nodes, *(statements if previews else ())) if node is not None]
    first_only = [] if previews else [node for node in statements if node is not None]
    found = statement_spans(
        file.module, wanted, file.index.parent, file.text, native=file.native, starts=first_only
    )
    wanted += first_only
    if found is None or len(found) < len({id(node) for node in wanted}):
        found = spans(file.module, wanted)
    result: dict[Any, CodeRange] = {}
    for node in wanted:
        span = found.get(id(node))
        if span is not None:
            result[node] = CodeRange(
                CodePosition(span.start_line, span.start_column), CodePosition(span.end_line, span.end_column)
            )
    return result


def statement_of(node: Any, parent: Any) -> Any:
    """The statement a node belongs to (a simple statement line or a compound header)."""
    import libcst as cst

    current = parent(node)
    while current is not None:
        if isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return current
        current = parent(current)
    return None


def _has_todo(lines: Sequence[str], statement_line: int, note: str) -> bool:
    """Whether the comment block right above the statement already holds this TODO.

    Reading the text (not the tree) keeps `--add-todo` idempotent wherever LibCST files
    the comment (a statement's leading lines, or the module header).
    """
    wanted = TODO_PREFIX + note
    number = statement_line - 1
    while number >= 1 and lines[number - 1].strip().startswith("#"):
        if lines[number - 1].strip() == wanted:
            return True
        number -= 1
    return False


def _todo_adder(comment: str) -> Any:
    import libcst as cst

    def add(node: Any) -> Any:
        # An indented EmptyLine takes the statement's indentation and the module's newline.
        line = cst.EmptyLine(indent=True, comment=cst.Comment(comment))
        return node.with_changes(leading_lines=[*node.leading_lines, line])

    return add
