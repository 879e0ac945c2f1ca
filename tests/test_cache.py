"""The results cache: reused while nothing changed, stale as soon as something did."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import cli

LEGACY = """\
from openai import OpenAI

client = OpenAI()
r = client.completions.create(model="gpt-4o-mini", prompt="hi")
print(r.choices[0].text)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(LEGACY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["check", "--output-format", "json", "--jobs", "1", *args, "app.py"])
    data: dict[str, object] = json.loads(result.stdout)
    return data


def entries(root: Path) -> list[Path]:
    return sorted((root / ".migrator_cache").rglob("*.json"))


def test_second_check_reads_the_cache_and_gives_the_same_answer(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = check()
    assert len(entries(project)) == 1
    assert (project / ".migrator_cache" / ".gitignore").read_text().strip().endswith("*")

    def no_parsing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr("migrator.engine.check_source", no_parsing)
    assert check() == first


def test_an_edit_or_other_settings_miss_the_cache(project: Path) -> None:
    check()
    (project / "app.py").write_text(LEGACY.replace("hi", "hello"))
    check()
    check("--select", "OAI001")
    assert len(entries(project)) == 3


V0 = 'import openai\nr = openai.Completion.create(model="gpt-4o-mini", prompt="hi")\nprint(r["choices"][0]["text"])\n'


def test_a_changed_pin_makes_the_entry_stale(project: Path) -> None:
    legacy_v0 = V0
    (project / "app.py").write_text(legacy_v0)
    (project / "requirements.txt").write_text("openai==0.28.1\n")
    kept = check("--model", "gpt-4o-mini")
    (project / "requirements.txt").write_text("openai>=1\n")
    os.utime(project / "requirements.txt", ns=(1, 1))  # a different mtime even on coarse clocks
    upgraded = check("--model", "gpt-4o-mini")
    assert kept != upgraded


def test_no_cache_writes_nothing(project: Path) -> None:
    check("--no-cache")
    assert not (project / ".migrator_cache").exists()


def test_a_corrupt_entry_is_recomputed(project: Path) -> None:
    first = check()
    for entry in entries(project):
        entry.write_text("{not json")
    assert check() == first


def test_an_entry_keeps_every_field_of_a_finding(tmp_path: Path) -> None:
    """Entries are written field by field (not with `asdict`, for speed): a field added to
    `Finding` must be added there too, or cached runs would silently drop it."""
    import dataclasses

    from migrator.cache import Cache
    from migrator.model import Applicability, FileResult, Finding, Location, Replacement

    finding = Finding(
        code="OAI001",
        message="m",
        path="app.py",
        location=Location(1, 2, 3, 4),
        fix=Applicability.UNSAFE,
        advice="a",
        replacement=Replacement(Location(5, 6, 7, 8), "new"),
        source="old",
        cell=9,
        file_location=Location(10, 11, 12, 13),
    )
    assert all(getattr(finding, f.name) != f.default for f in dataclasses.fields(Finding) if f.name != "fixed")
    cache = Cache(str(tmp_path), "settings")
    result = FileResult(path="app.py", findings=[finding], notes=["n"], run_notes=["r"])
    cache.store("app.py", b"data", result)
    again = cache.lookup("app.py", b"data")
    assert again is not None
    assert again.findings == [finding]
    assert (again.notes, again.run_notes) == (["n"], ["r"])
