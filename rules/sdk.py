"""Facts about the openai SDK and its neighbours that the rules share.

Source: `../shared/reference/openai-api-mapping.md` (sections 1, 2 and 5), checked against
the published SDK wheels.
"""

from __future__ import annotations

import re

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
