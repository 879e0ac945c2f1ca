"""The fake server itself: a lenient validator or a misshapen stream would let broken
migrations pass the end-to-end tests, so both are pinned here (no SDK needed)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from .fake_server import FakeOpenAI, serve, validate_chat_body, validate_responses_body

pytestmark = pytest.mark.e2e

VALID: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def test_a_minimal_chat_body_is_valid() -> None:
    assert validate_chat_body(VALID) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"prompt": "hi"}, "completions-only parameter 'prompt'"),
        ({"echo": False}, "completions-only parameter 'echo'"),
        ({"suffix": "x"}, "completions-only parameter 'suffix'"),
        ({"best_of": 2}, "completions-only parameter 'best_of'"),
        ({"logprobs": 1}, "logprobs must be a boolean"),
        ({"logprobs": True, "top_logprobs": True}, "top_logprobs must be an integer"),
        ({"top_logprobs": 2}, "top_logprobs requires logprobs=true"),
        ({"model": "text-davinci-003"}, "is not a chat model"),
        ({"model": "gpt-3.5-turbo-instruct"}, "is not a chat model"),
        ({"messages": "hi"}, "messages must be a non-empty list"),
        ({"messages": [{"role": "user"}]}, "content is None"),
        ({"messages": [{"role": "human", "content": "hi"}]}, "has role 'human'"),
        ({"max_token": 5}, "unrecognized request argument 'max_token'"),
        ({"stream_options": {"include_usage": True}}, "only allowed with stream=true"),
    ],
)
def test_the_validator_rejects(change: dict[str, Any], expected: str) -> None:
    problems = validate_chat_body({**VALID, **change})
    assert any(expected in problem for problem in problems), problems


def test_the_validator_uses_the_given_sdk_signature() -> None:
    body = {**VALID, "moderation": {}}
    assert validate_chat_body(body) == []
    assert validate_chat_body(body, frozenset({"model", "messages"})) == [
        "unrecognized request argument 'moderation'"
    ]


def _post(server: FakeOpenAI, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://{server.host}:{server.port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        # No proxy: a developer's http_proxy must not intercept 127.0.0.1.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _events(payload: bytes) -> list[Any]:
    data = [line[len("data: ") :] for line in payload.decode().split("\n\n") if line]
    assert data[-1] == "[DONE]"
    return [json.loads(item) for item in data[:-1]]


def test_chat_stream_is_shaped_like_the_api() -> None:
    body = {**VALID, "stream": True, "n": 2, "stream_options": {"include_usage": True}}
    with serve() as server:
        status, payload = _post(server, "/v1/chat/completions", body)
    assert status == 200
    events = _events(payload)
    firsts = [event["choices"][0] for event in events[:2]]
    assert [choice["delta"] for choice in firsts] == [{"role": "assistant", "content": ""}] * 2
    lasts = [event["choices"][0] for event in events[-3:-1]]
    assert [(choice["delta"], choice["finish_reason"]) for choice in lasts] == [({}, "stop")] * 2
    assert events[-1]["choices"] == [] and events[-1]["usage"]["total_tokens"] > 0
    assert all(event["object"] == "chat.completion.chunk" for event in events)


def test_both_endpoints_give_the_same_text_for_the_same_input() -> None:
    with serve() as server:
        _, legacy = _post(
            server,
            "/v1/completions",
            {"model": "gpt-3.5-turbo-instruct", "prompt": "hi there", "n": 2, "max_tokens": 3},
        )
        _, chat = _post(
            server,
            "/v1/chat/completions",
            {
                **VALID,
                "messages": [{"role": "user", "content": "hi there"}],
                "n": 2,
                "max_completion_tokens": 3,
            },
        )
        requests = server.snapshot()
    texts = [choice["text"] for choice in json.loads(legacy)["choices"]]
    assert texts == [c["message"]["content"] for c in json.loads(chat)["choices"]]
    assert texts == ["reply0: there hi", "reply1: there hi"]
    assert [request.endpoint for request in requests] == ["completions", "chat"]


def test_azure_paths_need_an_api_version() -> None:
    with serve() as server:
        missing, _ = _post(server, "/openai/deployments/bot/chat/completions", VALID)
        ok, _ = _post(
            server, "/openai/deployments/bot/chat/completions?api-version=2024-06-01", VALID
        )
        requests = server.snapshot()
    assert (missing, ok) == (404, 200)
    assert requests[-1].deployment == "bot" and requests[-1].query == {
        "api-version": ["2024-06-01"]
    }


def test_a_legacy_model_on_chat_is_a_404_like_the_api() -> None:
    with serve() as server:
        status, payload = _post(server, "/v1/chat/completions", {**VALID, "model": "davinci-002"})
    assert status == 404 and b"not a chat model" in payload


# --------------------------------------------------------------------------- responses

RESPONSE: dict[str, Any] = {"model": "gpt-4o-mini", "input": "hi there", "store": False}


def test_a_minimal_responses_body_is_valid() -> None:
    assert validate_responses_body(RESPONSE) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"n": 2}, "Unknown parameter: 'n'"),
        ({"stop": ["\n"]}, "Unknown parameter: 'stop'"),
        ({"max_tokens": 20}, "Unknown parameter: 'max_tokens'"),
        ({"messages": []}, "Unknown parameter: 'messages'"),
        ({"logprobs": 2}, "Unknown parameter: 'logprobs'"),
        ({"prompt": "hi"}, "prompt must be a prompt template object"),
        ({"store": True}, "store must be false"),
        ({"max_output_tokens": 15}, "Expected a value >= 16, but got 15"),
        ({"top_logprobs": 2}, "top_logprobs returns nothing without include"),
        ({"top_logprobs": 21, "include": ["message.output_text.logprobs"]}, "within 0..20"),
        ({"include": ["logprobs"]}, "include must list known includables"),
        ({"stream_options": {"include_obfuscation": False}}, "only allowed with stream=true"),
        ({"stream": True, "stream_options": {"include_usage": True}}, "include_obfuscation only"),
        ({"model": "text-davinci-003"}, "not supported by the Responses API"),
    ],
)
def test_the_responses_validator_rejects(change: dict[str, Any], expected: str) -> None:
    problems = validate_responses_body({**RESPONSE, **change})
    assert any(expected in problem for problem in problems), problems


def test_store_must_be_sent_and_unknown_fields_are_a_400() -> None:
    body = {key: value for key, value in RESPONSE.items() if key != "store"}
    with serve() as server:
        missing, payload = _post(server, "/v1/responses", body)
        unknown, _ = _post(server, "/v1/responses", {**RESPONSE, "seed": 1})
        ok, _ = _post(server, "/v1/responses", RESPONSE)
    assert (missing, unknown, ok) == (400, 400, 200)
    assert b"store must be false" in payload


def _named_events(payload: bytes) -> list[tuple[str, Any]]:
    found = []
    for block in payload.decode().split("\n\n"):
        if not block:
            continue
        name, data = block.split("\n")
        assert name.startswith("event: ") and data.startswith("data: ")
        found.append((name[len("event: ") :], json.loads(data[len("data: ") :])))
    return found


def test_a_responses_stream_is_shaped_like_the_api() -> None:
    with serve() as server:
        status, payload = _post(server, "/v1/responses", {**RESPONSE, "stream": True})
    assert status == 200
    events = _named_events(payload)
    types = [name for name, _ in events]
    deltas = types.count("response.output_text.delta")
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert all(data["type"] == name for name, data in events)
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    text = "".join(data["delta"] for name, data in events if name == "response.output_text.delta")
    final = events[-1][1]["response"]
    assert final["status"] == "completed" and final["store"] is False
    assert final["output"][0]["content"][0]["text"] == text == "reply0: there hi done."
    assert final["usage"]["output_tokens"] == deltas


def test_a_cut_response_is_incomplete_like_the_api() -> None:
    body = {**RESPONSE, "input": "Talk at length about the sea and the sky", "max_output_tokens": 16}
    with serve() as server:
        _, whole = _post(server, "/v1/responses", body)
        _, streamed = _post(server, "/v1/responses", {**body, "stream": True})
    response = json.loads(whole)
    assert response["status"] == "incomplete"
    assert response["incomplete_details"] == {"reason": "max_output_tokens"}
    assert response["usage"]["output_tokens"] == 16
    assert _named_events(streamed)[-1][0] == "response.incomplete"


def test_responses_and_completions_give_the_same_text() -> None:
    with serve() as server:
        _, legacy = _post(server, "/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "hi there"})
        _, response = _post(
            server,
            "/v1/responses",
            {**RESPONSE, "include": ["message.output_text.logprobs"], "top_logprobs": 1},
        )
    part = json.loads(response)["output"][0]["content"][0]
    assert part["text"] == json.loads(legacy)["choices"][0]["text"]
    assert [entry["token"] for entry in part["logprobs"]] == ["reply0:", " there", " hi", " done."]
    assert all(len(entry["top_logprobs"]) == 1 for entry in part["logprobs"])


def test_azure_responses_need_a_recent_api_version() -> None:
    with serve() as server:
        old, payload = _post(server, "/openai/responses?api-version=2024-06-01", {**RESPONSE, "model": "bot"})
        ok, _ = _post(server, "/openai/responses?api-version=2025-03-01-preview", {**RESPONSE, "model": "bot"})
        requests = server.snapshot()
    assert (old, ok) == (400, 200)
    assert b"2025-03-01-preview" in payload
    assert [r.endpoint for r in requests] == ["responses", "responses"] and requests[-1].deployment == "bot"
