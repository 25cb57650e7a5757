"""Sources of spikes for networks: Poisson trains and given spike times (``nu.sources``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ParameterError
from ..parameters import check_value
from ..simulation import TimedArray
from ..units import as_quantity, fmt_unit, to_internal, ureg

__all__ = ["Poisson", "Source", "SpikeTimes"]

_HZ = ureg.Unit("Hz")
_MS = ureg.Unit("ms")


class Source:
    """Base of the sources that :meth:`~neurounits.Network.connect` takes in place of a view."""

    def describe(self) -> str:
        return repr(self)


class Poisson(Source):
    """An independent Poisson train for every target neuron, as NEST's ``poisson_generator``.

    ``rate`` is a frequency (``"2.4 kHz"``) or a :class:`~neurounits.TimedArray` of frequencies
    (``values[k]`` holds during the step (k*dt, (k+1)*dt]).  In every step each target neuron
    receives a Poisson number of spikes with mean rate*dt, each with the projection's weight,
    after the projection's delay; the counts of different steps and targets are independent.  The
    trains are pure functions of the network's seed, whatever the threads or the pieces a run is
    cut into.

    Each target's train is drawn by time rescaling (exact in law): a unit-rate Poisson process on
    the cumulative mean count, whose Exp(1) intervals are pure functions of (seed, target, event
    number).  The run keeps, per target, the mean count left until its next event (the count of a
    step is the number of events its mean passes), so a step without an event, the common case,
    costs a subtraction, and a TimedArray rate only changes how much each step takes off.

    Examples
    --------
    >>> import neurounits as nu
    >>> nu.sources.Poisson("2.4 kHz")
    Poisson(rate=2400 Hz)
    """

    def __init__(self, rate: Any) -> None:
        if isinstance(rate, TimedArray):
            if rate.values.dimensionality != _HZ.dimensionality:
                raise ParameterError(
                    f"Poisson: the TimedArray of rates must hold frequencies (e.g. Hz), got "
                    f"{fmt_unit(rate.values.units)}"
                )
            if np.any(np.asarray(rate.values.magnitude) < 0) or rate.values.ndim != 1:
                raise ParameterError(
                    "Poisson: the TimedArray of rates must be one rate per time (shape (n_times,)) and >= 0"
                )
            self.rate: Any = rate
            return
        chk = check_value("Poisson, rate", rate, _HZ, 1, nonnegative=True)
        if chk.problems:
            raise ParameterError(chk.problems[0].message)
        self.rate = chk.quantity

    def lam(self, j0: int, n_steps: int, dt_ms: float) -> np.ndarray:
        """The mean count rate*dt of each step in [j0, j0 + n_steps)."""
        if isinstance(self.rate, TimedArray):
            vals = np.asarray(to_internal(self.rate.values), float)  # 1/ms
            step_ms = float(to_internal(self.rate.dt))
            t_mid = (np.arange(j0, j0 + n_steps) + 0.5) * dt_ms
            rows = np.minimum((t_mid / step_ms).astype(np.int64), len(vals) - 1)
            return vals[rows] * dt_ms
        return np.full(n_steps, float(to_internal(self.rate)) * dt_ms)

    def describe(self) -> str:
        return f"Poisson({self._rate_text()})"

    def _rate_text(self) -> str:
        return repr(self.rate) if isinstance(self.rate, TimedArray) else f"{self.rate:~g}"

    def __repr__(self) -> str:
        return f"Poisson(rate={self._rate_text()})"


class SpikeTimes(Source):
    """Spikes at given times, as NEST's ``spike_generator``: every target neuron receives each
    spike (with the projection's weight), emitted at its time and arriving after the delay.

    ``times`` (a duration array, > 0, on the time grid of the simulation: a spike at t is
    emitted in the step ending at t) may repeat a time for several spikes in one step.

    Examples
    --------
    >>> import neurounits as nu
    >>> nu.sources.SpikeTimes(["5 ms", "5 ms", "12.3 ms"]).times
    <Quantity([ 5.   5.  12.3], 'millisecond')>
    """

    def __init__(self, times: Any) -> None:
        if isinstance(times, list | tuple):
            times = [as_quantity(t) for t in times]
            times = (
                ureg.Quantity(np.array([t.to(_MS).magnitude for t in times], float), _MS)
                if all(t.dimensionality == _MS.dimensionality for t in times)
                else times[0]
            )
        chk = check_value("SpikeTimes, times", times, _MS, None)
        if chk.problems:
            raise ParameterError(chk.problems[0].message)
        q = chk.quantity.to(_MS)
        mag = np.atleast_1d(np.asarray(q.magnitude, float))
        if mag.ndim != 1 or np.any(~np.isfinite(mag)) or np.any(mag <= 0):
            raise ParameterError(f"SpikeTimes: times must be a 1-d array of durations > 0 ms, got {q}")
        self.times = ureg.Quantity(np.sort(mag), _MS)

    def steps(self, dt_ms: float) -> tuple[np.ndarray, list[str]]:
        """The step in which each spike is emitted (the step ending at its time); problems for
        times off the grid."""
        t = np.asarray(self.times.magnitude, float)
        k = np.rint(t / dt_ms)
        off = np.abs(k * dt_ms - t) > 1e-9 * np.maximum(1.0, t)
        probs = []
        if off.any():
            probs.append(
                f"spike time {t[off][0]:g} ms is not a multiple of dt = {dt_ms:g} ms; give times on "
                "the simulation's grid"
            )
        return k.astype(np.int64) - 1, probs

    def describe(self) -> str:
        return f"SpikeTimes({len(self.times)} spikes)"

    def __repr__(self) -> str:
        return f"SpikeTimes({self.times:~g})"
