"""`[tool.migrator]`, `--config FILE`, CLI precedence and `migrator config`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migrator.cli import cli

LEGACY = '''import openai

client = openai.OpenAI()
response = client.completions.create(model="text-davinci-003", prompt="hi", echo=True)
print(response.choices[0].text)
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(LEGACY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def write_pyproject(root: Path, body: str) -> Path:
    path = root / "pyproject.toml"
    path.write_text("[project]\nname = 'x'\n\n[tool.migrator]\n" + body)
    return path


def codes_of(result: Result) -> list[str]:
    return [f["code"] for f in json.loads(result.stdout)["findings"]]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("selekt = ['OAI001']\n", "unknown key 'selekt'"),
        ("unsafe-fixes = 'yes'\n", "'unsafe-fixes' must be true or false"),
        ("select = 'OAI001'\n", "'select' must be a list"),
        ("model-map = { 'davinci-002' = 3 }\n", "'model-map' must contain only strings"),
        ("max-tokens = 5\n", "'max-tokens' must be a string"),
        ("select = ['XYZ9']\n", "unknown rule code or prefix 'XYZ9'"),
    ],
)
def test_bad_config_is_a_one_line_error_naming_file_and_key(project: Path, body: str, fragment: str) -> None:
    path = write_pyproject(project, body)
    result = invoke("check", "app.py")
    assert result.exit_code == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message
    assert str(path) in message
    assert fragment in message


def test_invalid_toml_is_exit_2(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.migrator]\nselect = [\n")
    result = invoke("check", "app.py")
    assert result.exit_code == 2
    assert "invalid TOML" in result.stderr


def test_config_is_found_walking_up_from_the_paths(project: Path) -> None:
    write_pyproject(project, "ignore = ['OAI004', 'OAI005']\n")
    (project / "pkg").mkdir()
    (project / "pkg" / "mod.py").write_text(LEGACY)
    result = invoke("check", "--output-format", "json", "pkg")
    assert set(codes_of(result)) == {"OAI001", "OAI002"}


def test_config_file_option_and_isolated(project: Path) -> None:
    write_pyproject(project, "ignore = ['OAI002']\n")
    other = project / "ci.toml"
    other.write_text("select = ['OAI005']\n")  # a bare file holds the keys at top level
    assert set(codes_of(invoke("check", "--output-format", "json", "--config", str(other), "app.py"))) == {"OAI005"}
    assert "OAI002" not in codes_of(invoke("check", "--output-format", "json", "app.py"))
    assert "OAI002" in codes_of(invoke("check", "--output-format", "json", "--isolated", "app.py"))


def test_missing_config_file_is_exit_2(project: Path) -> None:
    result = invoke("check", "--config", "nope.toml", "app.py")
    assert result.exit_code == 2
    assert "nope.toml" in result.stderr


def test_command_line_overrides_the_file(project: Path) -> None:
    write_pyproject(project, "select = ['OAI005']\nmodel = 'gpt-4o'\nunsafe-fixes = true\n")
    assert set(codes_of(invoke("check", "--output-format", "json", "--select", "OAI002", "app.py"))) == {"OAI002"}
    result = invoke("check", "--output-format", "json", "--select", "OAI004", "--model", "gpt-4.1", "app.py")
    assert "gpt-4.1" in json.loads(result.stdout)["findings"][0]["message"]


def test_model_map_from_config_makes_the_model_fix_safe(project: Path) -> None:
    (project / "app.py").write_text(LEGACY.replace(", echo=True", ""))
    write_pyproject(project, "select = ['OAI004']\n[tool.migrator.model-map]\n'text-davinci-003' = 'gpt-4o'\n")
    finding = json.loads(invoke("check", "--output-format", "json", "app.py").stdout)["findings"][0]
    assert (finding["fix"], finding["replacement"]["content"]) == ("safe", '"gpt-4o"')


def test_a_hidden_manual_finding_still_holds_its_call_back(project: Path) -> None:
    # `echo=True` (OAI005) has no chat equivalent: selecting only OAI004 must not make
    # the model fixable on its own, and the finding says what holds it back.
    write_pyproject(project, "select = ['OAI004']\n[tool.migrator.model-map]\n'text-davinci-003' = 'gpt-4o'\n")
    [finding] = json.loads(invoke("check", "--output-format", "json", "app.py").stdout)["findings"]
    assert (finding["code"], finding["fix"], finding["replacement"]) == ("OAI004", "none", None)
    assert "OAI005 `echo=True` (hidden by --select/--ignore)" in finding["advice"]
    invoke("fix", "--unsafe-fixes", "app.py")
    assert (project / "app.py").read_text() == LEGACY


def test_config_command_shows_values_and_sources(project: Path) -> None:
    path = write_pyproject(project, "ignore = ['OAI005']\nmodel = 'gpt-4o'\n")
    result = invoke("config", "--ignore", "OAI003", "--max-tokens", "max_tokens", ".")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"# config file: {path}"
    assert f'ignore = ["OAI005", "OAI003"]  # {path} + command line' in lines
    assert f'model = "gpt-4o"  # {path}' in lines
    assert 'max-tokens = "max_tokens"  # command line' in lines
    assert "unsafe-fixes = false  # default" in lines
    assert "respect-gitignore = true  # default" in lines


def test_config_command_json(project: Path) -> None:
    result = invoke("config", "--output-format", "json", "--isolated", "--unsafe-fixes", ".")
    data = json.loads(result.stdout)
    assert data["config_file"] is None
    assert data["settings"]["unsafe-fixes"] == {"value": True, "source": "command line"}
    assert data["settings"]["model"] == {"value": None, "source": "default"}
    assert data["settings"]["exclude"]["source"] == "default"
    assert ".venv" in data["settings"]["exclude"]["value"]


def test_unknown_rule_on_the_command_line(project: Path) -> None:
    result = invoke("check", "--select", "NOPE1", "app.py")
    assert result.exit_code == 2
    assert "unknown rule code or prefix 'NOPE1'" in result.stderr
