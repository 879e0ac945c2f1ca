"""`# noqa: CODE` and `# migrator: ignore[CODE]` comments, and which of them were used.

Comments are found with the tokenizer, not by searching lines, so a `# noqa` inside a
string literal silences nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Optional

_NOQA = re.compile(
    r"#\s*(?:(?P<noqa_kw>noqa)(?::\s*(?P<noqa>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?"
    r"|(?P<ignore_kw>migrator:\s*ignore)(?:\[(?P<ignore>[^\]]*)\])?)",
    re.IGNORECASE,
)

# A cheap byte test: could this file hold a suppression comment at all?
HINT = re.compile(rb"noqa|migrator:\s*ignore", re.IGNORECASE)

UNUSED_CODE = "MIG100"


@dataclass(frozen=True)
class Suppression:
    """One suppression in a comment. `codes` empty means every code."""

    line: int  # 1-based
    column: int  # 1-based, where the suppression starts in the comment
    text: str  # the suppression as written in the comment
    codes: frozenset[str]
    kind: str  # "noqa" or "migrator"


def parse_comment(comment: str, line: int = 1, column: int = 1) -> list[Suppression]:
    """The suppressions one comment carries (a comment may hold both kinds)."""
    found = []
    for match in _NOQA.finditer(comment):
        listed = match.group("noqa") if match.group("noqa_kw") else match.group("ignore")
        codes = frozenset(c.upper() for c in re.split(r"[\s,]+", (listed or "").strip()) if c)
        kind = "noqa" if match.group("noqa_kw") else "migrator"
        found.append(Suppression(line, column + match.start(), match.group(0), codes, kind))
    return found


def _comments(source: str) -> Iterable[tuple[int, int, str]]:
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.start[1] + 1, token.string
    except (tokenize.TokenError, SyntaxError):
        # The file parsed with LibCST, so this is rare; a line scan is a fair fallback.
        for number, text in enumerate(source.splitlines(), start=1):
            if "#" in text:
                yield number, text.index("#") + 1, text[text.index("#") :]


@dataclass
class SuppressionIndex:
    """The suppressions of one file, and which codes each one actually silenced."""

    by_line: dict[int, list[Suppression]] = field(default_factory=dict)
    used: dict[Suppression, set[str]] = field(default_factory=dict)

    @classmethod
    def from_source(cls, source: str) -> SuppressionIndex:
        index = cls()
        if not HINT.search(source.encode("utf-8", "surrogatepass")):
            return index
        for line, column, comment in _comments(source):
            for suppression in parse_comment(comment, line, column):
                index.by_line.setdefault(line, []).append(suppression)
        return index

    def silences(self, code: str, line_numbers: Sequence[int]) -> bool:
        """Whether a comment on one of the lines silences `code`; remembers which did."""
        for number in line_numbers:
            for suppression in self.by_line.get(number, ()):
                matched = [c for c in suppression.codes if code.startswith(c)]
                if not suppression.codes or matched:
                    self.used.setdefault(suppression, set()).update(matched or ["*"])
                    return True
        return False

    def unused(self, enabled: Collection[str], known: Collection[str]) -> list[tuple[Suppression, tuple[str, ...]]]:
        """Suppressions (and their codes) that silenced nothing.

        A bare `# noqa` is left alone: other linters read it too. Codes of other tools
        (`E501`) and of rules that are switched off in this run are not ours to judge.
        """
        result: list[tuple[Suppression, tuple[str, ...]]] = []
        for suppressions in self.by_line.values():
            for suppression in suppressions:
                used = self.used.get(suppression, set())
                if not suppression.codes:
                    if suppression.kind == "migrator" and not used:
                        result.append((suppression, ()))
                    continue
                idle = tuple(
                    code
                    for code in sorted(suppression.codes)
                    if code not in used
                    and (
                        any(rule.startswith(code) for rule in enabled)
                        or (suppression.kind == "migrator" and not any(rule.startswith(code) for rule in known))
                    )
                )
                if idle:
                    result.append((suppression, idle))
        return sorted(result, key=lambda item: (item[0].line, item[0].column))


def suppressed_codes(line: str) -> Optional[frozenset[str]]:
    """The codes a line silences; an empty set means all codes; None means no comment."""
    if "#" not in line:
        return None
    found = parse_comment(line[line.index("#") :])
    if not found:
        return None
    if any(not s.codes for s in found):
        return frozenset()
    return frozenset(code for s in found for code in s.codes)


UNUSED_NAME = "unused-suppression"
UNUSED_SUMMARY = "a suppression comment that silences nothing"
UNUSED_DOC = """## What it does
With `--warn-unused-ignores` (or `warn-unused-ignores = true`), reports a
`# migrator: ignore[...]` or `# noqa: CODE` comment that silenced no finding in this run,
and for a comment that lists several codes, the codes that silenced nothing.

## Why is this bad?
A stale suppression hides the next real finding on that line.

## What is not reported
A bare `# noqa` (other linters read it too), codes of other tools (`E501`) and codes of
rules switched off in this run."""
