"""Moving openai<1.0 code to the v1 SDK in the same fix (`--sdk v1`).

Source: `../shared/reference/openai-api-mapping.md` sections 1.1, 2.5, 7.8 and 7.9.
"""

from __future__ import annotations

import keyword
from collections.abc import Sequence
from typing import Callable, Optional

import libcst as cst

# v0 `openai.error.X` -> the v1 exception that really exists (never `openai.Timeout`, which
# is the HTTP timeout configuration class in v1).
ERROR_NAMES = {
    "OpenAIError": "OpenAIError",
    "APIError": "APIError",
    "Timeout": "APITimeoutError",
    "APIConnectionError": "APIConnectionError",
    "InvalidRequestError": "BadRequestError",
    "AuthenticationError": "AuthenticationError",
    "PermissionError": "PermissionDeniedError",
    "RateLimitError": "RateLimitError",
    "ServiceUnavailableError": "InternalServerError",
}
NO_V1_ERROR = {
    "TryAgain": "v1 retries by itself (`max_retries` on the client); drop this handler",
    "InvalidAPIType": "v1 has no API-type errors; the client class decides (`AzureOpenAI`)",
    "SignatureVerificationError": "use `openai.InvalidWebhookSignatureError` for webhook signatures",
}

# v0-only keyword arguments of `create` and what they become on a v1 call.
RENAMED_KWARGS = {"request_timeout": "timeout", "headers": "extra_headers"}
CREDENTIAL_KWARGS = ("api_key", "organization", "api_base", "api_type", "api_version", "request_id")
CREDENTIAL_ADVICE = (
    "v1 takes credentials and routing per client: build `openai.OpenAI(api_key=..., "
    "organization=..., base_url=...)` (or `AzureOpenAI`) and call `.chat.completions.create` on it"
)

ASYNC_HELPER_NAME = "_openai_async_client"
_ASYNC_HELPER = '''\
_openai_async_client_instance = None


def {name}():
    """The v1 async client, built on first use so that importing this module needs no API key."""
    global _openai_async_client_instance
    if _openai_async_client_instance is None:
        _openai_async_client_instance = {module}.AsyncOpenAI(
            api_key={module}.api_key, organization={module}.organization, base_url={module}.base_url
        )
    return _openai_async_client_instance
'''


HTTP_CLIENT_ADVICE = (
    "configure the HTTP client instead: `openai.http_client = openai.DefaultHttpxClient(...)` "
    "(proxies, certificates) or pass `http_client=` to the client you build"
)
IGNORED_SETTINGS = {
    "api_key_path": "read the key yourself and set `openai.api_key` (or OPENAI_API_KEY)",
}


def slash_terminated(
    value: cst.BaseExpression, qualified_names: Callable[[cst.CSTNode], set[str]]
) -> Optional[cst.BaseExpression]:
    """`value` as a URL that ends with "/", or None when that cannot be written safely."""
    if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        text = value.evaluated_value
        return value if text.endswith("/") else value.with_changes(value=value.prefix + value.quote + text + "/" + value.quote)
    never_none = False
    if isinstance(value, cst.Call) and len(value.args) >= 2:
        never_none = bool(qualified_names(value.func) & {"os.getenv", "os.environ.get"})
    elif isinstance(value, cst.Subscript):
        never_none = "os.environ" in qualified_names(value.value)
    if not never_none:
        return None
    operand = value.with_changes(lpar=[], rpar=[])
    return cst.parse_expression('__url__.rstrip("/") + "/"').visit(_Placeholder(operand))  # type: ignore[return-value]


class _Placeholder(cst.CSTTransformer):
    def __init__(self, node: cst.BaseExpression) -> None:
        super().__init__()
        self.node = node

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self.node if original_node.value == "__url__" else updated_node


def serialization_rewrite(node: cst.Call) -> Optional[Callable[[cst.Call], cst.BaseExpression]]:
    """`json.dumps(r[, indent=n])` -> `r.model_dump_json([indent=n])`; `dict(r)` -> `r.model_dump()`."""
    extra = node.args[1:]
    is_dumps = isinstance(node.func, cst.Attribute) or (isinstance(node.func, cst.Name) and node.func.value != "dict")
    if any(arg.keyword is None or arg.keyword.value != "indent" for arg in extra) or (extra and not is_dumps):
        return None  # default=, ensure_ascii=, sort_keys=...: not model_dump_json's

    def transform(updated: cst.Call) -> cst.BaseExpression:
        method = "model_dump_json" if is_dumps else "model_dump"
        target = updated.args[0].value
        args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in updated.args[1:]]
        return cst.Call(func=cst.Attribute(value=target, attr=cst.Name(method)), args=args)

    return transform


def rename_attribute(name: str) -> Callable[[cst.Attribute], cst.Attribute]:
    return lambda updated: updated.with_changes(attr=cst.Name(name))


def is_attribute_name(key: str) -> bool:
    return key.isidentifier() and not keyword.iskeyword(key)


def to_attribute(key: str) -> Callable[[cst.BaseExpression], cst.BaseExpression]:
    """`x["key"]` / `x.get("key")` -> `x.key` (v1 responses are objects, not dicts)."""

    def transform(updated: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(updated, cst.Subscript):
            holder = updated.value
        else:
            assert isinstance(updated, cst.Call) and isinstance(updated.func, cst.Attribute)
            holder = updated.func.value
        attribute = cst.Attribute(value=holder, attr=cst.Name(key))
        if isinstance(updated, cst.Call) and len(updated.args) > 1:
            operation = cst.BooleanOperation(left=attribute, operator=cst.Or(), right=updated.args[1].value)
            return operation.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return attribute.with_changes(lpar=updated.lpar, rpar=updated.rpar)

    return transform


def is_simple_default(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False")
    return isinstance(node, (cst.List, cst.Dict, cst.Tuple)) and not getattr(node, "elements", True)


def module_prelude(module_name: str, add_import: bool, add_async_helper: bool) -> Callable[[cst.Module], cst.Module]:
    """Insert `import openai` and/or the lazy async client after the module's imports, once."""

    def transform(module: cst.Module) -> cst.Module:
        body = list(module.body)
        position = _after_imports(body)
        new: list[cst.BaseStatement] = []
        if add_import and not _imports_openai(body) and (add_async_helper or _names_openai(module)):
            new.append(cst.parse_statement("import openai\n"))
        if add_async_helper and not any(
            isinstance(s, cst.FunctionDef) and s.name.value == ASYNC_HELPER_NAME for s in body
        ):
            helper = cst.parse_module(_ASYNC_HELPER.format(name=ASYNC_HELPER_NAME, module=module_name))
            statements = list(helper.body)
            blank = cst.EmptyLine()
            statements[0] = statements[0].with_changes(leading_lines=[blank, blank])
            if position < len(body):
                following = body[position]
                body[position] = following.with_changes(leading_lines=[blank, blank, *_strip_blank(following.leading_lines)])
            new.extend(statements)
        if not new:
            return module
        return module.with_changes(body=[*body[:position], *new, *body[position:]])

    return transform


def _names_openai(module: cst.Module) -> bool:
    """Whether the migrated module reads the name `openai` (a call moved onto the module
    client, `openai.chat.completions...`): a call through another name (a fixture that
    returns the module) needs no import."""
    import libcst.matchers as m

    return bool(m.findall(module, m.Attribute(value=m.Name("openai"))))


def _strip_blank(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    result = list(lines)
    while result and result[0].comment is None:
        result.pop(0)
    return result


def _imports_openai(body: Sequence[cst.BaseStatement]) -> bool:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import) and any(
                    isinstance(a.name, cst.Name) and a.name.value == "openai" and a.asname is None for a in small.names
                ):
                    return True
    return False


def _after_imports(body: Sequence[cst.BaseStatement]) -> int:
    """The index after the leading docstring / import statements."""
    position = 0
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        small = statement.body[0] if statement.body else None
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            position = index + 1
        elif index == 0 and isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString):
            position = 1
        else:
            break
    return position


def error_rewrite(node: cst.CSTNode) -> tuple[Optional[Callable[[cst.CSTNode], cst.CSTNode]], Optional[str]]:
    """(transform, None) for an `openai.error.X` reference, or (None, advice) if v1 lacks it."""
    if isinstance(node, cst.Attribute):
        name = node.attr.value
        if name not in ERROR_NAMES:
            return None, NO_V1_ERROR.get(name, f"v1 has no `{name}` exception")
        target = ERROR_NAMES[name]

        def rename(updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Attribute) and isinstance(updated.value, cst.Attribute)
            return updated.with_changes(value=updated.value.value, attr=cst.Name(target))

        return rename, None
    assert isinstance(node, cst.ImportFrom)
    if isinstance(node.names, cst.ImportStar):
        return None, "import the v1 exceptions from `openai` by name"
    for alias in node.names:
        if isinstance(alias.name, cst.Name) and alias.name.value not in ERROR_NAMES:
            return None, NO_V1_ERROR.get(alias.name.value, f"v1 has no `{alias.name.value}` exception")

    def reimport(updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(updated, cst.ImportFrom) and not isinstance(updated.names, cst.ImportStar)
        aliases = []
        for alias in updated.names:
            assert isinstance(alias.name, cst.Name)
            old = alias.name.value
            new = ERROR_NAMES[old]
            if new != old and alias.asname is None:
                # Keep the local name the code uses: `from openai import APITimeoutError as Timeout`.
                alias = alias.with_changes(asname=cst.AsName(name=cst.Name(old)))
            aliases.append(alias.with_changes(name=cst.Name(new)))
        return updated.with_changes(module=cst.Name("openai"), names=aliases)

    return reimport, None
