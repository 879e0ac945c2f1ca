"""The hooks in .pre-commit-hooks.yaml, run by real pre-commit (`pre-commit try-repo`).

try-repo installs the hook repository at a commit, so it runs on a committed copy of
this project in a temporary folder, never on the working tree's uncommitted state.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit", path=os.path.dirname(sys.executable)) or shutil.which("pre-commit")

pytestmark = pytest.mark.skipif(
    PRE_COMMIT is None or shutil.which("git") is None, reason="needs pre-commit and git"
)

# What `pip install` of the hook repository needs.
PROJECT_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "migrator", "rules")

LEGACY = '''import openai

client = openai.OpenAI()
response = client.completions.create(model="gpt-4o-mini", prompt="Say hi")
print(response.choices[0].text)
'''


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("hook-repo")
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, copy / name)
    git(copy, "init", "-q")
    git(copy, "add", ".")
    git(copy, "commit", "-q", "-m", "snapshot for pre-commit try-repo")
    return copy


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(project: Path, hook_repo: Path, home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT is not None
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(hook_repo), hook, "--all-files", "--color", "never"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PRE_COMMIT_HOME": str(home)},
    )


def make_project(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q")
    (path / "app.py").write_text(LEGACY)
    (path / "notes.txt").write_text("completions.create is mentioned here, but this is not Python\n")
    git(path, "add", ".")
    return path


def test_fix_hook_fails_fixes_then_passes(tmp_path: Path, hook_repo: Path, pre_commit_home: Path) -> None:
    project = make_project(tmp_path / "project")
    first = try_repo(project, hook_repo, pre_commit_home, "openai-chat-migrate")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Failed" in first.stdout
    fixed = (project / "app.py").read_text()
    assert "client.chat.completions.create(" in fixed
    assert "response.choices[0].message.content" in fixed
    git(project, "add", ".")
    second = try_repo(project, hook_repo, pre_commit_home, "openai-chat-migrate")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
    assert (project / "app.py").read_text() == fixed


def test_check_hook_fails_and_changes_nothing(tmp_path: Path, hook_repo: Path, pre_commit_home: Path) -> None:
    project = make_project(tmp_path / "project")
    result = try_repo(project, hook_repo, pre_commit_home, "openai-chat-migrate-check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "app.py:4:12: OAI001" in result.stdout
    assert (project / "app.py").read_text() == LEGACY


def test_readme_rev_and_action_tag_are_the_release_tag() -> None:
    """`rev:` and `uses: ...@` name the tag `v<version>` of the version in pyproject.toml."""
    import re
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    root = Path(__file__).resolve().parent.parent
    version = tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]
    readme = (root / "README.md").read_text()
    assert set(re.findall(r"^\s*rev: (\S+)", readme, re.MULTILINE)) == {f"v{version}"}
    assert set(re.findall(r"uses: <owner>/openai-chat-migrator@(\S+)", readme)) == {f"v{version}"}
