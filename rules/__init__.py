"""The OpenAI Completions -> Chat Completions rules (installed as `migrator_rules`).

Importing this package is cheap: the rules (and LibCST) load only when a file passes the
prefilter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from migrator.rule import Description, OptionSpec, Rule, RulePack

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

class _Prefilter:
    """A file is parsed only if a rule can fire in it: a completions call or resource
    (`.completions`, `Completion`, mock targets), or an untraced `.choices[i].text` read,
    which is reported only next to an `openai` import. Django alone has hundreds of files
    with `choices=`: a looser filter costs a parse for each. Plain `in` tests: ten times
    faster than one regular expression with look-aheads."""

    def search(self, data: bytes, /) -> bool:
        if b"completions" in data or b"Completion" in data:
            return True
        return b"openai" in data and b"choices" in data and b".text" in data


PREFILTER = _Prefilter()


def describe(paths: Sequence[str], options: Mapping[str, Any]) -> list[Description]:
    """`migrator config PATHS`: which SDK openai<1.0 code moves to, and why (see pins.py)."""
    from .pins import describe as describe_sdk

    return describe_sdk(paths, options)


PACK = RulePack(
    name="openai",
    prefilter=PREFILTER,
    options=OPTIONS,
    load=load_rules,
    codes=("OAI001", "OAI002", "OAI003", "OAI004", "OAI005"),
    describe=describe,
)
