"""Text helpers for the language server: lines, columns in the client's units, minimal
edits between two texts, and `# noqa` comments. Plain strings in, plain tuples out: no
LSP types here, so all of it is testable without a client.

Lines end at `\\r\\n`, `\\r` or `\\n`, as in LSP and in CPython (never `str.splitlines`,
which also breaks at form feeds and `\\u2028`). The engine counts columns in characters
(code points); LSP counts them in UTF-16 code units unless the client and server agreed
on UTF-8 or UTF-32.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from bisect import bisect_right
from collections.abc import Sequence
from typing import Callable, Optional

NEWLINE = re.compile(r"\r\n|\r|\n")
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"

# (line, column): 0-based line, column in characters.
Position = tuple[int, int]
# An edit: replace the text from start to end (exclusive) by `text`.
TextEdit = tuple[Position, Position, str]


def line_starts(text: str) -> list[int]:
    """The offset where each line starts (one more than the line endings)."""
    return [0] + [match.end() for match in NEWLINE.finditer(text)]


def lines_of(text: str) -> list[str]:
    """The lines of `text` without their endings (a final ending opens an empty line)."""
    return NEWLINE.split(text)


def units(text: str, encoding: str = UTF16) -> int:
    """How long `text` is in the client's position units."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def to_client_column(line: str, column: int, encoding: str = UTF16) -> int:
    """A 0-based character column of `line` in the client's units."""
    return units(line[:column], encoding)


def from_client_column(line: str, column: int, encoding: str = UTF16) -> int:
    """A column in the client's units as a 0-based character column of `line` (a column
    inside a character, or past the end, goes to the end of that character or line)."""
    if encoding == UTF32 or line.isascii():
        return min(column, len(line))
    counted = 0
    for index, char in enumerate(line):
        if counted >= column:
            return index
        counted += units(char, encoding)
    return len(line)


def offset_position(starts: Sequence[int], offset: int) -> Position:
    line = bisect_right(starts, offset) - 1
    return line, offset - starts[line]


def text_edits(old: str, new: str) -> list[TextEdit]:
    """Small edits that turn `old` into `new`: the changed runs of lines, and within each
    the changed words, spaces and signs (a run too long to compare finely is one edit,
    trimmed of what it starts and ends with unchanged). Positions refer to `old`."""
    if old == new:
        return []
    starts = line_starts(old)
    old_lines, new_lines = _with_endings(old), _with_endings(new)
    edits: list[TextEdit] = []
    lines = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in lines.get_opcodes():
        if tag == "equal":
            continue
        base = starts[i1] if i1 < len(old_lines) else len(old)
        for begin, end, text in _hunks("".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])):
            edits.append((offset_position(starts, base + begin), offset_position(starts, base + end), text))
    return edits


# Words, runs of blanks, line endings (whole: an edit never splits a `\r\n`), other signs.
_TOKEN = re.compile(r"\r\n|\r|\n|\w+|[ \t]+|.", re.DOTALL)
_FINE_LIMIT = 4000  # tokens: comparing is quadratic at worst


def _hunks(before: str, after: str) -> list[tuple[int, int, str]]:
    """(start, end, new text) edits of `before` (offsets into it) that give `after`."""
    old_tokens, new_tokens = _TOKEN.findall(before), _TOKEN.findall(after)
    if len(old_tokens) + len(new_tokens) > _FINE_LIMIT:
        prefix = _common_prefix(old_tokens, new_tokens)
        suffix = _common_prefix(old_tokens[prefix:][::-1], new_tokens[prefix:][::-1])
        start = len("".join(old_tokens[:prefix]))
        end = len(before) - len("".join(old_tokens[len(old_tokens) - suffix :]))
        return [(start, end, "".join(new_tokens[prefix : len(new_tokens) - suffix]))]
    offsets = [0]
    for token in old_tokens:
        offsets.append(offsets[-1] + len(token))
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    return [
        (offsets[k1], offsets[k2], "".join(new_tokens[l1:l2]))
        for tag, k1, k2, l1, l2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def apply_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """Apply non-overlapping edits (positions refer to `text`), as a client would."""
    starts = line_starts(text)
    pieces: list[str] = []
    cursor = 0
    for start, end, new in sorted(edits):
        begin, finish = starts[start[0]] + start[1], starts[end[0]] + end[1]
        pieces.append(text[cursor:begin])
        pieces.append(new)
        cursor = finish
    pieces.append(text[cursor:])
    return "".join(pieces)


def _with_endings(text: str) -> list[str]:
    starts = line_starts(text)
    ends = [*starts[1:], len(text)]
    return [text[start:end] for start, end in zip(starts, ends) if end > start]


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    limit = min(len(a), len(b))
    index = 0
    while index < limit and a[index] == b[index]:
        index += 1
    return index


# -- suppression comments ----------------------------------------------------------------


def add_noqa(
    text: str,
    line: int,
    code: str,
    python: Callable[[str], str] = lambda text: text,
) -> Optional[str]:
    """`text` with `code` silenced on 1-based `line`, where `check` honours it: a
    `# noqa: CODE` comment (or the code added to the one already there) on that line, or
    else on the first line of the statement that holds it. None when neither line can
    take a comment (its end is inside a string, or it ends with a backslash).

    `python` turns the text into what the parser sees (a notebook cell's magics masked).
    """
    from migrator.suppression import SuppressionIndex

    source = python(text)
    tokens = _tokens(source)
    if tokens is None:
        return None
    candidates = [line]
    statement = _statement_start(tokens, line)
    if statement is not None and statement != line:
        candidates.append(statement)
    starts = line_starts(text)
    for number in candidates:
        insertion = _insertion(text, source, tokens, number, code)
        if insertion is None:
            continue
        column, added = insertion
        offset = starts[number - 1] + column
        new_text = text[:offset] + added + text[offset:]
        # The tokenizer must see the comment where `check` looks for it.
        if SuppressionIndex.from_source(python(new_text)).silences(code, (number,)):
            return new_text
    return None


def _tokens(source: str) -> Optional[list[tokenize.TokenInfo]]:
    try:
        return list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return None


_LAYOUT = (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)


def _statement_start(tokens: Sequence[tokenize.TokenInfo], line: int) -> Optional[int]:
    """The first line of the logical line (statement) that holds 1-based `line`."""
    start: Optional[int] = None
    expect = True
    for token in tokens:
        if token.start[0] > line:
            break
        if token.type == tokenize.NEWLINE:
            expect = True
        elif token.type not in _LAYOUT and expect:
            start, expect = token.start[0], False
    return start


def _insertion(
    text: str, source: str, tokens: Sequence[tokenize.TokenInfo], line: int, code: str
) -> Optional[tuple[int, str]]:
    """Where on `line` (a 0-based column) to insert what, to silence `code` there."""
    from migrator.suppression import parse_comment

    lines = lines_of(text)
    if not 0 < line <= len(lines):
        return None
    body = lines[line - 1]
    if lines_of(source)[line - 1] != body:
        return None  # a masked line (a notebook's magic): not the code the user sees
    if any(token.type not in _LAYOUT and token.start[0] <= line < token.end[0] for token in tokens):
        return None  # the line ends inside a string (or another token)
    comment = next((t for t in tokens if t.type == tokenize.COMMENT and t.start[0] == line), None)
    if comment is None:
        stripped = body.rstrip()
        if stripped.endswith("\\"):
            return None  # a comment cannot follow a line continuation
        return len(stripped), f"  # noqa: {code}"
    found = parse_comment(comment.string, line, comment.start[1] + 1)
    for suppression in found:
        if suppression.kind == "noqa" and suppression.codes:
            return suppression.column - 1 + len(suppression.text), f", {code}"
    for suppression in found:
        if suppression.kind == "migrator" and suppression.codes and suppression.text.endswith("]"):
            return suppression.column - 1 + len(suppression.text) - 1, f", {code}"
    return len(body.rstrip()), f"  # noqa: {code}"
