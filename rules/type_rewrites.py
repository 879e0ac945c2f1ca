"""The legacy response types named in code, and their chat counterparts (part of OAI002)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Callable, Optional

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report

from . import edits, sdk
from .analysis import Analysis
from .analysis.names import Names
from .analysis.records import TypeReference

TypeEntry = tuple[str, str, str, str]  # value kind, module, name, local alias


def type_reports(
    code: str,
    analysis: Analysis,
    table: Mapping[str, tuple[Optional[TypeEntry], Optional[TypeEntry]]] = sdk.LEGACY_TYPES,
    api: str = "chat",
) -> Iterator[Report]:
    """`table`: legacy type -> what it becomes (for the value, for a stream's element; None
    where the target API has no counterpart); `api` names the target API in messages."""
    if not analysis.type_references:
        return
    group = analysis.types_group
    renamed_ids = {id(ref.node) for ref in analysis.type_references if ref.annotation}
    imports_done: set[tuple[int, str]] = set()  # (import statement, name): one statement may bind several
    for reference in analysis.type_references:
        entry = table[reference.legacy][1 if reference.stream else 0]
        old = reference.legacy.rsplit(".", 1)[1]
        if entry is None:
            yield Report(
                code=code,
                node=reference.node,
                message=f"`{old}` is a legacy Completions type with no {api} counterpart",
                advice="annotate with the type of the value it now holds, or drop the annotation",
                groups=group,
            )
            continue
        _kind, module_name, name, alias = entry
        if not reference.annotation:
            yield Report(
                code=code,
                node=reference.node,
                message=f"`{old}` is a legacy Completions type; {api} code uses `{module_name}.{name}`",
                advice=f"build or check a `{name}` (from `{module_name}`) instead; its fields differ",
                groups=frozenset({f"type@{id(reference.node)}"}),
            )
            continue
        replace, extra = _rename(analysis.names, reference, module_name, name, alias)
        fix_edits = [Edit(reference.node, replace), *extra]
        binding = reference.binding
        if binding is not None and (id(binding.node), binding.name) not in imports_done:
            # Drop the old name from its import once nothing reads it any more.
            if binding.references and all(id(ref) in renamed_ids for ref in binding.references):
                imports_done.add((id(binding.node), binding.name))
                fix_edits.append(Edit(binding.node, edits.remove_import_name(binding.name)))
        yield Report(
            code=code,
            node=reference.node,
            message=f"`{old}` is the legacy response type; {api} {'streams yield' if reference.stream else 'responses are'} `{alias or name}`"
            if api != "chat"
            else f"`{old}` is the legacy response type; chat responses are `{alias or name}`",
            fix=Fix(Applicability.SAFE, tuple(fix_edits)),
            groups=group,
        )


def _rename(
    names: Names, reference: TypeReference, module_name: str, name: str, alias: str
) -> tuple[Callable[[cst.BaseExpression], cst.BaseExpression], list[Edit]]:
    node = reference.node
    if isinstance(node, cst.Attribute):
        # `openai.types.Completion` -> `openai.types.chat.ChatCompletion`, through the same root.
        root = node.value
        while isinstance(root, cst.Attribute):
            root = root.value
        for base in names.qualified_names(root):
            if module_name.startswith(base):
                source = cst.Module(body=[]).code_for_node(root)
                return _replace_with(cst.parse_expression(f"{source}{module_name[len(base):]}.{name}")), []
    local = alias or name
    module_edit = Edit(names.index.module, edits.ensure_from_import(module_name, name, alias))
    return (lambda _updated: cst.Name(local)), [module_edit]


def _replace_with(expression: cst.BaseExpression) -> Callable[[cst.BaseExpression], cst.BaseExpression]:
    return lambda updated: expression.with_changes(lpar=updated.lpar, rpar=updated.rpar)
