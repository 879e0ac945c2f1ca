"""Reading the project's openai pin from its dependency files, and what `--sdk auto` makes of it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from migrator_rules.pins import evaluate, project_pin
from migrator_rules.releases import openai_releases, parse
from tests.helpers import run

ROOT = Path(__file__).resolve().parent.parent
RELEASES = ROOT / "rules" / "data" / "openai-releases.txt"

# -- the specifier itself, against the real releases --------------------------------------


@pytest.mark.parametrize(
    ("spec", "v0", "v1", "chat_v0", "decision"),
    [
        # PEP 440
        ("==0.28.1", True, False, True, "keep"),
        ("==0.27.4", True, False, True, "keep"),
        ("==0.28.0", True, False, True, "keep"),
        ("~=0.27.2", True, False, True, "keep"),  # 0.27.2 .. 0.27.10: no 1.x release
        ("==0.26.4", True, False, False, "keep"),
        ("==0.26.5", True, False, False, "keep"),
        ("<0.27", True, False, False, "keep"),
        ("<1", True, False, True, "keep"),
        ("<1.0", True, False, True, "keep"),  # 1.0.0b1 is a pre-release of 1.0: not allowed
        (">=0.27,<1.0", True, False, True, "keep"),
        ("~=0.28", True, False, True, "keep"),
        ("==0.*", True, False, True, "keep"),
        ("==0.28.*", True, False, True, "keep"),
        (">=1.0", False, True, False, "v1"),
        ("~=1.3", False, True, False, "v1"),
        ("==1.66.0", False, True, False, "v1"),
        ("==1.0.0rc1", False, True, False, "v1"),
        (">=0.27", True, True, True, "keep"),  # both: keep, as before
        ("", True, True, True, "keep"),  # no version at all
        ("!=0.28.1", True, True, True, "keep"),
        ("==4.0.0", False, False, False, "keep"),  # a release nobody made (yet): keep, and say so
        ("==0.27.99", False, False, False, "keep"),
        # poetry
        ("^0.28", True, False, True, "keep"),
        ("^0.26", True, False, False, "keep"),
        ("^0.27.2", True, False, True, "keep"),
        ("^1.3", False, True, False, "v1"),
        ("^1", False, True, False, "v1"),
        ("^0", True, False, True, "keep"),
        ("~0.28", True, False, True, "keep"),
        ("~0.26.4", True, False, False, "keep"),
        ("~1.3.2", False, True, False, "v1"),
        ("0.28.1", True, False, True, "keep"),  # a bare version is exact
        ("1.3.0", False, True, False, "v1"),
        ("*", True, True, True, "keep"),
        ("0.28.*", True, False, True, "keep"),
        (">= 0.27 < 1.0", True, False, True, "keep"),  # poetry's space-separated "and"
        ("^0.28 || ^1.3", True, True, True, "keep"),
        ("not a version", False, False, False, "keep"),
    ],
)
def test_specifiers(spec: str, v0: bool, v1: bool, chat_v0: bool, decision: str) -> None:
    pin = evaluate(spec, "x")
    assert (pin.allows_v0, pin.allows_v1, pin.allows_chat_v0, pin.decision) == (v0, v1, chat_v0, decision)


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^0.28", ">=0.28,<0.29"),
        ("^0.28.1", ">=0.28.1,<0.29"),
        ("^1.3", ">=1.3,<2"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("~0.27.2", ">=0.27.2,<0.28"),
        ("~1", ">=1,<2"),
        ("0.28.1", "==0.28.1"),
        ("*", ""),
        (">=0.27, <1", ">=0.27,<1"),
    ],
)
def test_poetry_constraints_in_pep440(poetry: str, pep440: str) -> None:
    assert evaluate(poetry, "x").specifier == pep440


# -- the shipped list of releases -----------------------------------------------------------


def test_the_release_list_is_sorted_parses_and_has_the_releases_that_matter() -> None:
    text = RELEASES.read_text(encoding="utf-8")
    versions = parse(text)
    assert [str(v) for v in versions] == [line for line in text.splitlines() if line.strip()]
    assert list(versions) == sorted(set(versions)), "sorted, no duplicates"
    for needed in ("0.26.5", "0.27.0", "0.27.10", "0.28.1", "1.0.0", "1.66.0", "1.109.1"):
        assert parse(needed)[0] in versions, needed
    assert openai_releases() == versions  # what the pack loads is that file


def test_an_installed_package_carries_the_release_list(tmp_path: Path) -> None:
    """What setuptools copies into a wheel (build_py, from pyproject's package data),
    from a copy of the sources: the list is there, and the built pack reads it."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("migrator", "rules"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = tmp_path / "built"
    done = subprocess.run(
        [sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py", "--build-lib", str(built)],
        cwd=source, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    shipped = built / "migrator_rules" / "data" / "openai-releases.txt"
    assert shipped.read_bytes() == RELEASES.read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = "import migrator_rules.releases as r, migrator_rules.pins as p; print(r.__file__, len(r.openai_releases()), p.evaluate('==0.27.4', 'x').decision)"
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path[:0] = [{str(built)!r}] + [p for p in {sys.path!r} if 'site-packages' in p]; {probe}"],
        cwd=elsewhere, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    where, count, decision = done.stdout.split()
    assert where.startswith(str(built)) and int(count) == len(openai_releases()) and decision == "keep"


def test_the_rules_load_without_packaging() -> None:
    """The rules load for every file that passes the prefilter; `packaging` (tens of
    milliseconds to import) only when a pin has to be judged."""
    code = "import sys, migrator_rules, migrator_rules.completions_call; print(sorted(m for m in sys.modules if m.startswith('packaging')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# -- the dependency files -------------------------------------------------------------------


def _pin_of(tmp_path: Path, files: dict[str, str]) -> Optional[tuple[str, str, bool, bool]]:
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    pin = project_pin(tmp_path)
    if pin is None:
        return None
    return Path(pin.source).relative_to(tmp_path).as_posix(), pin.decision, pin.allows_v0, pin.allows_v1


REQUIREMENTS = [
    ("openai==0.27.4\n", "keep", True, False),
    ("openai==0.28.0\n", "keep", True, False),
    ("openai~=0.27.2\n", "keep", True, False),
    ("openai==0.26.4\n", "keep", True, False),
    ("openai>=1.0\n", "v1", False, True),
    ("openai>=0.27\n", "keep", True, True),
    ("openai\n", "keep", True, True),
    ("OpenAI == 0.28.1\n", "keep", True, False),
    ("openai[datalib]==0.27.4\n", "keep", True, False),
    ('openai[datalib]==0.27.4; python_version>="3.8"\n', "keep", True, False),
    ("requests\nopenai==0.28.1  # pinned for ChatCompletion\n", "keep", True, False),
    ("# openai>=1\nopenai==0.28.1\n", "keep", True, False),
    ("openai>=1 # was openai==0.28\n", "v1", False, True),
    ("openai>=0.27,\\\n    <1.0\n", "keep", True, False),  # a continued line
    ("openai>=1 \\\n    # a comment ends it\nrequests\n", "v1", False, True),
    ("openai==0.28.1 \\\n    --hash=sha256:0123abcd\n", "keep", True, False),
    ("-e .\n--index-url https://example.org/simple\nopenai>=1.2\n", "v1", False, True),
    ("openai-whisper==20230314\nopenai>=1\n", "v1", False, True),
    ("openai @ https://example.org/openai-0.28.1.tar.gz\n", "keep", True, True),
    ("openai>=0.27\nopenai<1\n", "keep", True, False),  # pip applies both lines
    ('openai<1; python_version<"3.8"\nopenai>=1; python_version>="3.8"\n', "keep", True, True),
    ("openai==4.0.0\n", "keep", False, False),  # no such release
    ("openai=0.28.1\n", "keep", False, False),  # a typo: on openai, but no release
]


@pytest.mark.parametrize(("text", "decision", "v0", "v1"), REQUIREMENTS)
def test_requirement_lines(tmp_path: Path, text: str, decision: str, v0: bool, v1: bool) -> None:
    assert _pin_of(tmp_path, {"requirements.txt": text}) == ("requirements.txt", decision, v0, v1)


@pytest.mark.parametrize(
    "text",
    [
        "langchain-openai>=0.1\n",
        "openai-whisper==20230314\n",
        "azure-ai-openai==1.0.0b1\n",
        "llama-index-llms-openai\nopenai_helper==0.1\n",
        "# openai==0.28.1\n",
        "-e git+https://github.com/openai/openai-python@v0.28.1#egg=openai-python\n",
    ],
)
def test_other_packages_named_like_openai_are_not_a_pin(tmp_path: Path, text: str) -> None:
    assert _pin_of(tmp_path, {"requirements.txt": text}) is None


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"requirements.txt": "-r base.txt\n", "base.txt": "openai==0.27.4\n"}, ("base.txt", "keep", True, False)),
        ({"requirements.txt": "--requirement=base.txt\n", "base.txt": "openai>=1\n"}, ("base.txt", "v1", False, True)),
        ({"requirements.txt": "-rbase.txt\n", "base.txt": "openai>=1\n"}, ("base.txt", "v1", False, True)),
        (
            {"requirements-dev.txt": "-r requirements/common.txt\npytest\n", "requirements/common.txt": "openai~=0.27.2\n"},
            ("requirements/common.txt", "keep", True, False),
        ),
        (  # a constraints file narrows the requirement
            {"requirements.txt": "openai\n-c constraints.txt\n", "constraints.txt": "openai<1\n"},
            ("requirements.txt", "keep", True, False),
        ),
        ({"requirements.txt": "-r a.txt\n", "a.txt": "-r requirements.txt\nopenai>=1\n"}, ("a.txt", "v1", False, True)),
        ({"requirements.txt": "-r missing.txt\nopenai==0.28.1\n"}, ("requirements.txt", "keep", True, False)),
    ],
)
def test_requirement_includes_are_followed(tmp_path: Path, files: dict[str, str], expected: tuple[str, str, bool, bool]) -> None:
    assert _pin_of(tmp_path, files) == expected


def test_includes_outside_the_project_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / "shared.txt").write_text("openai>=1\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".git").mkdir()
    (project / "requirements.txt").write_text("-r ../shared.txt\n")
    assert project_pin(project) is None


FILES = [
    ("requirements-dev.txt", "openai>=1.2\n", "v1"),
    ("pyproject.toml", '[project]\ndependencies = ["openai<1"]\n', "keep"),
    ("pyproject.toml", '[project]\ndependencies = ["langchain-openai", "openai[datalib]==0.27.4; python_version>=\'3.8\'"]\n', "keep"),
    ("pyproject.toml", '[project]\noptional-dependencies = {llm = ["openai>=1.3"]}\n', "v1"),
    ("pyproject.toml", '[dependency-groups]\ndev = ["openai==0.28.1"]\n', "keep"),
    ("pyproject.toml", '[tool.poetry.dependencies]\nopenai = "^1.30"\n', "v1"),
    ("pyproject.toml", '[tool.poetry.dependencies]\nopenai = "^0.28"\n', "keep"),
    ("pyproject.toml", '[tool.poetry.dependencies]\nopenai = "0.27.4"\n', "keep"),
    ("pyproject.toml", '[tool.poetry.dependencies]\nopenai = {version = "^1.3", extras = ["datalib"]}\n', "v1"),
    ("pyproject.toml", '[tool.poetry.group.llm.dependencies]\nopenai = "~0.28"\n', "keep"),
    ("pyproject.toml", '[tool.poetry.dependencies]\nopenai = [{version = "^0.28", python = "<3.8"}, {version = "^1.3", python = ">=3.8"}]\n', "keep"),
    ("setup.py", 'setup(install_requires=["openai==0.27.8"])\n', "keep"),
    ("setup.py", 'setup(install_requires=["langchain-openai", "openai>=1"], keywords=["llm"])\n', "v1"),
    ("setup.cfg", "[options]\ninstall_requires =\n    openai>=1\n", "v1"),
    ("setup.cfg", "[options]\ninstall_requires =\n    requests  # http\n    openai[datalib]==0.27.4\n", "keep"),
    ("setup.cfg", "[options.extras_require]\nllm =\n    openai<1\n", "keep"),
    ("Pipfile", '[packages]\nopenai = "==0.28"\n', "keep"),
    ("Pipfile", '[packages]\nopenai = {version = ">=1.0", extras = ["datalib"]}\n', "v1"),
    ("poetry.lock", '[[package]]\nname = "openai"\nversion = "0.28.1"\n', "keep"),
    ("uv.lock", '[[package]]\nname = "openai"\nversion = "1.109.1"\nsource = { registry = "https://pypi.org/simple" }\n', "v1"),
    ("uv.lock", '[[package]]\nname = "langchain-openai"\nversion = "1.0.0"\n\n[[package]]\nname = "openai"\nversion = "0.27.4"\n', "keep"),
]


@pytest.mark.parametrize(("name", "text", "decision"), FILES)
def test_files(tmp_path: Path, name: str, text: str, decision: str) -> None:
    found = _pin_of(tmp_path, {name: text})
    assert found is not None and found[:2] == (name, decision)


def test_a_lock_wins_over_the_range_it_resolved(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.poetry.dependencies]\nopenai = ">=0.27"\n',
        "poetry.lock": '[[package]]\nname = "openai"\nversion = "0.28.1"\n',
    }
    assert _pin_of(tmp_path, files) == ("poetry.lock", "keep", True, False)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # `requirements-dev.txt` sorts before `requirements.txt`: order must not decide.
        ({"requirements.txt": "openai==0.28.1\n", "requirements-dev.txt": "openai>=1.0\n"}, ("requirements.txt", "keep")),
        ({"requirements.txt": "openai>=1.0\n", "requirements-dev.txt": "openai==0.28.1\n"}, ("requirements-dev.txt", "keep")),
        ({"pyproject.toml": '[project]\ndependencies = ["openai>=1"]\n', "requirements.txt": "openai==0.28.1\n"}, ("requirements.txt", "keep")),
        # A file that allows both says nothing against a v1 pin beside it.
        ({"requirements.txt": "openai>=1.2\n", "requirements-dev.txt": "openai\n"}, ("requirements.txt", "v1")),
        ({"requirements.txt": "openai>=1.2\n", "requirements-test.txt": "pytest\n"}, ("requirements.txt", "v1")),
    ],
)
def test_a_pin_that_allows_no_1x_release_decides_among_the_folders_files(
    tmp_path: Path, files: dict[str, str], expected: tuple[str, str]
) -> None:
    found = _pin_of(tmp_path, files)
    assert found is not None and found[:2] == expected


# -- the engine, in-process -----------------------------------------------------------------


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


def _notebook(cells: list[str]) -> bytes:
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": c}
            for c in cells
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1).encode()


def test_a_notebook_pip_install_is_the_pin(tmp_path: Path) -> None:
    from migrator.notebook import check_notebook
    from migrator.runner import load_pack
    from tests.helpers import settings

    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("openai>=1\n")  # the notebook says otherwise
    data = _notebook(["%pip install openai==0.28.1\n", V0_CALL])
    result = check_notebook(str(tmp_path / "nb.ipynb"), data, settings(sdk="auto"), load_pack(), fix=True)
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


# -- the real CLI on a temporary project ----------------------------------------------------


def migrator(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ, "NO_COLOR": "1"},
    )


def notes(output: str) -> list[str]:
    return [line[len("note: ") :] for line in output.splitlines() if line.startswith("note: ")]


KEEP_EFFECT = "(openai<1.0 code stays on its SDK as openai.ChatCompletion; --sdk v1 moves it to the v1 SDK)"
V1_EFFECT = "(openai<1.0 code (openai.Completion) is moved to the v1 SDK)"


@pytest.mark.parametrize(
    ("name", "text", "written", "note"),
    [
        ("requirements.txt", "openai==0.27.4\n", "openai.ChatCompletion.create(", f"SDK: requirements.txt: openai==0.27.4 -> keep {KEEP_EFFECT}"),
        ("requirements.txt", "openai==0.28.0\n", "openai.ChatCompletion.create(", f"SDK: requirements.txt: openai==0.28.0 -> keep {KEEP_EFFECT}"),
        ("requirements.txt", "openai~=0.27.2\n", "openai.ChatCompletion.create(", f"SDK: requirements.txt: openai~=0.27.2 -> keep {KEEP_EFFECT}"),
        ("requirements.txt", "openai==0.26.4\n", "openai.ChatCompletion.create(", f"SDK: requirements.txt: openai==0.26.4 -> keep {KEEP_EFFECT}"),
        ("requirements.txt", "openai>=1.0\n", "openai.chat.completions.create(", f"SDK: requirements.txt: openai>=1.0 -> v1 {V1_EFFECT}"),
        ("pyproject.toml", '[tool.poetry.dependencies]\nopenai = "^0.28"\n', "openai.ChatCompletion.create(", f'SDK: pyproject.toml: openai = "^0.28" -> keep {KEEP_EFFECT}'),
        ("pyproject.toml", '[tool.poetry.dependencies]\nopenai = "^1.3"\n', "openai.chat.completions.create(", f'SDK: pyproject.toml: openai = "^1.3" -> v1 {V1_EFFECT}'),
    ],
)
def test_sdk_auto_through_the_cli(tmp_path: Path, name: str, text: str, written: str, note: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / name).write_text(text)
    (tmp_path / "app.py").write_text(V0_CALL)
    done = migrator(tmp_path, "fix", "--no-cache", "--model", "gpt-4o-mini", ".")
    assert written in (tmp_path / "app.py").read_text(), done.stdout + done.stderr
    said = notes(done.stdout)
    assert note in said, said
    below_027 = [n for n in said if "no release with ChatCompletion" in n]
    if text == "openai==0.26.4\n":
        assert below_027 == [
            "requirements.txt: openai==0.26.4 allows no release with ChatCompletion (0.27 and later): "
            "raise the pin to openai>=0.27,<1 for the migrated code"
        ]
    else:
        assert below_027 == []


@pytest.mark.parametrize("text", ["openai<0.27\n", "openai==0.26.4\n"])
def test_the_below_027_note(tmp_path: Path, text: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text(text)
    (tmp_path / "app.py").write_text(V0_CALL)
    said = notes(migrator(tmp_path, "check", "--no-cache", ".").stdout)
    assert f"requirements.txt: {text.strip()} allows no release with ChatCompletion" in " ".join(said)


def test_the_below_027_note_for_a_poetry_caret(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\nopenai = "^0.26"\n')
    (tmp_path / "app.py").write_text(V0_CALL)
    said = notes(migrator(tmp_path, "check", "--no-cache", ".").stdout)
    assert 'pyproject.toml: openai = "^0.26" allows no release with ChatCompletion' in " ".join(said)


def test_a_notebook_pin_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("openai>=1\n")
    (tmp_path / "nb.ipynb").write_bytes(_notebook(["%pip install openai==0.28.1\n", V0_CALL]))
    done = migrator(tmp_path, "fix", "--no-cache", "--model", "gpt-4o-mini", ".")
    assert "openai.ChatCompletion.create(" in (tmp_path / "nb.ipynb").read_text(), done.stdout + done.stderr
    assert f"SDK: nb.ipynb (%pip install): openai==0.28.1 -> keep {KEEP_EFFECT}" in notes(done.stdout)


def _two_projects(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "svc-a").mkdir()
    (tmp_path / "svc-a" / "requirements.txt").write_text("-r requirements/base.txt\n")
    (tmp_path / "svc-a" / "requirements").mkdir()
    (tmp_path / "svc-a" / "requirements" / "base.txt").write_text("openai==0.28.1\nlangchain-openai>=0.1\n")
    (tmp_path / "svc-b").mkdir()
    (tmp_path / "svc-b" / "pyproject.toml").write_text('[tool.poetry.dependencies]\nopenai = "^1.3"\n')
    (tmp_path / "svc-c").mkdir()
    for folder in ("svc-a", "svc-b", "svc-c"):
        (tmp_path / folder / "app.py").write_text(V0_CALL)
    return tmp_path


def test_the_note_names_the_deciding_file_per_project_root(tmp_path: Path) -> None:
    root = _two_projects(tmp_path)
    said = [n for n in notes(migrator(root, "check", "--no-cache", ".").stdout) if n.startswith("SDK:")]
    assert said == [
        f"SDK: svc-a/requirements/base.txt: openai==0.28.1 -> keep {KEEP_EFFECT}",
        f'SDK: svc-b/pyproject.toml: openai = "^1.3" -> v1 {V1_EFFECT}',
        f"SDK: no openai pin found (searched up to .) -> keep {KEEP_EFFECT}",
    ]
    said = [n for n in notes(migrator(root, "check", "--no-cache", "--sdk", "keep", ".").stdout) if n.startswith("SDK:")]
    assert said == [f"SDK: --sdk keep (the `sdk` setting) -> keep {KEEP_EFFECT}"]


def test_changing_an_included_file_changes_the_decision_of_a_cached_run(tmp_path: Path) -> None:
    root = _two_projects(tmp_path)
    first = notes(migrator(root, "check", "svc-a").stdout)
    assert f"SDK: svc-a/requirements/base.txt: openai==0.28.1 -> keep {KEEP_EFFECT}" in first
    base = root / "svc-a" / "requirements" / "base.txt"
    base.write_text("openai>=1.0\n")
    os.utime(base, ns=(base.stat().st_mtime_ns + 10**9,) * 2)
    again = notes(migrator(root, "check", "svc-a").stdout)
    assert f"SDK: svc-a/requirements/base.txt: openai>=1.0 -> v1 {V1_EFFECT}" in again


def test_config_shows_the_sdk_decision_per_project_root(tmp_path: Path) -> None:
    root = _two_projects(tmp_path)
    done = migrator(root, "config", "--isolated", "svc-a", "svc-b/app.py", "svc-c")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[lines.index('target = "chat"  # default') + 1 :] == [
        "# rule pack openai, for svc-a svc-b/app.py svc-c:",
        "# sdk (svc-a): svc-a/requirements/base.txt: openai==0.28.1 -> keep",
        '# sdk (svc-b/app.py): svc-b/pyproject.toml: openai = "^1.3" -> v1',
        "# sdk (svc-c): no openai pin found (searched up to .) -> keep",
    ]
    data = json.loads(migrator(root, "config", "--isolated", "--output-format", "json", "svc-a", "svc-b").stdout)
    assert data["rule_pack"]["name"] == "openai"
    described = data["rule_pack"]["described"]
    assert [d["data"] for d in described] == [
        {
            "path": "svc-a", "decision": "keep", "from": "pin", "file": "svc-a/requirements/base.txt",
            "specifier": "openai==0.28.1", "pep440": "==0.28.1", "allows_v0": True, "allows_v1": False,
        },
        {
            "path": "svc-b", "decision": "v1", "from": "pin", "file": "svc-b/pyproject.toml",
            "specifier": 'openai = "^1.3"', "pep440": ">=1.3,<2", "allows_v0": False, "allows_v1": True,
        },
    ]
    assert described[0]["text"] == "svc-a/requirements/base.txt: openai==0.28.1 -> keep"


def test_config_shows_the_sdk_setting_when_it_is_not_auto(tmp_path: Path) -> None:
    root = _two_projects(tmp_path)
    done = migrator(root, "config", "--isolated", "--sdk", "v1", "svc-a")
    assert done.stdout.splitlines()[-1] == "# sdk: --sdk v1 (the `sdk` setting) -> v1"
    data = json.loads(migrator(root, "config", "--isolated", "--output-format", "json", "--sdk", "keep", "svc-a").stdout)
    assert data["rule_pack"]["described"] == [
        {
            "label": "sdk", "text": "--sdk keep (the `sdk` setting) -> keep",
            "data": {"path": None, "decision": "keep", "from": "setting", "file": None, "specifier": None},
        }
    ]


def test_a_pin_that_allows_no_release_is_said(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("openai==4.0.0\n")
    (tmp_path / "app.py").write_text(V0_CALL)
    done = migrator(tmp_path, "fix", "--no-cache", "--model", "gpt-4o-mini", ".")
    assert "openai.ChatCompletion.create(" in (tmp_path / "app.py").read_text()
    assert (
        "SDK: requirements.txt: openai==4.0.0 allows no openai release this tool knows "
        f"(a typo, or newer than the tool) -> keep {KEEP_EFFECT}"
    ) in notes(done.stdout)
