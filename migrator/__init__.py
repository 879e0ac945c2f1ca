"""migrator: the engine (file discovery, parsing, fixing, reporting).

The engine knows nothing of what the rules look for: a rule pack (`migrator_rules`)
brings them, with the product's name.
"""

__version__ = "0.1.0"
