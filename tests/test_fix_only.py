"""`fix_only`: the engine applies the fix groups of the chosen findings and nothing else
(what an editor's per-finding fix needs), still whole-call."""

from __future__ import annotations

import json
from typing import Any

from migrator.engine import check_source
from migrator.model import Finding
from migrator.notebook import check_notebook
from migrator.runner import load_pack
from tests.helpers import fixed, settings

SOURCE = '''import openai

client = openai.OpenAI()


def ask(question):
    response = client.completions.create(model="text-davinci-003", prompt=question)
    return response.choices[0].text


def summarise(text):
    result = client.completions.create(model="text-davinci-003", prompt=text)
    return result.choices[0].text
'''


def _findings(source: str, **options: Any) -> list[Finding]:
    return check_source("app.py", source.encode(), settings(**options), load_pack()).findings


def test_a_chosen_read_brings_its_call_and_model_and_nothing_else() -> None:
    read = next(f for f in _findings(SOURCE) if f.code == "OAI002" and f.location.line == 8)
    result = check_source(
        "app.py", SOURCE.encode(), settings(), load_pack(), fix=True, fix_only={(read.code, read.location)}
    )
    assert result.new_source is not None
    new = result.new_source.decode()
    first, second = new.split("def summarise")
    assert first == fixed(SOURCE).split("def summarise")[0]  # the whole first call, as `fix` does it
    assert second == SOURCE.split("def summarise")[1]  # the second call untouched
    assert {(f.location.line, f.fixed) for f in result.findings} == {(7, True), (8, True), (12, False), (13, False)}


def test_all_chosen_groups_give_what_fix_gives() -> None:
    keys = {(f.code, f.location) for f in _findings(SOURCE) if f.code == "OAI001"}
    result = check_source("app.py", SOURCE.encode(), settings(), load_pack(), fix=True, fix_only=keys)
    assert result.new_source is not None and result.new_source.decode() == fixed(SOURCE)


def test_nothing_chosen_or_an_unsafe_group_without_unsafe_fixes_changes_nothing() -> None:
    result = check_source("app.py", SOURCE.encode(), settings(), load_pack(), fix=True, fix_only=set())
    assert result.new_source is None
    unsafe = next(f for f in _findings(SOURCE, model=None) if f.code == "OAI001")
    key = {(unsafe.code, unsafe.location)}
    assert check_source("app.py", SOURCE.encode(), settings(model=None), load_pack(), fix=True, fix_only=key).new_source is None
    with_unsafe = check_source(
        "app.py", SOURCE.encode(), settings(model=None, unsafe_fixes=True), load_pack(), fix=True, fix_only=key
    )
    assert with_unsafe.new_source is not None and b"def summarise(text):\n    result = client.completions" in with_unsafe.new_source


def test_notebook_findings_are_chosen_by_cell_and_line_in_the_cell() -> None:
    cells = ["import openai\nclient = openai.OpenAI()\n", *SOURCE.split("\n\n\n")[1:]]
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c} for c in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    data = json.dumps(notebook).encode()
    findings = check_notebook("nb.ipynb", data, settings(), load_pack()).findings
    chosen = next(f for f in findings if f.cell == 3 and f.code == "OAI002")
    result = check_notebook(
        "nb.ipynb", data, settings(), load_pack(), fix=True, fix_only={(chosen.code, 3, chosen.location)}
    )
    assert result.new_source is not None
    new_cells = ["".join(c["source"]) for c in json.loads(result.new_source)["cells"]]
    assert new_cells[1] == cells[1]  # the call of the other cell's group is left alone
    assert "result = client.chat.completions.create(" in new_cells[2] and ".message.content" in new_cells[2]
