"""The `migrator` command line.

Exit codes (ruff's contract): 0 nothing left to report; 1 findings remain (after `fix`:
the ones it did not fix; with `fix --diff`: the ones the diff would not fix), a file or a
notebook cell could not be checked, `fix --diff` would change something, or
`--exit-non-zero-on-fix` fixed something; `--exit-zero` turns findings (and a non-empty
diff) into 0, never an unchecked file; 2 usage or configuration error, or the tool itself
failed. The README's "Exit codes" section is the reference.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Callable, Optional

import click

from migrator import __version__
from migrator.cache import DEFAULT_DIRECTORY as DEFAULT_CACHE_DIR
from migrator.cli_options import (
    check_command,
    finding_options,
    output_options,
    resolve_params,
    settings_options,
)
from migrator.config import ConfigError, Resolved
from migrator.reporters import RenderOptions, RuleInfo, RunSummary, Tool
from migrator.rule import RulePack
from migrator.runner import Job, load_pack, run_files
from migrator.suppression import UNUSED_CODE

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# Below this many files a run is over before a progress bar would be worth drawing.
PROGRESS_MIN_FILES = 200


def _pack() -> RulePack:
    return load_pack()


def tool(pack: RulePack) -> Tool:
    return Tool(pack.product, __version__, pack.homepage)


def rule_infos(pack: RulePack, options: Optional[Mapping[str, Any]] = None) -> tuple[RuleInfo, ...]:
    """The rules as outputs describe them; with `options` (a run's pack options), each
    summary as the rule gives it under them."""
    from migrator.suppression import UNUSED_DOC, UNUSED_NAME, UNUSED_SUMMARY

    infos = [
        RuleInfo(r.code, r.name, r.summary if options is None else r.summary_for(options), r.documentation())
        for r in pack.rule_classes()
    ]
    infos.append(RuleInfo(UNUSED_CODE, UNUSED_NAME, UNUSED_SUMMARY, UNUSED_DOC))
    return tuple(infos)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}, help=_pack().description
)
@click.version_option(__version__, prog_name="migrator")
def cli() -> None:
    pass


def _run(
    params: dict[str, Any], *, fix: bool, diff: bool, previews: bool = False
) -> tuple[RunSummary, Resolved, list[Any]]:
    from migrator.discovery import discover

    pack = _pack()
    resolved = resolve_params(params, pack)
    paths = params.get("paths") or (".",)
    files, path_errors = discover(paths, resolved.settings)
    summary = RunSummary(errors=list(path_errors), tool=tool(pack))
    # Only the machine formats show each fix's text; people get the diff instead.
    previews = previews or params.get("output_format") in ("json", "sarif")
    job = Job(settings=resolved.settings, fix=fix, write=fix and not diff, keep_old=diff, previews=previews)
    if not params.get("no_cache"):
        job = job.with_cache(str(params.get("cache_dir") or DEFAULT_CACHE_DIR))
    changed = []
    with _progress(len(files)) as advance:
        for result in run_files(files, job, params.get("jobs"), advance):
            summary.add(result)
            if diff and result.new_source is not None:
                changed.append(result)
    return summary, resolved, changed


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Optional[Callable[[int], None]]]:
    """A rich progress bar on stderr, only for a person watching a long run.

    Never on a pipe or in CI logs (stderr not a terminal), so output stays parseable.
    """
    if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Checking files", total=total)
        yield lambda done: progress.advance(task, done)


def _output(params: dict[str, Any], text: str) -> None:
    target: Optional[Path] = params.get("output_file")
    if target is not None:
        try:
            target.write_text(text + ("\n" if text and not text.endswith("\n") else ""), encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"{target}: cannot write the output file: {error.strerror or error}") from error
    elif text:
        click.echo(text)


def _render_options(params: dict[str, Any], resolved: Resolved, *, fixing: bool, diff: bool = False) -> RenderOptions:
    output_format = params.get("output_format") or "text"
    statistics = bool(params.get("statistics"))
    return RenderOptions(
        fixing=fixing,
        unsafe_fixes=resolved.settings.unsafe_fixes,
        quiet=bool(params.get("quiet")),
        rules=rule_infos(_pack(), resolved.settings.rule_options) if output_format == "sarif" or statistics else (),
        diff=diff,
        statistics=statistics,
        show_fixes=bool(params.get("show_fixes")),
        check_command=check_command(params),
    )


def _report(params: dict[str, Any], summary: RunSummary, resolved: Resolved, *, fixing: bool) -> None:
    from migrator.reporters import render

    options = _render_options(params, resolved, fixing=fixing)
    _output(params, render(params.get("output_format") or "text", summary, options))



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
@settings_options
@output_options
@click.option("--statistics", is_flag=True, help="Count the findings per rule instead of listing them (text or json).")
@_guard
def check(**params: Any) -> int:
    """Report legacy Completions usage. Changes nothing.

    Exits 1 when findings remain or a file (or notebook cell) could not be checked.
    """
    from migrator.reporters import STATISTICS_FORMATS

    if params.get("statistics") and (params.get("output_format") or "text") not in STATISTICS_FORMATS:
        raise click.UsageError(f"--statistics prints {', '.join(STATISTICS_FORMATS)}, not {params['output_format']}")
    summary, resolved, _ = _run(params, fix=False, diff=False)
    _report(params, summary, resolved, fixing=False)
    if summary.incomplete:
        return EXIT_FINDINGS
    if params.get("exit_zero"):
        return EXIT_CLEAN
    return EXIT_FINDINGS if summary.remaining else EXIT_CLEAN


@cli.command()
@settings_options
@output_options
@click.option("--add-todo", is_flag=True, default=None, help="Write a `# TODO(migrator): ...` comment above each finding that has no fix (once).")
@click.option("--diff", is_flag=True, help="Print a unified diff of the fixes and write nothing (exit 1 if there is one).")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when a file was fixed, even if nothing remains.")
@click.option("--show-fixes", is_flag=True, help="List each fix applied (with --diff: each fix the diff shows).")
@_guard
def fix(**params: Any) -> int:
    """Apply fixes in place (safe ones; unsafe ones too with --unsafe-fixes).

    Exits 1 when findings remain after the fixes (with --diff: also when the diff is not
    empty), or a file (or notebook cell) could not be checked or written.
    """
    diff = bool(params.get("diff"))
    summary, resolved, changed = _run(params, fix=True, diff=diff)
    if diff:
        from migrator.diff import unified_diff
        from migrator.notebook import NOTEBOOK_SUFFIX, cell_diff
        from migrator.reporters import text

        for result in changed:
            assert result.old_source is not None and result.new_source is not None
            # A notebook's diff is per cell: a diff of its JSON would be unreadable.
            show = cell_diff if result.path.endswith(NOTEBOOK_SUFFIX) else unified_diff
            click.echo(show(result.path, result.old_source, result.new_source), nl=False)
        # What the diff does not show goes to stderr, so the diff itself stays a patch.
        options = _render_options(params, resolved, fixing=True, diff=True)
        lines = text.render(
            summary,
            fixing=True,
            unsafe_fixes=options.unsafe_fixes,
            diff=True,
            check_command=options.check_command,
            show_fixes=options.show_fixes,
        )
        if options.quiet:
            lines = text.problem_lines(summary)
        for line in lines:
            click.echo(line, err=True)
        if summary.incomplete:
            return EXIT_FINDINGS
        if params.get("exit_zero"):
            return EXIT_CLEAN
        return EXIT_FINDINGS if changed or summary.remaining else EXIT_CLEAN
    _report(params, summary, resolved, fixing=True)
    if summary.incomplete:
        return EXIT_FINDINGS
    if params.get("exit_non_zero_on_fix") and summary.files_changed:
        return EXIT_FINDINGS
    if params.get("exit_zero"):
        return EXIT_CLEAN
    return EXIT_FINDINGS if summary.remaining else EXIT_CLEAN


@cli.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text")
def list_rules(output_format: str) -> None:
    """List the rules (and MIG100, the engine's unused-suppression check)."""
    pack = _pack()
    rules = rule_infos(pack)
    variants = _summary_variants(pack)
    if output_format == "json":
        import json

        listed = []
        for r in rules:
            entry: dict[str, Any] = {"code": r.code, "name": r.name, "summary": r.summary}
            if variants.get(r.code):
                entry["summary_with"] = dict(variants[r.code])
            listed.append(entry)
        click.echo(json.dumps(listed, indent=2))
        return
    width = max(len(r.name) for r in rules)
    for rule in rules:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.summary}")
        for flags, summary in variants.get(rule.code, ()):
            click.echo(f"{'':<{len(rule.code) + width + 4}}{flags}: {summary}")


def _summary_variants(pack: RulePack) -> dict[str, list[tuple[str, str]]]:
    """Per rule, the summaries it gives under other choices of the pack's options
    (`--target responses`, say), where they differ from its default one."""
    defaults = {spec.name: spec.default for spec in pack.options}
    found: dict[str, list[tuple[str, str]]] = {}
    for spec in pack.options:
        for choice in spec.choices or ():
            if choice == spec.default or spec.cli is None:
                continue
            options = {**defaults, spec.name: choice}
            for rule in pack.rule_classes():
                summary = rule.summary_for(options)
                if summary != rule.summary:
                    found.setdefault(rule.code, []).append((f"{spec.cli} {choice}", summary))
    return found


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print a rule's documentation."""
    for rule in rule_infos(_pack()):
        if rule.code == code.upper() or rule.name == code:
            click.echo(f"# {rule.name} ({rule.code})\n")
            click.echo(rule.documentation)
            return
    click.echo(f"migrator: unknown rule '{code}'", err=True)
    sys.exit(EXIT_ERROR)


@cli.command()
@settings_options
@click.option("--format", "report_format", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True, help="markdown pastes into a pull request; json is stable (see README).")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the plan to this file instead of stdout.")
@_guard
def report(**params: Any) -> int:
    """The migration plan: what is fixable, what is manual, and what to run next.

    Changes nothing. Exits 0, or 1 when a file (or notebook cell) could not be checked.
    """
    from migrator.plan import build_plan
    from migrator.reporters import plan as plan_format

    # The plan reads the models a fix would write out of each fix's text.
    summary, resolved, _ = _run(params, fix=False, diff=False, previews=True)
    pack = _pack()
    flags = [spec.cli for spec in pack.options if spec.cli is not None]
    # The commands the plan suggests run with the options this one was given that change
    # the findings (`--model`, `--select`, `--target`...): without them they would do
    # another job. Each step chooses `--unsafe-fixes` itself.
    given = [shlex.quote(word) for word in finding_options(params, unsafe_fixes=False)]
    plan = build_plan(
        summary, rule_infos(pack, resolved.settings.rule_options), params.get("paths") or (".",), flags, given
    )
    _output(params, plan_format.render(plan, params.get("report_format") or "text"))
    return EXIT_FINDINGS if summary.incomplete else EXIT_CLEAN


@cli.command("config")
@settings_options
@click.option("--add-todo", is_flag=True, default=None, help="As `fix --add-todo` would set it.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_guard
def show_config(**params: Any) -> int:
    """Print the effective settings for PATHS and where each one came from, and what the
    rule pack says about the paths (an SDK version decided from the pins, say)."""
    import json

    from migrator.settings import DEFAULT_EXCLUDES

    pack = _pack()
    resolved = resolve_params(params, pack)
    values = dict(resolved.values)
    if values["exclude"] is None:
        values["exclude"] = list(DEFAULT_EXCLUDES)
    # What the rule pack decides from the paths themselves (e.g. from the project's pins).
    paths = params.get("paths") or (".",)
    described = pack.describe(paths, resolved.settings.rule_options) if pack.describe else []
    if params.get("output_format") == "json":
        data = {
            "config_file": str(resolved.config_path) if resolved.config_path else None,
            "settings": {key: {"value": value, "source": resolved.sources[key]} for key, value in values.items()},
            "rule_pack": {
                "name": pack.name,
                "described": [{"label": d.label, "text": d.text, "data": dict(d.data)} for d in described],
            },
        }
        click.echo(json.dumps(data, indent=2))
        return EXIT_CLEAN
    click.echo(f"# config file: {resolved.config_path or 'none'}")
    click.echo("[tool.migrator]")
    for key, value in values.items():
        if value is None:  # TOML has no null: show the key as a comment
            click.echo(f"# {key} = (not set)  # {resolved.sources[key]}")
        else:
            click.echo(f"{key} = {_toml_value(value)}  # {resolved.sources[key]}")
    if described:
        click.echo(f"# rule pack {pack.name}, for {' '.join(paths)}:")
        for line in described:
            click.echo(f"# {line.label}: {line.text}")
    return EXIT_CLEAN


@cli.command()
def server() -> None:
    """Run the language server (LSP) on stdin/stdout, for editors (needs the `server` extra)."""
    from migrator.server import main as serve

    sys.exit(serve())


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def main() -> None:
    cli(prog_name="migrator")
