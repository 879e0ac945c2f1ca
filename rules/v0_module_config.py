"""OAI007 v0-module-config."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report, Rule, RuleContext

from . import edits, upgrade
from .analysis import analyse
from .call_rewrites import upgrade_group


class V0ModuleConfigRule(Rule):
    """## What it does
    Under `--sdk v1` (or `auto` when the project pins openai>=1), finds openai<1.0 module
    settings in a file whose legacy calls move to the v1 SDK: `openai.api_base` becomes
    `openai.base_url` (ending in `/`, as the v1 module client joins paths onto it), and
    the settings v1 no longer reads (`openai.proxy`, `requestssession`, `aiosession`,
    `verify_ssl_certs`, `ca_bundle_path`, `api_key_path`) are reported.

    ## Why is this bad?
    The v1 SDK ignores these names: the code would run against the default endpoint,
    without the proxy or certificates it was configured with.

    ## Example
    ```python
    openai.api_base = "https://proxy.example.com/v1"
    ```
    Use instead:
    ```python
    openai.base_url = "https://proxy.example.com/v1/"
    ```

    ## Fix safety
    The rename is safe and moves with the file's calls (all or none of them). A setting
    v1 ignores has no fix: it keeps the file's calls where they are until it is replaced
    by hand (an `http_client`), because dropping it would change where requests go.
    """

    code = "OAI007"
    name = "v0-module-config"
    summary = "openai<1.0 module setting in a file moving to the v1 SDK"
    prefilter = ((b"Completion",),)

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        analysis = analyse(ctx)
        calls = upgrade_group(analysis)
        names = analysis.names
        for node in analysis.config_references:
            name = node.attr.value
            if name == "api_base":
                fix_edits = [Edit(node, upgrade.rename_attribute("base_url"))]
                assignment = names.parent(names.parent(node) or node)
                if isinstance(assignment, cst.Assign):
                    # v1's module client joins paths onto base_url as it is: it must end in "/".
                    value = upgrade.slash_terminated(assignment.value, names.qualified_names)
                    if value is None:
                        yield Report(
                            code=self.code,
                            node=assignment.value,
                            message="`openai.base_url` must end with `/` in the v1 SDK",
                            advice="make sure the URL assigned to `openai.base_url` ends with `/`",
                            groups=calls,
                        )
                        continue
                    fix_edits.append(Edit(assignment.value, edits.replace_with(value)))
                yield Report(
                    code=self.code,
                    node=node,
                    message="`openai.api_base` is `openai.base_url` in the v1 SDK",
                    fix=Fix(Applicability.SAFE, tuple(fix_edits)),
                    groups=calls,
                )
            else:
                yield Report(
                    code=self.code,
                    node=node,
                    message=f"the v1 SDK ignores `openai.{name}`",
                    advice=upgrade.IGNORED_SETTINGS.get(name, upgrade.HTTP_CLIENT_ADVICE),
                    groups=calls,
                )
