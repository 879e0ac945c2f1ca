"""Where a value comes from, as written: the string literals that can flow into an
expression (the model of a call). Followed: literals, names (flow-sensitively), both sides
of `a if c else b` and `a or b`, a parameter's default and what its callers pass,
attributes the module sets (`self.model`, `Config.MODEL`, `settings.MODEL = ...`, see
`slots`), the items of a dict literal (`MODELS[kind]`, `MODELS.get(kind, default)`), the
default of `os.getenv` / `os.environ.get`, and names and module attributes imported from
the project's other modules (`from settings import MODEL`, `settings.MODEL`), whose
literals are `foreign`: they cannot be rewritten from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import libcst as cst

from .names import Names
from .receivers import load_module, module_file
from .syntax import argument_for, string_key

_ENVIRONMENT_GETTERS = frozenset({"os.getenv", "os.environ.get"})
_MODULE_DEPTH = 3


@dataclass(frozen=True)
class Foreign:
    """A literal written in another module of the project."""

    literal: cst.SimpleString
    where: str  # `MODEL` in settings.py


@dataclass
class Origins:
    literals: list[cst.SimpleString] = field(default_factory=list)  # in this module
    complete: bool = True  # every value that can reach the expression is one of them
    foreign: list[Foreign] = field(default_factory=list)
    files_read: list[str] = field(default_factory=list)  # the other modules looked at


@dataclass(frozen=True)
class _Place:
    """The module being looked at: this one (`foreign` None) or another of the project."""

    names: Names
    path: str
    foreign: Optional[str] = None  # what is read there, as `MODEL` in settings.py
    module_depth: int = 0


def string_origins(names: Names, node: cst.BaseExpression, path: str = "") -> Origins:
    found = Origins()
    _collect(_Place(names, path), node, 0, found)
    return found


def _collect(place: _Place, node: cst.BaseExpression, depth: int, found: Origins) -> None:
    names = place.names
    if depth > 8:
        found.complete = False
        return
    if isinstance(node, cst.SimpleString):
        if place.foreign is None:
            found.literals.append(node)
        else:
            found.foreign.append(Foreign(node, place.foreign))
        return
    if isinstance(node, cst.Name):
        bindings = names.assignments(node)
        if not bindings:
            found.complete = False
        for binding in bindings or ():
            value = names.assigned_value(binding)
            if binding.is_import:
                _imported(place, node, depth, found)
            elif isinstance(value, cst.Param):
                _param(place, value, depth, found)
            elif isinstance(value, cst.BaseExpression):
                _collect(place, value, depth + 1, found)
            else:
                found.complete = False
        return
    if isinstance(node, cst.Attribute):
        _attribute(place, node, depth, found)
        return
    if isinstance(node, (cst.IfExp, cst.BooleanOperation)):
        # `a if fast else b`, `model or "text-davinci-003"`: either side may be the value
        sides = (node.body, node.orelse) if isinstance(node, cst.IfExp) else (node.left, node.right)
        for side in sides:
            _collect(place, side, depth + 1, found)
        return
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        held = names.slots.items(node.value, string_key(node.slice[0].slice.value))
        _held(place, held.values if held else [], held is not None and held.complete, depth, found)
        return
    if isinstance(node, cst.Call) and node.args:
        default = _default(node)
        if names.qualified_names(node.func) & _ENVIRONMENT_GETTERS:
            found.complete = False  # the environment may name any model
            if default is not None:
                _collect(place, default, depth + 1, found)
            return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
            held = names.slots.items(node.func.value, string_key(node.args[0].value))
            _held(place, held.values if held else [], held is not None and held.complete, depth, found)
            if default is not None and not (isinstance(default, cst.Name) and default.value == "None"):
                _collect(place, default, depth + 1, found)
            return
    found.complete = False


def _default(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The default of `getenv(key, default)` / `mapping.get(key, default)`."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "default":
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[1].value if len(positional) > 1 else None


def _held(place: _Place, values: list[cst.BaseExpression], complete: bool, depth: int, found: Origins) -> None:
    if not values or not complete:
        found.complete = False
    for value in values:
        _collect(place, value, depth + 1, found)


def _attribute(place: _Place, node: cst.Attribute, depth: int, found: Origins) -> None:
    """`self.model`, `Config.MODEL`, `settings.MODEL`: what the module sets, and what a
    project module imported whole binds."""
    names = place.names
    held = names.slots.attribute(node)
    slot = names.slots.attribute_slot(node)
    values = held.values if held is not None else []
    for value in values:
        _collect(place, value, depth + 1, found)
    if slot is not None and slot[0] == "class":
        if not values or held is None or not held.complete:
            found.complete = False
        return
    # An attribute of an imported project module: what that module binds (and what this
    # one sets). Of anything else (an object, a third-party module): values not in view.
    root: cst.BaseExpression = node
    while isinstance(root, cst.Attribute):
        root = root.value
    bindings = names.index.bindings(root) if isinstance(root, cst.Name) else []
    imported = bool(bindings) and all(binding.is_import for binding in bindings)
    if not imported or not _exported(place, names.qualified_names(node), depth, found):
        found.complete = False


def _imported(place: _Place, node: cst.Name, depth: int, found: Origins) -> None:
    """`from settings import MODEL`: what the project module binds it to."""
    if not _exported(place, place.names.qualified_names(node), depth, found):
        found.complete = False


def _exported(place: _Place, qualified: set[str], depth: int, found: Origins) -> bool:
    """Follow `module.name` into the project module that binds it; whether one did."""
    if place.module_depth >= _MODULE_DEPTH or not place.path:
        return False
    for name in sorted(qualified):
        stripped = name.lstrip(".")
        level = len(name) - len(stripped)
        module, _, attribute = stripped.rpartition(".")
        if not attribute or (not module and not level) or module.split(".")[0] in ("openai", "os"):
            continue
        path = module_file(Path(place.path), module, level)
        if path is None:
            continue
        found.files_read.append(str(path))
        other = load_module(path, place.names.proxies, place.module_depth + 1)
        bindings = other.index.module_scope.bindings.get(attribute, []) if other is not None else []
        if other is None or not bindings:
            continue
        there = _Place(other.names, str(path), f"`{attribute}` in {path.name}", place.module_depth + 1)
        for binding in bindings:
            value = other.names.assigned_value(binding)
            if binding.is_import:
                if not _exported(there, {binding.imported or ""}, depth + 1, found):
                    found.complete = False
            elif isinstance(value, cst.BaseExpression) and value is not binding.node:
                _collect(there, value, depth + 1, found)
            else:
                found.complete = False
        return True
    return False


def _param(place: _Place, param: cst.Param, depth: int, found: Origins) -> None:
    names = place.names
    if param.default is not None:
        _collect(place, param.default, depth + 1, found)
    function = names.parent(names.parent(param) or param)
    if not isinstance(function, cst.FunctionDef):
        found.complete = False
        return
    position = next((i for i, p in enumerate(function.params.params) if p is param), None)
    klass = names.parent(names.parent(function) or function)
    sites: list[tuple[cst.Call, bool]]
    if function.name.value == "__init__" and isinstance(klass, cst.ClassDef):
        sites = [(site, True) for site in names.constructor_sites(klass)]
    else:
        sites = list(names.call_sites(function) or ())
    if not sites:
        found.complete = False  # called from elsewhere, with values not in view
    for site, bound in sites:
        argument = argument_for(site, param.name.value, position, bound)
        if argument is not None:
            _collect(place, argument, depth + 1, found)
        elif param.default is None:
            found.complete = False
