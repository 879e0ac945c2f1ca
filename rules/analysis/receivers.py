"""Receivers: whether the expression a `.completions.create` hangs off is an OpenAI client.

A receiver resolves through imports, client constructors, `with_options(...)`/`copy(...)`,
local variables, parameters and `self` attributes (by their values or annotations), the
module's own factory functions, and clients imported from the project's other modules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import libcst as cst

from migrator.tree import Binding

from .. import sdk
from .names import Memo, Names
from .records import OTHER, Client, Receiver
from .syntax import annotation_names, dotted, has_custom_base_url, return_values

_CLIENT_ASSIGNMENT = r"^{name}\s*(?::[^=\n]+)?=\s*(?:[\w.]+\.)?(Async)?(Azure)?OpenAI\("


class Receivers:
    def __init__(self, names: Names, path: str) -> None:
        self.names = names
        self.path = path
        self.files_read: list[str] = []  # project modules looked at: the results depend on them
        self._memo: Memo[Receiver] = Memo(limit=12)

    def receiver(self, node: cst.BaseExpression, depth: int = 0) -> Receiver:
        return self._memo.get(node, depth, lambda: self._receiver(node, depth))

    def _receiver(self, node: cst.BaseExpression, depth: int) -> Receiver:
        if isinstance(node, cst.Call):
            return self._call_receiver(node, depth)
        if isinstance(node, cst.Name):
            if "openai" in self.names.qualified_names(node):
                return Client(is_module=True)
            assignments = self.names.assignments(node)
            if not assignments:
                return None
            return join_receivers([self._assignment_receiver(a, node, depth) for a in assignments])
        if isinstance(node, cst.Attribute):
            if "openai" in self.names.qualified_names(node):
                return Client(is_module=True)
            if isinstance(node.value, cst.Name):
                return self._self_attribute_receiver(node, depth)
        return None

    def _call_receiver(self, node: cst.Call, depth: int) -> Receiver:
        names = self.names.qualified_names(node.func)
        for name in names:
            if name in sdk.CLIENT_CLASSES:
                is_async, is_azure = sdk.CLIENT_CLASSES[name]
                return Client(is_async=is_async, is_azure=is_azure, custom_base_url=has_custom_base_url(node))
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("with_options", "copy"):
            inner = self.receiver(node.func.value, depth + 1)
            if isinstance(inner, Client) and has_custom_base_url(node):
                return Client(inner.is_async, inner.is_azure, True, inner.is_module)
            return inner
        function = self.names.local_function(node.func)
        if function is not None:
            return self._function_receiver(function, depth)
        if any(not name.startswith("openai.") for name in names if "." in name):
            return OTHER
        return None

    def _assignment_receiver(self, assignment: Binding, use: cst.Name, depth: int) -> Receiver:
        if assignment.is_import:
            return self._imported_receiver(assignment, use)
        value = self.names.assigned_value(assignment)
        if isinstance(value, cst.Param):
            return self.annotation_receiver(value.annotation)
        if isinstance(value, cst.BaseExpression):
            return self.receiver(value, depth + 1)
        if isinstance(value, cst.CSTNode) and not isinstance(value, (cst.For, cst.CompFor, cst.WithItem)):
            return OTHER  # a function or class of the user's own
        if isinstance(assignment.node, cst.Name):
            annotated = self.names.parent(assignment.node)
            if isinstance(annotated, cst.AnnAssign):
                return self.annotation_receiver(annotated.annotation)
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
        names = self.names.qualified_names(expression)
        if names and not any(name.startswith("openai") for name in names):
            return OTHER
        return None

    def _imported_receiver(self, assignment: Binding, use: cst.Name) -> Receiver:
        """`from .clients import client`: look at that module's text, if it is ours."""
        statement = assignment.node
        if not isinstance(statement, cst.ImportFrom) or (statement.module is None and not statement.relative):
            return None
        module = dotted(statement.module) if statement.module is not None else ""
        if module.split(".")[0] in ("openai", *sdk.OTHER_SDKS):
            return None
        imported_name = use.value
        if not isinstance(statement.names, cst.ImportStar):
            for alias in statement.names:
                as_name = alias.asname.name if alias.asname else alias.name
                if isinstance(as_name, cst.Name) and as_name.value == use.value and isinstance(alias.name, cst.Name):
                    imported_name = alias.name.value
        path = module_file(Path(self.path), module, len(statement.relative))
        if path is None:
            return None
        self.files_read.append(str(path))
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        if not re.search(r"^\s*(import openai|from openai\b)", text, re.MULTILINE):
            return None
        match = re.search(_CLIENT_ASSIGNMENT.format(name=re.escape(imported_name)), text, re.MULTILINE)
        if match is None:
            return None
        return Client(is_async=bool(match.group(1)), is_azure=bool(match.group(2)))

    def _self_attribute_receiver(self, node: cst.Attribute, depth: int) -> Receiver:
        """`self.client` where the class assigns or annotates `client`."""
        assert isinstance(node.value, cst.Name)
        klass = self.names.enclosing_class_of_self(node.value)
        if klass is None:
            return None
        results: list[Receiver] = []
        for statement, value in self.names.attribute_statements(klass, node.attr.value, node.value.value):
            if isinstance(statement, cst.AnnAssign) and (value is None or isinstance(statement.target, cst.Name)):
                results.append(self.annotation_receiver(statement.annotation))
            elif value is not None and not (isinstance(statement, cst.Assign) and _assigns_name(statement)):
                results.append(self.receiver(value, depth + 1))
        return join_receivers(results) if results else None

    def _function_receiver(self, function: cst.FunctionDef, depth: int) -> Receiver:
        if function.returns is not None:
            annotated = self.annotation_receiver(function.returns)
            if annotated is not None:
                return annotated
        results = [self.receiver(value, depth + 1) for value in return_values(function)]
        return join_receivers(results) if results else None


def _assigns_name(statement: cst.Assign) -> bool:
    # A class-level `client = ...` is not read through `self.client` by this analysis.
    return all(isinstance(target.target, cst.Name) for target in statement.targets)


def join_receivers(results: Sequence[Receiver]) -> Receiver:
    """One answer for a name bound several ways: OTHER wins, unknown spoils the rest."""
    if any(r is OTHER for r in results):
        return OTHER
    clients = [r for r in results if isinstance(r, Client)]
    if not clients or len(clients) != len(results):
        return None
    return Client(
        is_async=any(c.is_async for c in clients),
        is_azure=any(c.is_azure for c in clients),
        custom_base_url=any(c.custom_base_url for c in clients),
        is_module=all(c.is_module for c in clients),
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
