"""Fixtures shared by the end-to-end suites (v1 and openai<1.0 programs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fake_server import FakeOpenAI, serve


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    """A fake OpenAI server on 127.0.0.1, recording what the programs send."""
    with serve() as fake:
        yield fake
