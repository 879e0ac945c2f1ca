"""Plain data that crosses process boundaries: findings, errors and per-file results.

Nothing here holds a syntax tree, so results pickle cheaply from pool workers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional


class Applicability(str, enum.Enum):
    """How a finding can be fixed (ruff's contract)."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"

    @property
    def rank(self) -> int:
        return {"safe": 0, "unsafe": 1, "none": 2}[self.value]


@dataclass(frozen=True)
class Location:
    """1-based line, 1-based column, as editors and ruff show them."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Replacement:
    """The new text of a region of the original file, as the finding's fix writes it."""

    location: Location
    content: str


@dataclass
class Finding:
    code: str
    message: str
    path: str
    location: Location
    fix: Applicability
    advice: Optional[str] = None  # what to do by hand when fix is NONE
    fixed: bool = False  # set by `fix` when the fix was applied
    # For machine-readable outputs and the plan: what the fix puts in place (None when
    # there is no fix, or when it edits code far from the finding) and the flagged code.
    replacement: Optional[Replacement] = None
    source: Optional[str] = None
    # In a notebook: the 1-based number of the cell (among all cells, as Jupyter shows
    # them); `location` is then relative to that cell. None for a .py file.
    cell: Optional[int] = None
    # In a notebook: where the finding is in the file's own text (the JSON), for the
    # formats that point into the file as GitHub shows it. None: the same as `location`.
    file_location: Optional[Location] = None

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.path, self.cell or 0, self.location.line, self.location.column, self.code)


@dataclass(frozen=True)
class ParseError:
    """Why a parser refused a file (or a notebook cell), as fields rather than text.

    `kind`: "syntax" (CPython rejects the code too: its own message), "parser" (only
    LibCST rejects it: the tool's limit, not the code's), "decode" (bytes, encoding or
    null bytes) or "nesting" (too deep for the parsers). `line` and `column` are 1-based,
    the column in characters; 0 when the parser gave no position.
    """

    kind: str
    line: int
    column: int
    message: str

    def describe(self) -> str:
        """One line, one position: `syntax error at 2:7: '(' was never closed`."""
        where = f" at {self.line}:{self.column}" if self.line else ""
        if self.kind == "parser":
            return f"cannot parse{where}: {self.message} (LibCST rejects code that CPython accepts)"
        if self.kind == "syntax":
            return f"syntax error{where}: {self.message}"
        return f"cannot parse{where}: {self.message}"


@dataclass(frozen=True)
class SkippedCell:
    """A notebook cell that does not parse: the rest of the notebook is still checked.

    `file_line` is the line of the notebook file (its JSON text) where the error is, for
    the formats that point into the file; None when it is not known.
    """

    cell: int
    error: ParseError
    file_line: Optional[int] = None


@dataclass
class FileResult:
    """What one file produced. `new_source` is set only when fixing changed the bytes."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    error: Optional[str] = None
    parse_error: Optional[ParseError] = None  # set with `error` when a parser refused the code
    skipped_cells: list[SkippedCell] = field(default_factory=list)  # a notebook's, not an error
    new_source: Optional[bytes] = None
    old_source: Optional[bytes] = None  # kept only when a diff must be shown
    written: bool = False
    notes: list[str] = field(default_factory=list)
    run_notes: list[str] = field(default_factory=list)  # about the whole run: shown once
    # Other files the rules read to judge this one (pins, imported modules): the cache
    # entry is stale when one of them changes.
    dependencies: list[str] = field(default_factory=list)
    # Set by a worker that leaves its writes to the parent process: the file as it was
    # read (a `migrator.files.Snapshot`) when `new_source` is still to be written, and the
    # results-cache entry (where, what) still to be stored.
    unwritten: Optional[object] = None
    cache_entry: Optional[tuple[str, bytes]] = None


@dataclass(frozen=True)
class FileError:
    path: str
    message: str
