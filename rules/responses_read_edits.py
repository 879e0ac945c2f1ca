"""`--target responses`: what the reads of a migrated response become (the node builders
of their fixes).

The first choice is the response itself, a choice's fields and the usage take their
Responses names, a `finish_reason` comparison becomes one of `status` and
`incomplete_details.reason`, the legacy logprobs are listed from the output text, and a
loop over a stream skips the events that are no legacy chunk and reads `event.delta`.
Which reads are rewritten, and which reported, is `responses_reads.py`'s to say.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import libcst as cst

from . import edits, sdk
from .analysis.syntax import string_value

DELTA = sdk.TEXT_DELTA_EVENT
CHUNK_EVENTS = (DELTA, *sdk.TERMINAL_EVENTS)

FINISH_REASONS = ("stop", "length", "content_filter")
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}

# The legacy logprobs of the (only) choice: the log probabilities of every output text
# part, in order (what `output_text` joins). `__r__` is the response.
LOGPROBS_LIST = (
    '[logprob for item in __r__.output if item.type == "message" '
    'for part in item.content if part.type == "output_text" for logprob in part.logprobs or []]'
)
LOGPROB_ITEMS = {
    "tokens": "__t__.token",
    "token_logprobs": "__t__.logprob",
    "top_logprobs": "{x.token: x.logprob for x in __t__.top_logprobs}",
}

Transform = Callable[[Any], Any]


# --------------------------------------------------------------------------- finish reasons


def finish_comparison(comparison: cst.Comparison, read: cst.CSTNode, loose: bool) -> Optional[Transform]:
    """`finish_reason == "length"` (`!=`, `in`, `not in`) as the Response says it.

    `loose`: the comparison sits where a boolean operation needs parentheses (not alone as
    a condition, an assignment's value, an argument...)."""
    if len(comparison.comparisons) != 1:
        return None
    target = comparison.comparisons[0]
    operator = target.operator
    if not isinstance(operator, (cst.Equal, cst.NotEqual, cst.In, cst.NotIn)):
        return None
    read_on_left = comparison.left is read
    other = target.comparator if read_on_left else comparison.left
    if not read_on_left and (target.comparator is not read or isinstance(operator, (cst.In, cst.NotIn))):
        return None
    values: list[cst.SimpleString] = []
    if isinstance(operator, (cst.Equal, cst.NotEqual)) and isinstance(other, cst.SimpleString):
        values = [other]
    elif isinstance(operator, (cst.In, cst.NotIn)) and isinstance(other, (cst.Tuple, cst.List, cst.Set)):
        values = [e.value for e in other.elements if isinstance(e.value, cst.SimpleString)]
        if len(values) != len(other.elements):
            return None
    if not values or any(string_value(v) not in FINISH_REASONS for v in values):
        return None
    negate = isinstance(operator, (cst.NotEqual, cst.NotIn))
    reasons = [str(string_value(v)) for v in values]
    quote = values[0].quote if len(values[0].quote) == 1 else '"'

    def transform(updated: cst.Comparison) -> cst.BaseExpression:
        side = updated.left if read_on_left else updated.comparisons[0].comparator
        response = parenthesized(holder_of(side))
        tests = [_finish_test(reason, negate, quote) for reason in reasons]
        if len(tests) > 1:
            tests = [f"({test})" if " and " in test or " or " in test else test for test in tests]
        text = (" and " if negate else " or ").join(tests)
        expression = edits.fill(text, r=response)
        if updated.lpar or (loose and (" and " in text or " or " in text)):
            expression = expression.with_changes(
                lpar=updated.lpar or [cst.LeftParen()], rpar=updated.rpar or [cst.RightParen()]
            )
        return expression

    return transform


def _finish_test(reason: str, negate: bool, q: str) -> str:
    if reason == "stop":
        return f"__r__.status {'!=' if negate else '=='} {q}completed{q}"
    incomplete = _INCOMPLETE[reason]
    if negate:
        return f"__r__.incomplete_details is None or __r__.incomplete_details.reason != {q}{incomplete}{q}"
    return f"__r__.incomplete_details is not None and __r__.incomplete_details.reason == {q}{incomplete}{q}"


# --------------------------------------------------------------------------- transforms


def holder_of(node: cst.CSTNode) -> cst.BaseExpression:
    """What a field read reads from: `x` of `x.f`, `x["f"]`, `x.get("f")`, `getattr(x, "f")`."""
    if isinstance(node, (cst.Attribute, cst.Subscript)):
        return node.value
    if isinstance(node, cst.Call):
        if isinstance(node.func, cst.Attribute):
            return node.func.value
        return node.args[0].value
    raise AssertionError(f"not a field read: {type(node).__name__}")


def parenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)) or node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def holder_of_choices(updated: cst.Subscript) -> cst.BaseExpression:
    """`x.choices[0]` -> `x`: the first (only) choice is the response itself."""
    holder = holder_of(updated.value)
    if updated.lpar:
        return holder.with_changes(lpar=[*updated.lpar, *holder.lpar], rpar=[*holder.rpar, *updated.rpar])
    return holder


def to_attribute(name: str) -> Transform:
    def transform(updated: cst.CSTNode) -> cst.BaseExpression:
        lpar = getattr(updated, "lpar", [])
        rpar = getattr(updated, "rpar", [])
        dot = updated.dot if isinstance(updated, cst.Attribute) else cst.Dot()
        return cst.Attribute(value=holder_of(updated), attr=cst.Name(name), dot=dot, lpar=lpar, rpar=rpar)

    return transform


def created_at(updated: cst.CSTNode) -> cst.BaseExpression:
    return edits.fill("int(__r__.created_at)", r=holder_of(updated))


def logprob_field(name: str) -> Transform:
    def transform(updated: cst.CSTNode) -> cst.BaseExpression:
        holder = holder_of(updated)
        item = LOGPROB_ITEMS[name]
        if (
            isinstance(holder, cst.ListComp)
            and isinstance(holder.elt, cst.Name)
            and holder.elt.value == "logprob"
            and not holder.lpar
        ):
            # Our own list of the log probabilities: read the field in it directly.
            return holder.with_changes(elt=edits.fill(item, t=cst.Name("logprob")))
        return edits.fill(f"[{item} for __t__ in __lps__]", t=cst.Name("t"), lps=parenthesized(holder))

    return transform


def events_tuple(q: str = '"') -> str:
    return "(" + ", ".join(f"{q}{event}{q}" for event in CHUNK_EVENTS) + ")"


def event_filter(name: str, delta_only: bool) -> Transform:
    """The loop skips the events that are no legacy chunk (`continue` first in its body)."""
    if delta_only:
        test = f'{name}.type != "{DELTA}"'
    else:
        test = f"{name}.type not in {events_tuple()}"

    def transform(updated: cst.For) -> cst.For:
        guard = cst.parse_statement(f"if {test}:\n    continue\n")
        body = updated.body
        if isinstance(body, cst.IndentedBlock):
            return updated.with_changes(body=body.with_changes(body=[guard, *body.body]))
        assert isinstance(body, cst.SimpleStatementSuite)
        line = cst.SimpleStatementLine(body=body.body, trailing_whitespace=body.trailing_whitespace)
        return updated.with_changes(body=cst.IndentedBlock(body=[guard, line]))

    return transform


def add_condition(condition: str) -> Transform:
    """The comprehension skips the events that are no legacy chunk (its first `if`)."""

    def transform(updated: cst.CompFor) -> cst.CompFor:
        test = cst.parse_expression(condition)
        clause = cst.CompIf(
            test=test,
            whitespace_before=cst.SimpleWhitespace(" "),
            whitespace_before_test=cst.SimpleWhitespace(" "),
        )
        return updated.with_changes(ifs=[clause, *updated.ifs])

    return transform


def delta_of(name: str, delta_only: bool, parenthesize: bool, q: str) -> Transform:
    def transform(updated: cst.CSTNode) -> cst.BaseExpression:
        if delta_only:
            expression = cst.parse_expression(f"{name}.delta")
        else:
            expression = cst.parse_expression(f"{name}.delta if {name}.type == {q}{DELTA}{q} else {q}{q}")
            if parenthesize:
                expression = expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        lpar = getattr(updated, "lpar", [])
        if lpar:
            expression = expression.with_changes(lpar=lpar, rpar=getattr(updated, "rpar", []))
        return expression

    return transform
