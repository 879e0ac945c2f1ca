"""Facts about the openai SDK and its neighbours that the rules share.

Source: `../shared/reference/openai-api-mapping.md` (sections 1, 2 and 5), checked against
the published SDK wheels.
"""

from __future__ import annotations

import re
from typing import Optional

# Modules that re-export the openai API unchanged (drop-in tracing/caching proxies).
# `openai-modules` in the configuration extends this tuple.
PROXY_MODULES: tuple[str, ...] = (
    "langfuse.openai",
    "gptcache.adapter.openai",
    "promptlayer.openai",
)

CLIENT_CLASSES: dict[str, tuple[bool, bool]] = {
    # qualified name: (is_async, is_azure)
    "openai.OpenAI": (False, False),
    "openai.Client": (False, False),
    "openai.AsyncOpenAI": (True, False),
    "openai.AsyncClient": (True, False),
    "openai.AzureOpenAI": (False, True),
    "openai.AsyncAzureOpenAI": (True, True),
    "openai.lib.azure.AzureOpenAI": (False, True),
    "openai.lib.azure.AsyncAzureOpenAI": (True, True),
    "openai.BedrockOpenAI": (False, False),
    "openai.AsyncBedrockOpenAI": (True, False),
    "openai._client.OpenAI": (False, False),
    "openai._client.AsyncOpenAI": (True, False),
}

# Packages whose clients share the `client.completions.create(model=..., prompt=...)`
# shape. A receiver we cannot resolve is never flagged in a module that imports one.
OTHER_SDKS: tuple[str, ...] = (
    "anthropic",
    "together",
    "fireworks",
    "mistralai",
    "groq",
    "cohere",
    "ai21",
    "litellm",
    "huggingface_hub",
    "llama_cpp",
    "vllm",
    "replicate",
    "cerebras",
    "deepseek",
    "zhipuai",
    "dashscope",
    "writerai",
    "openrouter",
)

# Legacy response types (v1 SDK) -> (value kind, module, name, alias) of the chat type;
# the second entry is for the stream element (inside Stream[...], Iterator[...]).
LEGACY_TYPES: dict[str, tuple[tuple[str, str, str, str], tuple[str, str, str, str]]] = {}
for _name in ("openai.types.Completion", "openai.types.completion.Completion"):
    LEGACY_TYPES[_name] = (
        ("completion", "openai.types.chat", "ChatCompletion", ""),
        ("chunk", "openai.types.chat", "ChatCompletionChunk", ""),
    )
for _name in ("openai.types.CompletionChoice", "openai.types.completion_choice.CompletionChoice"):
    LEGACY_TYPES[_name] = (
        ("choice", "openai.types.chat.chat_completion", "Choice", "ChatChoice"),
        ("chunk_choice", "openai.types.chat.chat_completion_chunk", "Choice", "ChatChunkChoice"),
    )
LEGACY_TYPES["openai.types.completion_choice.Logprobs"] = (
    ("logprobs", "openai.types.chat.chat_completion", "ChoiceLogprobs", ""),
    ("logprobs", "openai.types.chat.chat_completion_chunk", "ChoiceLogprobs", "ChunkChoiceLogprobs"),
)
STREAM_CONTAINERS = frozenset(
    {
        "openai.Stream",
        "openai.AsyncStream",
        "typing.Iterator",
        "typing.AsyncIterator",
        "typing.Iterable",
        "typing.AsyncIterable",
        "typing.Generator",
        "typing.AsyncGenerator",
        "collections.abc.Iterator",
        "collections.abc.AsyncIterator",
        "collections.abc.Iterable",
        "collections.abc.AsyncIterable",
        "collections.abc.Generator",
        "collections.abc.AsyncGenerator",
    }
)

# Mock targets in strings: the legacy resource class and its chat counterpart.
MOCK_TARGETS: tuple[tuple[str, str], ...] = (
    # openai<1.0, kept on its SDK: the module-level chat resource
    ("openai.api_resources.completion.Completion", "openai.api_resources.chat_completion.ChatCompletion"),
    ("openai.api_resources.Completion", "openai.api_resources.ChatCompletion"),
    ("openai.Completion", "openai.ChatCompletion"),
    ("openai.resources.completions.Completions", "openai.resources.chat.completions.Completions"),
    ("openai.resources.completions.AsyncCompletions", "openai.resources.chat.completions.AsyncCompletions"),
    ("openai.resources.Completions", "openai.resources.chat.Completions"),
    ("openai.resources.AsyncCompletions", "openai.resources.chat.AsyncCompletions"),
)

# Parameters of completions.create with no chat counterpart, and the value that means
# "not used" (a call passing exactly that value can simply drop the argument).
UNSUPPORTED_PARAMETERS: dict[str, tuple[str, str]] = {
    "echo": (
        "False",
        "chat has no `echo`: the answer never starts with the prompt. Remove the code that "
        "strips the prompt prefix; prompt-token logprobs (scoring with echo+logprobs) have no "
        "chat equivalent.",
    ),
    "suffix": (
        "None",
        "chat has no insert mode (`suffix`): put the text before and after the gap in the "
        "message and ask for the missing part, or keep this call on a completions-capable "
        "provider.",
    ),
    "best_of": (
        "1",
        "chat has no server-side `best_of`: request `n` choices and rank them yourself "
        "(for example by their `logprobs`), or drop the parameter.",
    ),
}

LEGACY_MODELS: frozenset[str] = frozenset(
    {
        "ada",
        "babbage",
        "curie",
        "davinci",
        "davinci-instruct-beta",
        "curie-instruct-beta",
        "text-ada-001",
        "text-babbage-001",
        "text-curie-001",
        "text-davinci-001",
        "text-davinci-002",
        "text-davinci-003",
        "text-davinci-insert-001",
        "text-davinci-insert-002",
        "code-davinci-001",
        "code-davinci-002",
        "code-cushman-001",
        "code-cushman-002",
        "davinci-codex",
        "cushman-codex",
        "gpt-3.5-turbo-instruct",
        "gpt-3.5-turbo-instruct-0914",
        "gpt-35-turbo-instruct",
        "gpt-35-turbo-instruct-0914",
        "davinci-002",
        "babbage-002",
    }
)

# Fine-tunes of legacy base models: `ft:davinci-002:org::id` and the 2022 `davinci:ft-...`.
_FINE_TUNE = re.compile(
    r"^(?:ft:(?:davinci-002|babbage-002|gpt-3\.5-turbo-instruct)(?::.*)?"
    r"|(?:ada|babbage|curie|davinci):ft-.*)$"
)

# A current chat model with no announced shutdown in the SDK's ChatModel docstring
# (openai 3.57.0, `openai/types/shared/chat_model.py`). Used only as an unsafe fix:
# choosing a model changes cost and behaviour, so the user confirms it with --model.
DEFAULT_CHAT_MODEL = "gpt-5.4-mini"


def is_legacy_model(name: str) -> bool:
    return name in LEGACY_MODELS or is_legacy_fine_tune(name)


def is_legacy_fine_tune(name: str) -> bool:
    return bool(_FINE_TUNE.match(name))


def normalise_qualified_name(name: str, proxies: tuple[str, ...]) -> str:
    """Map names reached through a drop-in proxy (`langfuse.openai.OpenAI`) to `openai.*`."""
    for proxy in proxies:
        if name == proxy or name == f"{proxy}.openai":
            return "openai"
        for prefix in (f"{proxy}.openai.", f"{proxy}."):
            if name.startswith(prefix):
                return "openai." + name[len(prefix) :]
    return name


# The SDK's own list of chat models (openai 3.57.0, `openai/types/shared/chat_model.py`,
# `ChatModel`). A model on a completions call that is neither legacy nor one of these
# (nor a dated variant or fine-tune of a chat model family) is never carried onto a chat
# call silently.
CHAT_MODELS: frozenset[str] = frozenset(
    {
        "gpt-6-astra", "gpt-6.2-astra", "gpt-6.1-sol", "gpt-6.2-sol", "gpt-6.1-terra", "gpt-6-sol",
        "gpt-6-luna", "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna", "gpt-5.5", "gpt-5.5-2026-04-23",
        "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.4-mini-2026-03-17",
        "gpt-5.4-nano-2026-03-17", "gpt-5.3-chat-latest", "gpt-5.2", "gpt-5.2-2025-12-11",
        "gpt-5.2-chat-latest", "gpt-5.2-pro", "gpt-5.2-pro-2025-12-11", "gpt-5.1",
        "gpt-5.1-2025-11-13", "gpt-5.1-codex", "gpt-5.1-mini", "gpt-5.1-chat-latest", "gpt-5",
        "gpt-5-mini", "gpt-5-nano", "gpt-5-2025-08-07", "gpt-5-mini-2025-08-07",
        "gpt-5-nano-2025-08-07", "gpt-5-chat-latest", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
        "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14", "gpt-4.1-nano-2025-04-14", "o4-mini",
        "o4-mini-2025-04-16", "o3", "o3-2025-04-16", "o3-mini", "o3-mini-2025-01-31", "o1",
        "o1-2024-12-17", "o1-preview", "o1-preview-2024-09-12", "o1-mini", "o1-mini-2024-09-12",
        "gpt-4o", "gpt-4o-2024-11-20", "gpt-4o-2024-08-06", "gpt-4o-2024-05-13", "gpt-audio-mini",
        "gpt-audio-mini-2025-12-15", "gpt-4o-audio-preview", "gpt-4o-audio-preview-2024-10-01",
        "gpt-4o-audio-preview-2024-12-17", "gpt-4o-audio-preview-2025-06-03",
        "gpt-4o-mini-audio-preview", "gpt-4o-mini-audio-preview-2024-12-17", "gpt-4o-search-preview",
        "gpt-4o-mini-search-preview", "gpt-4o-search-preview-2025-03-11",
        "gpt-4o-mini-search-preview-2025-03-11", "chatgpt-4o-latest", "codex-mini-latest",
        "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "gpt-4-turbo", "gpt-4-turbo-2024-04-09",
        "gpt-4-0125-preview", "gpt-4-turbo-preview", "gpt-4-1106-preview", "gpt-4-vision-preview",
        "gpt-4", "gpt-4-0314", "gpt-4-0613", "gpt-4-32k", "gpt-4-32k-0314", "gpt-4-32k-0613",
        "gpt-3.5-turbo", "gpt-3.5-turbo-16k", "gpt-3.5-turbo-0301", "gpt-3.5-turbo-0613",
        "gpt-3.5-turbo-1106", "gpt-3.5-turbo-0125", "gpt-3.5-turbo-16k-0613",
    }
)
_CHAT_FAMILY = re.compile(r"^(?:ft:)?(?:gpt-3\.5-turbo|gpt-4|gpt-5|gpt-6|chatgpt-|o[1-9](?:-|$))")


def is_known_chat_model(name: str) -> bool:
    """A chat model of the SDK's list, or a dated variant / fine-tune of a chat family
    (`gpt-4o-2024-08-06`, `ft:gpt-4o-mini:org::id`); never a completions-only one."""
    if is_legacy_model(name) or "instruct" in name:
        return False
    return name in CHAT_MODELS or bool(_CHAT_FAMILY.match(name))


# -- The Responses API (`--target responses`) ---------------------------------------------
# Source: `../shared/reference/openai-api-mapping.md` section 10, checked against the SDK
# wheels (`openai/resources/responses/responses.py`, `openai/types/responses/`,
# `openai/_module_client.py`): 1.65.5 has no Responses; 1.66.0 adds `client.responses`;
# the module-level `openai.responses` comes with 1.66.3; `top_logprobs` and the
# "message.output_text.logprobs" includable with 1.92.0; `stream_options` with 1.99.2.

RESPONSES_SDK = (1, 66, 0)
RESPONSES_MODULE_CLIENT_SDK = (1, 66, 3)
RESPONSES_LOGPROBS_SDK = (1, 92, 0)
RESPONSES_STREAM_OPTIONS_SDK = (1, 99, 2)

# The API's floor for `max_output_tokens` (the SDK does not check it; the Azure samples'
# cheat sheet and the API's own 400 give 16).
MIN_OUTPUT_TOKENS = 16

# Azure OpenAI serves `/openai/responses` from this preview api-version on; the SDK sends
# `/responses` to `{endpoint}/openai/responses` (it is not one of `lib/azure.py`'s
# deployment endpoints), with the deployment as `model` in the body.
AZURE_RESPONSES_API_VERSION = "2025-03-01-preview"

LOGPROBS_INCLUDABLE = "message.output_text.logprobs"
TEXT_DELTA_EVENT = "response.output_text.delta"
# How a stream of a response that ended normally or hit `max_output_tokens` ends: the
# counterpart of the last legacy chunk (empty text and a finish reason).
TERMINAL_EVENTS = ("response.completed", "response.incomplete")

# completions.create parameters with no Responses counterpart: (values that mean "not
# used", so the argument can simply be dropped; what to do by hand).
RESPONSES_NO_EQUIVALENT: dict[str, tuple[tuple[str, ...], str]] = {
    "n": (
        ("1",),
        "a response has one output: send one request per choice (a loop, or `asyncio.gather` "
        "with the async client) and read `output_text` of each",
    ),
    "stop": (
        ("None",),
        "the Responses API has no stop sequences: cut the text after the call "
        "(`text.split(stop)[0]`) and check that the budget still fits, or use `--target chat`",
    ),
    "presence_penalty": (
        ("0", "0.0", "None"),
        "the Responses API has no presence penalty: drop it (the answers change) or use `--target chat`",
    ),
    "frequency_penalty": (
        ("0", "0.0", "None"),
        "the Responses API has no frequency penalty: drop it (the answers change) or use `--target chat`",
    ),
    "logit_bias": (
        ("None", "{}"),
        "the Responses API has no logit bias: steer the output with `instructions` instead, or use `--target chat`",
    ),
    "seed": (
        ("None",),
        "the Responses API has no `seed`: drop it (outputs are not reproducible either way) or use `--target chat`",
    ),
    "echo": (
        ("False",),
        "the Responses API has no `echo`: the output never starts with the prompt; remove the code "
        "that strips the prompt prefix (prompt-token logprobs have no equivalent)",
    ),
    "suffix": (
        ("None",),
        "the Responses API has no insert mode (`suffix`): put the text before and after the gap in "
        "the input and ask for the missing part",
    ),
    "best_of": (
        ("1",),
        "the Responses API has no server-side `best_of`: send several requests and rank them yourself",
    ),
}

# `usage` of a Completion -> of a Response (`ResponseUsage`).
RESPONSES_USAGE_FIELDS = {
    "prompt_tokens": "input_tokens",
    "completion_tokens": "output_tokens",
    "total_tokens": "total_tokens",
}
# Fields a Completion and a Response share by name and meaning.
RESPONSES_SAME_FIELDS = frozenset({"id", "model", "object", "_request_id"})

# Legacy response types -> the Responses type, per value kind: the response itself, its
# stream's element, and (a choice is the response itself once migrated) the choice.
# None: no counterpart.
RESPONSES_TYPES: dict[str, tuple[Optional[tuple[str, str, str, str]], Optional[tuple[str, str, str, str]]]] = {}
for _name in ("openai.types.Completion", "openai.types.completion.Completion"):
    RESPONSES_TYPES[_name] = (
        ("completion", "openai.types.responses", "Response", ""),
        ("chunk", "openai.types.responses", "ResponseStreamEvent", ""),
    )
for _name in ("openai.types.CompletionChoice", "openai.types.completion_choice.CompletionChoice"):
    RESPONSES_TYPES[_name] = (("choice", "openai.types.responses", "Response", ""), None)
RESPONSES_TYPES["openai.types.completion_choice.Logprobs"] = (None, None)

# Mock targets: the legacy resource (v0 or v1) and the Responses resource class.
RESPONSES_MOCK_TARGETS: tuple[tuple[str, str], ...] = (
    ("openai.api_resources.completion.Completion", "openai.resources.responses.Responses"),
    ("openai.api_resources.Completion", "openai.resources.Responses"),
    ("openai.Completion", "openai.resources.Responses"),
    ("openai.resources.completions.Completions", "openai.resources.responses.Responses"),
    ("openai.resources.completions.AsyncCompletions", "openai.resources.responses.AsyncResponses"),
    ("openai.resources.Completions", "openai.resources.Responses"),
    ("openai.resources.AsyncCompletions", "openai.resources.AsyncResponses"),
)
