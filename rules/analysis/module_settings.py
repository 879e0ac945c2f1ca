"""How the openai module's own client is configured: for Azure (`openai.api_type =
"azure"`) or for another server (`openai.api_base = "http://localhost:8000/v1"`, v1's
`openai.base_url`), in this module or in a module of the project it imports.

The module client is global state: a project often configures it once, in a `config.py`
or a package's `__init__.py` that the calling module imports for that side effect. Such
a call goes to an Azure deployment or another server as surely as one configured in its
own file, so its fix must not be the plain one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import libcst as cst

from .. import sdk
from .names import Names
from .receivers import Receivers, load_module, module_file
from .syntax import dotted


def sets_azure_api_type(names: Names, node: cst.Assign) -> bool:
    """`openai.api_type = "azure"` (or `"azure_ad"`): the module's v0 calls go to Azure."""
    value = node.value
    if not isinstance(value, cst.SimpleString) or not str(value.evaluated_value).startswith("azure"):
        return False
    return any(_targets_openai(names, t.target, ("api_type",)) for t in node.targets)


def sets_other_server(names: Names, node: cst.Assign) -> bool:
    """`openai.api_base = ...` / `openai.base_url = ...` to anything but OpenAI's own URL."""
    if isinstance(node.value, cst.SimpleString) and "api.openai.com" in node.value.value:
        return False
    return any(_targets_openai(names, t.target, ("api_base", "base_url")) for t in node.targets)


def _targets_openai(names: Names, target: cst.BaseExpression, attributes: tuple[str, ...]) -> bool:
    return (
        isinstance(target, cst.Attribute)
        and target.attr.value in attributes
        and "openai" in names.qualified_names(target.value)
    )


class ModuleSettings:
    """What this module and the project modules it imports set on the openai module.
    Each answer is computed on the first question: most files never ask."""

    def __init__(self, names: Names, receivers: Receivers) -> None:
        self.names = names
        self.receivers = receivers
        self._azure: Optional[bool] = None
        self._other_server: Optional[bool] = None
        self._imported: Optional[list[Names]] = None

    def azure(self) -> bool:
        if self._azure is None:
            self._azure = any(
                sets_azure_api_type(names, node) for names in self._modules() for node in names.index.nodes(cst.Assign)
            )
        return self._azure

    def other_server(self) -> bool:
        if self._other_server is None:
            self._other_server = any(
                sets_other_server(names, node) for names in self._modules() for node in names.index.nodes(cst.Assign)
            )
        return self._other_server

    def _modules(self) -> Iterator[Names]:
        yield self.names
        if self._imported is None:
            self._imported = list(self._load_imported())
        yield from self._imported

    def _load_imported(self) -> Iterator[Names]:
        """The project modules this one imports, one level deep (a `config.py` that sets
        the client up; what that one imports is not followed)."""
        current = Path(self.receivers.path)
        seen: set[Path] = set()
        for path in self._import_paths(current):
            if path in seen or path == current:
                continue
            seen.add(path)
            if str(path) not in self.receivers.files_read:
                self.receivers.files_read.append(str(path))  # its settings decide this file's fix
            loaded = load_module(path, self.names.proxies, self.receivers.module_depth + 1)
            if loaded is not None:
                yield loaded.names

    def _import_paths(self, current: Path) -> Iterator[Path]:
        index = self.names.index
        for plain in index.nodes(cst.Import):
            for alias in plain.names:
                found = self._project_file(current, dotted(alias.name), 0)
                if found is not None:
                    yield found
        for statement in index.nodes(cst.ImportFrom):
            module = dotted(statement.module) if statement.module is not None else ""
            level = len(statement.relative)
            if module or level:
                found = self._project_file(current, module, level)
                if found is not None:
                    yield found
            if not isinstance(statement.names, cst.ImportStar):
                for alias in statement.names:  # `from pkg import config`: maybe a module
                    found = self._project_file(current, f"{module}.{dotted(alias.name)}".strip("."), level)
                    if found is not None:
                        yield found

    @staticmethod
    def _project_file(current: Path, module: str, level: int) -> Optional[Path]:
        if not level and module.split(".")[0] in ("openai", *sdk.OTHER_SDKS):
            return None
        return module_file(current, module, level)
