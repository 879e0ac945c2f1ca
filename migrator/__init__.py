"""migrator: the engine (file discovery, parsing, fixing, reporting).

The engine knows nothing about OpenAI; the rules live in the `migrator_rules` package.
"""

__version__ = "0.1.0"
