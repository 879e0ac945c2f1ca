"""The installed `migrator` command in a subprocess, on a temporary git repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

LEGACY = '''import openai

client = openai.OpenAI()
response = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
print(response.choices[0].text)
'''


def migrator(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    (tmp_path / "app.py").write_text(LEGACY)
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "old.py").write_text(LEGACY)
    (tmp_path / ".gitignore").write_text("generated/\n")
    (tmp_path / "pyproject.toml").write_text("[tool.migrator]\nmodel = 'gpt-4o-mini'\n")
    return tmp_path


def test_check_json_respects_gitignore_and_config(repo: Path) -> None:
    done = migrator(repo, "check", "--output-format", "json", ".")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert {f["path"] for f in data["findings"]} == {"app.py"}
    assert all(f["fix"] == "safe" for f in data["findings"])  # model from [tool.migrator]
    done = migrator(repo, "check", "--no-respect-gitignore", "--output-format", "json", ".")
    assert {f["path"] for f in json.loads(done.stdout)["findings"]} == {"app.py", "generated/old.py"}


def test_fix_then_check_is_clean(repo: Path) -> None:
    done = migrator(repo, "fix", "--exit-non-zero-on-fix", ".")
    assert done.returncode == 1, done.stderr
    assert "client.chat.completions.create" in (repo / "app.py").read_text()
    assert (repo / "generated" / "old.py").read_text() == LEGACY
    done = migrator(repo, "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All checks passed" in done.stdout


def test_force_exclude_skips_ignored_named_files(repo: Path) -> None:
    assert migrator(repo, "check", "generated/old.py").returncode == 1
    done = migrator(repo, "check", "--force-exclude", "generated/old.py")
    assert done.returncode == 0, done.stdout


def test_github_format_and_output_file(repo: Path) -> None:
    done = migrator(repo, "check", "--output-format", "github", "-o", "out.txt", "app.py")
    assert done.returncode == 1
    assert done.stdout == ""
    lines = (repo / "out.txt").read_text().splitlines()
    assert lines and all(line.startswith("::error file=app.py,line=") for line in lines)


def test_configuration_error_exit_2(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[tool.migrator]\nmodels = 'gpt-4o'\n")
    done = migrator(repo, "check", ".")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "pyproject.toml: unknown key 'models'" in done.stderr


def test_report_and_config_commands(repo: Path) -> None:
    done = migrator(repo, "report", "--format", "json", ".")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files_with_findings"] == 1
    done = migrator(repo, "config", ".")
    assert done.returncode == 0
    assert 'model = "gpt-4o-mini"  #' in done.stdout and "pyproject.toml" in done.stdout
