"""The OpenAI Completions -> Chat Completions rules (installed as `migrator_rules`).

Importing this package is cheap: the rules (and LibCST) load only when a file passes the
prefilter.
"""

from __future__ import annotations

import re

from migrator.rule import OptionSpec, Rule, RulePack

from .sdk import DEFAULT_CHAT_MODEL


def _load() -> list[type[Rule]]:
    from .completion_text import CompletionTextRule
    from .completions_call import CompletionsCallRule
    from .legacy_model import LegacyModelRule
    from .stream_text import StreamTextRule
    from .unsupported_parameter import UnsupportedParameterRule

    return [
        CompletionsCallRule,
        CompletionTextRule,
        StreamTextRule,
        LegacyModelRule,
        UnsupportedParameterRule,
    ]


_RULES: list[type[Rule]] = []


def load_rules() -> list[type[Rule]]:
    if not _RULES:
        _RULES.extend(_load())
    return list(_RULES)


OPTIONS = (
    OptionSpec(
        "model",
        str,
        None,
        f"chat model that replaces legacy completion models (default: {DEFAULT_CHAT_MODEL}, as an unsafe fix)",
        cli="--model",
    ),
    OptionSpec("model-map", dict, {}, "legacy model name -> chat model, per model", str),
    OptionSpec(
        "max-tokens",
        str,
        "max_completion_tokens",
        "what `max_tokens` becomes: max_completion_tokens (default) or max_tokens",
        cli="--max-tokens",
        choices=("max_completion_tokens", "max_tokens"),
    ),
    OptionSpec("openai-modules", list, [], "extra modules that re-export the openai API (proxies)", str),
    OptionSpec(
        "sdk",
        str,
        "auto",
        "openai<1.0 code: keep its SDK (ChatCompletion), move to v1 (client.chat.completions), "
        "or auto (v1 if the project pins openai>=1, else keep)",
        cli="--sdk",
        choices=("auto", "keep", "v1"),
    ),
)

# Every rule needs one of these words: a file without them is never parsed.
PREFILTER = re.compile(rb"ompletion|choices")

PACK = RulePack(
    name="openai",
    prefilter=PREFILTER,
    options=OPTIONS,
    load=load_rules,
)
