"""`migrator server`, the rest of its spec (README, "Editor integration"), driven like
`tests/test_server.py` drives it (the real server in a subprocess, a real LSP client):
saves, the pins and modules the rules read besides the file, stubs, the settings as the
README's editor snippets spell them, and where each diagnostic links to."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Optional

import pytest
from lsprotocol import types

from migrator.runner import load_pack
from migrator.server.protocol import WATCHED, rule_url
from migrator.suppression import UNUSED_CODE
from migrator.tomlfile import tomllib
from tests.lsp_client import Client, apply_workspace_edit, running
from tests.test_server import (
    MODEL_CONFIG,
    ROOT,
    TWO_CALLS,
    actions_at,
    change,
    check_json,
    codes,
    edit_of,
    fixed_by_cli,
    line_of,
    open_file,
    project,
    run,
    titled,
)

# openai<1.0 code: what it becomes depends on the project's openai pin.
V0 = '''import openai


def ask(question):
    response = openai.Completion.create(model="text-davinci-003", prompt=question)
    return response["choices"][0]["text"]
'''
KEEP_PIN = "openai==0.28.1\n"
V1_PIN = "openai>=1.2\n"


def save(client: Client, uri: str) -> None:
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def announce(client: Client, path: Path, kind: types.FileChangeType = types.FileChangeType.Changed) -> None:
    """What a client's file watcher says when `path` changed on disk."""
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=path.as_uri(), type=kind)])
    )


def summary(params: types.PublishDiagnosticsParams) -> list[tuple[str, int, int, str]]:
    """Code, start line and column (0-based) and first message line of each diagnostic."""
    return sorted(
        (str(d.code), d.range.start.line, d.range.start.character, d.message.split("\n")[0]) for d in params.diagnostics
    )


def cli_summary(root: Path, name: str) -> list[tuple[str, int, int, str]]:
    """`summary` of what `migrator check` says of the file on disk."""
    return sorted((f["code"], f["line"] - 1, f["column"] - 1, f["message"]) for f in check_json(root, name))


async def fixed_by_server(client: Client, uri: str, text: str) -> str:
    """The text after the server's `source.fixAll.migrator` edit."""
    fix_all = titled(await actions_at(client, uri, 0, 0, only=["source.fixAll"]), "Fix all")
    return apply_workspace_edit({uri: text}, await edit_of(client, fix_all, False))[uri]


async def nothing_more_for(client: Client, root: Path, uri: str, mark: int) -> None:
    """Nothing was published for `uri` since `mark`. Analyses run one at a time, in the
    order they were asked for: once a document opened now has its diagnostics, every
    analysis asked for before it has published whatever it had to. Two in a row: the
    first may be queued before the analyses a notification asks for once it has done
    its own work (the save's); the second is opened only after the first is checked."""
    for name in ("probe.py", "probe2.py"):
        probe = open_file(client, root / name, "import openai\nopenai.completions.create(prompt='x')\n")
        await client.publish(probe, mark)
    assert [p for p in client.published[mark:] if p.uri == uri] == []


# -- textDocument/didSave ---------------------------------------------------------------------------


def test_save_rechecks_the_document_against_the_files_on_disk(tmp_path: Path) -> None:
    """A pin changed on disk without a word from the client's watcher (it has none): the
    save checks the document again and publishes what `check` now says; a save that
    changes nothing the analysis read publishes nothing."""
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "requirements.txt": KEEP_PIN, "app.py": V0})
    keep = cli_summary(root, "app.py")
    assert any("use `ChatCompletion`" in message for _, _, _, message in keep)

    async def scenario() -> None:
        async with running(root) as client:
            uri = open_file(client, root / "app.py")
            assert summary(await client.publish(uri)) == keep
            mark = len(client.published)
            save(client, uri)
            await nothing_more_for(client, root, uri, mark)

            (root / "requirements.txt").write_text(V1_PIN)
            v1 = cli_summary(root, "app.py")
            assert v1 != keep and any("v1 `chat.completions.create`" in message for _, _, _, message in v1)
            mark = len(client.published)
            save(client, uri)
            published = await client.publish(uri, mark)
            assert published.version == 1 and summary(published) == v1

    run(scenario())


def test_save_publishes_the_latest_text_without_waiting_for_the_debounce(tmp_path: Path) -> None:
    """Changes are checked after a pause in typing; a save is checked at once, with the
    text the client synced last (here the pause is a minute: only the save can publish)."""
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "app.py": TWO_CALLS})
    first_call_only = TWO_CALLS.split("\n\ndef summarise")[0] + "\n"
    slow = (
        "import sys; from migrator.server.features import create_server; "
        "server = create_server(debounce=60); stdin, stdout = sys.stdin.buffer, sys.stdout.buffer; "
        "sys.stdout = sys.stderr; server.start_io(stdin, stdout)"
    )

    async def scenario() -> None:
        async with running(root, server=[sys.executable, "-c", slow]) as client:
            uri = open_file(client, root / "app.py")
            assert len((await client.publish(uri)).diagnostics) == 6
            mark = len(client.published)
            change(client, uri, first_call_only, 2)
            (root / "app.py").write_text(first_call_only)
            save(client, uri)
            published = await client.publish(uri, mark)
            assert published.version == 2 and codes(published) == ["OAI001", "OAI002", "OAI004"]
            assert summary(published) == cli_summary(root, "app.py")

    run(scenario())


@pytest.mark.parametrize("same_stamp", [False, True], ids=["rewritten", "same-mtime-and-size"])
def test_saving_a_module_rechecks_the_open_files_that_import_it(tmp_path: Path, same_stamp: bool) -> None:
    """The saved file may be a module another open document imports: that one is checked
    again too, with no file watcher to say the module changed, and even when the save
    kept the module's size and modification time (the save says it changed)."""
    user = 'from clients import client\n\n\ndef ask(q):\n    return client.completions.create(model="text-davinci-003", prompt=q)\n'
    openai_client = "import openai\n\nclient = openai.OpenAI()\n"
    stand_in = "client = object()\n#".ljust(len(openai_client) - 1, "-") + "\n"  # as long
    assert len(stand_in) == len(openai_client)
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "clients.py": stand_in, "app.py": user})

    async def scenario() -> None:
        async with running(root) as client:
            app = open_file(client, root / "app.py")
            assert list((await client.publish(app)).diagnostics) == []  # not proven openai's
            module = open_file(client, root / "clients.py")
            await client.publish(module)
            mark = len(client.published)
            change(client, module, openai_client, 2)
            before = (root / "clients.py").stat()
            (root / "clients.py").write_text(openai_client)
            if same_stamp:
                os.utime(root / "clients.py", ns=(before.st_atime_ns, before.st_mtime_ns))
            save(client, module)
            published = await client.publish(app, mark)
            assert summary(published) == cli_summary(root, "app.py")
            assert codes(published) == ["OAI001", "OAI004"]

    run(scenario())


# -- the pins: the CLI's cache, invalidated when they change ---------------------------------------


@pytest.mark.parametrize("same_stamp", [False, True], ids=["rewritten", "same-mtime-and-size"])
def test_a_pin_change_switches_the_diagnostics_and_the_fix_to_the_v1_sdk(tmp_path: Path, same_stamp: bool) -> None:
    """`openai==0.28.1` keeps openai<1.0 code on its SDK (`openai.ChatCompletion`); when
    the watcher reports requirements.txt now says `openai>=1.20.0`, the diagnostics and the
    fix move to the v1 SDK, as `check` and `fix` do. The client's word is enough: a
    rewrite that keeps the file's size and modification time (a copy with `cp -p`, two
    saves in one tick of the clock) must not leave the answer of the old pin behind."""
    new_pin = "openai>=1.20.0\n"  # as long as the old one
    assert len(new_pin) == len(KEEP_PIN)
    # What `check` and `fix` say under each pin, asked in projects of their own: a run in
    # the server's folder would write there, and a new entry is a change of its own.
    judge = {"pyproject.toml": MODEL_CONFIG, "app.py": V0}
    keep_root = project(tmp_path / "keep", {**judge, "requirements.txt": KEEP_PIN})
    v1_root = project(tmp_path / "v1", {**judge, "requirements.txt": new_pin})
    keep, v1 = cli_summary(keep_root, "app.py"), cli_summary(v1_root, "app.py")
    assert any("use `ChatCompletion`" in message for *_, message in keep)
    assert any("v1 `chat.completions.create`" in message for *_, message in v1)
    keep_fixed, v1_fixed = fixed_by_cli(keep_root, "app.py", V0), fixed_by_cli(v1_root, "app.py", V0)
    assert "openai.ChatCompletion.create(" in keep_fixed
    assert "openai.chat.completions.create(" in v1_fixed and 'response.choices[0].message.content or ""' in v1_fixed
    root = project(tmp_path / "project", {**judge, "requirements.txt": KEEP_PIN})

    async def scenario() -> None:
        async with running(root, watch=True) as client:
            (registration,) = await client.until(lambda: client.registrations)
            patterns = [watcher["globPattern"] for watcher in registration.register_options["watchers"]]
            assert patterns == list(WATCHED) and "**/requirements*.txt" in patterns
            uri = open_file(client, root / "app.py")
            assert summary(await client.publish(uri)) == keep
            assert await fixed_by_server(client, uri, V0) == keep_fixed

            requirements = root / "requirements.txt"
            before = requirements.stat()
            requirements.write_text(new_pin)
            if same_stamp:
                os.utime(requirements, ns=(before.st_atime_ns, before.st_mtime_ns))
                after = requirements.stat()
                assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)
            mark = len(client.published)
            announce(client, requirements)
            published = await client.publish(uri, mark)
            assert summary(published) == v1
            assert await fixed_by_server(client, uri, V0) == v1_fixed

    run(scenario())


def test_a_pin_file_that_appears_is_read(tmp_path: Path) -> None:
    """No pin: openai<1.0 code stays on its SDK. A requirements.txt created next to the
    file (reported as created) decides the SDK from then on."""
    judge = {"pyproject.toml": MODEL_CONFIG, "app.py": V0}
    keep_root = project(tmp_path / "keep", judge)
    v1_root = project(tmp_path / "v1", {**judge, "requirements.txt": V1_PIN})
    v1 = cli_summary(v1_root, "app.py")
    keep_fixed, v1_fixed = fixed_by_cli(keep_root, "app.py", V0), fixed_by_cli(v1_root, "app.py", V0)
    assert "openai.ChatCompletion.create(" in keep_fixed and "openai.chat.completions.create(" in v1_fixed
    root = project(tmp_path / "project", judge)

    async def scenario() -> None:
        async with running(root, watch=True) as client:
            uri = open_file(client, root / "app.py")
            await client.publish(uri)
            assert await fixed_by_server(client, uri, V0) == keep_fixed
            (root / "requirements.txt").write_text(V1_PIN)
            mark = len(client.published)
            announce(client, root / "requirements.txt", types.FileChangeType.Created)
            published = await client.publish(uri, mark)
            assert summary(published) == v1
            assert await fixed_by_server(client, uri, V0) == v1_fixed

    run(scenario())


# -- stubs -------------------------------------------------------------------------------------------

STUB = '''from typing import Any

import openai

create = openai.Completion.create

def complete(prompt: str, model: str = "text-davinci-003") -> Any: ...
'''


@pytest.mark.parametrize("language_id", ["python", "plaintext"])
def test_stub_files_get_diagnostics(tmp_path: Path, language_id: str) -> None:
    """A `.pyi` file is checked as `check` checks it, whatever language the client calls
    it (the suffix is enough); the same text in a `.txt` file is not Python."""
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "api.pyi": STUB, "notes.txt": STUB})
    expected = cli_summary(root, "api.pyi")
    assert [code for code, *_ in expected] == ["OAI009"]

    async def scenario() -> None:
        async with running(root) as client:
            notes = (root / "notes.txt").as_uri()
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(uri=notes, language_id="plaintext", version=1, text=STUB)
                )
            )
            stub = (root / "api.pyi").as_uri()
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(uri=stub, language_id=language_id, version=1, text=STUB)
                )
            )
            published = await client.publish(stub)
            assert summary(published) == expected
            (diagnostic,) = published.diagnostics
            assert diagnostic.severity == types.DiagnosticSeverity.Warning and "\nhelp: " in diagnostic.message
            assert [p for p in client.published if p.uri == notes] == []
            row = line_of(STUB, "create = ")
            assert [a.title for a in await actions_at(client, stub, row, 10)] == ["Ignore OAI009 for this line"]

    run(scenario())


# -- the settings as the README's editor snippets spell them ----------------------------------------


def readme_section(title: str) -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8").split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def readme_initialization_options() -> dict[str, dict[str, Any]]:
    """The initialization options each editor's snippet in the README sends, per editor."""
    blocks = dict(re.findall(r"```(\w+)\n(.*?)```", readme_section("Editor integration"), re.DOTALL))
    lua = re.search(r"init_options = \{(.*)\},?\n", blocks["lua"])
    assert lua is not None, blocks["lua"]
    # A Lua table of `["key"] = value` pairs, as Neovim sends it (JSON-encoded).
    neovim = {key: json.loads(value) for key, value in re.findall(r'\["([^"]+)"\]\s*=\s*(\w+)', lua.group(1))}
    return {
        "vscode": json.loads(blocks["json"])["glspc.server.initializationOptions"],
        "neovim": neovim,
        "helix": tomllib.loads(blocks["toml"])["language-server"]["migrator"]["config"],
    }


@pytest.mark.parametrize("editor", ["vscode", "neovim", "helix"])
def test_the_readmes_initialization_options_work_as_spelled(tmp_path: Path, editor: str) -> None:
    """Each editor snippet sends `{"unsafe-fixes": false}` (kebab case, as in
    `[tool.migrator]`): the server knows the key (no "unknown settings" warning), false
    offers no unsafe fix, and the same options with true offer it, as `fix --unsafe-fixes`
    writes it."""
    options = readme_initialization_options()[editor]
    assert options == {"unsafe-fixes": False}
    source = TWO_CALLS.split("\n\ndef summarise")[0] + "\n"  # no model setting: the fix is unsafe
    root = project(tmp_path, {"app.py": source})
    expected = fixed_by_cli(root, "expected.py", source, "--unsafe-fixes")
    call_line = line_of(source, "client.completions")

    async def offered(sent: dict[str, Any]) -> tuple[list[str], Optional[str], list[str]]:
        async with running(root, options=sent) as client:
            uri = open_file(client, root / "app.py")
            await client.publish(uri)
            actions = await actions_at(client, uri, call_line, 20, only=["quickfix"])
            unsafe = [a for a in actions if a.title.startswith("Fix (unsafe)")]
            text = None
            if unsafe:
                text = apply_workspace_edit({uri: source}, await edit_of(client, unsafe[0], False))[uri]
            warnings = [m.message for m in client.logged if "unknown settings" in m.message]
            return sorted(a.title for a in actions), text, warnings

    async def scenario() -> None:
        titles, text, warnings = await offered(options)
        assert (titles, text, warnings) == (["Ignore OAI001 for this line"], None, [])
        titles, text, warnings = await offered({key: True for key in options})
        assert warnings == []
        assert titles == [
            "Fix (unsafe): legacy Completions call; use `chat.completions.create` with `messages`",
            "Ignore OAI001 for this line",
        ]
        assert text == expected

    run(scenario())


def test_any_tool_migrator_key_as_spelled_in_pyproject_toml(tmp_path: Path) -> None:
    """The README: the client's initialization options, or a `migrator` section of its
    settings, "can set any of its keys" (`[tool.migrator]`'s, kebab case): `model` and
    `max-tokens` from the initialization options, `select` from a settings push."""
    root = project(tmp_path, {"app.py": TWO_CALLS})
    (root / "pyproject.toml").write_text('[tool.migrator]\nmodel = "gpt-4o-mini"\nmax-tokens = "max_tokens"\n')
    expected = fixed_by_cli(root, "expected.py", TWO_CALLS)
    assert "max_tokens=50" in expected and "max_completion_tokens" not in expected
    (root / "pyproject.toml").unlink()
    options = {"model": "gpt-4o-mini", "max-tokens": "max_tokens"}

    async def scenario() -> None:
        async with running(root, options=options) as client:
            uri = open_file(client, root / "app.py")
            published = await client.publish(uri)
            assert any("`gpt-4o-mini`" in d.message for d in published.diagnostics if d.code == "OAI004")
            assert await fixed_by_server(client, uri, TWO_CALLS) == expected
            mark = len(client.published)
            client.workspace_did_change_configuration(
                types.DidChangeConfigurationParams(settings={"migrator": {**options, "select": ["OAI004"]}})
            )
            published = await client.publish(uri, mark)
            assert codes(published) == ["OAI004", "OAI004"]
            assert not [m for m in client.logged if "unknown settings" in m.message]

    run(scenario())


# -- where a diagnostic links to ---------------------------------------------------------------------


def github_anchors(markdown: str) -> dict[str, str]:
    """Anchor -> section text, for each heading as GitHub anchors it (lowercased, signs
    other than `-` and `_` dropped, spaces to `-`); outside code blocks only."""
    sections: dict[str, str] = {}
    anchor: Optional[str] = None
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (heading := re.match(r"#{1,6} (.*)", line)):
            anchor = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
            sections[anchor] = ""
            continue
        if anchor is not None:
            sections[anchor] += line + "\n"
    return sections


def test_every_rule_links_to_where_the_readme_documents_it() -> None:
    """The README documents the rules in one table (rows have no anchors of their own), and
    MIG100 under its suppressions: each code's link is the pack's home page at the heading
    whose section names it; there is no per-rule anchor to link to instead."""
    pack = load_pack()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = github_anchors(readme)
    assert not [anchor for anchor in sections if re.search(r"oai\d{3}|mig\d{3}", anchor)]
    assert not re.search(r'<a (name|id)="', readme)
    for code in (*pack.known_codes(), UNUSED_CODE):
        home, _, anchor = rule_url(code).partition("#")
        assert home == pack.homepage == "https://github.com/openai-chat-migrator/openai-chat-migrator"
        assert anchor in sections, (code, anchor)
        assert re.search(rf"\b{code}\b", sections[anchor]), (code, anchor)
        assert anchor == ("suppressions-and-todo-comments" if code == UNUSED_CODE else "rules")


def test_diagnostics_carry_their_rules_link(tmp_path: Path) -> None:
    """On the wire: every diagnostic's codeDescription.href is its code's documented link
    (here rules of the v1 upgrade, and MIG100 with `warn-unused-ignores`)."""
    source = V0.replace("import openai\n", "import openai\nimport json  # noqa: OAI005\n", 1) + (
        "\n\ntry:\n    ask('x')\nexcept openai.error.Timeout:\n    pass\n"
    )
    root = project(tmp_path, {"pyproject.toml": MODEL_CONFIG, "requirements.txt": V1_PIN, "app.py": source})
    (root / "pyproject.toml").write_text(MODEL_CONFIG + "warn-unused-ignores = true\n")
    expected = sorted({f["code"] for f in check_json(root, "app.py")})
    assert {"OAI001", "OAI008", UNUSED_CODE} <= set(expected)

    async def scenario() -> None:
        async with running(root) as client:
            uri = open_file(client, root / "app.py")
            published = await client.publish(uri)
            assert sorted({str(d.code) for d in published.diagnostics}) == expected
            for diagnostic in published.diagnostics:
                assert diagnostic.code_description is not None
                assert diagnostic.code_description.href == rule_url(str(diagnostic.code))

    run(scenario())
