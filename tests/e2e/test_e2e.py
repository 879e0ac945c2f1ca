"""Migrated programs really run: legacy programs in, chat programs out, same output.

For every program in `programs/` and every SDK version in `venvs.SDK_VERSIONS`:

* the original runs in a virtualenv with that SDK against the fake server and talks only
  to `/completions`;
* a copy is migrated by the real CLI (`python -m migrator fix --unsafe-fixes`), the
  migrated program talks only to `/chat/completions`, with bodies the chat endpoint
  accepts, and prints exactly what the original printed;
* mypy (in the same virtualenv) finds no more errors in the migrated file than in the
  original.

The fake server derives every answer from the request, so equal output means the
migration kept the prompt, `n`, `stop`, the token budget and the way the text is read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import venvs
from .fake_server import FakeOpenAI, RecordedRequest, validate_chat_body

pytestmark = pytest.mark.e2e

PROGRAMS_DIR = Path(__file__).resolve().parent / "programs"
PROGRAMS = sorted(path.stem for path in PROGRAMS_DIR.glob("*.py"))
MIGRATE_MODEL = "gpt-4o-mini"
AZURE_API_VERSION = "2024-06-01"

# (test, program) -> why it fails today. Each entry is a migrator bug, described in the
# reason; `strict` makes the entry itself fail once the bug is fixed, so it gets removed.
KNOWN_BUGS: dict[tuple[str, str], str] = {
}

# A hang guard for child processes, not a performance assertion.
CHILD_TIMEOUT = 300


def _params(test: str) -> list[object]:
    params: list[object] = []
    for program in PROGRAMS:
        for version in venvs.SDK_VERSIONS:
            reason = KNOWN_BUGS.get((test, program))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(
                pytest.param(program, version, marks=marks, id=f"{program}-openai{version}")
            )
    return params


# --------------------------------------------------------------------------- environments

_ENV_CACHE: dict[str, Path | BaseException] = {}


def sdk_python(version: str) -> Path:
    """The interpreter of the SDK virtualenv; skips the test when it cannot be built offline."""
    if version not in _ENV_CACHE:
        try:
            _ENV_CACHE[version] = venvs.ensure_env(version)
        except venvs.RegistryUnavailable as error:
            # Remembered, so that the other tests skip at once instead of timing out again.
            _ENV_CACHE[version] = error
    cached = _ENV_CACHE[version]
    if isinstance(cached, venvs.RegistryUnavailable):
        pytest.skip(str(cached).splitlines()[0])
    if isinstance(cached, BaseException):
        raise cached
    return cached


_CHAT_KEYS: dict[str, frozenset[str]] = {}

_SIGNATURE_PROBE = (
    "import inspect, json\n"
    "from openai.resources.chat.completions import Completions\n"
    "print(json.dumps(sorted(inspect.signature(Completions.create).parameters)))\n"
)


def chat_body_keys(version: str) -> frozenset[str]:
    """The JSON keys this SDK's `chat.completions.create` can send (its own signature)."""
    if version not in _CHAT_KEYS:
        result = _run([str(sdk_python(version)), "-c", _SIGNATURE_PROBE], env=_child_env())
        assert result.returncode == 0, result.stderr
        # These four parameters configure the request but never appear in the body.
        not_in_body = {"self", "extra_headers", "extra_query", "extra_body", "timeout"}
        _CHAT_KEYS[version] = frozenset(json.loads(result.stdout)) - not_in_body
    return _CHAT_KEYS[version]


def _child_env(server: FakeOpenAI | None = None, *, azure: bool = False) -> dict[str, str]:
    # A minimal environment: the developer's real keys, proxies or OPENAI_* settings must
    # neither leak into the programs nor change what they do.
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP", "LANG"}
    }
    env.update(PYTHONUTF8="1", PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1")
    if server is not None:
        env.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-e2e-fake")
        if azure:
            # Only for Azure programs: the module-level client refuses to choose when both
            # OpenAI and Azure credentials are present.
            env.update(
                AZURE_OPENAI_ENDPOINT=server.azure_endpoint,
                AZURE_OPENAI_API_KEY="azure-e2e-fake",
                OPENAI_API_VERSION=AZURE_API_VERSION,
            )
            del env["OPENAI_BASE_URL"], env["OPENAI_API_KEY"]
    return env


def _run(
    command: list[str], *, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=CHILD_TIMEOUT,
        check=False,
    )


# --------------------------------------------------------------------------- migration


@dataclass(frozen=True)
class Migration:
    original: Path
    migrated: Path
    cli: subprocess.CompletedProcess[str]


_MIGRATIONS: dict[str, Migration] = {}


def migrate(program: str, workdir: Path) -> Migration:
    """Copy the program and migrate the copy with the real CLI, once per session."""
    if program not in _MIGRATIONS:
        folder = workdir / "migrations" / program
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
                str(migrated),
            ],
            env=env,
            cwd=folder,  # outside the repository: its pyproject must not configure the run
        )
        _MIGRATIONS[program] = Migration(original, migrated, cli)
    return _MIGRATIONS[program]


def migrated_source(migration: Migration) -> str:
    """The migrated text, after checking that the CLI worked and did migrate something."""
    output = migration.cli.stdout + migration.cli.stderr
    # 1 is fine: findings that need a human may remain next to the applied fixes.
    assert migration.cli.returncode in (0, 1), output
    assert "internal error" not in output, output
    source = migration.migrated.read_text(encoding="utf-8")
    assert source != migration.original.read_text(encoding="utf-8"), (
        f"the migrator changed nothing:\n{output}"
    )
    return source


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Run:
    result: subprocess.CompletedProcess[str]
    requests: list[RecordedRequest]

    def describe(self) -> str:
        sent = "\n".join(
            f"  {r.status} {r.path} {r.query} {json.dumps(r.body, sort_keys=True)}"
            for r in self.requests
        )
        return (
            f"exit code {self.result.returncode}\n--- stdout\n{self.result.stdout}"
            f"--- stderr\n{self.result.stderr[-3000:]}--- requests\n{sent}\n"
        )


def run_program(python: Path, script: Path, server: FakeOpenAI) -> Run:
    server.clear()
    azure = "AzureOpenAI" in script.read_text(encoding="utf-8")
    result = _run(
        [str(python), str(script)], env=_child_env(server, azure=azure), cwd=script.parent
    )
    return Run(result, server.snapshot())


def _endpoints(run: Run) -> set[str]:
    return {request.endpoint for request in run.requests}


@pytest.mark.parametrize(("program", "version"), _params("runs"))
def test_migrated_program_runs_like_the_original(
    program: str, version: str, server: FakeOpenAI, workdir: Path
) -> None:
    python = sdk_python(version)
    migration = migrate(program, workdir)

    before = run_program(python, migration.original, server)
    assert before.result.returncode == 0, f"the legacy program itself fails:\n{before.describe()}"
    assert before.requests, "the legacy program sent no request"
    assert _endpoints(before) == {"completions"}, before.describe()
    assert all(r.status == 200 for r in before.requests), before.describe()

    source = migrated_source(migration)

    after = run_program(python, migration.migrated, server)
    context = f"{after.describe()}--- migrated source\n{source}"
    assert after.result.returncode == 0, f"the migrated program fails:\n{context}"
    assert _endpoints(after) == {"chat"}, context
    allowed = chat_body_keys(version)
    problems = [
        f"{request.path}: {problem}"
        for request in after.requests
        for problem in validate_chat_body(request.body, allowed)
    ]
    assert not problems, "\n".join(problems) + "\n" + context
    assert len(after.requests) == len(before.requests), context
    assert after.result.stdout == before.result.stdout, context


# --------------------------------------------------------------------------- type check

_MYPY: dict[str, dict[str, list[str]]] = {}
_MYPY_ERROR = re.compile(r"^(?P<file>[^:\n]+\.py):\d+(?::\d+)?: error: ", re.MULTILINE)


def mypy_errors(version: str, workdir: Path) -> dict[str, list[str]]:
    """mypy's errors per file name, for every original and migrated program at once.

    One mypy process per SDK instead of two per program: loading the SDK's stubs is most
    of mypy's time.
    """
    if version not in _MYPY:
        python = sdk_python(version)
        files = [
            str(path)
            for program in PROGRAMS
            for path in (migrate(program, workdir).original, migrate(program, workdir).migrated)
        ]
        result = _run(
            [
                str(python),
                "-m",
                "mypy",
                "--no-error-summary",
                "--show-error-codes",
                "--hide-error-context",
                "--no-color-output",
                # The cache lives with the virtualenv: warm across runs, never in the repo.
                "--cache-dir",
                str(python.parent.parent / ".mypy_cache"),
                *files,
            ],
            env=_child_env(),
            cwd=workdir,
        )
        # 0: clean, 1: type errors; anything else means mypy itself could not run.
        assert result.returncode in (0, 1), result.stdout + result.stderr
        errors: dict[str, list[str]] = {}
        for line in result.stdout.splitlines():
            match = _MYPY_ERROR.match(line)
            if match:
                errors.setdefault(Path(match["file"]).name, []).append(line)
        _MYPY[version] = errors
    return _MYPY[version]


@pytest.mark.parametrize(("program", "version"), _params("typechecks"))
def test_migrated_program_has_no_new_type_errors(program: str, version: str, workdir: Path) -> None:
    sdk_python(version)  # skip before migrating anything when the SDK cannot be had
    migration = migrate(program, workdir)
    source = migrated_source(migration)
    errors = mypy_errors(version, workdir)
    before = errors.get(migration.original.name, [])
    after = errors.get(migration.migrated.name, [])
    report = (
        "\n".join(["--- original", *before, "--- migrated", *after, "--- migrated source"])
        + "\n"
        + source
    )
    assert len(after) <= len(before), report
