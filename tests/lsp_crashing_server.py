"""`migrator server` with an engine that fails on any text holding `CRASH_ME` (and, when
fixing, `CRASH_ON_FIX`): the test of what the server does when the engine raises for one
document (run as a script)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import migrator.engine

_real_check_source = migrator.engine.check_source


def _failing_check_source(path: str, source: bytes, *args: Any, **kwargs: Any) -> Any:
    if b"CRASH_ME" in source:
        raise RuntimeError("injected failure for CRASH_ME")
    if b"CRASH_ON_FIX" in source and kwargs.get("fix"):
        raise RuntimeError("injected failure for CRASH_ON_FIX")
    return _real_check_source(path, source, *args, **kwargs)


migrator.engine.check_source = _failing_check_source  # type: ignore[assignment]

from migrator.server import main  # noqa: E402

sys.exit(main())
