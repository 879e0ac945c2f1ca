"""The per-file pipeline: prefilter, parse, run the rules, apply fixes, verify.

Pure: it takes bytes and returns a :class:`FileResult`; reading and writing files is the
runner's job, so the same function serves the CLI, the pool workers and the tests.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from migrator.model import Applicability, FileResult, Finding, Location
from migrator.rule import Edit, Report, Rule, RuleContext, RulePack
from migrator.settings import Settings
from migrator.suppression import is_suppressed

if TYPE_CHECKING:
    import libcst as cst

def check_source(
    path: str,
    source: bytes,
    settings: Settings,
    pack: RulePack,
    *,
    fix: bool = False,
    keep_old: bool = False,
) -> FileResult:
    """Lint (and with `fix`, rewrite) one file's bytes."""
    result = FileResult(path=path)
    if not pack.prefilter.search(source):
        return result
    rules = [rule() for rule in pack.rule_classes() if settings.rule_enabled(rule.code)]
    if not rules:
        return result

    import libcst as cst

    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        result.error = f"syntax error at {error.raw_line}:{error.raw_column + 1}: {_first_line(error.message)}"
        return result
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as error:
        result.error = f"cannot decode or parse: {_first_line(str(error))}"
        return result
    except RecursionError:
        result.error = "cannot parse: nesting too deep"
        return result

    findings, edits = _analyse(path, module, rules, settings, fix)
    result.findings = findings
    current = module
    if fix and edits:
        # Fixes compose in one pass (nested edits see their children's new form), so a
        # second analysis is not needed to converge; the tests check that `fix` is
        # idempotent on every fixture instead of paying for it on every run.
        try:
            current = _apply_and_verify(module, edits)
        except _FixFailed as failure:
            result.error = (
                f"a fix produced invalid code and was not applied ({failure}); please report this"
            )
            for finding in result.findings:
                finding.fixed = False
            current = module

    if fix and current is not module:
        new_source = current.bytes
        if new_source != source:
            result.new_source = new_source
            if keep_old:
                result.old_source = source
    return result


class _FixFailed(Exception):
    pass


def _apply_and_verify(module: cst.Module, edits: Sequence[Edit]) -> cst.Module:
    import libcst as cst

    from migrator.fixer import apply_edits

    try:
        updated = apply_edits(module, edits)
        code = updated.code
        reparsed = cst.parse_module(updated.bytes)
        # LibCST's grammar is a little more permissive than CPython's; ask CPython too.
        ast.parse(code)
    except Exception as error:
        raise _FixFailed(_first_line(str(error)) or type(error).__name__) from error
    return reparsed


def _analyse(
    path: str,
    module: cst.Module,
    rules: Sequence[Rule],
    settings: Settings,
    fix: bool,
) -> tuple[list[Finding], list[Edit]]:
    from libcst.metadata import ParentNodeProvider, PositionProvider

    from migrator.fixer import effective_applicability

    ctx = RuleContext(path=path, module=module, options=settings.rule_options)
    reports: list[Report] = []
    for rule in rules:
        reports.extend(rule.check(ctx))
    if not reports:
        return [], []

    positions = ctx.metadata(PositionProvider)
    parents = ctx.metadata(ParentNodeProvider)
    lines = module.code.splitlines()
    blocked = []
    for report in reports:
        start = positions[report.node].start.line
        statement_line = _statement_start(report.node, parents, positions)
        blocked.append(is_suppressed(report.code, lines, (start, statement_line)))

    applicability = effective_applicability(reports, blocked)
    findings: list[Finding] = []
    edits: list[Edit] = []
    for report, silenced, level in zip(reports, blocked, applicability):
        applies = report.fix is not None and (
            level is Applicability.SAFE or (level is Applicability.UNSAFE and settings.unsafe_fixes)
        )
        if fix and applies and report.fix is not None:
            edits.extend(report.fix.edits)
        if silenced:
            continue
        where = positions[report.node]
        findings.append(
            Finding(
                code=report.code,
                message=report.message,
                path=path,
                location=Location(
                    where.start.line, where.start.column + 1, where.end.line, where.end.column + 1
                ),
                fix=level,
                advice=report.advice,
                fixed=fix and applies,
            )
        )
    findings.sort(key=Finding.sort_key)
    return findings, edits


def _statement_start(node: Any, parents: Any, positions: Any) -> int:
    import libcst as cst

    current = node
    while current in parents:
        current = parents[current]
        if isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return int(positions[current].start.line)
    return int(positions[node].start.line)


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else ""
