"""One fast pass over a LibCST module: parents, scopes, bindings and references.

LibCST's ScopeProvider and ParentNodeProvider answer these questions for every node of
every file, at about nine parses' worth of time on code that needs
them. Rules here ask about a handful of nodes, so this index walks the tree once, with a
plain recursive walk instead of visitor dispatch, and resolves names the way Python
does (function scopes, class scopes invisible to nested functions, comprehensions,
`global`/`nonlocal`, the walrus binding outside its comprehension). Resolution is
flow-insensitive, like ScopeProvider's: a name refers to every binding of its scope
(`bindings`). `reaching` narrows that down for a read in a function body or in the
module's own statements, to the bindings that may reach it in the order the code runs;
that is computed on the first such question about a scope (`migrator.reaching`), so the
walk itself does no flow work. Positions are `migrator.positions`' job, a node's
children `migrator.nodes`'.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, Union

import libcst as cst

from .nodes import children, dotted

if TYPE_CHECKING:
    from .reaching import ScopeFlow

BUILTIN_NAMES = frozenset(dir(builtins))
_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)


@dataclass(eq=False)
class Scope:
    kind: str  # "module" | "function" | "class" | "comprehension"
    parent: Optional[Scope]
    node: cst.CSTNode
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)

    @property
    def is_module(self) -> bool:
        return self.kind == "module"


@dataclass(eq=False)
class Binding:
    """Where a name gets a value. `node` follows LibCST's convention: the target `Name`
    of an assignment or loop, the `Param`, the `FunctionDef`/`ClassDef`, or the
    `Import`/`ImportFrom` statement."""

    name: str
    node: cst.CSTNode
    scope: Scope
    imported: Optional[str] = None  # for imports: the dotted name it stands for
    references: list[cst.Name] = field(default_factory=list)

    @property
    def is_import(self) -> bool:
        return self.imported is not None


_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class ModuleIndex:
    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.parents: dict[int, cst.CSTNode] = {}
        self.scope_of_name: dict[int, Scope] = {}  # every Name node -> the scope it is in
        self.module_scope = Scope("module", None, module)
        self._bound: set[int] = set()  # Name nodes that are binding targets
        self._not_names: set[int] = set()  # attribute names, keywords: not references
        self._loads: list[tuple[cst.Name, Scope]] = []
        self._by_type: dict[type, list[cst.CSTNode]] = {}
        self._flows: dict[int, ScopeFlow] = {}  # by id of the scope: filled on demand
        self._dynamic: Optional[bool] = None
        self._walk(module, self.module_scope)
        for name, scope in self._loads:
            for binding in self._lookup(name.value, scope):
                binding.references.append(name)

    # -- queries --

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.parents.get(id(node))

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """The node's parent, its parent's parent, ... up to the module."""
        current = self.parents.get(id(node))
        while current is not None:
            yield current
            current = self.parents.get(id(current))

    def nodes(self, kind: type[_NodeT]) -> list[_NodeT]:
        """Every node of exactly this type, in source order (a rule's cheap first look)."""
        return self._by_type.get(kind, [])  # type: ignore[return-value]

    def scope(self, node: cst.CSTNode) -> Optional[Scope]:
        """The scope a node is in (for names; other nodes: the scope of their first name)."""
        if isinstance(node, cst.Name):
            return self.scope_of_name.get(id(node))
        current: Optional[cst.CSTNode] = node
        while current is not None:
            if isinstance(current, cst.Name) and id(current) in self.scope_of_name:
                return self.scope_of_name[id(current)]
            for child in children(current):
                if isinstance(child, cst.Name) and id(child) in self.scope_of_name:
                    return self.scope_of_name[id(child)]
            current = self.parent(current)
        return None

    def bindings(self, name: cst.Name) -> list[Binding]:
        """The bindings a name (read or written) may refer to."""
        scope = self.scope_of_name.get(id(name))
        if scope is None:
            return []
        return self._lookup(name.value, scope)

    def reaching(self, name: cst.Name) -> list[Binding]:
        """The bindings that may have given a read its value, following the order the code
        runs in (reaching definitions) for reads written directly in a function body or in
        the module's own statements. Always a subset of `bindings(name)`, and never empty
        when that is not: wherever the order is unclear (see `migrator.reaching`), and for
        reads in nested functions, lambdas and class bodies, it is all of them."""
        found = self.bindings(name)
        if len(found) < 2:
            return found
        scope = found[0].scope
        if scope.kind != "function" and scope.kind != "module":
            return found
        flow = self._flows.get(id(scope))
        if flow is None:
            from .reaching import ScopeFlow

            flow = self._flows[id(scope)] = ScopeFlow(self, scope)
        return flow.answer(name, found)

    def reads_reached_by(self, binding: Binding) -> list[cst.Name]:
        """The reads of `binding.references` that the binding may reach (see `reaching`)."""
        return [read for read in binding.references if binding in self.reaching(read)]

    def is_read(self, name: cst.Name) -> bool:
        """Whether a Name node reads a variable (not a target, an attribute, a keyword...)."""
        key = id(name)
        return key in self.scope_of_name and key not in self._bound and key not in self._not_names

    def calls_dynamic_names(self) -> bool:
        """Whether any code of the module reads `exec`, `eval`, `globals`, `locals` or `vars`
        (which can bind module-level names from anywhere)."""
        if self._dynamic is None:
            from .reaching import DYNAMIC

            self._dynamic = any(node.value in DYNAMIC and self.is_read(node) for node in self.nodes(cst.Name))
        return self._dynamic

    def binding_of(self, node: cst.CSTNode, name: str) -> Optional[Binding]:
        """The binding whose node is `node` (a target Name, a def, an import...)."""
        scope = self._binding_scope(node)
        for binding in scope.bindings.get(name, ()) if scope else ():
            if binding.node is node:
                return binding
        return None

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """Dotted names an expression stands for (`np.array` -> `numpy.array`)."""
        if isinstance(node, cst.Name):
            found: set[str] = set()
            bindings = self.bindings(node)
            if not bindings:
                return {f"builtins.{node.value}"} if node.value in BUILTIN_NAMES else {node.value}
            for binding in bindings:
                found.add(binding.imported if binding.imported is not None else node.value)
            return found
        if isinstance(node, cst.Attribute):
            return {f"{base}.{node.attr.value}" for base in self.qualified_names(node.value)}
        return set()

    # -- the walk --

    def _lookup(self, name: str, scope: Scope) -> list[Binding]:
        start = scope
        current: Optional[Scope] = scope
        while current is not None:
            # `global x` sends the lookup to the module; at module level (legal, and
            # meaningless) it must not send it there again.
            if name in current.globals and current is not self.module_scope:
                current = self.module_scope
                continue
            # A class body's names are invisible to the functions nested in it.
            if current.kind != "class" or current is start:
                found = current.bindings.get(name)
                if found and name not in current.nonlocals:
                    return found
            current = current.parent
        return []

    def _binding_scope(self, node: cst.CSTNode) -> Optional[Scope]:
        if isinstance(node, cst.Name):
            return self.scope_of_name.get(id(node))
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return self.scope_of_name.get(id(node.name))
        if isinstance(node, cst.Param):
            return self.scope_of_name.get(id(node.name))
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            return self.scope(node)
        return None

    def _bind(self, name: str, node: cst.CSTNode, scope: Scope, imported: Optional[str] = None) -> None:
        while (name in scope.globals and not scope.is_module) or name in scope.nonlocals:
            target = self.module_scope if name in scope.globals else scope.parent
            if target is None:
                break
            scope = target
            if scope.is_module:
                break
        scope.bindings.setdefault(name, []).append(Binding(name, node, scope, imported))

    def _bind_target(self, target: cst.BaseExpression, owner: cst.CSTNode, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            self._bound.add(id(target))
            self._bind(target.value, target, scope)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, owner, scope)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, owner, scope)

    def _walk(self, node: cst.CSTNode, scope: Scope) -> None:
        # Children first get their parent; special forms then choose each child's scope.
        found = self._by_type.get(type(node))
        if found is None:
            self._by_type[type(node)] = [node]
        else:
            found.append(node)
        kids = children(node)
        for child in kids:
            self.parents[id(child)] = node
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node, scope)
            return
        for child in kids:
            self._walk(child, scope)

    def _walk_all(self, nodes: Iterable[Optional[cst.CSTNode]], scope: Scope) -> None:
        for node in nodes:
            if node is not None:
                self._walk(node, scope)

    def _on_name(self, node: cst.Name, scope: Scope) -> None:
        self.scope_of_name[id(node)] = scope
        if id(node) not in self._bound and id(node) not in self._not_names:
            self._loads.append((node, scope))

    def _on_attribute(self, node: cst.Attribute, scope: Scope) -> None:
        self._not_names.add(id(node.attr))
        self.scope_of_name[id(node.attr)] = scope
        self._walk(node.value, scope)

    def _on_arg(self, node: cst.Arg, scope: Scope) -> None:
        if node.keyword is not None:
            self._not_names.add(id(node.keyword))
            self.scope_of_name[id(node.keyword)] = scope
        self._walk(node.value, scope)

    def _on_assign(self, node: cst.Assign, scope: Scope) -> None:
        for target in node.targets:
            self._bind_target(target.target, node, scope)
        for child in children(node):
            self._walk(child, scope)

    def _on_ann_assign(self, node: cst.AnnAssign, scope: Scope) -> None:
        self._bind_target(node.target, node, scope)
        for child in children(node):
            self._walk(child, scope)

    def _on_aug_assign(self, node: cst.AugAssign, scope: Scope) -> None:
        self._bind_target(node.target, node, scope)
        for child in children(node):
            self._walk(child, scope)

    def _on_named_expr(self, node: cst.NamedExpr, scope: Scope) -> None:
        owner = scope
        while owner.kind == "comprehension" and owner.parent is not None:
            owner = owner.parent
        self._bind_target(node.target, node, owner)
        self._walk_all((node.target, node.value), scope)

    def _on_for(self, node: cst.For, scope: Scope) -> None:
        self._bind_target(node.target, node, scope)
        for child in children(node):
            self._walk(child, scope)

    def _on_with_item(self, node: cst.WithItem, scope: Scope) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, node, scope)
        for child in children(node):
            self._walk(child, scope)

    def _on_except(self, node: Union[cst.ExceptHandler, cst.ExceptStarHandler], scope: Scope) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, node, scope)
        for child in children(node):
            self._walk(child, scope)

    def _on_import(self, node: cst.Import, scope: Scope) -> None:
        for alias in node.names:
            imported = dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._bound.add(id(alias.asname.name))
                self._bind(alias.asname.name.value, node, scope, imported)
                self.scope_of_name[id(alias.asname.name)] = scope
            else:
                first = imported.split(".")[0]
                self._bind(first, node, scope, first)
        self._mark_all_names(node, scope)

    def _on_import_from(self, node: cst.ImportFrom, scope: Scope) -> None:
        module = "." * len(node.relative) + (dotted(node.module) if node.module is not None else "")
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                name = dotted(alias.name)
                local = alias.asname.name if alias.asname is not None else alias.name
                if isinstance(local, cst.Name):
                    separator = "" if module.endswith(".") else "."
                    self._bind(local.value, node, scope, f"{module}{separator}{name}")
        self._mark_all_names(node, scope)

    def _mark_all_names(self, node: cst.CSTNode, scope: Scope) -> None:
        """Names inside an import statement are never references."""
        stack = list(children(node))
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Name):
                self._not_names.add(id(current))
                self.scope_of_name[id(current)] = scope
            kids = list(children(current))
            for child in kids:
                self.parents[id(child)] = current
            stack.extend(kids)

    def _on_match_as(self, node: cst.MatchAs, scope: Scope) -> None:
        # `case x:` / `case [a, *_] as x:` bind x like an assignment.
        if node.name is not None:
            self._bind_target(node.name, node, scope)
        for child in children(node):
            self._walk(child, scope)

    def _on_global(self, node: Union[cst.Global, cst.Nonlocal], scope: Scope) -> None:
        declared = scope.globals if isinstance(node, cst.Global) else scope.nonlocals
        for item in node.names:
            declared.add(item.name.value)
        self._mark_all_names(node, scope)

    def _on_function(self, node: cst.FunctionDef, scope: Scope) -> None:
        self._bound.add(id(node.name))
        self._on_name(node.name, scope)
        self._bind(node.name.value, node, scope)
        self._walk_all(node.decorators, scope)
        inner = Scope("function", scope, node)
        self._walk_parameters(node.params, scope, inner)
        if node.returns is not None:
            self._walk(node.returns, scope)
        self._walk(node.body, inner)

    def _on_lambda(self, node: cst.Lambda, scope: Scope) -> None:
        inner = Scope("function", scope, node)
        self._walk_parameters(node.params, scope, inner)
        self._walk(node.body, inner)

    def _walk_parameters(self, params: cst.Parameters, outer: Scope, inner: Scope) -> None:
        self.parents[id(params)] = self.parents.get(id(params), params)
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for child in children(params):
            self.parents[id(child)] = params
        for param in every:
            for child in children(param):
                self.parents[id(child)] = param
            self._bound.add(id(param.name))
            self._on_name(param.name, inner)
            self._bind(param.name.value, param, inner)
            self._walk_all((param.annotation, param.default), outer)

    def _on_class(self, node: cst.ClassDef, scope: Scope) -> None:
        self._bound.add(id(node.name))
        self._on_name(node.name, scope)
        self._bind(node.name.value, node, scope)
        self._walk_all((*node.decorators, *node.bases, *node.keywords), scope)
        self._walk(node.body, Scope("class", scope, node))

    def _on_comprehension(self, node: cst.BaseComp, scope: Scope) -> None:
        inner = Scope("comprehension", scope, node)
        first = node.for_in
        # The first iterable is evaluated outside the comprehension.
        self._walk(first.iter, scope)
        comp_for: Optional[cst.CompFor] = first
        while comp_for is not None:
            for child in children(comp_for):
                self.parents[id(child)] = comp_for
            self._bind_target(comp_for.target, comp_for, inner)
            self._walk(comp_for.target, inner)
            if comp_for is not first:
                self._walk(comp_for.iter, inner)
            self._walk_all(comp_for.ifs, inner)
            comp_for = comp_for.inner_for_in
        if isinstance(node, cst.DictComp):
            elements: tuple[cst.CSTNode, ...] = (node.key, node.value)
        else:
            assert isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp))
            elements = (node.elt,)
        self._walk_all(elements, inner)


_HANDLERS: dict[type, Callable[[ModuleIndex, Any, Scope], None]] = {
    cst.Name: ModuleIndex._on_name,
    cst.Attribute: ModuleIndex._on_attribute,
    cst.Arg: ModuleIndex._on_arg,
    cst.Assign: ModuleIndex._on_assign,
    cst.AnnAssign: ModuleIndex._on_ann_assign,
    cst.AugAssign: ModuleIndex._on_aug_assign,
    cst.NamedExpr: ModuleIndex._on_named_expr,
    cst.For: ModuleIndex._on_for,
    cst.WithItem: ModuleIndex._on_with_item,
    cst.ExceptHandler: ModuleIndex._on_except,
    cst.ExceptStarHandler: ModuleIndex._on_except,
    cst.Import: ModuleIndex._on_import,
    cst.ImportFrom: ModuleIndex._on_import_from,
    cst.MatchAs: ModuleIndex._on_match_as,
    cst.Global: ModuleIndex._on_global,
    cst.Nonlocal: ModuleIndex._on_global,
    cst.FunctionDef: ModuleIndex._on_function,
    cst.Lambda: ModuleIndex._on_lambda,
    cst.ClassDef: ModuleIndex._on_class,
    cst.ListComp: ModuleIndex._on_comprehension,
    cst.SetComp: ModuleIndex._on_comprehension,
    cst.DictComp: ModuleIndex._on_comprehension,
    cst.GeneratorExp: ModuleIndex._on_comprehension,
}

