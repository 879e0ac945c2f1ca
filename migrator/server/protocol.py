"""The language server: LSP over stdio with pygls, on top of `migrator.server.analysis`
(the messages it answers are wired to it in `features.py`).

Diagnostics are published on open, save and (debounced) change, for Python files and
for the code cells of notebooks; code actions fix one finding's whole group, silence a
finding with `# noqa`, or apply every safe fix (`source.fixAll.migrator`). Analyses run
one at a time on a thread of their own, so the server keeps reading messages meanwhile;
a newer version of a document makes the result for an older one moot.
"""

from __future__ import annotations

import asyncio
import enum
import os
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional, TypeVar, Union
from urllib.parse import unquote

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from migrator import __version__
from migrator.model import Applicability, Finding, Location
from migrator.server.analysis import Analyser, Analysis, Cell, Problem, Snapshot, client_overrides
from migrator.server.text import UTF16, from_client_column, lines_of, text_edits, to_client_column
from migrator.suppression import UNUSED_CODE

SOURCE = "migrator"
FIX_ALL = "source.fixAll.migrator"
DEBOUNCE_SECONDS = 0.3
PYTHON_SUFFIXES = (".py", ".pyi")
# What the rules read besides the file: the project's pins and its own modules.
WATCHED = (
    "**/pyproject.toml",
    "**/{setup.cfg,setup.py,Pipfile,poetry.lock,uv.lock}",
    "**/requirements*.txt",
    "**/requirements/*.txt",
    "**/*.py",
)

_T = TypeVar("_T")


def rule_url(code: str) -> str:
    """Where a rule is documented: the rules table of the rule pack's home page (GitHub
    anchors only headings; `migrator explain CODE` has the whole text)."""
    from migrator.runner import load_pack

    homepage = load_pack().homepage
    if code == UNUSED_CODE:
        return f"{homepage}#suppressions-and-todo-comments"
    return f"{homepage}#rules"


class MigratorServer(LanguageServer):
    def __init__(self, debounce: float = DEBOUNCE_SECONDS) -> None:
        super().__init__(
            "migrator",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithNotebook(
                        notebook="*", cells=[types.NotebookCellLanguage(language="python")]
                    )
                ],
                save=True,
            ),
        )
        self.debounce = debounce
        self.analyser = Analyser()
        # Analyses run off the event loop (the server keeps reading messages), one at a time.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="migrator-analysis")
        self.analyses: dict[str, Analysis] = {}  # by document key (a file's or a notebook's URI)
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.unknown_settings: list[str] = []
        self._config_errors: set[str] = set()

    # -- documents -----------------------------------------------------------------------

    def _text_document(self, uri: str) -> Optional[TextDocument]:
        # Only documents the client opened: the workspace would read any other from disk.
        if unquote(uri) not in self.workspace.text_documents:
            return None
        return self.workspace.get_text_document(uri)

    def key_of(self, uri: str) -> Optional[str]:
        """The document a URI's findings belong to: itself, or the notebook of a cell."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None:
            return notebook.uri
        if self.workspace.get_notebook_document(notebook_uri=uri) is not None:
            return uri
        document = self._text_document(uri)
        if document is None:
            return None
        language = str(getattr(document.language_id, "value", document.language_id) or "")
        path = to_fs_path(uri) or ""
        return uri if path.endswith(PYTHON_SUFFIXES) or language == "python" else None

    def _path(self, uri: str, suffix: str) -> str:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            return path
        root = self.workspace.root_path or os.getcwd()
        return os.path.join(root, "untitled" + suffix)  # settings and pins of the workspace

    def snapshot(self, key: str) -> Optional[Snapshot]:
        notebook = self.workspace.get_notebook_document(notebook_uri=key)
        if notebook is not None:
            cells = []
            for cell in notebook.cells:
                document = self._text_document(cell.document)
                if document is None:
                    continue
                language = str(getattr(document.language_id, "value", document.language_id) or "python")
                code = cell.kind == types.NotebookCellKind.Code and language == "python"
                cells.append(Cell(cell.document, code, document.source, document.version or 0))
            return Snapshot(key, self._path(key, ".ipynb"), notebook.version, cells=tuple(cells), notebook=True)
        document = self._text_document(key)
        if document is None:
            return None
        return Snapshot(key, self._path(key, ".py"), document.version or 0, text=document.source)

    # -- analysis --------------------------------------------------------------------------

    async def in_worker(self, function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: function(*args, **kwargs))

    def schedule(self, key: str, delay: float = 0.0) -> None:
        """(Re)analyse a document after `delay`; a newer request replaces a pending one."""
        pending = self.tasks.get(key)
        if pending is not None and not pending.done():
            pending.cancel()
        self.tasks[key] = asyncio.get_running_loop().create_task(self._refresh_later(key, delay))

    async def _refresh_later(self, key: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        await self.refresh(key)

    async def refresh(self, key: str) -> Optional[Analysis]:
        """The current analysis of a document (computed again only if something it
        depends on changed), published if it is new; None if the document is closed."""
        snapshot = self.snapshot(key)
        if snapshot is None:
            return None
        previous = self.analyses.get(key)
        analysis = await self.in_worker(self.analyser.current, snapshot, previous)
        if self.snapshot(key) != snapshot:
            return analysis  # changed meanwhile: its own refresh publishes the newer text
        if analysis is not previous:
            self.analyses[key] = analysis
            self._report(analysis)
            self.publish(analysis, previous)
        return analysis

    def forget(self, key: str, uris: Sequence[str]) -> None:
        pending = self.tasks.pop(key, None)
        if pending is not None:
            pending.cancel()
        self.analyses.pop(key, None)
        for uri in uris:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def _report(self, analysis: Analysis) -> None:
        if analysis.crash is not None:
            self.log(
                types.MessageType.Error,
                f"migrator: checking {analysis.snapshot.path} failed (please report this):\n{analysis.crash}",
            )
        for problem in analysis.problems:
            if problem.message.startswith("configuration error") and problem.message not in self._config_errors:
                self._config_errors.add(problem.message)
                self.log(types.MessageType.Error, f"migrator: {problem.message}")

    def log(self, kind: types.MessageType, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    # -- diagnostics -------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        encoding = self.workspace.position_encoding or UTF16
        return str(encoding.value if isinstance(encoding, enum.Enum) else encoding)

    def position(self, lines: Sequence[str], line: int, column: int) -> types.Position:
        """0-based line and character column -> the client's position."""
        if 0 <= line < len(lines):
            return types.Position(line=line, character=to_client_column(lines[line], column, self.encoding))
        return types.Position(line=line, character=column)

    def range_of(self, lines: Sequence[str], where: Location) -> types.Range:
        return types.Range(
            start=self.position(lines, where.line - 1, where.column - 1),
            end=self.position(lines, where.end_line - 1, where.end_column - 1),
        )

    def diagnostic(self, finding: Finding, lines: Sequence[str]) -> types.Diagnostic:
        message = finding.message
        if finding.advice:
            message += f"\nhelp: {finding.advice}"
        return types.Diagnostic(
            range=self.range_of(lines, finding.location),
            message=message,
            severity=types.DiagnosticSeverity.Warning,
            code=finding.code,
            code_description=types.CodeDescription(href=rule_url(finding.code)),
            source=SOURCE,
            data={"fix": finding.fix.value},
        )

    def problem_diagnostic(self, problem: Problem, lines: Sequence[str]) -> types.Diagnostic:
        width = len(lines[problem.line]) if problem.line < len(lines) else 0
        column = min(problem.column, width)
        return types.Diagnostic(
            range=types.Range(
                start=self.position(lines, problem.line, column),
                end=self.position(lines, problem.line, min(column + 1, width)),
            ),
            message=problem.message,
            severity=types.DiagnosticSeverity.Error,
            source=SOURCE,
        )

    def publish(self, analysis: Analysis, previous: Optional[Analysis] = None) -> None:
        snapshot = analysis.snapshot
        versions = {cell.uri: cell.version for cell in snapshot.cells} or {snapshot.key: snapshot.version}
        uris = list(snapshot.uris)
        if previous is not None:  # cells that went away, or stopped being Python code
            uris.extend(uri for uri in previous.snapshot.uris if uri not in uris)
        for uri in uris:
            lines = lines_of(snapshot.text_of(uri) or "")
            diagnostics = [self.diagnostic(finding, lines) for finding in analysis.in_document(uri)]
            diagnostics.extend(self.problem_diagnostic(p, lines) for p in analysis.problems if p.uri == uri)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=versions.get(uri))
            )

    # -- code actions --------------------------------------------------------------------------

    def lazy_edits(self) -> bool:
        """Whether the client resolves an action's edit when it is chosen (`codeAction/resolve`)."""
        properties = get_capability(self.client_capabilities, "text_document.code_action.resolve_support.properties", [])
        return "edit" in properties

    async def code_actions(self, params: types.CodeActionParams) -> Optional[list[types.CodeAction]]:
        uri = params.text_document.uri
        key = self.key_of(uri)
        analysis = await self.refresh(key) if key is not None else None
        if key is None or analysis is None or analysis.settings is None:
            return None
        only = params.context.only

        def wanted(kind: str) -> bool:
            return only is None or any(kind == str(o) or kind.startswith(f"{o}.") for o in only)

        lines = lines_of(analysis.snapshot.text_of(uri) or "")
        start = _character(lines, params.range.start, self.encoding)
        end = _character(lines, params.range.end, self.encoding)
        actions: list[types.CodeAction] = []
        quickfix = str(types.CodeActionKind.QuickFix.value)
        for finding in analysis.in_document(uri) if wanted(quickfix) else ():
            where = finding.location
            if (where.end_line - 1, where.end_column - 1) < start or end < (where.line - 1, where.column - 1):
                continue
            diagnostic = self.diagnostic(finding, lines)
            if finding.fix is Applicability.SAFE:
                actions.append(self._action(f"Fix: {finding.message}", quickfix, "fix", analysis, uri, finding, diagnostic, preferred=True))
            elif finding.fix is Applicability.UNSAFE and analysis.settings.unsafe_fixes:
                actions.append(self._action(f"Fix (unsafe): {finding.message}", quickfix, "unsafe", analysis, uri, finding, diagnostic))
            if finding.code != UNUSED_CODE:
                actions.append(self._action(f"Ignore {finding.code} for this line", quickfix, "ignore", analysis, uri, finding, diagnostic))
        safe = any(placed.finding.fix is Applicability.SAFE for placed in analysis.findings)
        if safe and wanted(FIX_ALL):
            actions.append(self._action("Fix all safely fixable migrator findings", FIX_ALL, "fixAll", analysis, uri))
        if self.lazy_edits():
            return actions
        resolved = [await self.resolve(action) for action in actions]
        return [action for action in resolved if action.edit is not None]

    def _action(
        self,
        title: str,
        kind: str,
        what: str,
        analysis: Analysis,
        uri: str,
        finding: Optional[Finding] = None,
        diagnostic: Optional[types.Diagnostic] = None,
        *,
        preferred: bool = False,
    ) -> types.CodeAction:
        data: dict[str, Any] = {"key": analysis.snapshot.key, "uri": uri, "version": analysis.snapshot.version, "action": what}
        if finding is not None:
            where = finding.location
            data.update(code=finding.code, location=[where.line, where.column, where.end_line, where.end_column])
        return types.CodeAction(
            title=title,
            kind=kind,
            diagnostics=[diagnostic] if diagnostic is not None else None,
            is_preferred=True if preferred else None,
            data=data,
        )

    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        """Fill in the action's edit, computed on the current text (none if it changed
        since the action was offered, or nothing would change)."""
        data = action.data
        if not isinstance(data, dict) or not isinstance(data.get("key"), str):
            return action
        analysis = await self.refresh(data["key"])
        if analysis is None or analysis.snapshot.version != data.get("version"):
            return action
        what = data.get("action")
        finding = _finding_at(analysis, data)
        try:
            if what == "fixAll":
                changes = await self.in_worker(self.analyser.fixed, analysis)
            elif finding is None:
                return action
            elif what in ("fix", "unsafe"):
                changes = await self.in_worker(self.analyser.fixed, analysis, finding, unsafe=what == "unsafe")
            elif what == "ignore":
                changes = await self.in_worker(self.analyser.ignored, analysis, str(data["uri"]), finding)
            else:
                return action
        except Exception:
            self.log(
                types.MessageType.Error,
                f"migrator: {action.title!r} failed on {analysis.snapshot.path} (please report this):\n"
                + traceback.format_exc(),
            )
            return action
        if changes:
            action.edit = self.workspace_edit(analysis.snapshot, changes)
        return action

    def workspace_edit(self, snapshot: Snapshot, changes: dict[str, tuple[str, str]]) -> types.WorkspaceEdit:
        versions = {cell.uri: cell.version for cell in snapshot.cells} or {snapshot.key: snapshot.version}
        edits: dict[str, list[types.TextEdit]] = {}
        for uri in sorted(changes, key=lambda uri: list(versions).index(uri) if uri in versions else 0):
            old, new = changes[uri]
            lines = lines_of(old)
            edits[uri] = [
                types.TextEdit(
                    range=types.Range(start=self.position(lines, *start), end=self.position(lines, *end)),
                    new_text=text,
                )
                for start, end, text in text_edits(old, new)
            ]
        if get_capability(self.client_capabilities, "workspace.workspace_edit.document_changes", False):
            document_changes: list[Union[types.TextDocumentEdit, types.CreateFile, types.RenameFile, types.DeleteFile]] = [
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=versions.get(uri)),
                    edits=list(text_edits_),
                )
                for uri, text_edits_ in edits.items()
            ]
            return types.WorkspaceEdit(document_changes=document_changes)
        return types.WorkspaceEdit(changes=dict(edits.items()))

    # -- settings and watched files ------------------------------------------------------------

    async def set_client_settings(self, raw: object) -> None:
        overrides, unknown = client_overrides(raw, self.analyser.pack)
        if unknown:
            self.log(types.MessageType.Warning, f"migrator: ignoring unknown settings: {', '.join(sorted(unknown))}")
        await self.in_worker(self.analyser.set_overrides, overrides)
        self.analyses.clear()
        self.refresh_all()

    def refresh_all(self) -> None:
        keys = {*self.analyses, *self.tasks}
        for key in keys:
            self.schedule(key)

    async def files_changed(self, params: types.DidChangeWatchedFilesParams) -> None:
        changed = {os.path.abspath(to_fs_path(event.uri) or "") for event in params.changes}
        if any(os.path.basename(path) == "pyproject.toml" for path in changed):
            await self.in_worker(self.analyser.reload_settings)
        await self._stale(changed, folders=True)

    async def saved(self, uri: str) -> None:
        """A document was saved: the others may import it (checked again if they read it;
        the rest only if something they read has a new stamp), and it is checked again."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            await self._stale({os.path.abspath(path)}, folders=False)
        else:
            self.refresh_all()
        key = self.key_of(uri)
        if key is not None:
            self.schedule(key)

    async def _stale(self, paths: set[str], *, folders: bool) -> None:
        """The client says these files changed on disk: every analysis that read one (with
        `folders`: or searched the folder of one, which may have just appeared) is stale,
        and so is what the rule pack remembers of them, even when a rewrite kept their size
        and mtime (the stamps that would say otherwise)."""
        await self.in_worker(self.analyser.forget, paths)
        if folders:
            paths = paths | {os.path.dirname(path) for path in paths}
        for key, analysis in list(self.analyses.items()):
            if any(path in paths for path, _ in analysis.stamps):
                del self.analyses[key]
        self.refresh_all()

    async def register_watchers(self) -> None:
        if not get_capability(self.client_capabilities, "workspace.did_change_watched_files.dynamic_registration", False):
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
        )
        registration = types.Registration(
            id="migrator-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
        )
        try:
            await self.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception as error:  # the client said no: settings are still read on every change
            self.log(types.MessageType.Warning, f"migrator: cannot watch files: {error}")


def _character(lines: Sequence[str], position: types.Position, encoding: str) -> tuple[int, int]:
    if 0 <= position.line < len(lines):
        return position.line, from_client_column(lines[position.line], position.character, encoding)
    return position.line, position.character


def _finding_at(analysis: Analysis, data: dict[str, Any]) -> Optional[Finding]:
    where = data.get("location")
    if not isinstance(where, list) or len(where) != 4:
        return None
    location = Location(*(int(value) for value in where))
    for finding in analysis.in_document(str(data.get("uri"))):
        if finding.code == data.get("code") and finding.location == location:
            return finding
    return None
