"""Helpers shared by the tests: run the engine in-process on source text."""

from __future__ import annotations

from typing import Any

from migrator.config import DEFAULT_LINE_LENGTH
from migrator.engine import check_source
from migrator.model import FileResult
from migrator.runner import load_pack
from migrator.settings import Settings

TEST_MODEL = "gpt-4o-mini"


def settings(*, unsafe_fixes: bool = False, model: str | None = TEST_MODEL, **options: Any) -> Settings:
    pack = load_pack()
    rule_options = {spec.name: spec.default for spec in pack.options}
    rule_options["model"] = model
    rule_options.update({key.replace("_", "-"): value for key, value in options.items()})
    return Settings(unsafe_fixes=unsafe_fixes, rule_options=rule_options)


def run(source: str | bytes, *, fix: bool = True, path: str = "example.py", **kwargs: Any) -> FileResult:
    data = source.encode("utf-8") if isinstance(source, str) else source
    return check_source(path, data, settings(**kwargs), load_pack(), fix=fix)


def fixed(source: str, **kwargs: Any) -> str:
    result = run(source, **kwargs)
    assert result.error is None, result.error
    if result.new_source is None:
        return source
    return result.new_source.decode("utf-8")


def codes(source: str, **kwargs: Any) -> list[str]:
    return [finding.code for finding in run(source, fix=False, **kwargs).findings]


def cli_fixed(source: str, **kwargs: Any) -> str:
    """What `migrator fix --isolated` writes: no project is read, so the line length is
    the default, 88 (`fixed` leaves line lengths alone, as the fixtures do)."""
    return fixed(source, line_length=DEFAULT_LINE_LENGTH, **kwargs)
