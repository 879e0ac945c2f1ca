"""What the arguments of a completions call mean for its migration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

import libcst as cst

from . import sdk
from .analysis import CompletionsCall
from .analysis.names import Names
from .analysis.syntax import argument_for, source, walk

BATCH_ADVICE = (
    "chat has no batched prompts: send one chat request per prompt (a loop, or "
    "`asyncio.gather` with the async client) and read `choices[0].message.content` of each; "
    "with `n > 1`, each request returns its own `n` choices"
)
TOKENS_ADVICE = (
    "chat takes text, not token arrays: decode the tokens with the tokenizer of the model "
    "they were made for (`tiktoken`), then send the text as the user message"
)
NONE_ADVICE = "chat needs a message: pass the text the model should answer as `prompt`"
MODEL_ADVICE = "chat needs `model=`: name the model (or, on Azure, the deployment) the call is for"
KWARGS_ADVICE = (
    "the keyword arguments are built elsewhere, so the call cannot be rewritten safely: "
    "pass `prompt` and the parameters explicitly, or build `messages` yourself"
)


@dataclass(frozen=True)
class Unsupported:
    node: cst.CSTNode
    what: str
    advice: str


def prompt_shape(names: Names, value: cst.BaseExpression, depth: int = 0) -> str:
    """'str', 'batch', 'tokens' or 'none' for the value passed as `prompt=`.

    A list need not look like one: a parameter typed `Union[str, List[str]]`, a tuple,
    a list that the module's callers pass, a name that says it holds several prompts
    (`prompts`, `input_texts`), a slice of any of these, or an attribute the module sets
    to (or annotates as) one, is a batch as far as the migration can tell.
    """
    if isinstance(value, cst.Name):
        if value.value == "None":
            return "none"
        if _plural(value.value):
            return "batch"
        assignments = names.assignments(value)
        if assignments and depth < 4:
            shapes = set()
            for assignment in assignments:
                bound = names.assigned_value(assignment)
                if isinstance(bound, cst.Param):
                    shapes.add(_param_shape(names, bound, depth))
                elif isinstance(bound, (cst.For, cst.CompFor)):
                    shapes.add("str")  # one element of what is iterated
                elif isinstance(bound, cst.BaseExpression):
                    shapes.add(prompt_shape(names, bound, depth + 1))
                else:
                    shapes.add("str")
            for shape in ("tokens", "batch", "none"):
                if shape in shapes:
                    return shape
        return "str"
    if isinstance(value, (cst.List, cst.Tuple, cst.ListComp, cst.GeneratorExp, cst.Set)):
        elements = value.elements if isinstance(value, (cst.List, cst.Tuple, cst.Set)) else []
        if elements and all(isinstance(e.value, cst.Integer) for e in elements):
            return "tokens"
        if elements and all(isinstance(e.value, (cst.List, cst.Tuple)) for e in elements):
            return "tokens"
        return "batch"
    if isinstance(value, cst.Subscript) and any(isinstance(e.slice, cst.Slice) for e in value.slice):
        # `docs[i:i + 20]` is a batch when `docs` is one; `text[:1000]` is one prompt.
        inner = prompt_shape(names, value.value, depth + 1) if depth < 4 else "str"
        return inner if inner in ("batch", "tokens") else "str"
    if isinstance(value, cst.Attribute) and depth < 4:
        return _attribute_shape(names, value, depth)
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("encode", "encode_batch", "encode_ordinary"):
            return "tokens"
        if isinstance(func, cst.Name) and func.value in ("list", "tuple"):
            return "batch"
    return "str"


_SEQUENCE_TYPES = frozenset({"list", "List", "Sequence", "Iterable", "tuple", "Tuple", "SequenceNotStr", "Collection"})
# Names of what holds several prompts (a parameter, a variable): `prompts`, `input_texts`.
_BATCH_WORDS = frozenset(
    {"prompt", "text", "input", "question", "query", "queries", "document", "doc", "sentence", "example", "sample", "passage", "batch"}
)


def _plural(name: str) -> bool:
    last = name.lower().strip("_").rsplit("_", 1)[-1]
    if last in ("batch", "batches", "queries"):
        return True
    return last.endswith("s") and not last.endswith("ss") and last[:-1] in _BATCH_WORDS


def _param_shape(names: Names, param: cst.Param, depth: int) -> str:
    """What a parameter holds: its annotation, its default, what the module's callers pass."""
    shape = _annotation_shape(param.annotation)
    if shape != "str":
        return shape
    shapes = set()
    if param.default is not None:
        shapes.add(prompt_shape(names, param.default, depth + 1))
    function = names.parent(names.parent(param) or param)
    if isinstance(function, cst.FunctionDef):
        position = next((i for i, p in enumerate(function.params.params) if p is param), None)
        for site, bound in names.call_sites(function) or ():
            argument = argument_for(site, param.name.value, position, bound and names.is_method(function))
            if argument is not None:
                shapes.add(prompt_shape(names, argument, depth + 1))
    for shape in ("tokens", "batch", "none"):
        if shape in shapes:
            return shape
    return "str"


def _attribute_shape(names: Names, value: cst.Attribute, depth: int) -> str:
    """`self.prompts`: what the module stores on the attribute (and how it annotates it)."""
    held = names.slots.attribute(value)
    shapes = set()
    for statement, stored in held.stores if held is not None else ():
        if isinstance(statement, cst.AnnAssign):
            shapes.add(_annotation_shape(statement.annotation))
        if stored is not None:
            shapes.add(prompt_shape(names, stored, depth + 1))
    for shape in ("tokens", "batch", "none"):
        if shape in shapes and (shape != "none" or shapes == {"none"}):
            return shape
    return "str"


def _annotation_shape(annotation: Optional[cst.Annotation]) -> str:
    """A parameter annotated `list[str]`, `Union[str, List[str]]`, `Sequence[int]`... is
    not (always) one prompt."""
    if annotation is None:
        return "str"
    for node in walk(annotation.annotation):
        name = node.attr.value if isinstance(node, cst.Attribute) else node.value if isinstance(node, cst.Name) else ""
        if name in _SEQUENCE_TYPES:
            return "batch"
    return "str"


def unsupported(names: Names, call: CompletionsCall) -> list[Unsupported]:
    found: list[Unsupported] = []
    prompt: Optional[Union[cst.Arg, cst.DictElement]] = None
    for name_or_none, arg in call.parameters():
        if isinstance(arg, cst.Arg) and arg.star:
            found.append(Unsupported(arg, f"`{arg.star}{source(arg.value)}`", KWARGS_ADVICE))
            continue
        if name_or_none is None:
            found.append(Unsupported(arg, "a positional argument", "the SDK's `create` takes keyword arguments only"))
            continue
        name = name_or_none
        if name == "prompt":
            prompt = arg
        elif name in sdk.UNSUPPORTED_PARAMETERS:
            neutral, advice = sdk.UNSUPPORTED_PARAMETERS[name]
            if not is_neutral(arg.value, neutral):
                found.append(Unsupported(arg, f"`{name}`", advice))
    if prompt is not None:
        shape = prompt_shape(names, prompt.value)
        if shape == "batch":
            found.append(Unsupported(prompt, "a batched prompt (a list of prompts)", BATCH_ADVICE))
        elif shape == "tokens":
            found.append(Unsupported(prompt, "a token-array prompt", TOKENS_ADVICE))
        elif shape == "none":
            found.append(Unsupported(prompt, "`prompt=None`", NONE_ADVICE))
    elif not any(arg.star for arg in call.node.args) or call.spread is not None:
        found.append(Unsupported(call.node, "a call without `prompt`", NONE_ADVICE))
    if call.model_argument() is None and (not any(arg.star for arg in call.node.args) or call.spread is not None):
        found.append(Unsupported(call.node, "a call without `model`", MODEL_ADVICE))
    return found


def is_neutral(value: cst.BaseExpression, neutral: str) -> bool:
    """The argument passes the parameter's do-nothing value (`echo=False`, `best_of=1`)."""
    if isinstance(value, cst.Name):
        return value.value == neutral
    if isinstance(value, cst.Integer):
        return value.value == neutral
    return False
