"""``python -m allocations``."""

import sys

from allocations.cli import main

sys.exit(main())
