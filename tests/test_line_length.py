"""Long rewritten lines (issue 13): a call the OAI001 fix makes too wide is laid out one
argument per line, as black and ruff would, and nothing else moves. Through the
installed command in a subprocess, on a temporary project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli_git_repo import migrator

ONE_LINE = '''import openai

client = openai.OpenAI()
response = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi to everyone")
print(response.choices[0].text)
'''
EXPLODED = '''import openai

client = openai.OpenAI()
response = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "Say hi to everyone"}],
)
print(response.choices[0].message.content or "")
'''
# 97 characters, 124 once rewritten
ONE_LINE_WIDTH = max(len(line) for line in ONE_LINE.splitlines())
REWRITTEN_WIDTH = len('response = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hi to everyone"}])')


def project(root: Path, pyproject: str, source: str = ONE_LINE) -> Path:
    (root / "pyproject.toml").write_text("[tool.migrator]\nmodel = 'gpt-4o-mini'\n" + pyproject)
    (root / "app.py").write_text(source)
    return root


def fixed(root: Path, *args: str) -> str:
    done = migrator(root, "fix", *args, "app.py")
    assert done.returncode == 0, done.stdout + done.stderr
    return (root / "app.py").read_text()


def test_the_widths_of_the_example() -> None:
    assert (ONE_LINE_WIDTH, REWRITTEN_WIDTH) == (97, 124)


@pytest.mark.parametrize(
    ("pyproject", "wrapped"),
    [
        ("[tool.ruff]\nline-length = 100\n", True),
        ("[tool.black]\nline-length = 100\n", True),
        ("[tool.ruff]\nline-length = 130\n", False),
        ("[tool.black]\nline-length = 130\n", False),
        # ruff's setting wins over black's in the same file
        ("[tool.ruff]\nline-length = 130\n[tool.black]\nline-length = 100\n", False),
        # neither configured: the formatters' default, 88; the original line is wider than
        # that already, so the file does not keep to 88 and is left in its style
        ("", False),
        # a ruff table without line-length: ruff's default, 88, with the same outcome
        ("[tool.ruff]\ntarget-version = 'py39'\n", False),
    ],
)
def test_the_project_line_length_decides(tmp_path: Path, pyproject: str, wrapped: bool) -> None:
    text = fixed(project(tmp_path, pyproject))
    assert (text == EXPLODED) is wrapped, text
    if not wrapped:
        assert "client.chat.completions.create(model=" in text


def test_ruff_toml_and_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "ruff.toml").write_text("line-length = 100\n")
    assert fixed(project(tmp_path, "")) == EXPLODED
    done = migrator(tmp_path, "config", ".")
    assert f"line-length = 100  # {tmp_path / 'ruff.toml'} (line-length)" in done.stdout
    assert "create(model=" in fixed(project(tmp_path, ""), "--line-length", "0")  # never
    (tmp_path / "ruff.toml").unlink()
    assert fixed(project(tmp_path, ""), "--line-length", "100") == EXPLODED
    assert fixed(project(tmp_path, "line-length = 100\n")) == EXPLODED  # [tool.migrator] wins


def test_default_88_wraps_a_line_that_fitted(tmp_path: Path) -> None:
    short = ONE_LINE.replace("Say hi to everyone", "Hi")  # 82 characters, 110 rewritten
    assert fixed(project(tmp_path, "", short)) == EXPLODED.replace("Say hi to everyone", "Hi")


INDENTED = '''import openai


class Assistant:
    def __init__(self):
        self.client = openai.OpenAI()

    def alternatives(self, question, count=3):
        response = self.client.completions.create(
            model="gpt-4o-mini", prompt=question, n=count, logprobs=1
        )
        return [choice.text for choice in response.choices]

    def answer(self, question):
        response = self.client.completions.create(
            model="gpt-4o-mini",
            prompt=question,
            logprobs=2,
        )
        return response.choices[0].text

    def commented(self, question):
        response = self.client.completions.create(  # keep this comment
            model="gpt-4o-mini", prompt=question, n=2, logprobs=1, max_tokens=5
        )
        return response.choices[0].text

    def untouched(self):
        return "a line that nobody asked to be rewrapped, even if it is much longer than the limit says"
'''


def test_split_calls_follow_their_own_style(tmp_path: Path) -> None:
    text = fixed(project(tmp_path, "[tool.ruff]\nline-length = 100\n", INDENTED))
    # A call split with its arguments on one line: that line got too wide, one per line.
    assert '''        response = self.client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": question}],
            n=count,
            logprobs=True,
            top_logprobs=1,
        )
''' in text
    # Already one per line: it stays so, the new argument on a line of its own.
    assert '''        response = self.client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": question}],
            logprobs=True,
            top_logprobs=2,
        )
''' in text
    # A comment inside: the call is left as the fix writes it, the comment where it was.
    assert "create(  # keep this comment\n            model=\"gpt-4o-mini\", messages=" in text
    # Nothing else moved: every line the fix did not rewrite is as it was.
    assert INDENTED.splitlines()[-1] in text.splitlines()
    # four lines for the re-laid-out call, one for `top_logprobs` in the one-per-line call
    assert text.count("\n") - INDENTED.count("\n") == 4 + 1


def test_hugged_call_that_still_fits_is_kept(tmp_path: Path) -> None:
    text = fixed(project(tmp_path, "[tool.ruff]\nline-length = 121\n", INDENTED))  # the line is 121 wide
    assert '''        response = self.client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": question}], n=count, logprobs=True, top_logprobs=1
        )
''' in text


def test_the_result_is_what_the_formatter_keeps(tmp_path: Path) -> None:
    text = fixed(project(tmp_path, "[tool.ruff]\nline-length = 100\n", INDENTED.replace("  # keep this comment", "")))
    (tmp_path / "app.py").write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--diff", "app.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
