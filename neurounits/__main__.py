"""``python -m neurounits``: the ``neurounits`` command."""

import sys

from .cli import main

if __name__ == "__main__":  # not when imported (pytest's doctest collection imports every module)
    sys.exit(main())
