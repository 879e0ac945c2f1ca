"""`check --output-format ...` and `--output-file`, through the real command (CliRunner)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from migrator import __version__
from migrator.cli import cli
from migrator.reporters.github import escape_data, escape_property

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

LEGACY = '''import openai

client = openai.OpenAI()


def ask(question):
    response = client.completions.create(
        model="gpt-3.5-turbo-instruct",
        prompt=question,
    )
    return response.choices[0].text


def echoed(question):
    return client.completions.create(model="davinci-002", prompt=question, echo=True)
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(LEGACY)
    (tmp_path / "clean.py").write_text("print('nothing to see')\n")
    (tmp_path / "broken.py").write_text("def broken(:\n    completions = 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", "--isolated", "--model", "gpt-4o-mini", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout


def test_json_has_version_findings_replacements_and_errors(project: Path) -> None:
    code, out = check("--output-format", "json", "app.py", "clean.py", "broken.py")
    data = json.loads(out)
    assert code == 1
    assert data["tool"] == {"name": "openai-chat-migrator", "version": __version__}
    assert data["schema_version"] == 1
    assert data["files_checked"] == 3
    assert [e["path"] for e in data["errors"]] == ["broken.py"]
    assert "syntax error" in data["errors"][0]["message"]
    keys = {"code", "message", "path", "cell", "line", "column", "end_line", "end_column", "fix", "fixed", "advice", "replacement"}
    assert all(set(f) == keys for f in data["findings"])
    call = next(f for f in data["findings"] if f["code"] == "OAI001" and f["line"] == 7)
    assert call["fix"] == "safe"
    assert (call["column"], call["end_line"], call["end_column"]) == (16, 10, 6)
    # The replacement keeps the call's own line breaks and the block's indentation.
    assert call["replacement"]["content"] == (
        'client.chat.completions.create(\n        model="gpt-4o-mini",\n'
        '        messages=[{"role": "user", "content": question}],\n    )'
    )
    read = next(f for f in data["findings"] if f["code"] == "OAI002")
    assert read["replacement"]["content"] == 'response.choices[0].message.content or ""'
    manual = next(f for f in data["findings"] if f["code"] == "OAI005")
    assert manual["fix"] == "none" and manual["replacement"] is None and manual["advice"]


def test_replacement_applied_to_the_file_gives_the_fixed_file(project: Path) -> None:
    """The recorded replacements are exactly what `fix` writes, region by region."""
    _, out = check("--output-format", "json", "app.py")
    lines = LEGACY.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    text = LEGACY
    fixes = [f["replacement"] for f in json.loads(out)["findings"] if f["replacement"]]
    # Apply the outermost replacements only (inner ones are part of them), last first.
    outer = [r for r in fixes if not any(o is not r and _contains(o, r) for o in fixes)]
    for r in sorted(outer, key=lambda r: (r["line"], r["column"]), reverse=True):
        start = offsets[r["line"] - 1] + r["column"] - 1
        end = offsets[r["end_line"] - 1] + r["end_column"] - 1
        text = text[:start] + r["content"] + text[end:]
    CliRunner().invoke(cli, ["fix", "--isolated", "--model", "gpt-4o-mini", "app.py"])
    assert text == (project / "app.py").read_text()


def _contains(outer: dict[str, int], inner: dict[str, int]) -> bool:
    return (outer["line"], outer["column"]) <= (inner["line"], inner["column"]) and (
        inner["end_line"],
        inner["end_column"],
    ) <= (outer["end_line"], outer["end_column"])


def test_sarif_validates_against_the_official_schema(project: Path) -> None:
    code, out = check("--output-format", "sarif", "app.py", "broken.py")
    data = json.loads(out)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert code == 1
    run = data["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["version"] == __version__
    assert [r["id"] for r in rules][:5] == ["OAI001", "OAI002", "OAI003", "OAI004", "OAI005"]
    assert all(r["help"]["text"] and r["shortDescription"]["text"] and r["name"] for r in rules)
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"OAI001", "OAI002", "OAI004", "OAI005"}
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "app.py"
    assert first["region"]["startLine"] >= 1
    fixed = [r for r in results if "fixes" in r]
    assert fixed, "safe fixes must be offered to code scanning"
    change = fixed[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert change["insertedContent"]["text"]
    assert not any("fixes" in r for r in results if r["ruleId"] == "OAI005")
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["broken.py"]


def test_sarif_of_a_clean_run_validates(project: Path) -> None:
    code, out = check("--output-format", "sarif", "clean.py")
    jsonschema.validate(json.loads(out), json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert code == 0
    assert json.loads(out)["runs"][0]["results"] == []


def test_github_annotations(project: Path) -> None:
    code, out = check("--output-format", "github", "app.py", "broken.py")
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith("::error file=broken.py,title=migrator::syntax error")
    assert lines[1] == (
        "::error file=app.py,line=7,col=16,endLine=10,endColumn=6,title=OAI001::"
        "legacy Completions call; use `chat.completions.create` with `messages`"
    )
    assert all(line.startswith("::error ") for line in lines)
    # Advice goes on a second line of the message, escaped so the command stays one line.
    assert any("%0Ahelp: " in line for line in lines)


def test_github_escaping() -> None:
    assert escape_data("100% sure\r\nyes") == "100%25 sure%0D%0Ayes"
    assert escape_property("dir,name:1.py") == "dir%2Cname%3A1.py"
    assert escape_property("50%\n") == "50%25%0A"


def test_junit_one_testcase_per_file(project: Path) -> None:
    code, out = check("--output-format", "junit", "app.py", "clean.py", "broken.py")
    root = ET.fromstring(out)
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert code == 1
    assert set(cases) == {"app.py", "clean.py", "broken.py"}
    assert list(cases["clean.py"]) == []
    failures = cases["app.py"].findall("failure")
    assert len(failures) == int(root.attrib["failures"])
    assert {f.get("type") for f in failures} >= {"OAI001", "OAI005"}
    assert cases["broken.py"].find("error") is not None
    assert root.attrib["tests"] == "3" and root.attrib["errors"] == "1"


@pytest.mark.parametrize("fmt", ["text", "concise"])
def test_text_and_concise(project: Path, fmt: str) -> None:
    code, out = check("--output-format", fmt, "app.py")
    assert code == 1
    assert "app.py:7:16: OAI001 [*] legacy Completions call" in out
    assert ("    help: " in out) is (fmt == "text")
    assert "Found " in out


def test_output_file(project: Path) -> None:
    code, out = check("--output-format", "json", "--output-file", "report.json", "app.py")
    assert code == 1
    assert out == ""
    assert json.loads((project / "report.json").read_text())["findings"]


def test_unknown_output_format_is_a_usage_error(project: Path) -> None:
    code, _ = check("--output-format", "xml", "app.py")
    assert code == 2
