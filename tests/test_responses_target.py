"""`--target responses` through the CLI: options, usage errors, notes, plan, SARIF, docs.

The rewrites themselves are the fixtures' (`tests/fixtures/*/responses_*`); the programs
that really run are `tests/e2e/test_e2e_responses.py`'s.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migrator.cli import cli

LEGACY = """\
import openai

client = openai.OpenAI()
response = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hi", max_tokens=32)
print(response.choices[0].text)
"""
MODULE_CLIENT = """\
import openai

response = openai.completions.create(model="gpt-4o-mini", prompt="hi", max_tokens=32)
print(response.choices[0].text)
"""
V0 = """\
import openai

response = openai.Completion.create(engine="text-davinci-003", prompt="hi", max_tokens=32)
print(response["choices"][0]["text"])
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(LEGACY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_the_default_target_is_chat_byte_for_byte(project: Path) -> None:
    default = invoke("fix", "--diff", "--no-cache", "--model", "gpt-4o-mini", "app.py")
    chat = invoke("fix", "--diff", "--no-cache", "--model", "gpt-4o-mini", "--target", "chat", "app.py")
    assert default.exit_code == chat.exit_code == 1
    assert default.output == chat.output
    assert "chat.completions.create" in default.output


def test_target_responses_on_the_command_line_and_in_the_config(project: Path) -> None:
    given = invoke("fix", "--no-cache", "--model", "gpt-4o-mini", "--target", "responses", "app.py")
    assert given.exit_code == 0, given.output
    assert "client.responses.create(" in (project / "app.py").read_text()
    (project / "app.py").write_text(LEGACY)
    (project / "pyproject.toml").write_text('[tool.migrator]\ntarget = "responses"\nmodel = "gpt-4o-mini"\n')
    configured = invoke("fix", "--no-cache", "app.py")
    assert configured.exit_code == 0, configured.output
    assert "print(response.output_text)" in (project / "app.py").read_text()
    shown = invoke("config", "--output-format", "json")
    assert json.loads(shown.output)["settings"]["target"]["value"] == "responses"
    assert "# sdk: --target responses (the `target` setting) -> v1" in invoke("config").output


def test_sdk_keep_with_target_responses_is_a_usage_error_that_says_why(project: Path) -> None:
    result = invoke("check", "--target", "responses", "--sdk", "keep", "app.py")
    assert result.exit_code == 2
    assert "sdk (command line), target (command line):" in result.output
    assert "openai<1.0 has no Responses API" in result.output
    (project / "pyproject.toml").write_text('[tool.migrator]\nsdk = "keep"\n')
    result = invoke("report", "--target", "responses")
    assert result.exit_code == 2
    assert f"sdk ({project / 'pyproject.toml'}), target (command line)" in result.output


def test_a_target_that_does_not_exist_is_refused(project: Path) -> None:
    assert invoke("check", "--target", "completions", "app.py").exit_code == 2
    (project / "pyproject.toml").write_text('[tool.migrator]\ntarget = "respones"\n')
    result = invoke("check", "app.py")
    assert result.exit_code == 2
    assert "'target' must be one of chat, responses, not 'respones'" in result.output


@pytest.mark.parametrize(
    ("source", "pin", "note"),
    [
        (LEGACY, "openai==1.50.0", "requirements.txt: openai==1.50.0 allows no release with the Responses API (openai 1.66.0 and later)"),
        (V0, "openai==0.28.1", "requirements.txt: openai==0.28.1 allows no release with the Responses API (openai 1.66.0 and later)"),
        (MODULE_CLIENT, "openai==1.66.0", "allows no release with the module-level `openai.responses` (openai 1.66.3 and later)"),
        (LEGACY.replace("max_tokens=32", "max_tokens=32, logprobs=1"), "openai>=1.66,<1.90", "(openai 1.92.0 and later)"),
        (LEGACY, "openai>=1.66", None),
        (MODULE_CLIENT, "openai~=1.70", None),
    ],
)
def test_a_pin_that_allows_no_release_the_migrated_code_needs_is_said_once(
    project: Path, source: str, pin: str, note: str | None
) -> None:
    (project / "app.py").write_text(source)
    (project / "other.py").write_text(source)
    (project / "requirements.txt").write_text(pin + "\n")
    result = invoke("check", "--target", "responses", "--no-cache", "--output-format", "json", "app.py", "other.py")
    report = invoke("report", "--target", "responses", "--format", "json", ".")
    notes = [n for n in json.loads(report.output)["notes"] if "allows no release" in n]
    assert result.exit_code == 1
    if note is None:
        assert notes == []
    else:
        assert len(notes) == 1 and note in notes[0], notes
        assert "raise the pin to openai>=" in notes[0]


def test_the_plan_speaks_of_responses_and_repeats_the_target(project: Path) -> None:
    (project / "app.py").write_text(LEGACY.replace("max_tokens=32", "max_tokens=32, echo=True"))
    plan = json.loads(invoke("report", "--target", "responses", "--format", "json", "--model", "gpt-4o-mini").output)
    rules = {rule["code"]: rule["summary"] for rule in plan["rules"]}
    assert rules["OAI005"] == "completions parameter with no Responses API equivalent"
    commands = [step["command"] for step in plan["next_steps"]]
    assert commands and all("--target responses" in command for command in commands), commands
    chat = json.loads(invoke("report", "--format", "json", "--model", "gpt-4o-mini").output)
    assert {rule["code"]: rule["summary"] for rule in chat["rules"]}["OAI005"].endswith("no chat equivalent")
    assert not any("--target" in step["command"] for step in chat["next_steps"])


def test_sarif_describes_the_rules_for_the_target(project: Path) -> None:
    (project / "app.py").write_text(LEGACY.replace("max_tokens=32", "max_tokens=32, n=2"))
    result = invoke("check", "--target", "responses", "--no-cache", "--output-format", "sarif", "app.py")
    rules = {rule["id"]: rule for rule in json.loads(result.output)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["OAI005"]["shortDescription"]["text"] == "completions parameter with no Responses API equivalent"
    assert "Under `--target responses`" in rules["OAI001"]["help"]["text"]


def test_rules_and_explain_document_both_targets() -> None:
    listed = invoke("rules")
    assert "--target responses: completions parameter with no Responses API equivalent" in listed.output
    as_json = {rule["code"]: rule for rule in json.loads(invoke("rules", "--output-format", "json").output)}
    assert as_json["OAI005"]["summary_with"] == {"--target responses": "completions parameter with no Responses API equivalent"}
    assert "summary_with" not in as_json["OAI001"]
    for code in ("OAI001", "OAI002", "OAI003", "OAI004", "OAI005"):
        text = invoke("explain", code).output
        assert "chat" in text and "Under `--target responses`" in text, code


CASES = sorted(p for p in (Path(__file__).parent / "fixtures").glob("*/*.py") if not p.name.endswith(".expected.py"))


@pytest.mark.parametrize(
    "case", [c for c in CASES if not re.match(r"(negative_)?responses_", c.stem)], ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_every_chat_fixture_also_migrates_to_responses_cleanly(case: Path) -> None:
    """The chat cases under --target responses too: no crash, code that parses, one pass."""
    import ast

    from tests.helpers import run

    for unsafe in (False, True):
        result = run(case.read_bytes(), path=str(case), target="responses", sdk="v1", unsafe_fixes=unsafe)
        assert result.error is None, result.error
        output = result.new_source if result.new_source is not None else case.read_bytes()
        ast.parse(output)
        again = run(output, path=str(case), target="responses", sdk="v1", unsafe_fixes=unsafe)
        assert again.new_source is None, "a second fix changed the output"
