"""`[tool.migrator]` in pyproject.toml: discovery, validation, merging with the CLI."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from migrator.rule import OptionSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


ENGINE_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("select", list, [], "rule codes or prefixes to enable (default: all)", str),
    OptionSpec("ignore", list, [], "rule codes or prefixes to disable", str),
    OptionSpec("exclude", list, None, "replace the default excluded names and paths", str),
    OptionSpec("extend-exclude", list, [], "names and paths to exclude besides the defaults", str),
    OptionSpec("unsafe-fixes", bool, False, "also apply fixes that may change behaviour"),
    OptionSpec("respect-gitignore", bool, True, "skip files that git ignores"),
)


@dataclass
class LoadedConfig:
    path: Optional[Path]
    values: dict[str, Any] = field(default_factory=dict)


def find_config(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.migrator] table, walking up from start."""
    current = start.resolve()
    if current.is_file():
        current = current.parent
    for directory in (current, *current.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                data = _read_toml(candidate)
            except ConfigError:
                raise
            if "migrator" in data.get("tool", {}):
                return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error


def load_config(path: Optional[Path], pack_options: Sequence[OptionSpec]) -> LoadedConfig:
    if path is None:
        return LoadedConfig(None)
    data = _read_toml(path)
    if path.name == "pyproject.toml" or "tool" in data:
        table = data.get("tool", {}).get("migrator", {})
    else:
        table = data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.migrator] must be a table")
    specs = {spec.name: spec for spec in (*ENGINE_OPTIONS, *pack_options)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        spec = specs.get(key)
        if spec is None:
            known = ", ".join(sorted(specs))
            raise ConfigError(f"{path}: unknown key '{key}' in [tool.migrator] (known keys: {known})")
        values[key] = validate(spec, value, f"{path}: '{key}'")
    return LoadedConfig(path, values)


def validate(spec: OptionSpec, value: Any, where: str) -> Any:
    type_name = {list: "a list", dict: "a table", bool: "true or false", str: "a string", int: "an integer"}
    if spec.kind is bool and not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, not {value!r}")
    if not isinstance(value, spec.kind) or (spec.kind is int and isinstance(value, bool)):
        raise ConfigError(f"{where} must be {type_name.get(spec.kind, spec.kind.__name__)}, not {value!r}")
    if spec.item_kind is not None:
        items: Any = value.values() if isinstance(value, Mapping) else value
        for item in items:
            if not isinstance(item, spec.item_kind):
                expected = type_name.get(spec.item_kind, spec.item_kind.__name__)
                raise ConfigError(f"{where} must contain only {expected} values, not {item!r}")
    return value
