"""``Sweep``: the outcome of a sweep, a table with a unit per column."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..simulation import checks
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
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("Sweep.table needs pandas: pip install 'neurounits[sweep]' "
                              "(or use Sweep.columns / sw['rate'], which need nothing more)") from exc
        df = pd.DataFrame(self.columns, index=pd.Index(self.index, name="set"))
        df.attrs["units"] = dict(self.units)
        return df

    def __getitem__(self, name: str) -> Any:
        """A column as a Quantity, e.g. ``sw["rate"]`` in Hz."""
        if name not in self.columns:
            tip = checks.did_you_mean(name, list(self.columns))
            raise KeyError(f"the sweep has no column '{name}'.{tip} Columns: {', '.join(self.columns)}")
        return Q_(self.columns[name], self.units[name] or "")

    def to_xarray(self) -> Any:
        """A Dataset over the grid's dimensions (sets that failed are NaN); units in ``.attrs["units"]``
        of each variable.  Needs xarray; for ``sets=`` and random samples the dimension is ``set``."""
        try:
            import xarray  # noqa: F401
        except ImportError as exc:
            raise ImportError("Sweep.to_xarray() needs xarray: pip install xarray "
                              "(Sweep.table needs only pandas)") from exc
        df = self.table
        ds = (df.set_index(list(self.dims)) if self.dims else df).to_xarray()
        for k in ds.variables:
            if k in self.units:
                ds[k].attrs["units"] = self.units[k]
        return ds

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
