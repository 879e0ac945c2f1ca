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
    lines = difflib.unified_diff(
        _decode(old).splitlines(keepends=True),
        _decode(new).splitlines(keepends=True),
        fromfile=path if path.startswith("/") else f"a/{path}",
        tofile=path if path.startswith("/") else f"b/{path}",
        n=context,
    )
    text = ""
    for line in lines:
        text += line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
    return text
