"""Notebooks as a user and CI see them (issue 13): positions in the `.ipynb` text for
GitHub annotations and SARIF, automagic lines, and cells that do not parse reported as
warnings naming the cells. Through the installed command in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli_git_repo import migrator


def code(source: Any) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


CELLS = [
    {"cell_type": "markdown", "metadata": {}, "source": ["# A legacy notebook"]},
    # 2: automagic `pip install` (no `!` or `%`): masked, not a syntax error
    code(["pip install -q openai\n", "import openai\n", "\n", "client = openai.OpenAI()"]),
    # 3: a list of lines; `cd data` is automagic too
    code(["cd data\n", "response = client.completions.create(\n",
          '    model="gpt-4o-mini", prompt="Say hi"\n', ")"]),
    # 4: one string with `\n` escapes: the whole cell is on one line of the file
    code("print('reading')\ntext = response.choices[0].text\nprint(text)"),
    # 5, 6: do not parse (a list of lines, then one string)
    code(["def broken(:\n", "    return text"]),
    code("x = 1\ny = (\n"),
]
NOTEBOOK = {
    "cells": CELLS,
    "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture
def notebook(tmp_path: Path) -> tuple[Path, list[str]]:
    text = json.dumps(NOTEBOOK, indent=1) + "\n"  # as nbformat writes it
    (tmp_path / "nb.ipynb").write_text(text)
    (tmp_path / "pyproject.toml").write_text("[tool.migrator]\nmodel = 'gpt-4o-mini'\n")
    return tmp_path, text.splitlines()


def file_position(lines: list[str], needle: str, *, within: str) -> tuple[int, int]:
    """1-based line and column of `needle` in the first line of the file holding `within`."""
    number = next(i for i, line in enumerate(lines, start=1) if within in line)
    return number, lines[number - 1].index(needle) + 1


def test_github_annotations_point_at_the_json_line(notebook: tuple[Path, list[str]]) -> None:
    root, lines = notebook
    done = migrator(root, "check", "--output-format", "github", "nb.ipynb")
    assert done.returncode == 1
    annotations = done.stdout.splitlines()
    # The call, in a cell whose source is a list: its own JSON line and column.
    line, column = file_position(lines, "client.completions", within='"response = client.completions.create(\\n"')
    call = next(a for a in annotations if "title=OAI001" in a)
    assert call.startswith(f"::error file=nb.ipynb,line={line},col={column},endLine={line + 2},endColumn=")
    assert "::cell 3, line 2, column 12: legacy Completions call" in call
    # The read, on the second line of a one-string cell: the line of that string, and the
    # column inside it where the cell's second line is written.
    line, column = file_position(lines, "response.choices", within='"source": "print(\'reading\')\\ntext = ')
    read = next(a for a in annotations if "title=OAI002" in a)
    end = column + len("response.choices[0].text")
    assert read.startswith(f"::error file=nb.ipynb,line={line},col={column},endLine={line},endColumn={end},")
    assert "::cell 4, line 2, column 8: completion text read as `text`" in read
    # Cells that do not parse: a warning on the line of the file where the error is.
    warnings = [a for a in annotations if a.startswith("::warning ")]
    broken_line, _ = file_position(lines, "def", within='"def broken(:\\n"')
    one_string, _ = file_position(lines, "x", within='"source": "x = 1\\ny = (\\n"')
    assert warnings == [
        f"::warning file=nb.ipynb,line={broken_line},title=migrator::cell 5 was skipped: "
        "syntax error at 1:12: invalid syntax (in the cell)",
        f"::warning file=nb.ipynb,line={one_string},title=migrator::cell 6 was skipped: "
        "syntax error at 2:5: '(' was never closed (in the cell)",
    ]


def test_sarif_regions_are_in_the_file_and_cells_in_properties(notebook: tuple[Path, list[str]]) -> None:
    root, lines = notebook
    done = migrator(root, "check", "--output-format", "sarif", "nb.ipynb")
    run = json.loads(done.stdout)["runs"][0]
    read = next(r for r in run["results"] if r["ruleId"] == "OAI002")
    line, column = file_position(lines, "response.choices", within='"source": "print(\'reading\')\\ntext = ')
    region = read["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endLine"]) == (line, column, line)
    assert read["properties"] == {"cell": 4, "cellLine": 2, "cellColumn": 8, "cellEndLine": 2, "cellEndColumn": 32}
    assert read["message"]["text"].startswith("cell 4, line 2, column 8: ")
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [(n["level"], n["properties"]["cell"]) for n in notes] == [("warning", 5), ("warning", 6)]
    broken_line, _ = file_position(lines, "def", within='"def broken(:\\n"')
    assert notes[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": broken_line}


def test_text_json_and_plan_name_the_skipped_cells(notebook: tuple[Path, list[str]]) -> None:
    root, _ = notebook
    done = migrator(root, "check", "nb.ipynb")
    assert done.returncode == 1  # two cells were not checked
    assert (
        "nb.ipynb: warning: cells 5 (syntax error at 1:12: invalid syntax) and 6 (syntax error at 2:5: "
        "'(' was never closed) were skipped; the other cells were checked"
    ) in done.stdout.splitlines()
    assert ": error:" not in done.stdout and "file could not be checked" not in done.stdout
    assert "nb.ipynb:cell 3:2:12: OAI001 " in done.stdout  # after `cd data`, masked
    assert "nb.ipynb:cell 4:2:8: OAI002 " in done.stdout
    data = json.loads(migrator(root, "check", "--output-format", "json", "nb.ipynb").stdout)
    assert data["errors"] == []
    assert [(s["cell"], s["line"], s["column"]) for s in data["skipped_cells"]] == [(5, 1, 12), (6, 2, 5)]
    plan = migrator(root, "report", "nb.ipynb").stdout
    assert "Files that could not be checked" not in plan
    assert "Notebook cells that could not be checked:\n  nb.ipynb: cells 5 " in plan


def test_fix_keeps_masked_lines_and_skipped_cells(notebook: tuple[Path, list[str]]) -> None:
    root, _ = notebook
    done = migrator(root, "fix", "nb.ipynb")
    assert done.returncode == 1, done.stdout + done.stderr  # the skipped cells were not checked
    cells = json.loads((root / "nb.ipynb").read_text())["cells"]
    assert cells[1]["source"][0] == "pip install -q openai\n"
    assert cells[2]["source"][:2] == ["cd data\n", "response = client.chat.completions.create(\n"]
    assert cells[3]["source"] == 'print(\'reading\')\ntext = response.choices[0].message.content or ""\nprint(text)'
    assert cells[4]["source"] == CELLS[4]["source"] and cells[5]["source"] == CELLS[5]["source"]
