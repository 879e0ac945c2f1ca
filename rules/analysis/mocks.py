"""Mocks of the legacy endpoint in tests: the patch targets (`patch("openai.Completion.create")`)
and the fake responses handed back through them (`{"choices": [{"text": "hi"}]}`,
`MagicMock(choices=[MagicMock(text="hi")])`). A target moves only together with the
responses it returns and the calls it patches, never on its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Optional

import libcst as cst

from .. import sdk
from .names import Names
from .records import MockedText, MockTarget
from .syntax import keyword, string_key, string_value, walk

# openai<1.0 targets moved to the v1 SDK (`--sdk v1`): the resource every v1 client uses.
_V1_TARGETS: tuple[tuple[str, str], ...] = (
    ("openai.api_resources.completion.Completion.acreate", "openai.resources.chat.completions.AsyncCompletions.create"),
    ("openai.api_resources.Completion.acreate", "openai.resources.chat.completions.AsyncCompletions.create"),
    ("openai.Completion.acreate", "openai.resources.chat.completions.AsyncCompletions.create"),
    ("openai.api_resources.completion.Completion", "openai.resources.chat.completions.Completions"),
    ("openai.api_resources.Completion", "openai.resources.chat.completions.Completions"),
    ("openai.Completion", "openai.resources.chat.completions.Completions"),
)


def mock_targets(names: Names, strings: Sequence[cst.SimpleString], upgrade: bool) -> Iterator[MockTarget]:
    for node in strings:
        value = string_value(node)
        if value is None:
            continue
        table = (*_V1_TARGETS, *sdk.MOCK_TARGETS) if upgrade else sdk.MOCK_TARGETS
        found = match_target(value, table)
        if found is not None:
            legacy, chat, prefix = found
            generation: Literal["v0", "v1"] = "v1" if legacy.startswith("openai.resources") else "v0"
            scope = _scope_of(names, node)
            rest = value[len(prefix) + len(legacy) :]
            yield MockTarget(node, prefix + chat + rest, generation, tuple(mocked_texts(scope)))


def match_target(value: str, table: Sequence[tuple[str, str]]) -> Optional[tuple[str, str, str]]:
    """The legacy target `value` patches, what it becomes, and the module path before it:
    `patch("app.openai.Completion.create")` patches `openai.Completion.create` through the
    `openai` that `app` imported (the same object), so it is a target like the plain one."""
    starts = [0] + [i + 1 for i, c in enumerate(value) if c == "." and value.startswith("openai.", i + 1)]
    for start in starts:
        tail = value[start:]
        for legacy, chat in table:
            if tail == legacy or tail.startswith(legacy + "."):
                return legacy, chat, value[:start]
    return None


def _scope_of(names: Names, node: cst.CSTNode) -> cst.CSTNode:
    """Where the fake responses of a mock are built: the test function it patches (a
    decorator's function, or the function the `patch(...)` is in), else the module."""
    function = names.enclosing(node, cst.FunctionDef)
    if function is not None:
        return function
    for ancestor in names.ancestors(node):
        if isinstance(ancestor, cst.Decorator):
            decorated = names.parent(ancestor)
            if isinstance(decorated, (cst.FunctionDef, cst.ClassDef)):
                return decorated
    return names.index.module


def mocked_texts(scope: cst.CSTNode) -> Iterator[MockedText]:
    """The `text` of each fake completion choice built in `scope`: `{"choices": [{"text": x}]}`
    (a dict, as v0 responses are) or `choices=[Mock(text=x)]` (an object, as v1's)."""
    for node in walk(scope):
        if isinstance(node, cst.Dict):
            keys = {string_key(e.key): e for e in node.elements if isinstance(e, cst.DictElement)}
            if "choices" in keys:
                yield from _dict_choices(keys["choices"].value)
                kind = keys.get("object")
                if kind is not None and string_key(kind.value) == "text_completion":
                    yield MockedText(kind, "object", None)
        elif isinstance(node, cst.Call):
            choices = keyword(node, "choices")
            if choices is not None:
                yield from _call_choices(choices.value)


def _dict_choices(value: cst.BaseExpression) -> Iterator[MockedText]:
    for item in _items(value):
        if isinstance(item, cst.Dict):
            for element in item.elements:
                if isinstance(element, cst.DictElement) and string_key(element.key) == "text":
                    yield MockedText(element, "dict", None)


def _call_choices(value: cst.BaseExpression) -> Iterator[MockedText]:
    for item in _items(value):
        if isinstance(item, cst.Call):
            text = keyword(item, "text")
            if text is not None:
                yield MockedText(text, "call", item.func)


def _items(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(value, (cst.List, cst.Tuple)):
        return [element.value for element in value.elements]
    return []


def chat_text(node: cst.CSTNode, style: str, callee: Optional[cst.BaseExpression]) -> cst.CSTNode:
    """The chat form of a fake choice's text: `"message": {"role": "assistant", "content": x}`
    or `message=Mock(content=x)` (the same mock class as the choice)."""
    if style == "object":
        assert isinstance(node, cst.DictElement) and isinstance(node.value, cst.SimpleString)
        quote = node.value.quote
        return node.with_changes(value=cst.SimpleString(f"{quote}chat.completion{quote}"))
    if style == "dict":
        assert isinstance(node, cst.DictElement) and isinstance(node.key, cst.SimpleString)
        quote = node.key.quote
        message = cst.Dict(
            [
                cst.DictElement(cst.SimpleString(f"{quote}role{quote}"), cst.SimpleString(f"{quote}assistant{quote}")),
                cst.DictElement(cst.SimpleString(f"{quote}content{quote}"), node.value),
            ]
        )
        return node.with_changes(key=cst.SimpleString(f"{quote}message{quote}"), value=message)
    assert isinstance(node, cst.Arg) and callee is not None
    inner = cst.Call(func=callee, args=[cst.Arg(keyword=cst.Name("content"), value=node.value, equal=node.equal)])
    return node.with_changes(keyword=cst.Name("message"), value=inner)
