"""Every rule works the same in a notebook as in a module.

Each rule fixture (tests/fixtures/<CODE>/<case>.py) is wrapped as the only code cell of a
notebook, after a markdown cell: the findings must be the module's, in cell 2, and the fixed
cell must be the module's expected output. Real Python is never taken for IPython syntax.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrator.notebook import check_notebook, python_source
from migrator.runner import load_pack
from tests.helpers import run, settings
from tests.test_fixtures import CASES, _options


def _as_text(case: Path) -> str | None:
    data = case.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # A notebook cell has no encoding of its own: BOMs and coding cookies are module-only.
    if text.startswith("\ufeff") or "coding" in "".join(text.splitlines(keepends=True)[:2]):
        return None
    return text


def _notebook(source: str) -> bytes:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["Uses `completions`.\n"]},
        {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": source.splitlines(keepends=True)},
    ]
    return (json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n").encode()


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_rule_fixture_in_a_notebook(case: Path) -> None:
    text = _as_text(case)
    if text is None:
        pytest.skip("the case is about module encodings")
    options = _options(case)
    module = run(text.encode(), fix=True, path=str(case), **options)  # type: ignore[arg-type]
    notebook = check_notebook(
        str(case.with_suffix(".ipynb")), _notebook(text), settings(**options), load_pack(), fix=True  # type: ignore[arg-type]
    )
    assert notebook.error == module.error
    assert [(f.code, f.location, f.fix, f.fixed) for f in notebook.findings] == [
        (f.code, f.location, f.fix, f.fixed) for f in module.findings
    ]
    assert {f.cell for f in notebook.findings} <= {2}
    expected = text if module.new_source is None else module.new_source.decode("utf-8")
    if notebook.new_source is None:
        assert expected == text
    else:
        cells = json.loads(notebook.new_source)["cells"]
        assert "".join(cells[1]["source"]) == expected


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_python_is_not_masked(case: Path) -> None:
    text = _as_text(case)
    if text is None:
        pytest.skip("the case is about module encodings")
    assert python_source(text) == text
