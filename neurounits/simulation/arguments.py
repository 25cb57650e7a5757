"""The checks of a run's arguments, each written once (used by plans, count-only runs and sweeps).

Every function appends what is wrong to a list of :class:`~neurounits.parameters.Problem` and
returns what it could convert (internal units), so that a caller reports every problem at once
(:func:`raise_problems`).  Nothing here depends on how many steps will be run: spike arrivals and
input rows are kept on the global step grid and cut per segment by the plan.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..checks import check_count
from ..errors import did_you_mean, raise_problems
from ..parameters import Problem, check_value
from ..units import fmt_unit, to_internal, ureg
from .inputs import Features, SpikeInput, TimedArray

__all__ = [
    "MS",
    "InputSource",
    "check_count",
    "check_dt",
    "check_duration",
    "check_inputs",
    "check_record",
    "check_seed",
    "check_spikes",
    "check_times",
    "did_you_mean",
    "raise_problems",
]

MS = ureg.Unit("ms")


def check_dt(where: str, dt: Any, problems: list[Problem]) -> float | None:
    """The time step in ms, or None after adding a problem."""
    chk = check_value(f"{where}, dt", dt, MS, 1, positive=True)
    problems.extend(chk.problems)
    return None if chk.problems else float(to_internal(chk.quantity))


def check_duration(where: str, duration: Any, dt_ms: float | None, problems: list[Problem],
                   ) -> tuple[float, int]:
    """(duration in ms, whole number of steps of dt); a duration that is not a positive whole
    number of steps is a problem (the number of steps is then 0)."""
    chk = check_value(f"{where}, duration", duration, MS, 1, positive=True)
    if chk.problems:
        problems.extend(chk.problems)
        return 0.0, 0
    dur = float(to_internal(chk.quantity))
    if dt_ms is None:
        return dur, 0
    steps = dur / dt_ms
    n_steps = round(steps)
    if abs(steps - n_steps) > 1e-6 * max(1.0, steps) or n_steps < 1:
        problems.append(Problem(
            f"{where}: duration {dur:g} ms is not a whole number of steps of dt = {dt_ms:g} ms "
            f"({steps:.6g} steps); choose a duration that is a multiple of dt"))
        return dur, 0
    return dur, n_steps


def check_times(where: str, duration: Any, dt: Any,
                problems: list[Problem]) -> tuple[float, float | None, int]:
    """(duration in ms, dt in ms or None, whole number of steps), problems in the order given."""
    dt_problems: list[Problem] = []
    dt_ms = check_dt(where, dt, dt_problems)
    dur_ms, n_steps = check_duration(where, duration, dt_ms, problems)
    problems += dt_problems
    return dur_ms, dt_ms, n_steps


def check_record(spec: Any, record: Sequence[str] | str | None, problems: list[Problem]) -> tuple[str, ...]:
    """What to record: all states by default (or the named expressions of a model without states)."""
    recordable = spec.recordable()
    if record is None:
        return tuple(spec.states) if spec.states else tuple(spec.expressions)
    if isinstance(record, str):
        record = (record,)
    out: list[str] = []
    for k in record:
        if k not in recordable:
            problems.append(Problem(f"model '{spec.name}' has nothing called '{k}' to record."
                                    f"{did_you_mean(k, list(recordable))} "
                                    f"Recordable: {', '.join(recordable)}"))
        elif k not in out:
            out.append(k)
    return tuple(out)


class InputSource:
    """One input, checked and in internal units: ``values[rows, 1 or n]`` and, for a TimedArray,
    the step of its values (ms).  ``rows(j0, n_steps)`` gives the row of each step of a segment
    (a pure function of the global step, so a run split in segments reads the same rows)."""

    __slots__ = ("step_ms", "values")

    def __init__(self, values: np.ndarray, step_ms: float | None = None) -> None:
        self.values = values
        self.step_ms = step_ms

    @property
    def per_neuron(self) -> bool:
        return self.values.shape[1] > 1

    def rows(self, j0: int, n_steps: int, dt_ms: float) -> np.ndarray:
        """The row of each step of ``[j0, j0 + n_steps)``, cut short where the rest would repeat
        the last entry (the kernel reads step j's row at ``min(j, len - 1)``): a constant needs one
        row, a TimedArray no more steps than it covers, however long the run."""
        last = self.values.shape[0] - 1
        if self.step_ms is None or last == 0 or n_steps == 0:
            return np.zeros(1, np.int64)
        # steps from j0 on until the row reaches the last one (+ 2 for rounding), then it stays there
        until = int(min(n_steps, max(0, np.ceil(last * self.step_ms / dt_ms) - j0) + 2))
        rows = np.floor(np.arange(j0, j0 + until) * dt_ms / self.step_ms + 1e-9).astype(np.int64)
        rows = np.minimum(rows, last)
        if until < n_steps and rows[-1] != last:  # cannot happen (monotone rows); be safe
            rows = np.minimum(np.floor(np.arange(j0, j0 + n_steps) * dt_ms / self.step_ms + 1e-9)
                              .astype(np.int64), last)
        return rows

    @property
    def nbytes(self) -> int:
        return int(self.values.nbytes)


def check_input(model: Any, name: str, value: Any, problems: list[Problem]) -> InputSource | None:
    """One input's value: a constant, a per-neuron array or a TimedArray."""
    unit = model.spec.inputs[name]
    where = f"model '{model.name}', input '{name}'"
    if value is None:
        return InputSource(np.zeros((1, 1)))
    if isinstance(value, Features):
        value = value.value()
    if isinstance(value, TimedArray):
        return _timed(where, value, unit, model.n, problems)
    chk = check_value(where, value, unit, model.n)
    problems.extend(chk.problems)
    if chk.quantity is None:
        return None
    return InputSource(np.asarray(to_internal(chk.quantity), dtype=float).reshape(1, -1))


def check_inputs(model: Any, inputs: Mapping[str, Any], problems: list[Problem]) -> dict[str, InputSource]:
    """Every input of the model (zero where not given); unknown names are problems."""
    spec = model.spec
    for k in inputs:
        if k not in spec.inputs:
            problems.append(Problem(f"model '{model.name}' has no input '{k}'."
                                    f"{did_you_mean(k, list(spec.inputs))} "
                                    f"Inputs: {', '.join(spec.inputs) or 'none'}"))
    out = {}
    for k in spec.inputs:
        src = check_input(model, k, inputs.get(k), problems)
        if src is not None:
            out[k] = src
    return out


def _timed(where: str, ta: TimedArray, unit: Any, n: int, problems: list[Problem]) -> InputSource | None:
    q = ta.values
    if q.dimensionality != unit.dimensionality:
        problems.append(Problem(f"{where}: expected values in {fmt_unit(unit)}, the TimedArray is in "
                                f"{fmt_unit(q.units)}", True))
        return None
    mag = np.asarray(to_internal(q.to(unit)), dtype=float)
    if mag.ndim == 2 and mag.shape[1] not in (1, n):
        problems.append(Problem(f"{where}: the TimedArray has {mag.shape[1]} columns; expected one per "
                                f"neuron ({n}) or none"))
        return None
    if not np.all(np.isfinite(mag)):
        problems.append(Problem(f"{where}: the TimedArray holds NaN or infinite values"))
        return None
    return InputSource(mag.reshape(mag.shape[0], -1).copy(), float(to_internal(ta.dt)))


def check_seed(spec: Any, seed: Any, problems: list[Problem]) -> int | None:
    """The seed of a model with white noise: given (an integer in [0, 2**64)) or drawn from the OS."""
    if seed is None:
        return secrets.randbits(63) if spec.seeded else None
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) < 2**64:
        problems.append(Problem(f"seed must be None or an integer in [0, 2**64), got {seed!r}"))
        return None
    return int(seed)


Events = dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]


def check_spikes(model: Any, spec: Any, spikes: Sequence[Any], dt_ms: float,
                 problems: list[Problem]) -> Events:
    """Per receptor: (global step of arrival, neuron or -1 for all, weight), sorted by step."""
    parts: dict[str, list] = {r: [] for r in spec.receptors}
    if spikes and not spec.receptors:
        problems.append(Problem(f"model '{model.name}' has no spike receptors, so spike_inputs cannot be "
                                "used with it; drive it through its inputs instead"))
        return {}
    for k, si in enumerate(spikes):
        where = f"model '{model.name}', spike_inputs[{k}]"
        got = _one_spike_input(model, spec, si, where, dt_ms, problems)
        if got is None:
            continue
        names, steps, w, neurons = got
        for idx in ([-1] if neurons is None else neurons):
            if len(names) == 1:
                parts[names[0]].append((steps, np.full(steps.shape, idx, np.int64), w))
            else:  # routed by the sign of the weight
                pos = w >= 0
                parts[names[0]].append((steps[pos], np.full(pos.sum(), idx, np.int64), w[pos]))
                parts[names[1]].append((steps[~pos], np.full((~pos).sum(), idx, np.int64), w[~pos]))
    out = {}
    for r, chunks in parts.items():
        st = np.concatenate([c[0] for c in chunks]) if chunks else np.zeros(0, np.int64)
        nn = np.concatenate([c[1] for c in chunks]) if chunks else np.zeros(0, np.int64)
        ww = np.concatenate([c[2] for c in chunks]) if chunks else np.zeros(0)
        order = np.argsort(st, kind="stable")
        out[r] = (st[order], nn[order], ww[order])
    return out


def _one_spike_input(model, spec, si, where: str, dt_ms: float, problems: list[Problem]):
    """(receptor names, steps, weights, neurons or None for all) of one SpikeInput, or None."""
    if not isinstance(si, SpikeInput):
        problems.append(Problem(f"{where}: expected a nu.SpikeInput, got {type(si).__name__}"))
        return None
    names = receptor_names(spec, si.receptor, where, problems)
    if names is None:
        return None
    if names[0] in type(model).unavailable_receptors:
        problems.append(Problem(f"{where}: receptor '{names[0]}' cannot take spike inputs: "
                                f"{type(model).unavailable_receptors[names[0]]}"))
        return None
    if si.port is not None and not names[0].startswith(tuple(spec.ports)):
        problems.append(Problem(f"{where}: port={si.port!r} is given, but receptor '{names[0]}' has no "
                                f"ports; receptors with ports: {', '.join(spec.ports) or 'none'}"))
        return None
    unit = spec.receptors[names[0]].unit
    t_chk = check_value(f"{where}, times", si.times, MS, None)
    w_chk = check_value(f"{where}, weight", si.weight, unit, None)
    problems.extend(t_chk.problems + w_chk.problems)
    if t_chk.problems or w_chk.problems:
        return None
    t = np.atleast_1d(np.asarray(to_internal(t_chk.quantity), float))
    wmag = w_chk.quantity.magnitude
    if not (np.ndim(wmag) == 0 or np.size(wmag) == t.size):
        problems.append(Problem(f"{where}: weight must be one value or one per spike time "
                                f"({t.size}), got {np.size(wmag)}"))
        return None
    w = np.broadcast_to(np.asarray(to_internal(w_chk.quantity), float), t.shape)
    if np.any(t <= 0):
        problems.append(Problem(f"{where}: spike times must be > 0 ms (a spike arriving at t is applied "
                                f"at the end of the step ending at t), got {t[t <= 0][0]:g} ms"))
        return None
    if si.neurons is None:
        neurons = None
    else:
        idx = np.atleast_1d(np.asarray(si.neurons))
        if idx.dtype.kind not in "iu" or idx.ndim != 1 or np.any(idx < 0) or np.any(idx >= model.n):
            problems.append(Problem(f"{where}: neurons must be indices in [0, {model.n}), "
                                    f"got {si.neurons!r}"))
            return None
        neurons = idx.astype(np.int64)
    steps = np.ceil(t / dt_ms - 1e-9).astype(np.int64) - 1
    return names, steps, w, neurons


def receptor_names(spec: Any, receptor: Any, where: str, problems: list[Problem]) -> tuple[str, ...] | None:
    """The receptor(s) a spike input addresses: by name, NEST number, or (None) the sign of the weight."""
    recs = spec.receptors
    if receptor is None:
        if spec.receptor_by_sign:
            return spec.receptor_by_sign
        if len(recs) == 1:
            return (next(iter(recs)),)
        problems.append(Problem(f"{where}: say which receptor, one of {list(recs)}"))
        return None
    if isinstance(receptor, str) and receptor in recs:
        return (receptor,)
    if isinstance(receptor, str) and receptor + "_" in recs:  # "in" is spelt in_ (a Python keyword)
        return (receptor + "_",)
    if isinstance(receptor, int | np.integer) and not isinstance(receptor, bool):
        for name, r in recs.items():
            if r.number == receptor:
                return (name,)
    numbers = [f"{k} ({r.number})" if r.number is not None else k for k, r in recs.items()]
    problems.append(Problem(f"{where}: model '{spec.name}' has no receptor {receptor!r}."
                            f"{did_you_mean(receptor, list(recs))} Receptors: {', '.join(numbers)}"))
    return None
