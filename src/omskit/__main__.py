"""Allow ``python -m omskit``."""

import sys

from omskit.cli import main

sys.exit(main())
