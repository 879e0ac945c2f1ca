"""Profile one `migrator` command in-process with pyinstrument.

Runs under the migrator's interpreter with PYTHONPATH pointing at a folder that holds
only pyinstrument (installed with `pip install --target`), so the profiled code runs with
exactly the packages the tool is installed with.

Usage: python _profile.py OUT_PREFIX -- MIGRATOR_ARGS...
Writes OUT_PREFIX.txt (pyinstrument's call tree) and OUT_PREFIX.json (self and
inclusive time per function, aggregated over the whole tree).
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import sys
from typing import Any

from pyinstrument import Profiler

# 1 ms: dense files take a few ms each, so a coarser interval would blur per-file stages.
INTERVAL = 0.001


def _aggregate(
    frame: Any,
    self_time: dict[str, float],
    total: dict[str, float],
    active: set[str],
    places: dict[str, str],
) -> None:
    # pyinstrument 5 keeps time spent in a function's own lines as synthetic "[self]"
    # children, already counted in the parent's total_self_time.
    if getattr(frame, "is_synthetic", False):
        return
    key = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
    places[key] = frame.file_path or ""
    self_time[key] = self_time.get(key, 0.0) + frame.total_self_time
    # Count inclusive time only at the outermost occurrence, so recursion (LibCST's
    # visitors recurse once per tree level) is not counted many times over.
    outermost = key not in active
    if outermost:
        total[key] = total.get(key, 0.0) + frame.time
        active.add(key)
    for child in frame.children:
        _aggregate(child, self_time, total, active, places)
    if outermost:
        active.discard(key)


def main(argv: list[str]) -> None:
    prefix, separator, *args = argv
    assert separator == "--"
    sys.argv = ["migrator", *args]
    profiler = Profiler(interval=INTERVAL)
    profiler.start()
    try:
        runpy.run_module("migrator", run_name="__main__")
    except SystemExit:
        pass  # exit 1 means "findings remain": the normal outcome on the dense corpus
    finally:
        profiler.stop()
    with open(prefix + ".txt", "w", encoding="utf-8") as handle:
        handle.write(profiler.output_text(unicode=True, color=False, show_all=False))
    root = profiler.last_session.root_frame() if profiler.last_session else None
    self_time: dict[str, float] = {}
    total: dict[str, float] = {}
    places: dict[str, str] = {}
    if root is not None:
        _aggregate(root, self_time, total, set(), places)
    # Which entries are the project's own code (engine or rules), for a focused ranking.
    packages = [importlib.import_module(name) for name in ("migrator", "migrator_rules")]
    own = tuple(os.path.dirname(p.__file__ or "") + os.sep for p in packages)
    project = sorted(key for key, place in places.items() if place.startswith(own))
    duration = profiler.last_session.duration if profiler.last_session else 0.0
    with open(prefix + ".json", "w", encoding="utf-8") as handle:
        json.dump(
            {"duration": duration, "self": self_time, "total": total, "project": project}, handle
        )


if __name__ == "__main__":
    main(sys.argv[1:])
