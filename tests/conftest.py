from __future__ import annotations

import os

import pytest

# Every fix made anywhere in the suite (the CLI's subprocesses too) also generates the
# whole module and fails if the spliced text differs (migrator/splice.py).
os.environ["MIGRATOR_CHECK_SPLICES"] = "1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-fixtures",
        action="store_true",
        help="rewrite the expected output and findings of the fixture tests (review the diff before committing)",
    )
