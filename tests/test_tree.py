"""The module index and the position passes agree with LibCST's own providers."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from migrator.tree import ModuleIndex, spans, statement_spans

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


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_parents_match_parent_provider(path: Path) -> None:
    module = cst.parse_module(path.read_bytes())
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    index = ModuleIndex(module)
    checked = 0
    for kind in SAMPLE_TYPES:
        for node in index.nodes(kind):
            assert index.parent(node) is expected[node]
            checked += 1
    assert checked
