"""Statistics of recorded spikes: the population rate over time and the CV of interspike intervals
(:meth:`Results.population_rate <neurounits.Results.population_rate>`, :attr:`Results.cv_isi
<neurounits.Results.cv_isi>`).

A spike at time t belongs to the step that ends at t (a spike found inside a step, as adaptive
methods find them, to the step that holds it): the step ``ceil(t / dt) - 1``.  A bin of the
population rate is a whole number of steps, so each spike falls in exactly one bin and no spike is
split or counted twice whatever the floating-point value of its time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ParameterError, raise_problems
from ..parameters import check_value
from ..units import Q_, to_internal, ureg

__all__ = ["cv_isi", "population_rate", "require_spikes"]


def require_spikes(res: Any) -> None:
    """A KeyError saying how to record them when ``res``'s spikes were not recorded."""
    if not res.spikes_recorded:
        raise KeyError(f"the spikes of {res.model} were not recorded; record them with "
                       "net.record(population, spikes=True)")


def _steps(times_ms: np.ndarray, dt_ms: float) -> np.ndarray:
    """The step of each spike time (the step that ends at it, or holds it)."""
    return np.maximum(np.ceil(times_ms / dt_ms - 1e-9).astype(np.int64) - 1, 0)


def _simulated_ms(res: Any) -> float:
    simulated = res.t[-1] if res.status else res.duration
    return float(simulated.m_as("ms"))


def _neurons(res: Any, neurons: Any) -> np.ndarray:
    if neurons is None:
        return np.arange(res.n)
    idx = np.arange(res.n)[neurons] if isinstance(neurons, slice) else np.asarray(neurons)
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
        raise ParameterError(
            f"population_rate of {res.model}: neurons must be a slice or a non-empty 1-d array of "
            f"neuron indices; got {neurons!r}"
        )
    if idx.min() < 0 or idx.max() >= res.n or np.unique(idx).size != idx.size:
        raise ParameterError(
            f"population_rate of {res.model}: neurons must be distinct indices in 0..{res.n - 1}; "
            f"got {neurons!r}"
        )
    return idx


def population_rate(res: Any, bin: Any = "1 ms", neurons: Any = None) -> tuple[Any, Any]:
    """(t, rate): the start of each bin (ms) and the spikes in it per neuron per second (Hz).

    ``bin``: a whole number of steps of dt (a Quantity or a string such as ``"0.5 ms"``).
    ``neurons``: the neurons counted (indices or a slice; None: all), each weighing 1/len(neurons).
    Only whole bins are returned: the part of the run after the last whole bin is left out.
    """
    where = f"population_rate of {res.model}"
    require_spikes(res)
    dt_ms = float(res.dt.m_as("ms"))
    chk = check_value(f"{where}, bin", bin, ureg.Unit("ms"), 1, positive=True)
    raise_problems(f"cannot compute the population rate of {res.model}", chk.problems)
    bin_ms = float(to_internal(chk.quantity))
    k = round(bin_ms / dt_ms)
    if k < 1 or abs(k * dt_ms - bin_ms) > 1e-9 * max(bin_ms, dt_ms):
        raise ParameterError(
            f"{where}: bin must be a whole number of steps of dt = {dt_ms:g} ms, e.g. "
            f"{max(k, 1) * dt_ms:g} ms; got {bin_ms:g} ms"
        )
    idx = _neurons(res, neurons)
    n_bins = round(_simulated_ms(res) / dt_ms) // k
    chosen = np.zeros(res.n, bool)
    chosen[idx] = True
    keep = chosen[res.spikes.indices]
    bins = _steps(res.spikes.times.m_as("ms")[keep], dt_ms) // k
    counts = np.bincount(bins[bins < n_bins], minlength=n_bins)
    rate = counts / (idx.size * k * dt_ms * 1e-3)
    return Q_(np.arange(n_bins) * (k * dt_ms), "ms"), Q_(rate, "Hz")


def cv_isi(res: Any) -> np.ndarray:
    """The coefficient of variation of each neuron's interspike intervals, std / mean (std with
    ddof = 0), shape (n,); NaN for a neuron with fewer than three spikes (two intervals)."""
    require_spikes(res)
    t = res.spikes.times.m_as("ms")
    i = res.spikes.indices
    order = np.lexsort((t, i))
    t, i = t[order], i[order]
    same = i[1:] == i[:-1]
    isi, owner = (t[1:] - t[:-1])[same], i[1:][same]
    count = np.bincount(owner, minlength=res.n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(owner, isi, minlength=res.n) / count
        var = np.bincount(owner, (isi - mean[owner]) ** 2, minlength=res.n) / count
        cv = np.sqrt(var) / mean
    cv[count < 2] = np.nan
    return cv
