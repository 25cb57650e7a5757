"""Inputs to a simulation: time-varying values, spike trains and rate events.

Rate inputs (:class:`RateInput`) drive rate models (a model with ``rate_input``, e.g.
``nu.models.nest.sigmoid_rate_ipn``).  Input q carries a source rate r_q(step), a weight
w_q x multiplicity_q and a delay of d_q whole steps; in the step j -> j+1 it contributes the
source value of step j - d_q (``rate.values[j - d_q]`` for a TimedArray, so an instantaneous input
uses the value of the current step), and nothing before it has arrived (j < d_q).  The model's
rate channel then receives, per neuron, with its nonlinearity phi:

- linear summation: phi(sum_q w_q r_q)  (phi(0) without any input, as NEST);
- otherwise: sum_q w_q phi(r_q).

A model with two rate channels (excitatory, inhibitory) receives the weights >= 0 on the first and
the negative ones on the second, each summed and transformed on its own; with three channels the
first receives all inputs and the other two as with two (NEST's multiplicative coupling needs both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError, Problem
from ..parameters import check_value
from ..units import as_quantity, fmt_unit, to_internal, ureg

__all__ = ["Features", "RateInput", "SpikeInput", "TimedArray", "rate_arrays"]


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
        try:
            self.values = as_quantity(values)
            mag = np.asarray(self.values.magnitude, dtype=float)
        except Exception as exc:  # pint parse errors, numbers that are not numbers
            raise ParameterError(f"TimedArray: values must be a Quantity (or numbers) with a time axis "
                                 f"first, e.g. nu.Q_([0, 0.5, 0], 'nA'); got {values!r:.80} ({exc})") from exc
        if mag.ndim not in (1, 2) or mag.shape[0] == 0:
            raise ParameterError(f"TimedArray: values must have shape (n_times,) or (n_times, n_neurons), "
                                 f"got shape {mag.shape}; put time on the first axis (values[k] holds during "
                                 "the step (k dt, (k+1) dt]) and neurons on the second")
        try:
            self.dt = as_quantity(dt)
            ok = self.dt.check("[time]") and np.ndim(self.dt.magnitude) == 0 and float(self.dt.magnitude) > 0
        except Exception:  # pint parse errors, an array of durations
            ok = False
        if not ok:
            raise ParameterError(f"TimedArray: dt must be one positive duration, e.g. dt='1 ms', "
                                 f"got {dt!r:.80}")
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


class Features:
    """An input that is a weighted sum of features: neuron i receives ``sum_k weights[i, k] x[k]``.

    ``x`` holds k feature values (a Quantity, numbers, or a :class:`TimedArray` of shape
    (n_times, k) for features that change over time); ``weights`` is one weight vector (k,) shared
    by every neuron or a matrix (n, k), one row per neuron (numbers or a Quantity).  The unit of
    weight times feature must be the input's.  This makes the teaching notebook's perceptron and
    rate neuron, which take a weight vector, one call each.

    Examples
    --------
    >>> import neurounits as nu
    >>> def perceptron(w, x, b=0.0):
    ...     res = nu.simulate(nu.models.Perceptron(n=1, b=b), "1 ms", "1 ms", record=("y",),
    ...                       inputs={"x": nu.Features(x, w)})
    ...     return int(res["y"][-1, 0])
    >>> perceptron([1, 1], [0.2, 0.3])
    1
    >>> perceptron([1, 1], [-0.2, -0.3])
    0
    >>> W = [[1.0, 0.0], [0.5, 0.5], [0.0, -1.0]]                 # three units, two features
    >>> res = nu.simulate(nu.models.RateNeuron(n=3), "1 ms", "1 ms", record=("r",),
    ...                   inputs={"x": nu.Features([0.4, 0.2], W)})
    >>> res["r"][-1].magnitude.round(3).tolist()                  # relu(W x)
    [0.4, 0.3, 0.0]
    """

    def __init__(self, x: Any, weights: Any) -> None:
        self.x = x if isinstance(x, TimedArray) else as_quantity(x)
        self.weights = as_quantity(weights)
        w = np.asarray(self.weights.magnitude, float)
        k = (self.x.values.shape[1] if isinstance(self.x, TimedArray) and self.x.values.ndim == 2
             else 1 if isinstance(self.x, TimedArray) else np.size(self.x.magnitude))
        if w.ndim not in (1, 2) or w.shape[-1] != k:
            raise ValueError(f"Features: weights must have shape (k,) or (n, k) with k = {k} features, "
                             f"got shape {w.shape}")

    def value(self) -> Any:
        """The input: a Quantity, one value per neuron (per row of the weights), or a TimedArray."""
        w = self.weights
        if isinstance(self.x, TimedArray):
            vals = self.x.values.reshape(self.x.values.shape[0], -1)
            mag = np.asarray(vals.magnitude, float) @ np.atleast_2d(np.asarray(w.magnitude, float)).T
            return TimedArray(mag * (vals.units * w.units), self.x.dt)
        mag = np.asarray(w.magnitude, float) @ np.asarray(self.x.magnitude, float).reshape(-1)
        return mag * (w.units * self.x.units)

    def __repr__(self) -> str:
        return f"Features(x={self.x!r}, weights shape {np.shape(self.weights.magnitude)})"


@dataclass
class RateInput:
    """A rate input of a rate model: a source rate, a weight and a delay.

    ``rate`` is a dimensionless constant or a :class:`TimedArray` of dimensionless values
    (``values[k]`` is the source rate in the step (k*dt, (k+1)*dt]); ``weight`` and
    ``multiplicity`` multiply it (NEST's connection weight and multiplicity); ``delay`` is None or
    0 (instantaneous: the source value of the current step acts in that step) or a duration that is
    a whole number of steps (delayed: the value of that many steps earlier; nothing before).

    Examples
    --------
    >>> import neurounits as nu
    >>> m = nu.models.nest.sigmoid_rate_ipn(n=2, sigma=0.0, mu=0.0)
    >>> ri = nu.RateInput(rate=2.0, weight=0.5, delay="0.5 ms")
    >>> res = nu.simulate(m, "1 ms", "0.1 ms", rate_inputs=[ri])
    >>> res["rate"].shape
    (11, 2)
    """

    rate: Any
    weight: float = 1.0
    delay: Any = None
    multiplicity: float = 1.0


def _number(where: str, value: Any, problems: list[Problem], *, positive: bool = False) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not np.isfinite(value) or (positive and value <= 0):
        want = "a positive number" if positive else "a finite number"
        problems.append(Problem(f"{where}: expected {want}, got {value!r}"))
        return None
    return float(value)


def rate_arrays(spec: Any, rate_inputs: Any, n_steps: int, dt_ms: float,
                problems: list[Problem], inputs: Any = None, start: int = 0) -> dict[str, np.ndarray]:
    """Check ``rate_inputs`` for a model and build its kernel arrays (internal units) for the
    steps ``[start, start + n_steps)`` (a continued run builds only its own steps).

    Returns {} for a model without rate channels (a problem is added if inputs were given), else
    ``{"RS": [channels, n_steps]}`` (linear summation) or ``{"RW": [channels, inputs, n_steps],
    "RV": [inputs, n_steps]}``.  Problems are appended to ``problems`` (also for a rate channel
    given in ``inputs``, the other inputs of ``simulate``).
    """
    rate_inputs = list(rate_inputs or ())
    chans = spec.rate_channels
    if not chans:
        if rate_inputs:
            problems.append(Problem(f"model '{spec.name}' is not a rate model with rate inputs, so "
                                    "rate_inputs cannot be used with it"))
        return {}
    for k in chans:
        if k in (inputs or {}):
            problems.append(Problem(f"model '{spec.name}', input '{k}' is driven by the rate inputs; give "
                                    "rates as rate_inputs=[nu.RateInput(...)], not in inputs"))
    vals, wts = [], []
    for q, ri in enumerate(rate_inputs):
        where = f"model '{spec.name}', rate_inputs[{q}]"
        if not isinstance(ri, RateInput):
            problems.append(Problem(f"{where}: expected a nu.RateInput, got {type(ri).__name__}"))
            continue
        ok = True
        w = _number(f"{where}, weight", ri.weight, problems)
        m = _number(f"{where}, multiplicity", ri.multiplicity, problems, positive=True)
        lag = 0
        if ri.delay is not None and not (isinstance(ri.delay, int | float) and ri.delay == 0):
            chk = check_value(f"{where}, delay", ri.delay, ureg.Unit("ms"), 1, nonnegative=True)
            if chk.problems:
                problems.extend(chk.problems)
                ok = False
            else:
                d = float(to_internal(chk.quantity))
                lag = round(d / dt_ms)
                if abs(d / dt_ms - lag) > 1e-6 * max(1.0, d / dt_ms):
                    problems.append(Problem(f"{where}: the delay {d:g} ms is not a whole number of steps of "
                                            f"dt = {dt_ms:g} ms; use a multiple of dt (or None for an "
                                            "instantaneous input)"))
                    ok = False
        source_step = np.arange(start, start + n_steps) - lag  # the step whose rate arrives now
        arrived = source_step >= 0
        row = _rate_values(where, ri.rate, np.maximum(source_step, 0), dt_ms, problems)
        if row is None or w is None or m is None or not ok:
            continue
        vals.append(np.where(arrived, row, 0.0))
        wts.append(np.where(arrived, w * m, 0.0))
    v = np.array(vals).reshape(len(vals), n_steps)
    wt = np.array(wts).reshape(len(wts), n_steps)
    sign = np.array([np.all(x >= 0) for x in wt], dtype=bool)
    ex, inh = wt * sign[:, None], wt * ~sign[:, None]
    by_chan = {1: [wt], 2: [ex, inh], 3: [wt, ex, inh]}[len(chans)]  # (all), (>= 0, < 0), (all, >= 0, < 0)
    per = np.stack(by_chan).reshape(len(chans), len(vals), n_steps)
    if spec.rate_linear:
        return {"RS": np.ascontiguousarray((per * v[None]).sum(axis=1).reshape(len(chans), n_steps))}
    return {"RW": np.ascontiguousarray(per.reshape(len(chans), len(vals), n_steps)),
            "RV": np.ascontiguousarray(v)}


def _rate_values(where: str, rate: Any, steps: np.ndarray, dt_ms: float, problems: list[Problem]):
    """The source rate at each of ``steps`` (dimensionless), or None after adding a problem."""
    one = ureg.dimensionless
    if isinstance(rate, TimedArray):
        q = rate.values
        if q.dimensionality != one.dimensionality:
            problems.append(Problem(f"{where}: rates are dimensionless; the TimedArray is in "
                                    f"{fmt_unit(q.units)}", True))
            return None
        mag = np.asarray(q.to(one).magnitude, dtype=float)
        if mag.ndim == 2 and mag.shape[1] != 1:
            problems.append(Problem(f"{where}: the TimedArray has {mag.shape[1]} columns; a rate input "
                                    "is one source rate (shape (n_times,)): use one RateInput per source"))
            return None
        mag = mag.reshape(-1)
        if not np.all(np.isfinite(mag)):
            problems.append(Problem(f"{where}: the TimedArray holds NaN or infinite values"))
            return None
        ta_dt = float(to_internal(rate.dt))
        rows = np.minimum(np.floor(steps * dt_ms / ta_dt + 1e-9).astype(np.int64), mag.size - 1)
        return mag[rows]
    chk = check_value(f"{where}, rate", rate, one, 1)
    if chk.problems:
        problems.extend(chk.problems)
        return None
    return np.full(steps.size, float(chk.quantity.to(one).magnitude))
