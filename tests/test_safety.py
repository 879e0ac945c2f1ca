"""The safety promises of the README ("Safety promises"), one test each."""

from __future__ import annotations

import os
import socket
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import migrator.files
from migrator.cli import cli
from tests.helpers import cli_fixed as fixed

LEGACY = '''from openai import OpenAI

client = OpenAI()
response = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
print(response.choices[0].text)
'''
FIXED = fixed(LEGACY)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, [*args[:1], "--isolated", "--model", "gpt-4o-mini", "--jobs", "1", *args[1:]])


CACHE_DIR = ".migrator_cache"  # the tool's own results cache: the one thing it may add


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink() and CACHE_DIR not in path.relative_to(root).parts
    }


def test_never_imports_or_executes_the_code_it_analyses(tmp_path: Path) -> None:
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("still here")
    hostile = (
        f"import os\nos.remove({str(sentinel)!r})\nraise SystemExit(3)\n" + LEGACY
    )
    for name in ("hostile_module_xyz.py", "__init__.py", "conftest.py", "setup.py", "__main__.py"):
        (tmp_path / name).write_text(hostile)
    events: list[tuple[str, Any]] = []

    def audit(event: str, args: Any) -> None:
        # compile() of the sources is how CPython checks a fix; exec and import are not.
        if event == "exec" or (event == "import" and "hostile_module_xyz" in str(args[0])):
            code = args[0]
            if str(tmp_path) in str(getattr(code, "co_filename", code)):
                events.append((event, args))

    sys.addaudithook(audit)  # cannot be removed; it only records paths under tmp_path
    assert invoke("check", str(tmp_path)).exit_code == 1
    result = invoke("fix", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert sentinel.read_text() == "still here"
    assert events == []
    assert "hostile_module_xyz" not in sys.modules
    assert (tmp_path / "setup.py").read_text() == hostile.replace(LEGACY, FIXED)


def test_writes_only_the_files_it_was_asked_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg").mkdir()
    for name in ("a.py", "b.py", "pkg/c.py", "pkg/d.py", "notes.txt"):
        (tmp_path / name).write_text(LEGACY)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    assert invoke("fix", "a.py", "pkg/c.py").exit_code == 0
    after = snapshot(tmp_path)
    assert set(after) == set(before)  # no new file besides the cache: no backup, no temp file
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"a.py", "pkg/c.py"}
    # `check` and `fix --diff` write nothing at all.
    before = snapshot(tmp_path)
    invoke("check", ".")
    invoke("fix", "--diff", ".")
    assert snapshot(tmp_path) == before


def test_does_not_follow_a_symlink_out_of_the_roots(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    root = tmp_path / "root"
    outside.mkdir()
    root.mkdir()
    (outside / "theirs.py").write_text(LEGACY)
    (outside / "pkg").mkdir()
    (outside / "pkg" / "deep.py").write_text(LEGACY)
    (root / "mine.py").write_text(LEGACY)
    (root / "link.py").symlink_to(outside / "theirs.py")
    (root / "linked_dir").symlink_to(outside / "pkg")
    result = invoke("fix", str(root))
    assert result.exit_code == 0, result.output
    assert (root / "mine.py").read_text() == FIXED
    assert (outside / "theirs.py").read_text() == LEGACY
    assert (outside / "pkg" / "deep.py").read_text() == LEGACY
    assert (root / "link.py").is_symlink() and "theirs.py" not in result.output


def test_a_symlink_inside_the_root_is_fixed_through_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(LEGACY)
    (tmp_path / "alias.py").symlink_to("real.py")
    result = invoke("fix", str(tmp_path / "alias.py"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "alias.py").is_symlink()
    assert (tmp_path / "real.py").read_text() == FIXED


def test_temporary_files_are_next_to_the_target_with_its_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "script.py"
    target.write_text(LEGACY)
    target.chmod(0o754)
    seen: list[tuple[str, int]] = []
    real_replace = os.replace

    def replace(source: str, destination: str) -> None:
        seen.append((source, stat.S_IMODE(os.stat(source).st_mode)))
        real_replace(source, destination)

    monkeypatch.setattr(migrator.files.os, "replace", replace)
    assert invoke("fix", str(target)).exit_code == 0
    [(temporary, mode)] = seen
    assert os.path.dirname(temporary) == str(tmp_path)
    assert mode == 0o754
    assert stat.S_IMODE(target.stat().st_mode) == 0o754
    assert target.read_text() == FIXED


def test_makes_no_network_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise OSError(f"network access attempted: {name}")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    (tmp_path / "app.py").write_text(LEGACY)
    (tmp_path / "pyproject.toml").write_text("[tool.migrator]\nmodel = 'gpt-4o-mini'\n")
    monkeypatch.chdir(tmp_path)
    for args in (["check", "."], ["fix", "--diff", "."], ["fix", "--unsafe-fixes", "."], ["rules"]):
        CliRunner().invoke(cli, [*args, "--jobs", "1"] if args[0] != "rules" else args)
    assert attempts == []
    assert (tmp_path / "app.py").read_text() == FIXED
