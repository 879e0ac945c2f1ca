"""Exit codes and the smaller commands, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migrator import __version__
from migrator.cli import cli
from migrator.runner import load_pack

SAFE = '''import openai

client = openai.OpenAI()
r = client.completions.create(model="gpt-4o-mini", prompt="hi")
print(r.choices[0].text)
'''
MANUAL = SAFE.replace('prompt="hi"', 'prompt="hi", echo=True')


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_version_rules_and_explain() -> None:
    assert __version__ in invoke("--version").stdout
    codes = [r["code"] for r in json.loads(invoke("rules", "--output-format", "json").stdout)]
    assert codes == [*load_pack().known_codes(), "MIG100"]
    assert invoke("explain", "MIG100").stdout.startswith("# unused-suppression (MIG100)")
    assert invoke("explain", "NOPE").exit_code == 2


def test_check_exit_codes() -> None:
    Path("a.py").write_text(SAFE)
    Path("clean.py").write_text("x = 1\n")
    assert invoke("check", "--isolated", "clean.py").exit_code == 0
    assert invoke("check", "--isolated", "a.py").exit_code == 1
    assert invoke("check", "--isolated", "--exit-zero", "a.py").exit_code == 0
    assert invoke("check", "--isolated", "missing.py").exit_code == 1


def test_fix_exit_codes_and_remaining_findings_in_json() -> None:
    Path("safe.py").write_text(SAFE)
    Path("manual.py").write_text(MANUAL)
    assert invoke("fix", "--isolated", "safe.py").exit_code == 0
    Path("safe.py").write_text(SAFE)
    assert invoke("fix", "--isolated", "--exit-non-zero-on-fix", "safe.py").exit_code == 1
    assert invoke("fix", "--isolated", "--exit-non-zero-on-fix", "safe.py").exit_code == 0
    result = invoke("fix", "--isolated", "--output-format", "json", "manual.py")
    assert result.exit_code == 1
    assert {f["code"] for f in json.loads(result.stdout)["findings"]} == {"OAI001", "OAI002", "OAI005"}
    assert Path("manual.py").read_text() == MANUAL


def test_quiet_prints_only_findings() -> None:
    Path("a.py").write_text(MANUAL)
    lines = invoke("check", "--isolated", "--quiet", "a.py").stdout.splitlines()
    assert lines and all(line.startswith("a.py:") for line in lines)
