"""The real-code stage: old releases of public packages, scored by an independent census.

One case per package of `corpus.PACKAGES`. The releases are downloaded from the package
registry on first use and cached (`corpus.py`); when the registry cannot be reached the
stage is skipped with one line. Each case asserts that nothing is silently left behind:
every legacy site the census finds is migrated by `fix --unsafe-fixes` or still reported
afterwards, and was reported before the fix too; every fixed file parses; a second fix
changes nothing; no fix rewrites reads of a file while migrating none of its calls; no
OAI001 finding points at a line without a call; the tool finishes; and the counts equal
the reviewed snapshot (`snapshot.json`; `--update-realcode` rewrites it and
`RESULTS.md`, review the diff before committing).

Run it alone: `.venv/bin/python -m pytest -m realcode` (or `tests/realcode`);
leave it out: `-m "not realcode"`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.venvs import RegistryUnavailable
from tests.realcode import score
from tests.realcode.corpus import PACKAGES, Package, ensure

pytestmark = pytest.mark.realcode


def _selected(session: pytest.Session) -> list[Package]:
    chosen = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        module = getattr(item, "module", None)
        if module is not None and module.__name__ == __name__ and callspec is not None:
            package = callspec.params.get("package")
            if isinstance(package, Package) and package not in chosen:
                chosen.append(package)
    return chosen


def _describe(detail: dict[str, str]) -> str:
    where = ":".join(filter(None, [detail.get("path"), detail.get("where")]))
    what = detail.get("code") or detail.get("message") or detail.get("line")
    return "  " + " ".join(filter(None, [f"{detail['failure']}:", where, detail.get("kind"), what]))


@pytest.fixture(scope="session")
def scored(request: pytest.FixtureRequest) -> dict[str, score.Outcome]:
    """Every selected package, downloaded if need be and scored (two at a time)."""
    packages = _selected(request.session)
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(ensure, packages))
    except RegistryUnavailable as error:
        pytest.skip(f"real-code stage: {error}")
    outcomes = score.score_all(packages)
    score.write_last_run(outcomes)
    if request.config.getoption("--update-realcode"):
        score.write_snapshot(outcomes)
    return outcomes


@pytest.mark.parametrize("package", PACKAGES, ids=[p.id for p in PACKAGES])
def test_real_package(package: Package, scored: dict[str, score.Outcome]) -> None:
    outcome = scored[package.id]
    problems = list(outcome.problems)
    expected = score.load_snapshot().get("packages", {}).get(package.id)
    if expected is None:
        problems.append(
            "no entry in tests/realcode/snapshot.json: run with --update-realcode and review it"
        )
    elif expected != outcome.counts:
        changed = {
            key: f"{expected.get(key)!r} -> {outcome.counts.get(key)!r}"
            for key in sorted(set(expected) | set(outcome.counts))
            if expected.get(key) != outcome.counts.get(key)
        }
        problems.append(
            f"counts differ from the snapshot (--update-realcode rewrites it): {changed}"
        )
    if problems:
        shown = [_describe(detail) for detail in outcome.details[:40]]
        more = len(outcome.details) - len(shown)
        pytest.fail(
            f"{package.id}: "
            + "; ".join(problems)
            + "\n"
            + "\n".join(shown)
            + (
                f"\n  ... and {more} more (all of them: last-run.json in the cache)"
                if more > 0
                else ""
            ),
            pytrace=False,
        )
