"""The README's first two commands: what CI runs, and what a new user sees first.

The README opens with exactly two commands: one runs the tool on `examples/`, one runs
the tests. `.ci/run` must run the second as written, and the first must print what the
README shows under it; otherwise the two drift apart unnoticed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks() -> list[str]:
    """The fenced code blocks of the README's opening, before its first section."""
    opening = README.split("\n## ", 1)[0]
    return re.findall(r"```[a-z]*\n(.*?)```", opening, flags=re.DOTALL)


def _commands() -> list[str]:
    return _blocks()[0].strip().splitlines()


def test_the_readme_starts_with_exactly_two_commands() -> None:
    assert README.startswith("# openai-chat-migrator\n\n```bash\n")
    run, test = _commands()
    assert run.endswith(".venv/bin/migrator fix --diff --model gpt-4o-mini examples/")
    assert "pip install -q ." in run and "[dev]" not in run  # the tool alone
    assert test.endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _commands()[1] in ci.splitlines()


def test_the_first_command_prints_what_the_readme_shows() -> None:
    # The README's command, from its `migrator` on: the install before it is the venv's.
    arguments = _commands()[0].split(".venv/bin/migrator ", 1)[1].split()
    before = {path: path.read_bytes() for path in (ROOT / "examples").rglob("*.py")}
    done = subprocess.run(
        [sys.executable, "-m", "migrator", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # there is something to migrate
    shown = _blocks()[1]
    assert done.stderr == shown, f"README shows:\n{shown}\nthe command printed:\n{done.stderr}"
    assert done.stdout.startswith("--- a/examples/") and "+++ b/examples/" in done.stdout
    assert {path: path.read_bytes() for path in (ROOT / "examples").rglob("*.py")} == before  # writes nothing
