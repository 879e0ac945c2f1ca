"""Reads of a response: its text (`.text`), its object type, its dict keys (v0) and the
legacy response types named in annotations. "Why wasn't my read traced?" starts here and
goes on in `dataflow.py`."""

from __future__ import annotations

from itertools import chain
from typing import Optional

import libcst as cst

from .. import sdk
from .dataflow import RESPONSE_TAGS, Flow
from .names import Names
from .records import DictAccess, ObjectCompare, TextRead, TypeReference
from .syntax import string_key, string_value, subscript_key, text_access

STR_METHODS = frozenset(dir(str))
LEGACY_TYPE_NAMES = frozenset(name.rsplit(".", 1)[1] for name in sdk.LEGACY_TYPES)
# Legacy logprobs fields that OAI002 reshapes (not merely renames) for chat.
LOGPROB_FIELDS = ("tokens", "token_logprobs", "top_logprobs", "text_offset")


class ReadFinder:
    def __init__(self, names: Names, flow: Flow) -> None:
        self.names = names
        self.flow = flow

    def text_read(self, node: cst.BaseExpression) -> Optional[TextRead]:
        found = text_access(node)
        if found is None:
            return None
        holder, form = found
        kind = self.flow.kind(holder)
        shaped = form in ("attr", "getattr") and self._looks_like_choice(holder)
        if kind is not None and kind.read_tag not in ("choice", "chunk_choice"):
            return None
        if kind is None and (not shaped or self.flow.rebound_away(holder)):
            return None  # (a name rebound after holding a traced response reads something else)
        return TextRead(node, holder, form, kind, str_use=self.used_as_str(node), shaped=shaped)

    def _looks_like_choice(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute):
            return node.value.attr.value == "choices"
        if isinstance(node, cst.Name):
            for assignment in self.names.assignments(node) or ():
                value = self.names.assigned_value(assignment)
                if isinstance(value, (cst.For, cst.CompFor)) and isinstance(value.iter, cst.Attribute):
                    if value.iter.attr.value == "choices":
                        return True
                if isinstance(value, cst.BaseExpression) and self._looks_like_choice(value):
                    return True
        return False

    def used_as_str(self, node: cst.BaseExpression) -> bool:
        """Whether the value is used where `None` would break or print differently."""
        parent = self.names.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return parent.attr.value in STR_METHODS
        if isinstance(parent, (cst.BinaryOperation, cst.AugAssign, cst.FormattedStringExpression, cst.Return, cst.Yield)):
            return True
        if isinstance(parent, (cst.Arg, cst.Element)):
            return True
        if isinstance(parent, cst.IfExp) and (parent.body is node or parent.orelse is node):
            return self.used_as_str(parent)  # `x.text if ok else ""` is a str wherever it goes
        if isinstance(parent, (cst.ListComp, cst.GeneratorExp, cst.SetComp)) and parent.elt is node:
            # `[c.text for c in ...]` is a list of str wherever the list goes.
            return self.used_as_str(parent)
        if isinstance(parent, cst.DictElement) and parent.value is node:
            return True
        if isinstance(parent, cst.Subscript) and parent.value is node:
            return True
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            return any(self._name_used_as_str(t) for t in targets)
        return False

    def _name_used_as_str(self, target: cst.BaseExpression) -> bool:
        if not isinstance(target, cst.Name):
            return True
        uses = self.names.references(target, target.value)
        if uses is None:
            return True
        return any(isinstance(use, cst.Name) and self.used_as_str(use) for use in uses)

    def object_compare(self, node: cst.SimpleString) -> Optional[ObjectCompare]:
        """`r.object == "text_completion"` on a traced response."""
        if string_value(node) != "text_completion":
            return None
        comparison = self.names.parent(self.names.parent(node) or node)
        if not isinstance(comparison, cst.Comparison):
            comparison = self.names.parent(node)
        if not isinstance(comparison, cst.Comparison):
            return None
        for side in (comparison.left, *(c.comparator for c in comparison.comparisons)):
            holder: Optional[cst.BaseExpression] = None
            if (isinstance(side, cst.Attribute) and side.attr.value == "object") or (isinstance(side, cst.Subscript) and subscript_key(side) == "object"):
                holder = side.value
            kind = self.flow.kind(holder) if holder is not None else None
            if kind is not None and kind.read_tag in ("completion", "chunk"):
                return ObjectCompare(node, kind)
        return None

    def dict_access(self, node: cst.BaseExpression) -> Optional[DictAccess]:
        """A string-key read of a v0 response part that v1 must read as an attribute."""
        default: Optional[cst.BaseExpression] = None
        if isinstance(node, cst.Subscript):
            holder = node.value
            key = subscript_key(node)
        else:
            assert isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            holder = node.func.value
            key = string_key(node.args[0].value)
            if len(node.args) > 1:
                default = node.args[1].value
        kind = self.flow.kind(holder)
        if key is None or kind is None or kind.read_tag not in RESPONSE_TAGS:
            return None
        if key == "text" and kind.read_tag in ("choice", "chunk_choice"):
            return None  # the text itself: OAI002 / OAI003
        if kind.read_tag == "logprobs" and key in LOGPROB_FIELDS:
            return None  # reshaped by OAI002, not just renamed
        return DictAccess(node, key, default, kind)

    def type_reference(self, node: cst.BaseExpression) -> Optional[TypeReference]:
        parent = self.names.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return None  # `openai.types.Completion` is seen once, as the whole attribute
        if isinstance(parent, (cst.ImportAlias, cst.Import, cst.ImportFrom)):
            return None
        legacy = next((name for name in self.names.qualified_names(node) if name in sdk.LEGACY_TYPES), None)
        if legacy is None:
            return None
        binding = None
        if isinstance(node, cst.Name):
            binding = next((b for b in self.names.assignments(node) or () if b.is_import), None)
        stream = False
        annotation = False
        for current in chain((node,), self.names.ancestors(node)):
            if isinstance(current, (cst.BaseStatement, cst.Param)):
                break
            if isinstance(current, cst.Annotation):
                annotation = True
                break
            if isinstance(current, cst.Subscript) and self.names.qualified_names(current.value) & sdk.STREAM_CONTAINERS:
                stream = True
        return TypeReference(node, legacy, stream, annotation, binding)
