"""The parameter sets of a sweep (grid, explicit sets, random samples) and the checks of every
argument, all before anything runs or compiles (every problem of a kind in one error)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import integrators
from .. import measures as measures_
from ..equations import Model
from ..errors import EquationError, ParameterError
from ..parameters import Input, Option, Parameter, Problem, check_value
from ..simulation import TimedArray, arguments
from ..units import Q_, as_quantity, fmt_unit

__all__ = ["check_columns", "check_fixed", "check_names", "check_run", "declarations", "noise_seed",
           "parameter_sets", "raise_sweep_problems", "spec_for"]


def raise_sweep_problems(model: str, problems: Sequence[Problem]) -> None:
    """Every problem under ``cannot sweep model '<model>'`` (DimensionError if any is about units)."""
    arguments.raise_problems(f"cannot sweep model '{model}'", problems)


def declarations(model_cls: type[Model]) -> dict[str, Any]:
    """The model's parameters, inputs and options by name (the one place sweeps read the class's
    declarations; the equations layer has no public accessor for them yet)."""
    return {k: v for k, v in model_cls._decl.items() if isinstance(v, Parameter | Input | Option)}


def spec_for(model_cls: type[Model], decl: dict[str, Any], options: dict[str, Any]) -> Any:
    """The model's structure for the given options (checked), without constructing it."""
    chosen = {}
    for k, opt in ((k, v) for k, v in decl.items() if isinstance(v, Option)):
        v = options.get(k, opt.default)
        if v not in opt.choices:
            raise ParameterError(f"model '{model_cls.__name__}', option '{k}': expected one of "
                                 f"{list(opt.choices)}, got {v!r}")
        chosen[k] = v
    return model_cls._spec_for(chosen)


def check_run(model: str, spec: Any, duration: Any, dt: Any, inputs: dict[str, Any], measure: Any,
              record: Sequence[str], record_every: Any, method: str | None):
    """Duration, dt, shared inputs, measures, record and method, checked together before anything
    runs or compiles (every problem listed at once).  Returns duration (ms), dt (ms), the number of
    steps, the inputs as Quantities (TimedArrays kept), the measures as a tuple and ``record``."""
    problems: list[Problem] = []
    dur_ms, dt_ms, n_steps = arguments.check_times(f"simulate(model '{model}')", duration, dt, problems)
    arguments.check_count("record_every", record_every, problems)
    out_inputs = _shared_inputs(model, spec, inputs, problems)
    meas: tuple = ()
    try:
        meas = measures_.check(spec, measure)
    except ParameterError as exc:
        problems.append(Problem(str(exc)))
    record = arguments.check_record(spec, tuple(record), problems)
    if method is not None:
        try:
            integrators.get(method, spec)
        except EquationError as exc:
            problems.append(Problem(str(exc)))
    raise_sweep_problems(model, problems)
    return dur_ms, dt_ms, n_steps, out_inputs, meas, record


def _shared_inputs(model: str, spec: Any, inputs: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """The inputs every set shares, unit-checked (a TimedArray is checked with the sweep's plan)."""
    out = {}
    for k, v in inputs.items():
        if k not in spec.inputs:
            tip = arguments.did_you_mean(k, list(spec.inputs))
            problems.append(Problem(f"model '{model}' has no input '{k}'.{tip} "
                                    f"Inputs: {', '.join(spec.inputs) or 'none'}"))
        elif isinstance(v, TimedArray):
            out[k] = v
        else:
            chk = check_value(f"model '{model}', input '{k}' (shared by every set; sweep a per-set value "
                              "in grid=/sets=/random=)", v, spec.inputs[k], 1)
            problems += chk.problems
            out[k] = chk.quantity
    return out


def noise_seed(model: str, spec: Any, seed: Any) -> int | None:
    """The seed of a noisy model's random numbers: ``seed`` if given, else one drawn from the OS."""
    if not spec.seeded:
        return None
    problems: list[Problem] = []
    out = arguments.check_seed(spec, seed, problems)
    raise_sweep_problems(model, problems)
    return out


def check_names(model: str, decl: dict[str, Any], names: list[str]) -> None:
    """Every name swept or fixed is a parameter or an input of the model (options cannot be swept)."""
    known = [k for k, v in decl.items() if isinstance(v, Parameter | Input)]
    problems = []
    for k in names:
        if isinstance(decl.get(k), Option):
            problems.append(Problem(f"'{k}' is an option (it selects the equations) and cannot be swept; run "
                                    f"one sweep per choice with fixed={{'{k}': ...}}"))
        elif k not in decl:
            tip = arguments.did_you_mean(k, known + [o for o in decl if o not in known])
            problems.append(Problem(f"model '{model}' has no parameter or input '{k}'.{tip} "
                                    f"Parameters and inputs: {', '.join(known)}"))
    raise_sweep_problems(model, problems)


def parameter_sets(model, decl, grid, sets, random, samples, seed, sampling):
    """name -> values (a Quantity array, or a list of raw values), the grid's dimensions, and how the
    values are named in messages ("grid", "set" or "random")."""
    given = [k for k, v in (("grid", grid), ("sets", sets), ("random", random)) if v is not None]
    if len(given) != 1:
        raise ParameterError(f"sweep(model '{model}'): give exactly one of grid=, sets= or random= "
                             f"(got {', '.join(given) or 'none'})")
    if grid is not None:
        return _grid(model, grid), tuple(grid), "grid"
    if sets is not None:
        return _explicit(model, sets), (), "set"
    return _random(model, decl, random, samples, seed, sampling), (), "random"


def _grid(model: str, grid: Mapping[str, Any]) -> dict[str, Any]:
    """Each axis as given (a Quantity array or a list); the product is taken after the unit checks."""
    if not grid:
        raise ParameterError(f"sweep(model '{model}'): the grid is empty; give name -> values")
    axes = {}
    for k, v in grid.items():
        if hasattr(v, "units") and hasattr(v, "magnitude"):
            axis = v.reshape(-1) if np.ndim(v.magnitude) else v.reshape(1)
        else:
            axis = list(v) if isinstance(v, list | tuple) else [v] if isinstance(v, str) or np.ndim(v) == 0 \
                else list(v)
        if len(axis) == 0:
            raise ParameterError(f"sweep(model '{model}'): the grid has no values for '{k}'")
        axes[k] = axis
    return axes


def _explicit(model: str, sets: Sequence[Mapping[str, Any]]) -> dict[str, list]:
    sets = list(sets)
    if not sets:
        raise ParameterError(f"sweep(model '{model}'): sets= is an empty list; give at least one set")
    names = list(sets[0])
    if not names:
        raise ParameterError(f"sweep(model '{model}'): the first set is empty; give name -> value")
    for i, s in enumerate(sets):
        if set(s) != set(names):
            raise ParameterError(f"sweep(model '{model}'): set {i} names {sorted(s)}, set 0 names "
                                 f"{sorted(names)}; every set must name the same parameters (put shared "
                                 "values in fixed=)")
    return {k: [s[k] for s in sets] for k in names}


def _random(model, decl, random, samples, seed, sampling) -> dict[str, Any]:
    if not random:
        raise ParameterError(f"sweep(model '{model}'): random= is empty; give name -> (low, high)")
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise ParameterError(f"sweep(model '{model}'): random= needs samples= a positive integer, "
                             f"got {samples!r}")
    if sampling not in ("uniform", "lhs"):
        raise ParameterError(f"sweep(model '{model}'): sampling must be 'uniform' or 'lhs', got {sampling!r}")
    check_names(model, decl, list(random))
    rng = np.random.default_rng(seed)
    out, problems = {}, []
    for k, rng_k in random.items():
        if not isinstance(rng_k, tuple | list) or len(rng_k) != 2:
            raise ParameterError(f"sweep(model '{model}'): random['{k}'] must be (low, high), got {rng_k!r}")
        unit = decl[k].unit
        lo, hi = (check_value(f"model '{model}', random['{k}'] {w}", v, unit, 1)
                  for w, v in zip(("low", "high"), rng_k))
        problems += lo.problems + hi.problems
        if lo.problems or hi.problems:
            continue
        a, b = float(lo.quantity.magnitude), float(hi.quantity.magnitude)
        if not a <= b:
            problems.append(Problem(f"model '{model}', random['{k}']: low ({a:g}) must not exceed high "
                                    f"({b:g}) {fmt_unit(unit)}"))
            continue
        if sampling == "lhs":
            u = (rng.permutation(samples) + rng.random(samples)) / samples
        else:
            u = rng.random(samples)
        out[k] = Q_(a + (b - a) * u, unit)
    raise_sweep_problems(model, problems)
    return out


def check_fixed(model: str, decl: dict[str, Any], fixed: dict[str, Any]) -> dict[str, Any]:
    """Shared values checked at once (they affect every set): a bad one raises."""
    out, problems = {}, []
    for k, v in fixed.items():
        d = decl[k]
        pos = d.is_positive(k) if isinstance(d, Parameter) else False
        chk = check_value(f"model '{model}', fixed '{k}'", v, d.unit, 1, positive=pos,
                          nonnegative=getattr(d, "nonnegative", False))
        problems += chk.problems
        out[k] = chk.quantity
    raise_sweep_problems(model, problems)
    return out


def _as_given(mags: list[np.ndarray], given: list[Any], unit: Any) -> tuple[np.ndarray, Any]:
    """A column's values in the unit the user gave them in, exactly as given (so that a grid value of
    0.2 nA stays 0.2 nA, not 200.00000000000003 pA), when every value came in the same unit; else in
    the declared ``unit``.  The model converts them when it is constructed, as any value."""
    units = {q.units for q in given}
    if len(units) == 1 and mags:
        (u,) = units
        if u != unit:
            return np.concatenate([np.atleast_1d(np.asarray(q.magnitude, float)) for q in given]), u
    return (np.concatenate(mags) if mags else np.zeros(0)), unit


def check_columns(model: str, decl: dict[str, Any], values: dict[str, Any], kind: str) -> dict[str, tuple]:
    """name -> (float magnitudes, unit) per set; every wrong unit raises together.  The unit is the one
    the values were given in when they share one (see :func:`_as_given`), else the declared one.

    A Quantity array is checked at once; a list value by value.  Grid axes are checked before the
    cartesian product is taken (the last name varying fastest).
    """
    out, problems = {}, []
    for k, vals in values.items():
        unit, is_input = decl[k].unit, isinstance(decl[k], Input)
        if hasattr(vals, "units"):
            items = [(f"model '{model}', {kind}['{k}']", vals)]
        else:
            label = (lambda i, k=k: f"model '{model}', '{k}' of set {i}") if kind == "set" else \
                (lambda i, k=k: f"model '{model}', {kind}['{k}'][{i}]")
            items = [(label(i), v) for i, v in enumerate(vals)]
        mags, given = [], []
        for where, v in items:
            chk = check_value(where, v, unit, None)
            if chk.quantity is None or (is_input and chk.problems):  # NaN inputs are refused here
                problems += chk.problems
                continue
            mags.append(np.atleast_1d(np.asarray(chk.quantity.magnitude, float)))
            given.append(as_quantity(v))
        out[k] = _as_given(mags, given, unit)
    dims = [p for p in problems if p.dimension]
    raise_sweep_problems(model, dims or problems)
    if kind == "grid":
        mesh = np.meshgrid(*[m for m, _ in out.values()], indexing="ij")
        out = {k: (g.ravel().copy(), u) for (k, (_, u)), g in zip(out.items(), mesh)}
    return out
