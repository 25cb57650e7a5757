"""Plots of results and sweeps with matplotlib (``nu.plot``; ``pip install 'neurounits[plot]'``).

Every function labels its axes with the units (``"V (mV)"``, ``"time (ms)"``) and returns the
matplotlib Axes it drew on (an array of Axes for several panels); give ``ax=`` to draw on your own.
``Results.plot``, ``NetworkResults.plot`` and ``Sweep.plot`` call these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import storage
from .errors import ParameterError

__all__ = ["fi_curve", "raster", "results", "sweep", "traces"]


def _pyplot(feature: str) -> Any:
    return storage.require("matplotlib.pyplot", feature, "plot")


def _label(name: str, unit: Any) -> str:
    text = storage.unit_text(unit)
    return f"{name} ({text})" if text else name


def _axes(ax: Any, feature: str) -> Any:
    if ax is not None:
        return ax
    return _pyplot(feature).subplots()[1]


def results(
    res: Any, variables: str | Sequence[str] | None = None, *, neurons: Any = None, ax: Any = None
) -> Any:
    """The recorded variables against time, one panel each, and the spike raster below them
    (``variables=None``: every variable, and the raster when there are spikes); or the named
    variable(s) only.  One panel: its Axes; several: an array of Axes sharing the time axis."""
    names = (
        list(res.traces)
        if variables is None
        else [variables]
        if isinstance(variables, str)
        else list(variables)
    )
    for k in names:
        res[k]  # a KeyError that names what was recorded
    spikes = variables is None and res.spikes_recorded and (res.spikes.indices.size > 0 or not names)
    n_panels = len(names) + int(spikes)
    if n_panels == 0:
        raise ParameterError(f"nothing to plot: the results of {res.model} hold no traces and no spikes")
    if ax is not None and n_panels > 1:
        raise ParameterError(
            f"ax= takes one panel; these results have {n_panels} ({', '.join(names)}"
            f"{', spikes' if spikes else ''}); name one variable, or leave ax=None"
        )
    if n_panels == 1:
        axes = np.array([_axes(ax, "Results.plot()")])
    else:
        plt = _pyplot("Results.plot()")
        _, axes = plt.subplots(n_panels, 1, sharex=True, squeeze=False, figsize=(6.4, 1.6 + 1.6 * n_panels))
        axes = axes[:, 0]
    for a, k in zip(axes, names):
        traces(res, k, neurons=neurons, ax=a)
    if spikes:
        raster(res, neurons=neurons, ax=axes[-1])
    for a in axes[:-1]:
        a.set_xlabel("")
    return axes[0] if n_panels == 1 else axes


def _columns(res: Any, neurons: Any) -> tuple[np.ndarray, np.ndarray]:
    """Positions in the recorded traces and indices of ``neurons`` (None: every recorded neuron)."""
    recorded = np.arange(res.n) if res.neurons is None else np.asarray(res.neurons)
    if neurons is None:
        return np.arange(recorded.size), recorded
    wanted = np.atleast_1d(np.asarray(neurons, dtype=np.int64))
    pos = np.searchsorted(recorded, wanted)
    bad = [int(i) for i, p in zip(wanted, pos) if p >= recorded.size or recorded[p] != i]
    if bad:
        raise ParameterError(f"neuron(s) {bad} of {res.model} were not recorded; recorded: {_span(recorded)}")
    return pos, wanted


def _span(idx: np.ndarray) -> str:
    if idx.size and np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size)):
        return f"{idx[0]} to {idx[-1]}"
    return ", ".join(str(int(i)) for i in idx[:10]) + (", ..." if idx.size > 10 else "")


def traces(res: Any, variable: str, *, neurons: Any = None, ax: Any = None) -> Any:
    """``variable`` against time for ``neurons`` (indices; default: every recorded neuron), with a
    legend when there are at most 10 lines."""
    q = res[variable]
    pos, idx = _columns(res, neurons)
    ax = _axes(ax, "Results.plot()")
    t = res.t.magnitude
    values = np.asarray(q.magnitude)[:, pos]
    for j, i in enumerate(idx):
        ax.plot(t, values[:, j], lw=1, label=f"neuron {int(i)}")
    if 1 < idx.size <= 10:
        ax.legend(fontsize="small", loc="best")
    ax.set_xlabel(_label("time", res.t.units))
    ax.set_ylabel(_label(variable, q.units))
    return ax


def raster(res: Any, *, neurons: Any = None, ax: Any = None) -> Any:
    """The spike raster: a mark at (time, neuron) for each spike.  For network results, every
    population whose spikes were recorded, one above the other, one colour each."""
    ax = _axes(ax, "nu.plot.raster()")
    pops = dict(res.populations) if hasattr(res, "populations") else {"": res}
    offset, ticks = 0, []
    for name, r in pops.items():
        if not r.spikes_recorded:
            continue
        times, idx = r.spikes.times, np.asarray(r.spikes.indices)
        if neurons is not None:
            keep = np.isin(idx, np.asarray(neurons))
            times, idx = times[keep], idx[keep]
        ax.plot(times.to("ms").magnitude, idx + offset, "|", ms=4, label=name or None)
        ticks.append((offset + r.n / 2, name))
        offset += r.n
    if len(pops) > 1:
        ax.set_yticks([t for t, _ in ticks], [n for _, n in ticks])
        ax.set_ylabel("population")
    else:
        ax.set_ylabel("neuron")
        ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("time (ms)")
    ax.set_ylim(-0.5, max(offset, 1) - 0.5)
    return ax


def sweep(
    sw: Any, measure: str | None = None, *, x: str | None = None, y: str | None = None, ax: Any = None
) -> Any:
    """A measure of a sweep: a line against ``x`` (one line per value of the grid's other dimensions),
    or with ``y`` a heat map over ``x`` and ``y`` (a 2-D grid; for random or explicit sets, points
    coloured by the measure).  By default ``measure`` is the last column and ``x`` the first
    dimension of the grid (or the first column)."""
    cols = list(sw.columns)
    measure = measure or cols[-1]
    x = x or (sw.dims[0] if sw.dims else cols[0])
    for k in (measure, x, y):
        if k is not None:
            sw[k]  # a KeyError that names the columns
    ax = _axes(ax, "Sweep.plot()")
    xs, ms = sw.columns[x], sw.columns[measure]
    if y is not None:
        _heat_map(sw, ax, x, y, measure)
    else:
        others = [d for d in sw.dims if d != x]
        keys = [tuple(float(sw.columns[d][i]) for d in others) for i in range(xs.size)]
        for key in dict.fromkeys(keys):
            sel = np.array([k == key for k in keys], bool)
            order = np.argsort(xs[sel], kind="stable")
            label = ", ".join(f"{d} = {v:g} {sw.units[d]}".strip() for d, v in zip(others, key)) or None
            ax.plot(xs[sel][order], ms[sel][order], "o-", ms=3, label=label)
        if others and len(set(keys)) <= 10:
            ax.legend(fontsize="small")
        ax.set_ylabel(_label(measure, sw.units[measure]))
    ax.set_xlabel(_label(x, sw.units[x]))
    return ax


def _heat_map(sw: Any, ax: Any, x: str, y: str, measure: str) -> None:
    xs, ys, ms = sw.columns[x], sw.columns[y], np.asarray(sw.columns[measure], float)
    ux, uy = np.unique(xs), np.unique(ys)
    if set(sw.dims) == {x, y}:  # a grid: every (x, y) once, failed sets blank
        grid = np.full((uy.size, ux.size), np.nan)
        grid[np.searchsorted(uy, ys), np.searchsorted(ux, xs)] = ms
        mesh = ax.pcolormesh(ux, uy, grid, shading="nearest")
    else:
        mesh = ax.scatter(xs, ys, c=ms, s=20)
    ax.figure.colorbar(mesh, ax=ax, label=_label(measure, sw.units[measure]))
    ax.set_ylabel(_label(y, sw.units[y]))


def fi_curve(sw: Any, *, input: str | None = None, ax: Any = None) -> Any:
    """The f–I curve of :func:`neurounits.fi_curve`: the rate (Hz) against the input."""
    return sweep(sw, "rate", x=input, ax=ax)
