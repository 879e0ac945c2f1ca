"""Candidates: the few nodes worth a closer look, picked from the index's node lists."""

from __future__ import annotations

from typing import Any, Callable

import libcst as cst

from migrator.tree import ModuleIndex

from .calls import V0_METHODS, endpoint_length
from .reads import LEGACY_TYPE_NAMES
from .syntax import attribute_names, dotted, spelled_chain, string_key, text_access

_REFERENCE_NAMES = frozenset({"Completion", "Completions", "completions", "create", "acreate"})
# openai<1.0 module settings that v1 renamed or no longer reads.
V0_MODULE_SETTINGS = frozenset(
    {"api_base", "proxy", "requestssession", "aiosession", "verify_ssl_certs", "ca_bundle_path", "api_key_path"}
)


class Candidates:
    def __init__(self, index: ModuleIndex) -> None:
        self.imported: set[str] = set()
        self.create_calls: list[cst.Call] = []
        self.name_calls: list[cst.Call] = []  # `create(...)`: maybe through a bound endpoint
        self.getattr_calls: list[cst.Call] = []  # `getattr(openai, "Completion").create(...)`
        # Where the legacy endpoint may be used as a value: `openai.Completion`,
        # `client.completions`, their `create`, an imported `Completion`.
        self.references: list[cst.BaseExpression] = []
        self.completion_aliases: set[str] = set()  # `from openai import Completion as X`
        self.text_guards: list[cst.Call] = []  # `hasattr(choice, "text")`
        self.text_attributes: list[cst.BaseExpression] = []
        self.strings: list[cst.SimpleString] = []
        self.object_strings: list[cst.SimpleString] = []
        self.v0_candidates: list[cst.Call] = []
        self.module_aliases: list[str] = []
        self.string_accesses: list[cst.BaseExpression] = []
        self.error_attributes: list[cst.Attribute] = []
        self.error_imports: list[cst.ImportFrom] = []
        self.type_names: list[cst.BaseExpression] = []
        self.config_attributes: list[cst.Attribute] = []
        looks: tuple[tuple[type, Callable[[Any], None]], ...] = (
            (cst.Import, self._import),
            (cst.ImportFrom, self._import_from),
            (cst.Call, self._call),
            (cst.Attribute, self._attribute),
            (cst.Subscript, self._subscript),
            (cst.SimpleString, self._simple_string),
            (cst.Name, self._name),
        )
        for node_type, look in looks:
            nodes: list[Any] = index.nodes(node_type)
            for found in nodes:
                look(found)

    def _name(self, node: cst.Name) -> None:
        if node.value in LEGACY_TYPE_NAMES:
            self.type_names.append(node)
        if node.value == "Completion" or node.value in self.completion_aliases:
            self.references.append(node)

    def _import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.imported.add(dotted(alias.name))
            if dotted(alias.name) == "openai":
                as_name = alias.asname.name if alias.asname else alias.name
                if isinstance(as_name, cst.Name):
                    self.module_aliases.append(as_name.value)

    def _import_from(self, node: cst.ImportFrom) -> None:
        if node.module is not None and not node.relative:
            module = dotted(node.module)
            if module == "openai.error":
                self.error_imports.append(node)
            self.imported.add(module)
            if not isinstance(node.names, cst.ImportStar):
                self.imported.update(f"{module}.{alias.name.value}" for alias in node.names if isinstance(alias.name, cst.Name))
                for alias in node.names:
                    if dotted(alias.name) == "Completion" and alias.asname is not None:
                        self.completion_aliases.add(dotted(alias.asname.name))

    def _call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "create" and "completions" in attribute_names(func.value):
            self.create_calls.append(node)
        elif isinstance(func, (cst.Attribute, cst.Call)) and _spells_endpoint(func):
            self.getattr_calls.append(node)
        elif isinstance(func, cst.Attribute) and func.attr.value in V0_METHODS:
            self.v0_candidates.append(node)
        elif isinstance(func, cst.Name) and func.value == "getattr" and text_access(node):
            self.text_attributes.append(node)
        elif isinstance(func, cst.Name):
            self.name_calls.append(node)
            if func.value == "hasattr" and len(node.args) == 2 and string_key(node.args[1].value) == "text":
                self.text_guards.append(node)
        elif isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args:
            if text_access(node):
                self.text_attributes.append(node)
            if string_key(node.args[0].value) is not None:
                self.string_accesses.append(node)
        for arg in node.args:
            if isinstance(arg.value, cst.SimpleString) and "Completion" in arg.value.value:
                self.strings.append(arg.value)

    def _attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in V0_MODULE_SETTINGS:
            self.config_attributes.append(node)
        if node.attr.value in LEGACY_TYPE_NAMES:
            self.type_names.append(node)
        if node.attr.value == "text":
            self.text_attributes.append(node)
        if node.attr.value in _REFERENCE_NAMES:
            self.references.append(node)
        if isinstance(node.value, cst.Attribute) and node.value.attr.value == "error":
            self.error_attributes.append(node)

    def _subscript(self, node: cst.Subscript) -> None:
        if text_access(node):
            self.text_attributes.append(node)
        if len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index) and string_key(index.value) is not None:
                self.string_accesses.append(node)

    def _simple_string(self, node: cst.SimpleString) -> None:
        if "text_completion" in node.value:
            self.object_strings.append(node)


def _spells_endpoint(func: cst.BaseExpression) -> bool:
    """`getattr(client, "completions").create`, `getattr(openai.Completion, "create")`:
    a part of the endpoint spelled with `getattr`."""
    if isinstance(func, cst.Attribute) and func.attr.value not in V0_METHODS:
        return False
    chain = spelled_chain(func)
    return any(isinstance(part, cst.Call) for _, _, part in chain[: endpoint_length(chain)])
