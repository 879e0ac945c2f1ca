"""Reaching definitions inside one scope: which bindings of a name may have given it its
value where it is read.

The module index resolves names flow-insensitively (a read refers to every binding of
its scope). This module refines that for the reads written directly in a function body,
or in the module's own statements, by running the code in order: a binding replaces the
earlier ones on its path, the branches of an `if` join, and so on. It runs lazily, the
first time a read of a scope is asked about (`ModuleIndex.reaching`), and only follows
the names bound more than once in that scope: a name bound once has one answer anyway.

Soundness over precision: the answer is always a subset of the flow-insensitive one and
never empty. Wherever the order of execution is not plain, the analysis widens (the
bindings a path may carry are kept, never dropped) or falls back to every binding:

- every binding of the name (the flow-insensitive answer) for: a name declared `global`
  or `nonlocal` in the scope or bound from a nested function, class or comprehension
  (`nonlocal`, `global`, the walrus in a comprehension); a name that is `del`eted, bound
  by augmented assignment (`x += ...`), by `except ... as x` (unbound again after the
  handler), or by a `match` pattern (a failed case may have bound some captures); reads
  in nested functions, lambdas, class bodies and generator expressions (they run later,
  or in their own order: they may see the last binding(s), so they see all of them);
  reads in annotations, `match` patterns and dead code; every name of a scope that calls
  `exec`/`eval`/`globals`/`locals`/`vars` (at module level: anywhere in the module), uses
  a star import or holds a statement this module does not know;
- widened, still flow-sensitive: a `try` body may raise anywhere, so its handlers and
  its `finally` see what reached the `try` plus every binding made in the body (and the
  `finally` also what the handlers and `else` bound); a `with` body may be left at any
  point when the context manager swallows an exception, so after the `with` come the
  same; a loop's head (and so its body, its `else` and what follows it) sees what
  reached the loop plus every binding of its target and body, whatever `break`,
  `continue` or `while True` do; a walrus outside comprehensions may or may not run
  (short-circuits), so it adds its binding without replacing the earlier ones.

Paths on which a name is unbound are ignored: a read reached by no binding at all
(unreachable, or unbound on every path) gets every binding of its scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Optional, Union

import libcst as cst

from .nodes import children
from .tree import Binding, Scope

if TYPE_CHECKING:
    from .tree import ModuleIndex

# Tracked name -> the bindings that may have given it its value on some path here; a
# name missing is unbound on every path. None: no path gets here (after return/raise).
State = dict[str, frozenset[Binding]]
Gen = dict[str, set[Binding]]

# Calls that can bind any name of the scope they run in (module level: from anywhere).
DYNAMIC = frozenset({"exec", "eval", "globals", "locals", "vars"})

_EMPTY: frozenset[Binding] = frozenset()
_BlockNode = Union[cst.Module, cst.BaseSuite, cst.SimpleStatementLine]


class ScopeFlow:
    """The reaching definitions of the reads written directly in one function or module."""

    def __init__(self, index: ModuleIndex, scope: Scope) -> None:
        self.index = index
        self.scope = scope
        self.everything = False  # fall back for every name of the scope
        self.untracked: set[str] = set()  # names that fall back
        self.reached: dict[int, set[Binding]] = {}  # id of a read Name -> bindings reaching it
        self._tracked: set[str] = set()
        self._keys: dict[tuple[int, str], Binding] = {}
        self._gen: dict[int, Gen] = {}  # id of a node -> the tracked bindings made inside it
        self._breaks: list[list[State]] = []  # per enclosing loop: the states its `break`s leave
        self._prepare()
        if self._tracked and not self.everything:
            self._run()

    # -- the answer --

    def answer(self, name: cst.Name, bindings: Sequence[Binding]) -> list[Binding]:
        if self.everything or name.value in self.untracked:
            return list(bindings)
        found = self.reached.get(id(name))
        if not found:
            return list(bindings)
        subset = [binding for binding in bindings if binding in found]
        return subset or list(bindings)

    # -- before the walk: which names to follow, and what each statement binds --

    def _prepare(self) -> None:
        scope, index = self.scope, self.index
        if not isinstance(scope.node, (cst.FunctionDef, cst.Module)):
            self.everything = True  # a lambda: one expression, nothing to order
            return
        if scope.is_module and index.calls_dynamic_names():
            self.everything = True
            return
        for name, bindings in scope.bindings.items():
            if len(bindings) < 2:
                continue
            if any(not self._plain(binding) for binding in bindings):
                self.untracked.add(name)
                continue
            self._tracked.add(name)
            for binding in bindings:
                self._keys[(id(binding.node), name)] = binding
                node: Optional[cst.CSTNode] = binding.node
                while node is not None and node is not scope.node:
                    self._gen.setdefault(id(node), {}).setdefault(name, set()).add(binding)
                    node = index.parent(node)

    def _plain(self, binding: Binding) -> bool:
        """Whether the binding is made by this scope's own code, in a way the walk follows."""
        node = binding.node
        index = self.index
        if isinstance(node, cst.Name):
            written = index.scope_of_name.get(id(node))
            parent = index.parent(node)
            if isinstance(parent, (cst.AugAssign, cst.MatchAs)):
                return False
            if isinstance(parent, cst.AsName) and isinstance(
                index.parent(parent), (cst.ExceptHandler, cst.ExceptStarHandler)
            ):
                return False
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Param)):
            written = index.scope_of_name.get(id(node.name))
        elif isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(node.names, cst.ImportStar):
            first: cst.BaseExpression = node.names[0].name
            while isinstance(first, cst.Attribute):
                first = first.value
            written = index.scope_of_name.get(id(first))
        else:
            return False
        return written is self.scope

    # -- the walk --

    def _run(self) -> None:
        node = self.scope.node
        state: State = {}
        if isinstance(node, cst.FunctionDef):
            params = node.params
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            every.extend(p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param))
            for param in every:
                state = self._bind(param, param.name.value, state)
            self._block(node.body, state)
        else:
            assert isinstance(node, cst.Module)
            self._block(node, state)

    def _block(self, node: _BlockNode, state: Optional[State]) -> Optional[State]:
        for statement in node.body:
            if state is None:
                return None  # dead code: its reads fall back
            state = self._statement(statement, state)
        return state

    def _statement(self, node: cst.CSTNode, state: State) -> Optional[State]:
        if isinstance(node, cst.SimpleStatementLine):
            return self._block(node, state)
        if isinstance(node, cst.Expr):
            return self._expr(node.value, state)
        if isinstance(node, cst.Assign):
            state = self._expr(node.value, state)
            for target in node.targets:
                state = self._target(target.target, state)
            return state
        if isinstance(node, cst.AnnAssign):
            if node.value is None:  # `x: T` binds nothing
                return state if isinstance(node.target, cst.Name) else self._expr(node.target, state)
            return self._target(node.target, self._expr(node.value, state))
        if isinstance(node, cst.AugAssign):
            return self._target(node.target, self._expr(node.value, state))
        if isinstance(node, cst.Return):
            if node.value is not None:
                self._expr(node.value, state)
            return None
        if isinstance(node, cst.Raise):
            self._exprs((node.exc, node.cause.item if node.cause is not None else None), state)
            return None
        if isinstance(node, cst.Assert):
            return self._exprs((node.test, node.msg), state)
        if isinstance(node, cst.Del):
            return self._delete(node.target, state)
        if isinstance(node, (cst.Pass, cst.Global, cst.Nonlocal, cst.TypeAlias)):
            return state  # (a `type X = ...` alias is evaluated lazily, and the index binds nothing)
        if isinstance(node, cst.Break):
            if self._breaks:
                self._breaks[-1].append(state)
            return None
        if isinstance(node, cst.Continue):
            return None  # back to the loop's head, which already holds every binding of the loop
        if isinstance(node, cst.Import):
            for alias in node.names:
                local: cst.BaseExpression = alias.asname.name if alias.asname is not None else alias.name
                while isinstance(local, cst.Attribute):  # `import a.b` binds `a`
                    local = local.value
                if isinstance(local, cst.Name):
                    state = self._bind(node, local.value, state)
            return state
        if isinstance(node, cst.ImportFrom):
            if isinstance(node.names, cst.ImportStar):
                self.everything = True
                return state
            for alias in node.names:
                local = alias.asname.name if alias.asname is not None else alias.name
                if isinstance(local, cst.Name):
                    state = self._bind(node, local.value, state)
            return state
        if isinstance(node, cst.If):
            state = self._expr(node.test, state)
            body = self._block(node.body, state)
            if node.orelse is None:
                return _join((body, state))
            if isinstance(node.orelse, cst.If):
                return _join((body, self._statement(node.orelse, state)))
            return _join((body, self._block(node.orelse.body, state)))
        if isinstance(node, cst.For):
            return self._for(node, state)
        if isinstance(node, cst.While):
            return self._while(node, state)
        if isinstance(node, (cst.Try, cst.TryStar)):
            return self._try(node, state)
        if isinstance(node, cst.With):
            return self._with(node, state)
        if isinstance(node, cst.Match):
            return self._match(node, state)
        if isinstance(node, cst.FunctionDef):
            state = self._exprs([d.decorator for d in node.decorators], state)
            params = node.params
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            state = self._exprs([p.default for p in every], state)
            return self._bind(node, node.name.value, state)  # the body runs later: its reads fall back
        if isinstance(node, cst.ClassDef):
            state = self._exprs([d.decorator for d in node.decorators], state)
            state = self._exprs([a.value for a in (*node.bases, *node.keywords)], state)
            return self._bind(node, node.name.value, state)  # the body's reads fall back
        self.everything = True  # a statement not known here (a newer grammar): no guesses
        return state

    def _for(self, node: cst.For, state: State) -> Optional[State]:
        state = self._expr(node.iter, state)
        head = self._widen(state, node.target, node.body)
        self._breaks.append([])
        self._block(node.body, self._target(node.target, head))
        breaks = self._breaks.pop()
        done = self._block(node.orelse.body, head) if node.orelse is not None else head
        return _join((done, *breaks))

    def _while(self, node: cst.While, state: State) -> Optional[State]:
        head = self._expr(node.test, self._widen(state, node.test, node.body))
        self._breaks.append([])
        self._block(node.body, head)
        breaks = self._breaks.pop()
        forever = isinstance(node.test, cst.Name) and node.test.value == "True"
        done: Optional[State] = None
        if not forever:
            done = self._block(node.orelse.body, head) if node.orelse is not None else head
        return _join((done, *breaks))

    def _try(self, node: Union[cst.Try, cst.TryStar], state: State) -> Optional[State]:
        breaks = self._breaks[-1] if self._breaks else None
        mark = len(breaks) if breaks is not None else 0
        body = self._block(node.body, state)
        raised = self._widen(state, node.body)  # the body may raise anywhere
        exits: list[Optional[State]] = []
        for handler in node.handlers:
            entry = self._expr(handler.type, raised) if handler.type is not None else raised
            if handler.name is not None:
                entry = self._target(handler.name.name, entry)
            exits.append(self._block(handler.body, entry))
        if node.orelse is not None:
            body = self._block(node.orelse.body, body) if body is not None else None
        normal = _join((body, *exits))
        if node.finalbody is None:
            return normal
        # `finally` runs after whatever happened above: a raise anywhere, a return, a break.
        anywhere = self._widen(state, node.body, *node.handlers, *((node.orelse,) if node.orelse else ()))
        escaped = breaks is not None and len(breaks) > mark
        if breaks is not None and escaped:
            del breaks[mark:]  # a `break` above leaves through the `finally`
        left = self._block(node.finalbody.body, anywhere)
        if breaks is not None and escaped and left is not None:
            breaks.append(left)
        return self._block(node.finalbody.body, normal) if normal is not None else None

    def _with(self, node: cst.With, state: State) -> Optional[State]:
        entry = state
        for item in node.items:
            state = self._expr(item.item, state)
            if item.asname is not None:
                state = self._target(item.asname.name, state)
        body = self._block(node.body, state)
        # A context manager that swallows an exception leaves the body at any point.
        return _join((body, self._widen(entry, node)))

    def _match(self, node: cst.Match, state: State) -> Optional[State]:
        state = self._expr(node.subject, state)
        exits: list[Optional[State]] = [state]  # no case may match
        for case in node.cases:
            # Captures fall back (a failed case may have bound some); so do the pattern's reads.
            stack: list[cst.CSTNode] = [case.pattern]
            while stack:
                current = stack.pop()
                if isinstance(current, cst.Name):
                    self.untracked.add(current.value)
                stack.extend(children(current))
            entry = self._expr(case.guard, state) if case.guard is not None else state
            exits.append(self._block(case.body, entry))
        return _join(exits)

    def _delete(self, target: cst.BaseExpression, state: State) -> State:
        if isinstance(target, cst.Name):
            self.untracked.add(target.value)
            return state
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                state = self._delete(element.value, state)
            return state
        return self._expr(target, state)

    # -- bindings --

    def _bind(self, node: cst.CSTNode, name: str, state: State) -> State:
        binding = self._keys.get((id(node), name))
        if binding is None:
            return state
        updated = dict(state)
        updated[name] = frozenset((binding,))
        return updated

    def _target(self, target: cst.BaseExpression, state: State) -> State:
        """Bind an assignment's targets left to right, reading what their subscripts read."""
        if isinstance(target, cst.Name):
            return self._bind(target, target.value, state)
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                state = self._target(element.value, state)
            return state
        if isinstance(target, cst.StarredElement):
            return self._target(target.value, state)
        return self._expr(target, state)

    def _widen(self, state: State, *nodes: cst.CSTNode) -> State:
        """The state plus every tracked binding made inside the nodes (nothing replaced)."""
        widened: Optional[State] = None
        for node in nodes:
            gen = self._gen.get(id(node))
            if not gen:
                continue
            if widened is None:
                widened = dict(state)
            for name, bindings in gen.items():
                widened[name] = widened.get(name, _EMPTY) | bindings
        return widened if widened is not None else state

    # -- expressions --

    def _exprs(self, nodes: Iterable[Optional[cst.CSTNode]], state: State) -> State:
        for node in nodes:
            if node is not None:
                state = self._expr(node, state)
        return state

    def _expr(self, node: cst.CSTNode, state: State) -> State:
        """Record the reads of one expression; a walrus in it may or may not have run."""
        reads: list[cst.Name] = []
        walruses: list[cst.NamedExpr] = []
        tracked = self._tracked
        index = self.index
        stack = [node]
        while stack:
            current = stack.pop()
            kind = type(current)
            if kind is cst.Name:
                assert isinstance(current, cst.Name)
                if index.is_read(current):
                    if current.value in tracked:
                        reads.append(current)
                    elif current.value in DYNAMIC:
                        self.everything = True
                continue
            if kind is cst.Lambda:
                assert isinstance(current, cst.Lambda)
                params = current.params
                stack.extend(
                    p.default for p in (*params.posonly_params, *params.params, *params.kwonly_params) if p.default
                )
                continue  # the body runs later
            if kind is cst.GeneratorExp:
                assert isinstance(current, cst.GeneratorExp)
                stack.append(current.for_in.iter)  # the rest runs later
                continue
            if kind is cst.NamedExpr:
                assert isinstance(current, cst.NamedExpr)
                walruses.append(current)
                stack.append(current.value)
                continue
            stack.extend(children(current))
        for walrus in walruses:
            if isinstance(walrus.target, cst.Name):
                binding = self._keys.get((id(walrus.target), walrus.target.value))
                if binding is not None:
                    state = dict(state)
                    state[walrus.target.value] = state.get(walrus.target.value, _EMPTY) | {binding}
        for read in reads:
            self.reached.setdefault(id(read), set()).update(state.get(read.value, _EMPTY))
        return state


def _join(states: Iterable[Optional[State]]) -> Optional[State]:
    live = [state for state in states if state is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0]
    joined = dict(live[0])
    for state in live[1:]:
        for name, bindings in state.items():
            known = joined.get(name)
            joined[name] = bindings if known is None or known is bindings else known | bindings
    return joined

