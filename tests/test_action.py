"""The GitHub Action (`action.yml`, composite): its metadata against the rules GitHub
applies, and its steps run as GitHub runs them, on a temporary git repository.

Each `run:` step is substituted (`${{ inputs.x }}`, `${{ github.action_path }}`,
`${{ steps.id.outputs.name }}`) and run with `bash --noprofile --norc -eo pipefail` in
the workspace, with the environment a runner sets (`GITHUB_WORKSPACE`,
`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`, `GITHUB_PATH`, `RUNNER_TEMP`, ...). The suite's
own `migrator` is on PATH, so the install step (`install: auto`) reuses it instead of
installing; the install commands themselves run against a stand-in Python.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="needs git and bash")

LEGACY = '''import openai

client = openai.OpenAI()
response = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
print(response.choices[0].text)
'''


def action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text())
    assert isinstance(data, dict)
    return data


# -- the metadata --------------------------------------------------------------------------


def test_metadata_follows_the_action_rules() -> None:
    data = action()
    assert isinstance(data["name"], str) and data["name"]
    assert isinstance(data["description"], str) and data["description"]
    assert set(data) <= {"name", "description", "author", "branding", "inputs", "outputs", "runs"}
    runs = data["runs"]
    assert runs["using"] == "composite"
    steps = runs["steps"]
    assert steps and all(isinstance(step, dict) for step in steps)
    ids = [step["id"] for step in steps if "id" in step]
    assert len(ids) == len(set(ids))
    for step in steps:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") in {"bash", "sh", "pwsh", "python", "cmd", "powershell"}, step
            # Inputs reach a script through `env:`, never spliced into the script itself.
            assert not EXPRESSION.search(step["run"]), f"an expression in the script of {step.get('name')}"
    for name, spec in data["inputs"].items():
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name), name
        assert isinstance(spec.get("description"), str) and spec["description"].strip(), name
        assert isinstance(spec.get("default", ""), str), name  # inputs are strings
    for name, spec in data["outputs"].items():
        assert spec["description"].strip() and "value" in spec, name  # composite outputs need a value
    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", ACTION.read_text()))
    assert used <= set(data["inputs"]), used - set(data["inputs"])
    assert set(data["inputs"]) <= used, "declared inputs no step reads"
    outputs = set(re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.", ACTION.read_text()))
    assert outputs <= set(ids)
    assert set(data["branding"]) <= {"icon", "color"}


def test_the_readme_uses_the_action() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "uses: <owner>/openai-chat-migrator@v0.1.0" in readme
    for name in action()["inputs"]:
        assert f"`{name}`" in readme, f"input {name} is not documented in the README"


# -- running the steps ---------------------------------------------------------------------


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    summary: str = ""
    failed_step: str = ""


def parse_outputs(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as the runner reads GITHUB_OUTPUT."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def run_action(workspace: Path, temp: Path, inputs: dict[str, str], path: str | None = None) -> Run:
    data = action()
    given = {name: inputs.get(name, spec.get("default", "")) for name, spec in data["inputs"].items()}
    outputs: dict[str, dict[str, str]] = {}
    runner_temp = temp / "runner_temp"
    runner_temp.mkdir(exist_ok=True)
    summary = temp / "step_summary.md"
    summary.touch()
    github_path = temp / "github_path"
    github_path.touch()

    def expression(match: re.Match[str]) -> str:
        text = match.group(1)
        if text.startswith("inputs."):
            return given[text[len("inputs.") :]]
        if text == "github.action_path":
            return str(ROOT)
        if text == "github.workspace":
            return str(workspace)
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text)
        if found:
            return outputs.get(found.group(1), {}).get(found.group(2), "")
        raise AssertionError(f"an expression the test does not know: {text}")

    stdout, stderr = [], []
    for number, step in enumerate(data["runs"]["steps"]):
        output_file = temp / f"output_{number}"
        output_file.write_text("")
        added_path = [line for line in github_path.read_text().splitlines() if line]
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))},
            "PATH": os.pathsep.join([*reversed(added_path), path if path is not None else os.environ["PATH"]]),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTION_PATH": str(ROOT),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_PATH": str(github_path),
            "GITHUB_ENV": str(temp / "github_env"),
            "RUNNER_TEMP": str(runner_temp),
            "RUNNER_OS": "Linux",
            "NO_COLOR": "1",
        }
        env.update({key: EXPRESSION.sub(expression, str(value)) for key, value in step.get("env", {}).items()})
        script = temp / f"step_{number}.sh"
        script.write_text(step["run"])
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace, env=env, capture_output=True, text=True, check=False,
        )
        stdout.append(done.stdout)
        stderr.append(done.stderr)
        if "id" in step:
            outputs[step["id"]] = parse_outputs(output_file.read_text())
        if done.returncode != 0:
            return Run(done.returncode, "".join(stdout), "".join(stderr), outputs, summary.read_text(), step["name"])
    return Run(0, "".join(stdout), "".join(stderr), outputs, summary.read_text())


def git_repository(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def on_path(tmp_path: Path) -> str:
    """PATH with the suite's own `migrator` in front, as an earlier `pip install` leaves it."""
    migrator = shutil.which("migrator", path=str(Path(sys.executable).parent)) or shutil.which("migrator")
    assert migrator, "the suite's venv has a migrator command"
    return os.pathsep.join([str(Path(migrator).parent), os.environ["PATH"]])


def test_findings_give_annotations_a_summary_sarif_and_exit_1(tmp_path: Path, on_path: str) -> None:
    repo = git_repository(tmp_path / "repo", {"app.py": LEGACY, "src/clean.py": "print('hello')\n"})
    done = run_action(
        repo, tmp_path, {"args": "--model gpt-4o-mini", "sarif-file": "migrator.sarif"}, path=on_path
    )
    assert done.returncode == 1 and done.failed_step == "Check for legacy Completions code", done.stderr
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert [a.split("::")[1] for a in annotations] == [
        "error file=app.py,line=4,col=12,endLine=4,endColumn=86,title=OAI001",
        "error file=app.py,line=4,col=44,endLine=4,endColumn=68,title=OAI004",
        "error file=app.py,line=5,col=7,endLine=5,endColumn=31,title=OAI002",
    ]
    assert "Using " in done.stdout  # the migrator on PATH, not a new install
    assert done.outputs["check"]["exit-code"] == "1"
    assert done.outputs["check"]["findings"] == "3"
    assert done.outputs["check"]["sarif-file"] == "migrator.sarif"
    assert "**3 finding(s)** in 1 file(s), of 2 checked: 3 fixable with `migrator fix`" in done.summary
    assert "| OAI001 | 1 |" in done.summary
    # The commands it suggests keep the options that made these findings fixable.
    assert "`migrator check --model gpt-4o-mini .` lists them" in done.summary
    assert "`migrator fix --diff --model gpt-4o-mini .` previews the fixes" in done.summary
    sarif = json.loads((repo / "migrator.sarif").read_text())
    jsonschema.validate(sarif, json.loads(SCHEMA.read_text()))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["OAI001", "OAI004", "OAI002"]
    assert (repo / "app.py").read_text() == LEGACY  # a check changes nothing
    assert not (repo / ".migrator_cache").exists()  # the cache lives in RUNNER_TEMP


def test_a_clean_repository_passes(tmp_path: Path, on_path: str) -> None:
    repo = git_repository(tmp_path / "repo", {"app.py": "print('completions are done')\n"})
    done = run_action(repo, tmp_path, {}, path=on_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.outputs["check"] == {"exit-code": "0", "findings": "0"}
    assert "No legacy Completions code in 1 file(s) checked." in done.summary
    assert "::error" not in done.stdout


def test_paths_and_args_reach_the_check(tmp_path: Path, on_path: str) -> None:
    repo = git_repository(
        tmp_path / "repo",
        {"src/app.py": LEGACY, "legacy/old.py": LEGACY, "nb/broken.py": "def f(:\n    completions = 1\n"},
    )
    done = run_action(repo, tmp_path, {"paths": "src nb", "args": "--select OAI001"}, path=on_path)
    assert done.returncode == 1
    assert "legacy/old.py" not in done.stdout
    assert [line.split(",")[0] for line in done.stdout.splitlines() if line.startswith("::error ")] == [
        "::error file=nb/broken.py",
        "::error file=src/app.py",
    ]
    assert "Files that could not be checked:" in done.summary and "syntax error at 1:7" in done.summary
    assert "`migrator check --select OAI001 src nb` lists them" in done.summary


def test_a_usage_error_fails_with_2(tmp_path: Path, on_path: str) -> None:
    repo = git_repository(tmp_path / "repo", {"app.py": LEGACY})
    done = run_action(repo, tmp_path, {"args": "--select NOPE1"}, path=on_path)
    assert done.returncode == 2
    assert "unknown rule code or prefix 'NOPE1'" in done.stderr
    assert done.outputs["check"]["exit-code"] == "2"


def stand_in_python(folder: Path) -> Path:
    """A `python` that makes venvs and records `pip install`: the install step's commands
    without a download."""
    folder.mkdir(exist_ok=True)
    script = folder / "python"
    script.write_text(
        "#!/usr/bin/env bash\n"
        'log="${STAND_IN_LOG:?}"\n'
        'if [ "$1" = -m ] && [ "$2" = venv ]; then\n'
        '  mkdir -p "$3/bin" && cp "$0" "$3/bin/python"\n'
        'elif [ "$1" = -m ] && [ "$2" = pip ]; then\n'
        '  echo "pip ${*:3}" >> "$log"\n'
        '  dir="$(dirname "$0")"\n'
        "  printf '#!/usr/bin/env bash\\necho \"migrator, version 0.1.0\"\\n' > \"$dir/migrator\"\n"
        '  chmod +x "$dir/migrator"\n'
        "fi\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.mark.parametrize(
    ("inputs", "installed"),
    [
        ({"install": "always"}, str(ROOT)),  # the action's own checkout
        ({"install": "always", "version": "0.1.0"}, "openai-chat-migrator==0.1.0"),
        ({}, str(ROOT)),  # auto, and no migrator on PATH
    ],
)
def test_install_step(tmp_path: Path, inputs: dict[str, str], installed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    python = stand_in_python(tmp_path / "bin")
    log = tmp_path / "pip.log"
    monkeypatch.setenv("STAND_IN_LOG", str(log))
    repo = git_repository(tmp_path / "repo", {"app.py": "x = 1\n"})
    bare_path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "migrator").exists())
    done = run_action(repo, tmp_path, {**inputs, "python": str(python)}, path=bare_path)
    assert log.read_text().split() == ["pip", "install", "--quiet", "--disable-pip-version-check", installed]
    venv_bin = tmp_path / "runner_temp" / "openai-chat-migrator" / "bin"
    assert done.outputs["install"]["migrator"] == str(venv_bin / "migrator")
    assert f"Installed migrator, version 0.1.0 from {installed}" in done.stdout


def test_install_never_without_migrator_fails(tmp_path: Path) -> None:
    repo = git_repository(tmp_path / "repo", {"app.py": "x = 1\n"})
    bare_path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "migrator").exists())
    done = run_action(repo, tmp_path, {"install": "never"}, path=bare_path)
    assert done.returncode == 2 and done.failed_step == "Install openai-chat-migrator"
    assert "::error title=openai-chat-migrator::install is 'never'" in done.stdout
