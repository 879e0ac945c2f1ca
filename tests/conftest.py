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
    parser.addoption(
        "--update-realcode",
        action="store_true",
        help="rewrite tests/realcode/snapshot.json and RESULTS.md from this run (review the diff before committing)",
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # The real-code stage's totals, when it ran (tests/realcode/score.py).
    import sys

    score = sys.modules.get("tests.realcode.score")
    scored = getattr(score, "SCORED", None)
    if score is not None and scored:
        terminalreporter.section("real code")
        for line in score.summary_lines(scored):
            terminalreporter.write_line(line)
        terminalreporter.write_line(f"details: {score.write_last_run(scored)}")
