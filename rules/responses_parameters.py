"""`--target responses`: the parameters of a completions call that the Responses API
has no equivalent for (OAI005 under this target).

Chat's findings for the call (`parameters.unsupported`: a batch, `echo`, `**kwargs`...)
are reworded for Responses; what only the Responses API lacks is added: `n`, `stop`,
penalties, `logit_bias`, `seed`, a computed `logprobs`, `include_usage`, a budget under 16.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from migrator.rule import Report

from . import sdk
from .analysis import Analysis, CompletionsCall
from .analysis.names import Names
from .analysis.syntax import argument_for, string_key
from .parameters import BATCH_ADVICE, KWARGS_ADVICE, NONE_ADVICE, TOKENS_ADVICE, Unsupported

RESPONSES_BATCH_ADVICE = (
    "a response has one input: send one request per prompt (a loop, or `asyncio.gather` with "
    "the async client) and read `output_text` of each"
)
RESPONSES_TOKENS_ADVICE = (
    "the Responses API takes text, not token arrays: decode the tokens with the tokenizer of the "
    "model they were made for (`tiktoken`), then pass the text as `input`"
)
RESPONSES_NONE_ADVICE = "a response needs an input: pass the text the model should answer as `prompt`"
MAX_TOKENS_ADVICE = (
    f"`max_output_tokens` must be at least {sdk.MIN_OUTPUT_TOKENS} (it counts reasoning tokens "
    "too): raise the budget, check that the output is still what you want, then run `migrator fix` again"
)
LOGPROBS_ADVICE = (
    "pass `logprobs` as an integer literal: it becomes "
    f'`include=["{sdk.LOGPROBS_INCLUDABLE}"], top_logprobs=<k>`'
)
USAGE_STREAM_ADVICE = (
    "a Responses stream has no usage chunk: read `event.response.usage` of the "
    "`response.completed` event instead, then drop `include_usage`"
)
STREAM_OPTIONS_ADVICE = "pass `stream_options` as a dict literal (`include_usage` has no Responses counterpart)"


@dataclass(frozen=True)
class NoEquivalent:
    node: cst.CSTNode
    what: str
    advice: str
    message: Optional[str] = None  # when "<what> has no Responses API equivalent" does not say it



def is_neutral(value: cst.BaseExpression, neutral: Sequence[str]) -> bool:
    """The argument passes a do-nothing value of its parameter (`n=1`, `stop=None`, `seed=None`)."""
    if isinstance(value, (cst.Name, cst.Integer, cst.Float)):
        return value.value in neutral
    if isinstance(value, cst.Dict):
        return not value.elements and "{}" in neutral
    return False


def no_equivalent(names: Names, call: CompletionsCall) -> list[NoEquivalent]:
    """What a completions call uses that the Responses API lacks besides what it shares
    with chat's list (`parameters.unsupported`): `n`, `stop`, penalties, `logit_bias`,
    `seed`, a computed `logprobs`, `include_usage`, a budget under 16."""
    found: list[NoEquivalent] = []
    for name, arg in call.parameters():
        if name is None or (isinstance(arg, cst.Arg) and arg.star) or name in sdk.UNSUPPORTED_PARAMETERS:
            continue  # chat's findings, reworded (`reworded`)
        if name in sdk.RESPONSES_NO_EQUIVALENT:
            neutral, advice = sdk.RESPONSES_NO_EQUIVALENT[name]
            if not is_neutral(arg.value, neutral):
                found.append(NoEquivalent(arg, f"`{name}`", advice))
        elif name == "logprobs" and not isinstance(arg.value, cst.Integer) and not is_neutral(arg.value, ("None",)):
            found.append(NoEquivalent(arg, "a computed `logprobs`", LOGPROBS_ADVICE))
        elif name == "stream_options":
            problem = _stream_options_problem(arg.value)
            if problem is not None:
                found.append(NoEquivalent(arg, problem[0], problem[1]))
        elif name == "max_tokens":
            low = [value for value in integer_origins(names, arg.value) if int(value.value) < sdk.MIN_OUTPUT_TOKENS]
            if low:
                what = f"`max_tokens={low[0].value}`" + (" (reaching the call)" if low[0] is not arg.value else "")
                message = (
                    f"{what} is below {sdk.MIN_OUTPUT_TOKENS}, the least `max_output_tokens` the Responses "
                    "API accepts; the call is left unchanged"
                )
                found.append(NoEquivalent(arg, what, MAX_TOKENS_ADVICE, message))
    return found


def reworded(item: Unsupported) -> NoEquivalent:
    """One of chat's findings (a batch, `echo`, `**kwargs`...) with the advice for Responses."""
    advice = {
        BATCH_ADVICE: RESPONSES_BATCH_ADVICE,
        TOKENS_ADVICE: RESPONSES_TOKENS_ADVICE,
        NONE_ADVICE: RESPONSES_NONE_ADVICE,
        KWARGS_ADVICE: KWARGS_ADVICE.replace("build `messages` yourself", "build `input` yourself"),
    }.get(item.advice, item.advice)
    for name, (_neutral, chat_advice) in sdk.UNSUPPORTED_PARAMETERS.items():
        if item.advice == chat_advice:
            advice = sdk.RESPONSES_NO_EQUIVALENT[name][1]
    return NoEquivalent(item.node, item.what, advice)


def _stream_options_problem(value: cst.BaseExpression) -> Optional[tuple[str, str]]:
    if is_neutral(value, ("None",)):
        return None
    if not isinstance(value, cst.Dict) or not all(
        isinstance(e, cst.DictElement) and string_key(e.key) is not None for e in value.elements
    ):
        return "a computed `stream_options`", STREAM_OPTIONS_ADVICE
    for element in value.elements:
        assert isinstance(element, cst.DictElement)
        if string_key(element.key) == "include_usage" and not is_neutral(element.value, ("False",)):
            return "`stream_options` with `include_usage`", USAGE_STREAM_ADVICE
    return None


def integer_origins(names: Names, node: cst.BaseExpression, depth: int = 0) -> list[cst.Integer]:
    """Integer literals that can flow into `node` within this module (a parameter's
    default and what its local callers pass, a constant...)."""
    if depth > 6:
        return []
    if isinstance(node, cst.Integer):
        return [node]
    found: list[cst.Integer] = []
    if isinstance(node, cst.Name):
        for binding in names.assignments(node) or ():
            value = names.assigned_value(binding)
            if isinstance(value, cst.Param):
                if value.default is not None:
                    found.extend(integer_origins(names, value.default, depth + 1))
                function = names.parent(names.parent(value) or value)
                if isinstance(function, cst.FunctionDef):
                    position = next((i for i, p in enumerate(function.params.params) if p is value), None)
                    for site, bound in names.call_sites(function) or ():
                        argument = argument_for(site, value.name.value, position, bound)
                        if argument is not None:
                            found.extend(integer_origins(names, argument, depth + 1))
            elif isinstance(value, cst.BaseExpression):
                found.extend(integer_origins(names, value, depth + 1))
    elif isinstance(node, cst.Attribute):
        for value in names.self_attribute_values(node):
            found.extend(integer_origins(names, value, depth + 1))
    return found


def unsupported_reports(
    code: str, analysis: Analysis, call: CompletionsCall, shared: Sequence[Unsupported]
) -> Iterator[Report]:
    """OAI005 under `--target responses`: chat's findings for the call, reworded, and what
    only the Responses API lacks."""
    for item in [*(reworded(item) for item in shared), *no_equivalent(analysis.names, call)]:
        yield Report(
            code=code,
            node=item.node,
            message=item.message or f"{item.what} has no Responses API equivalent; the call is left unchanged",
            advice=item.advice,
            groups=frozenset({call.key}),
        )
