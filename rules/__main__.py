"""`python -m migrator_rules`: write the rule catalog (`_catalog.py`) from the rule modules."""

import sys

from .catalog import main

sys.exit(main())
