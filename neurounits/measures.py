"""Measures: what a sweep keeps of each simulation, one value per neuron with a unit.

A measure is a name or a function.  Names:

- ``"spike_count"``: number of spikes (dimensionless);
- ``"rate"``: spikes per simulated time, in Hz;
- ``"first_spike_time"``: time of the first spike in ms (NaN when the neuron never fired);
- ``"last_spike_time"``: time of the last spike in ms (NaN when the neuron never fired);
- ``"mean_<name>"``, e.g. ``"mean_V"``: the mean over the recorded samples of a state or named
  expression (recorded every ``record_every`` steps, the initial sample at t = 0 included), in its
  unit.

A function takes the :class:`~neurounits.Results` of a block of neurons and returns a dict
name -> per-neuron Quantity (or plain array, read as dimensionless) of length ``results.n``.

When every measure is a name (no function), :func:`~neurounits.sweep` runs a count-only kernel:
per-neuron accumulators (spike count, first and last spike step, sums of the samples for the
means) instead of a spike list and recorded traces, with the same values (:func:`countable`,
:func:`evaluate_counts`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import ParameterError
from .units import fmt_unit, ureg

__all__ = ["BUILTIN", "countable", "evaluate", "evaluate_counts", "needs"]

BUILTIN = ("spike_count", "rate", "first_spike_time", "last_spike_time")

Measure = str | Callable[[Any], dict[str, Any]]


def check(spec: Any, measures: Sequence[Measure] | str | Callable) -> tuple[Measure, ...]:
    """The measures as a tuple; unknown names raise ParameterError listing what is available."""
    if isinstance(measures, str) or callable(measures):
        measures = (measures,)
    out: list[Measure] = []
    bad: list[Any] = []
    recordable = spec.recordable()
    for m in measures:
        if callable(m):
            out.append(m)
        elif isinstance(m, str) and (m in BUILTIN or (m.startswith("mean_") and m[5:] in recordable)):
            out.append(m)
        else:
            bad.append(m)
    if bad:
        means = ", ".join(f"mean_{k}" for k in recordable)
        raise ParameterError(f"unknown measure(s) {bad}; use {', '.join(BUILTIN)}, {means}, or a function "
                             "results -> {name: per-neuron Quantity}")
    if not out:
        raise ParameterError("measure is empty; give at least one measure, e.g. measure=('rate',)")
    return tuple(out)


def needs(measures: Sequence[Measure]) -> tuple[str, ...]:
    """The variables that must be recorded for the ``mean_<name>`` measures."""
    return tuple(dict.fromkeys(m[5:] for m in measures if isinstance(m, str) and m.startswith("mean_")))


def evaluate(measures: Sequence[Measure], res: Any) -> dict[str, tuple[np.ndarray, str]]:
    """Every measure of one run: name -> (float values per neuron, unit text)."""
    out: dict[str, tuple[np.ndarray, str]] = {}
    for m in measures:
        if callable(m):
            got = m(res)
            if not isinstance(got, dict):
                raise ParameterError(f"the measure function {getattr(m, '__name__', m)!r} must return a dict "
                                     f"name -> per-neuron values, got {type(got).__name__}")
            for k, v in got.items():
                out[str(k)] = _per_neuron(f"measure '{k}'", v, res.n)
        elif m == "spike_count":
            out[m] = (res.spike_counts.astype(np.int64), "")
        elif m == "rate":
            out[m] = (np.asarray(res.rates.to("Hz").magnitude, float), "Hz")
        elif m == "first_spike_time":
            first = np.full(res.n, np.nan)
            idx, at = np.unique(res.spikes.indices, return_index=True)
            first[idx] = res.spikes.times.to("ms").magnitude[at]
            out[m] = (first, "ms")
        elif m == "last_spike_time":
            last = np.full(res.n, np.nan)
            idx, at = np.unique(res.spikes.indices[::-1], return_index=True)
            last[idx] = res.spikes.times.to("ms").magnitude[::-1][at]
            out[m] = (last, "ms")
        else:
            q = res[m[5:]]
            out[m] = (np.asarray(q.magnitude, float).mean(axis=0), fmt_unit(q.units))
    return out


def _per_neuron(where: str, v: Any, n: int) -> tuple[np.ndarray, str]:
    if isinstance(v, ureg.Quantity):
        mag, unit = np.asarray(v.magnitude, float), fmt_unit(v.units)
    else:
        mag, unit = np.asarray(v, float), ""
    if mag.shape != (n,):
        raise ParameterError(f"{where}: expected one value per neuron (shape ({n},)), got shape {mag.shape}")
    return mag, "" if unit == "1" else unit


def countable(measures: Sequence[Measure]) -> bool:
    """True when every measure is a name, so that a count-only run gives all of them."""
    return all(isinstance(m, str) for m in measures)


def evaluate_counts(measures: Sequence[Measure], acc: dict[str, Any]) -> dict[str, tuple[np.ndarray, str]]:
    """Every measure from the accumulators of a count-only run (``simulation.count_run``);
    the same values as :func:`evaluate` on the Results of ``simulate`` (means to rounding)."""
    out: dict[str, tuple[np.ndarray, str]] = {}
    dt_ms = acc["dt_ms"]
    for m in measures:
        if not isinstance(m, str):
            raise ParameterError(f"a count-only run gives named measures only, not {m!r}")
        if m == "spike_count":
            out[m] = (acc["count"].astype(np.int64), "")
        elif m == "rate":
            out[m] = (np.asarray((ureg.Quantity(acc["count"].astype(float), "") / acc["duration"])
                                 .to("Hz").magnitude, float), "Hz")
        elif m in ("first_spike_time", "last_spike_time"):
            step = acc["first" if m == "first_spike_time" else "last"]
            out[m] = (np.where(step >= 0, (step + 1) * dt_ms, np.nan), "ms")
        else:
            q = acc["sums"][m[5:]]
            out[m] = (np.asarray(q.magnitude, float) / acc["n_samples"], fmt_unit(q.units))
    return out
