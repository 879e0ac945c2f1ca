"""Name resolution: what a name is bound to, where it is read, and what it stands for.

Everything here answers from the engine's module index (one walk per file); nothing
walks the tree on its own except the class-body scans of `self.x` attributes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Callable, Generic, Optional, TypeVar, Union

import libcst as cst

from migrator.tree import Binding, ModuleIndex

from .. import sdk
from .syntax import string_key, walk

if TYPE_CHECKING:
    from .slots import Slots

_T = TypeVar("_T")
_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)


class Memo(Generic[_T]):
    """A per-node cache for recursive questions, that answers `None` (cannot tell) on a
    cycle (`a = b; b = a`) or past `limit` levels of recursion instead of looping."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._done: dict[int, Optional[_T]] = {}
        self._busy: set[int] = set()

    def get(self, node: cst.CSTNode, depth: int, compute: Callable[[], Optional[_T]]) -> Optional[_T]:
        key = id(node)
        if key in self._done:
            return self._done[key]
        if depth > self.limit or key in self._busy:
            return None
        self._busy.add(key)
        try:
            result = compute()
        finally:
            self._busy.discard(key)
        self._done[key] = result
        return result


class Names:
    def __init__(self, index: ModuleIndex, proxies: tuple[str, ...]) -> None:
        self.index = index
        self.proxies = proxies
        self._slots: Optional[Slots] = None

    @property
    def slots(self) -> Slots:
        """What the module keeps on attributes and in containers (`slots`)."""
        if self._slots is None:
            from .slots import Slots

            self._slots = Slots(self)
        return self._slots

    # -- the tree --

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.index.parent(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """The node's parent, its parent's parent, ... up to the module."""
        return self.index.ancestors(node)

    def enclosing(
        self, node: cst.CSTNode, kind: type[_NodeT], stop: tuple[type, ...] = ()
    ) -> Optional[_NodeT]:
        """The nearest ancestor of type `kind`, unless one of type `stop` comes first."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, kind):
                return ancestor
            if stop and isinstance(ancestor, stop):
                return None
        return None

    # -- names --

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """Dotted names an expression stands for, proxies (`langfuse.openai`) read as `openai`."""
        return {sdk.normalise_qualified_name(name, self.proxies) for name in self.index.qualified_names(node)}

    def getattr_literal(self, node: cst.BaseExpression) -> Optional[tuple[cst.BaseExpression, str]]:
        """`(x, "name")` of `getattr(x, "name")` (the builtin, two positional arguments,
        a plain string): `x.name` spelled another way."""
        if not isinstance(node, cst.Call) or len(node.args) != 2 or any(a.keyword or a.star for a in node.args):
            return None
        name = string_key(node.args[1].value)
        if name is None or not name.isidentifier() or "builtins.getattr" not in self.qualified_names(node.func):
            return None
        return node.args[0].value, name

    def assignments(self, name: cst.Name) -> Optional[list[Binding]]:
        """The bindings whose value a read of `name` may see: in a function body (and in the
        module's own statements) only those that reach it in the order the code runs
        (`r = a(); use(r); r = b()`: `use(r)` sees `a()` only); elsewhere, or where the
        order is unclear, every binding of its scope (see `migrator.reaching`)."""
        return self.index.reaching(name) or None

    def all_assignments(self, name: cst.Name) -> Optional[list[Binding]]:
        """Every binding of the name's scope, whatever the order (flow-insensitive)."""
        return self.index.bindings(name) or None

    def references(self, binding: cst.CSTNode, name: str) -> Optional[list[cst.CSTNode]]:
        """Every place (in any scope) that reads the name bound by `binding`, whether or
        not the binding reaches it (flow-insensitive: a superset, for escapes and uses)."""
        found = self.index.binding_of(binding, name)
        return list(found.references) if found is not None else None

    def reached_references(self, binding: cst.CSTNode, name: str) -> Optional[list[cst.CSTNode]]:
        """The reads of the name that `binding` may reach (see `assignments`)."""
        found = self.index.binding_of(binding, name)
        return list(self.index.reads_reached_by(found)) if found is not None else None

    def assigned_value(self, assignment: Binding) -> Union[cst.BaseExpression, cst.CSTNode, None]:
        """The expression a name was bound to, or the binding node when there is none
        (a `Param`, `FunctionDef`, loop, `with` item...)."""
        target = assignment.node
        if not isinstance(target, cst.Name):
            return target
        child: cst.CSTNode = target
        parent = self.parent(target)
        while parent is not None:
            if isinstance(parent, cst.AssignTarget):
                owner = self.parent(parent)
                if isinstance(owner, cst.Assign) and parent.target is child:
                    return owner.value
                return None
            if isinstance(parent, cst.AnnAssign) and parent.target is child:
                return parent.value
            if isinstance(parent, cst.MatchAs) and parent.name is child:
                return self._match_capture(parent)
            if isinstance(parent, cst.NamedExpr) and parent.target is child:
                return parent.value
            if isinstance(parent, (cst.For, cst.CompFor)) and parent.target is child:
                return parent  # iteration: the caller decides what an element is
            if isinstance(parent, cst.AsName):
                owner = self.parent(parent)
                return owner if isinstance(owner, cst.WithItem) else None
            if isinstance(parent, (cst.Tuple, cst.List, cst.Element, cst.StarredElement)):
                child, parent = parent, self.parent(parent)
                continue
            return None
        return None

    def _match_capture(self, capture: cst.MatchAs) -> Optional[cst.BaseExpression]:
        # A bare capture (`case c:`) is the subject itself; other patterns are not followed.
        case = self.parent(capture)
        if capture.pattern is None and isinstance(case, cst.MatchCase) and case.pattern is capture:
            match = self.parent(case)
            return match.subject if isinstance(match, cst.Match) else None
        return None

    # -- functions and classes --

    def enclosing_class_of_self(self, name: cst.Name) -> Optional[cst.ClassDef]:
        """The class whose method takes `name` as its first parameter (`self`, `cls`),
        also where a function or lambda nested in the method reads it."""
        bindings = self.index.bindings(name)
        if len(bindings) != 1 or not isinstance(bindings[0].node, cst.Param):
            return None
        param = bindings[0].node
        function = self.parent(self.parent(param) or param)
        if not isinstance(function, cst.FunctionDef) or not function.params.params:
            return None
        if function.params.params[0] is not param or not self.is_method(function):
            return None
        klass = self.parent(self.parent(function) or function)
        return klass if isinstance(klass, cst.ClassDef) else None

    def class_hierarchy(self, klass: cst.ClassDef) -> list[cst.ClassDef]:
        """The class and the base classes of it that this module defines, nearest first."""
        found: list[cst.ClassDef] = []
        pending = [klass]
        while pending:
            current = pending.pop(0)
            if any(current is seen for seen in found):
                continue
            found.append(current)
            for base in current.bases:
                if isinstance(base.value, cst.Name):
                    for binding in self.index.bindings(base.value):
                        if isinstance(binding.node, cst.ClassDef):
                            pending.append(binding.node)
        return found

    def method(self, klass: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
        """The method `name` of the class or of a base class this module defines."""
        for owner in self.class_hierarchy(klass):
            for statement in owner.body.body:
                if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
                    return statement
        return None

    def local_function(self, node: cst.BaseExpression) -> Optional[cst.FunctionDef]:
        """The function of this module a callee names: `helper`, or `self.helper` defined
        in the class or a base class of it in this module."""
        if isinstance(node, cst.Name):
            assignments = self.assignments(node)
            if assignments and len(assignments) == 1 and isinstance(assignments[0].node, cst.FunctionDef):
                return assignments[0].node
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            klass = self.enclosing_class_of_self(node.value)
            if klass is not None:
                return self.method(klass, node.attr.value)
        return None

    def is_method(self, function: cst.FunctionDef) -> bool:
        return isinstance(self.parent(self.parent(function) or function), cst.ClassDef)

    def call_sites(self, function: cst.FunctionDef) -> Optional[list[tuple[cst.Call, bool]]]:
        """Every call of a module function (or of a method through `self.`), with whether
        it is a bound-method call; None if the function is used any other way (passed
        around, exported...)."""
        name = function.name.value
        sites: list[tuple[cst.Call, bool]] = []
        if self.is_method(function):
            klass = self.parent(self.parent(function) or function)
            assert isinstance(klass, cst.ClassDef)
            for node in walk(klass.body):
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == name:
                    if isinstance(node.func.value, cst.Name) and node.func.value.value in ("self", "cls"):
                        sites.append((node, True))
            return sites or None
        for node in self.references(function, name) or ():
            parent = self.parent(node)
            if isinstance(parent, cst.Call) and parent.func is node:
                sites.append((parent, False))
            else:
                return None
        return sites or None

    def constructor_sites(self, klass: cst.ClassDef) -> list[cst.Call]:
        """`Klass(...)` calls in this module (the call sites of its `__init__`)."""
        sites = []
        for node in self.references(klass, klass.name.value) or ():
            parent = self.parent(node)
            if isinstance(parent, cst.Call) and parent.func is node:
                sites.append(parent)
        return sites

    def attribute_statements(
        self, klass: cst.ClassDef, attribute: str, owner: str
    ) -> Iterator[tuple[cst.CSTNode, Optional[cst.BaseExpression]]]:
        """(statement, value) for each place the class, or a base class of it in this
        module, sets `owner.attribute` (in its methods) or `attribute` (in its body):
        `self.x = v`, `self.x: T = v`, `x: T`."""
        for cls in self.class_hierarchy(klass):
            for statement in walk(cls.body):
                if isinstance(statement, cst.Assign):
                    for target in statement.targets:
                        if self._names_attribute(target.target, cls, statement, attribute, owner):
                            yield statement, statement.value
                elif isinstance(statement, cst.AnnAssign):
                    if self._names_attribute(statement.target, cls, statement, attribute, owner):
                        yield statement, statement.value

    def _names_attribute(
        self, target: cst.BaseExpression, klass: cst.ClassDef, statement: cst.CSTNode, attribute: str, owner: str
    ) -> bool:
        if isinstance(target, cst.Attribute):
            return (
                target.attr.value == attribute and isinstance(target.value, cst.Name) and target.value.value == owner
            )
        if isinstance(target, cst.Name) and target.value == attribute:
            # Only the class body's own statements: a local `x = ...` in a method is not it.
            return self.parent(self.parent(statement) or statement) is klass.body
        return False

    def self_attribute_values(self, node: cst.Attribute) -> list[cst.BaseExpression]:
        """What `self.x` is set to in its class: `self.x = ...` in methods, `x = ...` in the body."""
        if not isinstance(node.value, cst.Name):
            return []
        klass = self.enclosing_class_of_self(node.value)
        if klass is None:
            return []
        return [
            value
            for _statement, value in self.attribute_statements(klass, node.attr.value, node.value.value)
            if value is not None
        ]
