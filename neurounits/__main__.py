"""``python -m neurounits``: the ``neurounits`` command."""

import sys

from .cli import main

sys.exit(main())
