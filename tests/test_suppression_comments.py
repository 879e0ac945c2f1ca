"""Suppression comments, `--warn-unused-ignores` and `--add-todo`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import cli
from migrator.engine import check_source
from migrator.runner import load_pack
from migrator.suppression import SuppressionIndex, parse_comment, suppressed_codes
from tests.helpers import settings

HEADER = "import openai\n\nclient = openai.OpenAI()\n\n"


def found(body: str, **options: bool) -> list[tuple[str, int]]:
    result = check_source("x.py", (HEADER + body).encode(), replace(settings(), **options), load_pack())
    assert result.error is None, result.error
    offset = HEADER.count("\n")
    return [(f.code, f.location.line - offset) for f in result.findings]


CALL = 'r = client.completions.create(model="gpt-4o-mini", prompt="hi", echo=True)'


def test_without_comment() -> None:
    assert found(CALL + "\n") == [("OAI001", 1), ("OAI005", 1)]


@pytest.mark.parametrize(
    ("comment", "left"),
    [
        ("# noqa: OAI005", ["OAI001"]),
        ("# noqa:OAI001,OAI005", []),
        ("# NOQA: oai005", ["OAI001"]),
        ("# noqa", []),
        ("# migrator: ignore[OAI005]", ["OAI001"]),
        ("# migrator: ignore[OAI001, OAI005]", []),
        ("# migrator: ignore", []),
        ("# noqa: E501", ["OAI001", "OAI005"]),
        ("# type: ignore", ["OAI001", "OAI005"]),
        ("# why it stays  # noqa: OAI005", ["OAI001"]),
    ],
)
def test_comment_on_the_flagged_line(comment: str, left: list[str]) -> None:
    assert [code for code, _ in found(f"{CALL}  {comment}\n")] == left


MULTI = '''r = client.completions.create(  {first}
    model="gpt-4o-mini",
    prompt="hi",
    echo=True,  {inner}
)
'''


def test_first_line_of_a_multi_line_statement_silences_later_lines() -> None:
    assert found(MULTI.format(first="", inner="")) == [("OAI001", 1), ("OAI005", 4)]
    assert found(MULTI.format(first="# noqa: OAI005", inner="")) == [("OAI001", 1)]
    assert found(MULTI.format(first="# migrator: ignore", inner="")) == []
    # On the flagged line itself it works too.
    assert found(MULTI.format(first="", inner="# noqa: OAI005")) == [("OAI001", 1)]


def test_a_comment_on_another_line_of_the_statement_does_not_silence() -> None:
    body = MULTI.format(first="", inner="").replace('prompt="hi",', 'prompt="hi",  # noqa: OAI005')
    assert found(body) == [("OAI001", 1), ("OAI005", 4)]


def test_noqa_inside_a_string_is_not_a_comment() -> None:
    body = 'r = client.completions.create(model="gpt-4o-mini", prompt="# noqa", echo=True)\n'
    assert [code for code, _ in found(body)] == ["OAI001", "OAI005"]


def test_parse_comment_and_line_helper() -> None:
    [one] = parse_comment("# noqa: OAI001, OAI004", line=3, column=10)
    assert (one.line, one.column, one.codes, one.kind) == (3, 10, frozenset({"OAI001", "OAI004"}), "noqa")
    assert suppressed_codes("x = 1") is None
    assert suppressed_codes("x = 1  # migrator: ignore") == frozenset()
    assert suppressed_codes("x = 1  # migrator: ignore[oai002]") == frozenset({"OAI002"})


def test_index_tracks_use() -> None:
    index = SuppressionIndex.from_source("a = 1  # noqa: OAI001, OAI004\nb = 2  # migrator: ignore\n")
    assert index.silences("OAI001", (1,))
    assert not index.silences("OAI002", (1,))
    unused = index.unused(enabled=["OAI001", "OAI004"], known=["OAI001", "OAI004"])
    assert [(s.line, codes) for s, codes in unused] == [(1, ("OAI004",)), (2, ())]


def test_warn_unused_ignores() -> None:
    body = (
        f"{CALL}  # noqa: OAI005, OAI004\n"  # OAI004 silences nothing here
        "x = 1  # noqa\n"  # bare noqa: other linters' business
        "y = 2  # noqa: E501\n"  # another tool's code
        "z = 3  # migrator: ignore[OAI002]\n"
        "w = 4  # migrator: ignore\n"
    )
    assert found(body) == [("OAI001", 1)]
    assert found(body, warn_unused_ignores=True) == [("OAI001", 1), ("MIG100", 1), ("MIG100", 4), ("MIG100", 5)]


def test_warn_unused_ignores_ignores_codes_of_disabled_rules() -> None:
    body = "z = 3  # migrator: ignore[OAI002]\n"
    assert found(body, warn_unused_ignores=True) == [("MIG100", 1)]
    result = check_source(
        "x.py", body.encode(), replace(settings(), warn_unused_ignores=True, ignore=("OAI002",)), load_pack()
    )
    assert result.findings == []


def test_warn_unused_ignores_in_a_file_no_rule_looks_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("plain.py").write_text("x = 1  # migrator: ignore\n")
    runner = CliRunner()
    assert runner.invoke(cli, ["check", "--isolated", "plain.py"]).exit_code == 0
    result = runner.invoke(cli, ["check", "--isolated", "--warn-unused-ignores", "--output-format", "json", "plain.py"])
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["code"] == "MIG100"
    assert (finding["line"], finding["column"], finding["end_column"]) == (1, 8, 26)
    assert "unused suppression `# migrator: ignore`" in finding["message"]


TODO_SOURCE = '''import openai

client = openai.OpenAI()


class Bot:
    def score(self, text):
        if text:
            # keep this comment
            return client.completions.create(model="gpt-4o-mini", prompt=text, echo=True)
        return None


response = client.completions.create(model="gpt-4o-mini", prompt="a", suffix="b")
'''


def run_fix(*args: str) -> int:
    result = CliRunner().invoke(cli, ["fix", "--isolated", "--model", "gpt-4o-mini", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_add_todo_is_indented_keeps_newlines_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str
) -> None:
    monkeypatch.chdir(tmp_path)
    path = Path("bot.py")
    path.write_bytes(TODO_SOURCE.replace("\n", newline).encode())
    assert run_fix("--add-todo", "bot.py") == 1  # the manual findings remain
    first = path.read_bytes()
    text = first.decode()
    lines = text.split(newline)
    # Every line ending, old and new, is the file's own.
    assert text.count("\n") == text.count(newline)
    if newline == "\n":
        assert "\r" not in text
    at = lines.index("            return client.completions.create(model=\"gpt-4o-mini\", prompt=text, echo=True)")
    assert lines[at - 2] == "            # keep this comment"
    assert lines[at - 1].startswith("            # TODO(migrator): chat has no `echo`")
    module_level = lines.index('response = client.completions.create(model="gpt-4o-mini", prompt="a", suffix="b")')
    assert lines[module_level - 1].startswith("# TODO(migrator): chat has no insert mode (`suffix`)")
    assert text.count("TODO(migrator)") == 2  # one per manual finding, not per blocked group member

    assert run_fix("--add-todo", "bot.py") == 1
    assert path.read_bytes() == first
    diff = CliRunner().invoke(cli, ["fix", "--isolated", "--model", "gpt-4o-mini", "--add-todo", "--diff", "bot.py"])
    assert diff.stdout == ""  # nothing would change
    assert diff.exit_code == 1  # but the manual findings remain


def test_add_todo_only_with_the_flag_or_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bot.py").write_text(TODO_SOURCE)
    run_fix("bot.py")
    assert "TODO(migrator)" not in Path("bot.py").read_text()
    Path("cfg.toml").write_text("add-todo = true\n")
    CliRunner().invoke(cli, ["fix", "--config", "cfg.toml", "--model", "gpt-4o-mini", "bot.py"])
    assert Path("bot.py").read_text().count("TODO(migrator)") == 2


def test_add_todo_shows_in_diff_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bot.py").write_text(TODO_SOURCE)
    result = CliRunner().invoke(cli, ["fix", "--isolated", "--add-todo", "--diff", "bot.py"])
    assert result.exit_code == 1
    assert "+# TODO(migrator): chat has no insert mode" in result.stdout
    assert Path("bot.py").read_text() == TODO_SOURCE
