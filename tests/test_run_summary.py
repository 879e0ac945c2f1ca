"""What a run tells its user (issue 13): the summaries of `fix` and `fix --diff`, exit
codes in every case, `check --statistics`, `fix --show-fixes` and errors a person can act
on. Through the installed command in a subprocess, on a temporary git repository."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest

from tests.test_cli_git_repo import git, migrator

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

# One safe group (a proven client and its read, with --model), one unsafe call (an
# unresolved receiver) and one manual call (echo=True, which blocks its read too).
SAFE = '''import openai

client = openai.OpenAI()
response = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
print(response.choices[0].text)
'''
UNSAFE = '''import openai


def ask(llm, question):
    return llm.completions.create(model="gpt-4o-mini", prompt=question)
'''
MANUAL = '''import openai

client = openai.OpenAI()
scored = client.completions.create(model="gpt-4o-mini", prompt="x", echo=True)
print(scored.choices[0].text)
'''


def make_repo(root: Path, files: dict[str, str]) -> Path:
    git(root, "init", "-q")
    for name, text in files.items():
        (root / name).write_text(text)
    (root / "pyproject.toml").write_text("[tool.migrator]\nmodel = 'gpt-4o-mini'\n")
    return root


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    return make_repo(tmp_path, {"safe.py": SAFE, "unsafe.py": UNSAFE, "manual.py": MANUAL})


def check_count(repo: Path, command: str, *, unfixable: bool = False) -> int:
    """Run the command a summary names and count the findings it lists (`unfixable`: the
    ones it does not mark [*])."""
    words = shlex.split(command)
    assert words[:2] == ["migrator", "check"], command
    done = migrator(repo, *words[1:], "--output-format", "json")
    findings = json.loads(done.stdout)["findings"]
    unsafe_fixes = "--unsafe-fixes" in words
    fixable = ("safe", "unsafe") if unsafe_fixes else ("safe",)
    return len([f for f in findings if not unfixable or f["fix"] not in fixable])


def left_command(text: str) -> str:
    line = next(line for line in text.splitlines() if " left: " in line)
    return line.split("(`", 1)[1].split("`", 1)[0]


def test_fix_diff_says_what_it_would_fix_and_what_is_left(mixed: Path) -> None:
    done = migrator(mixed, "fix", "--diff", ".")
    assert done.returncode == 1
    assert done.stdout.startswith("--- a/safe.py\n+++ b/safe.py\n")  # the diff alone, a patch
    lines = done.stderr.splitlines()
    assert "Would fix 3 findings in 1 file." in lines  # the call, its model and its read
    assert (
        "4 findings would be left: 1 fixable with `--unsafe-fixes`, 3 manual "
        "(`migrator check .` lists them, and marks [*] those this diff fixes)."
    ) in lines
    assert check_count(mixed, left_command(done.stderr), unfixable=True) == 4
    assert (mixed / "safe.py").read_text() == SAFE


def test_fix_says_what_it_fixed_and_what_is_left(mixed: Path) -> None:
    done = migrator(mixed, "fix", ".")
    assert done.returncode == 1  # findings remain
    assert "Fixed 3 findings in 1 file." in done.stdout
    assert "4 findings left: 1 fixable with `--unsafe-fixes`, 3 manual (`migrator check .` lists them)." in done.stdout
    assert "manual.py:4:10: OAI001 " in done.stdout  # what is left is listed above the summary
    assert check_count(mixed, left_command(done.stdout)) == 4
    done = migrator(mixed, "fix", "--unsafe-fixes", ".")
    assert "Fixed 1 finding in 1 file." in done.stdout
    assert "3 findings left: 3 manual (`migrator check --unsafe-fixes .` lists them)." in done.stdout


def test_the_command_in_the_summary_keeps_the_options_that_change_findings(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"safe.py": SAFE, "unsafe.py": UNSAFE, "manual.py": MANUAL})
    (repo / "pyproject.toml").unlink()
    done = migrator(repo, "fix", "--diff", "--model", "gpt-4o", "--sdk", "keep", "manual.py", "safe.py", "unsafe.py")
    command = left_command(done.stderr)
    assert command == "migrator check --model gpt-4o --sdk keep manual.py safe.py unsafe.py"
    left = next(line for line in done.stderr.splitlines() if " left: " in line)
    assert check_count(repo, command, unfixable=True) == int(left.split()[0]) == 4
    # Without `--model` the model of safe.py is not fixable, and its whole call with it.
    assert check_count(repo, "migrator check manual.py safe.py unsafe.py", unfixable=True) == 7


def test_manual_only_fix_diff_is_not_silent_and_exits_1(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"manual.py": MANUAL})
    done = migrator(repo, "fix", "--diff", ".")
    assert done.stdout == ""  # nothing to diff
    assert done.returncode == 1  # but findings remain
    assert done.stderr.splitlines()[-2:] == [
        "No fixes would be applied.",
        "3 findings would be left: 3 manual (`migrator check .` lists them).",
    ]
    assert migrator(repo, "fix", "--diff", "--exit-zero", ".").returncode == 0
    assert migrator(repo, "fix", ".").returncode == 1
    assert migrator(repo, "check", ".").returncode == 1


def test_clean_runs_exit_0(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"clean.py": "print('completions of a form')\n"})
    for args in (("fix", "--diff", "."), ("fix", "."), ("check", ".")):
        done = migrator(repo, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        assert "All checks passed (1 file checked)." in done.stdout + done.stderr


def test_fix_that_leaves_nothing_exits_0_unless_asked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"safe.py": SAFE})
    assert migrator(repo, "fix", "--diff", ".").returncode == 1  # the diff is not empty
    done = migrator(repo, "fix", ".")
    assert done.returncode == 0, done.stdout
    assert "Fixed 3 findings in 1 file." in done.stdout and "Nothing is left to migrate." in done.stdout
    (repo / "safe.py").write_text(SAFE)
    assert migrator(repo, "fix", "--exit-non-zero-on-fix", ".").returncode == 1


def test_statistics_count_per_rule_as_ruff_prints_them(mixed: Path) -> None:
    done = migrator(mixed, "check", "--statistics", ".")
    assert done.returncode == 1
    rows = [line.split("\t") for line in done.stdout.splitlines() if "\t" in line]
    # count, code, marker + rule name; most findings first; [*] all, [-] some, [ ] none fixable
    assert rows == [
        ["3", "OAI001", "[-] completions-call"],
        ["2", "OAI002", "[-] completion-text"],
        ["1", "OAI004", "[*] legacy-model"],
        ["1", "OAI005", "[ ] unsupported-parameter"],
    ]
    assert "manual.py:" not in done.stdout  # counts instead of the findings
    assert "Found 7 findings in 3 files." in done.stdout
    done = migrator(mixed, "check", "--statistics", "--output-format", "json", ".")
    assert json.loads(done.stdout)[0] == {
        "code": "OAI001", "name": "completions-call", "count": 3, "fixable": False, "fixable_count": 1,
    }
    done = migrator(mixed, "check", "--statistics", "--output-format", "sarif", ".")
    assert done.returncode == 2 and "--statistics prints text, concise, json" in done.stderr


def test_show_fixes_lists_each_fix(mixed: Path) -> None:
    done = migrator(mixed, "fix", "--diff", "--show-fixes", ".")
    lines = done.stderr.splitlines()
    start = lines.index("Fixes in the diff:")
    assert lines[start + 1 : start + 4] == [
        "  safe.py:4:12: OAI001 legacy Completions call; use `chat.completions.create` with `messages`",
        "  safe.py:4:44: OAI004 `gpt-3.5-turbo-instruct` is a completions-only model; use a chat model (`gpt-4o-mini`)",
        "  safe.py:5:7: OAI002 completion text read as `text`; a chat choice has `message.content`",
    ]
    done = migrator(mixed, "fix", "--show-fixes", ".")
    assert "Fixes applied:\n  safe.py:4:12: OAI001 " in done.stdout
    assert "Fixes applied:" not in migrator(mixed, "fix", "--show-fixes", ".").stdout  # nothing left to fix


def test_syntax_error_has_one_position_and_cpythons_message(tmp_path: Path) -> None:
    broken = 'import openai\nclient = openai.OpenAI()\nr = client.completions.create(model="x",\nprompt="y"\nprint(r)\n'
    repo = make_repo(tmp_path, {"broken.py": broken, "safe.py": SAFE})
    done = migrator(repo, "check", ".")
    assert done.returncode == 1
    assert "broken.py: error: syntax error at 3:30: '(' was never closed\n" in done.stdout
    assert "expected one of" not in done.stdout
    data = json.loads(migrator(repo, "check", "--output-format", "json", ".").stdout)
    assert data["errors"] == [{"path": "broken.py", "message": "syntax error at 3:30: '(' was never closed"}]


def test_manual_findings_carry_advice(mixed: Path) -> None:
    data = json.loads(migrator(mixed, "check", "--output-format", "json", ".").stdout)
    manual = [f for f in data["findings"] if f["fix"] == "none"]
    assert manual and all(f["advice"] for f in manual)
    blocked = next(f for f in manual if f["code"] == "OAI002")
    assert blocked["advice"] == (
        "`migrator fix` migrates this with its call once OAI005 `echo=True` is resolved by hand (see its help)"
    )


def test_parse_error_is_structured_for_the_notebook_path() -> None:
    """The engine gives the notebook path fields, not text to parse again."""
    from migrator.engine import check_source
    from migrator.runner import load_pack
    from tests.helpers import settings

    result = check_source("x.py", b"import openai\nx = openai.completions.create(\n", settings(), load_pack())
    assert result.parse_error is not None
    assert (result.parse_error.kind, result.parse_error.line, result.parse_error.column) == ("syntax", 2, 30)
    assert result.parse_error.message == "'(' was never closed"
    assert result.error == "syntax error at 2:30: '(' was never closed"


def test_code_only_libcst_rejects_is_reported_as_the_tools_limit() -> None:
    from migrator.syntax import libcst_error

    class Refusal:  # what libcst.ParserSyntaxError carries
        message = "parser error: error at 1:4: expected one of (, NAME"
        raw_line, raw_column = 2, 0

    error = libcst_error(b"x = 1\n", Refusal())  # CPython accepts this code
    assert (error.kind, error.line, error.column, error.message) == ("parser", 1, 5, "expected one of (, NAME")
    assert error.describe() == (
        "cannot parse at 1:5: expected one of (, NAME (LibCST rejects code that CPython accepts)"
    )
