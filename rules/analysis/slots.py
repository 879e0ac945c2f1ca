"""Slots: where a value is kept other than in a variable, and what the module stores there.

A value put on an attribute or into a container is read back through the same slot:

- an attribute of the instances of a class of this module (`self.x` in its methods or in a
  class related to it by inheritance, `obj.x` where `obj = Klass(...)`, `Klass.x`, and
  `x = ...` in the class body);
- an attribute of whatever one name is bound to (`settings.MODEL` of an imported module or
  of a module-level object: the same bindings, the same slot);
- the items of a container (`cache[q]`, `cache.get(q)`, `MODELS[kind]`) bound to a name or
  kept in an attribute slot: the elements of the literal it was built from and every
  `cache[k] = v` of the module.

`Held.complete` says that nothing the module shows can put anything else there (the
container is not handed to code that may fill it, say). Other modules may still write
an attribute: callers treat a slot like a variable that leaves the module (its call's
fix stays unsafe).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Union

import libcst as cst

from .syntax import string_key

if TYPE_CHECKING:
    from .dataflow import Flow
    from .names import Names
    from .records import CompletionsCall

# A slot: ("class", family, attribute), ("binding", bindings, attribute), ("items", slot).
SlotKey = tuple[object, ...]
Store = tuple[cst.CSTNode, Optional[cst.BaseExpression]]  # (statement, value; None: not in view)

# Uses of a container that only read it, and the methods that store an item (its last argument).
_READING_METHODS = frozenset({"get", "items", "values", "keys", "copy", "index", "count", "__getitem__", "__contains__"})
_STORING_METHODS = frozenset({"append", "appendleft", "add", "insert", "setdefault"})
_READING_CALLS = frozenset({"len", "list", "sorted", "iter", "enumerate", "bool", "str", "repr", "print", "id", "isinstance"})


@dataclass(frozen=True)
class Held:
    stores: tuple[Store, ...]
    complete: bool  # nothing in view stores anything else there

    @property
    def values(self) -> list[cst.BaseExpression]:
        return [value for _statement, value in self.stores if value is not None]


class Slots:
    def __init__(self, names: Names) -> None:
        self.names = names
        self._family: Optional[dict[int, int]] = None
        self._stores: Optional[dict[SlotKey, list[Store]]] = None
        self._unknown: set[SlotKey] = set()  # slots written in a way not followed
        self._complete: dict[SlotKey, bool] = {}
        self._containers: dict[SlotKey, cst.BaseExpression] = {}  # items slot -> a container expression

    # -- which slot an expression names --

    def attribute_slot(self, node: cst.Attribute) -> Optional[SlotKey]:
        base = node.value
        attribute = node.attr.value
        if not isinstance(base, cst.Name):
            return None
        names = self.names
        klass = names.enclosing_class_of_self(base)
        if klass is None:
            klass = self._class_of(base)
        if klass is not None:
            return ("class", self._family_of(klass), attribute)
        bindings = names.index.bindings(base)
        if not bindings:
            return None
        return ("binding", frozenset(id(binding) for binding in bindings), attribute)

    def container_slot(self, node: cst.BaseExpression) -> Optional[SlotKey]:
        """The slot of the items of `node` (a name, or an attribute slot)."""
        if isinstance(node, cst.Name):
            bindings = self.names.index.bindings(node)
            return ("items", ("name", frozenset(id(b) for b in bindings))) if bindings else None
        if isinstance(node, cst.Attribute):
            inner = self.attribute_slot(node)
            return ("items", inner) if inner is not None else None
        return None

    # -- what the module stores there --

    def attribute(self, node: cst.Attribute) -> Optional[Held]:
        key = self.attribute_slot(node)
        if key is None:
            return None
        return Held(tuple(self.table().get(key, ())), key not in self._unknown)

    def items(self, container: cst.BaseExpression, key: Optional[str] = None) -> Optional[Held]:
        """What `container[...]` may read: with `key`, a string literal, only the entries
        of that key (and those stored under a computed key)."""
        slot = self.container_slot(container)
        if slot is None:
            return None
        stores = list(self.table().get(slot, ()))
        initial = self._initial(container)
        complete = slot not in self._unknown and initial is not None and self._only_read(container, slot)
        for literal in initial or ():
            for element in literal.elements:
                if isinstance(element, (cst.DictElement, cst.Element)):
                    stores.append((element, element.value))
                else:
                    complete = False  # `**other`, `*rest`
        if key is not None:
            stores = [store for store in stores if _key_of(store[0]) in (key, None)]
        return Held(tuple(stores), complete)

    def _initial(self, container: cst.BaseExpression) -> Optional[list[Union[cst.Dict, cst.List]]]:
        """The literals the container is built from (None: built some other way)."""
        if isinstance(container, cst.Name):
            values = [self.names.assigned_value(b) for b in self.names.index.bindings(container)]
        else:
            held = self.attribute(container) if isinstance(container, cst.Attribute) else None
            values = list(held.values) if held is not None and held.stores and held.complete else [None]
        found: list[Union[cst.Dict, cst.List]] = []
        for value in values:
            if isinstance(value, (cst.Dict, cst.List)):
                found.append(value)
            elif isinstance(value, cst.Call) and not value.args and self.names.qualified_names(value.func) & {"builtins.dict", "builtins.list"}:
                continue
            else:
                return None
        return found

    def _only_read(self, container: cst.BaseExpression, slot: SlotKey) -> bool:
        """Every use of the container reads it, or stores an item (followed as a store)."""
        known = self._complete.get(slot)
        if known is not None:
            return known
        names = self.names
        if isinstance(container, cst.Name):
            uses: list[cst.CSTNode] = []
            for binding in names.index.bindings(container):
                uses.extend(binding.references)
        else:
            assert isinstance(container, cst.Attribute)
            uses = [
                node for node in names.index.nodes(cst.Attribute)
                if node.attr.value == container.attr.value and self.attribute_slot(node) == slot[1]
                and not _is_target(names, node)
            ]
        result = all(self._reads(use) for use in uses)
        self._complete[slot] = result
        return result

    def _reads(self, use: cst.CSTNode) -> bool:
        parent = self.names.parent(use)
        if isinstance(parent, cst.Subscript) and parent.value is use:
            return not isinstance(self.names.parent(parent), cst.Del)
        if isinstance(parent, cst.Attribute) and parent.value is use:
            return parent.attr.value in _READING_METHODS or parent.attr.value in _STORING_METHODS
        if isinstance(parent, cst.Arg):
            call = self.names.parent(parent)
            return isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value in _READING_CALLS
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is use:
            return True
        if isinstance(parent, (cst.Return, cst.Yield)):
            return True  # handed out, not filled: a local caller's reads are followed
        return isinstance(parent, (cst.ComparisonTarget, cst.Comparison, cst.If, cst.While, cst.UnaryOperation))

    def table(self) -> dict[SlotKey, list[Store]]:
        """Every store of the module, by slot (built once)."""
        if self._stores is not None:
            return self._stores
        table: dict[SlotKey, list[Store]] = {}
        self._stores = table
        names = self.names
        for assign in names.index.nodes(cst.Assign):
            for target in assign.targets:
                self._store(assign, target.target, assign.value, table)
        for annotated in names.index.nodes(cst.AnnAssign):
            # `x: T` declares, and stores nothing
            self._store(annotated, annotated.target, annotated.value, table, declared=True)
        for node in names.index.nodes(cst.AugAssign):
            self._store(node, node.target, None, table)
        for loop in names.index.nodes(cst.For):
            self._store(loop, loop.target, None, table)  # `for self.x in ...`: not followed
        for item in names.index.nodes(cst.WithItem):
            if item.asname is not None:
                self._store(item, item.asname.name, None, table)
        for call in names.index.nodes(cst.Call):
            # `results.append(r)`, `seen.add(r)`, `cache.setdefault(q, r)`: an item stored
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in _STORING_METHODS and call.args:
                key = self.container_slot(func.value)
                last = call.args[-1]
                if key is not None and not (func.attr.value == "setdefault" and len(call.args) < 2):
                    self._containers.setdefault(key, func.value)
                    table.setdefault(key, []).append((call, None if last.star else last.value))
        return table

    def filled(self, container: cst.BaseExpression) -> bool:
        """Whether the module stores items into `container` (cheap: asks nothing else)."""
        slot = self.container_slot(container)
        return slot is not None and slot in self.table()

    def container_of(self, slot: SlotKey) -> Optional[cst.BaseExpression]:
        """An expression naming the container of an items slot (to ask `items` about it)."""
        self.table()
        return self._containers.get(slot)

    def _store(
        self,
        statement: cst.CSTNode,
        target: cst.BaseExpression,
        value: Optional[cst.BaseExpression],
        table: dict[SlotKey, list[Store]],
        declared: bool = False,
    ) -> None:
        key: Optional[SlotKey] = None
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(statement, element.value, None, table)  # unpacked: not followed
            return
        if isinstance(target, cst.Attribute):
            key = self.attribute_slot(target)
        elif isinstance(target, cst.Subscript):
            key = self.container_slot(target.value)
            if key is not None:
                self._containers.setdefault(key, target.value)
        elif isinstance(target, cst.Name) and (value is not None or declared):
            block = self.names.parent(self.names.parent(statement) or statement)
            owner = self.names.parent(block) if isinstance(block, cst.IndentedBlock) else None
            if isinstance(owner, cst.ClassDef):
                key = ("class", self._family_of(owner), target.value)  # `x = v` in the class body
        if key is None:
            return
        if value is None and not declared:
            self._unknown.add(key)
        table.setdefault(key, []).append((target if isinstance(target, cst.Subscript) else statement, value))

    # -- classes --

    def _class_of(self, name: cst.Name) -> Optional[cst.ClassDef]:
        """The class of this module that `name` is (`Klass.x`) or is an instance of
        (`obj = Klass(...)`), when every binding says the same."""
        found: Optional[cst.ClassDef] = None
        bindings = self.names.index.bindings(name)
        for binding in bindings:
            node = binding.node
            value = self.names.assigned_value(binding)
            if isinstance(node, cst.ClassDef):
                klass = node
            elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
                classes = [b.node for b in self.names.index.bindings(value.func)]
                if len(classes) != 1 or not isinstance(classes[0], cst.ClassDef):
                    return None
                klass = classes[0]
            else:
                return None
            if found is not None and found is not klass:
                return None
            found = klass
        return found

    def _family_of(self, klass: cst.ClassDef) -> int:
        """Classes related by inheritance in this module share their attributes."""
        if self._family is None:
            parent: dict[int, int] = {}

            def root(key: int) -> int:
                while parent.setdefault(key, key) != key:
                    key = parent[key]
                return key

            for cls in self.names.index.nodes(cst.ClassDef):
                for base in self.names.class_hierarchy(cls)[1:]:
                    parent[root(id(base))] = root(id(cls))
            self._family = {key: root(key) for key in list(parent)}
        return self._family.get(id(klass), id(klass))


@dataclass(frozen=True)
class Stored:
    """Where the module keeps responses of its calls other than in variables."""

    loads: tuple[cst.BaseExpression, ...] = ()  # the reads of such a slot
    attributes: Optional[dict[str, frozenset[str]]] = None  # attribute name -> keys of the calls
    containers: frozenset[str] = frozenset()  # calls kept in a container also used otherwise
    items: Optional[dict[SlotKey, frozenset[str]]] = None  # container slot -> keys of the calls kept there


def stored_responses(names: Names, flow: Flow, calls: Sequence[CompletionsCall]) -> Stored:
    """The slots that hold a response of `calls`, and every read of them in the module."""
    if not calls:
        return Stored()  # nothing to keep: the module's stores need not be listed
    keys = frozenset(call.key for call in calls)
    slots = names.slots
    holding: set[SlotKey] = set()
    attributes: dict[str, set[str]] = {}
    containers: set[str] = set()
    items: dict[SlotKey, frozenset[str]] = {}
    for slot, stores in slots.table().items():
        sources: set[str] = set()
        for _statement, value in stores:
            kind = flow.kind(value) if value is not None else None
            if kind is not None:
                sources.update(kind.sources & keys)
        if not sources:
            continue
        holding.add(slot)
        if slot[0] == "items":
            items[slot] = frozenset(sources)
            container = slots.container_of(slot)
            held = slots.items(container) if container is not None else None
            if held is None or not held.complete:
                containers.update(sources)
        else:
            attributes.setdefault(str(slot[2]), set()).update(sources)
    if not holding:
        return Stored()
    loads: list[cst.BaseExpression] = []
    for node in names.index.nodes(cst.Attribute):
        if node.attr.value in attributes and not _is_target(names, node) and slots.attribute_slot(node) in holding:
            loads.append(node)
    if any(slot[0] == "items" for slot in holding):
        for subscript in names.index.nodes(cst.Subscript):
            if not _is_target(names, subscript) and slots.container_slot(subscript.value) in holding:
                loads.append(subscript)
        for call in names.index.nodes(cst.Call):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "get" and slots.container_slot(func.value) in holding:
                loads.append(call)
    return Stored(
        tuple(loads), {name: frozenset(found) for name, found in attributes.items()}, frozenset(containers), items
    )


def may_read_stored(names: Names, holder: cst.BaseExpression, stored: Stored, depth: int = 0) -> frozenset[str]:
    """The calls whose kept responses an untraced read may see: it reads an attribute of the
    name they are kept under on a value of no class of this module (a parameter, say), or
    an item of a container while a container holding them is handed around."""
    found: set[str] = set()
    node: cst.CSTNode = holder
    while depth < 6:
        if isinstance(node, cst.Attribute):
            keys = (stored.attributes or {}).get(node.attr.value)
            slot = names.slots.attribute_slot(node) if keys else None
            if keys and (slot is None or slot[0] != "class"):
                found.update(keys)
            node = node.value
        elif isinstance(node, cst.Subscript):
            if not (isinstance(node.value, cst.Attribute) and node.value.attr.value == "choices"):
                # an item of a container (not a choice)
                found.update(stored.containers | _kept_in(names, node.value, stored))
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Name):
            for binding in names.assignments(node) or ():
                value = names.assigned_value(binding)
                if isinstance(value, (cst.For, cst.CompFor)):
                    value = value.iter
                    found.update(_kept_in(names, value, stored))
                if isinstance(value, cst.BaseExpression) and value is not node:
                    found.update(may_read_stored(names, value, stored, depth + 1))
            break
        else:
            break
        depth += 1
    return frozenset(found)


def _kept_in(names: Names, container: cst.BaseExpression, stored: Stored) -> frozenset[str]:
    """The calls whose responses are kept in `container` (or `container.values()`)."""
    if isinstance(container, cst.Call) and isinstance(container.func, cst.Attribute) and container.func.attr.value in ("values", "items"):
        container = container.func.value
    slot = names.slots.container_slot(container)
    return (stored.items or {}).get(slot, frozenset()) if slot is not None else frozenset()


def _key_of(node: cst.CSTNode) -> Optional[str]:
    """The string key an item was stored under (None: computed, or a list element)."""
    if isinstance(node, cst.DictElement):
        return string_key(node.key)
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return string_key(node.slice[0].slice.value)
    return None


def _is_target(names: Names, node: cst.CSTNode) -> bool:
    parent = names.parent(node)
    return isinstance(parent, (cst.AssignTarget, cst.AugAssign)) or (isinstance(parent, cst.AnnAssign) and parent.target is node)
