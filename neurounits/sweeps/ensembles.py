"""Sweeps over whole networks: one network per parameter set (``nu.sweep(build, grid, ...)``).

``build(**values)`` returns a network (anything :func:`neurounits.simulate` runs, e.g. a
``nu.Network``) for one set of values of the grid, e.g. ``{"g": [4, 5, 6], "seed": [1, 2, 3]}``:
an ensemble of networks over parameters and seeds.  Each set is simulated, ``measure(results)``
turns its results into named values (Quantities or numbers), and the sweep returns a
:class:`~neurounits.sweeps.result.Sweep` table.  Networks of one structure share their compiled
code, so new weights, rates, sizes or seeds compile nothing; sets run in threads (the compiled
loop releases the GIL) or one after the other.  A set whose build or run fails lands in
``Sweep.failed`` with its error; the other sets still run.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..errors import NeurounitsError, ParameterError
from ..simulation import simulate
from ..units import Q_, as_quantity
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
        ):
            raise ParameterError(f"sweep: grid[{k!r}] must be a list or array of values, got {v!r}")
        items = list(v) if not hasattr(v, "magnitude") else [v[i] for i in range(len(v))]
        qs = [as_quantity(x) if isinstance(x, str) or hasattr(x, "magnitude") else x for x in items]
        units[k] = qs[0].units if hasattr(qs[0], "units") else None
        axes[k] = qs
    sets = [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
    return sets, units


def _one(
    build: Callable, values: dict[str, Any], duration: Any, dt: Any, measure: Callable
) -> dict[str, Any]:
    net = build(**values)
    res = simulate(net, duration, dt, threads=1)  # (sets run in parallel already)
    out = measure(res)
    if not isinstance(out, Mapping):
        raise ParameterError(f"sweep: measure must return a dict of named values, got {type(out).__name__}")
    return dict(out)


def sweep_networks(
    build: Callable[..., Any],
    grid: Mapping[str, Any],
    *,
    duration: Any = "1 s",
    dt: Any = "0.1 ms",
    measure: Callable[[Any], Mapping[str, Any]] | None = None,
    backend: str = "threads",
    workers: int | None = None,
) -> Sweep:
    """Simulate ``build(**values)`` for every set of ``grid`` and measure each (module docstring).

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
    if backend not in ("threads", "serial"):
        raise ParameterError(
            f"sweep over networks: backend must be 'threads' or 'serial', got {backend!r} "
            "(networks of one structure share compiled code in one process)"
        )
    measure = measure or default_measure
    sets, units = _grid_sets(grid)
    if backend == "serial" or len(sets) == 1:
        outs = [_guard(build, s, duration, dt, measure) for s in sets]
    else:
        with ThreadPoolExecutor(workers or 2) as pool:
            outs = list(pool.map(lambda s: _guard(build, s, duration, dt, measure), sets))
    return _table(sets, units, outs, tuple(grid))


def _guard(build: Callable, values: dict[str, Any], duration: Any, dt: Any, measure: Callable):
    try:
        return _one(build, values, duration, dt, measure)
    except (NeurounitsError, ValueError, KeyError, IndexError) as exc:
        return exc


def _table(sets: list[dict[str, Any]], units: dict[str, Any], outs: list, dims: tuple[str, ...]) -> Sweep:
    ok = [i for i, o in enumerate(outs) if not isinstance(o, Exception)]
    failed = [(sets[i], o) for i, o in enumerate(outs) if isinstance(o, Exception)]
    columns: dict[str, np.ndarray] = {}
    col_units: dict[str, str] = {}
    for k, u in units.items():
        vals = [sets[i][k] for i in ok]
        columns[k] = np.array([float(v.to(u).magnitude) if u is not None else float(v) for v in vals])
        col_units[k] = unit_text(u) if u is not None else ""
    names = list(outs[ok[0]]) if ok else []
    for name in names:
        first = outs[ok[0]][name]
        u = getattr(first, "units", None)
        columns[name] = np.array(
            [float(Q_(outs[i][name]).to(u).magnitude) if u is not None else float(outs[i][name]) for i in ok]
        )
        col_units[name] = unit_text(u) if u is not None else ""
    return Sweep(
        model="network",
        columns=columns,
        units=col_units,
        index=np.array(ok, np.int64),
        failed=failed,
        dims=dims,
        n_sets=len(sets),
    )
