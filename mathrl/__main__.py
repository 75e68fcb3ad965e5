"""``python -m mathrl …``: the same as the ``mathrl`` command."""

import sys

from mathrl.cli import main

sys.exit(main())
