"""Unified diffs of a file's old and new bytes, decoded the way Python would read them."""

from __future__ import annotations

import difflib
import io
import tokenize
from typing import Any


def _decode(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    return data.decode(encoding, errors="replace")


def unified_diff(path: str, old: bytes, new: bytes, context: int = 3) -> str:
    return text_diff(
        _decode(old),
        _decode(new),
        path if path.startswith("/") else f"a/{path}",
        path if path.startswith("/") else f"b/{path}",
        context,
    )


class _TrimmedMatcher(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """Matches the common head and tail first, then only the lines between.

    difflib's "autojunk" heuristic counts lines that repeat in a long file (blank lines,
    `pass`) as junk, so one small fix there shows as a hunk of thousands of lines; turning
    it off makes long files quadratic. Fixes change a few places: trimming the identical
    head and tail leaves a short middle where the heuristic is not needed.
    """

    def __init__(self, a: list[str], b: list[str]) -> None:
        head = 0
        while head < min(len(a), len(b)) and a[head] == b[head]:
            head += 1
        tail = 0
        while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
            tail += 1
        self._head, self._tail, self._sizes = head, tail, (len(a), len(b))
        middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
        super().__init__(None, middle_a, middle_b, autojunk=len(middle_a) + len(middle_b) > 20000)

    def get_opcodes(self) -> Any:
        head, (size_a, size_b) = self._head, self._sizes
        shifted = [(tag, i1 + head, i2 + head, j1 + head, j2 + head) for tag, i1, i2, j1, j2 in super().get_opcodes()]
        opcodes = [("equal", 0, head, 0, head)] if head else []
        opcodes += [op for op in shifted if op[1] != op[2] or op[3] != op[4]]
        if self._tail:
            opcodes.append(("equal", size_a - self._tail, size_a, size_b - self._tail, size_b))
        return opcodes or [("equal", 0, 0, 0, 0)]


def text_diff(old: str, new: str, fromfile: str, tofile: str, context: int = 3) -> str:
    """difflib's unified format, with the small hunks of `_TrimmedMatcher`."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = _TrimmedMatcher(a, b)
    out: list[str] = []
    for group in matcher.get_grouped_opcodes(context):
        if not out:
            out += [f"--- {fromfile}\n", f"+++ {tofile}\n"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in out)


def _range(start: int, stop: int) -> str:
    """A hunk's line range as unified diffs write it (1-based; an empty range names the line before)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"
