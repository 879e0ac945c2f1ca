"""Reading the project's openai pin from its dependency files."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator_rules.pins import evaluate, project_pin
from tests.helpers import run


@pytest.mark.parametrize(
    ("spec", "v0", "v1", "chat_v0"),
    [
        ("==0.28.1", True, False, True),
        ("<1", True, False, True),
        (">=0.27,<1.0", True, False, True),
        ("~=0.28", True, False, True),
        ("==0.26.5", True, False, False),
        ("<0.27", True, False, False),
        (">=1.0", False, True, False),
        ("~=1.3", False, True, False),
        ("", True, True, True),
        ("^0.28", True, False, True),
        ("==0.*", True, False, True),
    ],
)
def test_specifiers(spec: str, v0: bool, v1: bool, chat_v0: bool) -> None:
    pin = evaluate(spec, "x")
    assert (pin.allows_v0, pin.allows_v1, pin.allows_chat_v0) == (v0, v1, chat_v0)


@pytest.mark.parametrize(
    ("name", "text", "allows_v1"),
    [
        ("requirements.txt", "requests\nopenai==0.28.1  # pinned\n", False),
        ("requirements-dev.txt", "openai>=1.2\n", True),
        ("pyproject.toml", '[project]\ndependencies = ["openai<1"]\n', False),
        ("pyproject.toml", '[tool.poetry.dependencies]\nopenai = "^1.30"\n', True),
        ("setup.py", 'setup(install_requires=["openai==0.27.8"])\n', False),
        ("setup.cfg", "[options]\ninstall_requires =\n    openai>=1\n", True),
        ("Pipfile", '[packages]\nopenai = "==0.28"\n', False),
        ("poetry.lock", '[[package]]\nname = "openai"\nversion = "0.28.1"\n', False),
        ("uv.lock", '[[package]]\nname = "openai"\nversion = "1.109.1"\n', True),
    ],
)
def test_files(tmp_path: Path, name: str, text: str, allows_v1: bool) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / name).write_text(text)
    pin = project_pin(tmp_path)
    assert pin is not None and pin.allows_v1 is allows_v1
    assert pin.source.endswith(name)


V0_CALL = 'import openai\nr = openai.Completion.create(model="text-davinci-003", prompt="hi")\nprint(r["choices"][0]["text"])\n'


def test_v1_pin_moves_v0_code_to_the_v1_sdk(tmp_path: Path) -> None:
    # On openai>=1 the v0 code already fails at run time: `auto` upgrades it.
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("openai>=1\n")
    result = run(V0_CALL, path=str(tmp_path / "app.py"))
    assert result.new_source == (
        b'import openai\nr = openai.chat.completions.create(model="gpt-4o-mini", '
        b'messages=[{"role": "user", "content": "hi"}])\nprint(r.choices[0].message.content or "")\n'
    )


def test_pre_chat_pin_is_noted_once(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("openai==0.26.5\n")
    result = run(V0_CALL, path=str(tmp_path / "app.py"))
    assert result.new_source is not None and b"ChatCompletion" in result.new_source
    pin_notes = [note for note in result.run_notes if ">=0.27,<1" in note]
    assert len(pin_notes) == 1


def test_keep_ignores_the_pin(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("openai>=1\n")
    result = run(V0_CALL, path=str(tmp_path / "app.py"), sdk="keep")
    assert result.new_source is not None and b"openai.ChatCompletion.create" in result.new_source


def test_a_notebook_pip_install_is_the_pin(tmp_path: Path) -> None:
    import json

    from migrator.notebook import check_notebook
    from migrator.runner import load_pack
    from tests.helpers import settings

    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("openai>=1\n")  # the notebook says otherwise
    cells = ["%pip install openai==0.28.1\n", V0_CALL]
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": c}
            for c in cells
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "nb.ipynb"
    data = json.dumps(notebook, indent=1).encode()
    result = check_notebook(str(path), data, settings(sdk="auto"), load_pack(), fix=True)
    assert result.new_source is not None
    assert b"openai.ChatCompletion.create" in result.new_source  # kept on 0.28, not upgraded


def test_the_pin_is_looked_up_where_the_file_really_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Folders are resolved once each, but `..` after a link must still follow the link
    (`b/link/../x.py` is `a/x.py` when `b/link` points to `a/deep`)."""
    from migrator_rules.pins import pin_for

    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "a" / "requirements.txt").write_text("openai==0.28.1\n")
    (tmp_path / "a" / "x.py").write_text("import openai\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "requirements.txt").write_text("openai>=1.0\n")
    (tmp_path / "b" / "link").symlink_to(tmp_path / "a" / "deep")
    monkeypatch.chdir(tmp_path / "b")
    for path in ("link/../x.py", str(tmp_path / "a" / "x.py")):
        pin = pin_for(path)
        assert pin is not None and pin.source.endswith(str(Path("a") / "requirements.txt")), (path, pin)
    pin = pin_for(str(tmp_path / "b" / "y.py"))
    assert pin is not None and pin.source.endswith(str(Path("b") / "requirements.txt"))
