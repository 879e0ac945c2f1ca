"""The module index agrees with LibCST's own providers."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider

from migrator.tree import ModuleIndex

FIXTURES = sorted(
    p for p in (Path(__file__).parent / "fixtures").glob("OAI*/*.py") if not p.name.endswith(".expected.py")
)
SAMPLE_TYPES = (cst.Call, cst.Attribute, cst.SimpleString, cst.Arg, cst.Subscript, cst.SimpleStatementLine, cst.FunctionDef)


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



def test_a_global_statement_at_module_level_resolves_to_the_module() -> None:
    # Legal and meaningless; name lookup used to bounce between the module and itself.
    index = ModuleIndex(cst.parse_module("global x\nx = 1\nprint(x)\n"))
    use = [n for n in index.nodes(cst.Name) if n.value == "x"][-1]
    assert [b.scope.kind for b in index.bindings(use)] == ["module"]
