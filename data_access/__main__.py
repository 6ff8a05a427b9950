"""``python -m data_access``: see data_access.cli."""

import sys

from data_access.cli import main

sys.exit(main())
