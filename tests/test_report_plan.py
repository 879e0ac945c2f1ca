"""`migrator report`: the migration plan in text, markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migrator import __version__
from migrator.cli import cli

BIG = '''import openai

client = openai.OpenAI()


def a(p):
    return client.completions.create(model="text-davinci-003", prompt=p).choices[0].text


def b(p):
    return client.completions.create(model="text-davinci-003", prompt=p, echo=True)


def c(p):
    return client.completions.create(model="gpt-3.5-turbo-instruct", prompt=p, suffix="!")
'''

SMALL = '''import openai

client = openai.OpenAI()
r = client.completions.create(model="gpt-4o-mini", prompt="hi")
print(r.choices[0].text)
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "big.py").write_text(BIG)
    (tmp_path / "src" / "small.py").write_text(SMALL)
    (tmp_path / "src" / "clean.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def report(*args: str) -> Result:
    result = CliRunner().invoke(cli, ["report", "--isolated", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_json_plan(project: Path) -> None:
    result = report("--format", "json", "src")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["tool"]["version"] == __version__
    assert data["schema_version"] == 1
    assert data["paths"] == ["src"]
    assert data["files_checked"] == 3
    assert data["files_with_findings"] == 2
    totals = data["totals"]
    assert totals["total"] == totals["safe"] + totals["unsafe"] + totals["manual"]
    # Top files first.
    assert [f["path"] for f in data["files"]] == ["src/big.py", "src/small.py"]
    assert data["files"][1] == {"path": "src/small.py", "total": 2, "safe": 2, "unsafe": 0, "manual": 0}
    rules = {r["code"]: r for r in data["rules"]}
    assert list(rules) == sorted(rules)
    assert rules["OAI005"]["manual"] == 2 and rules["OAI005"]["name"] == "unsupported-parameter"
    # The models in use and what they become; parameters with no chat equivalent.
    subjects = {g["code"]: g["items"] for g in data["subjects"]}
    models = {(s["text"], s["becomes"], s["fix"]): s["count"] for s in subjects["OAI004"]}
    assert models[('"text-davinci-003"', '"gpt-5.4-mini"', "unsafe")] == 1
    assert {s["text"] for s in subjects["OAI005"]} == {"echo=True", 'suffix="!"'}
    assert "OAI001" not in subjects  # whole calls are constructs, not subjects
    commands = [step["command"] for step in data["next_steps"]]
    assert commands == [  # `--isolated` (this run's) decides what they find too
        "migrator fix --diff --isolated src",
        "migrator fix --isolated src",
        "migrator fix --diff --unsafe-fixes --isolated src",
        "migrator fix --add-todo --isolated src",
        "migrator check --isolated src",
    ]
    assert data["errors"] == []


def test_options_change_the_plan(project: Path) -> None:
    data = json.loads(report("--format", "json", "--model", "gpt-4o", "src").stdout)
    models = {(s["text"], s["becomes"]) for g in data["subjects"] if g["code"] == "OAI004" for s in g["items"]}
    assert ('"text-davinci-003"', '"gpt-4o"') in models
    assert data["totals"]["unsafe"] == 0


def test_next_steps_keep_the_options_that_made_the_plan(project: Path) -> None:
    data = json.loads(report("--format", "json", "--model", "gpt-4o", "--select", "OAI001,OAI004", "src").stdout)
    commands = [step["command"] for step in data["next_steps"]]
    assert commands[0] == "migrator fix --diff --isolated --select OAI001,OAI004 --model gpt-4o src"
    assert "migrator fix --diff --unsafe-fixes --isolated --select OAI001,OAI004 --model gpt-4o src" not in commands
    # The suggested preview fixes what the plan counted as safe: without `--model` it
    # would fix nothing (the model substitution would be unsafe).
    preview = CliRunner().invoke(cli, commands[0].split()[1:])
    assert f"Would fix {data['totals']['safe']} finding" in preview.stderr, preview.stderr


def test_text_plan(project: Path) -> None:
    out = report("src").stdout
    assert out.startswith("Migration plan\n3 file(s) checked, 2 with findings")
    assert "By rule:" in out and "By file (most findings first):" in out
    assert out.index("src/big.py") < out.index("src/small.py")
    assert '"text-davinci-003"  -> "gpt-5.4-mini" (unsafe)  x1' in out
    assert "Next steps:\n  1. migrator fix --diff --isolated src" in out


def test_markdown_plan(project: Path) -> None:
    out = report("--format", "markdown", "src").stdout
    assert out.startswith("## Migration plan\n")
    assert "| rule | total | safe | unsafe | manual |" in out
    assert "| `src/big.py` |" in out
    assert "1. `migrator fix --diff --isolated src`: preview" in out


def test_nothing_to_migrate(project: Path) -> None:
    result = report("src/clean.py")
    assert result.exit_code == 0
    assert "Nothing to migrate." in result.stdout
    assert json.loads(report("--format", "json", "src/clean.py").stdout)["next_steps"] == []


def test_unparsable_file_is_listed_and_exits_1(project: Path) -> None:
    (project / "src" / "broken.py").write_text("def f(:\n    completions\n")
    result = report("--format", "json", "src")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [e["path"] for e in data["errors"]] == ["src/broken.py"]
    assert data["next_steps"][0]["command"] == "migrator check --isolated src"


def test_output_file_and_no_progress_bar_off_a_terminal(project: Path) -> None:
    result = report("--format", "markdown", "-o", "plan.md", "src")
    assert result.stdout == "" and result.stderr == ""
    assert (project / "plan.md").read_text().startswith("## Migration plan")


def test_report_changes_nothing(project: Path) -> None:
    report("src")
    assert (project / "src" / "big.py").read_text() == BIG


class _Terminal:
    """A stand-in stderr that says it is a terminal."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_progress_bar_only_on_a_terminal_and_for_many_files(monkeypatch: pytest.MonkeyPatch) -> None:
    from migrator import cli as cli_module

    with cli_module._progress(10_000) as advance:
        assert advance is None  # pytest's stderr is not a terminal
    monkeypatch.setattr("sys.stderr", _Terminal())
    with cli_module._progress(cli_module.PROGRESS_MIN_FILES - 1) as advance:
        assert advance is None
    with cli_module._progress(cli_module.PROGRESS_MIN_FILES) as advance:
        assert advance is not None
        advance(cli_module.PROGRESS_MIN_FILES)
