"""Inputs to a simulation: time-varying values, spike trains and rate events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..units import as_quantity, fmt_unit

__all__ = ["RateInput", "SpikeInput", "TimedArray"]


class TimedArray:
    """Values over time: ``values[k]`` holds during the step (k*dt, (k+1)*dt].

    The last value holds after the end.  ``values`` is a Quantity (or a
    string/array convertible to one) whose first axis is time and optional
    second axis is neurons.

    Examples
    --------
    >>> import neurounits as nu
    >>> ta = nu.TimedArray(nu.Q_([0.0, 0.5, 0.0], "nA"), dt="10 ms")
    >>> ta.values.shape
    (3,)
    """

    def __init__(self, values: Any, dt: Any) -> None:
        self.values = as_quantity(values)
        self.dt = as_quantity(dt)
        mag = np.asarray(self.values.magnitude, dtype=float)
        if mag.ndim not in (1, 2) or mag.shape[0] == 0:
            raise ValueError(f"TimedArray: values must have shape (n_times,) or (n_times, n_neurons), "
                             f"got shape {mag.shape}")
        if not self.dt.check("[time]") or not float(self.dt.magnitude) > 0:
            raise ValueError(f"TimedArray: dt must be a positive duration, got {self.dt}")
        self.values = self.values.__class__(mag, self.values.units)

    def __repr__(self) -> str:
        return (f"TimedArray(shape={self.values.shape}, unit={fmt_unit(self.values.units)!r}, "
                f"dt={self.dt:~})")


@dataclass
class SpikeInput:
    """Spikes arriving at given times, each with a weight, on a receptor.

    ``times`` (Quantity or string) are arrival times; ``weight`` is one value
    or one per spike, in the receptor's weight unit; ``receptor`` is a name, a
    number, or None (routed by the sign of the weight where the model says so,
    as NEST does); ``neurons`` are the indices of the receiving neurons (all by
    default).  ``port`` applies to receptors declared as a
    :class:`~neurounits.PortGroup` (e.g. NMDA of ``iaf_bw_2001_exact``): each
    input opens the next port unless ``port=k`` names an open one (or the
    next number); a port's weight is fixed by its first input.
    """

    times: Any
    weight: Any
    receptor: str | int | None = None
    port: int | None = None
    neurons: Any = None


@dataclass
class RateInput:
    """Rate events for rate models: a constant or a TimedArray, a weight and a delay."""

    rate: Any
    weight: float = 1.0
    delay: Any = None
    multiplicity: float = 1.0
