"""``RunPlan``: every argument of a run checked and converted to internal units, once.

A plan does not depend on how long the run is: inputs, spike arrivals and rate inputs are kept on
the global step grid, and :meth:`RunPlan.segment` cuts the kernel arrays of the steps
``[j0, j0 + n_steps)``.  A plan is frozen; :meth:`RunPlan.with_input` and
:meth:`RunPlan.with_parameter` return a new, checked plan (same structure, so the same kernel), and
:meth:`RunPlan.with_model` the plan for another model of the same structure (a sweep's chunk).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..checks import check_count, is_count
from ..equations import Model
from ..equations.cachedspec import evaluate as evaluate_numeric
from ..equations.speccache import numeric_of
from ..errors import ParameterError, did_you_mean, raise_problems
from ..parameters import Problem
from ..units import DimensionError
from . import kernels
from .arguments import (
    InputSource,
    check_dt,
    check_input,
    check_inputs,
    check_record,
    check_seed,
    check_spikes,
    check_times,
)
from .inputs import RateInput, SpikeInput, rate_arrays
from .ports import assign_ports

__all__ = ["RunPlan", "make_plan"]


@dataclass(frozen=True)
class RunPlan:
    """A checked run: model, method, what to record, and every value in internal units."""

    model: Any
    spec: Any
    dt_ms: float
    method: str
    method_reason: str
    record: tuple[str, ...]
    record_every: int
    params: Mapping[str, np.ndarray]
    init: Mapping[str, np.ndarray]
    inputs: Mapping[str, InputSource]
    events: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    rate_inputs: tuple[Any, ...]
    seed: int | None
    noise_ids: np.ndarray
    options: Mapping[str, Any]
    refsteps: np.ndarray | None
    threads: int | None = None
    counts: tuple[str, ...] = ()
    uniform: tuple[str, ...] = ()
    port_weights: Mapping[str, np.ndarray] = field(default_factory=dict)
    method_options: Mapping[str, Any] | None = None

    @property
    def n(self) -> int:
        return self.model.n

    @property
    def choice(self) -> kernels.KernelChoice:
        per_neuron = tuple(k for k, v in self.inputs.items() if v.per_neuron)
        return kernels.KernelChoice(self.spec, self.method, self.record, per_neuron,
                                    self.options["control"], self.counts, self.uniform)

    @property
    def kernel(self) -> Any:
        """The compiled kernel module (generated and compiled on first use)."""
        return kernels.get(self.choice)

    def segment(self, j0: int, n_steps: int) -> dict[str, Any]:
        """Kernel arrays of inputs, spike arrivals and rate inputs for the steps [j0, j0 + n_steps),
        by kernel argument name (spike arrivals: ``(steps, neurons, weights)`` per receptor)."""
        out: dict[str, Any] = {}
        for k, src in self.inputs.items():
            out[f"U_{k}"] = src.values
            out[f"IX_{k}"] = src.rows(j0, n_steps, self.dt_ms)
        for r, (st, nn, ww) in self.events.items():
            keep = (st >= j0) & (st < j0 + n_steps)
            out[f"EV_{r}"] = (st[keep] - j0, nn[keep], ww[keep])
        if self.spec.rate_channels:
            out.update(rate_arrays(self.spec, self.rate_inputs, n_steps, self.dt_ms, [], start=j0))
        return out

    def with_input(self, name: str, value: Any) -> RunPlan:
        """This plan with input ``name`` set to ``value`` (checked as at construction)."""
        spec = self.model.spec
        if name not in spec.inputs:
            raise ParameterError(f"model '{self.model.name}' has no input '{name}'."
                                 f"{did_you_mean(name, list(spec.inputs))} "
                                 f"Inputs: {', '.join(spec.inputs) or 'none'}")
        if name in spec.rate_channels:
            raise ParameterError(f"model '{self.model.name}', input '{name}' is driven by the rate inputs; "
                                 "it cannot be set with set_input")
        problems: list[Problem] = []
        src = check_input(self.model, name, value, problems)
        raise_problems(f"cannot set input '{name}' of model '{self.model.name}'", problems)
        assert src is not None  # check_input returns None only after adding a problem, raised above
        return dataclasses.replace(self, inputs={**self.inputs, name: src})

    def with_parameter(self, name: str, value: Any) -> RunPlan:
        """This plan with parameter ``name`` set to ``value``, validated as at construction (units,
        sign, constraints); the structure and so the kernel are unchanged."""
        model = self.model
        if name not in model.spec.parameters:
            raise ParameterError(f"model '{model.name}' has no parameter '{name}'."
                                 f"{did_you_mean(name, list(model.spec.parameters))} "
                                 f"Parameters: {', '.join(model.spec.parameters)}")
        values = {**model.options, **model.parameters, name: value}
        new = type(model)(n=model.n, **values)
        params = {**new.internal_parameters(), **self.port_weights}
        options = kernels.check_options(new, self.method, self.method_options, self.dt_ms, params)
        return dataclasses.replace(self, model=new, params=params, options=options,
                                   refsteps=refractory_steps(new, self.spec, params, self.dt_ms))

    def with_model(self, model: Any, *, inputs: Mapping[str, Any] | None = None,
                   noise_ids: np.ndarray | None = None) -> RunPlan:
        """This plan for ``model``, another instance of the same class with the same options (so the
        same structure and kernel), e.g. other parameter values or another number of neurons.

        dt, method, what is recorded, the seed and the spike and rate inputs are kept as checked;
        the parameters, refractory steps, rkf45 options and initial values are the new model's.
        ``inputs`` (name -> value, checked as in :func:`make_plan`) replace those of this plan; an
        input kept must not have one value per neuron of a model of another size.  ``noise_ids``
        key each neuron's random numbers (default: its index).  Parameters this plan reads once
        (``uniform``) are still read once where they are uniform in ``model``.
        """
        old = self.model
        _check_model(model, "RunPlan.with_model")
        if type(model) is not type(old) or dict(model.options) != dict(old.options):
            raise ParameterError(f"RunPlan.with_model needs a model of class {type(old).__name__} with the "
                                 f"options {dict(old.options)}, got {type(model).__name__} with "
                                 f"{dict(model.options)}")
        spec = self.spec if self.port_weights else model.spec
        problems: list[Problem] = []
        ins = {**self.inputs, **_new_inputs(model, dict(inputs or {}), problems)}
        for k, src in ins.items():
            if k not in (inputs or {}) and src.values.shape[1] not in (1, model.n):
                problems.append(Problem(f"input '{k}' has one value per neuron of {old.n} neurons; give it "
                                        f"again for the model of {model.n}"))
        for r, (_, nn, _) in self.events.items():
            if nn.size and nn.max() >= model.n:
                problems.append(Problem(f"spike inputs of receptor '{r}' go to neuron {nn.max()}; the model "
                                        f"has {model.n} neurons"))
        raise_problems(f"cannot simulate model '{model.name}'", problems)
        port_weights = {k: np.full(model.n, v[0]) for k, v in self.port_weights.items()}
        params = {**model.internal_parameters(), **port_weights}
        init = model.initial_values(seed=self.seed, ids=None if noise_ids is None else np.asarray(noise_ids))
        for k in spec.states:  # port states start at their declared initial value
            if k not in init:
                init[k] = model.evaluate(spec.initial[k], params)
        ids = np.arange(model.n, dtype=np.int64) if noise_ids is None else np.asarray(noise_ids, np.int64)
        if ids.shape != (model.n,):
            raise ValueError(f"noise_ids must have one entry per neuron ({model.n}), got shape {ids.shape}")
        return dataclasses.replace(
            self, model=model, spec=spec, params=params, init=init, inputs=ins, noise_ids=ids,
            options=kernels.check_options(model, self.method, self.method_options, self.dt_ms, params),
            refsteps=refractory_steps(model, spec, params, self.dt_ms), port_weights=port_weights,
            uniform=tuple(k for k in self.uniform if np.all(params[k] == params[k][0])))


def refractory_steps(model: Any, spec: Any, params: dict[str, np.ndarray], dt_ms: float) -> np.ndarray | None:
    """Refractory steps per neuron (NEST's ceil(t_ref / dt), or as Brian2 counts them: see
    :func:`neurounits.equations.refractory.refractory_steps`), or None without a refractory period."""
    ref = numeric_of(spec).refractory
    if ref is None:
        return None
    ref_ms = evaluate_numeric(ref, params, model.n)
    if spec.refractory_convention == "nest" and spec.refractory_condition is None:
        return np.ceil(ref_ms / dt_ms - 1e-9).astype(np.int64).clip(min=0)
    from ..equations.refractory import refractory_steps as steps_on_spike  # (imports sympy)

    return steps_on_spike(spec, ref_ms, dt_ms)


def _new_inputs(model: Any, inputs: dict[str, Any], problems: list[Problem]) -> dict[str, InputSource]:
    """``inputs`` checked for ``model`` (unknown names and rate-driven inputs are problems)."""
    out = {}
    for k, v in inputs.items():
        if k not in model.spec.inputs:
            problems.append(Problem(f"model '{model.name}' has no input '{k}'."
                                    f"{did_you_mean(k, list(model.spec.inputs))} "
                                    f"Inputs: {', '.join(model.spec.inputs) or 'none'}"))
        elif k in model.spec.rate_channels:
            problems.append(Problem(f"model '{model.name}', input '{k}' is driven by the rate inputs"))
        else:
            src = check_input(model, k, v, problems)
            if src is not None:
                out[k] = src
    return out


def _check_model(model: Any, where: str) -> None:
    if isinstance(model, type) and issubclass(model, Model):
        raise ParameterError(f"{where}() needs a model instance, got the class {model.__name__}; "
                             f"construct it first, e.g. {model.__name__}(n=10)")
    if not isinstance(model, Model):
        raise ParameterError(f"{where}() needs a neurounits Model instance, got {type(model).__name__}")


def _as_list(what: str, value: Any, cls: type, problems: list[Problem]) -> list[Any]:
    """``value`` as a list of inputs: None is none, one ``cls`` is a list of one."""
    if value is None:
        return []
    if isinstance(value, cls):
        return [value]
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        problems.append(Problem(f"{what} must be a {cls.__name__} or a list of them, got {value!r}"))
        return []
    return list(value)


def make_plan(model: Any, dt: Any, *, duration: Any = None, inputs: Mapping[str, Any] | None = None,
              record: Sequence[str] | str | None = None, method: str | None = None, seed: Any = None,
              initial: Mapping[str, Any] | None = None, record_every: Any = 1,
              spike_inputs: Sequence[Any] | Any = None, rate_inputs: Sequence[Any] | Any = None,
              threads: int | None = None, method_options: Mapping[str, Any] | None = None,
              noise_ids: np.ndarray | None = None, counts: tuple[str, ...] = (),
              uniform: Sequence[str] = (), where: str = "simulate") -> tuple[RunPlan, float, int]:
    """Check every argument of a run (every problem reported at once, before anything compiles)
    and return the plan, with ``duration`` (if given) in ms and as a whole number of steps.

    ``noise_ids`` (int64[n]) key each neuron's random numbers (default: its index); ``counts``
    asks for a count-only kernel (see :func:`~neurounits.simulation.counts.count_run`).
    """
    _check_model(model, where)
    spec = model.spec
    problems: list[Problem] = []
    port_weights: dict[str, np.ndarray] = {}
    spike_inputs = _as_list("spike_inputs", spike_inputs, SpikeInput, problems)
    rate_inputs = _as_list("rate_inputs", rate_inputs, RateInput, problems)
    if threads is not None and not is_count(threads):
        problems.append(Problem(f"threads must be a positive integer (or None: automatic), got {threads!r}"))
    if spec.ports:  # one copy of the port states per input port: the structure depends on the inputs
        spike_inputs, n_ports, port_weights = assign_ports(model, spike_inputs, problems)
        spec = type(model)._spec_for(model.options, n_ports)
    label = f"{where}(model '{model.name}')"
    if duration is not None:
        dur_ms, dt_ms, n_steps = check_times(label, duration, dt, problems)
    else:
        dur_ms, n_steps, dt_ms = 0.0, 0, check_dt(label, dt, problems)
    rec = check_record(spec, record, problems)
    record_every = check_count("record_every", record_every, problems) or 1
    ins = check_inputs(model, inputs or {}, problems)
    events = check_spikes(model, spec, spike_inputs, dt_ms or 1.0, problems)
    rate_arrays(spec, rate_inputs, 1, dt_ms or 1.0, problems, inputs)
    seed = check_seed(spec, seed, problems)
    gids = np.arange(model.n, dtype=np.int64) if noise_ids is None else np.asarray(noise_ids, np.int64)
    try:
        init = model.initial_values(initial, seed=seed, ids=gids if gids.shape == (model.n,) else None)
    except (DimensionError, ParameterError) as exc:
        problems.extend(Problem(p, isinstance(exc, DimensionError)) for p in exc.problems)
        init = {}
    raise_problems(f"cannot simulate model '{model.name}'", problems)
    assert dt_ms is not None
    name, reason = kernels.choose_method(spec, method)
    params = {**model.internal_parameters(), **port_weights}
    for k in spec.states:  # port states start at their declared initial value
        if k not in init:
            init[k] = model.evaluate(spec.initial[k], params)
    options = kernels.check_options(model, name, method_options, dt_ms, params)
    ids = np.arange(model.n, dtype=np.int64) if noise_ids is None else np.asarray(noise_ids, np.int64)
    if ids.shape != (model.n,):
        raise ValueError(f"noise_ids must have one entry per neuron ({model.n}), got shape {ids.shape}")
    uniform = tuple(k for k in spec.parameters if k in uniform and np.all(params[k] == params[k][0]))
    plan = RunPlan(model=model, spec=spec, dt_ms=dt_ms, method=name, method_reason=reason, record=rec,
                   record_every=record_every, params=params, init=init, inputs=ins, events=events,
                   rate_inputs=tuple(rate_inputs or ()), seed=seed, noise_ids=ids, options=options,
                   refsteps=refractory_steps(model, spec, params, dt_ms), threads=threads, counts=counts,
                   uniform=uniform, port_weights=port_weights, method_options=method_options)
    return plan, dur_ms, n_steps
