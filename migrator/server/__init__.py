"""`migrator server`: the rules in the editor, over the Language Server Protocol (stdio).

It needs the optional dependencies of the `server` extra (pygls, lsprotocol); this module
imports none of them, so `migrator` can say how to install them when they are missing.
"""

from __future__ import annotations

import sys


def install_hint() -> str:
    from migrator.runner import load_pack

    return f"pip install '{load_pack().product}[server]'"


def main() -> int:
    """Run the server until the client ends it; 2 when the extra is not installed."""
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError as error:
        print(
            f"migrator: `migrator server` needs the server extra ({error.name} is missing): {install_hint()}",
            file=sys.stderr,
        )
        return 2
    from migrator.server.features import serve

    serve()
    return 0
