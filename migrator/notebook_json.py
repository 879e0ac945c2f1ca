"""A notebook's JSON text: read its cells, splice new `source` values back in without
touching any other byte, and find where a cell's line is written in the file (GitHub
annotations and SARIF point at the `.ipynb` text itself)."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Optional

from migrator.model import Finding, Location, SkippedCell

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_JSON_LINE_RE = re.compile(r"[^\n]*\n|[^\n]+")


class NotebookError(Exception):
    """The file is not a notebook this tool can read; the message says why."""


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


def source_text(cell: dict[str, Any]) -> Optional[str]:
    source = cell.get("source", "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    return None


def code_cells(notebook: dict[str, Any]) -> Iterator[tuple[int, str]]:
    for index, cell in enumerate(notebook["cells"]):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            text = source_text(cell)
            if text is not None:
                yield index + 1, text

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
        if expected is not None and source_text(cell) != expected:
            raise ValueError(f"cell {number} did not round-trip")
    return (bom + new_text).encode("utf-8")

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


def place_findings(data: bytes, findings: list[Finding]) -> None:
    try:
        positions = _FilePositions(data)
    except (NotebookError, ValueError, AssertionError, IndexError):
        return
    for finding in findings:
        if finding.cell:
            finding.file_location = positions.location(finding.cell, finding.location)


def place_skipped(data: bytes, skipped: list[SkippedCell]) -> list[SkippedCell]:
    try:
        positions = _FilePositions(data)
    except (NotebookError, ValueError, AssertionError, IndexError):
        return skipped
    placed = []
    for cell in skipped:
        where = positions.position(cell.cell, cell.error.line or 1, cell.error.column or 1)
        placed.append(replace(cell, file_line=where[0] if where else None))
    return placed
