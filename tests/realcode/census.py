"""An independent census of legacy Completions call sites, on CPython's `ast`.

It scores the tool on real code, so it shares nothing with it: it never imports the
rules (`rules/`, `migrator_rules`) or the engine, and it is deliberately syntactic and
small, so that a reviewer can read it in one sitting and agree with every site it lists.

What is a site (`Site.kind`):

- ``call``: a call of
  - ``X.completions.create`` / ``.acreate``, ``X.completions.with_raw_response.create``,
    ``X.completions.with_streaming_response.create``, ``X.with_raw_response.completions.create``
    and ``X.with_streaming_response.completions.create``, for any receiver ``X`` except
    one whose last attribute is ``chat`` (so ``client.chat.completions`` and
    ``client.beta.chat.completions`` are not sites); ``X`` may contain calls
    (``OpenAI().completions.create``, ``client.with_options(...).completions.create``);
  - ``X.Completion.create`` / ``.acreate`` for any receiver ``X`` (``openai.Completion``,
    ``self._openai.Completion``, ``openai.api_resources.completion.Completion``, and
    wrappers that copy the v0 class's interface, such as ``autogen.oai.Completion``);
  - ``Completion.create`` / ``.acreate`` where ``Completion`` (under any alias) is imported
    from ``openai`` or one of its submodules;
  - ``openai.Completions.create`` on a name imported as the ``openai`` module (a v0/v1
    mix-up seen in real code: it is meant as the completions endpoint);
  - ``openai.Engine(...).generate(...)`` (``Engine`` as an attribute of the openai module
    or imported from it).
- ``value``: the same ``create`` / ``acreate`` attributes used as values, not called
  (``create = client.completions.create``, ``partial(openai.Completion.create, ...)``,
  ``return openai.completions.create``); and the legacy endpoint object itself stored or
  passed as a value: ``openai.Completion`` / an imported ``Completion`` (as an assigned or
  returned value, a call argument, a base class; not in annotations or subscripts such as
  ``Type[Completion]``), and ``.completions`` of the openai module, of a client
  constructor call (``openai.OpenAI(...).completions``), of a name that the same
  function binds to a client (a parameter annotated ``OpenAI``/``AsyncOpenAI``/
  ``AzureOpenAI``/``AsyncAzureOpenAI`` or an assignment from one of those constructors),
  or of any receiver ``X`` when it is one branch of a conditional whose other branch is
  ``X.chat.completions`` (``client.chat.completions if chat else client.completions``).
- ``alias-call``: a call through a binding of a ``value`` site in the same module: a
  name bound to it in the same function or at module level (``fn = openai.Completion.create``
  ... ``fn(...)``; ``endpoint = openai.Completion`` ... ``endpoint.create(...)``), or an
  attribute that a class of the module sets to it with ``self.attr = ...`` or, as pydantic
  validators do, ``values["attr"] = ...`` (``self.client.create(...)``,
  ``llm.client.create(...)``). A binding counts when the value site is the assigned
  expression or one branch of a conditional (``a if v1 else b``) or boolean expression.

Which sites belong to another SDK and are left out (``excluded``, counted separately):

1. a call with a ``max_tokens_to_sample=`` keyword (Anthropic's text completions);
2. a site whose receiver starts with a name imported from another SDK
   (``fireworks.client.Completion.create``, ``pg.Completion.create`` after
   ``import predictionguard as pg``) or a name or attribute that the module assigns from
   one or from a call of one (``c = anthropic.Anthropic(...)``, ``self._client = Together()``);
3. a ``.completions`` site or an ``alias-call`` in a module that imports no ``openai``
   module but imports another SDK, or imports from a module named after one
   (``from langchain.llms.anthropic import _AnthropicCommon``).

"Another SDK" means a top-level package in ``OTHER_SDKS``; "imported from openai" means
from ``openai`` itself, or, for ``Completion`` and ``Engine``, ``openai.api_resources``
and its submodule for the class (``openai.types.completion.Completion`` is the v1
response type, not the endpoint, and is no site).

Files: ``*.py``, ``*.pyi`` and ``*.ipynb`` under a root, skipping the directory names
the tool skips by default (``EXCLUDED_DIRS``). A notebook's code cells are joined in
order and parsed as one module (IPython magics, shell escapes and help lines blanked);
its sites carry the cell number and the line within the cell. A file CPython cannot
parse has no sites and is listed as unparsable.
"""

from __future__ import annotations

import ast
import json
import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

OTHER_SDKS = frozenset(
    {"anthropic", "together", "fireworks", "groq", "mistralai", "cohere", "ai21", "predictionguard"}
)
# Where the names that make a site may be imported from (for `Completion`, `Engine`,
# and the client classes).
OPENAI_SOURCES = {
    "Completion": ("openai", "openai.api_resources", "openai.api_resources.completion"),
    "Engine": ("openai", "openai.api_resources", "openai.api_resources.engine"),
}
EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".venv",
        "venv",
        ".tox",
        "node_modules",
        "build",
        "dist",
        "site-packages",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".migrator_cache",
    }
)
CLIENT_CLASSES = frozenset({"OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI"})
METHODS = frozenset({"create", "acreate"})
RESPONSE_WRAPPERS = frozenset({"with_raw_response", "with_streaming_response"})

Scope = Union[ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]


@dataclass(frozen=True, order=True)
class Site:
    """One legacy site. `line`/`end_line` are 1-based; in a notebook they count in `cell`."""

    cell: int
    line: int
    end_line: int
    column: int
    kind: str
    text: str = field(compare=False)

    def where(self) -> str:
        return f"cell {self.cell}:{self.line}" if self.cell else str(self.line)


@dataclass
class FileCensus:
    sites: list[Site]
    excluded: list[Site]
    parsed: bool


# Every site's text holds one of these (an alias call is counted only in a module that
# holds its value site), so a file without them is not parsed.
PREFILTER = (b"ompletion", b"Engine")


# -- source of a file -----------------------------------------------------------------


@dataclass
class _Source:
    text: str
    # For notebooks: joined line number (1-based) -> (cell, line in cell); empty for .py.
    lines: list[tuple[int, int]]


def _mask_ipython(line: str) -> str:
    stripped = line.lstrip()
    if stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#")):
        return ""
    head, equals, rest = line.partition("=")
    if equals and head.strip().isidentifier() and rest.lstrip().startswith("!"):
        return ""  # var = !command
    return line


def notebook_cells(data: bytes) -> list[tuple[int, str]]:
    """(1-based cell number, source) of each code cell of a Python notebook."""
    try:
        notebook = json.loads(data)
    except ValueError:
        return []
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return []
    found = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        found.append((number, str(source)))
    return found


def _notebook_source(data: bytes) -> _Source:
    text_lines: list[str] = []
    where: list[tuple[int, int]] = []
    for number, source in notebook_cells(data):
        for index, line in enumerate(source.splitlines(), 1):
            text_lines.append(_mask_ipython(line))
            where.append((number, index))
        text_lines.append("")  # a blank line between cells
        where.append((number, len(source.splitlines()) + 1))
    return _Source("\n".join(text_lines) + "\n", where)


def _parse(text: Union[str, bytes]) -> Optional[ast.Module]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def parses(path: Path, data: bytes) -> bool:
    """Whether CPython parses the file (a notebook: its joined code cells)."""
    return _tree(path, data)[0] is not None


# -- the finder -----------------------------------------------------------------------


def _names(node: ast.expr) -> tuple[list[str], ast.expr]:
    """Attribute names from the root outwards, and the root (a Name is included in names)."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
    names.reverse()
    return names, node


def _dotted(node: ast.expr) -> Optional[str]:
    names, root = _names(node)
    return ".".join(names) if isinstance(root, ast.Name) else None


class _Module:
    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self.openai_modules: set[str] = set()  # names bound to the openai module
        self.openai_names: dict[str, str] = {}  # local name -> name imported from openai
        self.other_sdk_names: set[str] = set()
        self.imports_openai = False
        self.imports_other_sdk = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    bound = alias.asname or top
                    if top == "openai":
                        self.imports_openai = True
                        if alias.asname is None or alias.name == "openai":
                            self.openai_modules.add(bound)
                    elif top in OTHER_SDKS:
                        self.imports_other_sdk = True
                        self.other_sdk_names.add(bound)
                    elif OTHER_SDKS.intersection(alias.name.split(".")):
                        self.imports_other_sdk = True
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                if top == "openai":
                    self.imports_openai = True
                    for alias in node.names:
                        sources = OPENAI_SOURCES.get(alias.name, ("openai",))
                        if node.module in sources:
                            self.openai_names[alias.asname or alias.name] = alias.name
                elif top in OTHER_SDKS:
                    self.imports_other_sdk = True
                    for alias in node.names:
                        self.other_sdk_names.add(alias.asname or alias.name)
                elif OTHER_SDKS.intersection(node.module.split(".")):
                    self.imports_other_sdk = True
        self.other_sdk_receivers = self._other_sdk_receivers()

    # - helpers -

    def scope_of(self, node: ast.AST) -> Scope:
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return current
            current = self.parents.get(current)
        return self.tree

    def enclosing_scopes(self, node: ast.AST) -> Iterator[Scope]:
        scope = self.scope_of(node)
        while True:
            yield scope
            if isinstance(scope, ast.Module):
                return
            scope = self.scope_of(scope)

    def is_openai_module(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id in self.openai_modules

    def is_openai_import(self, node: ast.expr, name: str) -> bool:
        """`openai.<name>` or a bare name imported as `<name>` from openai."""
        if isinstance(node, ast.Attribute):
            return node.attr == name and self.is_openai_module(node.value)
        return isinstance(node, ast.Name) and self.openai_names.get(node.id) == name

    def _other_sdk_receivers(self) -> set[str]:
        """Dotted targets assigned from a call of (or a name imported from) another SDK."""
        found: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            source = value.func if isinstance(value, ast.Call) else value
            names, root = _names(source)
            if isinstance(root, ast.Name) and names and names[0] in self.other_sdk_names:
                for target in targets:
                    dotted = _dotted(target)
                    if dotted:
                        found.add(dotted)
        return found | self.other_sdk_names

    def client_name(self, node: ast.expr) -> bool:
        """Whether `node` is a client constructor call, or a name bound to one in its function."""
        if isinstance(node, ast.Call):
            return any(self.is_openai_import(node.func, name) for name in CLIENT_CLASSES)
        if not isinstance(node, ast.Name):
            return False
        for scope in self.enclosing_scopes(node):
            if not isinstance(scope, ast.Module):
                arguments = scope.args
                for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
                    if arg.arg == node.id and arg.annotation is not None:
                        annotation = arg.annotation
                        if isinstance(annotation, ast.Constant) and isinstance(
                            annotation.value, str
                        ):
                            parsed = _parse(annotation.value)
                            if parsed and parsed.body and isinstance(parsed.body[0], ast.Expr):
                                annotation = parsed.body[0].value
                        if any(
                            self.is_openai_import(sub, name)
                            for sub in ast.walk(annotation)
                            if isinstance(sub, (ast.Name, ast.Attribute))
                            for name in CLIENT_CLASSES
                        ):
                            return True
            for sub in self._own_nodes(scope):
                if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call):
                    if any(isinstance(t, ast.Name) and t.id == node.id for t in sub.targets):
                        if self.client_name(sub.value):
                            return True
        return False

    def _own_nodes(self, scope: Scope) -> Iterator[ast.AST]:
        """Nodes of a scope, not descending into nested functions."""
        stack: list[ast.AST] = list(ast.iter_child_nodes(scope))
        while stack:
            node = stack.pop()
            yield node
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                stack.extend(ast.iter_child_nodes(node))

    # - what an attribute chain is -

    def method_site(self, node: ast.Attribute) -> Optional[bool]:
        """For a `create`/`acreate` attribute: True for a v1 `.completions` site, False for
        a v0 `Completion` site, None when it is not a site."""
        if node.attr not in METHODS:
            return None
        receiver = node.value
        if isinstance(receiver, ast.Attribute) and receiver.attr in RESPONSE_WRAPPERS:
            receiver = receiver.value
        if isinstance(receiver, ast.Attribute) and receiver.attr == "completions":
            before = receiver.value
            if isinstance(before, ast.Attribute) and before.attr in RESPONSE_WRAPPERS:
                before = before.value
            if isinstance(before, ast.Attribute) and before.attr == "chat":
                return None
            return True
        if isinstance(receiver, ast.Attribute) and receiver.attr == "Completion":
            return False
        if isinstance(receiver, ast.Attribute) and receiver.attr == "Completions":
            return False if self.is_openai_module(receiver.value) else None
        if isinstance(receiver, ast.Name) and self.openai_names.get(receiver.id) == "Completion":
            return False
        return None

    def resource_value(self, node: ast.expr) -> bool:
        """`openai.Completion`, an imported `Completion`, or a client's `.completions`."""
        if self.is_openai_import(node, "Completion"):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "completions":
            return (
                self.is_openai_module(node.value)
                or self.client_name(node.value)
                or self.chat_switch(node)
            )
        return False

    def chat_switch(self, node: ast.Attribute) -> bool:
        """`X.completions` as the other branch of `X.chat.completions if ... else ...`."""
        parent = self.parents.get(node)
        if not isinstance(parent, ast.IfExp):
            return False
        other = parent.orelse if parent.body is node else parent.body
        receiver = _dotted(node.value)
        return (
            receiver is not None
            and isinstance(other, ast.Attribute)
            and other.attr == "completions"
            and _dotted(other.value) == f"{receiver}.chat"
        )

    def in_annotation_or_subscript(self, node: ast.AST) -> bool:
        child, parent = node, self.parents.get(node)
        while parent is not None and not isinstance(parent, ast.stmt):
            if isinstance(parent, ast.Subscript) and child is parent.slice:
                return True
            if isinstance(parent, ast.arg) and child is parent.annotation:
                return True
            if (
                isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef))
                and child is parent.returns
            ):
                return True
            child, parent = parent, self.parents.get(parent)
        if isinstance(parent, ast.AnnAssign) and child is parent.annotation:
            return True
        return (
            isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and child is parent.returns
        )

    def is_receiver(self, node: ast.expr) -> bool:
        parent = self.parents.get(node)
        return isinstance(parent, ast.Attribute) and parent.value is node

    def is_callee(self, node: ast.expr) -> bool:
        parent = self.parents.get(node)
        return isinstance(parent, ast.Call) and parent.func is node

    def excluded(self, call: Optional[ast.Call], receiver: Optional[ast.expr], v1: bool) -> bool:
        """Whether a site belongs to another SDK (rules 1-3 of the module docstring)."""
        if call is not None and any(k.arg == "max_tokens_to_sample" for k in call.keywords):
            return True
        if v1 and self.imports_other_sdk and not self.imports_openai:
            return True
        if receiver is None:
            return False
        base = receiver
        while isinstance(base, ast.Call):
            base = base.func
        dotted = _dotted(base)
        if dotted is None:
            return False
        return any(dotted == r or dotted.startswith(r + ".") for r in self.other_sdk_receivers)


def _receiver(node: ast.Attribute) -> ast.expr:
    """The `X` of `X.completions.create`, `X.Completion.create` (response wrappers skipped)."""
    current = node.value
    if isinstance(current, ast.Attribute) and current.attr in RESPONSE_WRAPPERS:
        current = current.value
    if isinstance(current, ast.Attribute) and current.attr in (
        "completions",
        "Completion",
        "Completions",
    ):
        current = current.value
    if isinstance(current, ast.Attribute) and current.attr in RESPONSE_WRAPPERS:
        current = current.value
    return current


def _holds(expr: ast.expr, target: ast.AST) -> bool:
    """Whether `target` is `expr`, or a branch of a conditional/boolean `expr`."""
    if expr is target:
        return True
    if isinstance(expr, ast.IfExp):
        return _holds(expr.body, target) or _holds(expr.orelse, target)
    if isinstance(expr, ast.BoolOp):
        return any(_holds(value, target) for value in expr.values)
    if isinstance(expr, ast.Await):
        return _holds(expr.value, target)
    return False


def _assignments(tree: ast.Module) -> Iterator[tuple[ast.expr, ast.expr]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                yield target, node.value
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            yield node.target, node.value


def _segment(lines: list[str], node: ast.AST) -> str:
    line = getattr(node, "lineno", 1)
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _census_module(tree: ast.Module) -> tuple[list[tuple[ast.AST, str]], list[tuple[ast.AST, str]]]:
    module = _Module(tree)
    sites: list[tuple[ast.AST, str]] = []
    excluded: list[tuple[ast.AST, str]] = []
    # Values that aliases can be bound to: node -> "method" (call it) or "resource" (.create it).
    values: dict[ast.AST, str] = {}

    def add(
        node: ast.AST, kind: str, call: Optional[ast.Call], receiver: Optional[ast.expr], v1: bool
    ) -> bool:
        out = module.excluded(call, receiver, v1)
        (excluded if out else sites).append((node, kind))
        return not out

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            v1 = module.method_site(node)
            if v1 is not None:
                receiver: Optional[ast.expr] = _receiver(node)
                if module.is_callee(node):
                    call = module.parents[node]
                    assert isinstance(call, ast.Call)
                    add(call, "call", call, receiver, v1)
                elif add(node, "value", None, receiver, v1):
                    values[node] = "method"
                continue
        if isinstance(node, (ast.Attribute, ast.Name)) and isinstance(node.ctx, ast.Load):
            if (
                module.resource_value(node)
                and not module.is_receiver(node)
                and not module.in_annotation_or_subscript(node)
            ):
                is_v1 = isinstance(node, ast.Attribute) and node.attr == "completions"
                receiver = node.value if isinstance(node, ast.Attribute) else None
                if add(node, "value", None, receiver, is_v1):
                    values[node] = "resource"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            engine = node.func.value
            if (
                node.func.attr == "generate"
                and isinstance(engine, ast.Call)
                and module.is_openai_import(engine.func, "Engine")
            ):
                add(node, "call", node, None, False)

    if not values:
        return sites, excluded

    # Bindings of the value sites: plain names per scope, and attributes per module.
    names: dict[tuple[int, str], str] = {}  # (id(scope), name) -> kind
    attributes: dict[str, str] = {}  # attribute name set by a class of the module -> kind
    for target, value in _assignments(tree):
        kinds = {kind for node, kind in values.items() if _holds(value, node)}
        if not kinds:
            continue
        kind = "method" if "method" in kinds else "resource"
        if isinstance(target, ast.Name):
            names[(id(module.scope_of(target)), target.id)] = kind
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id in ("self", "cls")
        ):
            attributes[target.attr] = kind
        elif (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == "values"
            and isinstance(target.slice, ast.Constant)
            and isinstance(target.slice.value, str)
        ):
            attributes[target.slice.value] = kind

    def bound(node: ast.expr) -> Optional[str]:
        if isinstance(node, ast.Name):
            for scope in module.enclosing_scopes(node):
                if (id(scope), node.id) in names:
                    return names[(id(scope), node.id)]
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            return attributes.get(node.attr)
        return None

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if bound(func) == "method":
            add(node, "alias-call", node, None, True)
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in METHODS
            and bound(func.value) == "resource"
        ):
            if module.method_site(func) is None:  # not already a `call` site
                add(node, "alias-call", node, None, True)
    return sites, excluded


def _sites(source: _Source, lines: list[str], found: list[tuple[ast.AST, str]]) -> list[Site]:
    result = []
    for node, kind in found:
        line = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", None) or line
        column = getattr(node, "col_offset", 0)
        if source.lines:
            cell, line_in_cell = source.lines[line - 1]
            _, end_in_cell = source.lines[end - 1]
            result.append(
                Site(cell, line_in_cell, end_in_cell, column, kind, _segment(lines, node))
            )
        else:
            result.append(Site(0, line, end, column, kind, _segment(lines, node)))
    return sorted(result)


def _tree(path: Path, data: bytes) -> tuple[Optional[ast.Module], _Source]:
    if path.suffix == ".ipynb":
        source = _notebook_source(data)
        return _parse(source.text), source
    return _parse(data), _Source(data.decode("utf-8", "replace"), [])


def census_file(path: Path, data: Optional[bytes] = None) -> FileCensus:
    if data is None:
        data = path.read_bytes()
    if not any(marker in data for marker in PREFILTER):
        return FileCensus([], [], parsed=True)
    tree, source = _tree(path, data)
    if tree is None:
        return FileCensus([], [], parsed=False)
    lines = source.text.splitlines()
    found, excluded = _census_module(tree)
    return FileCensus(_sites(source, lines, found), _sites(source, lines, excluded), parsed=True)


def call_lines(path: Path, data: bytes) -> set[tuple[int, int]]:
    """(cell, line) of every line that an `ast.Call` starts on or spans (cell 0 in a .py)."""
    tree, source = _tree(path, data)
    found: set[tuple[int, int]] = set()
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                found.add(source.lines[line - 1] if source.lines else (0, line))
    return found


def source_files(root: Path) -> Iterable[Path]:
    """The files the census (and the tool, by default) looks at, sorted."""
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in EXCLUDED_DIRS)
        for name in files:
            if name.endswith((".py", ".pyi", ".ipynb")):
                found.append(Path(directory) / name)
    return sorted(found)


if __name__ == "__main__":
    import sys

    for argument in sys.argv[1:]:
        base = Path(argument)
        for file in source_files(base) if base.is_dir() else [base]:
            result = census_file(file)
            for site in result.sites:
                print(f"{file}:{site.where()}: {site.kind}: {site.text}")
            for site in result.excluded:
                print(f"{file}:{site.where()}: excluded {site.kind}: {site.text}")
