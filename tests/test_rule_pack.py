"""The rule pack's contract: rules are found by walking the package, the catalog the
engine reads at start-up is current, and adding a rule takes one module and one fixture
folder, nothing else."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrator.runner import load_pack
from migrator_rules import catalog

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = Path(catalog.__file__).parent


def test_the_catalog_is_current() -> None:
    # Regenerate with `python -m migrator_rules` after changing a rule's code, name,
    # summary or prefilter (or adding a rule); review the diff.
    assert catalog.GENERATED.read_text(encoding="utf-8") == catalog.generated_text()
    assert catalog.entries() == tuple(
        catalog.RuleEntry.of(rule) for rule in catalog.rules()
    ), "the catalog disagrees with the rules: run python -m migrator_rules"


def test_the_pack_knows_the_codes_of_its_rules_in_order() -> None:
    pack = load_pack()
    codes = [rule.code for rule in pack.rule_classes()]
    assert list(pack.known_codes()) == codes == sorted(codes)
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("rule", load_pack().rule_classes(), ids=lambda r: r.code)
def test_every_rule_documents_itself_in_the_ruff_shape(rule: type) -> None:
    doc = rule.documentation()  # type: ignore[attr-defined]
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in doc, f"{rule.code} lacks {heading}"  # type: ignore[attr-defined]
    assert rule.prefilter, f"{rule.code} declares no prefilter"  # type: ignore[attr-defined]
    assert rule.__module__.rpartition(".")[2] != "__init__"


def test_the_readme_rules_table_lists_every_rule() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Rules\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\w+\d+) \| ([\w-]+) \|", section, re.MULTILINE)
    assert rows == [(rule.code, rule.name) for rule in load_pack().rule_classes()]


def test_start_up_imports_neither_the_rules_nor_libcst() -> None:
    probe = (
        "import sys, migrator.cli, migrator_rules; "
        "migrator_rules.PACK.known_codes(); migrator_rules.PACK.prefilter.search(b'x'); "
        "print(sorted(m for m in sys.modules if m.startswith(('libcst', 'migrator_rules.'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['migrator_rules._catalog', 'migrator_rules.catalog', 'migrator_rules.sdk']"


NEW_RULE = '''\
"""OAI900 engine-list: a throw-away rule that tests/test_rule_pack.py adds."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from migrator.rule import Report, Rule, RuleContext


class EngineListRule(Rule):
    """## What it does
    Finds `openai.Engine.list()`.

    ## Why is this bad?
    The engines endpoint is gone.

    ## Example
    ```python
    openai.Engine.list()
    ```

    ## Fix safety
    There is no fix.
    """

    code = "OAI900"
    name = "engine-list"
    summary = "listing the removed engines"
    prefilter = ((b"Engine",),)

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for node in ctx.index.nodes(cst.Call):
            if "openai.Engine.list" in ctx.index.qualified_names(node.func):
                yield Report(self.code, node, "`openai.Engine.list()` lists the removed engines", advice="use `client.models.list()`")
'''
CASE = "import openai\n\nengines = openai.Engine.list()\n"


@pytest.fixture(scope="module")
def pack_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package with one more rule module, and of the fixtures with its folder."""
    root = tmp_path_factory.mktemp("new-rule")
    shutil.copytree(RULES_DIR, root / "site" / "migrator_rules", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "site" / "migrator_rules" / "engine_list.py").write_text(NEW_RULE)
    shutil.copytree(ROOT / "tests" / "fixtures", root / "fixtures")
    folder = root / "fixtures" / "OAI900"
    folder.mkdir()
    (folder / "engine_list.py").write_text(CASE)
    (folder / "engine_list.expected.py").write_text(CASE)
    (folder / "engine_list.findings").write_text("3:11 OAI900 none `openai.Engine.list()` lists the removed engines\n")
    (root / "app.py").write_text(CASE)
    return root


def _run(pack_copy: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(pack_copy / "site"), **env}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=False, cwd=ROOT, env=environment
    )


def test_a_new_rule_module_is_listed_and_selected(pack_copy: Path) -> None:
    listed = _run(pack_copy, "-m", "migrator", "rules", "--output-format", "json")
    assert listed.returncode == 0, listed.stderr
    assert "OAI900" in [rule["code"] for rule in json.loads(listed.stdout)]
    app = str(pack_copy / "app.py")
    checked = _run(pack_copy, "-m", "migrator", "check", "--isolated", "--no-cache", "--select", "OAI900", app)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "app.py:3:11: OAI900 `openai.Engine.list()` lists the removed engines" in checked.stdout
    # Its own prefilter let the file through: nothing else in it mentions a completion.
    other = _run(pack_copy, "-m", "migrator", "check", "--isolated", "--no-cache", "--select", "OAI001", app)
    assert other.returncode == 0, other.stdout + other.stderr


def test_a_new_rule_runs_its_fixtures_and_an_empty_expectation_fails(pack_copy: Path) -> None:
    harness = ("-m", "pytest", "tests/test_fixtures.py", "-p", "no:cacheprovider")
    env = {"MIGRATOR_FIXTURES": str(pack_copy / "fixtures")}
    done = _run(pack_copy, *harness, "-q", **env)
    assert done.returncode == 0, done.stdout[-3000:]
    passed = _run(pack_copy, *harness, "-k", "OAI900", "-v", **env)
    assert "test_fixture[OAI900/engine_list] PASSED" in passed.stdout, passed.stdout[-3000:]
    folder = pack_copy / "fixtures" / "OAI900"
    (folder / "quiet.py").write_text("import openai\n\nengines = openai.Engine\n")
    (folder / "quiet.expected.py").write_text("import openai\n\nengines = openai.Engine\n")
    (folder / "quiet.findings").write_text("")
    try:
        failed = _run(pack_copy, *harness, "-q", "-k", "OAI900", **env)
    finally:
        for name in ("quiet.py", "quiet.expected.py", "quiet.findings"):
            (folder / name).unlink()
    assert failed.returncode == 1
    assert "quiet.py has no findings" in failed.stdout, textwrap.shorten(failed.stdout, 3000)
