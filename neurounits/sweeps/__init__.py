"""Sweeps: many parameter sets of one model, run as populations in chunks (see :func:`sweep`).

Modules: :mod:`.api` (``sweep``, ``fi_curve``), :mod:`.sets` (parameter sets and the checks of every
argument), :mod:`.chunks` (running a chunk, taking out failed sets), :mod:`.backends` (threads,
processes, Dask), :mod:`.checkpoint` (resumable storage) and :mod:`.result` (``Sweep``).
"""

from .api import fi_curve, sweep
from .result import Sweep

__all__ = ["Sweep", "fi_curve", "sweep"]
