"""openai<1.0 programs, migrated both ways, really run: same output, chat endpoints only.

For every program in `programs_v0/` (written against `openai==0.28.1`: module-level
`openai.Completion.create/acreate`, `engine=`, dict-style responses):

* the original runs on `openai==0.28.1` against the fake server and talks only to the
  legacy completions endpoints (`/v1/completions`, `/v1/engines/{engine}/completions`, or
  the Azure deployment path);
* `--sdk keep`: a copy migrated by the real CLI runs on the same `openai==0.28.1`, talks
  only to `/chat/completions` (Azure: the deployment's), with bodies the chat endpoint
  accepts, and prints exactly what the original printed;
* `--sdk v1`: another copy runs on each release of `venvs.SDK_VERSIONS` with the same
  checks. Azure module configuration cannot be moved to v1 automatically, so there the CLI
  must leave the file alone and report it.

The fake server derives every answer from the request, so equal output means the
migration kept the prompt, `n`, `stop`, the token budget and the way the text is read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import urllib.request
from pathlib import Path

import pytest

from . import venvs
from .fake_server import FakeOpenAI, validate_chat_body, with_engine_model
from .test_e2e import Migration, Run, _run, chat_body_keys, migrated_source, sdk_python

pytestmark = pytest.mark.e2e

PROGRAMS_DIR = Path(__file__).resolve().parent / "programs_v0"
PROGRAMS = sorted(path.stem for path in PROGRAMS_DIR.glob("*.py"))
MIGRATE_MODEL = "gpt-4o-mini"
LEGACY = venvs.LEGACY_SDK_VERSION

# The Azure programs configure the module (`openai.api_type = "azure"`): v1 has no such
# module-level switch, so the tool reports them instead of migrating them to v1.
_AZURE_CONFIG = re.compile(r"""^\s*openai\.api_type\s*=\s*["']azure""", re.MULTILINE)
# A program that sets the base URL in its code, not only through the environment.
_SETS_API_BASE = re.compile(r"^\s*openai\.api_base\s*=", re.MULTILINE)


def _source(program: str) -> str:
    return (PROGRAMS_DIR / f"{program}.py").read_text(encoding="utf-8")


AZURE_PROGRAMS = [program for program in PROGRAMS if _AZURE_CONFIG.search(_source(program))]
OPENAI_PROGRAMS = [program for program in PROGRAMS if program not in AZURE_PROGRAMS]

# (test, program) -> why it fails today. Each entry is a migrator bug, described in the
# reason; `strict` makes the entry itself fail once the bug is fixed, so it gets removed.
# "v1" entries apply to every SDK release of `venvs.SDK_VERSIONS`.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _marks(test: str, program: str) -> list[pytest.MarkDecorator]:
    reason = KNOWN_BUGS.get((test, program))
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def _keep_params() -> list[object]:
    return [
        pytest.param(program, marks=_marks("keep", program), id=program) for program in PROGRAMS
    ]


def _v1_params() -> list[object]:
    return [
        pytest.param(program, version, marks=_marks("v1", program), id=f"{program}-openai{version}")
        for program in OPENAI_PROGRAMS
        for version in venvs.SDK_VERSIONS
    ]


# --------------------------------------------------------------------------- environments

# Where the v1 SDK goes when nothing configures a base URL is https://api.openai.com/v1.
# The tests must never leave the machine, so that default is stood in for by a path of the
# fake server that answers 404: a migrated program that lost the base URL its code set
# (`openai.api_base = ...`) fails visibly instead of reaching the real API.
SDK_DEFAULT_PREFIX = "/sdk-default-base-url"


def _base_env() -> dict[str, str]:
    # A minimal environment: the developer's real keys, proxies or OPENAI_* settings must
    # neither leak into the programs nor change what they do.
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP", "LANG"}
    }
    env.update(PYTHONUTF8="1", PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1")
    return env


def legacy_env(server: FakeOpenAI, program: str) -> dict[str, str]:
    """What an openai<1.0 deployment of the program has: v0 reads `OPENAI_API_BASE`."""
    env = _base_env()
    env.update(OPENAI_API_KEY="sk-e2e-fake", OPENAI_API_BASE=server.base_url)
    if program in AZURE_PROGRAMS:
        # Read by the program itself (`openai.api_base = os.environ[...]`); v0 adds the
        # `/openai/deployments/...` part, so the endpoint is the bare host.
        env.update(
            AZURE_OPENAI_ENDPOINT=server.azure_endpoint, AZURE_OPENAI_API_KEY="azure-e2e-fake"
        )
    return env


def v1_env(server: FakeOpenAI, program: str) -> dict[str, str]:
    """The same deployment once on v1, which reads `OPENAI_BASE_URL` instead.

    A program that only relied on the environment needs the renamed variable (a deployment
    change, not a code change). A program whose code sets `openai.api_base` keeps its old
    variables only: the migrated code must carry the base URL over itself.
    """
    env = legacy_env(server, program)
    if _SETS_API_BASE.search(_source(program)):
        env["OPENAI_BASE_URL"] = f"{server.azure_endpoint}{SDK_DEFAULT_PREFIX}/v1"
    else:
        env["OPENAI_BASE_URL"] = server.base_url
    return env


# --------------------------------------------------------------------------- migration


_MIGRATIONS: dict[tuple[str, str], Migration] = {}


def migrate(program: str, sdk: str, workdir: Path) -> Migration:
    """Copy the program and migrate the copy with `--sdk <sdk>`, once per session."""
    key = (program, sdk)
    if key not in _MIGRATIONS:
        folder = workdir / f"migrations-{sdk}" / program
        folder.mkdir(parents=True)
        original = folder / f"{program}_original.py"
        migrated = folder / f"{program}.py"
        shutil.copyfile(PROGRAMS_DIR / f"{program}.py", original)
        shutil.copyfile(PROGRAMS_DIR / f"{program}.py", migrated)
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        cli = _run(
            [
                sys.executable,
                "-m",
                "migrator",
                "fix",
                "--unsafe-fixes",
                "--model",
                MIGRATE_MODEL,
                "--sdk",
                sdk,
                str(migrated),
            ],
            env=env,
            cwd=folder,  # outside the repository: its pyproject must not configure the run
        )
        _MIGRATIONS[key] = Migration(original, migrated, cli)
    return _MIGRATIONS[key]


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-v0")


# --------------------------------------------------------------------------- running


def run_program(python: Path, script: Path, server: FakeOpenAI, env: dict[str, str]) -> Run:
    server.clear()
    result = _run([str(python), str(script)], env=env, cwd=script.parent)
    return Run(result, server.snapshot())


_LEGACY_PATH = re.compile(
    r"^/v1/(?:engines/[^/]+/)?completions$|^/openai/deployments/[^/]+/completions$"
)
_CHAT_PATH = re.compile(r"^/v1/chat/completions$|^/openai/deployments/[^/]+/chat/completions$")


def run_original(program: str, server: FakeOpenAI, workdir: Path) -> Run:
    """Run the unmigrated program on openai 0.28.1 and check it used the legacy endpoints."""
    original = migrate(program, "keep", workdir).original
    before = run_program(sdk_python(LEGACY), original, server, legacy_env(server, program))
    assert before.result.returncode == 0, f"the legacy program itself fails:\n{before.describe()}"
    assert before.requests, "the legacy program sent no request"
    assert all(_LEGACY_PATH.match(r.path) for r in before.requests), before.describe()
    assert all(r.status == 200 for r in before.requests), before.describe()
    return before


def check_chat_run(before: Run, after: Run, source: str, allowed: frozenset[str] | None) -> None:
    """The migrated run talked chat only, with valid bodies, and printed the same."""
    context = f"{after.describe()}--- migrated source\n{source}"
    lost_base = [r.path for r in after.requests if r.path.startswith(SDK_DEFAULT_PREFIX)]
    assert not lost_base, (
        "the migrated program ignored the base URL its code sets (`openai.api_base = ...`) "
        f"and went to the SDK's default base URL:\n{context}"
    )
    assert after.result.returncode == 0, f"the migrated program fails:\n{context}"
    assert after.requests, context
    assert all(_CHAT_PATH.match(r.path) for r in after.requests), context
    problems = [
        f"{request.path}: {problem}"
        for request in after.requests
        # openai<1.0 may carry the model in the path (engine, Azure deployment), not the body.
        for problem in validate_chat_body(
            with_engine_model(request.body, request.engine or request.deployment), allowed
        )
    ]
    assert not problems, "\n".join(problems) + "\n" + context
    assert all(r.status == 200 for r in after.requests), context
    assert len(after.requests) == len(before.requests), context
    assert after.result.stdout == before.result.stdout, context


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("program", _keep_params())
def test_keep_migration_runs_on_openai_0_28(
    program: str, server: FakeOpenAI, workdir: Path
) -> None:
    before = run_original(program, server, workdir)
    migration = migrate(program, "keep", workdir)
    source = migrated_source(migration)
    after = run_program(sdk_python(LEGACY), migration.migrated, server, legacy_env(server, program))
    # openai 0.28 forwards any keyword to the body, so the newest chat signature is the bar.
    check_chat_run(before, after, source, None)
    if program in AZURE_PROGRAMS:
        # The deployment stays where it was: same deployments, now their chat path.
        assert {r.deployment for r in after.requests} == {r.deployment for r in before.requests}
        assert all(r.query.get("api-version") for r in after.requests), after.describe()


@pytest.mark.parametrize(("program", "version"), _v1_params())
def test_v1_migration_runs_on_current_sdks(
    program: str, version: str, server: FakeOpenAI, workdir: Path
) -> None:
    python = sdk_python(version)  # skip before running anything when the SDK cannot be had
    before = run_original(program, server, workdir)
    migration = migrate(program, "v1", workdir)
    source = migrated_source(migration)
    after = run_program(python, migration.migrated, server, v1_env(server, program))
    check_chat_run(before, after, source, chat_body_keys(version))


@pytest.mark.parametrize("program", AZURE_PROGRAMS)
def test_v1_migration_reports_azure_module_config(program: str, workdir: Path) -> None:
    migration = migrate(program, "v1", workdir)
    output = migration.cli.stdout + migration.cli.stderr
    assert migration.cli.returncode == 1, output
    assert "internal error" not in output, output
    assert migration.migrated.read_text(encoding="utf-8") == _source(program), output
    assert "Azure" in output, output


def test_the_fake_server_answers_v0_engine_and_model_less_azure_paths(server: FakeOpenAI) -> None:
    # No SDK needed: pins the routes the v0 tests rely on, so a broken route shows up here
    # and not as a puzzling failure of a migrated program.
    def post(path: str, body: dict[str, object]) -> int:
        request = urllib.request.Request(
            f"{server.azure_endpoint}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:
            return int(response.status)

    assert post("/v1/engines/text-davinci-003/completions", {"prompt": "hi"}) == 200
    assert (
        post("/openai/deployments/bot/completions?api-version=2023-05-15", {"prompt": "hi"}) == 200
    )
    messages = [{"role": "user", "content": "hi"}]
    assert post("/v1/engines/gpt-4o-mini/chat/completions", {"messages": messages}) == 200
    recorded = server.snapshot()
    assert [r.engine for r in recorded] == ["text-davinci-003", None, "gpt-4o-mini"]
    assert [r.endpoint for r in recorded] == ["completions", "completions", "chat"]
