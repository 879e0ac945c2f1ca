"""Receivers that live in other files of the project: imported factories and clients,
re-exports, modules imported whole, and pytest fixtures from a `conftest.py` up the tree.
Each is resolved by parsing that module; a change to it makes cached results stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import cli

CALL = 'completions.create(model="gpt-3.5-turbo-instruct", prompt=prompt)'

FILES = {
    "pkg/__init__.py": "",
    "pkg/clients.py": "import openai\n\n\ndef get_client():\n    return openai.OpenAI()\n\n\nshared = openai.AsyncOpenAI()\n",
    "pkg/reexport.py": "from .clients import shared as client\n",
    "pkg/app.py": (
        "from pkg import clients\n"
        "from .clients import get_client\n"
        "from .reexport import client\n\n\n"
        f"def factory(prompt):\n    return get_client().{CALL}.choices[0].text\n\n\n"
        f"async def reexported(prompt):\n    r = await client.{CALL}\n    return r.choices[0].text\n\n\n"
        f"async def dotted(prompt):\n    r = await clients.shared.{CALL}\n    return r.choices[0].text\n"
    ),
    "tests/conftest.py": "import openai\nimport pytest\n\n\n@pytest.fixture\ndef llm():\n    return openai.OpenAI(api_key='x')\n",
    "tests/test_app.py": f"def test_it(llm):\n    prompt = 'hi'\n    assert llm.{CALL}.choices[0].text\n",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings(*args: str) -> list[tuple[str, int, str, str]]:
    result = CliRunner().invoke(cli, ["check", "--isolated", "--model", "gpt-4o-mini", "--output-format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return [(f["path"], f["line"], f["code"], f["fix"]) for f in json.loads(result.stdout)["findings"]]


def test_calls_through_other_modules_are_proven(project: Path) -> None:
    calls = [f for f in findings("--no-cache", ".") if f[2] == "OAI001"]
    assert calls == [
        ("pkg/app.py", 7, "OAI001", "safe"),
        ("pkg/app.py", 11, "OAI001", "safe"),
        ("pkg/app.py", 16, "OAI001", "safe"),
        ("tests/test_app.py", 3, "OAI001", "safe"),
    ]


def test_the_modules_read_invalidate_the_cache(project: Path) -> None:
    assert ("pkg/app.py", 11, "OAI001", "safe") in findings("pkg/app.py")
    assert ("tests/test_app.py", 3, "OAI001", "safe") in findings("tests/test_app.py")
    # The client the re-export names now comes from another SDK, and the fixture from a
    # factory nobody can see: the cached results of the readers must not survive it.
    clients = project / "pkg" / "clients.py"
    clients.write_text(clients.read_text().replace("shared = openai.AsyncOpenAI()", "import anthropic\nshared = anthropic.AsyncAnthropic()"))
    conftest = project / "tests" / "conftest.py"
    conftest.write_text(conftest.read_text().replace("openai.OpenAI(api_key='x')", "make_llm()"))
    assert ("pkg/app.py", 11, "OAI001", "safe") not in findings("pkg/app.py")
    assert ("tests/test_app.py", 3, "OAI001", "none") in findings("tests/test_app.py")


def test_a_v0_module_fixture_moves_to_v1_without_an_import_it_does_not_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(
        "import openai\nimport pytest\n\n\n@pytest.fixture\ndef oai_module():\n    return openai\n"
    )
    test = tmp_path / "tests" / "test_x.py"
    test.write_text(
        "def test_it(oai_module):\n"
        '    r = oai_module.Completion.create(model="text-davinci-003", prompt="hi")\n'
        "    assert r.choices[0].text\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["fix", "--isolated", "--no-cache", "--sdk", "v1", "--model", "gpt-4o-mini", "."])
    assert result.exit_code == 0, result.output
    # The call goes through the fixture: an `import openai` would be unused (ruff F401).
    assert test.read_text() == (
        "def test_it(oai_module):\n"
        "    r = oai_module.chat.completions.create(\n"
        '        model="gpt-4o-mini",\n'
        '        messages=[{"role": "user", "content": "hi"}],\n'
        "    )\n"
        "    assert r.choices[0].message.content\n"
    )


@pytest.mark.parametrize(
    ("config", "code", "fix"),
    [
        # Azure: `engine=` names a deployment of a completion model, which chat cannot use.
        ('openai.api_type = "azure"\nopenai.api_base = "https://x.openai.azure.com/"\n', "OAI004", "none"),
        # Another server: it may still serve /v1/completions, so the fix is never safe.
        ('openai.api_base = "http://localhost:8000/v1"\n', "OAI001", "unsafe"),
        # OpenAI's own URL changes nothing.
        ('openai.api_base = "https://api.openai.com/v1"\n', "OAI001", "safe"),
    ],
)
def test_the_openai_module_configured_in_an_imported_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, code: str, fix: str
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("openai==0.28.1\n")
    (tmp_path / "config.py").write_text("import openai\n\n" + config)
    (tmp_path / "app.py").write_text(
        "import openai\n\nimport config  # noqa: F401  (sets the client up)\n\n\n"
        "def ask(q):\n"
        '    r = openai.Completion.create(engine="text-davinci-003", prompt=q, max_tokens=50)\n'
        "    return r.choices[0].text\n"
    )
    monkeypatch.chdir(tmp_path)
    found = findings("--no-cache", "app.py")
    assert (code, fix) in [(f[2], f[3]) for f in found if f[1] == 7], found
    # The setting lives in config.py: changing it changes app.py's result, cache or not.
    (tmp_path / "config.py").write_text("import openai\n")
    assert ("app.py", 7, "OAI001", "safe") in findings("app.py")
