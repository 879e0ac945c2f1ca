"""The census itself, on small programs: what it counts, and what it leaves to other SDKs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.realcode import census


def sites(code: str, suffix: str = ".py") -> list[tuple[int, str]]:
    found = census.census_file(Path(f"module{suffix}"), textwrap.dedent(code).encode())
    return [(site.line, site.kind) for site in found.sites]


def excluded(code: str) -> list[tuple[int, str]]:
    found = census.census_file(Path("module.py"), textwrap.dedent(code).encode())
    return [(site.line, site.kind) for site in found.excluded]


@pytest.mark.parametrize(
    "code",
    [
        "client.completions.create(model='m', prompt='p')",
        "await client.completions.acreate(prompt='p')",
        "client.completions.with_raw_response.create(prompt='p')",
        "client.with_streaming_response.completions.create(prompt='p')",
        "OpenAI().with_options(timeout=1).completions.create(prompt='p')",
        "openai.Completion.create(engine='e', prompt='p')",
        "await self._openai.Completion.acreate(prompt='p')",
        "openai.api_resources.completion.Completion.create(prompt='p')",
        "import openai\nopenai.Completions.create(prompt='p')",
        "from openai import Completion as oc\noc.create(prompt='p')",
        "import openai\nopenai.Engine('davinci').generate(prompt='p')",
    ],
)
def test_a_legacy_call_is_one_site(code: str) -> None:
    assert [kind for _, kind in sites(code)] == ["call"]


@pytest.mark.parametrize(
    "code",
    [
        "client.chat.completions.create(messages=[])",
        "client.beta.chat.completions.create(messages=[])",
        "openai.ChatCompletion.create(messages=[])",
        "from openai.types.completion import Completion\nisinstance(r, Completion)",
        "from openai import Completion\nx: Type[Completion]\ny = Union[Type[Completion], int]",
        "prediction.completions.append(x)",
        "Completion.create(prompt='p')",  # a class of the module's own, not openai's
    ],
)
def test_what_is_no_site(code: str) -> None:
    assert sites(code) == []


def test_values_and_the_calls_made_through_them() -> None:
    code = """
    import openai
    from functools import partial

    fn = partial(openai.Completion.create, engine="e")

    class Wrapper:
        def __init__(self):
            self.completion_fn = openai.Completion.create

        @root_validator
        def setup(cls, values):
            values["client"] = openai.OpenAI().completions
            return values

        def run(self, **kw):
            self.completion_fn(**kw)
            return self.client.create(prompt="p")

    def pick(v1, client):
        call = openai.completions.create if v1 else openai.Completion.create
        endpoint = client.chat.completions if v1 else client.completions
        endpoint.create(prompt="p")
        return call(prompt="p")
    """
    assert sites(code) == [
        (5, "value"),
        (9, "value"),
        (13, "value"),
        (17, "alias-call"),
        (18, "alias-call"),
        (21, "value"),
        (21, "value"),
        (22, "value"),
        (23, "alias-call"),
        (24, "alias-call"),
    ]


def test_the_v0_class_as_a_value() -> None:
    code = """
    import openai
    from openai import Completion

    class Cached(openai.Completion):
        pass

    def endpoint(chat):
        return openai.ChatCompletion if chat else Completion
    """
    assert sites(code) == [(5, "value"), (9, "value")]


def test_other_sdks_are_left_out() -> None:
    code = """
    import anthropic
    import openai
    import fireworks.client

    c = anthropic.Anthropic()
    c.completions.create(prompt="p", max_tokens_to_sample=5)
    c.completions.create(prompt="p")
    fireworks.client.Completion.create(prompt="p")
    openai.Completion.create(prompt="p")
    """
    assert excluded(code) == [(7, "call"), (8, "call"), (9, "call")]
    assert sites(code) == [(10, "call")]
    only_anthropic = "import anthropic\nself.client.completions.create(prompt='p')\n"
    assert excluded(only_anthropic) == [(2, "call")]
    named = (
        "from langchain.llms.anthropic import _Common\nself.client.completions.create(prompt='p')\n"
    )
    assert excluded(named) == [(2, "call")]


def test_notebook_cells_are_joined_and_sites_placed_in_their_cell() -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["openai.Completion.create()"]},
            {"cell_type": "code", "source": ["%pip install openai==0.28\n", "import openai\n"]},
            {
                "cell_type": "code",
                "source": "x = 1\nr = openai.Completion.create(\n    prompt='p')\n",
            },
            {"cell_type": "code", "source": ["files = !ls\n", "openai.Completion.create?"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    found = census.census_file(Path("nb.ipynb"), json.dumps(notebook).encode())
    assert found.parsed
    assert [(s.cell, s.line, s.end_line, s.kind) for s in found.sites] == [(3, 2, 3, "call")]
    lines = census.call_lines(Path("nb.ipynb"), json.dumps(notebook).encode())
    assert (3, 3) in lines and (3, 1) not in lines


def test_unparsable_files_have_no_sites_and_say_so() -> None:
    found = census.census_file(Path("bad.py"), b"openai.Completion.create(\n")
    assert not found.parsed and found.sites == []
