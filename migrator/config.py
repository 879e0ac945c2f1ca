"""`[tool.migrator]` in pyproject.toml: discovery, validation, merging with the CLI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from migrator.rule import OptionSpec
from migrator.settings import DEFAULT_EXCLUDES, Settings
from migrator.suppression import UNUSED_CODE
from migrator.tomlfile import tomllib


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


ENGINE_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("select", list, [], "rule codes or prefixes to enable (default: all)", str),
    OptionSpec("ignore", list, [], "rule codes or prefixes to disable", str),
    OptionSpec("exclude", list, None, "replace the default excluded names and paths", str),
    OptionSpec("extend-exclude", list, [], "names and paths to exclude besides the defaults", str),
    OptionSpec("unsafe-fixes", bool, False, "also apply fixes that may change behaviour"),
    OptionSpec("respect-gitignore", bool, True, "skip files that git ignores"),
    OptionSpec("force-exclude", bool, False, "apply the excludes to files named on the command line too"),
    OptionSpec("add-todo", bool, False, "with fix: a `# TODO(migrator):` comment above each finding without a fix"),
    OptionSpec("warn-unused-ignores", bool, False, f"report suppression comments that silence nothing ({UNUSED_CODE})"),
    OptionSpec(
        "line-length",
        int,
        None,
        "the width a rewritten line must fit in, or the fix lays the call out one argument per "
        "line (default: ruff's or black's line-length of the project, else 88; 0: never)",
        cli="--line-length",
    ),
)

# The formatters' own default, when the project configures neither's line-length.
DEFAULT_LINE_LENGTH = 88

# Where a value came from, as `migrator config` prints it.
DEFAULT, COMMAND_LINE = "default", "command line"
# List settings where the command line adds to the file instead of replacing it: an
# ad-hoc `--ignore X` should not bring back what the project ignores.
ADDITIVE = frozenset({"ignore", "extend-exclude"})


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


def formatter_line_length(start: Path) -> tuple[int, str]:
    """The line length the project's formatter keeps to, and where it was read.

    Walking up from `start`, the first folder with a ruff configuration (`ruff.toml`,
    `.ruff.toml`, `[tool.ruff]` in `pyproject.toml`) or a `[tool.black]` table decides:
    its `line-length`, or the formatters' default, 88, if it sets none. A file that
    cannot be read is skipped: this is a default, not the tool's own configuration.
    """
    current = start.resolve()
    if not current.is_dir():
        current = current.parent
    for directory in (current, *current.parents):
        for name in ("ruff.toml", ".ruff.toml"):
            candidate = directory / name
            if candidate.is_file():
                data = _try_toml(candidate)
                return _length(data.get("line-length"), f"{candidate} (line-length)")
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            tools = _try_toml(candidate).get("tool", {})
            for tool in ("ruff", "black"):
                table = tools.get(tool) if isinstance(tools, dict) else None
                if isinstance(table, dict):
                    return _length(table.get("line-length"), f"{candidate} [tool.{tool}]")
    return DEFAULT_LINE_LENGTH, f"default ({DEFAULT_LINE_LENGTH}, as ruff and black)"


def _length(value: Any, source: str) -> tuple[int, str]:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value, source
    return DEFAULT_LINE_LENGTH, f"{source.split(' ')[0]} (no line-length: {DEFAULT_LINE_LENGTH})"


def _try_toml(path: Path) -> dict[str, Any]:
    try:
        return _read_toml(path)
    except ConfigError:
        return {}


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
    if spec.choices is not None and value not in spec.choices:
        raise ConfigError(f"{where} must be one of {', '.join(spec.choices)}, not {value!r}")
    if spec.item_kind is not None:
        items: Any = value.values() if isinstance(value, Mapping) else value
        for item in items:
            if not isinstance(item, spec.item_kind):
                plural = {str: "strings", int: "integers", bool: "true or false values"}
                expected = plural.get(spec.item_kind, f"{spec.item_kind.__name__} values")
                raise ConfigError(f"{where} must contain only {expected}, not {item!r}")
    return value


@dataclass
class Resolved:
    """The effective settings and, per key, the value and where it came from."""

    settings: Settings
    config_path: Optional[Path]
    values: dict[str, Any]
    sources: dict[str, str]


def split_codes(values: Sequence[str]) -> list[str]:
    return [code.strip().upper() for value in values for code in value.split(",") if code.strip()]


def resolve(
    command_line: Mapping[str, Any],
    pack_options: Sequence[OptionSpec],
    known_codes: Sequence[str],
    *,
    config_path: Optional[Path],
    check: Optional[Callable[[Mapping[str, Any]], Optional[str]]] = None,
    project: Optional[Path] = None,
) -> Resolved:
    """Merge defaults, the config file and the command line (which wins), per key.

    `command_line` maps config keys to what the flags gave, None for "not given".
    `check` is the rule pack's test of its options together (`RulePack.validate`).
    """
    loaded = load_config(config_path, pack_options)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for spec in (*ENGINE_OPTIONS, *pack_options):
        key = spec.name
        values[key], sources[key] = spec.default, DEFAULT
        if key in loaded.values:
            values[key], sources[key] = loaded.values[key], str(loaded.path)
        given = command_line.get(key)
        if given is None:
            continue
        given = validate(spec, given, f"option --{key}")
        if key in ADDITIVE and sources[key] != DEFAULT:
            values[key] = [*values[key], *given]
            sources[key] = f"{sources[key]} + {COMMAND_LINE}"
        else:
            values[key], sources[key] = given, COMMAND_LINE
    if values["line-length"] is None:
        values["line-length"], sources["line-length"] = formatter_line_length(project or Path("."))
    elif values["line-length"] < 0:
        raise ConfigError(f"{sources['line-length']}: 'line-length' must be 0 or more, not {values['line-length']}")
    for key in ("select", "ignore"):
        values[key] = split_codes(values[key])
        for code in values[key]:
            if not any(known.startswith(code) for known in known_codes):
                where = sources[key] if sources[key] != DEFAULT else COMMAND_LINE
                raise ConfigError(
                    f"{where}: unknown rule code or prefix '{code}' in '{key}' "
                    f"(known: {', '.join(sorted(known_codes))})"
                )
    rule_options = {spec.name: values[spec.name] for spec in pack_options}
    problem = check(rule_options) if check is not None else None
    if problem is not None:
        given = [f"{spec.name} ({sources[spec.name]})" for spec in pack_options if sources[spec.name] != DEFAULT]
        raise ConfigError(f"{', '.join(given) or 'options'}: {problem}")
    settings = Settings(
        select=tuple(values["select"]),
        ignore=tuple(values["ignore"]),
        unsafe_fixes=values["unsafe-fixes"],
        exclude=tuple(values["exclude"]) if values["exclude"] is not None else DEFAULT_EXCLUDES,
        extend_exclude=tuple(values["extend-exclude"]),
        respect_gitignore=values["respect-gitignore"],
        force_exclude=values["force-exclude"],
        # The rules may read the engine's generic settings that shape their fixes too.
        rule_options={**rule_options, "line-length": values["line-length"]},
        warn_unused_ignores=values["warn-unused-ignores"],
        add_todo=values["add-todo"],
    )
    return Resolved(settings, loaded.path, values, sources)
