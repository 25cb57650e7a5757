"""Sweeps over whole networks: one network per parameter set (``nu.sweep(build, grid, ...)``).

``build(**values)`` returns a network (anything :func:`neurounits.simulate` runs, e.g. a
``nu.Network``) for one set of values of the grid, e.g. ``{"g": [4, 5, 6], "seed": [1, 2, 3]}``:
an ensemble of networks over parameters and seeds.  Each set is simulated, ``measure(results)``
turns its results into named values (Quantities or numbers), and the sweep returns a
:class:`~neurounits.sweeps.result.Sweep` table.  Networks of one structure share their compiled
code, so new weights, rates, sizes or seeds compile nothing.

Each set is one task (:mod:`neurounits.sweeps.ensemble_run`): in threads (the compiled loop releases
the GIL), one after the other (``backend="serial"``), in spawned worker processes (``build`` and
``measure`` must then be importable) or on a Dask cluster; all give the same table, since a network
is a pure function of its values and seed.  With ``checkpoint=`` every finished set is written to
disk as it ends and a rerun computes only the missing sets.  A set whose build, run or measure fails
(a value refused, a run that blows up) lands in ``Sweep.failed`` with its error; the other sets
still run.
"""

from __future__ import annotations

import inspect
import itertools
import os
import pickle
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..checks import is_count
from ..errors import ParameterError, Problem, raise_problems
from ..simulation.arguments import check_times
from ..units import Q_, as_quantity
from .backends import BACKENDS
from .ensemble_run import NetworkCheckpoint, measure_columns, rows, run_sets
from .result import Sweep, unit_text

__all__ = ["default_measure", "sweep_networks"]


def default_measure(results: Any) -> dict[str, Any]:
    """The mean firing rate of every population whose spikes were recorded: ``rate_<name>``."""
    out = {}
    for name in results:
        r = results[name]
        if r.spikes_recorded:
            out[f"rate_{name}"] = r.rates.mean()
    return out


def _grid_sets(grid: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The cartesian product (last name fastest), and each name's unit (None: plain numbers)."""
    axes, units = {}, {}
    for k, v in grid.items():
        if isinstance(v, str) or (
            not isinstance(v, list | tuple) and np.ndim(getattr(v, "magnitude", v)) == 0
        ):  # one value: an axis of one (as nu.sweep)
            v = [v]
        items = list(v) if not hasattr(v, "magnitude") else [v[i] for i in range(len(v))]
        if not items:
            raise ParameterError(f"sweep: grid[{k!r}] must hold at least one value, got {v!r}")
        qs = [as_quantity(x) if isinstance(x, str) or hasattr(x, "magnitude") else x for x in items]
        units[k] = qs[0].units if hasattr(qs[0], "units") else None
        axes[k] = qs
    sets = [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
    return sets, units


def sweep_networks(
    build: Callable[..., Any],
    grid: Mapping[str, Any],
    *,
    duration: Any = "1 s",
    dt: Any = "0.1 ms",
    measure: Callable[[Any], Mapping[str, Any]] | None = None,
    backend: str = "threads",
    workers: int | None = None,
    client: Any = None,
    checkpoint: str | os.PathLike | None = None,
    progress: bool = False,
) -> Sweep:
    """Simulate ``build(**values)`` for every set of ``grid`` and measure each (module docstring).

    ``backend``, ``workers``, ``client``, ``checkpoint`` and ``progress`` are those of
    :func:`~neurounits.sweep`; each set is one task.

    Examples
    --------
    >>> import neurounits as nu
    >>> def build(w, seed):
    ...     net = nu.Network(seed=seed)
    ...     P = net.add(nu.models.nest.iaf_psc_exp(n=50, I_e="380 pA"), name="P",
    ...                 initial={"V_m": nu.dist.Uniform("-70 mV", "-56 mV")})
    ...     net.connect(P, P, nu.conn.FixedInDegree(5), weight=w, delay="1 ms")
    ...     net.record(P, spikes=True)
    ...     return net
    >>> sw = nu.sweep(build, {"w": nu.Q_([0.0, 300.0], "pA"), "seed": [1, 2]}, duration="200 ms")
    >>> sw.units["rate_P"], len(sw.index)
    ('Hz', 4)
    >>> bool(sw["rate_P"][2] > sw["rate_P"][0])         # excitation raises the rate
    True
    """
    if backend not in (*BACKENDS, "serial"):
        raise ParameterError(f"sweep over networks: unknown backend {backend!r}; use one of "
                             f"{[*BACKENDS, 'serial']}")
    if client is not None and backend != "dask":
        raise ParameterError(f"client= is for backend='dask', not backend={backend!r}")
    if workers is not None and not is_count(workers):
        raise ParameterError(f"sweep over networks: workers must be a positive integer (or None: automatic), "
                             f"got {workers!r}")
    measure = measure or default_measure
    sets, units = _grid_sets(grid)
    _check_build(build, grid)
    if backend == "processes":
        _check_importable(build, measure)
    problems: list[Problem] = []
    dur_ms, dt_ms, _ = check_times("sweep over networks", duration, dt, problems)
    raise_problems("sweep over networks", problems)
    duration, dt = Q_(dur_ms, "ms"), Q_(dt_ms, "ms")
    store = None if checkpoint is None else NetworkCheckpoint(checkpoint, build, measure, sets, duration, dt)
    outs = run_sets(build, sets, duration, dt, measure, backend, workers, client, store, progress)
    return _table(sets, units, outs, tuple(grid))


def _check_importable(*functions: Callable) -> None:
    """For ``backend="processes"``: the functions go to the spawned workers by name, so each must be
    a top-level function of a module (not a lambda or a function defined inside another)."""
    for f in functions:
        qualname = getattr(f, "__qualname__", "")
        try:
            pickle.dumps(f)
            ok = "<" not in qualname
        except (pickle.PicklingError, AttributeError, TypeError):
            ok = False
        if not ok:
            raise ParameterError(
                f"sweep over networks: backend='processes' sends {qualname or f!r} to spawned worker "
                "processes by name, and it is a lambda or a local function they cannot import; define it "
                "at the top level of an importable module (a script needs an `if __name__ == "
                "\"__main__\":` guard), or use backend='threads' or backend='dask' (which sends it by value)")


def _check_build(build: Callable, grid: Mapping[str, Any]) -> None:
    """``build`` takes the grid's names as keywords (checked before anything runs)."""
    try:
        sig = inspect.signature(build)
    except (TypeError, ValueError):  # no signature to check (a builtin, say)
        return
    try:
        sig.bind(**dict.fromkeys(grid))
    except TypeError as exc:
        name = getattr(build, "__qualname__", repr(build))
        raise ParameterError(f"sweep over networks: {name}{sig} cannot take the grid's names "
                             f"{list(grid)} as keywords ({exc}); name the grid's entries after the "
                             "function's parameters") from None


def _table(sets: list[dict[str, Any]], units: dict[str, Any], outs: list, dims: tuple[str, ...]) -> Sweep:
    ran, failed = rows(outs, len(sets))
    ok = sorted(ran)
    columns: dict[str, np.ndarray] = {}
    col_units: dict[str, str] = {}
    for k, u in units.items():
        unit = next((sets[i][k].units for i in ok if hasattr(sets[i][k], "units")), u)
        given = [sets[i][k] for i in ok]
        columns[k] = np.array([float(v.m_as(unit)) if unit is not None else float(v) for v in given])
        col_units[k] = unit_text(unit) if unit is not None else ""
    for name, (values, unit) in measure_columns(ran, ok).items():
        if name in columns:
            raise ParameterError(f"the measure '{name}' has the name of a grid entry; rename the measure")
        columns[name], col_units[name] = values, unit
    return Sweep(
        model="network",
        columns=columns,
        units=col_units,
        index=np.array(ok, np.int64),
        failed=[({k: v if hasattr(v, "units") else Q_(v, "") for k, v in sets[i].items()}, e)
                for i, e in failed],
        dims=dims,
        n_sets=len(sets),
    )
