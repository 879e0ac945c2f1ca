"""Where a value comes from, as written: the string literals that can flow into an
expression within the module (the model of a call: a literal, a constant, a parameter's
default and what its callers pass, `self.model` set in the class)."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from .names import Names
from .syntax import argument_for


@dataclass
class Origins:
    literals: list[cst.SimpleString] = field(default_factory=list)
    complete: bool = True  # every value that can reach the expression is one of them


def string_origins(names: Names, node: cst.BaseExpression) -> Origins:
    found = Origins()
    _collect(names, node, 0, found)
    return found


def _collect(names: Names, node: cst.BaseExpression, depth: int, found: Origins) -> None:
    if depth > 6:
        found.complete = False
        return
    if isinstance(node, cst.SimpleString):
        found.literals.append(node)
        return
    if isinstance(node, cst.Name):
        bindings = names.assignments(node)
        if not bindings:
            found.complete = False
        for binding in bindings or ():
            value = names.assigned_value(binding)
            if isinstance(value, cst.Param):
                _param(names, value, depth, found)
            elif isinstance(value, cst.BaseExpression):
                _collect(names, value, depth + 1, found)
            else:
                found.complete = False
        return
    if isinstance(node, cst.Attribute):
        values = names.self_attribute_values(node)
        if not values:
            found.complete = False
        for value in values:
            _collect(names, value, depth + 1, found)
        return
    found.complete = False


def _param(names: Names, param: cst.Param, depth: int, found: Origins) -> None:
    if param.default is not None:
        _collect(names, param.default, depth + 1, found)
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
            _collect(names, argument, depth + 1, found)
        elif param.default is None:
            found.complete = False
