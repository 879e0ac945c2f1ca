"""The position passes agree with LibCST's PositionProvider: the code-generation pass,
the per-statement pass, and the CPython ranges the per-statement pass tries first."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from migrator.native_spans import native_range
from migrator.positions import (
    NEWLINE,
    _columns,
    _path_to_statement,
    match_statements,
    spans,
    statement_spans,
)
from migrator.tree import ModuleIndex

FIXTURES = sorted(
    p for p in (Path(__file__).parent / "fixtures").glob("OAI*/*.py") if not p.name.endswith(".expected.py")
)
SAMPLE_TYPES = (cst.Call, cst.Attribute, cst.SimpleString, cst.Arg, cst.Subscript, cst.SimpleStatementLine, cst.FunctionDef)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_positions_match_position_provider(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    expected = wrapper.resolve(PositionProvider)
    index = ModuleIndex(module)
    nodes = [node for kind in SAMPLE_TYPES for node in index.nodes(kind)]
    full = spans(module, nodes)
    fast = statement_spans(module, nodes, index.parent, source)
    assert fast is not None, "the per-statement pass fell back"
    for node in nodes:
        where = expected[node]
        want = (where.start.line, where.start.column, where.end.line, where.end.column)
        for found in (full, fast):
            span = found[id(node)]
            assert (span.start_line, span.start_column, span.end_line, span.end_column) == want, cst.Module([]).code_for_node(node)


HEADERS = '''\
import openai  # comment
client = openai.OpenAI()


@decorator(client.completions.create(prompt="d"))
# between
@other
async def outer(model="text-davinci-003", *, n=f(1)) -> g(2):
    """Doc."""
    for chunk in client.completions.create(prompt="x", stream=True):  # trailing
        print(chunk.choices[0].text)
    else:
        while client.completions.create(prompt="w").choices:
            pass
    if a(1):
        pass
    elif b(2) and c(3):
        with client.completions.with_raw_response.create(prompt="y") as r, open("f") as g:
            x = r.parse().choices[0].text; y = h(x)
    else:
        class K(Base(client.completions.create(prompt="k"))):
            attr = q(1)
    try:
        pass
    except (E(1), F(2)) as error:
        z = error.args[0]
    finally:
        fin(1)
    async with a(1) as (b, c):
        async for d in e(client.completions.create(prompt="z")):
            pass
    match client.completions.create(prompt="m"):
        case {"choices": [c]} if c.text(1):
            print(c.text)
        case _:
            fallback(2)
    return (
        client.completions.create(
            prompt="r",
        ).choices[0].text
    )
'''


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_positions_in_compound_headers_match_position_provider(newline: str) -> None:
    """Nodes in the headers of nested compound statements (placed from the statement that
    holds them, code generation cut after them) and statement starts read from CPython."""
    import ast

    source = HEADERS.replace("\n", newline)
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    index = ModuleIndex(module)
    kinds = (cst.Call, cst.Attribute, cst.SimpleString, cst.Arg, cst.Subscript, cst.Name, cst.Param, cst.Decorator)
    nodes = [node for kind in kinds for node in index.nodes(kind)]
    statements = [
        node
        for kind in (cst.SimpleStatementLine, cst.FunctionDef, cst.ClassDef, cst.For, cst.While, cst.If, cst.With, cst.Try, cst.Match)
        for node in index.nodes(kind)
    ]
    assert len(nodes) > 100 and len(statements) > 15
    for native in (None, ast.parse(source)):
        fast = statement_spans(module, nodes, index.parent, source, native=native, starts=statements)
        assert fast is not None, "the per-statement pass fell back"
        for node in nodes:
            where = expected[node]
            span = fast[id(node)]
            found = (span.start_line, span.start_column, span.end_line, span.end_column)
            assert found == (where.start.line, where.start.column, where.end.line, where.end.column), (
                cst.Module([]).code_for_node(node)
            )
        for statement in statements:
            where = expected[statement]
            assert fast[id(statement)].start_line == where.start.line, cst.Module([]).code_for_node(statement)
    # Alone, each node is the last one wanted: generation stops right after it (a
    # decorator's, before its statement's own range even opens).
    for node in nodes:
        alone = statement_spans(module, [node], index.parent, source)
        assert alone is not None
        where = expected[node]
        span = alone[id(node)]
        found = (span.start_line, span.start_column, span.end_line, span.end_column)
        assert found == (where.start.line, where.start.column, where.end.line, where.end.column), (
            cst.Module([]).code_for_node(node)
        )


# The kinds CPython's ranges may answer for; every node of them is checked, not just the
# ones findings ask about.
NATIVE_KINDS = (cst.Call, cst.Attribute, cst.Subscript, cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Arg)
STDLIB = Path(sysconfig.get_paths()["stdlib"])
# Stdlib modules of many styles: decorators, comprehensions, f-strings, long calls,
# operators, lambdas, annotations, non-ASCII text.
STDLIB_SAMPLES = ["argparse.py", "dataclasses.py", "json/encoder.py", "textwrap.py", "inspect.py", "unittest/mock.py"]
ODD_LINES = (
    "# -*- coding: utf-8 -*-\n"
    "names = {'é': f('ü', x=g('€'))['k'], \"日本\": [h(1), *rest]}  # ça\n"
    "value = (a)(b).c[(d)] + -e.f ** 2 if g(h) else not i[j]\n"
    "total = sum(x.y for x in z if x.w(1)) or [k.v for k in m for v in k if v]\n"
    "if cond:\n"
    "\tindented = f(a.b, 'ñ')  # tab\n"
    "s = 'a' 'b'; t = f'{u.v!r:>{w.x}}'; lambda q: q.r(s=1)\n"
    "assert p.q(1) == 2, r.s[3]\n"
    "x = y = z.w = call(*args, key=val, **kw)\n"
    "v: Annotated[int, meta(1)] = other.thing\n"
    "raise Error(msg.text) from cause.thing\n"
    "v = a[((p, q), z),] + b[c,][d]\n"
)


def _native_cases() -> list[tuple[str, str]]:
    cases = [(f"{p.parent.name}/{p.stem}", p.read_text(encoding="utf-8")) for p in FIXTURES]
    cases.append(("compound-headers", HEADERS))
    for newline in ("\r\n", "\r"):
        cases.append((f"odd-lines-{newline!r}", ODD_LINES.replace("\n", newline)))
    cases.append(("odd-lines", ODD_LINES))
    for name in STDLIB_SAMPLES:
        if (STDLIB / name).is_file():
            cases.append((f"stdlib/{name}", (STDLIB / name).read_text(encoding="utf-8")))
    return cases


@pytest.mark.parametrize(("name", "source"), _native_cases(), ids=[name for name, _ in _native_cases()])
def test_cpython_ranges_match_position_provider(name: str, source: str) -> None:
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    index = ModuleIndex(module)
    lines: dict[int, tuple[int, int]] = {}
    small: dict[int, list[ast.stmt]] = {}
    assert match_statements(module.body, ast.parse(source).body, lines, small)  # type: ignore[arg-type]
    columns = _columns(source, NEWLINE.split(source))
    assert columns is not None
    answered = asked = 0
    for kind in NATIVE_KINDS:
        for node in index.nodes(kind):
            path = _path_to_statement(node, index.parent, lines)
            if not path or not isinstance(path[0], cst.SimpleStatementLine):
                continue
            asked += 1
            found = native_range(path, small[id(path[0])], columns)
            if found is None:
                continue
            answered += 1
            where = expected[node]
            assert found == (where.start.line, where.start.column, where.end.line, where.end.column), (
                cst.Module([]).code_for_node(node)
            )
    # Most nodes in simple statements are answered without code generation.
    assert answered, asked
    if asked >= 100:
        assert answered / asked > 0.6, (answered, asked)
