"""OAI008 v0-exception."""

from __future__ import annotations

from collections.abc import Iterator

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report, Rule, RuleContext

from . import upgrade
from .analysis import analyse
from .call_rewrites import upgrade_group


class V0ExceptionRule(Rule):
    """## What it does
    Under `--sdk v1` (or `auto` when the project pins openai>=1), finds the openai<1.0
    exceptions (`openai.error.X`, `from openai.error import X`) in a file whose legacy
    calls move to the v1 SDK, and names the v1 exception that really exists:
    `Timeout` is `APITimeoutError` (never `openai.Timeout`, the HTTP timeout class),
    `InvalidRequestError` is `BadRequestError`, `ServiceUnavailableError` is
    `InternalServerError`.

    ## Why is this bad?
    `openai.error` does not exist in v1: an `except openai.error.RateLimitError:` clause
    raises `AttributeError` the first time an exception reaches it.

    ## Example
    ```python
    except openai.error.InvalidRequestError:
    ```
    Use instead:
    ```python
    except openai.BadRequestError:
    ```

    ## Fix safety
    Safe, and applied only together with the file's calls: the exceptions are renamed
    only when the whole file moves to v1. `TryAgain`, `InvalidAPIType` and
    `SignatureVerificationError` have no v1 counterpart: they are reported, and keep the
    file's calls where they are until they are dealt with by hand.
    """

    code = "OAI008"
    name = "v0-exception"
    summary = "openai<1.0 exception in a file moving to the v1 SDK"
    prefilter = ((b"Completion", b"error"),)

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        analysis = analyse(ctx)
        group = upgrade_group(analysis)
        for node in analysis.error_references:
            transform, advice = upgrade.error_rewrite(node)
            yield Report(
                code=self.code,
                node=node,
                message="`openai.error` does not exist in the v1 SDK; use the v1 exception",
                fix=Fix(Applicability.SAFE, (Edit(node, transform),)) if transform else None,
                advice=advice,
                groups=group,
            )
