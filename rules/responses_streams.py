"""`--target responses`: the reads of a migrated stream.

Streams yield typed events instead of chunks. A legacy stream is one chunk per piece of
text and a last chunk with empty text and the finish reason; a Responses stream is
`response.output_text.delta` events (the text, in `event.delta`) among others, and ends
with `response.completed` (or `response.incomplete` at the token budget). A loop over the
stream therefore skips every other event and reads `event.delta`; where the last empty
chunk mattered (a `print` per chunk, a count, a list of the pieces) the terminal event
stands for it with an empty text, so the output is the same, line for line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from migrator.rule import Edit, RuleContext

from .analysis import Analysis, Kind
from .analysis.syntax import literal_index, string_key, string_value, subscript_key
from .responses_read_edits import DELTA, add_condition, delta_of, event_filter, events_tuple
from .responses_walk import LOST, STREAM_CODE, Walk

STREAM_SAME = frozenset({"response", "close"})
# Builtins that would consume a stream chunk by chunk, where a Responses stream has other events.
STREAM_CONSUMERS = frozenset(
    f"builtins.{name}" for name in ("next", "list", "tuple", "iter", "enumerate", "zip", "sorted", "reversed", "len", "map", "filter", "set")
)


@dataclass
class _Loop:
    """A loop (or comprehension) over a migrated stream: whether the last legacy chunk
    (empty text) can be ignored (`delta_only`), or the terminal event must stand for it."""

    target: str
    delta_only: bool
    sources: frozenset[str]


class StreamReads(Walk):
    """The part of the census that follows streams: each loop over one is planned (its
    event filter), then each chunk read in it becomes a read of `event.delta`."""

    def __init__(self, ctx: RuleContext, analysis: Analysis) -> None:
        super().__init__(ctx, analysis)
        self.loops: dict[int, _Loop] = {}

    def _stream(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        step = self._step(node)
        if step.how == "await":
            self.visit(step.node, kind, pending)
        elif step.how == "iter" and isinstance(step.node, cst.For):
            self._plan_loop(step.node, kind, pending)
        elif step.how == "iter" and isinstance(step.node, cst.CompFor):
            self._plan_comprehension(step.node, kind, pending)
        elif step.how in ("field", "method") and step.name not in STREAM_SAME:
            self._manual(STREAM_CODE, step.node, f"`{step.name}` of a stream has no Responses counterpart", "iterate over the stream's events", kind)
        elif self._lost(node, step):
            self._manual(STREAM_CODE, node, *LOST, kind)
        elif step.how == "arg" and isinstance(step.node, cst.Call) and self.names.qualified_names(step.node.func) & STREAM_CONSUMERS:
            self._manual(
                STREAM_CODE,
                step.node,
                "the stream is consumed chunk by chunk, and a Responses stream has events besides the text",
                'iterate with `for event in stream:` and read `event.delta` of the `"response.output_text.delta"` events',
                kind,
            )
        else:
            self._attach(kind, pending)

    def _plan_loop(self, loop: cst.For, kind: Kind, pending: list[Edit]) -> None:
        if not isinstance(loop.target, cst.Name):
            self._manual(
                STREAM_CODE,
                loop.target,
                "the stream's chunks are unpacked or numbered, and a Responses stream has events besides the text",
                'loop with `for event in stream:` and keep count of the `"response.output_text.delta"` events yourself',
                kind,
            )
            return
        name = loop.target.value
        body = loop.body
        statements: Sequence[cst.BaseStatement] = ()
        if isinstance(body, cst.SimpleStatementSuite):
            statements = [cst.SimpleStatementLine(body=[small]) for small in body.body]
        elif isinstance(body, cst.IndentedBlock):
            statements = body.body
        delta_only = all(_is_neutral_sink(statement, name) for statement in statements)
        self.loops[id(loop)] = _Loop(name, delta_only, kind.sources)
        self._attach(kind, [*pending, Edit(loop, event_filter(name, delta_only))])

    def _plan_comprehension(self, loop: cst.CompFor, kind: Kind, pending: list[Edit]) -> None:
        if not isinstance(loop.target, cst.Name):
            self._manual(
                STREAM_CODE,
                loop.target,
                "the stream's chunks are unpacked, and a Responses stream has events besides the text",
                'read `event.delta` of the `"response.output_text.delta"` events',
                kind,
            )
            return
        name = loop.target.value
        comprehension = self.names.parent(loop)
        delta_only = False
        if isinstance(comprehension, (cst.GeneratorExp, cst.ListComp)) and comprehension.for_in is loop and loop.inner_for_in is None:
            arg = self.names.parent(comprehension)
            join = self.names.parent(arg) if isinstance(arg, cst.Arg) else None
            delta_only = (
                isinstance(join, cst.Call)
                and len(join.args) == 1
                and isinstance(join.func, cst.Attribute)
                and join.func.attr.value == "join"
                and isinstance(join.func.value, cst.SimpleString)
                and string_value(join.func.value) == ""
                and _is_text_read(comprehension.elt, name)
            )
        self.loops[id(loop)] = _Loop(name, delta_only, kind.sources)
        q = self._quote(loop)
        condition = f"{name}.type == {q}{DELTA}{q}" if delta_only else f"{name}.type in {events_tuple(q)}"
        self._attach(kind, [*pending, Edit(loop, add_condition(condition))])

    def _chunk(self, node: cst.CSTNode, kind: Kind, pending: list[Edit]) -> None:
        assert isinstance(node, cst.Name)
        loop = self._loop_of(node)
        plan = self.loops.get(id(loop)) if loop is not None else None
        read = self._text_read_of(node)
        if plan is None or read is None:
            self._manual(
                STREAM_CODE,
                read or node,
                "a stream chunk used this way has no Responses counterpart: the stream yields typed events",
                f'read `event.delta` of the `"{DELTA}"` events in the loop over the stream',
                kind,
            )
            return
        for part in (node, *self._chain(node, read)):
            self.seen.add(id(part))
        delta_only = plan.delta_only
        self._fix(
            STREAM_CODE,
            read,
            "streamed completion text read as `text`; a Responses stream carries it in "
            f'`delta` of its "{DELTA}" events',
            kind,
            [*pending, Edit(read, delta_of(node.value, delta_only, self._needs_parentheses(read), self._quote(read)))],
        )

    def _loop_of(self, name: cst.Name) -> Optional[cst.CSTNode]:
        """The loop over a stream that binds this chunk name around it (For or CompFor)."""
        child: cst.CSTNode = name
        for ancestor in self.names.ancestors(name):
            if isinstance(ancestor, cst.For) and child is ancestor.body:
                if isinstance(ancestor.target, cst.Name) and ancestor.target.value == name.value:
                    return ancestor
            if isinstance(ancestor, (cst.GeneratorExp, cst.ListComp, cst.SetComp)) and child is not ancestor.for_in:
                loop: Optional[cst.CompFor] = ancestor.for_in
                while loop is not None:
                    if isinstance(loop.target, cst.Name) and loop.target.value == name.value:
                        return loop
                    loop = loop.inner_for_in
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            child = ancestor
        return None

    def _text_read_of(self, name: cst.Name) -> Optional[cst.BaseExpression]:
        """`name.choices[0].text` (in any of v0's forms) around the name, or None."""
        choices = self._step(name)
        if choices.how != "field" or choices.name != "choices":
            return None
        first = self._step(choices.node)
        if first.how != "index" or first.index != 0:
            return None
        text = self._step(first.node)
        if text.how != "field" or text.name != "text" or self._step(text.node).how == "write":
            return None
        assert isinstance(text.node, cst.BaseExpression)
        return text.node

    def _chain(self, name: cst.Name, read: cst.CSTNode) -> Iterator[cst.CSTNode]:
        for ancestor in self.names.ancestors(name):
            yield ancestor
            if ancestor is read:
                return


def _is_text_read(node: cst.BaseExpression, name: str) -> bool:
    """`name.choices[0].text` in any of its forms (attributes, v0 keys, `.get`)."""

    def field(expression: cst.BaseExpression, key: str) -> Optional[cst.BaseExpression]:
        if isinstance(expression, cst.Attribute) and expression.attr.value == key:
            return expression.value
        if isinstance(expression, cst.Subscript) and subscript_key(expression) == key:
            return expression.value
        if (
            isinstance(expression, cst.Call)
            and isinstance(expression.func, cst.Attribute)
            and expression.func.attr.value == "get"
            and len(expression.args) == 1
            and string_key(expression.args[0].value) == key
        ):
            return expression.func.value
        return None

    first = field(node, "text")
    if not isinstance(first, cst.Subscript) or literal_index(first) != 0:
        return False
    root = field(first.value, "choices")
    return isinstance(root, cst.Name) and root.value == name


def _is_neutral_sink(statement: cst.BaseStatement, name: str) -> bool:
    """A statement to which the last legacy chunk (empty text) contributed nothing:
    `print(text, end="")`, `out.write(text)` or `buffer += text`."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.AugAssign):
        return isinstance(small.operator, cst.AddAssign) and isinstance(small.target, (cst.Name, cst.Attribute)) and _is_text_read(small.value, name)
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    call = small.value
    positional = [arg for arg in call.args if arg.keyword is None]
    if len(positional) != 1 or positional[0].star or not _is_text_read(positional[0].value, name):
        return False
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    if isinstance(call.func, cst.Name) and call.func.value == "print":
        end = keywords.get("end")
        return (
            isinstance(end, cst.SimpleString)
            and string_value(end) == ""
            and set(keywords) <= {"end", "flush", "file", "sep"}
        )
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "write" and not keywords
