"""The migrated notebooks still run: their code cells, in order, against a chat-only server.

The real `openai` package talks to a tiny HTTP server on 127.0.0.1 that knows only
`/chat/completions` (OpenAI and Azure paths), so the legacy notebook fails and the
migrated one works. Masked IPython lines run as their placeholders (`pass`, `x = ...`);
a cell that does not parse is skipped, as it would fail in Jupyter too.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from migrator.notebook import python_source

NOTEBOOKS = Path(__file__).parent / "notebooks"


class _ChatOnly(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict[str, Any]]]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        path = self.path.split("?", 1)[0]
        self.requests.append((path, body))
        if not path.endswith("/chat/completions") or "prompt" in body or not body.get("messages"):
            self._send(404, {"error": {"message": f"not served: {path}", "type": "invalid_request_error"}})
            return
        content = "echo: " + str(body["messages"][-1]["content"])
        self._send(
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": body.get("model", "unknown"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                        "logprobs": None,
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    requests: list[tuple[str, dict[str, Any]]] = []
    handler = type("Handler", (_ChatOnly,), {"requests": requests})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def execute(notebook: Path) -> str:
    """Run the code cells in order in one namespace, as a kernel would; return stdout."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    output = io.StringIO()
    for cell in json.loads(notebook.read_bytes())["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = python_source("".join(cell["source"]))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        with contextlib.redirect_stdout(output):
            exec(compile(tree, f"<{notebook.name}>", "exec"), namespace)
    return output.getvalue()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, server: tuple[str, Any]) -> str:
    pytest.importorskip("openai")
    url, _ = server
    for name, value in {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": f"{url}/v1",
        "AZURE_OPENAI_API_KEY": "azure-test",
        "AZURE_OPENAI_ENDPOINT": url,
        "OPENAI_MAX_RETRIES": "0",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("VERBOSE", raising=False)
    monkeypatch.delenv("OPENAI_ORG_ID", raising=False)
    return url


def test_migrated_openai_notebook_runs(environment: str, server: tuple[str, list[Any]]) -> None:
    printed = execute(NOTEBOOKS / "crlf_single_string.expected.ipynb")
    # Python reads the CRLF inside the triple-quoted string as "\n", as Jupyter does.
    assert printed == "→ echo: Translate to French:\n!important: keep the tone\nCafé au lait\n"
    _, requests = server
    assert [(path, body["model"]) for path, body in requests] == [("/v1/chat/completions", "gpt-4o-mini")]
    assert requests[0][1]["max_completion_tokens"] == 16


def test_migrated_azure_notebook_runs(environment: str, server: tuple[str, list[Any]]) -> None:
    printed = execute(NOTEBOOKS / "azure_across_cells.expected.ipynb")
    assert printed == "echo: Résume : Les élèves ont étudié ☃\n"
    _, requests = server
    assert [path for path, _ in requests] == ["/openai/deployments/my-deployment/chat/completions"]


def test_the_legacy_notebook_does_not_run(environment: str) -> None:
    import openai

    # The server is the same one: the migrated notebook runs because it was migrated.
    with pytest.raises(openai.NotFoundError):
        execute(NOTEBOOKS / "crlf_single_string.ipynb")
