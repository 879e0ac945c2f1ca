"""The OpenAI Completions -> Chat Completions (or Responses) rules (installed as `migrator_rules`).

Each rule is one module of this package (see CONTRIBUTING.md); they are found by walking
the package. Importing this package is cheap: the rules (and LibCST) load only when a
file passes the prefilter, which combines the rules' own (`catalog.py`).
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

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
    OptionSpec(
        "target",
        str,
        "chat",
        "the API legacy completions code moves to: chat (Chat Completions) or responses "
        "(the Responses API; implies --sdk v1 for openai<1.0 code)",
        cli="--target",
        choices=("chat", "responses"),
    ),
)


def _validate(options: Mapping[str, Any]) -> Optional[str]:
    """Options that are valid alone but not together."""
    if options.get("target") == "responses" and options.get("sdk") == "keep":
        return (
            "`target = responses` cannot keep openai<1.0 code on its SDK (`sdk = keep`): "
            "openai<1.0 has no Responses API (it came with openai 1.66.0), so that code must "
            "move to the v1 SDK in the same pass; drop `--sdk keep` (`--target responses` "
            "implies `--sdk v1`) or migrate to Chat Completions with `--target chat`"
        )
    return None


def _shared_analysis(ctx: RuleContext) -> Iterable[Output]:
    """The rules share one analysis per file; it reports the files it read."""
    from .analysis import file_facts

    return file_facts(ctx)


def _forget(paths: Collection[str]) -> None:
    """Changed files: the pins found and the project modules parsed from them are stale.
    Only caches already loaded hold anything (and importing the receivers loads LibCST)."""
    for module in (f"{__name__}.pins", f"{__name__}.analysis.receivers"):
        loaded = sys.modules.get(module)
        if loaded is not None:
            loaded.forget(paths)


def describe(paths: Sequence[str], options: Mapping[str, Any]) -> list[Description]:
    """`migrator config PATHS`: which SDK openai<1.0 code moves to, and why (see pins.py)."""
    from .pins import describe as describe_sdk

    if options.get("target") == "responses":
        # openai<1.0 has no Responses API: the pins do not decide (they are noted when
        # they allow no release the migrated code runs on).
        data = {"path": None, "decision": "v1", "from": "target", "file": None, "specifier": None}
        return [Description("sdk", "--target responses (the `target` setting) -> v1", data)]
    return describe_sdk(paths, options)


PACK = RulePack(
    name="openai",
    options=OPTIONS,
    catalog=catalog.entries(),
    load=catalog.rules,
    shared=_shared_analysis,
    validate=_validate,
    product=PRODUCT,
    homepage=HOMEPAGE,
    description=(
        "Find code written against OpenAI's legacy Completions API and migrate it to Chat Completions "
        "(or, with --target responses, to the Responses API)."
    ),
    describe=describe,
    forget=_forget,
)
