"""The per-file pipeline: prefilter, parse, run the rules, apply fixes, verify.

Pure: it takes bytes and returns a :class:`FileResult`; reading and writing files is the
runner's job, so the same function serves the CLI, the pool workers and the tests.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Sequence
from dataclasses import replace
from itertools import chain
from typing import Any

from migrator.findings import TODO_PREFIX, ParsedFile, findings_and_edits
from migrator.model import FileResult, Location, ParseError
from migrator.rule import Edit, Note, Report, RuleContext, RulePack
from migrator.settings import Settings
from migrator.suppression import HINT

__all__ = ["TODO_PREFIX", "check_source"]


def check_source(
    path: str,
    source: bytes,
    settings: Settings,
    pack: RulePack,
    *,
    fix: bool = False,
    keep_old: bool = False,
    requirements: Sequence[str] = (),
    native: ast.Module | None = None,
    previews: bool = False,
    fix_only: Collection[tuple[str, Location]] | None = None,
) -> FileResult:
    """Lint (and with `fix`, rewrite) one file's bytes.

    `requirements` are requirement specifiers the file declares itself (a notebook's
    `%pip install` lines); rules may weigh them above the project's files. `native` is
    CPython's tree of the same bytes, when the caller has already parsed them. With
    `previews`, findings carry the text their fix writes (JSON and SARIF show it). With
    `fix_only` (findings as code and location), only the fix groups holding one of them
    are applied (an editor's fix for one finding).
    """
    result = FileResult(path=path)
    # An unused suppression can sit in a file no rule cares about, so the prefilter
    # cannot skip a file that has one when those are being reported.
    if not pack.prefilter.search(source) and not (
        settings.warn_unused_ignores and HINT.search(source)
    ):
        return result
    known = pack.known_codes()
    if not any(settings.rule_enabled(code) for code in known):
        return result

    import libcst as cst

    from migrator.tree import ModuleIndex

    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        from migrator.syntax import libcst_error

        result.parse_error = libcst_error(source, error)
        result.error = result.parse_error.describe()
        return result
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as error:
        result.error = f"cannot decode or parse: {_first_line(str(error))}"
        result.parse_error = ParseError("decode", 0, 0, _first_line(str(error)))
        return result
    except RecursionError:
        result.error = "cannot parse: nesting too deep"
        result.parse_error = ParseError("nesting", 0, 0, "nesting too deep")
        return result

    # The tree prints back to exactly these bytes, so its text is the decoded source.
    file = ParsedFile(path, module, source.decode(module.encoding), ModuleIndex(module), native)
    ctx = RuleContext(path=path, module=module, index=file.index, options=settings.rule_options, requirements=tuple(requirements))
    # Every rule runs, the switched-off ones too: their reports still weigh in their fix
    # groups, and are then hidden (migrator.findings).
    reports = _run_rules(pack, ctx, result)
    outcome = findings_and_edits(file, reports, settings, known, fix=fix, previews=previews, fix_only=fix_only)
    result.findings = outcome.findings
    if fix and outcome.edits:
        # Fixes compose in one pass (nested edits see their children's new form), so a
        # second analysis is not needed to converge; the tests check that `fix` is
        # idempotent on every fixture instead of paying for it on every run.
        try:
            new_source = _apply_and_verify(file, outcome.edits)
        except _FixFailed as failure:
            rejected = _cpython_rejects(source)
            if rejected is not None:
                # LibCST accepts some code CPython refuses (nesting limits): the file was
                # broken before the fix, which is the user's news, not a bug report.
                result.error = f"syntax error (CPython): {rejected}; not fixed"
            else:
                result.error = (
                    f"a fix produced invalid code and was not applied ({failure}); please report this"
                )
            for finding in result.findings:
                finding.fixed = False
        else:
            if new_source != source:
                result.new_source = new_source
                if keep_old:
                    result.old_source = source
    return result


def _run_rules(pack: RulePack, ctx: RuleContext, result: FileResult) -> list[Report]:
    """The reports of every rule; their notes and dependencies go to `result`."""
    reports: list[Report] = []
    shared = pack.shared(ctx) if pack.shared is not None else ()
    for output in chain(shared, *(rule().check(ctx) for rule in pack.rule_classes())):
        if isinstance(output, Report):
            reports.append(output)
        elif isinstance(output, Note):
            if output.text not in result.run_notes:
                result.run_notes.append(output.text)
        elif output.path not in result.dependencies:
            result.dependencies.append(output.path)
    return reports


class _FixFailed(Exception):
    pass


def _apply_and_verify(file: ParsedFile, edits: Sequence[Edit]) -> bytes:
    """The fixed file's bytes, which CPython must parse (never write what it cannot).

    Only the changed statements' code is generated (`migrator.splice`) when the edits
    allow it; otherwise the whole module's.
    """
    from migrator.fixer import apply_edits
    from migrator.splice import CHECK_SPLICES, changed_units, spliced_code

    module = file.module
    try:
        rebuilt: dict[int, Any] = {}
        # The index knows every node's parent: fixes rebuild only the paths to the edited
        # nodes instead of transforming the whole tree.
        updated = apply_edits(module, edits, file.index.parent, rebuilt=rebuilt)
        units = changed_units(edits, file.index.parent)
        code = None
        if units is not None:
            units = [replace(unit, new=rebuilt.get(id(unit.statement))) for unit in units]
            code = spliced_code(module, file.text, units, file.native)
            if CHECK_SPLICES and code is not None and code != updated.code:
                raise AssertionError("the spliced code differs from the generated code")
        new_source = code.encode(module.encoding) if code is not None else updated.bytes
        compile(new_source, "<fixed>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except RecursionError:
        raise  # too deep for LibCST's recursive transformer: the caller says so, nothing is written
    except Exception as error:
        raise _FixFailed(_first_line(str(error)) or type(error).__name__) from error
    return new_source


def _cpython_rejects(source: bytes) -> str | None:
    """CPython's own complaint about `source`, or None when it compiles it."""
    try:
        compile(source, "<source>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return _first_line(str(error)) or type(error).__name__
    return None


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else ""
