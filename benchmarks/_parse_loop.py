"""The LibCST floor: `parse_module` on every .py file of a tree, in one process.

Runs under the migrator's own interpreter so it uses exactly the LibCST the tool uses.
Nothing else happens per file (no metadata, no visitor), so the migrator can never beat
this on files that pass its prefilter; the target ratio is measured against it.

Usage: python _parse_loop.py ROOT
"""

from __future__ import annotations

import os
import sys

import libcst as cst


def main(root: str) -> None:
    parsed = failed = size = 0
    for directory, subdirs, names in os.walk(root):
        # The corpora are git repositories; their object store is not source.
        subdirs[:] = sorted(d for d in subdirs if d != ".git")
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(directory, name), "rb") as handle:
                data = handle.read()
            size += len(data)
            try:
                cst.parse_module(data)
                parsed += 1
            except Exception:  # count, don't stop: the floor must cover the same files
                failed += 1
    print(f"parsed={parsed} failed={failed} bytes={size}")


if __name__ == "__main__":
    main(sys.argv[1])
