"""Notebooks: fixtures before/after, positions, byte-identical round trips, masking, CLI."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrator.cli import cli
from migrator.model import FileResult
from migrator.notebook import check_notebook, python_source, render
from migrator.runner import Job, load_pack, process_file
from tests.helpers import settings

NOTEBOOKS = Path(__file__).parent / "notebooks"

# case -> (options for the run, findings of `check` as (cell, line, column, code))
CASES: dict[str, tuple[dict[str, Any], list[tuple[int, int, int, str]]]] = {
    "azure_across_cells": ({"unsafe_fixes": True}, [(3, 4, 12, "OAI001"), (5, 1, 11, "OAI002")]),
    "crlf_single_string": (
        {},
        [(3, 1, 14, "OAI001"), (3, 1, 46, "OAI004"), (6, 1, 10, "OAI002")],
    ),
}


def run(name_or_data: str | bytes, *, fix: bool, **options: Any) -> FileResult:
    if isinstance(name_or_data, str):
        data = (NOTEBOOKS / name_or_data).read_bytes()
    else:
        data = name_or_data
    return check_notebook("nb.ipynb", data, settings(**options), load_pack(), fix=fix)


def fixed_bytes(data: bytes, **options: Any) -> bytes:
    result = run(data, fix=True, **options)
    return data if result.new_source is None else result.new_source


@pytest.mark.parametrize("case", sorted(CASES))
def test_fix_matches_expected(case: str, request: pytest.FixtureRequest) -> None:
    options, _ = CASES[case]
    before = (NOTEBOOKS / f"{case}.ipynb").read_bytes()
    after = fixed_bytes(before, **options)
    expected_path = NOTEBOOKS / f"{case}.expected.ipynb"
    if request.config.getoption("--update-fixtures"):
        expected_path.write_bytes(after)
    assert after == expected_path.read_bytes()
    json.loads(after)  # never a notebook that is not valid JSON


@pytest.mark.parametrize("case", sorted(CASES))
def test_fix_twice_is_fix_once(case: str) -> None:
    options, _ = CASES[case]
    once = (NOTEBOOKS / f"{case}.expected.ipynb").read_bytes()
    again = run(once, fix=True, **options)
    assert again.new_source is None
    assert [f.code for f in again.findings] == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_positions_are_cell_relative(case: str) -> None:
    options, expected = CASES[case]
    result = run(f"{case}.ipynb", fix=False, **options)
    found = [(f.cell, f.location.line, f.location.column, f.code) for f in result.findings]
    assert found == expected
    assert all(f.path == "nb.ipynb" for f in result.findings)


@pytest.mark.parametrize("case", sorted(CASES))
def test_only_the_changed_sources_differ(case: str) -> None:
    before = json.loads((NOTEBOOKS / f"{case}.ipynb").read_bytes())
    after = json.loads((NOTEBOOKS / f"{case}.expected.ipynb").read_bytes())
    assert list(before) == list(after)
    for old, new in zip(before["cells"], after["cells"]):
        assert list(old) == list(new)
        assert {k: v for k, v in old.items() if k != "source"} == {
            k: v for k, v in new.items() if k != "source"
        }
        assert type(old["source"]) is type(new["source"])
    assert {k: v for k, v in before.items() if k != "cells"} == {k: v for k, v in after.items() if k != "cells"}


def test_findings_flow_across_cells_and_skip_the_broken_cell() -> None:
    result = run("azure_across_cells.ipynb", fix=True, unsafe_fixes=True)
    # Cell 6 reads the response too, but it does not parse: reported, left as it was.
    # A skipped cell is not an error of the file: the other cells were checked.
    assert result.error is None
    assert [(s.cell, s.error.describe()) for s in result.skipped_cells] == [
        (6, "syntax error at 1:12: invalid syntax")
    ]
    assert result.new_source is not None
    cells = json.loads(result.new_source)["cells"]
    assert cells[5]["source"] == ["def broken(:\n", "    return response.choices[0].text"]


def test_masked_lines_come_back_byte_identical() -> None:
    before = json.loads((NOTEBOOKS / "azure_across_cells.ipynb").read_bytes())["cells"]
    after = json.loads((NOTEBOOKS / "azure_across_cells.expected.ipynb").read_bytes())["cells"]
    for line in ("files = !ls *.txt\n", "!echo {text}\n"):
        assert line in before[2]["source"] and line in after[2]["source"]
    assert after[1] == before[1] and after[3] == before[3] and after[6] == before[6]


def test_crlf_and_escaped_non_ascii_are_kept() -> None:
    raw = (NOTEBOOKS / "crlf_single_string.expected.ipynb").read_bytes()
    assert raw.isascii() and b"\\u00e9" in raw and b"\\u2192" in raw
    cells = json.loads(raw)["cells"]
    assert cells[2]["source"].endswith(")\r\n") and "\r\n" not in cells[2]["source"][:-2]
    assert cells[5]["source"] == 'answer = completion.choices[0].message.content or ""\r\nprint("\u2192", answer)'
    assert not raw.endswith(b"\n")  # that writer left no final newline


def test_pip_installs_reach_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    # The engine passes a notebook's own `%pip install` requirements on as they are
    # written; which of them matter is the rule pack's business.
    import migrator.engine

    seen: list[list[str]] = []
    real = migrator.engine.check_source

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(list(kwargs["requirements"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(migrator.engine, "check_source", spy)
    run("azure_across_cells.ipynb", fix=False)
    run("crlf_single_string.ipynb", fix=False)
    assert seen == [["openai<1", "tiktoken"], ["openai==0.28.1"]]


@pytest.mark.parametrize("name", ["clean.ipynb", "r_kernel.ipynb"])
def test_untouched_notebooks_stay_byte_identical(name: str) -> None:
    result = run(name, fix=True, unsafe_fixes=True)
    assert result.new_source is None and result.findings == [] and result.error is None


def test_a_notebook_without_applicable_fix_is_byte_identical() -> None:
    # Azure fixes are unsafe: without --unsafe-fixes nothing may change.
    result = run("azure_across_cells.ipynb", fix=True)
    assert result.new_source is None
    assert [f.fixed for f in result.findings] == [False, False]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"cells": [], "nbformat": 4, "completions"', "invalid JSON at 1:"),
        (b'{"worksheets": [], "nbformat": 3, "x": "completions"}', "not a Jupyter notebook"),
        (b'{"cells": [], "nbformat": 5, "x": "completions"}', "nbformat 5 is not supported"),
        (b'\xff{"cells": [], "nbformat": 4, "x": "completions"}', "not UTF-8"),
    ],
)
def test_unreadable_notebooks_are_errors(data: bytes, message: str) -> None:
    result = run(data, fix=True)
    assert result.error is not None and result.error.startswith(message)
    assert result.new_source is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("%time x = 1\n", "pass"),
        ("  !ls -l\n", "  pass"),
        ("out = !ls\n", "out = ..."),
        ("a, b = %sx ls\n", "a, b = ..."),
        ("?len\n", "pass"),
        ("len??\n", "pass"),
        ("os.path.join?\n", "pass"),
        ("%%timeit\nx = completions.create()\n", "pass"),
    ],
)
def test_ipython_lines_are_masked(source: str, expected: str) -> None:
    first = python_source(source).splitlines()[0]
    assert first.startswith(expected + "  # <migrator-notebook-mask ")


@pytest.mark.parametrize(
    "source",
    [
        's = """\n!not a shell escape\n%not a magic\n"""\n',
        "call(\n    x,\n    y)\n",
        "x = 1  # why?\n",
        "y = a != b\nz %= 3\n",
        "print('done?')\n",
    ],
)
def test_python_is_never_masked(source: str) -> None:
    assert python_source(source) == source


def test_continued_magic_is_masked_as_one_command() -> None:
    masked = python_source("!pip install \\\n    openai==0.28\nx = 1\n").splitlines()
    assert masked[0].startswith("pass  #") and masked[1].startswith("pass  #")
    assert masked[2] == "x = 1"


def test_render_follows_the_file_layout_for_an_empty_list() -> None:
    notebook = {"cells": [{"cell_type": "code", "source": []}], "nbformat": 4}
    data = (json.dumps(notebook, indent=1) + "\n").encode()
    new = render(data, {1: "a = 1\nb = 2"})
    assert new.decode() == json.dumps(
        {"cells": [{"cell_type": "code", "source": ["a = 1\n", "b = 2"]}], "nbformat": 4}, indent=1
    ) + "\n"
    compact = json.dumps(notebook, separators=(",", ":")).encode()
    assert render(compact, {1: "a\n"}) == b'{"cells":[{"cell_type":"code","source":["a\\n"]}],"nbformat":4}'


def test_render_keeps_a_bom_and_other_cells() -> None:
    notebook = {"cells": [{"source": "x"}, {"source": ["é\n", "y"]}], "nbformat": 4}
    data = b"\xef\xbb\xbf" + json.dumps(notebook, indent=4, ensure_ascii=False).encode()
    new = render(data, {2: "é\nz\n"})
    assert new.startswith(b"\xef\xbb\xbf")
    assert new.replace(b'"z\\n"', b'"y"') == data


# -- through the runner and the command line ----------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("azure_across_cells.ipynb", "crlf_single_string.ipynb", "clean.ipynb"):
        shutil.copy(NOTEBOOKS / name, tmp_path / name)
    (tmp_path / "broken.ipynb").write_bytes(b'{"cells": [ "completions"')
    (tmp_path / "legacy.py").write_text("import openai\nopenai.completions.create(model='x', prompt='p')\n")
    return tmp_path


def invoke(project: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, [*args, "--isolated", "--jobs", "1", str(project)], catch_exceptions=False)


def test_cli_check_text_shows_cells(project: Path) -> None:
    result = invoke(project, "check")
    assert result.exit_code == 1
    out = result.output
    assert f"{project}/crlf_single_string.ipynb:cell 3:1:14: OAI001" in out
    assert f"{project}/azure_across_cells.ipynb:cell 5:1:11: OAI002" in out
    assert f"{project}/broken.ipynb: error: invalid JSON" in out
    assert f"{project}/legacy.py:2:1: OAI001" in out  # the other files are still checked
    assert "clean.ipynb" not in out


def test_cli_check_json_has_cell(project: Path) -> None:
    data = json.loads(invoke(project, "check", "--output-format", "json").output)
    cells = {(Path(f["path"]).name, f["cell"], f["line"], f["code"]) for f in data["findings"]}
    assert ("crlf_single_string.ipynb", 6, 1, "OAI002") in cells
    assert ("legacy.py", None, 2, "OAI001") in cells


def test_cli_diff_is_per_cell_and_writes_nothing(project: Path) -> None:
    before = (project / "crlf_single_string.ipynb").read_bytes()
    result = invoke(project, "fix", "--diff", "--model", "gpt-4o-mini")
    assert result.exit_code == 1
    assert f"--- {project}/crlf_single_string.ipynb:cell 3\n" in result.output
    assert f"+++ {project}/crlf_single_string.ipynb:cell 6\n" in result.output
    assert (project / "crlf_single_string.ipynb").read_bytes() == before


def test_fix_writes_the_expected_notebook(project: Path) -> None:
    job = Job(settings=settings(model="gpt-4o-mini"), fix=True, write=True)
    result = process_file(str(project / "crlf_single_string.ipynb"), job)
    assert result.written and result.error is None
    expected = (NOTEBOOKS / "crlf_single_string.expected.ipynb").read_bytes()
    assert (project / "crlf_single_string.ipynb").read_bytes() == expected
    clean = process_file(str(project / "clean.ipynb"), job)
    assert not clean.written
    assert (project / "clean.ipynb").read_bytes() == (NOTEBOOKS / "clean.ipynb").read_bytes()


def test_added_lines_land_in_their_cell() -> None:
    # `--add-todo` adds a line above the statement: first in its cell, after a comment.
    cells = [
        ["from openai import OpenAI\n", "client = OpenAI()"],
        ["# keep\n", "r = client.completions.create(model='gpt-4o-mini', prompt='x', echo=True)\n"],
        ["r2 = client.completions.create(model='gpt-4o-mini', prompt='x', suffix='y')"],
    ]
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": s} for s in cells], "nbformat": 4}
    data = json.dumps(notebook, indent=1).encode()
    result = check_notebook("nb.ipynb", data, replace(settings(), add_todo=True), load_pack(), fix=True)
    assert result.error is None and result.new_source is not None
    new = [cell["source"] for cell in json.loads(result.new_source)["cells"]]
    assert new[0] == cells[0]
    assert new[1][0] == "# keep\n" and new[1][1].startswith("# TODO(migrator): ") and new[1][2:] == cells[1][1:]
    assert new[2][0].startswith("# TODO(migrator): ") and new[2][0].endswith("\n") and new[2][1:] == cells[2]
    again = check_notebook("nb.ipynb", result.new_source, replace(settings(), add_todo=True), load_pack(), fix=True)
    assert again.new_source is None
