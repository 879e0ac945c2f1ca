"""Parse errors a person can act on: one position and the message that names the cause.

LibCST's native parser reports where its grammar gave up ("expected one of !=, %, &,
..."), often a line after the real mistake, and its error carries two positions that
disagree. CPython names the cause ("'(' was never closed", "invalid syntax. Perhaps you
forgot a comma?") and places it. So when LibCST refuses a file, CPython is asked too: if
it refuses it as well, its message and position are the ones reported; if it accepts the
file, the code is valid and LibCST's message is reported as the tool's limit.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Any, Optional

from migrator.model import ParseError

# LibCST: "parser error: error at 4:0: expected one of ..." (1-based line, 0-based column).
_LIBCST_AT = re.compile(r"^(?:parser error: )?error at (\d+):(\d+): ")


def cpython_error(source: bytes | str, flags: int = 0) -> Optional[ParseError]:
    """CPython's verdict on `source` (None: it parses), at one position."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings are the file's business
            compile(source, "<source>", "exec", ast.PyCF_ONLY_AST | flags, dont_inherit=True)
    except SyntaxError as error:
        if "null bytes" in str(error.msg):
            return _null_bytes(source)
        return ParseError("syntax", error.lineno or 0, _column(source, error), _one_line(str(error.msg)))
    except ValueError as error:  # null bytes, before Python 3.12
        if "null bytes" in str(error):
            return _null_bytes(source)
        return ParseError("syntax", 0, 0, _one_line(str(error)))
    except (RecursionError, MemoryError):
        return ParseError("nesting", 0, 0, "too deeply nested to parse (CPython gives up too)")
    return None


def libcst_error(source: bytes, error: Any) -> ParseError:
    """The error to report for a `libcst.ParserSyntaxError` on `source`."""
    verdict = cpython_error(source)
    if verdict is not None:
        return verdict
    message = _one_line(str(error.message))
    line, column = error.raw_line, error.raw_column + 1
    inner = _LIBCST_AT.match(message)
    if inner:
        # The position inside the message is where the grammar failed: the useful one.
        line, column = int(inner.group(1)), int(inner.group(2)) + 1
        message = message[inner.end() :]
    elif message.startswith("tokenizer error: "):
        message = message[len("tokenizer error: ") :]
    return ParseError("parser", line, column, message)


def _column(source: bytes | str, error: SyntaxError) -> int:
    """CPython's 1-based offset, in characters (from bytes it counts UTF-8 bytes)."""
    offset = error.offset or 0
    text = error.text
    if not offset or not isinstance(source, bytes) or not text or text.isascii():
        return offset
    return len(text.encode("utf-8")[: offset - 1].decode("utf-8", "replace")) + 1


def _null_bytes(source: bytes | str) -> ParseError:
    data = source.encode("utf-8", "surrogateescape") if isinstance(source, str) else source
    index = data.find(b"\0")
    line = data.count(b"\n", 0, index) + 1 if index >= 0 else 0
    start = data.rfind(b"\n", 0, index) + 1 if index >= 0 else 0
    column = len(data[start:index].decode("utf-8", "replace")) + 1 if index >= 0 else 0
    return ParseError("syntax", line, column, "source code cannot contain null bytes")


def _one_line(text: str) -> str:
    return " ".join(text.split())
