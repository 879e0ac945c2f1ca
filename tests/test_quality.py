"""The project's own code passes ruff and mypy (part of the test command)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff() -> None:
    if shutil.which("ruff") is None and _run(sys.executable, "-m", "ruff", "--version").returncode:
        pytest.fail("ruff is not installed: install the dev extra (pip install -e '.[dev]')")
    result = _run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


# One concern per module: a module past this many lines holds more than one.
MAX_MODULE_LINES = 500


def test_no_module_of_the_engine_or_the_rule_pack_is_over_500_lines() -> None:
    generated = ROOT / "rules" / "_catalog.py"  # data written by `python -m migrator_rules`
    too_long = [
        f"{path.relative_to(ROOT)} ({lines} lines)"
        for folder in ("migrator", "rules")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != generated and (lines := path.read_bytes().count(b"\n")) > MAX_MODULE_LINES
    ]
    assert not too_long, f"over {MAX_MODULE_LINES} lines, split by concern: {', '.join(too_long)}"


def test_the_engine_knows_nothing_of_openai_or_its_rule_pack() -> None:
    # The engine serves any rule pack: the OpenAI knowledge (and the product's name, which
    # says it) lives in the pack, which the engine finds by name at run time only.
    import ast

    for path in sorted((ROOT / "migrator").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "openai" not in text.lower(), f"{path.relative_to(ROOT)} names openai"
        for node in ast.walk(ast.parse(text)):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.append(node.module)
            for module in modules:
                assert module.split(".")[0] not in ("migrator_rules", "rules"), f"{path.relative_to(ROOT)} imports {module}"
