"""``python -m allocations.cli``."""

import sys

from allocations.cli import main

sys.exit(main())
