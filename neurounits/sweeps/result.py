"""``Sweep``: the outcome of a sweep, a table with a unit per column."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import storage
from ..errors import ParameterError
from ..simulation import arguments
from ..units import Q_, fmt_unit

__all__ = ["Sweep", "assemble", "set_values", "unit_text"]


@dataclass
class Sweep:
    """The outcome of :func:`sweep`.

    Attributes
    ----------
    columns : dict
        Column name -> float array over the sets that ran, in set order: first the swept
        parameters (and inputs), then the measures.
    units : dict
        Column name -> unit text (``""`` for dimensionless), e.g. ``{"a": "1/ms", "rate": "Hz"}``.
    index : ndarray of int
        The number of each set that ran (its position in the grid, list or sample).
    failed : list of (dict, Exception)
        The sets that did not run, as parameter name -> Quantity, with the error that stopped them.
    dims : tuple of str
        The grid's dimensions, in order (empty for ``sets=`` and random samples).
    noise_seed : int or None
        For a model with white noise: the seed of its random numbers (``seed=``, or drawn when
        None), so that the sweep can be repeated exactly; None for a deterministic model.
    """

    model: str
    columns: dict[str, np.ndarray]
    units: dict[str, str]
    index: np.ndarray
    failed: list[tuple[dict[str, Any], Exception]] = field(default_factory=list)
    dims: tuple[str, ...] = ()
    n_sets: int = 0
    noise_seed: int | None = None

    @property
    def table(self) -> Any:
        """A pandas DataFrame, one row per set that ran (index ``set``), one column per parameter and
        measure; each column's unit is in ``table.attrs["units"]``."""
        pd = storage.require("pandas", "Sweep.table (or use Sweep.columns / sw['rate'], which need "
                             "nothing more)")
        df = pd.DataFrame(self.columns, index=pd.Index(self.index, name="set"))
        df.attrs["units"] = dict(self.units)
        return df

    def __getitem__(self, name: str) -> Any:
        """A column as a Quantity, e.g. ``sw["rate"]`` in Hz."""
        if name not in self.columns:
            tip = arguments.did_you_mean(name, list(self.columns))
            raise KeyError(f"the sweep has no column '{name}'.{tip} Columns: {', '.join(self.columns)}")
        return Q_(self.columns[name], self.units[name] or "")

    def to_xarray(self) -> Any:
        """A Dataset over the grid's dimensions (sets that failed are NaN); units in ``.attrs["units"]``
        of each variable.  Needs xarray; for ``sets=`` and random samples the dimension is ``set``."""
        storage.require("xarray", "Sweep.to_xarray() (Sweep.table needs only pandas)")
        df = self.table
        ds = (df.set_index(list(self.dims)) if self.dims else df).to_xarray()
        for k in ds.variables:
            if k in self.units:
                ds[k].attrs["units"] = self.units[k]
        meta = storage.sweep_meta(self)
        keep = ("model", "n_sets", "noise_seed", "neurounits_version")
        ds.attrs.update({k: meta[k] for k in keep if k in meta})
        return ds

    def save(self, path: str | os.PathLike) -> Path:
        """Write the sweep, atomically, to a Parquet file (``.parquet``, ``.pq``; needs pyarrow) or a
        NetCDF-4 file (``.nc``; needs xarray and h5netcdf): one row per set that ran, each column with
        its unit, and the failed sets with their errors (type and message).  ``nu.load(path)`` reads it
        back identical."""
        suffix = Path(path).suffix.lower()
        if suffix in (".parquet", ".pq"):
            return storage.write_parquet(path, self)
        if suffix in (".nc", ".nc4", ".h5", ".hdf5"):
            return storage.write_netcdf(path, storage.sweep_dataset(self), feature="Sweep.save()")
        raise ParameterError(f"Sweep.save({str(path)!r}): name the file .parquet (Parquet) or .nc (NetCDF-4)")

    @classmethod
    def from_table(cls, meta: dict[str, Any], columns: dict[str, np.ndarray], index: np.ndarray,
                   where: str = "the table") -> Sweep:
        """The Sweep of a saved table: its attributes, its columns and its ``set`` index."""
        return cls(**storage.sweep_fields(meta, columns, index, where))

    def plot(self, measure: str | None = None, *, x: str | None = None, y: str | None = None,
             ax: Any = None) -> Any:
        """A line of ``measure`` against ``x`` (a 1-D grid) or a heat map over ``x`` and ``y`` (a 2-D
        grid), axes labelled with units; returns the matplotlib Axes.  See :mod:`neurounits.plot`."""
        from .. import plot

        return plot.sweep(self, measure, x=x, y=y, ax=ax)

    def __repr__(self) -> str:
        return (f"<Sweep {self.model}: {self.n_sets} sets, {self.index.size} ran, {len(self.failed)} failed, "
                f"columns {list(self.columns)}>")


def assemble(model: str, columns, dims, n: int, outs, failed) -> Sweep:
    """The Sweep of the chunks' outcomes ``outs`` (in any order) and the sets refused at construction
    ``failed`` [(set, values, error)], rows in set order."""
    ids = np.concatenate([o[0] for o in outs]) if outs else np.zeros(0, int)
    failed = failed + [(i, set_values(columns, i), e) for o in outs for i, e in o[2]]
    units = {k: unit_text(u) for k, (_, u) in columns.items()}
    cols = {k: mags[ids] for k, (mags, _) in columns.items()}
    names: dict[str, tuple] = next((o[1] for o in outs if o[1]), {})
    for k, (_, u) in names.items():
        if k in cols:
            raise ParameterError(f"the measure '{k}' has the name of a swept parameter; rename the measure")
        cols[k] = np.concatenate([o[1][k][0] for o in outs if o[1]])
        units[k] = unit_text(u)
    order = np.argsort(ids, kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    failed.sort(key=lambda f: f[0])
    return Sweep(model=model, columns=cols, units=units, index=ids[order].astype(np.int64),
                 failed=[(v, e) for _, v, e in failed], dims=tuple(dims), n_sets=n)


def set_values(columns, i: int) -> dict[str, Any]:
    """Set ``i``'s values, name -> Quantity."""
    return {k: Q_(float(mags[i]), u) for k, (mags, u) in columns.items()}


def unit_text(u: Any) -> str:
    """A unit as table text: ``""`` for dimensionless."""
    text = u if isinstance(u, str) else fmt_unit(u)
    return "" if text in ("1", "dimensionless") else text
