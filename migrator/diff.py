"""Unified diffs of a file's old and new bytes, decoded the way Python would read them."""

from __future__ import annotations

import difflib
import io
import tokenize


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


def text_diff(old: str, new: str, fromfile: str, tofile: str, context: int = 3) -> str:
    """difflib's unified format, without its "autojunk" heuristic: in a long file, lines
    that repeat (blank lines, `pass`) would count as junk and one small fix would show as
    a hunk of thousands of lines."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
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
