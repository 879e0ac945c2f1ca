"""Exclude patterns: gitignore-style names and paths, compiled once per pattern set."""

from __future__ import annotations

import pytest

from migrator.discovery import is_excluded

PATTERNS = ("build", "*.gen.py", "src/legacy/*", "/docs/", "[ab]?.py", "*/migrations/*")


@pytest.mark.parametrize(
    ("relative", "excluded"),
    [
        ("build", True),  # a name matches any component
        ("pkg/build/x.py", True),
        ("pkg/builder/x.py", False),
        ("pkg/m.gen.py", True),
        ("pkg/m.py", False),
        ("src/legacy/old.py", True),  # a path pattern matches the whole relative path
        ("src/legacy/deep/old.py", True),  # ... or a folder it names
        ("other/src/legacy/old.py", False),
        ("docs", True),
        ("docs/conf.py", True),
        ("a1.py", True),
        ("c1.py", False),
        ("app/migrations/0001.py", True),
        ("migrations/0001.py", False),
    ],
)
def test_excludes(relative: str, excluded: bool) -> None:
    assert is_excluded(relative, PATTERNS) is excluded


def test_no_patterns_excludes_nothing() -> None:
    assert not is_excluded("build/x.py", ())
