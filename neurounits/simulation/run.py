"""``simulate``: check everything, convert to internal units once, run one kernel, wrap results."""

from __future__ import annotations

import difflib
import hashlib
import itertools
import logging
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .. import codegen, integrators
from ..equations import Model
from ..errors import ParameterError, SimulationError, format_problems
from ..parameters import Problem, check_value
from ..units import Q_, DimensionError, fmt_unit, from_internal, to_internal, ureg
from .inputs import RateInput, SpikeInput, TimedArray, rate_arrays
from .results import Results, Spikes

__all__ = ["simulate"]

log = logging.getLogger("neurounits")
_MS = ureg.Unit("ms")
_MAX_RECORD_BYTES = 2 * 1024**3
_PARALLEL_WORK = 2_000_000  # neuron-steps above which blocks of neurons run on several cores
_COUNT_BLOCK = 16384  # most neurons per block of a count-only run (measured: fewer, larger blocks are faster)
_KERNELS: dict[tuple, Any] = {}
_SPEC_KEYS: dict[int, tuple[Any, str]] = {}
_SRC_HASH = hashlib.sha256(b"".join(
    p.read_bytes() for p in sorted(Path(codegen.__file__).parent.glob("*.py"))
    + sorted(Path(integrators.__file__).parent.glob("*.py")))).hexdigest()[:12]


def simulate(
    model: Model,
    duration: Any,
    dt: Any = "0.1 ms",
    *,
    inputs: Mapping[str, Any] | None = None,
    record: Sequence[str] | str | None = None,
    method: str | None = None,
    seed: int | None = None,
    initial: Mapping[str, Any] | None = None,
    record_every: int = 1,
    spike_inputs: Sequence[SpikeInput] | None = None,
    rate_inputs: Sequence[RateInput] | None = None,
    raise_on_failure: bool = True,
    threads: int | None = None,
    method_options: Mapping[str, float] | None = None,
) -> Results:
    """Simulate a model and return its results with units.

    Parameters
    ----------
    model : Model
        A constructed model, e.g. ``nu.models.LIF(n=100)``.
    duration, dt : str or Quantity
        Simulated time and time step (``duration`` a whole number of steps).
    inputs : dict, optional
        Input name -> a constant (``"2 nA"``), a per-neuron array, or a
        :class:`~neurounits.TimedArray`.  Inputs not given are zero.
    record : sequence of str, optional
        States, named expressions and ``"refractory"`` to record; all states
        by default, ``()`` for none (spikes are always recorded).
    method : str, optional
        ``"euler"``, ``"rk2"``, ``"rk4"``, ``"exponential_euler"``, ``"exact"``;
        None chooses (exact > exponential Euler > rk4) and logs the choice.  Models with white
        noise (``xi``): ``"euler_maruyama"`` or ``"stochastic_exponential_euler"``.
    seed : int, optional
        Seed of the white noise of stochastic models (an integer in [0, 2**64)); None draws one
        from the OS.  It is kept in ``Results.seed``: the same seed gives the same traces,
        whatever the number of threads.
    rate_inputs : sequence of RateInput, optional
        Rate inputs of rate models (see :class:`~neurounits.RateInput`).
    initial : dict, optional
        State name -> initial value, overriding the model's (scalar or per neuron).
    record_every : int
        Record every this many steps.
    raise_on_failure : bool
        If False, a numerical failure returns the results so far with
        ``status = 1`` and ``message`` instead of raising SimulationError.
    threads : int, optional
        Number of blocks of neurons run in parallel; by default all cores
        when the run is large enough.
    spike_inputs : sequence of SpikeInput, optional
        Spikes delivered to the model's receptors; one arriving at time t is
        applied at the end of the step that ends at t (spikes arriving
        together add up).  Arrivals after ``duration`` are ignored.
    method_options : dict, optional
        For ``method="rkf45"``: ``atol`` and ``rtol`` (numbers, or names of
        parameters for per-neuron values; they apply to each state in internal
        units: mV, pA, nS, ms; defaults 1e-6 and 1e-6 or the model's own),
        ``h_min`` (smallest sub-step, default 0: only a step that no longer
        advances time stops the run), ``max_substeps`` (per dt, default
        100,000), ``h0`` (first sub-step, default dt) and ``control``: ``"y"`` scales the tolerance by |y|,
        ``"yp"`` by h |dy/dt|, as GSL's controls.

    Examples
    --------
    >>> import neurounits as nu
    >>> lif = nu.models.LIF(n=2, tau_m="10 ms")
    >>> res = nu.simulate(lif, "50 ms", "0.1 ms", inputs={"I": "0.3 nA"})
    >>> res["V"].shape, res.method
    ((501, 2), 'exact')
    """
    return _simulate(model, duration, dt, inputs=inputs, record=record, method=method, seed=seed,
                     initial=initial, record_every=record_every, spike_inputs=spike_inputs,
                     rate_inputs=rate_inputs, raise_on_failure=raise_on_failure, threads=threads,
                     method_options=method_options)


def _simulate(
    model: Model,
    duration: Any,
    dt: Any = "0.1 ms",
    *,
    inputs: Mapping[str, Any] | None = None,
    record: Sequence[str] | str | None = None,
    method: str | None = None,
    seed: int | None = None,
    initial: Mapping[str, Any] | None = None,
    record_every: int = 1,
    spike_inputs: Sequence[SpikeInput] | None = None,
    rate_inputs: Sequence[RateInput] | None = None,
    raise_on_failure: bool = True,
    threads: int | None = None,
    method_options: Mapping[str, float] | None = None,
    noise_ids: np.ndarray | None = None,
) -> Results:
    """``simulate``; ``noise_ids`` (int64[n]) are the indices that key each neuron's random numbers
    (default: its index; sweeps give each parameter set its set number)."""
    if isinstance(model, type) and issubclass(model, Model):
        raise ParameterError(f"simulate() needs a model instance, got the class {model.__name__}; "
                             f"construct it first, e.g. {model.__name__}(n=10)")
    if not isinstance(model, Model):
        raise ParameterError(f"simulate() needs a neurounits Model instance, got {type(model).__name__}")
    spec = model.spec
    problems: list[Problem] = []
    port_weights: dict[str, np.ndarray] = {}
    if spec.ports:  # one copy of the port states per input port: the structure depends on the inputs
        spike_inputs, counts, port_weights = _assign_ports(model, spike_inputs or (), problems)
        spec = type(model)._spec_for(model.options, counts)
    (dur_ms, dt_ms, n_steps, rec, record_every, ins, events, rates, seed, init) = _check_run(
        model, spec, problems, duration, dt, record, record_every, inputs, spike_inputs, rate_inputs,
        seed, initial)

    name, reason = _method(spec, method)
    params = model.internal_parameters()
    params.update(port_weights)
    for k in spec.states:  # port states start at their declared initial value
        if k not in init:
            init[k] = model.evaluate(spec.initial[k], params)
    options = _check_options(model, name, method_options, dt_ms, params)
    n_samples = n_steps // record_every + 1
    nbytes = len(rec) * n_samples * model.n * 8
    if nbytes > _MAX_RECORD_BYTES:
        raise ParameterError(
            f"recording {list(rec)} of {model.n} neurons for {n_samples} samples needs "
            f"{nbytes / 1024**3:.1f} GiB; record fewer variables (record=...), fewer samples "
            "(record_every=...) or nothing (record=())")
    kernel = _kernel(spec, name, rec, tuple(k for k, v in ins.items() if v[0].shape[1] > 1),
                     options["control"])
    refsteps = _refsteps(model, spec, params, dt_ms)
    out = _run_blocks(kernel, spec, model.n, n_steps, dt_ms, record_every, n_samples, rec, init,
                      params, ins, refsteps, threads, events, options,
                      _noise_rate_args(spec, seed, rates, noise_ids, model.n))
    return _results(model, spec, out, rec, dur_ms, dt_ms, n_steps, record_every, name, reason, seed,
                    raise_on_failure)


# ---------------------------------------------------------------------------------- checks
def _check_run(model, spec, problems, duration, dt, record, record_every, inputs, spike_inputs,
               rate_inputs, seed, initial):
    """The checks shared by ``simulate`` and count-only runs; raises with every problem found."""
    dur_ms, dt_ms, n_steps = _check_times(model.name, duration, dt, problems)
    rec = _check_record(spec, record, problems)
    if isinstance(record_every, bool) or not isinstance(record_every, int | np.integer) or record_every < 1:
        problems.append(Problem(f"record_every must be a positive integer, got {record_every!r}"))
        record_every = 1
    ins = _check_inputs(model, inputs or {}, n_steps, dt_ms, problems)
    events = _check_spikes(model, spike_inputs or (), n_steps, dt_ms, problems, spec)
    rates = rate_arrays(spec, rate_inputs, n_steps, dt_ms, problems, inputs)
    seed = _check_seed(spec, seed, problems)
    try:
        init = model.initial_values(initial)
    except (DimensionError, ParameterError) as exc:
        problems.extend(Problem(p, isinstance(exc, DimensionError)) for p in exc.problems)
        init = {}
    _raise(model.name, problems)
    return dur_ms, dt_ms, n_steps, rec, record_every, ins, events, rates, seed, init


def _refsteps(model, spec, params, dt_ms: float) -> np.ndarray | None:
    """Refractory steps per neuron: ceil(t_ref / dt), or None without a refractory period."""
    if spec.refractory is None:
        return None
    ref_ms = model.evaluate(spec.refractory, params)
    return np.ceil(ref_ms / dt_ms - 1e-9).astype(np.int64).clip(min=0)


def _raise(model: str, problems: list[Problem]) -> None:
    if not problems:
        return
    msgs = [p.message for p in problems]
    header = f"cannot simulate model '{model}'"
    if any(p.dimension for p in problems):
        raise DimensionError(format_problems(header, msgs), problems=tuple(msgs))
    raise ParameterError(format_problems(header, msgs), problems=tuple(msgs))


def _check_times(model: str, duration: Any, dt: Any, problems: list[Problem]):
    vals = []
    for label, v in (("duration", duration), ("dt", dt)):
        chk = check_value(f"simulate(model '{model}'), {label}", v, _MS, 1, positive=True)
        if chk.problems:
            problems.extend(chk.problems)
            vals.append(None)
        else:
            vals.append(float(to_internal(chk.quantity)))
    dur, step = vals
    if dur is None or step is None:
        return dur or 0.0, step or 1.0, 0
    steps = dur / step
    n_steps = round(steps)
    if abs(steps - n_steps) > 1e-6 * max(1.0, steps) or n_steps < 1:
        problems.append(Problem(
            f"simulate(model '{model}'): duration {dur:g} ms is not a whole number of steps of "
            f"dt = {step:g} ms ({steps:.6g} steps); choose a duration that is a multiple of dt"))
    return dur, step, max(n_steps, 1)


def _check_record(spec, record, problems: list[Problem]) -> tuple[str, ...]:
    recordable = spec.recordable()
    if record is None:
        return tuple(spec.states) if spec.states else tuple(spec.expressions)
    if isinstance(record, str):
        record = (record,)
    out = []
    for k in record:
        if k not in recordable:
            close = difflib.get_close_matches(k, list(recordable), n=1)
            tip = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(Problem(f"model '{spec.name}' has nothing called '{k}' to record.{tip} "
                                    f"Recordable: {', '.join(recordable)}"))
        elif k not in out:
            out.append(k)
    return tuple(out)


def _check_inputs(model: Model, inputs: Mapping[str, Any], n_steps: int, dt_ms: float,
                  problems: list[Problem]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each input as (values[rows, 1 or n], row of each step), internal units."""
    spec = model.spec
    out = {}
    for k in inputs:
        if k not in spec.inputs:
            close = difflib.get_close_matches(k, list(spec.inputs), n=1)
            tip = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(Problem(f"model '{model.name}' has no input '{k}'.{tip} "
                                    f"Inputs: {', '.join(spec.inputs) or 'none'}"))
    for k, unit in spec.inputs.items():
        where = f"model '{model.name}', input '{k}'"
        value = inputs.get(k)
        if value is None:
            out[k] = (np.zeros((1, 1)), np.zeros(n_steps, np.int64))
            continue
        if isinstance(value, TimedArray):
            arr = _timed(where, value, unit, model.n, n_steps, dt_ms, problems)
            if arr is not None:
                out[k] = arr
            continue
        chk = check_value(where, value, unit, model.n)
        problems.extend(chk.problems)
        if chk.quantity is not None:
            mag = np.asarray(to_internal(chk.quantity), dtype=float)
            out[k] = (mag.reshape(1, -1), np.zeros(n_steps, np.int64))
    return out


def _check_spikes(model: Model, spikes: Sequence[SpikeInput], n_steps: int, dt_ms: float,
                  problems: list[Problem], spec=None) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per receptor: (step of arrival, neuron or -1 for all, weight), sorted by step."""
    spec = spec or model.spec
    parts: dict[str, list] = {r: [] for r in spec.receptors}
    if spikes and not spec.receptors:
        problems.append(Problem(f"model '{model.name}' has no spike receptors, so spike_inputs cannot be "
                                "used with it; drive it through its inputs instead"))
        return {}
    for k, si in enumerate(spikes):
        where = f"model '{model.name}', spike_inputs[{k}]"
        if not isinstance(si, SpikeInput):
            problems.append(Problem(f"{where}: expected a nu.SpikeInput, got {type(si).__name__}"))
            continue
        names = _receptor_names(spec, si.receptor, where, problems)
        if names is None:
            continue
        if names[0] in type(model).unavailable_receptors:
            problems.append(Problem(f"{where}: receptor '{names[0]}' cannot take spike inputs: "
                                    f"{type(model).unavailable_receptors[names[0]]}"))
            continue
        if si.port is not None and not names[0].startswith(tuple(spec.ports)):
            problems.append(Problem(f"{where}: port={si.port!r} is given, but receptor '{names[0]}' has no "
                                    f"ports; receptors with ports: {', '.join(spec.ports) or 'none'}"))
            continue
        unit = spec.receptors[names[0]].unit
        t_chk = check_value(f"{where}, times", si.times, _MS, None)
        w_chk = check_value(f"{where}, weight", si.weight, unit, None)
        problems.extend(t_chk.problems + w_chk.problems)
        if t_chk.problems or w_chk.problems:
            continue
        t = np.atleast_1d(np.asarray(to_internal(t_chk.quantity), float))
        w = np.broadcast_to(np.asarray(to_internal(w_chk.quantity), float), t.shape) \
            if np.ndim(w_chk.quantity.magnitude) == 0 or np.size(w_chk.quantity.magnitude) == t.size else None
        if w is None:
            problems.append(Problem(f"{where}: weight must be one value or one per spike time "
                                    f"({t.size}), got {np.size(w_chk.quantity.magnitude)}"))
            continue
        if np.any(t <= 0):
            problems.append(Problem(f"{where}: spike times must be > 0 ms (a spike arriving at t is applied "
                                    f"at the end of the step ending at t), got {t[t <= 0][0]:g} ms"))
            continue
        neurons = _neurons(model, si, where, problems)
        if neurons is None:
            continue
        steps = np.ceil(t / dt_ms - 1e-9).astype(np.int64) - 1
        keep = steps < n_steps
        steps, w = steps[keep], w[keep]
        for idx in ([-1] if neurons is _ALL else neurons):
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


_ALL = object()


def _assign_ports(model: Model, spikes: Sequence[SpikeInput], problems: list[Problem]):
    """Give every spike input on a port group its port (see :class:`~neurounits.PortGroup`).

    Ports of a group are numbered 0, 1, ... in the order the inputs open them: an input
    without ``port=`` opens the next port; ``port=k`` joins port k if it is open, opens it if
    it is the next one, and is refused if it would skip numbers (a port added late).  Each
    port has one weight: an input whose weights differ, or that joins a port with another
    weight, is refused.  Returns the inputs re-addressed to the port receptors (weight: the
    multiplicity, 1 per spike), the number of ports per group and each port's weight.
    """
    spec = model.spec
    counts = dict.fromkeys(spec.ports, 0)
    weights: dict[str, np.ndarray] = {}
    first: dict[str, int] = {}
    out = list(spikes)
    for k, si in enumerate(spikes):
        if not isinstance(si, SpikeInput):
            continue
        where = f"model '{model.name}', spike_inputs[{k}]"
        group = next((g for g in spec.ports if isinstance(si.receptor, str)
                      and re.fullmatch(rf"{g}_\d+", si.receptor)), None)
        if group is not None:  # the receptors of single ports are internal
            problems.append(Problem(f"{where}: receptor {si.receptor!r} is internal; give "
                                    f"receptor='{group}' and port={si.receptor[len(group) + 1:]}"))
            out[k] = SpikeInput(times=si.times, weight=Q_(1.0, ""), receptor=si.receptor)  # no 2nd problem
            continue
        names = _receptor_names(spec, si.receptor, where, [])
        if names is None or names[0] not in spec.ports:
            continue
        r = names[0]
        w_chk = check_value(f"{where}, weight", si.weight, spec.receptors[r].unit, None)
        if w_chk.problems:
            problems.extend(w_chk.problems)
            continue
        w = np.unique(np.asarray(to_internal(w_chk.quantity), float))
        wmag = np.atleast_1d(np.asarray(w_chk.quantity.magnitude, float))
        wmin, wmax = (Q_(f(wmag), w_chk.quantity.units) if wmag.size else None for f in (np.min, np.max))
        if w.size > 1:
            problems.append(Problem(
                f"{where}: the spikes of one port of receptor '{r}' must all have the same weight, got "
                f"{w.size} different weights ({wmin:~g} to {wmax:~g}); "
                "split them into several SpikeInputs (one port each)"))
            continue
        port = si.port
        if port is None:
            port = counts[r]
        elif isinstance(port, bool) or not isinstance(port, int | np.integer) or port < 0:
            problems.append(Problem(f"{where}: port must be a port number (0, 1, ...), got {port!r}"))
            continue
        elif port > counts[r]:
            problems.append(Problem(
                f"{where}: port {port} of receptor '{r}' is added late: ports are numbered 0, 1, ... in "
                f"the order the spike inputs open them and {counts[r]} port(s) are open before this input "
                f"(ports 0 to {counts[r] - 1}); give port={counts[r]} or less, or leave port unset to "
                "open the next one. All ports exist from the first step on, so every input of a port "
                "must be given to this simulate() call"))
            continue
        key = f"w_{r}_{port}"
        wq = float(w[0]) if w.size else None
        if port == counts[r]:
            counts[r] += 1
            first[key] = k
            weights[key] = np.full(model.n, 0.0 if wq is None else wq)
        elif wq is not None and weights[key][0] != wq:
            problems.append(Problem(
                f"{where}: port {port} of receptor '{r}' has the weight "
                f"{from_internal(weights[key][0], spec.receptors[r].unit):~g} (from spike_inputs"
                f"[{first[key]}]), this input gives {wmin:~g}; a port's weight is fixed "
                "by its first input: use another port for another weight"))
            continue
        out[k] = SpikeInput(times=si.times, weight=Q_(1.0, ""), receptor=f"{r}_{port}",
                            neurons=si.neurons)
    return out, counts, weights


def _receptor_names(spec, receptor, where: str, problems: list[Problem]) -> tuple[str, ...] | None:
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
    close = difflib.get_close_matches(str(receptor), list(recs), n=1)
    tip = f" Did you mean '{close[0]}'?" if close else ""
    problems.append(Problem(f"{where}: model '{spec.name}' has no receptor {receptor!r}.{tip} "
                            f"Receptors: {', '.join(numbers)}"))
    return None


def _neurons(model: Model, si: SpikeInput, where: str, problems: list[Problem]):
    if si.neurons is None:
        return _ALL
    idx = np.atleast_1d(np.asarray(si.neurons))
    if idx.dtype.kind not in "iu" or idx.ndim != 1 or np.any(idx < 0) or np.any(idx >= model.n):
        problems.append(Problem(f"{where}: neurons must be indices in [0, {model.n}), got {si.neurons!r}"))
        return None
    return idx.astype(np.int64)


_DEFAULT_OPTIONS: dict[str, Any] = {"atol": 1e-6, "rtol": 1e-6, "control": "y", "h0": None,
                                    "max_substeps": 100_000}


def _check_options(model: Model, method: str, options: Mapping[str, Any] | None, dt_ms: float,
                   params: dict[str, np.ndarray]) -> dict[str, Any]:
    """rkf45 options: per-neuron atol/rtol arrays, h_min and the first step (ms), the control."""
    opts = dict(_DEFAULT_OPTIONS)
    opts.update(type(model).integrator_options)
    opts["h_min"] = Q_(0.0, "ms")
    given = dict(options or {})
    if given and method != "rkf45":
        raise ParameterError(f"method_options {sorted(given)} apply to method='rkf45' only; "
                             f"the method is '{method}'")
    unknown = set(given) - {"atol", "rtol", "h_min", "h0", "control", "max_substeps"}
    if unknown:
        raise ParameterError(f"unknown method option(s) {sorted(unknown)}; rkf45 takes atol, rtol, h_min, "
                             "h0 (first step), max_substeps and control ('y' or 'yp')")
    opts.update(given)
    if opts["control"] not in ("y", "yp"):
        raise ParameterError(f"method option control must be 'y' or 'yp', got {opts['control']!r}")
    out: dict[str, Any] = {"control": opts["control"]}
    maxsub = opts["max_substeps"]
    if isinstance(maxsub, bool) or not isinstance(maxsub, int | np.integer) or maxsub < 1:
        raise ParameterError(f"method option max_substeps must be a positive integer, got {maxsub!r}")
    out["max_substeps"] = int(maxsub)
    for k in ("atol", "rtol"):
        v = opts[k]
        arr = params[v] if isinstance(v, str) and v in params else np.asarray(v, dtype=float)
        arr = np.broadcast_to(arr, (model.n,)).astype(float)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ParameterError(f"method option {k} must be finite and >= 0, got {v!r}")
        out[k] = arr
    if np.any((out["atol"] == 0) & (out["rtol"] == 0)):
        raise ParameterError("method options atol and rtol cannot both be 0")
    for k in ("h_min", "h0"):
        v = opts[k]
        if v is None:
            out[k] = dt_ms
            continue
        chk = check_value(f"method option {k}", v, _MS, 1, nonnegative=True)
        if chk.problems:
            raise ParameterError(chk.problems[0].message)
        out[k] = float(to_internal(chk.quantity))
    out["h0"] = min(out["h0"], dt_ms)
    return out


def _timed(where, ta: TimedArray, unit, n: int, n_steps: int, dt_ms: float, problems):
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
    ta_dt = float(to_internal(ta.dt))
    rows = np.floor(np.arange(n_steps) * dt_ms / ta_dt + 1e-9).astype(np.int64)
    rows = np.minimum(rows, mag.shape[0] - 1)
    return (mag.reshape(mag.shape[0], -1).copy(), rows)


# ---------------------------------------------------------------------------------- kernel
def _method(spec, method: str | None) -> tuple[str, str]:
    if method is None:
        name, reason = integrators.choose(spec)
        log.info("model '%s': using method '%s' (%s)", spec.name, name, reason)
        return name, reason
    integ = integrators.get(method, spec)
    return (integ.name if integ is not None else "none"), ""


def _kernel_key(spec, method: str, rec: tuple[str, ...], per_neuron: tuple[str, ...], control: str,
                counts: tuple[str, ...] = (), uniform: tuple[str, ...] = ()) -> tuple:
    known = _SPEC_KEYS.get(id(spec))  # spec.key prints every expression (~0.5 ms): once per spec object
    if known is None or known[0] is not spec:
        known = _SPEC_KEYS[id(spec)] = (spec, spec.key)
    return (known[1], method, rec, per_neuron, control, _SRC_HASH, counts, uniform)


def _kernel_source(spec, method: str, rec: tuple[str, ...], per_neuron: tuple[str, ...], control: str,
                   counts: tuple[str, ...] = (), uniform: tuple[str, ...] = ()) -> str:
    step = integrators.INTEGRATORS[method].step(spec) if method != "none" else None
    return codegen.generate(codegen.KernelSpec(spec, step, rec, per_neuron, control, counts=counts,
                                               uniform=uniform))


def _kernel(spec, method: str, rec: tuple[str, ...], per_neuron: tuple[str, ...], control: str,
            counts: tuple[str, ...] = (), uniform: tuple[str, ...] = ()):
    key = _kernel_key(spec, method, rec, per_neuron, control, counts, uniform)
    fn = _KERNELS.get(key)
    if fn is None:
        fn = codegen.load(_kernel_source(spec, method, rec, per_neuron, control, counts, uniform))
        _KERNELS[key] = fn
    return fn


def _blocks(n: int, n_steps: int, threads: int | None) -> list[tuple[int, int]]:
    if threads is None:
        cores = os.cpu_count() or 1
        threads = cores if n * n_steps >= _PARALLEL_WORK and n >= 2 * 64 else 1
    threads = max(1, min(int(threads), n))
    edges = np.linspace(0, n, threads + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


def _check_seed(spec, seed: Any, problems: list[Problem]) -> int | None:
    """The seed of a model with white noise: given (an integer in [0, 2**64)) or drawn from the OS."""
    if seed is None:
        return secrets.randbits(63) if spec.noise else None
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) < 2**64:
        problems.append(Problem(f"seed must be None or an integer in [0, 2**64), got {seed!r}"))
        return None
    return int(seed)


def _noise_rate_args(spec, seed: int | None, rates: dict[str, np.ndarray], noise_ids=None, n: int = 0):
    """Kernel arguments of noise and rate inputs for the block of neurons [lo, hi): the seed and the
    index that keys each neuron's random numbers (its own index unless ``noise_ids`` are given)."""
    if spec.noise:
        ids = np.arange(n, dtype=np.int64) if noise_ids is None else np.asarray(noise_ids, np.int64)
        if ids.shape != (n,):
            raise ValueError(f"noise_ids must have one entry per neuron ({n}), got shape {ids.shape}")

    def args(lo: int, hi: int) -> list[Any]:
        out: list[Any] = [np.uint64(seed or 0), ids[lo:hi]] if spec.noise else []
        return out + [rates[k] for k in ("RS", "RW", "RV") if k in rates]
    return args


def _run_blocks(kernel, spec, n, n_steps, dt_ms, record_every, n_samples, rec, init, params, ins,
                refsteps, threads, events, options, extra=None, acc=None):
    blocks = _blocks(n, n_steps, threads)
    n_threads = len(blocks)
    if acc is not None and n > _COUNT_BLOCK * n_threads:  # count-only: cache-sized blocks of neurons
        n_blocks = -(-n // _COUNT_BLOCK)
        n_blocks = -(-n_blocks // n_threads) * n_threads  # a multiple of the threads: balanced
        edges = np.linspace(0, n, n_blocks + 1).round().astype(int)
        blocks = [(int(a), int(b)) for a, b in itertools.pairwise(edges)]
    states = {k: np.ascontiguousarray(v, dtype=float) for k, v in init.items()}
    ref = np.zeros(n, np.int64)
    adaptive = "HSTEP" in kernel.ARGS
    # a uniform population reads its parameters once (run_uniform), not per neuron and step
    uniform = all(v.size == 0 or np.all(v == v[0]) for v in params.values())
    uniform = uniform and (refsteps is None or np.all(refsteps == refsteps[0]))
    run = kernel.run_uniform if uniform else kernel.run
    hstep = np.full(n, options["h0"])
    spk_cap = max(1024, min(10 * n * max(1, n_steps // 100), 1 << 22) // max(1, len(blocks)))

    def one(lo: int, hi: int):
        args: list[Any] = [n_steps, dt_ms, 0, record_every, spk_cap]
        args += [states[k][lo:hi] for k in spec.states]
        args += [params[k][lo:hi] for k in spec.parameters]
        for k in spec.inputs:
            vals, rows = ins[k]
            args += [np.ascontiguousarray(vals[:, lo:hi]) if vals.shape[1] > 1 else vals, rows]
        if spec.refractory is not None:
            args += [ref[lo:hi], refsteps[lo:hi]]
        for r in spec.receptors:
            st, nn, ww = events[r]
            mask = (nn < 0) | ((nn >= lo) & (nn < hi))
            args += [st[mask], np.where(nn[mask] < 0, -1, nn[mask] - lo), ww[mask], np.zeros(hi - lo)]
        if adaptive:
            args += [hstep[lo:hi], options["atol"][lo:hi], options["rtol"][lo:hi], options["h_min"],
                     options["max_substeps"]]
        if extra is not None:
            args += extra(lo, hi)
        if acc is not None:  # count-only kernel: CNT, FIRST, LAST, and REC holds sums
            args += [a[lo:hi] for a in acc]
        recarr = np.zeros((len(rec), 1 if acc is not None else n_samples, hi - lo))
        args.append(recarr)
        return run(*args), recarr

    if n_threads == 1:
        outs = [one(*b) for b in blocks]
    else:
        with ThreadPoolExecutor(n_threads) as pool:
            outs = list(pool.map(lambda b: one(*b), blocks))
    return blocks, outs, states


def _results(model, spec, out, rec, dur_ms, dt_ms, n_steps, record_every, method, reason, seed,
             raise_on_failure) -> Results:
    blocks, outs, states = out
    status, message, done = 0, "", n_steps
    failure = None
    for (lo, _), ((st, steps_done, *_rest, bad_var, bad_neuron), _) in zip(blocks, outs, strict=True):
        if st and (failure is None or steps_done < failure[0]):
            failure = (steps_done, bad_var, lo + bad_neuron, st)
    if failure is not None and failure[3] in (2, 3):
        done, _, neuron, code = failure
        t_fail = Q_(done * dt_ms, "ms")
        what = ("the adaptive step size fell below h_min (or stopped making progress)" if code == 2
                else "the adaptive integrator needed more than max_substeps sub-steps")
        message = (f"model '{model.name}': for neuron {neuron}, {what} in the step ending at "
                   f"t = {t_fail:~g} (numerical instability); check the parameter values, or loosen "
                   "atol/rtol, lower h_min or raise max_substeps in method_options")
        if raise_on_failure:
            raise SimulationError(message, neuron=neuron, time=t_fail)
        status = 2
    elif failure is not None:
        done, var_i, neuron, _ = failure
        var = list(spec.states)[var_i] if var_i >= 0 else "?"
        value = states[var][neuron] if var_i >= 0 else float("nan")
        t_fail = Q_(done * dt_ms, "ms")
        status = 1
        message = (f"model '{model.name}': state '{var}' of neuron {neuron} became {value} at "
                   f"t = {t_fail:~g} (step {done}). The equations blow up or dt = {dt_ms:g} ms is too "
                   "large for the method; try a smaller dt or another method (e.g. 'rk4' or "
                   "'exponential_euler'), and check the parameter values.")
        if raise_on_failure:
            raise SimulationError(message, variable=var, neuron=neuron, time=t_fail)
    steps = np.concatenate([o[0][3] for o in outs])
    idx = np.concatenate([o[0][4] + lo for o, (lo, _) in zip(outs, blocks, strict=True)])
    order = np.lexsort((idx, steps))
    spikes = Spikes(Q_((steps[order] + 1) * dt_ms, "ms"), idx[order].astype(np.int64))
    n_keep = done // record_every + 1
    t = Q_(np.arange(n_keep) * record_every * dt_ms, "ms")
    recorded = spec.recordable()
    traces = {}
    for r, k in enumerate(rec):
        arr = np.concatenate([o[1][r, :n_keep] for o in outs], axis=1)
        traces[k] = from_internal(arr, recorded[k])
    return Results(model=model.name, n=model.n, t=t, duration=Q_(dur_ms, "ms"), dt=Q_(dt_ms, "ms"),
                   method=method, record_every=record_every, spikes=spikes, traces=traces,
                   method_reason=reason, status=status, message=message, seed=seed)



# ---------------------------------------------------------------------------------- count-only runs
def _simulate_counts(model: Model, duration: Any, dt: Any = "0.1 ms", *,
                     inputs: Mapping[str, Any] | None = None, means: Sequence[str] = (),
                     method: str | None = None, record_every: int = 1, threads: int | None = 1,
                     times: Sequence[str] = ("first", "last"), uniform: Sequence[str] = (),
                     seed: int | None = None, noise_ids: np.ndarray | None = None) -> dict[str, Any]:
    """A run that keeps per-neuron accumulators only (for ``nu.sweep``): no spike list, no traces.

    ``times`` names the spike times wanted: ``"first"`` and/or ``"last"`` (each costs a little).
    ``uniform`` names parameters expected to be equal for every neuron (a sweep's fixed values): the
    kernel reads them once (one that is not uniform after all is read per neuron as usual).

    The same checks, kernel arithmetic and errors as :func:`simulate` (a failure raises
    SimulationError).  Returns ``count`` (int64[n]), ``first``/``last`` (int64[n]: step of the
    first/last spike, -1 if none or not asked for; the spike time is ``(step + 1) * dt``), ``sums`` (name ->
    Quantity[n], the sum of the samples ``simulate(record=means, record_every=...)`` would
    record), ``n_samples``, ``duration``/``dt`` (Quantities) and ``dt_ms``.
    """
    spec = model.spec
    problems: list[Problem] = []
    (dur_ms, dt_ms, n_steps, rec, record_every, ins, events, rates, seed, init) = _check_run(
        model, spec, problems, duration, dt, tuple(means), record_every, inputs, (), (), seed, None)
    name, reason = _method(spec, method)
    params = model.internal_parameters()
    options = _check_options(model, name, None, dt_ms, params)
    uniform = tuple(k for k in spec.parameters if k in uniform and np.all(params[k] == params[k][0]))
    kernel = _kernel(spec, name, rec, tuple(k for k, v in ins.items() if v[0].shape[1] > 1),
                     options["control"], ("count", *(k for k in ("first", "last") if k in times)), uniform)
    refsteps = _refsteps(model, spec, params, dt_ms)
    # int32 accumulators vectorise better (measured: the Izhikevich kernel 15 % faster than with int64)
    wide = n_steps >= 2**31 - 1 or spec.events_in_substeps  # several spikes per step: int64
    itype = np.int64 if wide else np.int32
    acc = (np.zeros(model.n, itype), np.full(model.n, -1, itype), np.full(model.n, -1, itype))
    n_samples = n_steps // record_every + 1
    out = _run_blocks(kernel, spec, model.n, n_steps, dt_ms, record_every, n_samples, rec, init,
                      params, ins, refsteps, threads, events, options,
                      _noise_rate_args(spec, seed, rates, noise_ids, model.n), acc=acc)
    if any(o[0][0] for o in out[1]):  # a failure: the same SimulationError as simulate
        _results(model, spec, out, rec, dur_ms, dt_ms, n_steps, record_every, name, reason, None, True)
    recorded = spec.recordable()
    sums = {k: from_internal(np.concatenate([o[1][r, 0] for o in out[1]]), recorded[k])
            for r, k in enumerate(rec)}
    return {"count": acc[0].astype(np.int64), "first": acc[1].astype(np.int64),
            "last": acc[2].astype(np.int64), "sums": sums, "n_samples": n_samples,
            "duration": Q_(dur_ms, _MS), "dt": Q_(dt_ms, _MS), "dt_ms": dt_ms}
