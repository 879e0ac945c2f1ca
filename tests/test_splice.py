"""Fixed files are written by splicing the changed statements' code into the original
text (migrator/splice.py). The whole suite runs with MIGRATOR_CHECK_SPLICES=1, so every
splice anywhere in it is compared with the whole module's generated code; these tests
check that the splice is really taken for the usual shapes, and refused where it cannot
be proven."""

from __future__ import annotations

from typing import Optional

import pytest

import migrator.splice
from tests.helpers import run

HEAD = "from openai import OpenAI\n\nclient = OpenAI()\n"

SPLICED = {
    "simple-line": HEAD + 'r = client.completions.create(model="gpt-4o-mini", prompt="hi")\nprint(r.choices[0].text)\n',
    "comments-above-and-trailing": HEAD
    + "\n# a comment\n\n# another\nr = client.completions.create(  # why\n"
    + '    model="gpt-4o-mini",\n    prompt="hi",\n)  # done\nprint(r.choices[0].text)  # read\n',
    "nested-blocks-and-tabs": HEAD
    + "class A:\n\tdef f(self):\n\t\tif True:\n\t\t\tr = client.completions.create(model='gpt-4o-mini', prompt='x')\n"
    + "\t\t\treturn r.choices[0].text\n",
    "for-header": HEAD
    + 'for chunk in client.completions.create(model="gpt-4o-mini", prompt="hi", stream=True):\n'
    + '    print(chunk.choices[0].text, end="")\n',
    "decorated-default": HEAD
    + "import functools\n\n\n# above\n@functools.cache\n# between\n@functools.wraps(print)\n"
    + 'def ask(prompt, model="text-davinci-003"):\n'
    + "    return client.completions.create(model=model, prompt=prompt).choices[0].text\n",
    "elif-header": HEAD
    + "if False:\n    pass\nelif client.completions.create(model='gpt-4o-mini', prompt='x').choices[0].text:\n    pass\n",
    "one-line-body": HEAD + "if True: r = client.completions.create(model='gpt-4o-mini', prompt='x'); print(r.choices[0].text)\n",
    "crlf": (HEAD + 'r = client.completions.create(model="gpt-4o-mini", prompt="hi")\nprint(r.choices[0].text)\n').replace(
        "\n", "\r\n"
    ),
    "no-final-newline": HEAD + 'r = client.completions.create(model="gpt-4o-mini", prompt="hi")\nx = r.choices[0].text',
    "non-ascii": HEAD + '# ça\nr = client.completions.create(model="gpt-4o-mini", prompt="héllo ☃")\nprint(r.choices[0].text)\n',
    # An edit in an `except` clause or a `case` is not in the statement's header: the
    # whole statement is regenerated.
    "except-one-liner": HEAD
    + "try:\n    pass\nexcept Exception: r = client.completions.create(model='gpt-4o-mini', prompt='x')\n",
    "case-one-liner": HEAD
    + "match 1:\n    case 1: r = client.completions.create(model='gpt-4o-mini', prompt='x')\n    case _:\n        pass\n",
}


def _splices(source: str, monkeypatch: pytest.MonkeyPatch, **options: object) -> tuple[list[Optional[str]], str]:
    taken: list[Optional[str]] = []
    real = migrator.splice.spliced_code

    def spy(*args: object) -> Optional[str]:
        code = real(*args)  # type: ignore[arg-type]
        taken.append(code)
        return code

    monkeypatch.setattr(migrator.splice, "spliced_code", spy)
    result = run(source, unsafe_fixes=True, **options)
    assert result.error is None, result.error
    assert result.new_source is not None and result.new_source != source.encode()
    return taken, result.new_source.decode("utf-8")


def test_the_suite_checks_every_splice() -> None:
    assert migrator.splice.CHECK_SPLICES


@pytest.mark.parametrize("name", sorted(SPLICED))
def test_usual_shapes_are_spliced(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source = SPLICED[name]
    taken, fixed = _splices(source, monkeypatch)
    assert taken and taken[0] is not None, "fell back to generating the whole module"
    # Everything before the first changed statement is the original text, byte for byte.
    assert fixed.startswith(HEAD.replace("\n", "\r\n") if name == "crlf" else HEAD)
    assert "chat.completions.create" in fixed


def test_an_edit_to_the_module_itself_generates_the_whole_module(monkeypatch: pytest.MonkeyPatch) -> None:
    # Upgrading openai<1.0 code adds a client at the top of the module.
    source = 'import openai\n\nr = openai.Completion.create(engine="text-davinci-003", prompt="hi")\nprint(r.choices[0].text)\n'
    taken, fixed = _splices(source, monkeypatch, sdk="v1")
    assert taken == []
    assert "client.chat.completions.create" in fixed or "chat.completions.create" in fixed


def test_a_block_footer_comment_is_not_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """A comment after a block's last statement belongs to the block, after the lines
    CPython gives the statement: the splice must not drop or repeat it."""
    source = HEAD + (
        "for chunk in client.completions.create(model='gpt-4o-mini', prompt='x', stream=True):\n"
        "    print(chunk.choices[0].text)\n"
        "    # the end of the loop\n"
        "\n"
        "print('after')\n"
    )
    _, fixed = _splices(source, monkeypatch)
    assert fixed.count("# the end of the loop") == 1
    assert fixed.endswith("    # the end of the loop\n\nprint('after')\n")


@pytest.mark.parametrize(
    "after",
    [" \\\n    # note\n", " \\\n\n", " \\\n    ;\n", "  # plain\n"],
    ids=["comment", "blank-line", "semicolon", "no-backslash"],
)
def test_a_backslash_after_the_last_statement_is_not_a_line_end(after: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backslash carries a statement line's end (`;`, comment, newline) on to the next
    line, past the last line CPython gives the statement: that line is not spliced by
    its lines alone (it once came out with the continued line written twice)."""
    source = HEAD + 'r = client.completions.create(model="gpt-4o-mini", prompt="x")' + after + "print(1)\n"
    _, fixed = _splices(source, monkeypatch)
    assert fixed.endswith(after + "print(1)\n")
    assert fixed.count(after) == 1
