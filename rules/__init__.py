"""The OpenAI Completions -> Chat Completions rules (installed as `migrator_rules`).

Each rule is one module of this package (see CONTRIBUTING.md); they are found by walking
the package. Importing this package is cheap: the rules (and LibCST) load only when a
file passes the prefilter, which combines the rules' own (`catalog.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from migrator.rule import Description, OptionSpec, Output, RulePack

from . import catalog
from .sdk import DEFAULT_CHAT_MODEL

if TYPE_CHECKING:
    from migrator.rule import RuleContext

PRODUCT = "openai-chat-migrator"
HOMEPAGE = "https://github.com/openai-chat-migrator/openai-chat-migrator"

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
        "deployment-map", dict, {}, "Azure deployment serving a completion model -> the chat deployment to use", str
    ),
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


def _shared_analysis(ctx: RuleContext) -> Iterable[Output]:
    """The rules share one analysis per file; it reports the files it read."""
    from .analysis import file_facts

    return file_facts(ctx)



def describe(paths: Sequence[str], options: Mapping[str, Any]) -> list[Description]:
    """`migrator config PATHS`: which SDK openai<1.0 code moves to, and why (see pins.py)."""
    from .pins import describe as describe_sdk

    return describe_sdk(paths, options)


PACK = RulePack(
    name="openai",
    options=OPTIONS,
    catalog=catalog.entries(),
    load=catalog.rules,
    shared=_shared_analysis,
    product=PRODUCT,
    homepage=HOMEPAGE,
    description="Find code written against OpenAI's legacy Completions API and migrate it to Chat Completions.",
    describe=describe,
)
