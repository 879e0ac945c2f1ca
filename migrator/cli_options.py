"""The command line's options: the flags the commands share (the rule pack's own
included), what they say about the settings (`resolve_params`), and the `check` command
that lists what a run left (`check_command`, with the flags of the run that change it).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any, Callable, Optional

import click

from migrator.cache import DEFAULT_DIRECTORY as DEFAULT_CACHE_DIR
from migrator.config import Resolved, find_config, resolve, split_codes
from migrator.reporters import FORMATS
from migrator.rule import RulePack
from migrator.runner import load_pack
from migrator.suppression import UNUSED_CODE


def _cli_param(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def _pack_option_decorators() -> list[Callable[[Any], Any]]:
    decorators = []
    for spec in load_pack().options:
        if spec.cli is None:
            continue
        kind: Any = click.Choice(spec.choices) if spec.choices else (str if spec.kind is str else spec.kind)
        if spec.kind is bool:
            decorators.append(click.option(spec.cli, default=None, is_flag=True, help=spec.help))
        else:
            decorators.append(click.option(spec.cli, default=None, type=kind, help=spec.help))
    return decorators


def settings_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options that decide what a run checks and how (shared by every command)."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=str)),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Read settings from this TOML file instead of the nearest pyproject.toml."),
        click.option("--isolated", is_flag=True, help="Ignore every configuration file."),
        click.option("--select", multiple=True, help="Rule codes or prefixes to enable (comma-separated)."),
        click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable (comma-separated; adds to the config)."),
        click.option("--unsafe-fixes/--no-unsafe-fixes", default=None, help="Also apply (or list as fixable) fixes that may change behaviour."),
        click.option("--exclude", multiple=True, help="Replace the default excludes (names or paths, glob patterns)."),
        click.option("--extend-exclude", multiple=True, help="Exclude these names or paths as well."),
        click.option("--force-exclude", is_flag=True, default=None, help="Apply excludes to files named on the command line too (for pre-commit)."),
        click.option("--respect-gitignore/--no-respect-gitignore", default=None, help="Skip files that git ignores (default: on)."),
        click.option("--warn-unused-ignores", is_flag=True, default=None, help=f"Report suppression comments that silence nothing ({UNUSED_CODE})."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores)."),
        click.option("--line-length", type=click.IntRange(min=0), default=None, help="Lay a rewritten call out one argument per line when it gets wider (default: the project's ruff or black line-length, else 88; 0: never)."),
        *_pack_option_decorators(),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def output_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--output-format", type=click.Choice(FORMATS), default="text", show_default=True, help="How to print findings."),
        click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to this file instead of stdout."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even if findings remain."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the results cache."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=str), help=f"Where the results cache lives (default: {DEFAULT_CACHE_DIR} in the current directory)."),
        click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary (text formats)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _command_line_values(params: dict[str, Any], pack: RulePack) -> dict[str, Any]:
    """Config key -> what the flags said, None where a flag was not given."""

    def listed(name: str) -> Any:
        return list(params.get(name) or ()) or None

    values: dict[str, Any] = {
        "select": split_codes(params.get("select") or ()) or None,
        "ignore": split_codes(params.get("ignore") or ()) or None,
        "exclude": listed("exclude"),
        "extend-exclude": listed("extend_exclude"),
        "unsafe-fixes": params.get("unsafe_fixes"),
        "respect-gitignore": params.get("respect_gitignore"),
        "force-exclude": params.get("force_exclude") or None,
        "warn-unused-ignores": params.get("warn_unused_ignores") or None,
        "add-todo": params.get("add_todo") or None,
        "line-length": params.get("line_length"),
    }
    for spec in pack.options:
        if spec.cli is not None:
            given = params.get(_cli_param(spec.cli))
            values[spec.name] = None if given is False else given
    return values


def resolve_params(params: dict[str, Any], pack: RulePack) -> Resolved:
    paths = params.get("paths") or (".",)
    config_file: Optional[Path] = params.get("config_file")
    if params.get("isolated"):
        config_path = None
    elif config_file is not None:
        config_path = config_file
    else:
        config_path = find_config(Path(paths[0]))
    known = list(pack.known_codes())
    return resolve(
        _command_line_values(params, pack),
        pack.options,
        known,
        config_path=config_path,
        project=Path(paths[0]),
        check=pack.validate,
    )


# The options a `check` needs to find what a `fix` run left: those that choose files,
# rules, settings and what the fixes would be (flag -> parameter name).
_CHECK_FLAGS = (
    ("--config", "config_file"),
    ("--select", "select"),
    ("--ignore", "ignore"),
    ("--exclude", "exclude"),
    ("--extend-exclude", "extend_exclude"),
)


def finding_options(params: dict[str, Any], unsafe_fixes: bool = True) -> list[str]:
    """The options of this run that change what a run finds and what its fixes do, as
    command-line words: the commands a run suggests repeat them, or they would list or
    fix other things (`--model` turns unsafe fixes safe, `--select` hides findings).
    `unsafe_fixes=False` leaves out `--unsafe-fixes`, for commands that choose it."""
    words = []
    if params.get("isolated"):
        words.append("--isolated")
    for flag, name in _CHECK_FLAGS:
        value = params.get(name)
        for item in value if isinstance(value, (list, tuple)) else ([value] if value else []):
            words += [flag, str(item)]
    for flag, name in (("--unsafe-fixes", "unsafe_fixes"), ("--respect-gitignore", "respect_gitignore")):
        if params.get(name) is not None and (unsafe_fixes or name != "unsafe_fixes"):
            words.append(flag if params[name] else "--no-" + flag[2:])
    for flag in ("force_exclude", "warn_unused_ignores"):
        if params.get(flag):
            words.append("--" + flag.replace("_", "-"))
    for spec in load_pack().options:
        given = params.get(_cli_param(spec.cli)) if spec.cli else None
        if given is True:
            words.append(str(spec.cli))
        elif given not in (None, False):
            words += [str(spec.cli), str(given)]
    return words


def check_command(params: dict[str, Any]) -> str:
    """`migrator check PATHS` with the options of this run that change what it lists."""
    words = ["migrator", "check", *finding_options(params), *(params.get("paths") or (".",))]
    return " ".join(shlex.quote(word) for word in words)
