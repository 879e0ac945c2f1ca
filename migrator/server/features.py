"""The LSP messages the language server answers (pygls features), each handed to a
`MigratorServer` method (`protocol.py`), and `serve`, which speaks LSP on stdin/stdout.
"""

from __future__ import annotations

import sys
from typing import Optional

from lsprotocol import types

from migrator.server.analysis import client_overrides
from migrator.server.protocol import DEBOUNCE_SECONDS, FIX_ALL, MigratorServer


def create_server(debounce: float = DEBOUNCE_SECONDS) -> MigratorServer:
    server = MigratorServer(debounce)

    @server.feature(types.INITIALIZE)
    def initialize(ls: MigratorServer, params: types.InitializeParams) -> None:
        overrides, ls.unknown_settings = client_overrides(params.initialization_options, ls.analyser.pack)
        ls.analyser.set_overrides(overrides)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: MigratorServer, params: types.InitializedParams) -> None:
        if ls.unknown_settings:
            ls.log(types.MessageType.Warning, f"migrator: ignoring unknown settings: {', '.join(sorted(ls.unknown_settings))}")
        await ls.register_watchers()

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: MigratorServer, params: None) -> None:
        for task in ls.tasks.values():
            task.cancel()
        ls.executor.shutdown(wait=False, cancel_futures=True)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: MigratorServer, params: types.DidOpenTextDocumentParams) -> None:
        key = ls.key_of(params.text_document.uri)
        if key is not None:
            ls.schedule(key)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: MigratorServer, params: types.DidChangeTextDocumentParams) -> None:
        key = ls.key_of(params.text_document.uri)
        if key is not None:
            ls.schedule(key, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: MigratorServer, params: types.DidSaveTextDocumentParams) -> None:
        # The saved file may be a module the others import: check theirs are still current.
        await ls.saved(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: MigratorServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri, [params.text_document.uri])

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: MigratorServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: MigratorServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, ls.debounce)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: MigratorServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.refresh_all()
        ls.schedule(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: MigratorServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.forget(params.notebook_document.uri, [cell.uri for cell in params.cell_text_documents])

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL],
            resolve_provider=True,
        ),
    )
    async def code_action(ls: MigratorServer, params: types.CodeActionParams) -> Optional[list[types.CodeAction]]:
        return await ls.code_actions(params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: MigratorServer, params: types.CodeAction) -> types.CodeAction:
        return await ls.resolve(params)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def configuration(ls: MigratorServer, params: types.DidChangeConfigurationParams) -> None:
        # Only a `migrator` section replaces the settings: other servers' sections come too.
        if isinstance(params.settings, dict) and isinstance(params.settings.get("migrator"), dict):
            await ls.set_client_settings(params.settings["migrator"])

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched_files(ls: MigratorServer, params: types.DidChangeWatchedFilesParams) -> None:
        await ls.files_changed(params)

    return server


def serve() -> None:
    """Speak LSP on stdin/stdout until the client says exit."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Nothing may print to the protocol's stream: a stray print() would corrupt it.
    sys.stdout = sys.stderr
    create_server().start_io(stdin, stdout)
