"""The rule pack's options change the fixes as documented."""

from __future__ import annotations

from tests.helpers import codes, fixed, run

CALL = """\
from openai import OpenAI

client = OpenAI()
r = client.completions.create(model="text-davinci-003", prompt="hi", max_tokens=5)
print(r.choices[0].text)
"""


def test_model_map_takes_precedence_over_model() -> None:
    out = fixed(CALL, model="gpt-4o", model_map={"text-davinci-003": "gpt-4.1-mini"})
    assert 'model="gpt-4.1-mini"' in out


def test_model_option_is_a_safe_fix() -> None:
    out = fixed(CALL, model="gpt-4o")
    assert 'model="gpt-4o"' in out and "chat.completions" in out


def test_without_model_the_default_is_unsafe_and_nothing_changes() -> None:
    assert fixed(CALL, model=None) == CALL
    out = fixed(CALL, model=None, unsafe_fixes=True)
    assert 'model="gpt-5.4-mini"' in out


def test_max_tokens_renamed_by_default_and_kept_on_request() -> None:
    assert "max_completion_tokens=5" in fixed(CALL)
    kept = fixed(CALL, max_tokens="max_tokens")
    assert "max_tokens=5" in kept and "max_completion_tokens" not in kept


def test_openai_modules_extends_the_proxies() -> None:
    source = """\
from acme.llm import openai

r = openai.completions.create(model="gpt-4o-mini", prompt="hi")
print(r.choices[0].text)
"""
    # Unlisted, the proxy cannot be proven to be openai: reported, never fixed blind.
    [shaped] = run(source, fix=False).findings
    assert (shaped.code, shaped.fix.value) == ("OAI001", "none") and "openai-modules" in (shaped.advice or "")
    assert codes(source, openai_modules=["acme.llm"]) == ["OAI001", "OAI002"]


def test_noqa_on_a_read_blocks_the_whole_call() -> None:
    source = CALL.replace("print(r.choices[0].text)", "print(r.choices[0].text)  # noqa: OAI002")
    result = run(source)
    assert result.new_source is None
    assert {f.code for f in result.findings} == {"OAI001", "OAI004"}
    assert all(f.fix.value == "none" for f in result.findings)

