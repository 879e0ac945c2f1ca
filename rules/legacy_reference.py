"""OAI009 legacy-reference."""

from __future__ import annotations

from collections.abc import Iterator

from migrator.model import Applicability
from migrator.rule import Edit, Fix, Report, Rule, RuleContext

from . import responses, responses_call_rewrites
from .analysis import analyse
from .call_rewrites import alias_group, alias_transform

ADVICE = (
    "whatever uses it calls the legacy endpoint (`prompt=`, `choices[i].text`): hand over "
    "the chat endpoint instead (`client.chat.completions` / `.create`, or "
    "`openai.ChatCompletion` on openai<1.0) and change the code that calls it to pass "
    '`messages=[{"role": "user", "content": prompt}]` and read `choices[i].message.content`'
)


class LegacyReferenceRule(Rule):
    """## What it does
    Finds the legacy Completions endpoint used as a value instead of called: the
    openai<1.0 resource `openai.Completion` (or an imported `Completion`) and the v1
    resource `client.completions`, and their `create` / `acreate`, when they are stored
    (`self.client = openai.Completion`, pydantic's `values["client"] = ...`), returned,
    passed (`functools.partial(openai.Completion.create, ...)`), subclassed, or chosen in
    a conditional (`client.chat.completions if chat else client.completions`).

    Under `--target responses` the same, and a name bound once to the endpoint becomes
    `client.responses.create` with the calls through it.

    ## Why is this bad?
    Whatever receives the value calls the legacy endpoint with `prompt=` and reads
    `choices[i].text`, which the chat endpoint rejects: the code is legacy wherever the
    value goes, even where no call is in sight.

    ## Example
    ```python
    create = client.completions.create
    answer = create(model="gpt-3.5-turbo-instruct", prompt=question).choices[0].text
    ```
    Use instead:
    ```python
    create = client.chat.completions.create
    answer = create(model="gpt-4o-mini", messages=[{"role": "user", "content": question}]).choices[0].message.content
    ```

    ## Fix safety
    A name bound once to the endpoint and only ever called is migrated with the calls
    through it (OAI001), as one fix. Every other use has no fix: the code that receives
    the value is out of the migration's sight, so the finding says what to do by hand,
    and the calls through such a value (`self.client.create(...)`) are reported too.
    """

    code = "OAI009"
    name = "legacy-reference"
    summary = "the legacy Completions endpoint used as a value"
    prefilter = ((b"completions",), (b"Completion",))

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        analysis = analyse(ctx)
        aliased = {id(call.alias): call for call in analysis.calls if call.alias is not None}
        target = responses.active(ctx)  # `--target responses`: the bound endpoint is Responses'
        advice = responses.VALUE_ADVICE if target else ADVICE
        for node, why in analysis.values:
            call = aliased.get(id(node))
            if call is not None:
                # Bound once and only called: rewritten with the calls through it.
                yield Report(
                    code=self.code,
                    node=node,
                    message=f"{why}: bound to a name that is only ever called",
                    fix=Fix(
                        Applicability.SAFE,
                        (Edit(node, responses_call_rewrites.alias_transform(call, analysis) if target else alias_transform(call)),),
                    ),
                    groups=frozenset({alias_group(call)}),
                )
                continue
            yield Report(
                code=self.code,
                node=node,
                message=f"{why}; it cannot be migrated automatically",
                advice=advice,
                groups=frozenset({f"value@{id(node)}"}),
            )
