"""`migrator server`: the real server in a subprocess, driven over stdio by a real LSP
client (pytest-lsp's, on pygls). What an editor sees must be what the command line says:
diagnostics at the positions `migrator check` reports, and edits that leave the text
`migrator fix` would write."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest
from lsprotocol import types

from migrator.server.text import add_noqa, apply_edits, text_edits

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from tests.lsp_client import (
    Client,
    apply_workspace_edit,
    character,
    client_column,
    edits_by_uri,
    running,
)

ROOT = Path(__file__).resolve().parent.parent
README = "https://github.com/openai-chat-migrator/openai-chat-migrator"
MODEL_CONFIG = '[tool.migrator]\nmodel = "gpt-4o-mini"\n'

TWO_CALLS = '''import openai

client = openai.OpenAI()


def ask(question):
    response = client.completions.create(model="text-davinci-003", prompt=question)
    return response.choices[0].text


def summarise(text):
    result = client.completions.create(
        model="text-davinci-003",
        prompt="Summarise: " + text,
        max_tokens=50,
    )
    return result.choices[0].text.strip()
'''

# One call the fix may rewrite safely, one whose receiver cannot be proven (unsafe).
SAFE_AND_UNSAFE = '''import openai

client = openai.OpenAI()


def ask(question):
    response = client.completions.create(model="text-davinci-003", prompt=question)
    return response.choices[0].text


def complete(llm, prompt):
    answer = llm.completions.create(model="text-davinci-003", prompt=prompt)
    return answer.choices[0].text
'''


# -- the command line, the judge -----------------------------------------------------------------


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`migrator ARGS --no-cache` run in-process on files of the project at `root`."""
    from click.testing import CliRunner

    from migrator.cli import cli as command

    files = [str(root / arg) if (root / arg).exists() else arg for arg in args]
    result = CliRunner().invoke(command, [*files, "--no-cache"], catch_exceptions=False)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def check_json(root: Path, name: str) -> list[dict[str, Any]]:
    result = cli(root, "check", "--output-format", "json", name)
    assert result.returncode in (0, 1), result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return findings


def fixed_by_cli(root: Path, name: str, text: str, *flags: str) -> str:
    """What `migrator fix` makes of `text` saved as `name` in the project."""
    target = root / name
    target.write_bytes(text.encode("utf-8"))
    result = cli(root, "fix", *flags, name)
    assert result.returncode in (0, 1), result.stderr
    return target.read_bytes().decode("utf-8")


# -- talking to the server ---------------------------------------------------------------------------


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    return tmp_path


def open_file(client: Client, path: Path, text: Optional[str] = None, version: int = 1) -> str:
    uri = path.as_uri()
    body = path.read_bytes().decode("utf-8") if text is None else text
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=body)
        )
    )
    return uri


def change(client: Client, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def actions_at(
    client: Client, uri: str, line: int, character: int, only: Optional[list[str]] = None
) -> list[types.CodeAction]:
    position = types.Position(line=line, character=character)
    result = await asyncio.wait_for(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(start=position, end=position),
                context=types.CodeActionContext(diagnostics=list(client.diagnostics.get(uri, ())), only=only),
            )
        ),
        30,
    )
    return [action for action in result or [] if isinstance(action, types.CodeAction)]


async def edit_of(client: Client, action: types.CodeAction, lazy: bool) -> types.WorkspaceEdit:
    """The action's edit, asking the server to resolve it when the client said it would."""
    if lazy:
        assert action.edit is None, "a client that resolves edits gets actions without them"
        action = await asyncio.wait_for(client.code_action_resolve_async(action), 30)
    assert action.edit is not None
    return action.edit


def titled(actions: list[types.CodeAction], prefix: str) -> types.CodeAction:
    matches = [action for action in actions if action.title.startswith(prefix)]
    assert len(matches) == 1, [action.title for action in actions]
    return matches[0]


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines()) if needle in line)


def codes(params: types.PublishDiagnosticsParams) -> list[str]:
    return sorted(str(diagnostic.code) for diagnostic in params.diagnostics)


def run(scenario: Any) -> None:
    asyncio.run(scenario)


# -- diagnostics ---------------------------------------------------------------------------------------


def test_diagnostics_are_what_check_reports(tmp_path: Path) -> None:
    """Codes, ranges (0-based, as `check` places them), links to the rule's documentation,
    source, severity and message; closing the file clears them."""
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "app.py": TWO_CALLS})
    expected = check_json(root, "app.py")
    assert len(expected) == 6

    async def scenario() -> None:
        async with running(root) as client:
            uri = open_file(client, root / "app.py")
            published = await client.publish(uri)
            assert published.version == 1
            got = sorted(
                (
                    str(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character,
                    d.message.split("\n")[0], d.source, d.severity, d.code_description.href if d.code_description else None,
                )
                for d in published.diagnostics
            )
            want = sorted(
                (
                    f["code"], f["line"] - 1, f["column"] - 1, f["end_line"] - 1, f["end_column"] - 1, f["message"],
                    "migrator", types.DiagnosticSeverity.Warning, f"{README}#rules",
                )
                for f in expected
            )
            assert got == want
            mark = len(client.published)
            client.text_document_did_close(
                types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            cleared = await client.publish(uri, mark)
            assert list(cleared.diagnostics) == []

    run(scenario())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8", "utf-32"])
def test_non_ascii_columns_in_the_clients_units(tmp_path: Path, encoding: str) -> None:
    """The engine counts characters; the client counts UTF-16 code units (or the encoding
    it negotiated): an emoji before the call moves the columns, and the fix still lands."""
    source = TWO_CALLS.replace(
        "    response = client.completions.create(",
        '    tag = "😀 héllo"; response = client.completions.create(',
    )
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "app.py": source})
    lines = source.splitlines()
    row = line_of(source, "😀")
    index = lines[row].index("client.completions")
    assert client_column(lines[row], index, encoding) != index or encoding == "utf-32"

    async def scenario() -> None:
        options = {"encodings": [encoding]} if encoding != "utf-16" else {}
        async with running(root, **options) as client:
            uri = open_file(client, root / "app.py")
            published = await client.publish(uri)
            call = next(d for d in published.diagnostics if d.code == "OAI001" and d.range.start.line == row)
            assert call.range.start.character == client_column(lines[row], index, encoding)
            assert character(lines[row], call.range.start.character, encoding) == index
            model = next(d for d in published.diagnostics if d.code == "OAI004" and d.range.start.line == row)
            start = lines[row].index('"text-davinci-003"')
            assert (model.range.start.character, model.range.end.character) == (
                client_column(lines[row], start, encoding),
                client_column(lines[row], start + len('"text-davinci-003"'), encoding),
            )
            actions = await actions_at(client, uri, row, call.range.start.character)
            edit = await edit_of(client, titled(actions, "Fix: legacy Completions call"), lazy=False)
            after = apply_workspace_edit({uri: source}, edit, encoding)[uri]
            assert "tag = \"😀 héllo\"; response = client.chat.completions.create(" in after
            assert "summarise" in after and 'model="text-davinci-003",\n        prompt=' in after  # the other call

    run(scenario())


def test_change_is_debounced_and_the_latest_text_wins(tmp_path: Path) -> None:
    """Three quick changes give one analysis, of the last text (its version on it)."""
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "app.py": TWO_CALLS})
    first_call_only = TWO_CALLS.split("\n\ndef summarise")[0] + "\n"
    clean = "import openai\n\nclient = openai.OpenAI()\n"

    async def scenario() -> None:
        async with running(root) as client:
            uri = open_file(client, root / "app.py")
            await client.publish(uri)
            mark = len(client.published)
            change(client, uri, clean, 2)
            change(client, uri, TWO_CALLS, 3)
            change(client, uri, first_call_only, 4)
            latest = await client.publish(uri, mark)
            assert latest.version == 4
            assert codes(latest) == ["OAI001", "OAI002", "OAI004"]
            assert all(d.range.start.line < line_of(TWO_CALLS, "def summarise") for d in latest.diagnostics)

    run(scenario())


def test_malformed_documents_do_not_take_the_server_down(tmp_path: Path) -> None:
    """A syntax error is one diagnostic where the parser stopped; nesting that would crash
    LibCST's native parser is refused; the server goes on checking other files."""
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "app.py": TWO_CALLS})
    broken = "import openai\nclient = openai.OpenAI()\nclient.completions.create(prompt=\n"
    deep = "import openai\nx = " + "(" * 3000 + "1" + ")" * 3000 + "\nopenai.completions.create(prompt='x')\n"

    async def scenario() -> None:
        async with running(root) as client:
            uri = open_file(client, root / "broken.py", broken)
            published = await client.publish(uri)
            assert len(published.diagnostics) == 1
            (problem,) = published.diagnostics
            assert problem.severity == types.DiagnosticSeverity.Error
            assert "syntax error" in problem.message and problem.code is None
            deep_uri = open_file(client, root / "deep.py", deep)
            published = await client.publish(deep_uri)
            assert len(published.diagnostics) == 1 and "nested" in published.diagnostics[0].message
            app = open_file(client, root / "app.py")
            assert len((await client.publish(app)).diagnostics) == 6

    run(scenario())


def test_a_crash_in_one_analysis_is_logged_and_the_server_survives(tmp_path: Path) -> None:
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "app.py": TWO_CALLS})
    crashing = [sys.executable, str(ROOT / "tests" / "lsp_crashing_server.py")]

    async def scenario() -> None:
        async with running(root, server=crashing) as client:
            uri = open_file(client, root / "bad.py", TWO_CALLS + "# CRASH_ME\n")
            published = await client.publish(uri)
            assert list(published.diagnostics) == []
            logged = await client.until(
                lambda: [m for m in client.logged if m.type == types.MessageType.Error and "CRASH_ME" in m.message]
            )
            assert "bad.py" in logged[0].message and "RuntimeError" in logged[0].message
            # A fix that fails: no edit on offer, the failure logged, the suppression still there.
            fragile = open_file(client, root / "fragile.py", TWO_CALLS + "# CRASH_ON_FIX\n")
            assert len((await client.publish(fragile)).diagnostics) == 6
            actions = await actions_at(client, fragile, line_of(TWO_CALLS, "response = client"), 20)
            assert [a.title for a in actions] == ["Ignore OAI001 for this line"]
            await client.until(lambda: [m for m in client.logged if "CRASH_ON_FIX" in m.message])
            app = open_file(client, root / "app.py")
            assert len((await client.publish(app)).diagnostics) == 6

    run(scenario())


# -- code actions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lazy", [False, True], ids=["edits-in-actions", "codeAction-resolve"])
def test_fix_action_applies_the_findings_whole_group(tmp_path: Path, lazy: bool) -> None:
    """The fix offered on a response read rewrites its call and model too (one workspace
    edit, small hunks) and leaves the other call alone; fixing both gives `migrator fix`."""
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "app.py": TWO_CALLS})
    expected = fixed_by_cli(root, "expected.py", TWO_CALLS)
    read_line = line_of(TWO_CALLS, "return response.choices[0].text")

    async def scenario() -> None:
        async with running(root, resolve=lazy) as client:
            uri = open_file(client, root / "app.py")
            await client.publish(uri)
            actions = await actions_at(client, uri, read_line, 25)
            fix = titled(actions, "Fix: completion text read as `text`")
            assert fix.is_preferred is True and fix.kind == types.CodeActionKind.QuickFix
            assert fix.diagnostics and fix.diagnostics[0].code == "OAI002"
            edit = await edit_of(client, fix, lazy)
            assert edit.document_changes and edit.document_changes[0].text_document.version == 1  # type: ignore[union-attr]
            edits = edits_by_uri(edit)[uri]
            touched = {e.range.start.line for e in edits}
            assert touched == {line_of(TWO_CALLS, "response = client"), read_line}
            assert all(e.range.start.line == e.range.end.line for e in edits)  # small hunks
            text = apply_workspace_edit({uri: TWO_CALLS}, edit)[uri]
            assert "response = client.chat.completions.create(" in text
            assert "result = client.completions.create(" in text
            mark = len(client.published)
            change(client, uri, text, 2)
            published = await client.publish(uri, mark)
            assert published.version == 2 and codes(published) == ["OAI001", "OAI002", "OAI004"]

            second = await actions_at(client, uri, line_of(text, "result = client"), 16)
            edit = await edit_of(client, titled(second, "Fix: legacy Completions call"), lazy)
            assert apply_workspace_edit({uri: text}, edit)[uri] == expected

    run(scenario())


def test_fix_all_applies_safe_fixes_only(tmp_path: Path) -> None:
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "app.py": SAFE_AND_UNSAFE})
    expected = fixed_by_cli(root, "expected.py", SAFE_AND_UNSAFE)
    assert "llm.completions.create(" in expected  # the unsafe call stays

    async def scenario() -> None:
        async with running(root) as client:
            uri = open_file(client, root / "app.py")
            await client.publish(uri)
            for only in (["source.fixAll"], ["source"], None):
                actions = await actions_at(client, uri, 0, 0, only=only)
                fix_all = titled(actions, "Fix all")
                assert fix_all.kind == "source.fixAll.migrator"
                assert apply_workspace_edit({uri: SAFE_AND_UNSAFE}, await edit_of(client, fix_all, False))[uri] == expected
            assert await actions_at(client, uri, 0, 0, only=["quickfix"]) == []
            # No unsafe fix on offer (unsafe fixes are off), only the suppression.
            unsafe_line = line_of(SAFE_AND_UNSAFE, "llm.completions")
            titles = [a.title for a in await actions_at(client, uri, unsafe_line, 14, only=["quickfix"])]
            assert titles == ["Ignore OAI001 for this line"]

    run(scenario())


@pytest.mark.parametrize("where", ["initializationOptions", "didChangeConfiguration", "pyproject.toml"])
def test_unsafe_fixes_are_offered_only_when_enabled(tmp_path: Path, where: str) -> None:
    """Without a model in the settings the model substitution is unsafe, and so is the
    whole call: offered as "Fix (unsafe)", never preferred, only with `unsafe-fixes` on."""
    source = TWO_CALLS.split("\n\ndef summarise")[0] + "\n"
    root = project(tmp_path, {"app.py": source})
    expected = fixed_by_cli(root, "expected.py", source, "--unsafe-fixes")
    call_line = line_of(source, "client.completions")

    async def titles_and_fix(
        options: Optional[dict[str, Any]], pushed: Optional[dict[str, Any]] = None
    ) -> tuple[list[str], Optional[str]]:
        async with running(root, options=options) as client:
            uri = open_file(client, root / "app.py")
            await client.publish(uri)
            if pushed is not None:  # settings the client pushes after start-up
                mark = len(client.published)
                client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=pushed))
                await client.publish(uri, mark)
            actions = await actions_at(client, uri, call_line, 20, only=["quickfix"])
            unsafe = [a for a in actions if a.title.startswith("Fix (unsafe)")]
            text = None
            if unsafe:
                assert unsafe[0].is_preferred is not True
                text = apply_workspace_edit({uri: source}, await edit_of(client, unsafe[0], False))[uri]
            return sorted(a.title for a in actions), text

    async def scenario() -> None:
        titles, _ = await titles_and_fix(None)
        assert titles == ["Ignore OAI001 for this line"]
        if where == "pyproject.toml":
            (root / "pyproject.toml").write_text("[tool.migrator]\nunsafe-fixes = true\n")
            titles, text = await titles_and_fix(None)
        elif where == "didChangeConfiguration":
            titles, text = await titles_and_fix(None, {"migrator": {"unsafe-fixes": True}})
        else:
            titles, text = await titles_and_fix({"unsafeFixes": True})
        assert titles == ["Fix (unsafe): legacy Completions call; use `chat.completions.create` with `messages`", "Ignore OAI001 for this line"]
        assert text == expected

    run(scenario())


def test_ignore_action_adds_or_extends_noqa(tmp_path: Path) -> None:
    """"Ignore" writes `# noqa: CODE` on the line `check` honours (or adds the code to the
    comment there), and `migrator check` then no longer reports it."""
    source = TWO_CALLS.replace('model="text-davinci-003",\n', 'model="text-davinci-003",  # noqa: E501\n')
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "app.py": source})
    call_line = line_of(source, "response = client")
    model_line = line_of(source, "# noqa: E501")

    async def scenario() -> None:
        async with running(root) as client:
            uri = open_file(client, root / "app.py")
            await client.publish(uri)
            ignore = titled(await actions_at(client, uri, call_line, 20), "Ignore OAI001")
            text = apply_workspace_edit({uri: source}, await edit_of(client, ignore, False))[uri]
            assert text.splitlines()[call_line].endswith('prompt=question)  # noqa: OAI001')
            ignore = titled(await actions_at(client, uri, model_line, 16), "Ignore OAI004")
            text = apply_workspace_edit({uri: text}, await edit_of(client, ignore, False))[uri]
            assert text.splitlines()[model_line].endswith('model="text-davinci-003",  # noqa: E501, OAI004')
            mark = len(client.published)
            change(client, uri, text, 2)
            published = await client.publish(uri, mark)
            remaining = {(str(d.code), d.range.start.line) for d in published.diagnostics}
            assert ("OAI001", call_line) not in remaining and ("OAI004", model_line) not in remaining
            (root / "app.py").write_text(text)
            on_disk = {(f["code"], f["line"] - 1) for f in check_json(root, "app.py")}
            assert on_disk == remaining

    run(scenario())


def test_notebook_cells_are_analysed_together(tmp_path: Path) -> None:
    """The client syncs the notebook (`notebookDocument/*`); the cells are one program, the
    diagnostics are published per cell at `check`'s cell positions, and the fix of a read
    in one cell rewrites the call in another: the cells end as `migrator fix` leaves them."""
    cells = [
        ("markdown", "# Legacy notebook\n"),
        ("code", "%pip install openai\nimport openai\n\nclient = openai.OpenAI()\n"),
        ("code", 'response = client.completions.create(model="text-davinci-003", prompt="Hi")\n'),
        ("code", "print(response.choices[0].text)"),
    ]
    notebook = {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": text, **({"outputs": [], "execution_count": None} if kind == "code" else {})}
            for kind, text in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "nb.ipynb": json.dumps(notebook, indent=1)})
    expected = check_json(root, "nb.ipynb")
    assert {f["cell"] for f in expected} == {3, 4}
    fix = cli(root, "fix", "nb.ipynb")
    assert fix.returncode in (0, 1), fix.stderr
    fixed_cells = ["".join(c["source"]) for c in json.loads((root / "nb.ipynb").read_text())["cells"]]
    nb_uri = (root / "nb.ipynb").as_uri()
    uris = [f"{nb_uri}#cell{number}" for number in range(1, len(cells) + 1)]

    async def scenario() -> None:
        async with running(root) as client:
            client.notebook_document_did_open(
                types.DidOpenNotebookDocumentParams(
                    notebook_document=types.NotebookDocument(
                        uri=nb_uri,
                        notebook_type="jupyter-notebook",
                        version=1,
                        cells=[
                            types.NotebookCell(
                                kind=types.NotebookCellKind.Markup if kind == "markdown" else types.NotebookCellKind.Code,
                                document=uri,
                            )
                            for uri, (kind, _) in zip(uris, cells)
                        ],
                    ),
                    cell_text_documents=[
                        types.TextDocumentItem(uri=uri, language_id="markdown" if kind == "markdown" else "python", version=1, text=text)
                        for uri, (kind, text) in zip(uris, cells)
                    ],
                )
            )
            got = set()
            for number in (2, 3, 4):
                published = await client.publish(uris[number - 1])
                got |= {
                    (number, str(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
                    for d in published.diagnostics
                }
            want = {
                (f["cell"], f["code"], f["line"] - 1, f["column"] - 1, f["end_line"] - 1, f["end_column"] - 1)
                for f in expected
            }
            assert got == want
            actions = await actions_at(client, uris[3], 0, 20)
            edit = await edit_of(client, titled(actions, "Fix: completion text"), False)
            assert set(edits_by_uri(edit)) == {uris[2], uris[3]}  # the call's cell and the read's
            texts = apply_workspace_edit(dict(zip(uris, (text for _, text in cells))), edit)
            assert [texts[uri] for uri in uris] == fixed_cells

    run(scenario())


# -- settings and the files they come from ------------------------------------------------------


def test_settings_reload_when_pyproject_changes(tmp_path: Path) -> None:
    """Editing pyproject.toml changes the diagnostics: at once when the client reports the
    change (`workspace/didChangeWatchedFiles`), and on the next check when it does not."""
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "app.py": TWO_CALLS})

    async def scenario() -> None:
        async with running(root, watch=True) as client:
            uri = open_file(client, root / "app.py")
            assert "OAI004" in codes(await client.publish(uri))
            (registration,) = await client.until(lambda: client.registrations)
            assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
            patterns = [watcher["globPattern"] for watcher in registration.register_options["watchers"]]
            assert "**/pyproject.toml" in patterns
            mark = len(client.published)
            (root / "pyproject.toml").write_text(MODEL_CONFIG + 'ignore = ["OAI004"]\n')
            client.workspace_did_change_watched_files(
                types.DidChangeWatchedFilesParams(
                    changes=[types.FileEvent(uri=(root / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]
                )
            )
            published = await client.publish(uri, mark)
            assert "OAI004" not in codes(published) and "OAI001" in codes(published)
            # Unannounced: the next change reads it again (it has another size and mtime).
            mark = len(client.published)
            (root / "pyproject.toml").write_text('[tool.migrator]\nmodel = "gpt-4o"\nselect = ["OAI004"]\n')
            change(client, uri, TWO_CALLS + "\n", 2)
            published = await client.publish(uri, mark)
            assert codes(published) == ["OAI004", "OAI004"]
            assert all("gpt-4o`" in d.message for d in published.diagnostics)

    run(scenario())


def test_results_follow_the_modules_a_file_imports(tmp_path: Path) -> None:
    """The engine reports the files it read (here the module the client comes from); when
    that file changes on disk the document is checked again."""
    user = 'from clients import client\n\n\ndef ask(q):\n    return client.completions.create(model="text-davinci-003", prompt=q)\n'
    openai_client = "import openai\n\nclient = openai.OpenAI()\n"
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "clients.py": "client = object()\n", "app.py": user})

    async def scenario() -> None:
        async with running(root) as client:
            uri = open_file(client, root / "app.py")
            before = await client.publish(uri)
            assert list(before.diagnostics) == []  # `client` is not proven to be openai's
            mark = len(client.published)
            (root / "clients.py").write_text(openai_client)
            client.workspace_did_change_watched_files(
                types.DidChangeWatchedFilesParams(
                    changes=[types.FileEvent(uri=(root / "clients.py").as_uri(), type=types.FileChangeType.Changed)]
                )
            )
            after = await client.publish(uri, mark)
            assert codes(after) == ["OAI001", "OAI004"]
            assert codes(after) == sorted(f["code"] for f in check_json(root, "app.py"))

    run(scenario())


# -- the command ------------------------------------------------------------------------------------


def test_server_without_the_extra_says_how_to_install_it() -> None:
    blocked = "import sys; sys.modules['pygls'] = None; from migrator.cli import main; sys.argv = ['migrator', 'server']; main()"
    result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'openai-chat-migrator[server]'" in lines[0]


def test_cli_start_up_imports_neither_pygls_nor_libcst() -> None:
    probe = (
        "import sys, migrator.cli; "
        "print(sorted(m for m in ('pygls', 'lsprotocol', 'libcst', 'migrator.server') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


# -- the text helpers, without a client ------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a = 1\nb = 2\n", "a = 1\nb = 3\n"),
        ("x\r\ny\r\n", "x\r\nz\r\ny\r\n"),
        ("client.completions.create(prompt=p)\r\n", "client.chat.completions.create(messages=[p])\r\n"),
        ("s = '😀'; f()\n", "s = '😀'; g()\n"),
        ("last line", "last line\nand more"),
        ("one\ntwo\nthree\n", "three\n"),
        ("", "new\n"),
    ],
)
def test_text_edits_turn_old_into_new_in_small_hunks(old: str, new: str) -> None:
    edits = text_edits(old, new)
    assert apply_edits(old, edits) == new
    assert sum(len(text) for _, _, text in edits) <= len(new)
    lines = old.split("\n")
    for start, end, _ in edits:  # never inside a line ending
        for line, column in (start, end):
            assert line >= len(lines) or column <= len(lines[line].rstrip("\r"))


@pytest.mark.parametrize(
    ("source", "line", "expected"),
    [
        ("x = f()\n", 1, "x = f()  # noqa: OAI001\n"),
        ("x = f()  # noqa: E501\n", 1, "x = f()  # noqa: E501, OAI001\n"),
        ("x = f()  # migrator: ignore[OAI002]\n", 1, "x = f()  # migrator: ignore[OAI002, OAI001]\n"),
        ("x = f()  # why\n", 1, "x = f()  # why  # noqa: OAI001\n"),
        # The flagged line ends inside a string: the statement's first line takes it.
        ('x = g(\n    f(), """\n""")\n', 2, 'x = g(  # noqa: OAI001\n    f(), """\n""")\n'),
        ("x = f(\"\"\"\n\"\"\")\n", 1, None),
        ("x = a + \\\n    f()\n", 2, "x = a + \\\n    f()  # noqa: OAI001\n"),
        ("x = f() + \\\n    a\n", 1, None),
        ("x = 1\r\ny = f()\r\n", 2, "x = 1\r\ny = f()  # noqa: OAI001\r\n"),
    ],
)
def test_add_noqa_where_check_honours_it(source: str, line: int, expected: Optional[str]) -> None:
    assert add_noqa(source, line, "OAI001") == expected


def test_add_noqa_in_a_notebook_cell_reads_past_its_magics() -> None:
    from migrator.notebook import python_source

    cell = "%pip install openai\nz = g()\n"
    assert add_noqa(cell, 2, "OAI001", python_source) == "%pip install openai\nz = g()  # noqa: OAI001\n"
    assert add_noqa(cell, 1, "OAI001", python_source) is None  # a magic is not Python


def test_readme_editor_configurations_start_this_server() -> None:
    """The README's VS Code and Helix snippets parse and start `migrator server`; the
    Neovim one runs the same command."""
    section = (ROOT / "README.md").read_text().split("## Editor integration", 1)[1].split("\n## ", 1)[0]
    blocks = dict(re.findall(r"```(\w+)\n(.*?)```", section, re.DOTALL))
    vscode = json.loads(blocks["json"])
    assert [vscode["glspc.server.command"], *vscode["glspc.server.commandArguments"]] == ["migrator", "server"]
    helix = tomllib.loads(blocks["toml"])
    assert [helix["language-server"]["migrator"]["command"], *helix["language-server"]["migrator"]["args"]] == ["migrator", "server"]
    assert "migrator" in helix["language"][0]["language-servers"]
    assert 'cmd = { "migrator", "server" }' in blocks["lua"]
    assert "pip install 'openai-chat-migrator[server]'" in blocks["bash"]
    from click.testing import CliRunner

    from migrator.cli import cli as command

    assert "server" in CliRunner().invoke(command, ["--help"]).stdout
