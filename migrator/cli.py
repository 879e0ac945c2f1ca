"""The `migrator` command line.

Exit codes (ruff's contract): 0 nothing left to report; 1 findings remain, a file could
not be checked, `--diff` would change something, or `--exit-non-zero-on-fix` fixed
something; 2 usage or configuration error, or the tool itself failed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable, Optional

import click

from migrator import __version__
from migrator.config import ConfigError, LoadedConfig, find_config, load_config, validate
from migrator.reporters import RunSummary
from migrator.rule import OptionSpec, RulePack
from migrator.runner import Job, load_pack, run_files
from migrator.settings import DEFAULT_EXCLUDES, Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _pack() -> RulePack:
    return load_pack()


def _split_codes(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())


def _pack_option_decorators() -> list[Callable[[Any], Any]]:
    decorators = []
    for spec in _pack().options:
        if spec.cli is None:
            continue
        kind: Any = click.Choice(spec.choices) if spec.choices else (str if spec.kind is str else spec.kind)
        if spec.kind is bool:
            decorators.append(click.option(spec.cli, default=None, is_flag=True, help=spec.help))
        else:
            decorators.append(click.option(spec.cli, default=None, type=kind, help=spec.help))
    return decorators


def common_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=str)),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Read settings from this TOML file instead of the nearest pyproject.toml."),
        click.option("--isolated", is_flag=True, help="Ignore every configuration file."),
        click.option("--select", multiple=True, help="Rule codes or prefixes to enable (comma-separated)."),
        click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable (comma-separated)."),
        click.option("--unsafe-fixes/--no-unsafe-fixes", default=None, help="Also apply (or list as fixable) fixes that may change behaviour."),
        click.option("--exclude", multiple=True, help="Replace the default excludes (names or paths, glob patterns)."),
        click.option("--extend-exclude", multiple=True, help="Exclude these names or paths as well."),
        click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too (for pre-commit)."),
        click.option("--no-respect-gitignore", is_flag=True, help="Also check files that git ignores."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores)."),
        click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True, help="How to print findings."),
        click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to this file instead of stdout."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even if findings remain."),
        click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary."),
        *_pack_option_decorators(),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def build_settings(params: dict[str, Any], pack: RulePack) -> tuple[Settings, LoadedConfig]:
    paths = params.get("paths") or (".",)
    config_file: Optional[Path] = params.get("config_file")
    if params.get("isolated"):
        loaded = LoadedConfig(None)
    else:
        path = config_file if config_file is not None else find_config(Path(paths[0]))
        loaded = load_config(path, pack.options)
    values = loaded.values

    def pick(cli_value: Any, key: str, default: Any) -> Any:
        return cli_value if cli_value not in (None, ()) else values.get(key, default)

    rule_options: dict[str, Any] = {}
    for spec in pack.options:
        rule_options[spec.name] = values.get(spec.name, spec.default)
        if spec.cli is not None:
            cli_value = params.get(spec.cli.lstrip("-").replace("-", "_"))
            if cli_value not in (None, False):
                rule_options[spec.name] = validate(spec, cli_value, f"option {spec.cli}")
    excludes = tuple(params.get("exclude") or ()) or tuple(values.get("exclude") or DEFAULT_EXCLUDES)
    settings = Settings(
        select=_split_codes(params.get("select") or ()) or _split_codes(values.get("select", [])),
        ignore=_split_codes(params.get("ignore") or ()) + _split_codes(values.get("ignore", [])),
        unsafe_fixes=bool(pick(params.get("unsafe_fixes"), "unsafe-fixes", False)),
        exclude=excludes,
        extend_exclude=tuple(params.get("extend_exclude") or ()) + tuple(values.get("extend-exclude", [])),
        respect_gitignore=not params.get("no_respect_gitignore") and bool(values.get("respect-gitignore", True)),
        force_exclude=bool(params.get("force_exclude")),
        rule_options=rule_options,
    )
    # Loading the rules imports LibCST: only pay for it when there are codes to check.
    known = {rule.code for rule in pack.rule_classes()} if settings.select or settings.ignore else set()
    for code in (*settings.select, *settings.ignore):
        if not any(k.startswith(code) for k in known):
            raise ConfigError(f"unknown rule code or prefix '{code}' (known: {', '.join(sorted(known))})")
    return settings, loaded


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="migrator")
def cli() -> None:
    """Find code written against OpenAI's legacy Completions API and migrate it to Chat Completions."""


def _run(params: dict[str, Any], *, fix: bool, diff: bool) -> tuple[RunSummary, Settings, list[Any]]:
    from migrator.discovery import discover

    pack = _pack()
    settings, _ = build_settings(params, pack)
    paths = params.get("paths") or (".",)
    files, path_errors = discover(paths, settings)
    summary = RunSummary(errors=list(path_errors))
    job = Job(settings=settings, fix=fix, write=fix and not diff, keep_old=diff)
    changed = []
    for result in run_files(files, job, params.get("jobs")):
        summary.add(result)
        if diff and result.new_source is not None:
            changed.append(result)
    return summary, settings, changed


def _output(params: dict[str, Any], text: str) -> None:
    target: Optional[Path] = params.get("output_file")
    if target is not None:
        target.write_text(text + ("\n" if text and not text.endswith("\n") else ""), encoding="utf-8")
    elif text:
        click.echo(text)


def _report(params: dict[str, Any], summary: RunSummary, settings: Settings, *, fixing: bool) -> None:
    if params.get("output_format") == "json":
        from migrator.reporters import json_format

        _output(params, json_format.render(summary))
        return
    from migrator.reporters import text

    lines = text.render(summary, fixing=fixing, unsafe_fixes=settings.unsafe_fixes)
    if params.get("quiet"):
        lines = [line for line in lines if ":" in line.split(" ")[0]]
    _output(params, "\n".join(lines))


def _guard(function: Callable[..., int]) -> Callable[..., None]:
    """Turn configuration problems and crashes into exit code 2 with a one-line message."""

    def wrapper(**params: Any) -> None:
        try:
            code = function(**params)
        except ConfigError as error:
            click.echo(f"migrator: configuration error: {error}", err=True)
            code = EXIT_ERROR
        except KeyboardInterrupt:
            click.echo("migrator: interrupted", err=True)
            code = 130
        sys.exit(code)

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


@cli.command()
@common_options
@_guard
def check(**params: Any) -> int:
    """Report legacy Completions usage. Changes nothing."""
    summary, settings, _ = _run(params, fix=False, diff=False)
    _report(params, summary, settings, fixing=False)
    if params.get("exit_zero") and not summary.errors:
        return EXIT_CLEAN
    return EXIT_FINDINGS if summary.remaining or summary.errors else EXIT_CLEAN


@cli.command()
@common_options
@click.option("--diff", is_flag=True, help="Print a unified diff of the fixes and write nothing (exit 1 if there is one).")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when a file was fixed, even if nothing remains.")
@_guard
def fix(**params: Any) -> int:
    """Apply fixes in place (safe ones; unsafe ones too with --unsafe-fixes)."""
    diff = bool(params.get("diff"))
    summary, settings, changed = _run(params, fix=True, diff=diff)
    if diff:
        from migrator.diff import unified_diff

        for result in changed:
            assert result.old_source is not None and result.new_source is not None
            click.echo(unified_diff(result.path, result.old_source, result.new_source), nl=False)
        for error in summary.errors:
            click.echo(f"{error.path}: error: {error.message}", err=True)
        if changed:
            click.echo(f"Would fix {len(changed)} file{'s' if len(changed) != 1 else ''}.", err=True)
        return EXIT_FINDINGS if changed or summary.errors else EXIT_CLEAN
    _report(params, summary, settings, fixing=True)
    if summary.errors:
        return EXIT_FINDINGS
    if params.get("exit_non_zero_on_fix") and summary.files_changed:
        return EXIT_FINDINGS
    if params.get("exit_zero"):
        return EXIT_CLEAN
    return EXIT_FINDINGS if summary.remaining else EXIT_CLEAN


@cli.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text")
def list_rules(output_format: str) -> None:
    """List the rules."""
    rules = _pack().rule_classes()
    if output_format == "json":
        import json

        click.echo(json.dumps([{"code": r.code, "name": r.name, "summary": r.summary} for r in rules], indent=2))
        return
    width = max(len(r.name) for r in rules)
    for rule in rules:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.summary}")


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print a rule's documentation."""
    for rule in _pack().rule_classes():
        if rule.code == code.upper() or rule.name == code:
            click.echo(f"# {rule.name} ({rule.code})\n")
            click.echo(rule.documentation())
            return
    click.echo(f"migrator: unknown rule '{code}'", err=True)
    sys.exit(EXIT_ERROR)


def _describe(spec: OptionSpec) -> str:
    return f"{spec.name} = {spec.default!r}"


def main() -> None:
    cli(prog_name="migrator")
