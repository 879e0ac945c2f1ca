"""A real LSP client (pytest-lsp's, on pygls) driving `migrator server` in a subprocess.

The client records every `textDocument/publishDiagnostics` and `window/logMessage` and
lets a test wait, with a timeout, for the first one that satisfies a condition: no
sleeping to let the server catch up.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, Callable, Optional

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, LanguageClient, register_lsp_features

TIMEOUT = 30.0
SERVER = (sys.executable, "-m", "migrator", "server")


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__(converter_factory=default_converter)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.logged: list[types.LogMessageParams] = []
        self.registrations: list[types.Registration] = []
        self._arrived: Optional[asyncio.Event] = None

    def _notify(self) -> None:
        if self._arrived is not None:
            self._arrived.set()

    async def until(self, condition: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
        """Wait until `condition()` is truthy (checked after each notification); its value."""
        self._arrived = self._arrived or asyncio.Event()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = condition()
            if value:
                return value
            self._arrived.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting; published so far: {self.published!r}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    async def publish(
        self,
        uri: str,
        since: int = 0,
        where: Callable[[types.PublishDiagnosticsParams], bool] = lambda params: True,
    ) -> types.PublishDiagnosticsParams:
        """The first diagnostics published for `uri` (from index `since`) that satisfy `where`."""

        def found() -> Optional[types.PublishDiagnosticsParams]:
            for params in self.published[since:]:
                if params.uri == uri and where(params):
                    return params
            return None

        result: types.PublishDiagnosticsParams = await self.until(found)
        return result


def _publish(client: Client, params: types.PublishDiagnosticsParams) -> None:
    client.published.append(params)
    client.diagnostics[params.uri] = params.diagnostics
    client._notify()


def _log(client: Client, params: types.LogMessageParams) -> None:
    client.logged.append(params)
    client._notify()


def _register(client: Client, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)
    client._notify()


def capabilities(
    *, resolve: bool = False, document_changes: bool = True, encodings: Sequence[str] = (), watch: bool = False
) -> types.ClientCapabilities:
    kinds = [types.CodeActionKind.QuickFix, types.CodeActionKind.Source, types.CodeActionKind.SourceFixAll]
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=list(encodings)) if encodings else None,
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=document_changes),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=watch),
            did_change_configuration=types.DidChangeConfigurationClientCapabilities(),
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                version_support=True, code_description_support=True, data_support=True
            ),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(value_set=kinds)
                ),
                is_preferred_support=True,
                data_support=True,
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]) if resolve else None,
            ),
        ),
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()
        ),
    )


@contextlib.asynccontextmanager
async def running(
    root: Path,
    *,
    options: Optional[dict[str, Any]] = None,
    server: Sequence[str] = SERVER,
    **client_capabilities: Any,
) -> AsyncIterator[Client]:
    """A started and initialized server for the project at `root`; shut down after."""
    client = Client()
    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _publish,
            types.WINDOW_LOG_MESSAGE: _log,
            types.CLIENT_REGISTER_CAPABILITY: _register,
        },
    )
    await client.start_io(*server, cwd=str(root))
    try:
        await asyncio.wait_for(
            client.initialize_session(
                types.InitializeParams(
                    capabilities=capabilities(**client_capabilities),
                    root_uri=root.as_uri(),
                    workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                    initialization_options=options,
                )
            ),
            TIMEOUT,
        )
        yield client
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    finally:
        process = client._server
        if process is not None and process.returncode is None:
            process.kill()
        await client.stop()


# -- what a client does with the server's answers ------------------------------------------------


def character(line: str, column: int, encoding: str = "utf-16") -> int:
    """A column in the client's units as an index into `line` (written independently of
    the server's own conversion)."""
    if encoding == "utf-32":
        return column
    codec = "utf-16-le" if encoding == "utf-16" else "utf-8"
    width = 2 if encoding == "utf-16" else 1
    encoded = line.encode(codec, "surrogatepass")
    return len(encoded[: column * width].decode(codec, "surrogatepass"))


def client_column(line: str, index: int, encoding: str = "utf-16") -> int:
    if encoding == "utf-32":
        return index
    if encoding == "utf-16":
        return len(line[:index].encode("utf-16-le")) // 2
    return len(line[:index].encode("utf-8"))


def _lines(text: str) -> list[str]:
    import re

    return re.split(r"\r\n|\r|\n", text)


def _offset(text: str, position: types.Position, encoding: str) -> int:
    import re

    starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]
    line = _lines(text)[position.line] if position.line < len(starts) else ""
    return starts[position.line] + character(line, position.character, encoding)


def apply_text_edits(text: str, edits: Sequence[types.TextEdit], encoding: str = "utf-16") -> str:
    spans = sorted(
        ((_offset(text, e.range.start, encoding), _offset(text, e.range.end, encoding), e.new_text) for e in edits),
        reverse=True,
    )
    previous_start = len(text) + 1
    for start, end, new in spans:
        assert end <= previous_start, "overlapping edits"
        text = text[:start] + new + text[end:]
        previous_start = start
    return text


def edits_by_uri(edit: types.WorkspaceEdit) -> dict[str, list[types.TextEdit]]:
    result: dict[str, list[types.TextEdit]] = {}
    if edit.document_changes:
        for change in edit.document_changes:
            assert isinstance(change, types.TextDocumentEdit)
            result.setdefault(change.text_document.uri, []).extend(
                e for e in change.edits if isinstance(e, types.TextEdit)
            )
    for uri, edits in (edit.changes or {}).items():
        result.setdefault(uri, []).extend(edits)
    return result


def apply_workspace_edit(texts: dict[str, str], edit: types.WorkspaceEdit, encoding: str = "utf-16") -> dict[str, str]:
    changed = dict(texts)
    for uri, edits in edits_by_uri(edit).items():
        changed[uri] = apply_text_edits(changed[uri], edits, encoding)
    return changed
