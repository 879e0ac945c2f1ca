"""Before/after fixtures: tests/fixtures/<CODE>/<case>.py -> <case>.expected.py.

Each case also has <case>.findings: one line per finding, `line:column CODE fix message`,
as `check` reports them on the input (so a changed message shows in review). A case with
no findings must say so in its name (`negative`): an empty `.findings` is otherwise a
rule that never ran. A case whose name contains `unsafe` runs with
`--unsafe-fixes`; one whose name contains `default_model` runs without `--model`
(every other case uses `--model gpt-4o-mini`); one whose name contains `sdk_v1` runs with
`--sdk v1` (every other case with `--sdk keep`); one whose name starts with `responses_`
(or `negative_responses_`) runs with `--target responses` (and `--sdk v1`, which that target implies; every other case
with `--target chat`); a `<case>.toml` beside it sets rule options as `[tool.migrator]`
does (`model-map`, `deployment-map`, ...). Regenerate with `pytest --update-fixtures` and
review the diff.

Every case is also checked for: the output parses, fixing the output changes nothing,
and an input without findings comes back byte-identical.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from migrator.tomlfile import tomllib
from tests.helpers import TEST_MODEL, run

# MIGRATOR_FIXTURES points the harness at another tree (tests/test_rule_pack.py runs it
# on a throw-away rule's fixtures).
FIXTURES = Path(os.environ.get("MIGRATOR_FIXTURES") or Path(__file__).parent / "fixtures")
CASES = sorted(p for p in FIXTURES.glob("*/*.py") if not p.name.endswith(".expected.py"))


def _options(case: Path) -> dict[str, object]:
    responses = bool(re.match(r"(negative_)?responses_", case.stem))
    options: dict[str, object] = {
        "unsafe_fixes": "unsafe" in case.stem,
        "model": None if "default_model" in case.stem else TEST_MODEL,
        # The fixtures are not a project: the tool's own pyproject must not decide their SDK.
        "sdk": "v1" if "sdk_v1" in case.stem or responses else "keep",
        "target": "responses" if responses else "chat",
    }
    # <case>.toml: rule options as `[tool.migrator]` would set them (tables included).
    settings = case.with_suffix(".toml")
    if settings.exists():
        options.update({key.replace("-", "_"): value for key, value in tomllib.loads(settings.read_text()).items()})
    return options


def _findings_text(case: Path) -> str:
    result = run(case.read_bytes(), fix=False, path=str(case), **_options(case))  # type: ignore[arg-type]
    assert result.error is None, result.error
    return "".join(
        f"{f.location.line}:{f.location.column} {f.code} {f.fix.value} {' '.join(f.message.split())}\n"
        for f in result.findings
    )


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture(case: Path, request: pytest.FixtureRequest) -> None:
    source = case.read_bytes()
    result = run(source, path=str(case), **_options(case))  # type: ignore[arg-type]
    assert result.error is None, result.error
    output = result.new_source if result.new_source is not None else source
    expected_path = case.with_name(case.stem + ".expected.py")
    findings_path = case.with_name(case.stem + ".findings")
    findings = _findings_text(case)
    if request.config.getoption("--update-fixtures"):
        expected_path.write_bytes(output)
        findings_path.write_text(findings)
    assert expected_path.exists(), f"missing {expected_path.name}: run pytest --update-fixtures"
    assert output.decode("utf-8") == expected_path.read_text(encoding="utf-8")
    assert findings == findings_path.read_text()

    ast.parse(output)
    again = run(output, path=str(case), **_options(case))  # type: ignore[arg-type]
    assert again.new_source is None, "a second `fix` changed the output: the fix does not converge"
    if not findings:
        assert "negative" in case.stem, f"{case.name} has no findings: name it `negative_...` if that is the point"
        assert output == source
    else:
        assert "negative" not in case.stem, f"{case.name} is named a negative case but has findings"


def test_every_rule_has_fixtures_and_every_folder_a_rule() -> None:
    from migrator.runner import load_pack

    codes = {rule.code for rule in load_pack().rule_classes()}
    folders = {p.parent.name for p in CASES}
    assert codes <= folders, f"rules without fixtures: {sorted(codes - folders)}"
    assert folders <= codes, f"fixture folders of no rule: {sorted(folders - codes)}"


def test_every_rule_reports_in_its_own_fixtures() -> None:
    # A folder whose cases never produce its own code tests nothing of its rule (a
    # prefilter that never lets the file through, say).
    for folder in sorted({p.parent for p in CASES}):
        text = "".join(p.read_text() for p in folder.glob("*.findings"))
        assert f" {folder.name} " in text, f"no case in {folder.name}/ reports {folder.name}"


# Fixture cases where a rule reports a manual finding without advice, as
# (case, code) -> why, each an xfail until the rule says what to do. Empty: every rule
# gives advice for what it cannot fix, and the engine gives the members of a fix group
# that another member blocks the advice to resolve that one first.
ADVICE_GAPS: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_manual_finding_has_advice(case: Path) -> None:
    """A `fix: none` finding always says what to do by hand (never `advice: null`)."""
    result = run(case.read_bytes(), fix=False, path=str(case), **_options(case))  # type: ignore[arg-type]
    missing = sorted(
        {f.code for f in result.findings if f.fix.value == "none" and not (f.advice or "").strip()}
    )
    gaps = [code for code in missing if (f"{case.parent.name}/{case.stem}", code) not in ADVICE_GAPS]
    assert not gaps, f"manual findings without advice: {gaps}"
    for key, why in ADVICE_GAPS.items():
        if key[0] == f"{case.parent.name}/{case.stem}" and key[1] not in missing:
            pytest.fail(f"{key} has advice now ({why}): remove it from ADVICE_GAPS")
