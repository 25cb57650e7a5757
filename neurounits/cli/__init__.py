"""The ``neurounits`` command line (``neurounits.cli:main``); see :mod:`neurounits.cli.main`.

Subcommands, one module each: ``run`` (simulate a model), ``check`` (dimension-check the models of
Python files), ``models`` (the library), ``demo`` (a LIF population).
"""

from .main import main

__all__ = ["main"]
