"""`# noqa: CODE` and `# migrator: ignore[CODE]` comments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Optional

_NOQA = re.compile(
    r"#\s*(?:noqa(?::\s*(?P<noqa>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?"
    r"|migrator:\s*ignore(?:\[(?P<ignore>[^\]]*)\])?)",
)


def suppressed_codes(line: str) -> Optional[frozenset[str]]:
    """The codes a line silences; an empty set means all codes; None means no comment."""
    if "#" not in line:
        return None
    codes: set[str] = set()
    found = False
    for match in _NOQA.finditer(line):
        found = True
        listed = match.group("noqa") or match.group("ignore")
        if not listed:
            return frozenset()
        codes.update(code.upper() for code in re.split(r"[\s,]+", listed.strip()) if code)
    return frozenset(codes) if found else None


def is_suppressed(code: str, lines: Sequence[str], line_numbers: Sequence[int]) -> bool:
    """Whether any of the given 1-based lines carries a comment that silences `code`."""
    for number in line_numbers:
        if not 1 <= number <= len(lines):
            continue
        codes = suppressed_codes(lines[number - 1])
        if codes is not None and (not codes or any(code.startswith(c) for c in codes)):
            return True
    return False
