"""A fake OpenAI HTTP API on 127.0.0.1 for the end-to-end tests.

It answers the legacy Completions endpoint, Chat Completions and the Responses API
(OpenAI and Azure paths, JSON and SSE) with text that is a pure function of the request:
the prompt (or the last user message, or the input), the choice index, `stop` and the
token budget. A legacy program
and its migrated twin therefore print the same thing exactly when the migration kept the
meaning of the call. Chat bodies are checked the way the real endpoint checks them (and a
bit stricter), and every request is recorded for the test to inspect.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, unquote, urlsplit

CREATED = 1_700_000_000

# Body keys `chat.completions.create` can put on the wire: the parameters of the method in
# the newest SDK (mapping §2.2) minus the four that never reach the JSON body
# (`extra_headers`, `extra_query`, `extra_body`, `timeout`).
CHAT_BODY_KEYS: frozenset[str] = frozenset(
    {
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "messages",
        "metadata",
        "modalities",
        "model",
        "moderation",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    }
)

COMPLETIONS_ONLY_KEYS: frozenset[str] = frozenset({"prompt", "echo", "suffix", "best_of"})

MESSAGE_ROLES: frozenset[str] = frozenset(
    {"system", "developer", "user", "assistant", "tool", "function"}
)

# Models served only by `/v1/completions` (mapping §5); the chat endpoint answers them with 404.
_LEGACY_MODEL = re.compile(
    r"""^(?:
        ft:(?:davinci|babbage)-002(?::.*)?
      | (?:ada|babbage|curie|davinci)(?:-instruct-beta|-002|-codex)?
      | cushman-codex
      | text-(?:ada|babbage|curie|davinci)-\d{3}
      | text-davinci-(?:insert|edit)-\d{3}
      | code-(?:davinci|cushman)(?:-edit)?-\d{3}
      | gpt-3\.5-turbo-instruct(?:-\d{4})?
      | gpt-35-turbo-instruct(?:-\d{4})?
    )$""",
    re.VERBOSE,
)


def is_legacy_model(model: object) -> bool:
    return isinstance(model, str) and bool(_LEGACY_MODEL.match(model))


# --------------------------------------------------------------------------- validation


def validate_chat_body(body: object, allowed_keys: Optional[frozenset[str]] = None) -> list[str]:
    """Problems with a `/chat/completions` request body; empty when the body is valid.

    `allowed_keys` narrows the accepted parameters to one SDK's signature (the test passes
    what it introspected from the SDK under test); by default the newest SDK's set is used.
    """
    if not isinstance(body, dict):
        return [f"body is {type(body).__name__}, not a JSON object"]
    problems: list[str] = []
    allowed = CHAT_BODY_KEYS if allowed_keys is None else allowed_keys
    for key in sorted(body):
        if key in COMPLETIONS_ONLY_KEYS:
            problems.append(f"completions-only parameter {key!r}")
        elif key not in allowed:
            problems.append(f"unrecognized request argument {key!r}")
    for required in ("model", "messages"):
        if required not in body:
            problems.append(f"missing required parameter {required!r}")
    model = body.get("model")
    if "model" in body and not isinstance(model, str):
        problems.append(f"model must be a string, got {model!r}")
    if is_legacy_model(model):
        problems.append(f"{model!r} is not a chat model (served only by /v1/completions)")
    messages = body.get("messages")
    if "messages" in body:
        if not isinstance(messages, list) or not messages:
            problems.append(f"messages must be a non-empty list, got {messages!r}")
        else:
            for position, message in enumerate(messages):
                problems.extend(_message_problems(position, message))
    logprobs = body.get("logprobs")
    if logprobs is not None and not isinstance(logprobs, bool):
        problems.append(f"logprobs must be a boolean on chat, got {logprobs!r}")
    top_logprobs = body.get("top_logprobs")
    if top_logprobs is not None:
        if isinstance(top_logprobs, bool) or not isinstance(top_logprobs, int):
            problems.append(f"top_logprobs must be an integer, got {top_logprobs!r}")
        elif not 0 <= top_logprobs <= 20:
            problems.append(f"top_logprobs must be within 0..20, got {top_logprobs}")
        elif logprobs is not True:
            problems.append("top_logprobs requires logprobs=true")
    if body.get("stream_options") is not None and body.get("stream") is not True:
        problems.append("stream_options is only allowed with stream=true")
    for key in ("n", "max_tokens", "max_completion_tokens"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{key} must be an integer, got {value!r}")
    return problems


def _message_problems(position: int, message: object) -> list[str]:
    if not isinstance(message, dict):
        return [f"messages[{position}] is not an object: {message!r}"]
    problems: list[str] = []
    if message.get("role") not in MESSAGE_ROLES:
        problems.append(f"messages[{position}] has role {message.get('role')!r}")
    content = message.get("content")
    if isinstance(content, list):
        if not all(isinstance(part, dict) and "type" in part for part in content):
            problems.append(f"messages[{position}] has malformed content parts")
    elif not isinstance(content, str) and not (
        content is None and message.get("role") == "assistant"
    ):
        problems.append(f"messages[{position}].content is {content!r}, not text")
    return problems


def validate_completions_body(body: object) -> list[str]:
    if not isinstance(body, dict):
        return [f"body is {type(body).__name__}, not a JSON object"]
    problems = [
        f"missing required parameter {key!r}" for key in ("model", "prompt") if key not in body
    ]
    if "messages" in body:
        problems.append("'messages' is a chat parameter")
    return problems


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Choice:
    index: int
    tokens: tuple[str, ...]
    finish_reason: str

    @property
    def text(self) -> str:
        return "".join(self.tokens)


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9']+", text)


def reply_tokens(prompt: str, index: int) -> list[str]:
    """The full (unbudgeted) answer to `prompt` as choice `index`, split into tokens."""
    words = [word.lower() for word in _words(prompt)] or ["nothing"]
    # A prompt that asks for an answer "at length" gets one longer than the least budget
    # the Responses API accepts (16 tokens), so that budgets can cut it on every endpoint.
    kept = (words * 4)[:30] if "at length" in prompt.lower() else words[-8:]
    # Reversed so that a reply cannot be mistaken for the prompt being echoed back.
    answer = [f"reply{index}:", *reversed(kept), "done."]
    return [answer[0], *(" " + word for word in answer[1:])]


def _stop_sequences(stop: object) -> list[str]:
    if isinstance(stop, str):
        return [stop]
    if isinstance(stop, list):
        return [item for item in stop if isinstance(item, str) and item]
    return []


def make_choices(prompt: str, body: Mapping[str, Any], budget_key: str) -> list[Choice]:
    n = body.get("n") or 1
    budget = body.get(budget_key)
    stops = _stop_sequences(body.get("stop"))
    choices = []
    for index in range(n):
        tokens = reply_tokens(prompt, index)
        finish = "stop"
        if isinstance(budget, int) and budget < len(tokens):
            tokens, finish = tokens[:budget], "length"
        text = "".join(tokens)
        cut = min((text.find(stop) for stop in stops if stop in text), default=-1)
        if cut >= 0:
            # Keep whole tokens before the stop sequence plus the partial one, as the API does.
            kept: list[str] = []
            for token in tokens:
                room = cut - len("".join(kept))
                if room <= 0:
                    break
                kept.append(token[:room])
            tokens, finish = kept, "stop"
        choices.append(Choice(index, tuple(tokens), finish))
    return choices


def token_logprob(token: str) -> float:
    return -round((len(token.strip()) % 7 + 1) / 8, 3)


def _alternatives(token: str, count: int) -> list[tuple[str, float]]:
    # The sampled token first, then made-up runners-up: legacy `logprobs=k` and chat
    # `top_logprobs=k` yield the same pairs, so equivalent rewrites print the same.
    own = token_logprob(token)
    return [(token, own)] + [(f"{token.strip()}#{rank}", own - rank) for rank in range(1, count)]


def legacy_logprobs(tokens: tuple[str, ...], count: int, offset: int) -> dict[str, Any]:
    offsets, position = [], offset
    for token in tokens:
        offsets.append(position)
        position += len(token)
    return {
        "tokens": list(tokens),
        "token_logprobs": [token_logprob(token) for token in tokens],
        "top_logprobs": [dict(_alternatives(token, count)) for token in tokens],
        "text_offset": offsets,
    }


def chat_logprobs(tokens: tuple[str, ...], count: int) -> dict[str, Any]:
    # Unlike legacy `logprobs=0`, chat `top_logprobs=0` lists no alternative at all, not
    # even the sampled token (mapping §3.5).
    return {
        "content": [
            {
                "token": token,
                "logprob": token_logprob(token),
                "bytes": list(token.encode()),
                "top_logprobs": [
                    {"token": alt, "logprob": lp, "bytes": list(alt.encode())}
                    for alt, lp in _alternatives(token, count)[:count]
                ],
            }
            for token in tokens
        ],
        "refusal": None,
    }


def _count_tokens(text: str) -> int:
    return len(_words(text))


def usage(prompt_tokens: int, choices: list[Choice]) -> dict[str, int]:
    completion_tokens = sum(len(choice.tokens) for choice in choices)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _response_id(prefix: str, body: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:24]
    return f"{prefix}-{digest}"


def _sse(events: list[dict[str, Any]]) -> bytes:
    lines = [f"data: {json.dumps(event)}\n\n" for event in events]
    lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def _include_usage(body: Mapping[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))


def completions_response(body: Mapping[str, Any], model: str) -> tuple[str, bytes]:
    """(content type, payload) for a legacy `/completions` request."""
    prompt = body["prompt"]
    prompt_text = prompt if isinstance(prompt, str) else " ".join(map(str, prompt))
    choices = make_choices(prompt_text, body, "max_tokens")
    logprobs = body.get("logprobs")
    base = {
        "id": _response_id("cmpl", body),
        "object": "text_completion",
        "created": CREATED,
        "model": model,
    }
    prompt_tokens = _count_tokens(prompt_text)
    if not body.get("stream"):
        payload = {
            **base,
            "choices": [
                {
                    "text": choice.text,
                    "index": choice.index,
                    "logprobs": None
                    if logprobs is None
                    else legacy_logprobs(choice.tokens, logprobs, 0),
                    "finish_reason": choice.finish_reason,
                }
                for choice in choices
            ],
            "usage": usage(prompt_tokens, choices),
        }
        return "application/json", json.dumps(payload).encode()
    events: list[dict[str, Any]] = []
    with_usage = _include_usage(body)
    for step in range(max(len(choice.tokens) for choice in choices) + 1):
        for choice in choices:
            if step > len(choice.tokens):
                continue
            last = step == len(choice.tokens)
            token = "" if last else choice.tokens[step]
            offset = len("".join(choice.tokens[:step]))
            event_choice = {
                "text": token,
                "index": choice.index,
                "logprobs": None
                if logprobs is None or last
                else legacy_logprobs((token,), logprobs, offset),
                "finish_reason": choice.finish_reason if last else None,
            }
            events.append(
                {**base, "choices": [event_choice], **({"usage": None} if with_usage else {})}
            )
    if with_usage:
        events.append({**base, "choices": [], "usage": usage(prompt_tokens, choices)})
    return "text/event-stream", _sse(events)


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def chat_response(body: Mapping[str, Any], model: str) -> tuple[str, bytes]:
    """(content type, payload) for a valid `/chat/completions` request."""
    messages = body["messages"]
    budget_key = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
    choices = make_choices(_last_user_text(messages), body, budget_key)
    top = body.get("top_logprobs") or 0
    want_logprobs = body.get("logprobs") is True
    prompt_tokens = sum(
        _count_tokens(message["content"])
        for message in messages
        if isinstance(message, dict) and isinstance(message.get("content"), str)
    )
    identifier = _response_id("chatcmpl", body)
    if not body.get("stream"):
        payload = {
            "id": identifier,
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": [
                {
                    "index": choice.index,
                    "message": {"role": "assistant", "content": choice.text, "refusal": None},
                    "logprobs": chat_logprobs(choice.tokens, top) if want_logprobs else None,
                    "finish_reason": choice.finish_reason,
                }
                for choice in choices
            ],
            "usage": usage(prompt_tokens, choices),
            "system_fingerprint": "fp_fake",
        }
        return "application/json", json.dumps(payload).encode()
    with_usage = _include_usage(body)
    base = {
        "id": identifier,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "system_fingerprint": "fp_fake",
        **({"usage": None} if with_usage else {}),
    }

    def chunk(
        index: int, delta: dict[str, Any], finish: Optional[str], lp: Any = None
    ) -> dict[str, Any]:
        return {
            **base,
            "choices": [{"index": index, "delta": delta, "logprobs": lp, "finish_reason": finish}],
        }

    events = [chunk(choice.index, {"role": "assistant", "content": ""}, None) for choice in choices]
    for step in range(max(len(choice.tokens) for choice in choices) + 1):
        for choice in choices:
            if step < len(choice.tokens):
                token = choice.tokens[step]
                lp = chat_logprobs((token,), top) if want_logprobs else None
                events.append(chunk(choice.index, {"content": token}, None, lp))
            elif step == len(choice.tokens):
                events.append(chunk(choice.index, {}, choice.finish_reason))
    if with_usage:
        events.append({**base, "choices": [], "usage": usage(prompt_tokens, choices)})
    return "text/event-stream", _sse(events)


# --------------------------------------------------------------------------- responses

# Body keys `responses.create` can put on the wire: the parameters of the method in the
# newest SDK (3.57.0, `openai/resources/responses/responses.py`) minus the four that never
# reach the JSON body. Note `prompt`: on Responses it names a stored prompt template.
RESPONSES_BODY_KEYS: frozenset[str] = frozenset(
    {
        "access_programs",
        "background",
        "background_options",
        "context_management",
        "conversation",
        "image",
        "include",
        "input",
        "instructions",
        "max_output_tokens",
        "max_tool_calls",
        "metadata",
        "model",
        "moderation",
        "parallel_tool_calls",
        "previous_response_id",
        "prompt",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning",
        "safety_identifier",
        "service_tier",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "text",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "truncation",
        "user",
    }
)
# `ResponseIncludable` in 3.57.0 (`openai/types/responses/response_includable.py`).
RESPONSES_INCLUDABLES: frozenset[str] = frozenset(
    {
        "file_search_call.results",
        "web_search_call.results",
        "web_search_call.action.sources",
        "message.input_image.image_url",
        "computer_call_output.output.image_url",
        "code_interpreter_call.outputs",
        "reasoning.encrypted_content",
        "message.output_text.logprobs",
    }
)
LOGPROBS_INCLUDABLE = "message.output_text.logprobs"
MIN_OUTPUT_TOKENS = 16
# Azure serves `/openai/responses` from this api-version on (older ones answer 400).
AZURE_RESPONSES_API_VERSION = "2025-03-01-preview"


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate_responses_body(
    body: object, allowed_keys: Optional[frozenset[str]] = None, *, azure: bool = False
) -> list[str]:
    """Problems with a `/responses` request body; empty when the body is valid.

    As strict as the API where a migration could go wrong (unknown parameters, the token
    floor, the logprobs options), and stricter in one place: `store` must be false, as a
    migration of the legacy endpoint (which kept nothing) has to send it.
    """
    if not isinstance(body, dict):
        return [f"body is {type(body).__name__}, not a JSON object"]
    problems: list[str] = []
    allowed = RESPONSES_BODY_KEYS if allowed_keys is None else allowed_keys
    for key in sorted(body):
        if key not in allowed:
            problems.append(f"Unknown parameter: {key!r}")
    for required in ("model", "input"):
        if required not in body:
            problems.append(f"missing required parameter {required!r}")
    model = body.get("model")
    if "model" in body and not isinstance(model, str):
        problems.append(f"model must be a string, got {model!r}")
    if not azure and is_legacy_model(model):
        problems.append(f"{model!r} is not supported by the Responses API")
    text = body.get("input")
    if "input" in body and not (isinstance(text, str) and text) and not (isinstance(text, list) and text):
        problems.append(f"input must be a non-empty string or list of items, got {text!r}")
    prompt = body.get("prompt")
    if prompt is not None and not (isinstance(prompt, dict) and isinstance(prompt.get("id"), str)):
        problems.append(f"prompt must be a prompt template object with an id, got {prompt!r}")
    if body.get("store") is not False:
        problems.append(f"store must be false (the legacy endpoint kept nothing), got {body.get('store')!r}")
    budget = body.get("max_output_tokens")
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, int):
            problems.append(f"max_output_tokens must be an integer, got {budget!r}")
        elif budget < MIN_OUTPUT_TOKENS:
            problems.append(
                f"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= "
                f"{MIN_OUTPUT_TOKENS}, but got {budget} instead."
            )
    for key, high in (("temperature", 2), ("top_p", 1)):
        value = body.get(key)
        if value is not None and (not _is_number(value) or not 0 <= value <= high):
            problems.append(f"{key} must be a number within 0..{high}, got {value!r}")
    include = body.get("include")
    if include is not None:
        if not isinstance(include, list) or not all(item in RESPONSES_INCLUDABLES for item in include):
            problems.append(f"include must list known includables, got {include!r}")
    top_logprobs = body.get("top_logprobs")
    if top_logprobs is not None:
        if isinstance(top_logprobs, bool) or not isinstance(top_logprobs, int) or not 0 <= top_logprobs <= 20:
            problems.append(f"top_logprobs must be an integer within 0..20, got {top_logprobs!r}")
        elif not isinstance(include, list) or LOGPROBS_INCLUDABLE not in include:
            problems.append(f"top_logprobs returns nothing without include={[LOGPROBS_INCLUDABLE]!r}")
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        problems.append(f"stream must be a boolean, got {stream!r}")
    options = body.get("stream_options")
    if options is not None:
        if stream is not True:
            problems.append("stream_options is only allowed with stream=true")
        elif not isinstance(options, dict) or set(options) - {"include_obfuscation"}:
            problems.append(f"stream_options accepts include_obfuscation only, got {options!r}")
    user = body.get("user")
    if user is not None and not isinstance(user, str):
        problems.append(f"user must be a string, got {user!r}")
    return problems


def _input_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return _last_user_text([item for item in value if isinstance(item, dict)])
    return ""


def responses_logprobs(token: str, count: int) -> dict[str, Any]:
    return {
        "token": token,
        "logprob": token_logprob(token),
        "bytes": list(token.encode()),
        "top_logprobs": [
            {"token": alt, "logprob": lp, "bytes": list(alt.encode())}
            for alt, lp in _alternatives(token, count)[:count]
        ],
    }


def _response_sse(events: list[dict[str, Any]]) -> bytes:
    """Responses events as the API streams them: named events, numbered in order, no [DONE]."""
    lines = []
    for number, event in enumerate(events):
        event["sequence_number"] = number
        lines.append(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n")
    return "".join(lines).encode()


def responses_response(body: Mapping[str, Any], model: str) -> tuple[str, bytes]:
    """(content type, payload) for a valid `/responses` request, JSON or an event stream."""
    prompt = _input_text(body["input"])
    choice = make_choices(prompt, {"max_output_tokens": body.get("max_output_tokens")}, "max_output_tokens")[0]
    text = choice.text
    complete = choice.finish_reason == "stop"
    include = body.get("include") or []
    count = body.get("top_logprobs") or 0
    logprobs = (
        [responses_logprobs(token, count) for token in choice.tokens]
        if LOGPROBS_INCLUDABLE in include
        else []
    )
    identifier = _response_id("resp", body).replace("-", "_")
    item_id = "msg_" + identifier[5:]
    input_tokens = _count_tokens(prompt)
    base: dict[str, Any] = {
        "id": identifier,
        "object": "response",
        "created_at": CREATED,
        "status": "in_progress",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": None,
        "model": model,
        "output": [],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": body.get("store"),
        "temperature": body.get("temperature", 1.0),
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": count,
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": None,
        "user": body.get("user"),
        "metadata": {},
    }
    part = {"type": "output_text", "annotations": [], "logprobs": logprobs, "text": text}
    status = "completed" if complete else "incomplete"
    item = {"id": item_id, "type": "message", "status": status, "role": "assistant", "content": [part]}
    final = {
        **base,
        "status": status,
        "incomplete_details": None if complete else {"reason": "max_output_tokens"},
        "output": [item],
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": len(choice.tokens),
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + len(choice.tokens),
        },
    }
    if not body.get("stream"):
        return "application/json", json.dumps(final).encode()
    where = {"item_id": item_id, "output_index": 0, "content_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": base},
        {"type": "response.in_progress", "response": base},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**item, "status": "in_progress", "content": []},
        },
        {"type": "response.content_part.added", **where, "part": {**part, "text": "", "logprobs": []}},
    ]
    for position, token in enumerate(choice.tokens):
        events.append(
            {
                "type": "response.output_text.delta",
                **where,
                "delta": token,
                "logprobs": logprobs[position : position + 1],
            }
        )
    events.append({"type": "response.output_text.done", **where, "text": text, "logprobs": logprobs})
    events.append({"type": "response.content_part.done", **where, "part": part})
    events.append({"type": "response.output_item.done", "output_index": 0, "item": item})
    events.append({"type": "response.completed" if complete else "response.incomplete", "response": final})
    return "text/event-stream", _response_sse(events)


# --------------------------------------------------------------------------- server


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    body: Any
    endpoint: str  # "completions", "chat", "responses" or "unknown"
    deployment: Optional[str]  # Azure deployment name, if the path had one
    status: int
    # openai<1.0 sends `engine=` in the path (`/v1/engines/{engine}/...`), not in the body.
    engine: Optional[str] = None


@dataclass
class FakeOpenAI:
    """The recorded traffic of one fake server; the server thread appends to it."""

    host: str = "127.0.0.1"
    port: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def azure_endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self.requests)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()


_OPENAI_PATH = re.compile(r"^/v1/(?P<endpoint>completions|chat/completions)$")
_AZURE_PATH = re.compile(
    r"^/openai/deployments/(?P<deployment>[^/]+)/(?P<endpoint>completions|chat/completions)$"
)
# The Responses API: `POST /v1/responses`; on Azure `/openai/responses?api-version=...` (the
# SDK does not put it under a deployment: the deployment is the body's `model`).
_RESPONSES_PATH = re.compile(r"^(?:/v1|(?P<azure>/openai))/responses$")
# What openai<1.0 requests when the call names an `engine=` on OpenAI (mapping §1.2).
_ENGINE_PATH = re.compile(
    r"^/v1/engines/(?P<engine>[^/]+)/(?P<endpoint>completions|chat/completions)$"
)


def _error(status: int, message: str, param: Optional[str] = None) -> tuple[int, str, bytes]:
    payload = {
        "error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    }
    return status, "application/json", json.dumps(payload).encode()


def engine_of(path: str) -> Optional[str]:
    """The engine named by an openai<1.0 `/v1/engines/{engine}/...` path, if any."""
    match = _ENGINE_PATH.match(path)
    return unquote(match["engine"]) if match else None


def with_engine_model(body: Any, engine: Optional[str]) -> Any:
    """The body as the server sees it: an engine or Azure deployment in the path names the
    model when the body does not."""
    if engine is None or not isinstance(body, dict) or "model" in body:
        return body
    return {**body, "model": engine}


def _route(
    path: str, query: dict[str, list[str]], body: Any
) -> tuple[int, str, bytes, str, Optional[str]]:
    """Answer a request: status, content type, payload, endpoint kind, deployment."""
    engine_match = _ENGINE_PATH.match(path)
    if engine_match is not None:
        # openai<1.0 pops `engine` from the body into the path; answer as if it were `model`.
        return _route(
            f"/v1/{engine_match['endpoint']}", query, with_engine_model(body, engine_of(path))
        )
    responses = _RESPONSES_PATH.match(path)
    if responses is not None:
        return _route_responses(query, body, azure=responses["azure"] is not None)
    match = _OPENAI_PATH.match(path) or _AZURE_PATH.match(path)
    if match is None:
        return (*_error(404, f"Invalid URL (POST {path})"), "unknown", None)
    endpoint = "chat" if match["endpoint"] == "chat/completions" else "completions"
    deployment = match.groupdict().get("deployment")
    if deployment is not None and "api-version" not in query:
        return (*_error(404, "Resource not found (missing api-version)"), endpoint, deployment)
    # The deployment picks the model, so Azure needs none in the body (openai<1.0 sends none).
    body = with_engine_model(body, deployment)
    if not isinstance(body, dict):
        return (
            *_error(400, "We could not parse the JSON body of your request."),
            endpoint,
            deployment,
        )
    # On Azure the deployment, not the body, picks the model.
    model = deployment if deployment is not None else str(body.get("model"))
    if endpoint == "chat":
        problems = validate_chat_body(body)
        if is_legacy_model(model):
            message = (
                "This is not a chat model and thus not supported in the v1/chat/completions "
                "endpoint. Did you mean to use v1/completions?"
            )
            return (*_error(404, message, "model"), endpoint, deployment)
        if problems:
            return (*_error(400, "; ".join(problems)), endpoint, deployment)
        return (200, *chat_response(body, model), endpoint, deployment)
    problems = validate_completions_body(body)
    if problems:
        return (*_error(400, "; ".join(problems)), endpoint, deployment)
    # An Azure deployment may carry any name, whatever model it serves.
    if deployment is None and not is_legacy_model(model):
        message = (
            "This is a chat model and not supported in the v1/completions endpoint. "
            "Did you mean to use v1/chat/completions?"
        )
        return (*_error(404, message, "model"), endpoint, deployment)
    return (200, *completions_response(body, model), endpoint, deployment)


def _route_responses(
    query: dict[str, list[str]], body: Any, *, azure: bool
) -> tuple[int, str, bytes, str, Optional[str]]:
    if azure:
        version = (query.get("api-version") or [""])[0]
        if not version:
            return (*_error(404, "Resource not found (missing api-version)"), "responses", None)
        if version < AZURE_RESPONSES_API_VERSION:
            message = (
                f"Azure OpenAI Responses API is enabled only for api-version "
                f"{AZURE_RESPONSES_API_VERSION} and later (got {version})"
            )
            return (*_error(400, message), "responses", None)
    if not isinstance(body, dict):
        return (*_error(400, "We could not parse the JSON body of your request."), "responses", None)
    deployment = str(body.get("model")) if azure else None
    problems = validate_responses_body(body, azure=azure)
    if problems:
        return (*_error(400, "; ".join(problems)), "responses", deployment)
    return (200, *responses_response(body, str(body["model"])), "responses", deployment)


def _handler_for(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's HTTP pool expects

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body: Any = json.loads(raw or b"null")
            except ValueError:
                body = raw.decode(errors="replace")
            status, content_type, payload, endpoint, deployment = _route(url.path, query, body)
            state.record(
                RecordedRequest(
                    "POST", url.path, query, body, endpoint, deployment, status, engine_of(url.path)
                )
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            # SSE bodies are built whole, so they can carry a length like any other body.
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-request-id", f"req_{len(state.snapshot())}")
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            state.record(
                RecordedRequest("GET", urlsplit(self.path).path, {}, None, "unknown", None, 404)
            )
            status, content_type, payload = _error(404, f"Invalid URL (GET {self.path})")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the recorded requests are the log; stderr noise would hide test output

    return Handler


@contextmanager
def serve() -> Iterator[FakeOpenAI]:
    """Run a fake server on a free port of 127.0.0.1 for the duration of the block."""
    state = FakeOpenAI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
