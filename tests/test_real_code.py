"""Real code: `check` and `fix --diff` over the Python sources installed here.

The installed packages (LibCST, click, rich, pytest, hypothesis, the `openai` SDK) and the
standard library are thousands of files of real, varied Python, none of which anyone
wrote for this tool. The `openai` SDK defines `completions.create` itself: it must never
be mistaken for a caller. The real CLI runs in a subprocess with two workers, as users
run it.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import warnings
from pathlib import Path

import pytest

PACKAGES = ("libcst", "click", "rich", "_pytest", "hypothesis", "openai")


def package_dir(name: str) -> str:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations, name
    return os.path.realpath(next(iter(spec.submodule_search_locations)))


def openai_dirs() -> list[str]:
    # Older SDK generations, when the end-to-end tests have built their environments.
    here = Path(__file__).parent
    found = glob.glob(str(here / ".e2e-venvs" / "*" / "lib" / "python*" / "site-packages" / "openai"))
    return [package_dir("openai"), *sorted(os.path.realpath(path) for path in found)]


def roots() -> list[str]:
    # The standard library's own site-packages is excluded by default (it holds this
    # virtual environment's base packages only), so the stdlib root adds the stdlib.
    dirs = [package_dir(name) for name in PACKAGES if name != "openai"]
    return [*dirs, *openai_dirs(), sysconfig.get_paths()["stdlib"]]


def migrator(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "migrator", *args[:1], "--isolated", "--no-respect-gitignore"]
    command += ["--jobs", "2", "--model", "gpt-4o-mini", *args[1:], *roots()]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd="/")


def cpython_compiles(path: str) -> bool:
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def under(path: str, directories: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == d or real.startswith(d + os.sep) for d in directories)


@pytest.fixture(scope="module")
def checked() -> dict[str, object]:
    done = migrator("check", "--output-format", "json")
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


def test_check_does_not_crash_on_real_code(checked: dict[str, object]) -> None:
    files_checked = checked["files_checked"]
    assert isinstance(files_checked, int) and files_checked > 2000
    errors = checked["errors"]
    assert isinstance(errors, list)
    for error in errors:
        assert "internal error" not in error["message"] and "worker" not in error["message"], error


def test_files_reported_unparsable_really_are(checked: dict[str, object]) -> None:
    errors = checked["errors"]
    assert isinstance(errors, list)
    for error in errors:
        assert not cpython_compiles(error["path"]), error


def test_no_finding_in_the_openai_sdk_itself(checked: dict[str, object]) -> None:
    findings = checked["findings"]
    assert isinstance(findings, list)
    sdk = openai_dirs()
    assert [f for f in findings if under(f["path"], sdk)] == []


def test_fix_diff_changes_nothing_in_the_sdk_and_never_crashes() -> None:
    done = migrator("fix", "--diff")
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert "please report" not in done.stderr, done.stderr
    sdk = openai_dirs()
    touched = [line[4:] for line in done.stdout.splitlines() if line.startswith("+++ ")]
    assert [path for path in touched if under(path, sdk)] == []
