"""`--target responses`: legacy completions calls move to the Responses API.

Which run migrates to it (`active(ctx)`, from which each rule hands over to the modules of
this target; the chat target's code paths are untouched) and the wording the rules use
under it. The rest is in modules of their own:

- `responses_call.py`: what OAI001 reports for a call (its fix, its safety, the mocks, the
  notes about SDK pins), and `responses_call_rewrites.py`: what the call becomes
  (`client.responses.create(model=M, input=X, ..., store=False)`), its arguments included;
- `responses_parameters.py`: the parameters with no Responses counterpart (OAI005);
- `responses_reads.py`: every read of the response, streams included.

Source: `../shared/reference/openai-api-mapping.md` section 10 and the SDK wheels (see
the Responses section of `sdk.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from migrator.rule import RuleContext

TARGET = "responses"
# The Responses counterparts of the chat target's summaries, where they differ.
UNSUPPORTED_SUMMARY = "completions parameter with no Responses API equivalent"

# OAI009's advice for the endpoint used as a value.
VALUE_ADVICE = (
    "whatever uses it calls the legacy endpoint (`prompt=`, `choices[i].text`): hand over "
    "`client.responses` / `.create` instead and change the code that calls it to pass "
    "`input=prompt, store=False` and read `output_text`"
)


def active(ctx: RuleContext) -> bool:
    """Whether the run migrates to the Responses API (`--target responses`)."""
    return ctx.options.get("target") == TARGET


# --------------------------------------------------------------------------- wording


@dataclass(frozen=True)
class ApiWords:
    """How OAI004 names the API a call moves to."""

    api: str  # "chat"
    model: str  # "a chat model"
    endpoint: str  # "the chat endpoint"
    deployment: str  # what an Azure deployment must serve


CHAT_WORDS = ApiWords("chat", "a chat model", "the chat endpoint", "chat needs a chat deployment")
RESPONSES_WORDS = ApiWords(
    "the Responses API",
    "a model the Responses API serves",
    "the Responses API",
    "the Responses API needs a deployment of a model it supports",
)


def api_words(ctx: RuleContext) -> ApiWords:
    return RESPONSES_WORDS if active(ctx) else CHAT_WORDS
