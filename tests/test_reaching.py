"""Reaching definitions (`ModuleIndex.reaching`): which bindings may reach each read.

Every case marks its reads with `#: name=lines`, the lines of the bindings that must be
the answer for each read of `name` on that line, exactly. Where the analysis falls back,
the answer is every binding of the scope, and the case says so by listing them all.
"""

from __future__ import annotations

import random
import re
import textwrap
import warnings
from typing import Any, Optional

import hypothesmith
import libcst as cst
import pytest
from hypothesis import given
from hypothesis import strategies as st
from libcst.metadata import MetadataWrapper, PositionProvider

from migrator.tree import Binding, ModuleIndex
from tests import test_property  # noqa: F401  (registers and loads the suite's hypothesis profile)

CASES = {
    # -- straight-line code and branches --
    "sequence": """
        def f(a, b):
            r = a()
            use(r)  #: r=2
            r = b()
            use(r)  #: r=4
        """,
    "parameter_then_rebound": """
        def f(r):
            use(r)  #: r=1
            r = g(r)  #: r=1
            use(r)  #: r=3
        """,
    "if_else": """
        def f(c):
            if c:
                r = a()
                use(r)  #: r=3
            else:
                r = b()
                use(r)  #: r=6
            use(r)  #: r=3,6
        """,
    "if_without_else": """
        def f(c):
            r = a()
            if c:
                r = b()
            use(r)  #: r=2,4
        """,
    "elif_chain": """
        def f(c, d):
            if c:
                r = a()
            elif d:
                r = b()
                use(r)  #: r=5
            else:
                r = c()
            use(r)  #: r=3,5,8
        """,
    "return_in_branch": """
        def f(c):
            r = a()
            if c:
                r = b()
                return r  #: r=4
            return r  #: r=2
        """,
    "raise_in_branch": """
        def f(c):
            r = a()
            if c:
                r = b()
                raise E(r)  #: r=4
            use(r)  #: r=2
        """,
    "unbound_path_is_ignored": """
        def f(c):
            if c:
                r = a()
            use(r)  #: r=3
            r = b()
        """,
    "unbound_on_every_path_falls_back": """
        def f():
            use(r)  #: r=3,4
            r = a()
            r = b()
        """,
    "dead_code_falls_back": """
        def f():
            r = a()
            return r  #: r=2
            r = b()
            use(r)  #: r=2,4
        """,
    "tuple_targets_left_to_right": """
        def f(x):
            r = a()
            r, x[r] = b(), c()  #: r=3
            use(r)  #: r=3
        """,
    "chained_assignment_value_first": """
        def f():
            r = a()
            r = s = g(r)  #: r=2
            use(r, s)  #: r=3
        """,
    "annotation_only_binds_nothing": """
        def f():
            r: Completion
            r = a()
            use(r)  #: r=3
        """,
    "annotated_assignment": """
        def f():
            r: T = a()
            use(r)  #: r=2
            r: T = b(r)  #: r=2
            use(r)  #: r=4
        """,
    "imports_rebind": """
        def f():
            import json
            use(json)  #: json=2
            json = None
            use(json)  #: json=4
        """,
    "def_and_class_bind_their_names": """
        def f():
            g = a()
            def g():
                pass
            use(g)  #: g=3
            class g:
                pass
            use(g)  #: g=6
        """,
    "decorators_and_defaults_run_at_the_def": """
        def f():
            r = a()
            @deco(r)  #: r=2
            def g(x=r):  #: r=2
                return r  #: r=2,6
            r = b()
        """,
    # -- loops --
    "for_body_and_after": """
        def f(xs):
            r = a()
            for x in xs:
                use(r)  #: r=2,5
                r = b(x)
                use(r)  #: r=5
            use(r)  #: r=2,5
        """,
    "for_target": """
        def f(xs):
            r = a()
            for r in xs:
                use(r)  #: r=3
            use(r)  #: r=2,3
        """,
    "for_tuple_target": """
        def f(xs):
            r = a()
            for i, r in xs:
                use(r)  #: r=3
            use(r)  #: r=2,3
        """,
    "for_else_break": """
        def f(xs):
            r = a()
            for x in xs:
                r = b()
                if r:  #: r=4
                    break
            else:
                use(r)  #: r=2,4
                r = c()
            use(r)  #: r=4,9
        """,
    "while_continue": """
        def f():
            r = a()
            while cond(r):  #: r=2,6
                if other():
                    continue
                r = b()
            use(r)  #: r=2,6
        """,
    "while_else": """
        def f():
            r = a()
            while cond():
                r = b()
            else:
                use(r)  #: r=2,4
        """,
    "while_true_break": """
        def f():
            r = a()
            while True:
                r = b()
                if r:  #: r=4
                    break
            use(r)  #: r=4
        """,
    "while_true_without_break_is_dead_after": """
        def f():
            r = a()
            while True:
                use(r)  #: r=2,5
                r = b()
            use(r)  #: r=2,5
        """,
    "async_for": """
        async def f(xs):
            r = a()
            async for r in xs:
                use(r)  #: r=3
            use(r)  #: r=2,3
        """,
    # -- exceptions and context managers --
    "try_except": """
        def f():
            r = a()
            try:
                r = b()
                r = c()
            except E:
                use(r)  #: r=2,4,5
                r = d()
            use(r)  #: r=5,8
        """,
    "try_except_return": """
        def f():
            try:
                r = a()
            except E:
                return None
            r = b(r)  #: r=3
            use(r)  #: r=6
        """,
    "try_else": """
        def f():
            r = a()
            try:
                r = b()
            except E:
                pass
            else:
                use(r)  #: r=4
                r = c()
            use(r)  #: r=2,4,9
        """,
    "try_finally": """
        def f():
            r = a()
            try:
                r = b()
                r = c()
            finally:
                use(r)  #: r=2,4,5
            use(r)  #: r=5
        """,
    "break_through_finally": """
        def f(xs):
            r = a()
            for x in xs:
                try:
                    break
                finally:
                    r = b()
            use(r)  #: r=2,7
        """,
    "break_through_finally_replaced": """
        def f():
            r = a()
            while True:
                r = b()
                try:
                    break
                finally:
                    r = c()
            use(r)  #: r=8
        """,
    "except_as_falls_back": """
        def f():
            e = a()
            try:
                pass
            except E as e:
                use(e)  #: e=2,5
            use(e)  #: e=2,5
        """,
    "with_body_may_be_left_anywhere": """
        def f(cm):
            r = a()
            with cm:
                r = b()
                use(r)  #: r=4
                r = c()
            use(r)  #: r=2,4,6
        """,
    "with_as": """
        def f():
            r = a()
            with open(r) as r:  #: r=2
                use(r)  #: r=3
            use(r)  #: r=2,3
        """,
    "match_cases": """
        def f(x):
            r = a()
            match x:
                case 1:
                    r = b()
                    use(r)  #: r=5
                case _:
                    pass
            use(r)  #: r=2,5
        """,
    "match_without_wildcard": """
        def f(x):
            r = a()
            match x:
                case 1:
                    r = b()
                case 2:
                    r = c()
            use(r)  #: r=2,5,7
        """,
    "match_star_capture_falls_back": """
        def f(x):
            r = a()
            use(r)  #: r=2,7
            match x:
                case [*r]:
                    pass
            r = b()
        """,
    "match_capture_falls_back": """
        def f(x):
            r = a()
            match x:
                case [r]:
                    use(r)  #: r=2,4
            use(r)  #: r=2,4
        """,
    # -- names the walk does not follow: every binding --
    "del_falls_back": """
        def f():
            r = a()
            use(r)  #: r=2,5
            del r
            r = b()
        """,
    "augmented_assignment_falls_back": """
        def f():
            r = a()
            use(r)  #: r=2,4
            r += b()
        """,
    "nonlocal_from_nested_function_falls_back": """
        def f():
            r = a()
            def g():
                nonlocal r
                r = b()
            g()
            use(r)  #: r=2,5
        """,
    "global_in_function": """
        r = a()
        r = b()
        def f():
            global r
            use(r)  #: r=1,2
        """,
    "read_in_nested_function_sees_all": """
        def f():
            r = a()
            def g():
                return r  #: r=2,5
            r = b()
            return g
        """,
    "read_in_lambda_sees_all": """
        def f():
            r = a()
            g = lambda: r  #: r=2,4
            r = b()
            return g
        """,
    "read_in_nested_class_sees_all": """
        def f():
            r = a()
            class C:
                x = r  #: r=2,5
            r = b()
        """,
    "list_comprehension_runs_in_place": """
        def f(xs):
            r = a()
            ys = [r for x in xs]  #: r=2
            r = b()
        """,
    "generator_runs_later": """
        def f(xs):
            r = a()
            ys = (r for x in xs)  #: r=2,4
            r = b()
            return ys
        """,
    "generator_first_iterable_runs_in_place": """
        def f():
            r = a()
            ys = (x for x in r)  #: r=2
            r = b()
            return ys
        """,
    "walrus_may_bind": """
        def f():
            r = a()
            if (r := b()) or r:  #: r=2,3
                use(r)  #: r=2,3
        """,
    "walrus_in_comprehension_falls_back": """
        def f(xs):
            r = a()
            ys = [(r := x) for x in xs]
            use(r)  #: r=2,3
        """,
    "exec_falls_back": """
        def f():
            r = a()
            exec("r = 2")
            use(r)  #: r=2,5
            r = b()
        """,
    # -- module level --
    "module_in_order": """
        import os
        r = a()
        use(r)  #: r=2
        r = b()
        use(r)  #: r=4
        """,
    "module_name_read_in_function_sees_all": """
        r = a()
        def f():
            return r  #: r=1,4
        r = b()
        """,
    "module_name_bound_by_global_falls_back": """
        r = a()
        def f():
            global r
            r = b()
        f()
        use(r)  #: r=1,4
        """,
    "module_star_import_falls_back": """
        r = a()
        use(r)  #: r=1,4
        from m import *
        r = b()
        """,
    "module_globals_anywhere_falls_back": """
        r = a()
        use(r)  #: r=1,5
        def f():
            globals()["r"] = 1
        r = b()
        """,
    "module_try_import": """
        try:
            import json
        except ImportError:
            json = None
        use(json)  #: json=2,4
        """,
    "class_scope_is_not_ordered": """
        class C:
            r = a()
            x = r  #: r=2,4
            r = b()
        """,
}

_MARK = re.compile(r"#:\s*(.*)$")


def _line(node: cst.CSTNode, positions: dict) -> int:  # type: ignore[type-arg]
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Param)):
        node = node.name
    return int(positions[node].start.line)


def _analyse(source: str) -> tuple[ModuleIndex, dict, list[cst.Name]]:  # type: ignore[type-arg]
    module = cst.parse_module(source)
    index = ModuleIndex(module)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    reads = [name for name in index.nodes(cst.Name) if index.is_read(name)]
    return index, positions, reads  # type: ignore[return-value]


def _lines(bindings: list[Binding], positions: dict) -> list[int]:  # type: ignore[type-arg]
    return sorted(_line(binding.node, positions) for binding in bindings)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reaching(case: str) -> None:
    source = textwrap.dedent(CASES[case]).lstrip("\n")
    index, positions, reads = _analyse(source)
    checked = 0
    for number, text in enumerate(source.splitlines(), start=1):
        mark = _MARK.search(text)
        if mark is None:
            continue
        for item in mark.group(1).split():
            name, _, lines = item.partition("=")
            expected = sorted(int(line) for line in lines.split(","))
            on_line = [r for r in reads if r.value == name and positions[r].start.line == number]
            assert on_line, f"line {number}: no read of {name}"
            for read in on_line:
                got = _lines(index.reaching(read), positions)
                assert got == expected, f"line {number}: {name} reached by {got}, expected {expected}"
                checked += 1
    assert checked
    _assert_invariants(index, reads)


def _assert_invariants(index: ModuleIndex, reads: list[cst.Name]) -> None:
    for read in reads:
        every = index.bindings(read)
        found = index.reaching(read)
        assert all(any(binding is other for other in every) for binding in found)
        assert bool(found) == bool(every)
        for binding in found:
            assert read in index.reads_reached_by(binding)


def test_reaching_is_computed_once_per_scope_and_only_when_asked() -> None:
    source = "def f():\n    r = a()\n    r = b()\n    use(r)\n\ndef g():\n    s = 1\n    use(s)\n"
    index, _positions, reads = _analyse(source)
    assert not index._flows
    (r,) = [read for read in reads if read.value == "r"]
    first = index.reaching(r)
    assert len(index._flows) == 1
    assert index.reaching(r) == first
    (s,) = [read for read in reads if read.value == "s"]
    index.reaching(s)  # one binding: nothing to compute
    assert len(index._flows) == 1


# --------------------------------------------------------------------------- properties

GENERATED = hypothesmith.from_grammar()  # built once: it compiles CPython's grammar


def _parses(source: str) -> Optional[cst.Module]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "<generated>", "exec")
            return cst.parse_module(source)
        except Exception:  # anything generated that CPython or LibCST does not take
            return None


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles `1()` and the like
@given(GENERATED)
def test_reaching_is_a_non_empty_subset_on_generated_code(source: str) -> None:
    module = _parses(source)
    if module is None:
        return
    index = ModuleIndex(module)
    _assert_invariants(index, [name for name in index.nodes(cst.Name) if index.is_read(name)])


# Programs over two names, generated and then run: every value a read sees at run time
# must come from a binding the analysis says may reach it. Each binding assigns its own
# number (`next_id(N)`), each read logs its number and the value (`see(read_id(M), r)`),
# and `flip()` decides the branches, loops, raises, breaks and returns.
_NAMES = ("r", "s")


@st.composite
def _statements(draw: st.DrawFn, depth: int, in_loop: bool, in_function: bool) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3 if depth else 6))):
        options = ["assign"] * 4 + ["read", "unpack", "walrus", "raise", "def"]
        if depth < 3:
            options += ["if", "if_else", "for", "while", "try", "try_finally", "with", "match"]
        if in_loop:
            options += ["break", "continue"]
        if in_function:
            options.append("return")
        # `del` and `x += ...` make the name fall back: rare, or little else gets checked.
        rare = draw(st.integers(0, 29)) == 0
        choice = draw(st.sampled_from(["del", "augment"] if rare else options))
        name = draw(st.sampled_from(_NAMES))
        other = "s" if name == "r" else "r"

        def block(loop: bool = in_loop) -> list[str]:
            return ["    " + line for line in draw(_statements(depth + 1, loop, in_function))]

        if choice == "assign":
            lines.append(f"{name} = next_id()")
        elif choice == "read":
            lines.append(f"see(read_id(), {name})")
        elif choice == "unpack":
            lines.append(f"{name}, {other} = next_id(), next_id()")
        elif choice == "walrus":
            lines += [f"if flip() or ({name} := next_id()):", f"    see(read_id(), {name})"]
        elif choice == "raise":
            lines += ["if flip() and flip():", "    raise Boom"]
        elif choice == "del":
            lines += ["if flip():", f"    del {name}"]
        elif choice == "augment":
            lines.append(f"{name} += 0")
        elif choice == "def":
            lines += ["def inner():", f"    see(read_id(), {name})", "inner()" if draw(st.booleans()) else "pass"]
        elif choice == "if":
            lines += ["if flip():", *block()]
        elif choice == "if_else":
            lines += ["if flip():", *block(), "else:", *block()]
        elif choice == "for":
            lines += [f"for {draw(st.sampled_from(['_', name]))} in loop_ids():", *block(True)]
            if draw(st.booleans()):
                lines += ["else:", *block()]
        elif choice == "while":
            lines += ["while flip():", *block(True)]
            if draw(st.booleans()):
                lines += ["else:", *block()]
        elif choice == "try":
            lines += ["try:", *block(), "except Boom:", *block()]
            if draw(st.booleans()):
                lines += ["else:", *block()]
        elif choice == "try_finally":
            lines += ["try:", *block(), "finally:", *block()]
        elif choice == "with":
            lines += ["with swallow():", *block()]
        elif choice == "match":
            lines += ["match flip():", "    case True:", *("    " + line for line in block())]
            if draw(st.booleans()):
                lines += ["    case _:", *("    " + line for line in block())]
        else:  # break, continue, return
            lines += ["if flip():", f"    {choice}"]
        if draw(st.booleans()):  # reads everywhere: each one is a check
            lines.append(f"see(read_id(), {draw(st.sampled_from(_NAMES))})")
    return lines


@st.composite
def _runnable(draw: st.DrawFn) -> tuple[str, bool]:
    in_function = draw(st.booleans())
    # Both names start bound, so that most reads run and a later binding has one to replace.
    body = ["r = next_id()", "s = next_id()", *draw(_statements(0, False, in_function))]
    if in_function:
        source = "def main():\n" + "".join(f"    {line}\n" for line in body)
    else:
        source = "".join(f"{line}\n" for line in body)
    numbers = iter(range(1, 100_000))
    # Every `next_id()` and `read_id()` gets its own number, in source order.
    return re.sub(r"(next_id|read_id)\(\)", lambda m: f"{m.group(1)}({next(numbers)})", source), in_function


_PRELUDE = """
import contextlib
class Boom(Exception):
    pass
def swallow():
    return contextlib.suppress(Boom)
"""


def _number(node: cst.BaseExpression) -> int:
    assert isinstance(node, cst.Call) and isinstance(node.args[0].value, cst.Integer)
    return int(node.args[0].value.value)


def _values(index: ModuleIndex, binding: Binding) -> set[int]:
    """The numbers a binding may assign (none for `r += 0`: it keeps an earlier one)."""
    node = binding.node
    parent = index.parent(node)
    if isinstance(parent, cst.AssignTarget):
        owner = index.parent(parent)
        assert isinstance(owner, cst.Assign)
        return {_number(owner.value)}
    if isinstance(parent, cst.Element):
        pair = index.parent(parent)
        owner = index.parent(index.parent(pair) or parent)
        assert isinstance(pair, cst.Tuple) and isinstance(owner, cst.Assign) and isinstance(owner.value, cst.Tuple)
        position = [element.value for element in pair.elements].index(node)  # type: ignore[arg-type]
        return {_number(owner.value.elements[position].value)}
    if isinstance(parent, cst.NamedExpr):
        return {_number(parent.value)}
    if isinstance(parent, cst.For):
        return {0}
    return set()


def _execute(code: Any, seed: int, in_function: bool) -> list[tuple[int, object]]:
    """Run the program with a fair coin (200 tosses, then every loop ends): what each read saw."""
    coin = random.Random(seed)
    pending = iter([coin.random() < 0.5 for _ in range(200)])
    seen: list[tuple[int, object]] = []
    namespace: dict[str, Any] = {}
    exec(_PRELUDE, namespace)
    namespace.update(
        flip=lambda: next(pending, False),
        next_id=lambda number: number,
        read_id=lambda number: number,
        loop_ids=lambda: [0, 0] if next(pending, False) else [],
        see=lambda number, value: seen.append((number, value)),
    )
    try:
        exec(code, namespace)
        if in_function:
            namespace["main"]()
    except (NameError, namespace["Boom"]):
        pass  # unbound on this path, or raised out: what was seen so far still counts
    return seen


@given(_runnable(), st.lists(st.integers(0, 2**32 - 1), min_size=8, max_size=8, unique=True))
def test_reaching_holds_when_the_code_runs(program: tuple[str, bool], seeds: list[int]) -> None:
    source, in_function = program
    index = ModuleIndex(cst.parse_module(source))
    read_of: dict[int, cst.Name] = {}
    for call in index.nodes(cst.Call):
        if isinstance(call.func, cst.Name) and call.func.value == "see":
            holder = call.args[1].value
            assert isinstance(holder, cst.Name)
            read_of[_number(call.args[0].value)] = holder
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `break` in `finally` warns on newer Pythons
        code = compile(source, "<generated>", "exec")
    for seed in seeds:
        seen = _execute(code, seed, in_function)
        for number, value in seen:
            read = read_of[number]
            possible = set().union(*(_values(index, binding) for binding in index.reaching(read)))
            assert value in possible, f"read {number} saw {value}; the analysis allows {sorted(possible)}\n{source}"
