"""Chunks of parameter sets: one model construction and one kernel call per chunk.

The run's arguments are checked once per sweep, into a plan for a model of one set
(:func:`sweep_plan`); a chunk derives its plan from it with :meth:`RunPlan.with_model` (its
parameter values, swept inputs and noise keys) and runs it for the sweep's number of steps, so
no chunk parses or checks dt, duration, inputs or what is recorded again.  A set the model
refuses, or that blows up, is taken out and the rest run again: no valid set is lost.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import measures as measures_
from ..equations import Model
from ..errors import ParameterError, SimulationError
from ..simulation import RunPlan, Simulation, counts, make_plan
from ..units import Q_, DimensionError

__all__ = ["Settings", "construct", "count_times", "make_chunks", "measure", "run_chunk", "split",
           "sweep_plan"]


@dataclass(frozen=True)
class Settings:
    """What a worker needs to run a chunk (pickles: the class by reference, the rest as values).

    ``duration``, ``dt``, ``inputs``, ``record``, ``record_every`` and ``method`` are the sweep's
    definition as checked (they name its checkpoint); ``plan``, ``n_steps`` and ``dur_ms`` are what
    chunks run (``plan`` is None when no set can be constructed).
    """

    model_cls: type
    fixed: dict[str, Any]
    duration: Any
    dt: Any
    inputs: Mapping[str, Any]
    measures: tuple
    record: tuple[str, ...]
    record_every: int
    method: str | None
    threads: int = 1  # threads of one chunk's kernel calls (count-only chunks of the threads backend)
    swept: tuple[str, ...] = ()  # the names that vary between sets
    swept_inputs: tuple[str, ...] = ()  # those of them that are inputs
    noise_seed: int | None = None  # white noise: the seed; set i's numbers are keyed by i
    plan: RunPlan | None = None
    n_steps: int = 0
    dur_ms: float = 0.0


def split(run: Settings, columns: dict[str, tuple], pos: np.ndarray):
    """Model values and swept inputs of the sets at positions ``pos`` of ``columns``."""
    params, ins = dict(run.fixed), {}
    for k, (mags, unit) in columns.items():
        q = Q_(mags[pos], unit)
        if k in run.swept_inputs:
            ins[k] = q
        else:
            params[k] = q
    return params, ins


def construct(run: Settings, columns: dict[str, tuple], ids: np.ndarray):
    """Construct the model for the sets ``ids``; bisect to find every set the model refuses.

    Returns (good ids, failed [(set, values, error)], the model of all of ``ids`` if none failed).
    """
    params, _ = split(run, columns, ids)
    try:
        return ids, [], run.model_cls(n=ids.size, **params)
    except (ParameterError, DimensionError) as exc:
        if ids.size == 1:
            values = {k: Q_(float(columns[k][0][ids[0]]), columns[k][1]) for k in columns}
            return np.zeros(0, int), [(int(ids[0]), values, exc)], None
    half = ids.size // 2
    g1, f1, _ = construct(run, columns, ids[:half])
    g2, f2, _ = construct(run, columns, ids[half:])
    return np.concatenate([g1, g2]), f1 + f2, None


def sweep_plan(run: Settings, columns: dict[str, tuple], set_id: int) -> RunPlan:
    """The run's plan, checked once per sweep, for a model of the one set ``set_id`` (a set that
    constructs); chunks derive theirs with :meth:`RunPlan.with_model`.  With a count-only kernel,
    the values every set shares (not swept) are read once by the kernel."""
    pos = np.array([set_id])
    params, ins = split(run, columns, pos)
    model = run.model_cls(n=1, **params)
    if measures_.countable(run.measures):
        record, kinds = measures_.needs(run.measures), ("count", *count_times(run.measures))
        shared = tuple(k for k in model.spec.parameters if k not in run.swept)
    else:
        record, kinds, shared = run.record, (), ()
    plan, _, _ = make_plan(model, run.dt, inputs={**run.inputs, **ins}, record=record, method=run.method,
                           record_every=run.record_every, threads=run.threads, seed=run.noise_seed,
                           noise_ids=pos, counts=kinds, uniform=shared, where="sweep")
    return plan


def make_chunks(ids: np.ndarray, workers: int | None, chunk_size: int | None,
                count_only: bool = False) -> list[np.ndarray]:
    """Sets per chunk: about 4 chunks per worker (at most 4096 sets), or with a count-only kernel
    (which needs no memory per step) one chunk per worker, at most 16384 sets: each chunk costs a
    few milliseconds of Python (model construction, checks), and the kernel runs a big chunk in
    cache-sized blocks anyway."""
    if ids.size == 0:
        return []
    workers = workers or os.cpu_count() or 1
    if chunk_size is None and count_only:
        chunk_size = min(16384, max(1, math.ceil(ids.size / workers)))
    elif chunk_size is None:
        chunk_size = min(4096, max(1, math.ceil(ids.size / (4 * workers))))
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer) or chunk_size < 1:
        raise ParameterError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    return [ids[i:i + chunk_size] for i in range(0, ids.size, chunk_size)]


def run_chunk(run: Settings, columns: dict[str, tuple], ids: np.ndarray, model: Model | None = None):
    """Simulate the sets ``ids`` (``columns`` holds their values, in the same order) as one population
    (``model``, if given, is its model already constructed); a set that blows up is taken out and the
    rest run again, so no valid set is lost.

    Returns (ids that ran, measures name -> (values, unit), failed [(set, error)]).
    """
    failed: list[tuple[int, Exception]] = []
    pos = np.arange(ids.size)
    while pos.size:
        params, ins = split(run, columns, pos)
        if model is None or model.n != pos.size:
            model = run.model_cls(n=pos.size, **params)
        if run.plan is None:
            raise RuntimeError("internal error: a sweep chunk ran before the sweep's plan was made")
        try:
            meas = measure(run, run.plan.with_model(model, inputs=ins, noise_ids=ids[pos]))
        except SimulationError as exc:
            bad = exc.neuron if exc.neuron is not None and 0 <= exc.neuron < pos.size else None
            if bad is None and pos.size > 1:  # no neuron named: bisect
                half = pos.size // 2
                a, b = (run_chunk(run, {k: (m[p], u) for k, (m, u) in columns.items()}, ids[p])
                        for p in (pos[:half], pos[half:]))
                return _merge_two(a, b, failed)
            bad = 0 if bad is None else bad
            set_id = int(ids[pos[bad]])
            failed.append((set_id, SimulationError(
                f"parameter set {set_id}: {exc.msg}", problems=exc.problems, variable=exc.variable,
                neuron=set_id, time=exc.time)))
            pos = np.delete(pos, bad)
            continue
        return ids[pos], meas, failed
    return ids[pos], {}, failed


def measure(run: Settings, plan: RunPlan) -> dict[str, tuple]:
    """The measures of one chunk's population, run for the sweep's steps: by a count-only kernel
    (accumulators, no spike list or traces) when every measure is a name, else by a Simulation and
    the measure functions.  With white noise, set i draws the numbers of neuron i of one big
    population, so values do not depend on chunks, workers or backend."""
    if plan.counts:
        acc = counts.count_plan(plan, run.n_steps, run.dur_ms)
        return measures_.evaluate_counts(run.measures, acc)
    sim = Simulation.from_plan(plan)
    sim.advance(run.n_steps)
    return measures_.evaluate(run.measures, sim.results)


def _merge_two(a, b, failed):
    ids = np.concatenate([a[0], b[0]])
    names = a[1] or b[1]
    meas = {k: (np.concatenate([x[1][k][0] for x in (a, b) if x[1]]), names[k][1]) for k in names}
    return ids, meas, failed + a[2] + b[2]


def count_times(measures: Sequence[Any]) -> tuple[str, ...]:
    """The spike times a count-only kernel must keep for ``measures``."""
    return tuple(k for k in ("first", "last") if f"{k}_spike_time" in measures)
