"""The per-file pipeline: prefilter, parse, run the rules, apply fixes, verify.

Pure: it takes bytes and returns a :class:`FileResult`; reading and writing files is the
runner's job, so the same function serves the CLI, the pool workers and the tests.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from migrator.model import Applicability, FileResult, Finding, Location, ParseError, Replacement
from migrator.rule import Edit, Report, Rule, RuleContext, RulePack
from migrator.settings import Settings
from migrator.suppression import HINT, UNUSED_CODE, SuppressionIndex

if TYPE_CHECKING:
    import libcst as cst

TODO_PREFIX = "# TODO(migrator): "


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
) -> FileResult:
    """Lint (and with `fix`, rewrite) one file's bytes.

    `requirements` are requirement specifiers the file declares itself (a notebook's
    `%pip install` lines); rules may weigh them above the project's files. `native` is
    CPython's tree of the same bytes, when the caller has already parsed them.
    """
    result = FileResult(path=path)
    # An unused suppression can sit in a file no rule cares about, so the prefilter
    # cannot skip a file that has one when those are being reported.
    if not pack.prefilter.search(source) and not (
        settings.warn_unused_ignores and HINT.search(source)
    ):
        return result
    rules = [rule() for rule in pack.rule_classes() if settings.rule_enabled(rule.code)]
    if not rules:
        return result

    import libcst as cst

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

    known = frozenset(rule.code for rule in pack.rule_classes())
    # The tree prints back to exactly these bytes, so its text is the decoded source.
    text = source.decode(module.encoding)
    index_holder: list[Any] = []
    findings, edits = _analyse(
        path, module, rules, settings, fix, known, result.run_notes, requirements, text, result.dependencies,
        index_holder, native,
    )
    # The rules' module index knows every node's parent: fixes then rebuild only the
    # paths to the edited nodes instead of transforming the whole tree.
    index_parent = index_holder[0].parent if index_holder else None
    result.findings = findings
    current = module
    if fix and edits:
        # Fixes compose in one pass (nested edits see their children's new form), so a
        # second analysis is not needed to converge; the tests check that `fix` is
        # idempotent on every fixture instead of paying for it on every run.
        try:
            current, new_source = _apply_and_verify(module, edits, index_parent, text, native)
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
            current = module

    if fix and current is not module:
        if new_source != source:
            result.new_source = new_source
            if keep_old:
                result.old_source = source
    return result


class _FixFailed(Exception):
    pass


def _apply_and_verify(
    module: cst.Module,
    edits: Sequence[Edit],
    parent: Any = None,
    text: str | None = None,
    native: ast.Module | None = None,
) -> tuple[cst.Module, bytes]:
    """The fixed tree and its bytes, which CPython must parse (never write what it cannot).

    With the module index's `parent` and the original `text`, only the changed lines'
    code is generated (`migrator.splice`) when the edits allow it.
    """
    from migrator.fixer import apply_edits
    from migrator.splice import CHECK_SPLICES, changed_units, spliced_code

    try:
        rebuilt: dict[int, Any] = {}
        updated = apply_edits(module, edits, parent, rebuilt=rebuilt)
        units = changed_units(edits, parent) if parent is not None and text is not None else None
        code = None
        if units is not None and text is not None:
            units = [replace(unit, new=rebuilt.get(id(unit.statement))) for unit in units]
            code = spliced_code(module, text, units, native)
            if CHECK_SPLICES and code is not None and code != updated.code:
                raise AssertionError("the spliced code differs from the generated code")
        new_source = code.encode(module.encoding) if code is not None else updated.bytes
        compile(new_source, "<fixed>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except RecursionError:
        raise  # too deep for LibCST's recursive transformer: the caller says so, nothing is written
    except Exception as error:
        raise _FixFailed(_first_line(str(error)) or type(error).__name__) from error
    return updated, new_source


def _analyse(
    path: str,
    module: cst.Module,
    rules: Sequence[Rule],
    settings: Settings,
    fix: bool,
    known_codes: frozenset[str] = frozenset(),
    run_notes: list[str] | None = None,
    requirements: Sequence[str] = (),
    text: str | None = None,
    dependencies: list[str] | None = None,
    index_holder: list[Any] | None = None,
    native: ast.Module | None = None,
) -> tuple[list[Finding], list[Edit]]:
    from migrator.fixer import effective_applicability, fix_groups

    ctx = RuleContext(path=path, module=module, options=settings.rule_options, requirements=tuple(requirements))
    if run_notes is not None:
        ctx.notes = run_notes
    if dependencies is not None:
        ctx.dependencies = dependencies
    reports: list[Report] = []
    for rule in rules:
        reports.extend(rule.check(ctx))
    if index_holder is not None and "module-index" in ctx.cache:
        index_holder.append(ctx.index())
    if not reports and not settings.warn_unused_ignores:
        return [], []

    code = text if text is not None else module.code
    suppressions = SuppressionIndex.from_source(code)
    if not reports:
        return _unused_findings(path, suppressions, rules, known_codes), []
    parents = _Parents(ctx.index())
    lines = code.splitlines(keepends=True)
    statements = [_statement(report.node, parents) for report in reports]
    # Only a fix preview needs the replaced expression's range.
    previews = settings.fix_previews
    targets = [_replacement_target(report, parents) if previews else None for report in reports]
    # Of a statement only the first line is used (suppressions, TODOs), except to cut a preview.
    positions = _positions(
        module,
        [*(r.node for r in reports), *targets, *(statements if previews else ())],
        ctx.index().parent,
        code,
        starts=() if previews else statements,
        native=native,
    )
    blocked = []
    for report, statement in zip(reports, statements):
        start = positions[report.node].start.line
        statement_line = positions[statement].start.line if statement is not None else start
        blocked.append(suppressions.silences(report.code, (start, statement_line)))

    applicability = effective_applicability(reports, blocked)
    group_edits: dict[int, list[Edit]] = {}
    for component in fix_groups(reports):
        shared = [edit for i in component for edit in _edits_of(reports[i])]
        group_edits.update({i: shared for i in component})
    inherited = _blocked_advice(reports, blocked, applicability, lines, positions)
    findings: list[Finding] = []
    edits: list[Edit] = []
    todos: set[tuple[int, str]] = set()
    for index, (report, silenced, level) in enumerate(zip(reports, blocked, applicability)):
        applies = report.fix is not None and (
            level is Applicability.SAFE or (level is Applicability.UNSAFE and settings.unsafe_fixes)
        )
        if fix and applies and report.fix is not None:
            edits.extend(report.fix.edits)
        if silenced:
            continue
        where = positions[report.node]
        location = Location(where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
        replacement = None
        if settings.fix_previews and report.fix is not None and level is not Applicability.NONE:
            replacement = _replacement(
                targets[index], group_edits[index], module, lines, parents, positions, statements[index]
            )
        findings.append(
            Finding(
                code=report.code,
                message=report.message,
                path=path,
                location=location,
                fix=level,
                advice=report.advice or inherited.get(index),
                fixed=fix and applies,
                replacement=replacement,
                source=_region_text(lines, location),
            )
        )
        statement = statements[index]
        # Only a finding that is manual itself gets a TODO: the members of its group that
        # are blocked by it would only repeat it.
        manual = report.fix is None and level is Applicability.NONE
        if fix and settings.add_todo and manual and statement is not None:
            note = " ".join((report.advice or report.message).split())
            key = (id(statement), note)
            if key not in todos and not _has_todo(lines, positions[statement].start.line, note):
                todos.add(key)
                edits.append(Edit(statement, _todo_adder(TODO_PREFIX + note)))
    if settings.warn_unused_ignores:
        findings.extend(_unused_findings(path, suppressions, rules, known_codes))
    findings.sort(key=Finding.sort_key)
    return findings, edits


def _blocked_advice(
    reports: Sequence[Report],
    blocked: Sequence[bool],
    applicability: Sequence[Applicability],
    lines: Sequence[str],
    positions: Any,
) -> dict[int, str]:
    """What to do by hand about a finding whose own fix is held back by its group.

    A fix group is applied whole or not at all: a member with a fix of its own becomes
    manual when another member has none (or is silenced). What a person must do is then
    the blockers' business: the advice names them. A finding without a fix of its own
    keeps what its rule said (a rule that said nothing is a gap in that rule, which the
    fixture tests catch).
    """
    from migrator.fixer import fix_groups

    advice: dict[int, str] = {}
    for component in fix_groups(reports):
        if applicability[component[0]] is not Applicability.NONE:
            continue
        manual = [i for i in component if reports[i].fix is None and not blocked[i]]
        silenced = [i for i in component if blocked[i]]
        for index in component:
            report = reports[index]
            if report.fix is None or report.advice or blocked[index]:
                continue
            parts = []
            names = list(dict.fromkeys(_named(reports[i], lines, positions) for i in manual if i != index))
            if names:
                listed = " and ".join(names)
                verb, their = ("is", "its") if len(names) == 1 else ("are", "their")
                parts.append(f"{listed} {verb} resolved by hand (see {their} help)")
            names = [_named(reports[i], lines, positions) for i in silenced if i != index]
            if names:
                parts.append(f"the suppression comment on {' and '.join(dict.fromkeys(names))} is removed")
            if parts:
                advice[index] = f"`migrator fix` migrates this with its call once {' and '.join(parts)}"
    return advice


def _named(report: Report, lines: Sequence[str], positions: Any) -> str:
    """`OAI005 `echo=True``: a finding's code and, when short, the code it flags."""
    where = positions.get(report.node)
    if where is not None and where.start.line == where.end.line:
        snippet = lines[where.start.line - 1][where.start.column : where.end.column]
        if 0 < len(snippet) <= 40 and "`" not in snippet:
            return f"{report.code} `{snippet}`"
    return report.code


def _edits_of(report: Report) -> tuple[Edit, ...]:
    return report.fix.edits if report.fix is not None else ()


def _unused_findings(
    path: str, suppressions: SuppressionIndex, rules: Sequence[Rule], known: frozenset[str]
) -> list[Finding]:
    enabled = [rule.code for rule in rules]
    findings = []
    for suppression, codes in suppressions.unused(enabled, known):
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


class _Parents:
    """The engine's helpers ask `node in parents` / `parents[node]`: answer from the index."""

    def __init__(self, index: Any) -> None:
        self._index = index

    def __contains__(self, node: object) -> bool:
        return self._index.parent(node) is not None

    def __getitem__(self, node: Any) -> Any:
        found = self._index.parent(node)
        if found is None:
            raise KeyError(node)
        return found

    def get(self, node: Any) -> Any:
        return self._index.parent(node)


def _positions(
    module: cst.Module,
    nodes: Sequence[Any],
    parent: Any,
    source: str,
    *,
    starts: Sequence[Any] = (),
    native: ast.Module | None = None,
) -> dict[Any, Any]:
    """CodeRanges (PositionProvider's convention) for the given nodes, keyed by node.

    Of the statements in `starts`, only the start is meant to be read: their ranges may
    be empty.
    """
    from libcst.metadata import CodePosition, CodeRange

    from migrator.positions import spans, statement_spans

    wanted = [node for node in nodes if node is not None]
    first_only = [node for node in starts if node is not None]
    found = statement_spans(module, wanted, parent, source, native=native, starts=first_only)
    wanted += first_only
    if found is None or len(found) < len({id(node) for node in wanted}):
        found = spans(module, wanted)
    result: dict[Any, Any] = {}
    for node in wanted:
        span = found.get(id(node))
        if span is not None:
            result[node] = CodeRange(
                CodePosition(span.start_line, span.start_column), CodePosition(span.end_line, span.end_column)
            )
    return result


def _replacement_target(report: Report, parents: Any) -> Any:
    """The smallest expression holding all of a finding's own edits (None: beyond a statement)."""
    import libcst as cst

    if report.fix is None:
        return None
    candidate = report.node
    while not all(_inside(edit.target, candidate, parents) for edit in report.fix.edits):
        candidate = parents.get(candidate)
        if candidate is None or isinstance(candidate, (cst.Module, cst.BaseStatement)):
            return None
    return candidate


def _statement(node: Any, parents: Any) -> Any:
    """The statement a node belongs to (a simple statement line or a compound header)."""
    import libcst as cst

    current = node
    while current in parents:
        current = parents[current]
        if isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return current
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


def _region_text(lines: Sequence[str], where: Location) -> str:
    """The original text between 1-based line/column positions (end exclusive)."""
    if where.line == where.end_line:
        return lines[where.line - 1][where.column - 1 : where.end_column - 1]
    parts = [lines[where.line - 1][where.column - 1 :]]
    parts.extend(lines[where.line : where.end_line - 1])
    parts.append(lines[where.end_line - 1][: where.end_column - 1])
    return "".join(parts)


def _inside(node: Any, ancestor: Any, parents: Any) -> bool:
    current = node
    while current is not ancestor:
        if current not in parents:
            return False
        current = parents[current]
    return True


def _replacement(
    candidate: Any,
    edits: Sequence[Edit],
    module: cst.Module,
    lines: Sequence[str],
    parents: Any,
    positions: Any,
    statement: Any,
) -> Replacement | None:
    """The text the fix writes over the smallest expression holding all its edits.

    None when the edits reach beyond one statement (say, a constant defined elsewhere):
    then the finding's own region does not show the fix, and a guess would mislead.
    """
    import libcst as cst

    from migrator.fixer import apply_edits_to_node

    if candidate is None:
        return None
    where = positions[candidate]
    location = Location(where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
    inside = [edit for edit in edits if _inside(edit.target, candidate, parents)]
    try:
        updated = apply_edits_to_node(candidate, inside)
    except Exception:  # the real fix run reports broken fixes; this is only a preview
        return None
    if not isinstance(updated, cst.CSTNode):
        return None
    # code_for_node can carry a trailing comma or whitespace that the position leaves
    # out; trim the same tail from the new text, and give up if it is not there.
    first_line = lines[location.line - 1]
    if statement is not None:
        first_line = lines[positions[statement].start.line - 1]
    indent = first_line[: len(first_line) - len(first_line.lstrip(" \t"))]
    old_code, new_code = _code_at(module, candidate, indent), _code_at(module, updated, indent)
    region = _region_text(lines, location)
    if not old_code.startswith(region):
        return None
    tail = old_code[len(region) :]
    if tail and not new_code.endswith(tail):
        return None
    return Replacement(location, new_code[: len(new_code) - len(tail)] if tail else new_code)


def _code_at(module: cst.Module, node: cst.CSTNode, indent: str) -> str:
    """A node's code as it reads inside its block.

    `Module.code_for_node` renders continuation lines as if at column 0: LibCST stores
    them relative to the block's indentation, which only the code generator state knows.
    """
    from libcst._nodes.internal import CodegenState

    state = CodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        indent_tokens=[indent] if indent else [],
    )
    node._codegen(state)
    return "".join(state.tokens)


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
