"""The openai releases a pin is judged against, shipped as `data/openai-releases.txt`.

A specifier says which releases it allows only once it meets the real list: `==0.27.4`
allows one release, `>=4` none today, `^0.26` none with ChatCompletion. The list is
read (and parsed) once per process, only when a pin has to be judged.

Regenerate the list from the package registry (pip's own client, pre-releases
included) after a new openai release, from a checkout:

    .venv/bin/python -m migrator_rules.releases

`tests/test_pins.py` checks that the shipped file is sorted, parses and holds the
releases the decisions turn on.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # packaging is imported when a pin is judged, not with the rules
    from packaging.version import Version

DATA_FOLDER = "data"
FILE_NAME = "openai-releases.txt"


def _text() -> str:
    return resources.files(__package__ or "migrator_rules").joinpath(DATA_FOLDER).joinpath(FILE_NAME).read_text(encoding="utf-8")


def parse(text: str) -> tuple[Version, ...]:
    """One version per line (blank lines skipped)."""
    from packaging.version import Version

    return tuple(Version(line) for line in map(str.strip, text.splitlines()) if line)


@cache
def openai_releases() -> tuple[Version, ...]:
    """Every openai release, oldest first."""
    return parse(_text())


def _from_registry() -> list[Version]:
    """What `pip index versions --pre openai` lists (the registry pip is set up for)."""
    from packaging.version import InvalidVersion, Version

    output = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "--pre", "openai"],
        capture_output=True, text=True, check=True,
    ).stdout
    match = re.search(r"^Available versions:\s*(.+)$", output, re.MULTILINE)
    if match is None:
        raise SystemExit(f"unexpected output from pip index versions:\n{output}")
    found = []
    for word in match.group(1).split(","):
        try:
            found.append(Version(word.strip()))
        except InvalidVersion:
            continue
    return sorted(set(found))


def main() -> None:
    target = Path(__file__).resolve().parent / DATA_FOLDER / FILE_NAME
    versions = _from_registry()
    target.write_text("".join(f"{version}\n" for version in versions), encoding="utf-8")
    print(f"{target}: {len(versions)} releases, {versions[0]} .. {versions[-1]}")


if __name__ == "__main__":
    main()
