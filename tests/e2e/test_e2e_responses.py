"""`--target responses`: migrated programs really run on the Responses API, same output.

Every program of `programs/` and `programs_v0/`, and the programs of
`programs_responses/` (written to exercise this target: finish reasons, usage, logprobs,
streams printed a chunk per line, the module client, raw and streaming responses, Azure;
`v0_*` ones for openai<1.0), is migrated by the real CLI with `--target responses
--unsafe-fixes`, in a folder whose `requirements.txt` pins the oldest SDK with Responses
(openai==1.66.0). Then:

* a program the migration only reports (a parameter or a read with no Responses
  counterpart) must come back unchanged, with the findings reported (exit 1), and is
  listed in `MANUAL` with the reason;
* any other program runs, before and after, against the fake server: the original on
  the legacy endpoint (openai<1.0 programs on 0.28.1), the migrated copy on
  `/v1/responses` only (or `/openai/responses` on Azure; also `/completions` for the
  calls of `PARTIAL` programs that stay reported), with bodies `responses.create` of that
  SDK can send and the strict server accepts, and it must print exactly the same;
* it runs on the newest SDK and on the oldest one it needs: 1.66.0, or the release the
  migration's own pin note asks for (1.66.3 for the module-level `openai.responses`,
  1.92.0 for log probabilities), which proves that note right;
* mypy (newest SDK) finds no more errors in the migrated file than in the original.

Most of `MANUAL` is there, alone or among other reasons, for a literal `max_tokens`
below 16, the least `max_output_tokens` the Responses API accepts, which the migration
rightly reports instead of changing. So a second pass takes every `MANUAL` program with
such a literal and makes a variant `<name>_max16`: the same source with each literal
`max_tokens=N` (N < 16) written as `max_tokens=16` (`raise_small_budgets`, a regex,
nothing else). The variant is both the original and the copy that gets migrated, and
goes through the same checks: reported and unchanged if something else still has no
counterpart (`VARIANT_MANUAL`), else run on the legacy endpoint and on `/v1/responses`
(oldest and newest SDK; `VARIANT_PARTIAL` ones keep their reported calls on
`/completions`), same output, and type-checked. The fake server cuts a reply only where
it is longer than the budget, and its replies are at most ten tokens unless the prompt
asks for one "at length", so the output of a variant may not show its budget: the variant
runs also check that the calls sent the same budgets before (`max_tokens`) and after
(`max_output_tokens`).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import test_e2e, test_e2e_v0, venvs
from .fake_server import (
    AZURE_RESPONSES_API_VERSION,
    MIN_OUTPUT_TOKENS,
    FakeOpenAI,
    RecordedRequest,
    validate_responses_body,
)
from .test_e2e import Run, _child_env, _run, sdk_python

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
RESPONSES_DIR = HERE / "programs_responses"
NEWEST = venvs.SDK_VERSIONS[-1]
OLDEST = venvs.RESPONSES_OLDEST_SDK
MIGRATE_MODEL = "gpt-4o-mini"


# A literal token budget in a call or a call of a helper: `max_tokens=4`, `max_tokens = 4`.
_LITERAL_BUDGET = re.compile(r"\bmax_tokens(\s*=\s*)(\d+)\b")
VARIANT_SUFFIX = f"_max{MIN_OUTPUT_TOKENS}"


def raise_small_budgets(source: str) -> str:
    """`source` with every literal `max_tokens=N` below the Responses floor (16) set to 16."""
    return _LITERAL_BUDGET.sub(
        lambda m: f"max_tokens{m[1]}{max(int(m[2]), MIN_OUTPUT_TOKENS)}", source
    )


@dataclass(frozen=True)
class Program:
    name: str
    path: Path
    v0: bool
    # A budget variant: the program with `raise_small_budgets` applied, before both runs.
    variant: bool = False

    @property
    def source(self) -> str:
        source = self.path.read_text(encoding="utf-8")
        return raise_small_budgets(source) if self.variant else source

    @property
    def azure(self) -> bool:
        return "AzureOpenAI" in self.source or bool(test_e2e_v0._AZURE_CONFIG.search(self.source))


def _programs() -> list[Program]:
    found = [Program(p.stem, p, False) for p in sorted(test_e2e.PROGRAMS_DIR.glob("*.py"))]
    found += [Program(f"v0_{p.stem}", p, True) for p in sorted(test_e2e_v0.PROGRAMS_DIR.glob("*.py"))]
    found += [Program(f"responses_{p.stem}", p, p.stem.startswith("v0_")) for p in sorted(RESPONSES_DIR.glob("*.py"))]
    return found


PROGRAMS = {program.name: program for program in _programs()}

# Programs the migration must leave as they are (every call has something without a
# Responses counterpart), and why: the test checks they are reported and unchanged.
MANUAL: dict[str, str] = {
    "azure_deployment": "max_tokens=10 is below 16; finish_reason is printed",
    "logprobs_tokens": "max_tokens=4 is below 16",
    "module_level": "max_tokens=8 is below 16; stop",
    "n_choices_logprobs": "n=2; the choices are iterated; max_tokens=5 is below 16",
    "raw_response": "finish_reason is printed",
    "stream_n_choices": "n=2; stop; the chunk's choices are iterated",
    "stream_helpers": "max_tokens=6 is below 16, and the legacy types the file names tie its calls together",
    "class_client": "summarize() has max_tokens=12, and both calls take their model from one literal",
    "sync_helpers": "max_tokens=3 reaches the call; finish_reason is printed",
    "v0_async_stream": "max_tokens=12 is below 16",
    "v0_azure_module_config": "openai<1.0 Azure module configuration; max_tokens=10; finish_reason is printed",
    "v0_helpers_kwargs": "max_tokens=5 reaches the call; finish_reason is printed",
    "v0_import_completion": "stop",
    "v0_logprobs_tokens": "max_tokens=6 is below 16",
    "v0_module_on_object": "max_tokens=8 is below 16; finish_reason is printed",
    "v0_n_choices": "n=2; stop",
    "v0_notebook_globals": "finish_reason is printed",
}
# Programs with some calls migrated and others reported (they keep the legacy endpoint).
PARTIAL: dict[str, str] = {
    "async_stream": "the first call streams with include_usage",
}

# The budget variants: every MANUAL program with a literal `max_tokens` below 16.
VARIANTS: dict[str, Program] = {
    f"{name}{VARIANT_SUFFIX}": Program(f"{name}{VARIANT_SUFFIX}", program.path, program.v0, True)
    for name, program in PROGRAMS.items()
    if name in MANUAL and raise_small_budgets(program.source) != program.source
}
# Variants still left as they are: the budget was not their only blocker.
VARIANT_MANUAL: dict[str, str] = {
    "azure_deployment_max16": "finish_reason is printed",
    "module_level_max16": "stop",
    "sync_helpers_max16": "finish_reason is printed",
    "v0_azure_module_config_max16": "openai<1.0 Azure module configuration; finish_reason is printed",
    "v0_helpers_kwargs_max16": "finish_reason is printed",
    "v0_module_on_object_max16": "finish_reason is printed",
}
# Variants with the raised call migrated and the others reported.
VARIANT_PARTIAL: dict[str, str] = {
    "n_choices_logprobs_max16": "the n=2 call (choices iterated, finish_reason printed) stays reported",
}
EVERY_PROGRAM: dict[str, Program] = {**PROGRAMS, **VARIANTS}
EVERY_MANUAL: dict[str, str] = {**MANUAL, **VARIANT_MANUAL}
EVERY_PARTIAL: dict[str, str] = {**PARTIAL, **VARIANT_PARTIAL}

# (test, program) -> why it fails today: a strict xfail, removed once the bug is fixed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}

_NEEDS = re.compile(r"raise the pin to openai>=(\d+(?:\.\d+)*) for the migrated code")


def _marks(test: str, program: str) -> list[pytest.MarkDecorator]:
    reason = KNOWN_BUGS.get((test, program))
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def _run_params() -> list[object]:
    return [
        pytest.param(name, which, marks=_marks("runs", name), id=f"{name}-{which}")
        for name in EVERY_PROGRAM
        if name not in EVERY_MANUAL
        for which in ("oldest", "newest")
    ]


# --------------------------------------------------------------------------- migration


@dataclass(frozen=True)
class Migration:
    original: Path
    migrated: Path
    output: str
    returncode: int

    def oldest_sdk(self) -> str:
        """1.66.0, or the newest release the migration's pin notes ask for."""
        needed = [tuple(int(p) for p in v.split(".")) for v in _NEEDS.findall(self.output)]
        return ".".join(map(str, max([(1, 66, 0), *needed])))


_MIGRATIONS: dict[str, Migration] = {}


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-responses")


def migrate(name: str, workdir: Path) -> Migration:
    """Copy the program (or its budget variant) next to a pin of the oldest Responses SDK
    twice, and migrate one copy."""
    if name not in _MIGRATIONS:
        program = EVERY_PROGRAM[name]
        folder = workdir / "migrations" / name
        folder.mkdir(parents=True)
        (folder / "requirements.txt").write_text(f"openai=={OLDEST}\n", encoding="utf-8")
        original = folder / f"{name}_original.py"
        migrated = folder / f"{name}.py"
        original.write_text(program.source, encoding="utf-8")
        migrated.write_text(program.source, encoding="utf-8")
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        command = [sys.executable, "-m", "migrator", "fix", "--unsafe-fixes", "--no-cache"]
        command += ["--target", "responses", "--model", MIGRATE_MODEL, str(migrated)]
        # `check` after `fix`: what is left, and the notes about the pin.
        cli = _run(command, env=env, cwd=folder)
        _MIGRATIONS[name] = Migration(original, migrated, cli.stdout + cli.stderr, cli.returncode)
    return _MIGRATIONS[name]


# --------------------------------------------------------------------------- running

_RESPONSES_KEYS: dict[str, frozenset[str]] = {}

_SIGNATURE_PROBE = (
    "import inspect, json\n"
    "from openai.resources.responses import Responses\n"
    "print(json.dumps(sorted(inspect.signature(Responses.create).parameters)))\n"
)


def responses_body_keys(version: str) -> frozenset[str]:
    """The JSON keys this SDK's `responses.create` can send (its own signature)."""
    if version not in _RESPONSES_KEYS:
        result = _run([str(sdk_python(version)), "-c", _SIGNATURE_PROBE], env=_child_env())
        assert result.returncode == 0, result.stderr
        not_in_body = {"self", "extra_headers", "extra_query", "extra_body", "timeout"}
        _RESPONSES_KEYS[version] = frozenset(json.loads(result.stdout)) - not_in_body
    return _RESPONSES_KEYS[version]


def _env(program: Program, server: FakeOpenAI, *, migrated: bool) -> dict[str, str]:
    if program.v0:
        name = program.path.stem
        # The openai<1.0 programs' deployments: v0 reads OPENAI_API_BASE, v1 OPENAI_BASE_URL.
        if program.path.parent == test_e2e_v0.PROGRAMS_DIR:
            return test_e2e_v0.v1_env(server, name) if migrated else test_e2e_v0.legacy_env(server, name)
        env = test_e2e_v0._base_env()
        env.update(OPENAI_API_KEY="sk-e2e-fake", OPENAI_API_BASE=server.base_url, OPENAI_BASE_URL=server.base_url)
        return env
    env = _child_env(server, azure=program.azure)
    if migrated and program.azure:
        # A deployment change, not a code change: Azure serves Responses from this version on.
        env["OPENAI_API_VERSION"] = AZURE_RESPONSES_API_VERSION
    return env


def _run_program(python: Path, script: Path, env: dict[str, str], server: FakeOpenAI) -> Run:
    server.clear()
    result = _run([str(python), str(script)], env=env, cwd=script.parent)
    return Run(result, server.snapshot())


@pytest.mark.parametrize(("name", "which"), _run_params())
def test_migrated_program_runs_on_the_responses_api(
    name: str, which: str, server: FakeOpenAI, workdir: Path
) -> None:
    program = EVERY_PROGRAM[name]
    migration = migrate(name, workdir)
    assert migration.returncode in (0, 1), migration.output
    assert "internal error" not in migration.output, migration.output
    source = migration.migrated.read_text(encoding="utf-8")
    assert source != program.source, f"the migrator changed nothing:\n{migration.output}"
    version = NEWEST if which == "newest" else migration.oldest_sdk()
    python = sdk_python(version)

    legacy_python = sdk_python(venvs.LEGACY_SDK_VERSION) if program.v0 else python
    before = _run_program(legacy_python, migration.original, _env(program, server, migrated=False), server)
    assert before.result.returncode == 0, f"the legacy program itself fails:\n{before.describe()}"
    assert before.requests and {r.endpoint for r in before.requests} == {"completions"}, before.describe()

    after = _run_program(python, migration.migrated, _env(program, server, migrated=True), server)
    context = f"openai {version}\n{after.describe()}--- migrated source\n{source}--- migration\n{migration.output}"
    assert after.result.returncode == 0, f"the migrated program fails:\n{context}"
    endpoints = {r.endpoint for r in after.requests}
    allowed_endpoints = {"responses", "completions"} if name in EVERY_PARTIAL else {"responses"}
    assert "responses" in endpoints and endpoints <= allowed_endpoints, context
    if name in EVERY_PARTIAL:
        assert migration.returncode == 1, "a partly migrated program must report what is left"
    keys = responses_body_keys(version)
    problems = [
        f"{r.path}: {problem}"
        for r in after.requests
        if r.endpoint == "responses"
        for problem in validate_responses_body(r.body, keys, azure=r.path.startswith("/openai/"))
    ]
    assert not problems, "\n".join(problems) + "\n" + context
    assert all(r.status == 200 for r in after.requests), context
    assert len(after.requests) == len(before.requests), context
    assert after.result.stdout == before.result.stdout, context
    if program.variant:
        # A budget of 16 cuts none of the fake server's short replies, so the output may not
        # tell whether it was kept: the requests must.
        assert sorted(map(_budget, after.requests)) == sorted(map(_budget, before.requests)), context


def _budget(request: RecordedRequest) -> int:
    key = "max_output_tokens" if request.endpoint == "responses" else "max_tokens"
    budget = request.body.get(key) if isinstance(request.body, dict) else None
    return budget if isinstance(budget, int) else -1


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in EVERY_MANUAL])
def test_a_program_with_no_responses_counterpart_is_reported_and_unchanged(name: str, workdir: Path) -> None:
    migration = migrate(name, workdir)
    assert migration.returncode == 1, migration.output
    assert "internal error" not in migration.output, migration.output
    assert migration.migrated.read_text(encoding="utf-8") == EVERY_PROGRAM[name].source, migration.output
    assert re.search(r" OAI00[1-5] ", migration.output), migration.output


def test_the_tables_name_programs_that_exist() -> None:
    assert set(MANUAL) <= set(PROGRAMS) and set(PARTIAL) <= set(PROGRAMS)
    assert not set(MANUAL) & set(PARTIAL)
    assert set(VARIANT_MANUAL) <= set(VARIANTS) and set(VARIANT_PARTIAL) <= set(VARIANTS)
    assert not set(VARIANT_MANUAL) & set(VARIANT_PARTIAL)


def test_every_program_reported_for_its_budget_has_a_variant() -> None:
    for_budget = {name for name, why in MANUAL.items() if "max_tokens" in why}
    assert {name.removesuffix(VARIANT_SUFFIX) for name in VARIANTS} == for_budget
    for variant in VARIANTS.values():
        # What a variant changes: budgets below 16 in `max_tokens=` literals, and nothing else.
        assert not [int(n) for _, n in _LITERAL_BUDGET.findall(variant.source) if int(n) < MIN_OUTPUT_TOKENS]
        assert _LITERAL_BUDGET.sub("", variant.source) == _LITERAL_BUDGET.sub("", variant.path.read_text("utf-8"))


# --------------------------------------------------------------------------- type check

_MYPY: dict[str, dict[str, list[str]]] = {}
# The migrated v1 programs and variants.
_TYPE_CHECKED = [n for n, p in EVERY_PROGRAM.items() if not p.v0 and n not in EVERY_MANUAL]
_MYPY_ERROR = re.compile(r"^(?P<file>[^:\n]+\.py):\d+(?::\d+)?: error: ", re.MULTILINE)


def mypy_errors(workdir: Path) -> dict[str, list[str]]:
    """mypy's errors per file, for every migrated v1 program and its original at once."""
    if NEWEST not in _MYPY:
        python = sdk_python(NEWEST)
        files = [
            str(path)
            for name in _TYPE_CHECKED
            for path in (migrate(name, workdir).original, migrate(name, workdir).migrated)
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
                "--cache-dir",
                str(python.parent.parent / ".mypy_cache"),
                *files,
            ],
            env=_child_env(),
            cwd=workdir,
        )
        assert result.returncode in (0, 1), result.stdout + result.stderr
        errors: dict[str, list[str]] = {}
        for line in result.stdout.splitlines():
            match = _MYPY_ERROR.match(line)
            if match:
                errors.setdefault(Path(match["file"]).name, []).append(line)
        _MYPY[NEWEST] = errors
    return _MYPY[NEWEST]


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in _TYPE_CHECKED])
def test_migrated_program_has_no_new_type_errors(name: str, workdir: Path) -> None:
    sdk_python(NEWEST)  # skip before migrating anything when the SDK cannot be had
    migration = migrate(name, workdir)
    errors = mypy_errors(workdir)
    before = errors.get(migration.original.name, [])
    after = errors.get(migration.migrated.name, [])
    source = migration.migrated.read_text(encoding="utf-8")
    report = "\n".join(["--- original", *before, "--- migrated", *after, "--- migrated source"]) + "\n" + source
    assert len(after) <= len(before), report
