"""Receivers: whether the expression a `.completions.create` hangs off is an OpenAI client.

A receiver resolves through imports, client constructors, `with_options(...)`/`copy(...)`,
local variables, parameters (their annotation, or the pytest fixture of that name in the
module or a `conftest.py` up the tree), `self` attributes (their values or annotations,
in the class or a base class of it, or a property returning one), functions and methods
that return a client, and names imported from the project's other modules, which are
parsed and resolved the same way.

`OTHER` is evidence of another SDK (a client of anthropic, together, ...); `EITHER` is a
name that holds OpenAI's client on some paths and another SDK's on others. Anything this
analysis cannot follow is `None`: unknown, never silently someone else's. `getattr(x,
"name")` is read as `x.name`.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

import libcst as cst

from migrator.tree import Binding, ModuleIndex

from .. import sdk
from .names import Memo, Names
from .records import EITHER, OTHER, Client, Receiver
from .syntax import (
    annotation_names,
    decorator_names,
    dotted,
    has_custom_base_url,
    keyword,
    return_values,
    spread_source,
)

# How far a receiver is followed across the project's modules (import chains).
_MODULE_DEPTH = 4
_FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})
_PROPERTIES = frozenset({"property", "functools.cached_property", "cached_property"})


class Receivers:
    def __init__(self, names: Names, path: str, module_depth: int = 0) -> None:
        self.names = names
        self.path = path
        self.module_depth = module_depth
        self.files_read: list[str] = []  # other files looked at: the results depend on them
        self.saw_openai = False  # one of those modules imports openai: the project uses it
        self._memo: Memo[Receiver] = Memo(limit=12)

    def receiver(self, node: cst.BaseExpression, depth: int = 0) -> Receiver:
        return self._memo.get(node, depth, lambda: self._receiver(node, depth))

    def _receiver(self, node: cst.BaseExpression, depth: int) -> Receiver:
        if isinstance(node, cst.Call):
            spelled = self.names.getattr_literal(node)
            if spelled is not None:
                holder, attribute = spelled
                qualified = {f"{name}.{attribute}" for name in self.names.qualified_names(holder)}
                return self._attribute_receiver(holder, attribute, qualified, depth)
            return self._call_receiver(node, depth)
        if isinstance(node, cst.Name):
            if "openai" in self.names.qualified_names(node):
                return Client(is_module=True)
            assignments = self.names.assignments(node)
            if not assignments:
                return None
            return join_receivers([self._assignment_receiver(a, node, depth) for a in assignments])
        if isinstance(node, cst.Attribute):
            return self._attribute_receiver(node.value, node.attr.value, self.names.qualified_names(node), depth)
        return None

    def _attribute_receiver(self, holder: cst.BaseExpression, attribute: str, names: set[str], depth: int) -> Receiver:
        """`holder.attribute`, whose qualified names are `names`."""
        if "openai" in names:
            return Client(is_module=True)
        if isinstance(holder, cst.Name) and self.names.enclosing_class_of_self(holder) is not None:
            return self._self_attribute_receiver(holder, attribute, depth)
        return self._dotted_receiver(names, depth)

    def _call_receiver(self, node: cst.Call, depth: int) -> Receiver:
        names = self.names.qualified_names(node.func)
        for name in names:
            if name in sdk.CLIENT_CLASSES:
                is_async, is_azure = sdk.CLIENT_CLASSES[name]
                deployment = keyword(node, "azure_deployment") if is_azure else None
                spread = spread_source(node)
                return Client(
                    is_async=is_async,
                    is_azure=is_azure,
                    # Built from `**cfg`: its `base_url` is unknown.
                    custom_base_url=has_custom_base_url(node) or spread is not None,
                    deployments=(deployment.value,) if deployment is not None else (),
                    spread=spread,
                )
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("with_options", "copy"):
            inner = self.receiver(node.func.value, depth + 1)
            spread = spread_source(node)
            if isinstance(inner, Client) and (has_custom_base_url(node) or spread is not None):
                return replace(inner, custom_base_url=True, spread=inner.spread or spread)
            return inner
        function = self.names.local_function(node.func)
        if function is not None:
            return self.function_receiver(function, depth)
        if isinstance(node.func, cst.Name):
            for binding in self.names.assignments(node.func) or ():
                if binding.is_import:
                    found = self._imported(binding, node.func.value)
                    if found is not None:
                        other, bindings = found
                        return self._through(other, [other.receivers.call_of(bindings, depth + 1)])
        return _foreign(names)

    def call_of(self, bindings: Sequence[Binding], depth: int) -> Receiver:
        """What calling the function or class these module-level bindings define gives."""
        results: list[Receiver] = []
        for binding in bindings:
            if isinstance(binding.node, cst.FunctionDef):
                results.append(self.function_receiver(binding.node, depth))
            elif isinstance(binding.node, cst.ClassDef):
                results.append(self._class_receiver(binding.node))
            else:
                results.append(None)
        return join_receivers(results) if results else None

    def _class_receiver(self, klass: cst.ClassDef) -> Receiver:
        """A class of the user's own: a client if it subclasses one."""
        for base in klass.bases:
            for name in self.names.qualified_names(base.value):
                if name in sdk.CLIENT_CLASSES:
                    is_async, is_azure = sdk.CLIENT_CLASSES[name]
                    return Client(is_async=is_async, is_azure=is_azure)
        return None

    def _assignment_receiver(self, assignment: Binding, use: cst.Name, depth: int) -> Receiver:
        if assignment.is_import:
            found = self._imported(assignment, assignment.name)
            if found is None:
                return _foreign({assignment.imported or ""})
            other, bindings = found
            return self._through(other, [other.receivers._module_binding_receiver(b, depth + 1) for b in bindings])
        value = self.names.assigned_value(assignment)
        if isinstance(value, cst.Param):
            annotated = self.annotation_receiver(value.annotation)
            return annotated if annotated is not None else self._fixture_receiver(value, depth)
        if isinstance(value, cst.BaseExpression):
            return self.receiver(value, depth + 1)
        if isinstance(value, cst.ClassDef):
            return self._class_receiver(value)
        if isinstance(value, cst.CSTNode) and not isinstance(value, (cst.For, cst.CompFor, cst.WithItem)):
            return None  # a function of the user's own, used as a value
        if isinstance(assignment.node, cst.Name):
            owner = self.names.parent(assignment.node)
            if isinstance(owner, cst.AnnAssign):
                return self.annotation_receiver(owner.annotation)
        return None

    def annotation_receiver(self, annotation: Optional[cst.Annotation]) -> Receiver:
        """What an annotation says a value is: `OpenAI`, `Optional[AsyncOpenAI]`, ..."""
        if annotation is None:
            return None
        expression = annotation.annotation
        if isinstance(expression, cst.SimpleString):
            return None
        for node in (expression, *annotation_names(expression)):
            for name in self.names.qualified_names(node):
                if name in sdk.CLIENT_CLASSES:
                    is_async, is_azure = sdk.CLIENT_CLASSES[name]
                    return Client(is_async=is_async, is_azure=is_azure)
        return _foreign(self.names.qualified_names(expression))

    def _self_attribute_receiver(self, owner: cst.Name, attribute: str, depth: int) -> Receiver:
        """`self.client` where the class (or a base class) assigns, annotates or returns it."""
        klass = self.names.enclosing_class_of_self(owner)
        if klass is None:
            return None
        results: list[Receiver] = []
        for statement, value in self.names.attribute_statements(klass, attribute, owner.value):
            if isinstance(statement, cst.AnnAssign) and (value is None or isinstance(statement.target, cst.Name)):
                results.append(self.annotation_receiver(statement.annotation))
            elif value is not None and not (isinstance(statement, cst.Assign) and _assigns_name(statement)):
                results.append(self.receiver(value, depth + 1))
        if not results:
            method = self.names.method(klass, attribute)
            if method is not None and _PROPERTIES & set(decorator_names(method)):
                return self.function_receiver(method, depth)
        return join_receivers(results) if results else None

    def function_receiver(self, function: cst.FunctionDef, depth: int, *, yields: bool = False) -> Receiver:
        if function.returns is not None:
            annotated = self.annotation_receiver(function.returns)
            if annotated is not None:
                return annotated
        results = [self.receiver(value, depth + 1) for value in return_values(function, yields=yields)]
        return join_receivers(results) if results else None

    # -- pytest fixtures --

    def _fixture_receiver(self, param: cst.Param, depth: int) -> Receiver:
        """A parameter named like a pytest fixture of this module or of a `conftest.py`
        up the tree is what the fixture returns or yields."""
        if param.default is not None or not isinstance(self.names.parent(self.names.parent(param) or param), cst.FunctionDef):
            return None
        name = param.name.value
        fixture = fixture_function(self.names, name)
        if fixture is not None:
            return self.function_receiver(fixture, depth, yields=True)
        for other in self._conftests():
            found = fixture_function(other.names, name)
            if found is not None:
                return self._through(other, [other.receivers.function_receiver(found, depth + 1, yields=True)])
        return None

    def _conftests(self) -> Iterator[ProjectModule]:
        if self.module_depth >= _MODULE_DEPTH:
            return
        folder = Path(self.path).resolve().parent
        for candidate in [folder, *folder.parents][:8]:
            path = candidate / "conftest.py"
            if path.is_file() and path != Path(self.path).resolve():
                self.files_read.append(str(path))
                loaded = load_module(path, self.names.proxies, self.module_depth + 1)
                if loaded is not None:
                    self.saw_openai = self.saw_openai or loaded.imports_openai
                    yield loaded
            if (candidate / ".git").exists():
                return

    # -- the project's other modules --

    def _imported(self, binding: Binding, local: str) -> Optional[tuple[ProjectModule, list[Binding]]]:
        """The module-level bindings, in the project module it comes from, of a name this
        module imports (`from .clients import client as c`)."""
        statement = binding.node
        if self.module_depth >= _MODULE_DEPTH or not isinstance(statement, cst.ImportFrom):
            return None
        if statement.module is None and not statement.relative:
            return None
        module = dotted(statement.module) if statement.module is not None else ""
        if not statement.relative and module.split(".")[0] in ("openai", *sdk.OTHER_SDKS):
            return None
        name = local
        if not isinstance(statement.names, cst.ImportStar):
            for alias in statement.names:
                as_name = alias.asname.name if alias.asname else alias.name
                if isinstance(as_name, cst.Name) and as_name.value == local and isinstance(alias.name, cst.Name):
                    name = alias.name.value
        return self._exported(module, len(statement.relative), name)

    def _exported(self, module: str, level: int, name: str) -> Optional[tuple[ProjectModule, list[Binding]]]:
        path = module_file(Path(self.path), module, level)
        if path is None:
            # `from .pkg import module_attr` where `pkg/__init__.py` does not bind it.
            return None
        self.files_read.append(str(path))
        other = load_module(path, self.names.proxies, self.module_depth + 1)
        if other is None:
            return None
        self.saw_openai = self.saw_openai or other.imports_openai
        bindings = other.index.module_scope.bindings.get(name, [])
        return (other, list(bindings)) if bindings else None

    def _dotted_receiver(self, names: set[str], depth: int) -> Receiver:
        """`clients.shared` where `clients` is a project module imported whole."""
        for name in names:
            module, _, attribute = name.rpartition(".")
            if not module or module.split(".")[0] in ("openai", *sdk.OTHER_SDKS) or self.module_depth >= _MODULE_DEPTH:
                continue
            found = self._exported(module, 0, attribute)
            if found is not None:
                other, bindings = found
                return self._through(other, [other.receivers._module_binding_receiver(b, depth + 1) for b in bindings])
        return _foreign(names)

    def _module_binding_receiver(self, binding: Binding, depth: int) -> Receiver:
        """What a module-level name of this module is bound to (asked from another one)."""
        if isinstance(binding.node, cst.Name) or binding.is_import:
            node = binding.node if isinstance(binding.node, cst.Name) else cst.Name(binding.name)
            return self._assignment_receiver(binding, node, depth)
        return None

    def _through(self, other: ProjectModule, results: Sequence[Receiver]) -> Receiver:
        """An answer found in another module: what that module read, this file depends on."""
        self.files_read.extend(path for path in other.receivers.files_read if path not in self.files_read)
        self.saw_openai = self.saw_openai or other.receivers.saw_openai
        return join_receivers(results)


def fixture_function(names: Names, name: str) -> Optional[cst.FunctionDef]:
    """The module-level pytest fixture that a test parameter `name` receives."""
    for binding in names.index.module_scope.bindings.get(name, []):
        node = binding.node
        if isinstance(node, cst.FunctionDef) and _is_fixture(names, node):
            return node
    for function in names.index.nodes(cst.FunctionDef):
        # `@pytest.fixture(name="client")` on a function of another name.
        if _is_fixture(names, function) and _fixture_alias(function) == name:
            return function
    return None


def _is_fixture(names: Names, function: cst.FunctionDef) -> bool:
    for decorator in function.decorators:
        expression = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        qualified = names.qualified_names(expression)
        if qualified & _FIXTURE_DECORATORS or dotted(expression) in ("fixture", "pytest.fixture"):
            return True
    return False


def _fixture_alias(function: cst.FunctionDef) -> Optional[str]:
    for decorator in function.decorators:
        if isinstance(decorator.decorator, cst.Call):
            for arg in decorator.decorator.args:
                if arg.keyword is not None and arg.keyword.value == "name" and isinstance(arg.value, cst.SimpleString):
                    value = arg.value.evaluated_value
                    return value if isinstance(value, str) else None
    return None


def _foreign(names: set[str]) -> Receiver:
    """OTHER when a qualified name belongs to another SDK; else unknown."""
    for name in names:
        if name.split(".")[0] in sdk.OTHER_SDKS:
            return OTHER
    return None


def _assigns_name(statement: cst.Assign) -> bool:
    # A class-level `client = ...` is not read through `self.client` by this analysis.
    return all(isinstance(target.target, cst.Name) for target in statement.targets)


def join_receivers(results: Sequence[Receiver]) -> Receiver:
    """One answer for a name bound several ways: OpenAI's client on one path and another
    SDK's on another is EITHER; else OTHER wins, and unknown spoils the rest."""
    clients = [r for r in results if isinstance(r, Client)]
    if any(r is EITHER for r in results) or (clients and any(r is OTHER for r in results)):
        return EITHER
    if any(r is OTHER for r in results):
        return OTHER
    if not clients or len(clients) != len(results):
        return None
    deployments: list[cst.BaseExpression] = []
    for client in clients:
        deployments.extend(d for d in client.deployments if not any(d is seen for seen in deployments))
    return Client(
        is_async=any(c.is_async for c in clients),
        is_azure=any(c.is_azure for c in clients),
        custom_base_url=any(c.custom_base_url for c in clients),
        is_module=all(c.is_module for c in clients),
        deployments=tuple(deployments),
        spread=next((c.spread for c in clients if c.spread is not None), None),
    )


def module_file(current: Path, module: str, level: int) -> Optional[Path]:
    """The file of a project module imported from `current` (relative or absolute)."""
    parts = [p for p in module.split(".") if p]
    if level:
        base = current.parent
        for _ in range(level - 1):
            base = base.parent
        candidates = [base]
    else:
        candidates = [current.parent, *current.parent.parents][:6]
    for base in candidates:
        target = base.joinpath(*parts) if parts else base
        for path in (target.with_suffix(".py"), target / "__init__.py"):
            if path.is_file():
                return path
    return None


@dataclass(frozen=True)
class ProjectModule:
    """Another module of the project, parsed to see what its names are bound to."""

    path: str
    index: ModuleIndex
    names: Names
    receivers: Receivers

    @property
    def imports_openai(self) -> bool:
        return any(
            binding.imported is not None and binding.imported.split(".")[0] == "openai"
            for bindings in self.index.module_scope.bindings.values()
            for binding in bindings
        )


# Parsed once per process while unchanged: every file of a project asks about the same
# few shared modules (a `clients.py`, a `conftest.py`).
_LOADED: dict[tuple[str, tuple[str, ...]], tuple[tuple[int, int], Optional[ProjectModule]]] = {}
_MAX_LOADED = 64
_MAX_BYTES = 2_000_000


def forget(paths: Collection[str]) -> None:
    """Parse `paths` again when next asked, whatever their size and modification time say."""
    changed = {*paths, *(os.path.realpath(path) for path in paths)}
    for key in [key for key in _LOADED if key[0] in changed or os.path.realpath(key[0]) in changed]:
        del _LOADED[key]


def load_module(path: Path, proxies: tuple[str, ...], module_depth: int) -> Optional[ProjectModule]:
    key = (str(path), proxies)
    try:
        info = os.stat(path)
    except OSError:
        return None
    stamp = (info.st_mtime_ns, info.st_size)
    known = _LOADED.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    loaded: Optional[ProjectModule] = None
    if info.st_size <= _MAX_BYTES:
        try:
            module = cst.parse_module(path.read_bytes())
        except Exception:  # a module we cannot parse tells us nothing; its own check says why
            module = None
        if module is not None:
            index = ModuleIndex(module)
            names = Names(index, proxies)
            loaded = ProjectModule(str(path), index, names, Receivers(names, str(path), module_depth))
    if len(_LOADED) >= _MAX_LOADED:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[key] = (stamp, loaded)
    return loaded
