"""Jupyter notebooks <-> one virtual Python module.

The code cells of a notebook are one program: names flow from cell to cell in execution
order. So the rules run, unchanged, on a single virtual module made of the code cells in
order, with IPython syntax (magics, shell escapes, help) masked by placeholders that parse
and that no rule rewrites. Findings are mapped back to (cell, line in cell); a fix is split
back into cells, the masked lines are restored byte for byte, and only the `source` values
of the changed cells are spliced into the original JSON text, so every other byte of the
file (indentation, key order, escaping, outputs, metadata) stays as it was.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import re
import shlex
import tokenize
from bisect import bisect_right
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from migrator.model import FileResult, Finding, Location, ParseError, SkippedCell
from migrator.rule import RulePack
from migrator.settings import Settings

NOTEBOOK_SUFFIX = ".ipynb"

# The virtual module starts with a coding line so that a coding cookie in the first cell
# cannot change how LibCST decodes the (UTF-8) virtual module.
_HEADER = "# -*- coding: utf-8 -*-"
_CELL_MARKER = "# <migrator-notebook-cell {}>"
_CELL_MARKER_RE = re.compile(r"^# <migrator-notebook-cell (\d+)>(?:\r\n|\r|\n)?$")
_MASK_TAG = "  # <migrator-notebook-mask {}>"
_MASK_TAG_RE = re.compile(r"  # <migrator-notebook-mask (\d+)>$")
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_JSON_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+")
_ENDING_RE = re.compile(r"(\r\n|\r|\n)$")
# `obj?`, `obj.attr??`, `%magic?`, `*pattern*?`: IPython's help-at-end syntax.
_HELP_END_RE = re.compile(r"^%{0,2}[\w*][\w*.\[\]()'\"]*\?{1,2}$")
# `files = !ls`, `a, b = %sx cmd`: the output of a shell command or a magic, assigned.
_ASSIGN_MAGIC_RE = re.compile(r"^([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[!%]")
# A word, then nothing or a space and an argument that does not start like Python would
# after a name (`= x`, `(x)`, `[0]`, `.attr`, `, b`, `: int`).
_AUTOMAGIC_RE = re.compile(r"^([A-Za-z_]\w*)(?:[ \t]+(?![=(\[.,:;)\]}]).*)?$")
# IPython's line magics and the shell aliases it defines on POSIX systems: the names
# automagic runs without a `%`.
_AUTOMAGICS = frozenset(
    [
        "alias", "alias_magic", "autoawait", "autocall", "automagic", "autosave", "bookmark",
        "cat", "cd", "clear", "colors", "conda", "config", "connect_info", "cp", "debug",
        "dhist", "dirs", "doctest_mode", "ed", "edit", "env", "gui", "hist", "history",
        "killbgscripts", "ldir", "less", "lf", "lk", "ll", "load", "load_ext", "loadpy",
        "logoff", "logon", "logstart", "logstate", "logstop", "ls", "lsmagic", "lx", "macro",
        "magic", "mamba", "man", "matplotlib", "micromamba", "mkdir", "more", "mv", "notebook",
        "page", "pastebin", "pdb", "pdef", "pdoc", "pfile", "pinfo", "pinfo2", "pip", "popd",
        "pprint", "precision", "prun", "psearch", "psource", "pushd", "pwd", "pycat", "pylab",
        "qtconsole", "quickref", "recall", "rehashx", "reload_ext", "rep", "rerun", "reset",
        "reset_selective", "rm", "rmdir", "run", "save", "sc", "set_env", "store", "sx",
        "system", "tb", "time", "timeit", "unalias", "unload_ext", "uv", "who", "who_ls",
        "whos", "xdel", "xmode",
    ]
)
_PIP_RE = re.compile(r"^\s*(?:!|%)?\s*(?:python3?\s+-m\s+)?pip3?\s+install\s+(.*)$")


class NotebookError(Exception):
    """The file is not a notebook this tool can read; the message says why."""


@dataclass
class _Cell:
    number: int  # 1-based, among all cells, as Jupyter shows them
    text: str  # the original source, joined
    lines: list[str]  # original lines, with their endings
    masked: list[str]  # the same lines as the parser sees them
    # mask id -> (placeholder line without its ending, original line with its ending)
    masks: dict[int, tuple[str, str]] = field(default_factory=dict)


@dataclass
class _Virtual:
    text: str
    # virtual line (1-based, index 0 unused) -> (cell number, line in cell) or None
    line_map: list[Optional[tuple[int, int]]]
    added_newline: set[int]  # cells whose last line had no line ending of its own


# -- reading -------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """The JSON text and the BOM it came with (kept so writing back is byte-identical)."""
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(f"not UTF-8: {error.reason} at byte {error.start}") from error
    return text[len(bom) :], bom


def load(data: bytes) -> dict[str, Any]:
    """The notebook as JSON data; NotebookError unless it is valid nbformat-4 JSON."""
    text, _ = _decode(data)
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"invalid JSON at {error.lineno}:{error.colno}: {error.msg}") from error
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("not a Jupyter notebook (no list of cells)")
    version = notebook.get("nbformat")
    if version != 4:
        raise NotebookError(f"nbformat {version} is not supported (only nbformat 4)")
    return notebook


def is_python(notebook: dict[str, Any]) -> bool:
    """Kernel or language metadata says Python, or nothing says otherwise."""
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for section, key in (("kernelspec", "language"), ("language_info", "name")):
        value = metadata.get(section, {}).get(key) if isinstance(metadata.get(section), dict) else None
        if isinstance(value, str) and value and "python" not in value.lower():
            return False
    return True


def _source_text(cell: dict[str, Any]) -> Optional[str]:
    source = cell.get("source", "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    return None


def _code_cells(notebook: dict[str, Any]) -> Iterator[tuple[int, str]]:
    for index, cell in enumerate(notebook["cells"]):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            text = _source_text(cell)
            if text is not None:
                yield index + 1, text


# -- masking IPython syntax ----------------------------------------------------------------


def _split_ending(line: str) -> tuple[str, str]:
    match = _ENDING_RE.search(line)
    return (line[: match.start()], match.group(1)) if match else (line, "")


def _mask_kind(body: str) -> Optional[str]:
    """The placeholder statement (without indentation) for an IPython line, or None."""
    rest = body.lstrip(" \t")
    if rest.startswith(("%", "!", "?")) or _HELP_END_RE.match(rest.rstrip()):
        return "pass"
    assign = _ASSIGN_MAGIC_RE.match(rest)
    if assign:
        # Keep the assignment so the name stays defined for the cells that follow.
        return f"{assign.group(1)} = ..."
    if _is_automagic(rest):
        return "pass"
    return None


def _is_automagic(line: str) -> bool:
    """`pip install numpy`, `cd data`, `ls -la *.txt`: a line magic (or a shell alias)
    called without its `%`, which IPython runs when automagic is on (the default).

    Only a line that is not Python by itself counts: `ls -la` parses (`ls - la`) and is
    left alone, as it cannot break the cell, and a name the notebook binds, such as
    `time = 5`, never looks like a command (IPython lets such assignments through too).
    """
    match = _AUTOMAGIC_RE.match(line.rstrip())
    if match is None or match.group(1) not in _AUTOMAGICS:
        return False
    try:
        compile(line.rstrip("\\ \t\r\n"), "<line>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError:
        return True
    except (ValueError, RecursionError, MemoryError):
        return False
    return False


def _mask_groups(lines: list[str]) -> list[tuple[int, int, str, str]]:
    """(first line, end, indentation, placeholder) of each IPython line (with continuations)."""
    groups: list[tuple[int, int, str, str]] = []
    bodies = [_split_ending(line)[0] for line in lines]
    first_code = next((i for i, body in enumerate(bodies) if body.strip()), None)
    if first_code is not None and bodies[first_code].startswith("%%"):
        return [(0, len(lines), "", "pass")]  # a cell magic: the cell is not Python
    index = 0
    while index < len(lines):
        kind = _mask_kind(bodies[index])
        if kind is None:
            index += 1
            continue
        end = index + 1
        # IPython joins backslash-continued magic lines into one command.
        while end < len(lines) and bodies[end - 1].endswith("\\"):
            end += 1
        indent = bodies[index][: len(bodies[index]) - len(bodies[index].lstrip(" \t"))]
        groups.append((index, end, indent, kind))
        index = end
    return groups


def _logical_line_starts(text: str) -> Optional[set[int]]:
    """Lines (1-based) where a statement starts, or None if the text does not tokenize."""
    starts: set[int] = set()
    expect, depth = True, 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NEWLINE or (token.type == tokenize.NL and depth == 0):
                expect = True
            elif token.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT, tokenize.NL):
                continue
            elif token.type == tokenize.ENDMARKER:
                break
            else:
                if expect:
                    starts.add(token.start[0])
                    expect = False
                if token.type == tokenize.OP and token.string in "([{":
                    depth += 1
                elif token.type == tokenize.OP and token.string in ")]}":
                    depth = max(0, depth - 1)
    except (tokenize.TokenError, SyntaxError):
        return None
    return starts


def _mask(number: int, lines: list[str], next_id: int) -> _Cell:
    groups = _mask_groups(lines)
    while True:
        cell = _Cell(number, "".join(lines), lines, list(lines))
        ident = next_id
        for first, end, indent, kind in groups:
            for index in range(first, end):
                ending = _split_ending(lines[index])[1]
                statement = kind if index == first else "pass"
                placeholder = f"{indent}{statement}{_MASK_TAG.format(ident)}"
                cell.masked[index] = placeholder + ending
                cell.masks[ident] = (placeholder, lines[index])
                ident += 1
        # A "magic" line inside a multi-line string or a bracket is not a magic: keep it.
        starts = _logical_line_starts("".join(cell.masked))
        if starts is None:
            return cell
        kept = [group for group in groups if group[0] + 1 in starts]
        if len(kept) == len(groups):
            return cell
        groups = kept


def python_source(text: str) -> str:
    """A cell's source with its IPython syntax masked: what the rules see of it."""
    return "".join(_mask(0, _LINE_RE.findall(text), 0).masked)


def _parse_error(text: str) -> Optional[ParseError]:
    from migrator.syntax import cpython_error

    return cpython_error(text, ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def pip_requirements(cells: list[_Cell]) -> list[str]:
    """The requirements a notebook installs itself, in order: `numpy`, `pandas==2.2`
    from `!pip install numpy pandas==2.2`, `%pip install "pandas<3"`, ... (options
    such as `-q` left out). The rule pack decides which of them matter."""
    pins: list[str] = []
    for cell in cells:
        for _, original in cell.masks.values():
            match = _PIP_RE.match(_split_ending(original)[0])
            if not match:
                continue
            try:
                words = shlex.split(match.group(1), comments=True)
            except ValueError:
                continue
            pins.extend(word for word in words if word[:1].isalnum())
    return pins


# -- the virtual module --------------------------------------------------------------------


def _build(cells: list[_Cell], newline: str) -> _Virtual:
    parts = [_HEADER + newline]
    line_map: list[Optional[tuple[int, int]]] = [None, None]
    added: set[int] = set()
    for cell in cells:
        parts.append(_CELL_MARKER.format(cell.number) + newline)
        line_map.append(None)
        for index, line in enumerate(cell.masked):
            parts.append(line)
            line_map.append((cell.number, index + 1))
        if cell.masked and not _split_ending(cell.masked[-1])[1]:
            parts.append(newline)
            added.add(cell.number)
    return _Virtual("".join(parts), line_map, added)


def _split_back(new_text: str, cells: list[_Cell], virtual: _Virtual) -> dict[int, str]:
    """New source per cell number, masked lines restored; ValueError if it cannot be done."""
    by_number = {cell.number: cell for cell in cells}
    chunks: dict[int, list[str]] = {}
    current: Optional[list[str]] = None
    lines = _LINE_RE.findall(new_text)
    if not lines or lines[0].rstrip("\r\n") != _HEADER:
        raise ValueError("the header line changed")
    for line in lines[1:]:
        marker = _CELL_MARKER_RE.match(line)
        if marker:
            current = chunks.setdefault(int(marker.group(1)), [])
            continue
        if current is None:
            raise ValueError("code before the first cell")
        current.append(line)
    if list(chunks) != list(by_number):
        raise ValueError("cell markers lost or reordered")
    result: dict[int, str] = {}
    for number, chunk in chunks.items():
        cell = by_number[number]
        restored: list[str] = []
        seen: set[int] = set()
        for line in chunk:
            body = _split_ending(line)[0]
            tag = _MASK_TAG_RE.search(body)
            if tag and int(tag.group(1)) in cell.masks:
                ident = int(tag.group(1))
                placeholder, original = cell.masks[ident]
                if placeholder != body or ident in seen:
                    raise ValueError(f"masked line {ident} was edited")
                seen.add(ident)
                # The chunk's own ending: for a cell's last line it may be the added one.
                restored.append(_split_ending(original)[0] + _split_ending(line)[1])
            else:
                restored.append(line)
        if seen != set(cell.masks):
            raise ValueError("a masked line was lost")
        text = "".join(restored)
        if number in virtual.added_newline:
            body, ending = _split_ending(text)
            if not ending:
                raise ValueError("the added line ending was lost")
            text = body
        result[number] = text
    return result


# -- writing back: splice new `source` values into the original JSON text ------------------

_WS_RE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip_ws(text: str, index: int) -> int:
    match = _WS_RE.match(text, index)
    return match.end() if match else index


def _members(text: str, index: int) -> list[tuple[str, int, int, int]]:
    """(key, key start, value start, value end) of the JSON object at `index`."""
    assert text[index] == "{"
    members: list[tuple[str, int, int, int]] = []
    index = _skip_ws(text, index + 1)
    if text[index] == "}":
        return members
    while True:
        key_start = index
        key, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
        index = _skip_ws(text, index)
        assert text[index] == ":"
        start = _skip_ws(text, index + 1)
        _, end = _DECODER.raw_decode(text, start)
        members.append((key, key_start, start, end))
        index = _skip_ws(text, end)
        if text[index] == "}":
            return members
        assert text[index] == ","
        index = _skip_ws(text, index + 1)


def _elements(text: str, index: int) -> list[tuple[int, int]]:
    assert text[index] == "["
    spans: list[tuple[int, int]] = []
    index = _skip_ws(text, index + 1)
    if text[index] == "]":
        return spans
    while True:
        _, end = _DECODER.raw_decode(text, index)
        spans.append((index, end))
        index = _skip_ws(text, end)
        if text[index] == "]":
            return spans
        assert text[index] == ","
        index = _skip_ws(text, index + 1)


def _source_spans(text: str) -> dict[int, tuple[int, int, int]]:
    """Cell number -> (key start, value start, value end) of its `source`."""
    start = _skip_ws(text, 0)
    spans: dict[int, tuple[int, int, int]] = {}
    for key, _, value_start, _ in _members(text, start):
        if key != "cells":
            continue
        for number, (cell_start, _) in enumerate(_elements(text, value_start), start=1):
            if text[cell_start] != "{":
                continue
            for cell_key, key_start, source_start, source_end in _members(text, cell_start):
                if cell_key == "source":
                    spans[number] = (key_start, source_start, source_end)
    return spans


def _escapes_non_ascii(text: str) -> bool:
    """Whether the writer escaped non-ASCII (`ensure_ascii`); nbformat does not."""
    if any(ord(char) > 127 for char in text):
        return False
    return re.search(r"(?<!\\)(?:\\\\)*\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])", text) is not None


def _line_indent(text: str, index: int) -> str:
    line_start = text.rfind("\n", 0, index) + 1
    return text[line_start:index]


def _list_layout(text: str, start: int, end: int, key_start: int) -> tuple[str, str, str]:
    """Whitespace before the first element, between elements (with the comma), before `]`."""
    spans = _elements(text, start)
    if spans:
        lead = text[start + 1 : spans[0][0]]
        close = text[spans[-1][1] : end - 1]
        between = text[spans[0][1] : spans[1][0]] if len(spans) > 1 else "," + lead
        return lead, between, close
    # `[]` had nothing to copy: follow the file's own indentation.
    first = _skip_ws(text, 0)
    after_brace = text[first + 1 : _skip_ws(text, first + 1)]
    if "\n" not in after_brace:
        return "", ", " if after_brace else ",", ""
    newline = "\r\n" if after_brace.startswith("\r\n") else "\n"
    unit = after_brace.split("\n")[-1]
    indent = _line_indent(text, key_start)
    return newline + indent + unit, "," + newline + indent + unit, newline + indent


def _render_source(text: str, start: int, end: int, key_start: int, new: str, ascii_only: bool) -> str:
    if text[start] == '"':
        return json.dumps(new, ensure_ascii=ascii_only)
    parts = _JSON_LINE_RE.findall(new)
    if not parts:
        return "[]"
    lead, between, close = _list_layout(text, start, end, key_start)
    return "[" + lead + between.join(json.dumps(p, ensure_ascii=ascii_only) for p in parts) + close + "]"


def render(data: bytes, new_sources: dict[int, str]) -> bytes:
    """The notebook's bytes with the `source` of the given cells replaced, nothing else."""
    text, bom = _decode(data)
    spans = _source_spans(text)
    ascii_only = _escapes_non_ascii(text)
    pieces: list[str] = []
    position = 0
    for number in sorted(new_sources):
        key_start, start, end = spans[number]
        pieces.append(text[position:start])
        pieces.append(_render_source(text, start, end, key_start, new_sources[number], ascii_only))
        position = end
    pieces.append(text[position:])
    new_text = "".join(pieces)
    # Never write a notebook that is not valid JSON or whose cells are not what we meant.
    reloaded = json.loads(new_text)
    for number, cell in enumerate(reloaded["cells"], start=1):
        expected = new_sources.get(number)
        if expected is not None and _source_text(cell) != expected:
            raise ValueError(f"cell {number} did not round-trip")
    return (bom + new_text).encode("utf-8")


# -- the pipeline --------------------------------------------------------------------------


def _newline_of(cells: list[_Cell]) -> str:
    for cell in cells:
        for line in cell.lines:
            ending = _split_ending(line)[1]
            if ending:
                return ending
    return "\n"


def _map_location(location: Location, line_map: list[Optional[tuple[int, int]]]) -> tuple[int, Location]:
    def at(line: int) -> tuple[int, int]:
        for candidate in range(min(line, len(line_map) - 1), 0, -1):
            mapped = line_map[candidate]
            if mapped is not None:
                return mapped
        return (0, line)

    cell, start = at(location.line)
    _, end = at(location.end_line)
    return cell, Location(start, location.column, end, location.end_column)


def _map_finding(finding: Finding, path: str, line_map: list[Optional[tuple[int, int]]]) -> Finding:
    cell, location = _map_location(finding.location, line_map)
    changes: dict[str, Any] = {"path": path, "location": location, "cell": cell}
    if finding.replacement is not None:
        moved = _map_location(finding.replacement.location, line_map)[1]
        changes["replacement"] = replace(finding.replacement, location=moved)
    return replace(finding, **changes)


def check_notebook(
    path: str,
    source: bytes,
    settings: Settings,
    pack: RulePack,
    *,
    fix: bool = False,
    keep_old: bool = False,
    previews: bool = False,
    fix_only: Optional[Collection[tuple[str, int, Location]]] = None,
) -> FileResult:
    """Lint (and with `fix`, rewrite) one notebook's bytes: `engine.check_source` for .ipynb.

    `fix_only`: apply only the fix groups of these findings (code, cell, location in the cell).
    """
    from migrator.engine import check_source

    result = FileResult(path=path)
    if not pack.prefilter.search(source):
        return result
    try:
        notebook = load(source)
    except NotebookError as error:
        result.error = str(error)
        return result
    if not is_python(notebook):
        return result

    cells: list[_Cell] = []
    errors: list[str] = []
    skipped: list[SkippedCell] = []
    next_id = 0
    for number, text in _code_cells(notebook):
        cell = _mask(number, _LINE_RE.findall(text), next_id)
        next_id += len(cell.masks)
        cells.append(cell)
    requirements = pip_requirements(cells)
    parsed: list[_Cell] = []
    for cell in cells:
        problem = _parse_error("".join(cell.masked))
        if problem is None:
            parsed.append(cell)
        else:
            skipped.append(SkippedCell(cell.number, problem))

    newline = _newline_of(cells)
    while True:
        virtual = _build(parsed, newline)
        inner = check_source(
            path, virtual.text.encode("utf-8"), settings, pack, fix=fix, requirements=requirements, previews=previews,
            fix_only=None if fix_only is None else _virtual_keys(fix_only, virtual.line_map),
        )
        # LibCST may reject what CPython accepted: leave that cell out and try again.
        problem = inner.parse_error
        line = problem.line if problem is not None else 0
        mapped = virtual.line_map[line] if 0 < line < len(virtual.line_map) else None
        if problem is None or mapped is None:
            break
        skipped.append(SkippedCell(mapped[0], replace(problem, line=mapped[1])))
        parsed = [cell for cell in parsed if cell.number != mapped[0]]

    result.findings = [_map_finding(finding, path, virtual.line_map) for finding in inner.findings]
    if result.findings:
        _place_findings(source, result.findings)
    result.notes.extend(inner.notes)
    result.run_notes.extend(inner.run_notes)
    if inner.error:
        errors.append(inner.error)
    if inner.new_source is not None:
        try:
            new_cells = _split_back(inner.new_source.decode("utf-8"), parsed, virtual)
            changed = {n: text for n, text in new_cells.items() if text != _cell_text(parsed, n)}
            new_bytes = render(source, changed) if changed else source
        except (ValueError, KeyError, AssertionError, UnicodeDecodeError) as failure:
            errors.append(f"a fix could not be mapped back to the notebook's cells ({failure}); please report this")
            for finding in result.findings:
                finding.fixed = False
            new_bytes = source
        if new_bytes != source:
            result.new_source = new_bytes
            if keep_old:
                result.old_source = source
    if skipped:
        result.skipped_cells = _place_skipped(source, sorted(skipped, key=lambda s: s.cell))
    if errors:
        result.error = "; ".join(errors)
    return result


def _virtual_keys(
    keys: Collection[tuple[str, int, Location]], line_map: list[Optional[tuple[int, int]]]
) -> set[tuple[str, Location]]:
    """Findings given by cell and line in the cell, placed in the virtual module."""
    lines = {mapped: number for number, mapped in enumerate(line_map) if mapped is not None}
    return {
        (code, replace(where, line=lines[(cell, where.line)], end_line=lines[(cell, where.end_line)]))
        for code, cell, where in keys
        if (cell, where.line) in lines and (cell, where.end_line) in lines
    }


# -- positions in the notebook file itself (GitHub annotations, SARIF) ----------------------


class _FilePositions:
    """Cell-relative positions -> positions in the notebook's JSON text, as GitHub shows
    the file: the line of the JSON string where that source line is written, and the
    column of the character inside that string (escapes counted as written).

    A cell whose `source` is one string sits on one JSON line: every line of the cell
    then maps to that line, at the column where it starts inside the string.
    """

    def __init__(self, data: bytes) -> None:
        self._text, _ = _decode(data)
        self._spans = _source_spans(self._text)
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\n", self._text)]
        self._cells: dict[int, Optional[tuple[list[int], list[tuple[int, list[int]]]]]] = {}

    def _cell(self, number: int) -> Optional[tuple[list[int], list[tuple[int, list[int]]]]]:
        """(start offset of each cell line, [(decoded start, raw offset of each char)])."""
        if number not in self._cells:
            self._cells[number] = self._read_cell(number)
        return self._cells[number]

    def _read_cell(self, number: int) -> Optional[tuple[list[int], list[tuple[int, list[int]]]]]:
        span = self._spans.get(number)
        if span is None:
            return None
        _, start, end = span
        text = self._text
        tokens = [(start, end)] if text[start] == '"' else _elements(text, start) if text[start] == "[" else []
        pieces: list[tuple[int, list[int]]] = []
        decoded = ""
        for token_start, token_end in tokens:
            if text[token_start] != '"':
                return None
            raw = _raw_offsets(text, token_start, token_end)
            pieces.append((len(decoded), raw))
            decoded += json.loads(text[token_start:token_end])
        starts = [0]
        for line in _LINE_RE.findall(decoded):
            starts.append(starts[-1] + len(line))
        return starts, pieces

    def position(self, cell: int, line: int, column: int) -> Optional[tuple[int, int]]:
        """(file line, file column), 1-based, of a 1-based cell line and column."""
        found = self._cell(cell)
        if found is None or not found[1]:
            return None
        starts, pieces = found
        if not 1 <= line <= len(starts):
            return None
        offset = starts[line - 1] + max(column, 1) - 1
        for index, (piece_start, raw) in enumerate(pieces):
            inside = offset - piece_start
            last = index == len(pieces) - 1
            # `raw` has one entry per character plus the closing quote.
            if 0 <= inside < len(raw) - 1 or (last and inside >= 0):
                where = raw[min(inside, len(raw) - 1)]
                number = bisect_right(self._line_starts, where)
                return number, where - self._line_starts[number - 1] + 1
        return None

    def location(self, cell: int, location: Location) -> Optional[Location]:
        start = self.position(cell, location.line, location.column)
        end = self.position(cell, location.end_line, location.end_column)
        if start is None or end is None:
            return None
        return Location(start[0], start[1], end[0], end[1])


def _raw_offsets(text: str, start: int, end: int) -> list[int]:
    """The offset in `text` of each character of the JSON string at start..end, and of
    its closing quote (an escape counts where it starts)."""
    offsets: list[int] = []
    index = start + 1
    while index < end - 1:
        offsets.append(index)
        if text[index] != "\\":
            index += 1
        elif text[index + 1] != "u":
            index += 2
        else:
            code = int(text[index + 2 : index + 6], 16)
            index += 6
            # A surrogate pair is one character (a code point), as LibCST counts.
            if 0xD800 <= code < 0xDC00 and text.startswith("\\u", index):
                low = int(text[index + 2 : index + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    index += 6
    offsets.append(end - 1)
    return offsets


def _place_findings(data: bytes, findings: list[Finding]) -> None:
    try:
        positions = _FilePositions(data)
    except (NotebookError, ValueError, AssertionError, IndexError):
        return
    for finding in findings:
        if finding.cell:
            finding.file_location = positions.location(finding.cell, finding.location)


def _place_skipped(data: bytes, skipped: list[SkippedCell]) -> list[SkippedCell]:
    try:
        positions = _FilePositions(data)
    except (NotebookError, ValueError, AssertionError, IndexError):
        return skipped
    placed = []
    for cell in skipped:
        where = positions.position(cell.cell, cell.error.line or 1, cell.error.column or 1)
        placed.append(replace(cell, file_line=where[0] if where else None))
    return placed


def _cell_text(cells: list[_Cell], number: int) -> str:
    return next(cell.text for cell in cells if cell.number == number)


def cell_diff(path: str, old: bytes, new: bytes, context: int = 3) -> str:
    """A unified diff per changed cell, headed `a/nb.ipynb:cell 3` / `b/nb.ipynb:cell 3`."""
    old_cells = load(old)["cells"]
    new_cells = load(new)["cells"]
    prefix_a, prefix_b = ("", "") if path.startswith("/") else ("a/", "b/")
    text = ""
    for number, (before, after) in enumerate(zip(old_cells, new_cells), start=1):
        old_text, new_text = _source_text(before) or "", _source_text(after) or ""
        if old_text == new_text:
            continue
        for line in difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=f"{prefix_a}{path}:cell {number}",
            tofile=f"{prefix_b}{path}:cell {number}",
            n=context,
        ):
            text += line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
    return text
