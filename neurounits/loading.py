"""``nu.load``: read back what ``Results.save``, ``NetworkResults.save`` and ``Sweep.save`` wrote."""

from __future__ import annotations

import os
from typing import Any

from . import storage
from .errors import FileFormatError
from .network import NetworkResults
from .simulation import Results
from .sweeps import Sweep

__all__ = ["load"]


def load(path: str | os.PathLike) -> Any:
    """The :class:`~neurounits.Results`, :class:`~neurounits.network.NetworkResults` or
    :class:`~neurounits.Sweep` saved in ``path`` (NetCDF-4 or Parquet), identical to what was saved:
    values bit for bit, units, spikes and the run's settings.

    Raises
    ------
    MissingFileError
        No file at ``path`` (also a FileNotFoundError).
    FileFormatError
        A file that neurounits did not write (also a ValueError).
    MissingDependencyError
        xarray and h5netcdf (NetCDF) or pyarrow (Parquet) are not installed (also an ImportError);
        the message says what to ``pip install``.
    """
    kind, meta, content = storage.read(path)
    where = str(path)
    if kind == "results":
        return Results.from_xarray(content, where=where)
    if kind == "network":
        net = storage.network_fields(meta, where)
        groups, root = content
        datasets = {k: groups[k] for k in net.pop("populations")}
        plastic = storage.plastic_fields(root, where)
        return NetworkResults.from_xarray(datasets, **net, where=where, plastic=plastic)
    if kind == "sweep":
        columns, index = content
        return Sweep.from_table(meta, columns, index, where=where)
    raise FileFormatError(
        f"{where} holds neurounits {kind!r}, which this version of neurounits does not know"
    )
