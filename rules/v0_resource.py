"""OAI010 v0-resource."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from migrator.rule import Report, Rule, RuleContext

from .analysis import analyse
from .call_rewrites import upgrade_group

# The openai<1.0 API resources other than the two this pack migrates (`Completion`,
# `ChatCompletion`), as openai 0.28.1's `openai/__init__.py` imports them. The v1 SDK
# keeps their names only as proxies that raise `APIRemovedInV1` when used.
V0_RESOURCES = frozenset(
    {
        "Audio",
        "Customer",
        "Deployment",
        "Edit",
        "Embedding",
        "Engine",
        "ErrorObject",
        "File",
        "FineTune",
        "FineTuningJob",
        "Image",
        "Model",
        "Moderation",
    }
)
_QUALIFIED = frozenset(f"openai.{name}" for name in V0_RESOURCES)
# Modules of openai<1.0 that v1 does not have at all.
V0_MODULES = ("openai.embeddings_utils", "openai.openai_object", "openai.api_resources", "openai.util")

ADVICE = (
    "move this call to the v1 client by hand (`openai.Embedding.create(...)` becomes "
    "`client.embeddings.create(...)`, with attribute reads of the result), then run the "
    "fix again; or keep the file on openai<1.0 with `--sdk keep`"
)


class V0ResourceRule(Rule):
    """## What it does
    Under `--sdk v1` (or `auto` when the project pins openai>=1), finds the openai<1.0 API
    resources this pack does not migrate (`openai.Embedding`, `openai.Image`,
    `openai.Moderation`, `openai.File`, `openai.FineTune`, `openai.Engine`, ... and the
    modules `openai.embeddings_utils`, `openai.util`, ...) in a file whose legacy
    `Completion` calls would move to the v1 SDK.

    ## Why is this bad?
    Under `--sdk v1` a file moves as a whole: its calls, settings and exceptions. A file
    whose completions call moved to `openai.chat.completions` while its
    `openai.Embedding.create` stayed would run on neither SDK: openai 1.x keeps
    `openai.Embedding` only as a proxy that raises `APIRemovedInV1`, and a project still
    on 0.x has no `openai.chat`.

    ## Example
    ```python
    answer = openai.Completion.create(model="text-davinci-003", prompt=q)
    vector = openai.Embedding.create(model="text-embedding-ada-002", input=q)
    ```
    Use instead (by hand, then let the fix move the rest):
    ```python
    vector = openai.embeddings.create(model="text-embedding-ada-002", input=q)
    ```

    ## Fix safety
    There is no fix: the finding holds the whole file on openai<1.0 (none of its calls,
    settings or exceptions move) until the resource is migrated by hand, or the file is
    kept on its SDK with `--sdk keep` (then the completions calls move to
    `openai.ChatCompletion` on the same SDK).
    """

    code = "OAI010"
    name = "v0-resource"
    summary = "openai<1.0 API resource this tool does not migrate, in a file moving to the v1 SDK"
    prefilter = ((b"Completion",),)

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        analysis = analyse(ctx)
        moving = upgrade_group(analysis)
        if not moving:
            return
        names = analysis.names
        for node in (*ctx.index.nodes(cst.Attribute), *ctx.index.nodes(cst.Name)):
            if any(isinstance(a, (cst.Import, cst.ImportFrom)) for a in names.ancestors(node)):
                continue  # the import is harmless (v1 still has the name); its uses are not
            resource = _v0_resource(names.qualified_names(node))
            if resource is None:
                continue
            parent = names.parent(node)
            if isinstance(parent, cst.Attribute) and parent.value is node and _v0_resource(names.qualified_names(parent)):
                continue  # `openai.util` in `openai.util.convert_to_dict`: the whole name is reported
            yield Report(
                code=self.code,
                node=node,
                message=f"`{resource}` is openai<1.0 API that the v1 SDK removed; this file's calls stay on openai<1.0 until it moves",
                advice=ADVICE,
                groups=moving,
            )


def _v0_resource(qualified: set[str]) -> str | None:
    for name in sorted(qualified):
        if name in _QUALIFIED or any(name == m or name.startswith(m + ".") for m in V0_MODULES):
            return name
    return None

