"""``sweep``: many parameter sets of one model, unit-checked first, run as populations in chunks.

Every parameter set becomes one neuron of a population with per-neuron parameter arrays: a chunk
of sets is one model construction and one kernel call.  Chunks run on all cores, in threads or in
worker processes, or on a Dask cluster; finished chunks can be written to a checkpoint folder and
a rerun computes only the missing ones.  A set whose values the model refuses (a constraint such
as ``c < V_th``, a negative time constant) or that blows up numerically lands in
:attr:`Sweep.failed` with its error; every other set still runs.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import pickle
import secrets
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from . import integrators as _integrators
from . import measures as _measures
from .equations import Model
from .errors import EquationError, ParameterError, SimulationError, format_problems
from .parameters import Input, Option, Parameter, Problem, check_value
from .simulation import TimedArray, count_run, kernels, simulate
from .simulation import checks as _checks
from .units import Q_, DimensionError, fmt_unit

__all__ = ["Sweep", "fi_curve", "sweep"]

_BACKENDS = ("threads", "processes", "dask")
_DASK_RESUBMITS = 3  # times a chunk is resubmitted after the workers running it died


@dataclass
class Sweep:
    """The outcome of :func:`sweep`.

    Attributes
    ----------
    columns : dict
        Column name -> float array over the sets that ran, in set order: first the swept
        parameters (and inputs), then the measures.
    units : dict
        Column name -> unit text (``""`` for dimensionless), e.g. ``{"a": "1/ms", "rate": "Hz"}``.
    index : ndarray of int
        The number of each set that ran (its position in the grid, list or sample).
    failed : list of (dict, Exception)
        The sets that did not run, as parameter name -> Quantity, with the error that stopped them.
    dims : tuple of str
        The grid's dimensions, in order (empty for ``sets=`` and random samples).
    noise_seed : int or None
        For a model with white noise: the seed of its random numbers (``seed=``, or drawn when
        None), so that the sweep can be repeated exactly; None for a deterministic model.
    """

    model: str
    columns: dict[str, np.ndarray]
    units: dict[str, str]
    index: np.ndarray
    failed: list[tuple[dict[str, Any], Exception]] = field(default_factory=list)
    dims: tuple[str, ...] = ()
    n_sets: int = 0
    noise_seed: int | None = None

    @property
    def table(self) -> Any:
        """A pandas DataFrame, one row per set that ran (index ``set``), one column per parameter and
        measure; each column's unit is in ``table.attrs["units"]``."""
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("Sweep.table needs pandas: pip install 'neurounits[sweep]' "
                              "(or use Sweep.columns / sw['rate'], which need nothing more)") from exc
        df = pd.DataFrame(self.columns, index=pd.Index(self.index, name="set"))
        df.attrs["units"] = dict(self.units)
        return df

    def __getitem__(self, name: str) -> Any:
        """A column as a Quantity, e.g. ``sw["rate"]`` in Hz."""
        if name not in self.columns:
            close = difflib.get_close_matches(name, list(self.columns), n=1)
            tip = f" Did you mean '{close[0]}'?" if close else ""
            raise KeyError(f"the sweep has no column '{name}'.{tip} Columns: {', '.join(self.columns)}")
        return Q_(self.columns[name], self.units[name] or "")

    def to_xarray(self) -> Any:
        """A Dataset over the grid's dimensions (sets that failed are NaN); units in ``.attrs["units"]``
        of each variable.  Needs xarray; for ``sets=`` and random samples the dimension is ``set``."""
        try:
            import xarray  # noqa: F401
        except ImportError as exc:
            raise ImportError("Sweep.to_xarray() needs xarray: pip install xarray "
                              "(Sweep.table needs only pandas)") from exc
        df = self.table
        ds = (df.set_index(list(self.dims)) if self.dims else df).to_xarray()
        for k in ds.variables:
            if k in self.units:
                ds[k].attrs["units"] = self.units[k]
        return ds

    def __repr__(self) -> str:
        return (f"<Sweep {self.model}: {self.n_sets} sets, {self.index.size} ran, {len(self.failed)} failed, "
                f"columns {list(self.columns)}>")


def sweep(
    model_cls: type[Model],
    grid: Mapping[str, Any] | None = None,
    *,
    sets: Sequence[Mapping[str, Any]] | None = None,
    random: Mapping[str, tuple[Any, Any]] | None = None,
    samples: int | None = None,
    seed: int | None = None,
    sampling: str = "uniform",
    fixed: Mapping[str, Any] | None = None,
    duration: Any = "1 s",
    dt: Any = "0.1 ms",
    inputs: Mapping[str, Any] | None = None,
    measure: Sequence[Any] | str | Callable = ("spike_count", "rate"),
    record: Sequence[str] = (),
    record_every: int = 1,
    backend: str = "threads",
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
    method: str | None = None,
    client: Any = None,
    checkpoint: str | os.PathLike | None = None,
) -> Sweep:
    """Run many parameter sets of one model and measure each; return a table with units.

    Parameters
    ----------
    model_cls : type
        A model class, e.g. ``nu.models.Izhikevich`` (not an instance).
    grid : dict, optional
        Parameter or input name -> values (a Quantity array, or a list of strings/Quantities); the
        sweep runs the cartesian product, the last name varying fastest.
    sets : list of dict, optional
        Explicit parameter sets, each name -> value (the same names in every set).
    random : dict, optional
        Name -> ``(low, high)`` Quantities; ``samples`` sets drawn with ``seed``, uniformly
        (``sampling="uniform"``) or as a Latin hypercube (``sampling="lhs"``).
    seed : int, optional
        Seed of the random samples (``random=``) and, for a model with white noise (``xi``), of its
        random numbers: set i gets the numbers neuron i would get in one ``simulate`` of all the
        sets as a population with this seed, whatever the chunks, workers or backend (drawn from
        the OS when None, and kept in ``Sweep.noise_seed``).
    fixed : dict, optional
        Values (and options such as ``spk_reset``) shared by every set; the rest keep the defaults.
    duration, dt, inputs, method, record_every
        As for :func:`~neurounits.simulate`; ``inputs`` are shared by every set (a swept input is
        given in ``grid``/``sets``/``random`` instead and becomes a per-neuron input).
    measure : sequence
        Names (``"spike_count"``, ``"rate"``, ``"first_spike_time"``, ``"last_spike_time"``,
        ``"mean_V"``, ...) and/or functions ``results -> {name: per-neuron Quantity}``; see
        :mod:`neurounits.measures`.  ``mean_<name>`` averages that variable over the samples taken
        every ``record_every`` steps.  When every measure is a name, chunks run a count-only kernel
        (per-neuron accumulators, no spike list, no traces: same values, faster); a function gets
        the full :class:`~neurounits.Results` of its chunk.
    record : sequence of str
        Extra variables to record for measure functions.
    backend : {"threads", "processes", "dask"}
        Chunks in threads (the kernels release the GIL), in worker processes (spawned: the model
        class, the measure functions and the values must pickle, so define them in an importable
        module, not in ``__main__`` or a notebook), or as tasks of a ``dask.distributed`` cluster
        (each task carries the generated kernel's source and hash; a worker writes it into its
        kernel cache and imports it once, and never generates code; a model class the workers
        cannot import goes by value through cloudpickle).  All give identical tables.
    client : dask.distributed.Client, optional
        With ``backend="dask"``: the cluster to use, as is.  By default a ``LocalCluster`` on
        127.0.0.1 (``workers`` processes, default 2, one thread each) is started and closed at
        the end.  A chunk whose worker dies is run again on another worker.
    workers, chunk_size : int, optional
        Parallel chunks (default: the number of cores) and sets per chunk (default: the sets
        split into about 4 chunks per worker, at most 4096).  With a count-only kernel the default
        is one chunk (at most 16384 sets per worker) whose cache-sized blocks of sets run on
        ``workers`` threads (``backend="threads"``), or one chunk per worker (``"processes"``).
    checkpoint : str or path, optional
        A folder where every finished chunk is written (``<hash>/chunk-*.npz``, the hash being that
        of the sweep's definition: model, structure, values, duration, dt, inputs, measures).  A
        sweep called again with the same definition and folder loads the finished chunks and runs
        only the sets none of them covers (after an interruption, say), whatever its chunk size,
        number of workers or backend.
    progress : bool
        Show a tqdm progress bar (if tqdm is installed).

    Raises
    ------
    DimensionError
        A value in the wrong unit (every such value is listed), before anything runs.
    ParameterError
        Unknown names (with a did-you-mean), an empty grid, bad settings or shared values.
        Duration, dt, shared inputs, measures, ``record``, ``record_every`` and ``method`` are
        checked together, every problem in one error, before anything compiles.

    Examples
    --------
    >>> import neurounits as nu
    >>> from neurounits import Q_
    >>> sw = nu.sweep(nu.models.Izhikevich, grid={"d": Q_([2.0, 8.0], "mV/ms")},
    ...               duration="200 ms", inputs={"I": "10 mV/ms"}, measure=("rate",))
    >>> sw.units["rate"], len(sw.index)
    ('Hz', 2)
    """
    if not (isinstance(model_cls, type) and issubclass(model_cls, Model)):
        raise ParameterError(f"sweep() needs a model class such as nu.models.LIF, got {model_cls!r}")
    decl = _declarations(model_cls)
    fixed = dict(fixed or {})
    options = {k: fixed.pop(k) for k in list(fixed) if isinstance(decl.get(k), Option)}
    spec = _spec(model_cls, decl, options)
    values, dims, kind = _sets(model_cls.__name__, decl, grid, sets, random, samples, seed, sampling)
    _check_names(model_cls.__name__, decl, list(values) + list(fixed))
    fixed = _check_fixed(model_cls.__name__, decl, fixed)
    inputs = dict(inputs or {})
    inputs.update({k: fixed.pop(k) for k in list(fixed) if isinstance(decl[k], Input)})
    both = sorted(set(values) & set(inputs))
    if both:
        raise ParameterError(f"sweep(model '{model_cls.__name__}'): {both} swept and also given in "
                             "inputs=/fixed=; give each value in one place")
    columns = _check_columns(model_cls.__name__, decl, values, kind)
    duration, dt, inputs, meas = _check_run(model_cls.__name__, spec, values, duration, dt, inputs, measure,
                                            record, record_every, method)
    if backend not in _BACKENDS:
        raise ParameterError(f"unknown backend {backend!r}; use one of {list(_BACKENDS)}")
    if client is not None and backend != "dask":
        raise ParameterError(f"client= is for backend='dask', not backend={backend!r}")
    noise_seed = _noise_seed(model_cls.__name__, spec, seed)
    run = _Settings(model_cls, {**fixed, **options}, duration, dt, inputs, meas,
                    tuple(dict.fromkeys((*record, *_measures.needs(meas)))), record_every, method,
                    swept=tuple(values), noise_seed=noise_seed)
    n = next(iter(columns.values()))[0].size
    good, failed, whole = _construct(run, columns, np.arange(n))
    counts = _measures.countable(meas)
    if counts and backend == "threads" and chunk_size is None:
        # one chunk (at most 16384 sets per thread) whose cache-sized blocks of sets run on `workers`
        # threads: one model construction and one set of checks for the whole sweep
        threads = max(1, workers or os.cpu_count() or 1)
        run = replace(run, threads=threads)
        chunks = _chunks(good, 1, min(16384 * threads, max(1, good.size)))
    else:
        chunks = _chunks(good, workers if backend != "dask" else workers or 2, chunk_size,
                         counts and backend != "dask")
    store = None if checkpoint is None else _Checkpoint(checkpoint, run, spec, columns)
    outs = _execute(run, columns, chunks, backend, workers, progress, client, store, spec, whole)
    return replace(_assemble(model_cls.__name__, columns, dims, n, outs, failed), noise_seed=noise_seed)


def _noise_seed(model: str, spec: Any, seed: Any) -> int | None:
    """The seed of a noisy model's random numbers: ``seed`` if given, else one drawn from the OS."""
    if not spec.noise:
        return None
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) < 2**64:
        raise ParameterError(f"sweep(model '{model}'): seed must be None or an integer in [0, 2**64), "
                             f"got {seed!r}")
    return int(seed)


def fi_curve(model_cls: type[Model], currents: Any, *, input: str = "I", duration: Any = "1 s",
             dt: Any = "0.1 ms", fixed: Mapping[str, Any] | None = None, **kwargs: Any) -> Sweep:
    """The f–I curve: the firing rate (Hz) for each value of an input, one neuron per value.

    A sweep over the input ``input`` with per-neuron input values; ``sw[input]`` and
    ``sw["rate"]`` give the curve.  Other keywords go to :func:`sweep`.

    Examples
    --------
    >>> import neurounits as nu
    >>> from neurounits import Q_
    >>> fi = nu.fi_curve(nu.models.LIF, Q_([0.1, 0.3], "nA"), duration="200 ms")
    >>> fi["rate"].units
    <Unit('hertz')>
    """
    kwargs.setdefault("measure", ("rate",))
    return sweep(model_cls, grid={input: currents}, fixed=fixed, duration=duration, dt=dt, **kwargs)


# ---------------------------------------------------------------------------------- parameter sets
def _declarations(model_cls: type[Model]) -> dict[str, Any]:
    return {k: v for k, v in model_cls._decl.items() if isinstance(v, Parameter | Input | Option)}


def _spec(model_cls: type[Model], decl: dict[str, Any], options: dict[str, Any]) -> Any:
    """The model's structure for the given options (checked), without constructing it."""
    chosen = {}
    for k, opt in ((k, v) for k, v in decl.items() if isinstance(v, Option)):
        v = options.get(k, opt.default)
        if v not in opt.choices:
            raise ParameterError(f"model '{model_cls.__name__}', option '{k}': expected one of "
                                 f"{list(opt.choices)}, got {v!r}")
        chosen[k] = v
    return model_cls._spec_for(chosen)


def _check_run(model: str, spec: Any, swept: Mapping[str, Any], duration: Any, dt: Any,
               inputs: dict[str, Any], measure: Any, record: Sequence[str], record_every: Any,
               method: str | None):
    """Duration, dt, shared inputs, measures, record and method, checked together before anything
    runs or compiles (every problem listed at once).  Returns duration and dt as Quantities in ms, the
    inputs as Quantities (TimedArrays kept) and the measures as a tuple."""
    problems: list[Problem] = []
    dur_ms, dt_ms, _ = _checks.check_times(f"simulate(model '{model}')", duration, dt, problems)
    _checks.check_count("record_every", record_every, problems)
    out_inputs = {}
    for k, v in inputs.items():
        if k not in spec.inputs:
            close = difflib.get_close_matches(k, list(spec.inputs), n=1)
            tip = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(Problem(f"model '{model}' has no input '{k}'.{tip} "
                                    f"Inputs: {', '.join(spec.inputs) or 'none'}"))
        elif isinstance(v, TimedArray):
            out_inputs[k] = v  # checked with the first chunk (simulate's own checks)
        else:
            chk = check_value(f"model '{model}', input '{k}' (shared by every set; sweep a per-set value "
                              "in grid=/sets=/random=)", v, spec.inputs[k], 1)
            problems += chk.problems
            out_inputs[k] = chk.quantity
    meas: tuple = ()
    try:
        meas = _measures.check(spec, measure)
    except ParameterError as exc:
        problems.append(Problem(str(exc)))
    recordable = spec.recordable()
    for k in record:
        if k not in recordable:
            close = difflib.get_close_matches(k, list(recordable), n=1)
            tip = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(Problem(f"model '{spec.name}' has nothing called '{k}' to record.{tip} "
                                    f"Recordable: {', '.join(recordable)}"))
    if method is not None:
        try:
            _integrators.get(method, spec)
        except EquationError as exc:
            problems.append(Problem(str(exc)))
    _raise(model, problems)
    return Q_(dur_ms, _checks.MS), Q_(dt_ms or 1.0, _checks.MS), out_inputs, meas


def _check_names(model: str, decl: dict[str, Any], names: list[str]) -> None:
    known = [k for k, v in decl.items() if isinstance(v, Parameter | Input)]
    problems = []
    for k in names:
        if isinstance(decl.get(k), Option):
            problems.append(f"'{k}' is an option (it selects the equations) and cannot be swept; run one "
                            f"sweep per choice with fixed={{'{k}': ...}}")
        elif k not in decl:
            close = difflib.get_close_matches(k, known + [o for o in decl if o not in known], n=1)
            tip = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(f"model '{model}' has no parameter or input '{k}'.{tip} "
                            f"Parameters and inputs: {', '.join(known)}")
    if problems:
        raise ParameterError(format_problems(f"cannot sweep model '{model}'", problems),
                             problems=tuple(problems))


def _sets(model, decl, grid, sets, random, samples, seed, sampling):
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
            axis = [v] if isinstance(v, str) or np.ndim(v) == 0 else list(v)
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
    _check_names(model, decl, list(random))
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
            problems.append(_p(f"model '{model}', random['{k}']: low ({a:g}) must not exceed high ({b:g}) "
                               f"{fmt_unit(unit)}"))
            continue
        if sampling == "lhs":
            u = (rng.permutation(samples) + rng.random(samples)) / samples
        else:
            u = rng.random(samples)
        out[k] = Q_(a + (b - a) * u, unit)
    _raise(model, problems)
    return out


def _p(msg: str) -> Problem:
    return Problem(msg)


def _raise(model: str, problems: list) -> None:
    if not problems:
        return
    msgs = tuple(p.message for p in problems)
    header = f"cannot sweep model '{model}'"
    if any(p.dimension for p in problems):
        raise DimensionError(format_problems(header, msgs), problems=msgs)
    raise ParameterError(format_problems(header, msgs), problems=msgs)


def _check_fixed(model: str, decl: dict[str, Any], fixed: dict[str, Any]) -> dict[str, Any]:
    """Shared values checked at once (they affect every set): a bad one raises."""
    out, problems = {}, []
    for k, v in fixed.items():
        d = decl[k]
        pos = d.is_positive(k) if isinstance(d, Parameter) else False
        chk = check_value(f"model '{model}', fixed '{k}'", v, d.unit, 1, positive=pos,
                          nonnegative=getattr(d, "nonnegative", False))
        problems += chk.problems
        out[k] = chk.quantity
    _raise(model, problems)
    return out


def _check_columns(model: str, decl: dict[str, Any], values: dict[str, Any], kind: str) -> dict[str, tuple]:
    """name -> (float magnitudes in the declared unit, unit) per set; every wrong unit raises together.

    A Quantity array is checked at once; a list value by value.  Grid axes are checked before the
    cartesian product is taken (the last name varying fastest).
    """
    out, problems = {}, []
    for k, vals in values.items():
        unit, is_input = decl[k].unit, isinstance(decl[k], Input)
        if hasattr(vals, "units"):
            items = [(f"model '{model}', {kind}['{k}']", vals)]
        else:
            where = (lambda i, k=k: f"model '{model}', '{k}' of set {i}") if kind == "set" else \
                (lambda i, k=k: f"model '{model}', {kind}['{k}'][{i}]")
            items = [(where(i), v) for i, v in enumerate(vals)]
        mags = []
        for where, v in items:
            chk = check_value(where, v, unit, None)
            if chk.quantity is None or (is_input and chk.problems):  # NaN inputs are refused here
                problems += chk.problems
                continue
            mags.append(np.atleast_1d(np.asarray(chk.quantity.magnitude, float)))
        out[k] = (np.concatenate(mags) if mags else np.zeros(0), unit)
    dims = [p for p in problems if p.dimension]
    _raise(model, dims or problems)
    if kind == "grid":
        mesh = np.meshgrid(*[m for m, _ in out.values()], indexing="ij")
        out = {k: (g.ravel().copy(), u) for (k, (_, u)), g in zip(out.items(), mesh)}
    return out


# ---------------------------------------------------------------------------------- running
@dataclass(frozen=True)
class _Settings:
    """What a worker needs to run a chunk (pickles: the class by reference, the rest as values)."""

    model_cls: type
    fixed: dict[str, Any]
    duration: Any
    dt: Any
    inputs: dict[str, Any]
    measures: tuple
    record: tuple[str, ...]
    record_every: int
    method: str | None
    threads: int = 1  # threads of one chunk's kernel calls (count-only chunks of the threads backend)
    swept: tuple[str, ...] = ()  # the names that vary between sets
    noise_seed: int | None = None  # white noise: the seed; set i's numbers are keyed by i


def _split(run: _Settings, columns: dict[str, tuple], pos: np.ndarray):
    """Model values and inputs of the sets at positions ``pos`` of ``columns``."""
    params, ins = dict(run.fixed), dict(run.inputs)
    for k, (mags, unit) in columns.items():
        q = Q_(mags[pos], unit)
        if isinstance(run.model_cls._decl[k], Input):
            ins[k] = q
        else:
            params[k] = q
    return params, ins


def _construct(run: _Settings, columns: dict[str, tuple], ids: np.ndarray):
    """Construct the model for the sets ``ids``; bisect to find every set the model refuses.

    Returns (good ids, failed, the model of all of ``ids`` if none failed, else None).
    """
    params, _ = _split(run, columns, ids)
    try:
        return ids, [], run.model_cls(n=ids.size, **params)
    except (ParameterError, DimensionError) as exc:
        if ids.size == 1:
            values = {k: Q_(float(columns[k][0][ids[0]]), columns[k][1]) for k in columns}
            return np.zeros(0, int), [(int(ids[0]), values, exc)], None
    half = ids.size // 2
    g1, f1, _ = _construct(run, columns, ids[:half])
    g2, f2, _ = _construct(run, columns, ids[half:])
    return np.concatenate([g1, g2]), f1 + f2, None


def _chunks(ids: np.ndarray, workers: int | None, chunk_size: int | None,
            counts: bool = False) -> list[np.ndarray]:
    """Sets per chunk: about 4 chunks per worker (at most 4096 sets), or with a count-only kernel
    (which needs no memory per step) one chunk per worker, at most 16384 sets: each chunk costs a
    few milliseconds of Python (model construction, checks), and the kernel runs a big chunk in
    cache-sized blocks anyway."""
    if ids.size == 0:
        return []
    workers = workers or os.cpu_count() or 1
    if chunk_size is None and counts:
        chunk_size = min(16384, max(1, math.ceil(ids.size / workers)))
    elif chunk_size is None:
        chunk_size = min(4096, max(1, math.ceil(ids.size / (4 * workers))))
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer) or chunk_size < 1:
        raise ParameterError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    return [ids[i:i + chunk_size] for i in range(0, ids.size, chunk_size)]


def _run_chunk(run: _Settings, columns: dict[str, tuple], ids: np.ndarray, model: Model | None = None):
    """Simulate the sets ``ids`` (``columns`` holds their values, in the same order) as one population
    (``model``, if given, is its model already constructed); a set that blows up is taken out and the
    rest run again, so no valid set is lost.

    Returns (ids that ran, measures name -> (values, unit), failed [(set, error)]).
    """
    failed: list[tuple[int, Exception]] = []
    pos = np.arange(ids.size)
    while pos.size:
        params, ins = _split(run, columns, pos)
        if model is None or model.n != pos.size:
            model = run.model_cls(n=pos.size, **params)
        try:
            meas = _simulate_and_measure(run, model, ins, ids[pos])
        except SimulationError as exc:
            bad = exc.neuron if exc.neuron is not None and 0 <= exc.neuron < pos.size else None
            if bad is None and pos.size > 1:  # no neuron named: bisect
                half = pos.size // 2
                parts = [_run_chunk(run, {k: (m[p], u) for k, (m, u) in columns.items()}, ids[p])
                         for p in (pos[:half], pos[half:])]
                a, b = parts
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


def _simulate_and_measure(run: _Settings, model: Model, ins: dict[str, Any],
                          ids: np.ndarray) -> dict[str, tuple]:
    """The measures of one population (the sets ``ids``): by a count-only kernel (accumulators, no
    spike list or traces) when every measure is a name, else by ``simulate`` and the measure
    functions.  With white noise, set i draws the numbers of neuron i of one big population, so
    values do not depend on chunks, workers or backend."""
    if _measures.countable(run.measures):
        acc = count_run(model, run.duration, run.dt, inputs=ins, means=_measures.needs(run.measures),
                               method=run.method, record_every=run.record_every, threads=run.threads,
                               times=_count_times(run.measures), uniform=_uniform(model.spec, run),
                               seed=run.noise_seed, noise_ids=ids)
        return _measures.evaluate_counts(run.measures, acc)
    res = simulate(model, run.duration, run.dt, inputs=ins, record=run.record, method=run.method,
                    record_every=run.record_every, threads=1, seed=run.noise_seed, noise_ids=ids)
    return _measures.evaluate(run.measures, res)


def _merge_two(a, b, failed):
    ids = np.concatenate([a[0], b[0]])
    names = a[1] or b[1]
    meas = {k: (np.concatenate([x[1][k][0] for x in (a, b) if x[1]]), names[k][1]) for k in names}
    return ids, meas, failed + a[2] + b[2]


def _uniform(spec: Any, run: _Settings) -> tuple[str, ...]:
    """The parameters every set shares (not swept), in the model's order: read once by the kernel."""
    return tuple(k for k in spec.parameters if k not in run.swept)


def _count_times(measures: Sequence[Any]) -> tuple[str, ...]:
    """The spike times a count-only kernel must keep for ``measures``."""
    return tuple(k for k in ("first", "last") if f"{k}_spike_time" in measures)


def _kernels(run: _Settings, spec: Any, columns: dict[str, tuple], sizes: set[int]) -> list[tuple]:
    """(cache key, source, sha256 of the source) of every kernel the chunks will use (what a Dask worker
    would otherwise generate itself): as ``simulate``/``count_run`` choose it for this sweep."""
    method, _ = kernels.choose_method(spec, run.method)
    control = {**kernels.DEFAULT_OPTIONS, **run.model_cls.integrator_options}["control"]
    uniform: tuple[str, ...] = ()
    if _measures.countable(run.measures):
        rec, counts = _measures.needs(run.measures), ("count", *_count_times(run.measures))
        uniform = _uniform(spec, run)
    else:
        rec, counts = run.record, ()
    swept = tuple(k for k in spec.inputs if k in columns)  # per-neuron inputs, unless a chunk has one set
    variants = {swept if size > 1 else () for size in sizes}
    out = []
    for per_neuron in sorted(variants):
        choice = kernels.KernelChoice(spec, method, rec, per_neuron, control, counts, uniform)
        source = kernels.kernel_source(choice)
        out.append((choice.key(), source, hashlib.sha256(source.encode()).hexdigest()))
    return out


def _install_kernels(kernels_: list[tuple]) -> None:
    """On a worker: write each shipped kernel into the kernel cache and import it (numba compiles it on
    first use, once per worker process, or loads it from its disk cache)."""
    for key, source, digest in kernels_:
        kernels.install(key, source, digest)


def _run_chunk_on_worker(kernels: list[tuple], run: _Settings, columns: dict[str, tuple], ids: np.ndarray):
    """A Dask task: install the shipped kernels (once per worker), then run the chunk."""
    _install_kernels(kernels)
    return _run_chunk(run, columns, ids)


def _execute(run, columns, chunks, backend, workers, progress, client=None, store=None, spec=None,
             whole=None):
    bar = _bar(progress, sum(c.size for c in chunks))
    outs, todo = [], list(chunks)
    if store is not None and chunks:  # finished sets, whatever chunks they were run in
        wanted = np.concatenate(chunks)
        outs, covered = store.load_all(wanted)
        _tick(bar, covered.size)
        rest = wanted[~np.isin(wanted, covered)]
        size = max(c.size for c in chunks)
        todo = [rest[i:i + size] for i in range(0, rest.size, size)]

    def done(c, out):
        if store is not None:
            store.save(c, out)
        outs.append(out)
        _tick(bar, c.size)

    try:
        if not todo:
            return outs
        if backend == "dask":
            _run_dask(run, columns, todo, client, workers, done, spec)
            return outs
        workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        if workers == 1 and backend == "threads":
            for c in todo:
                if whole is not None and c.size == whole.n:  # every set in one chunk: the model is built
                    done(c, _run_chunk(run, _take(columns, c), c, model=whole))
                else:
                    done(c, _run_chunk(run, _take(columns, c), c))
            return outs
        pool = _pool(backend, workers)
        try:
            futures = {pool.submit(_run_chunk, run, _take(columns, c), c): i for i, c in enumerate(todo)}
            for f in as_completed(futures):
                try:
                    out = f.result()
                except BrokenProcessPool as exc:
                    raise RuntimeError(
                        "a sweep worker process died. With backend='processes' the workers are spawned: "
                        "the calling script needs an `if __name__ == \"__main__\":` guard, and the model "
                        "class and measure functions must be importable (not defined in __main__ or a "
                        "notebook); or use backend='threads'") from exc
                done(todo[futures[f]], out)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return outs
    finally:
        if bar is not None:
            bar.close()


def _run_dask(run, columns, todo, client, workers, done, spec) -> None:
    """The chunks ``todo`` as tasks of a dask.distributed cluster; ``done(chunk, out)`` as each ends.

    A task carries the generated kernel's source and hash (each worker writes it into its kernel cache
    and imports it once: workers never generate code, and numba compiles once per worker), the
    settings (the model class by reference, or by value through cloudpickle when it cannot be imported,
    e.g. one made by ``Model.from_equations`` in a script) and the chunk's values.
    A worker that dies makes the scheduler run its tasks elsewhere; a task that has killed too
    many workers (``KilledWorker``) is submitted again, up to ``_DASK_RESUBMITS`` times.
    """
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
        from distributed.scheduler import KilledWorker
    except ImportError as exc:
        raise ImportError("backend='dask' needs dask.distributed: pip install 'neurounits[dask]'") from exc
    cluster = None
    if client is None:
        cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    kernels = _kernels(run, spec, columns, {c.size for c in todo})
    token = os.urandom(6).hex()
    pending: dict[str, tuple[int, int]] = {}
    ac = dask_completed()

    def submit(i: int, attempt: int) -> None:
        c = todo[i]
        f = client.submit(_run_chunk_on_worker, kernels, run, _take(columns, c), c, retries=1, pure=False,
                          key=f"neurounits-sweep-{token}-{i}-{attempt}")
        pending[f.key] = (i, attempt)
        ac.add(f)

    try:
        for i in range(len(todo)):
            submit(i, 0)
        for f in ac:
            i, attempt = pending.pop(f.key)
            if f.status == "error":
                exc = f.exception()
                if isinstance(exc, KilledWorker | OSError) and attempt < _DASK_RESUBMITS:
                    f.release()
                    submit(i, attempt + 1)
                    continue
                f.result()  # raises the chunk's error
            out = f.result()
            f.release()
            done(todo[i], out)
    finally:
        if pending:
            client.cancel(list(pending))
        if cluster is not None:
            client.close()
            cluster.close()


def _take(columns: dict[str, tuple], ids: np.ndarray) -> dict[str, tuple]:
    """The values of the sets ``ids`` only (what a worker needs)."""
    return {k: (mags[ids], unit) for k, (mags, unit) in columns.items()}


def _pool(backend: str, workers: int) -> Executor:
    if backend == "threads":
        return ThreadPoolExecutor(workers)
    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"))


def _bar(progress: bool, total: int):
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="set", desc="sweep")


def _tick(bar, k: int) -> None:
    if bar is not None:
        bar.update(k)


def _assemble(model: str, columns, dims, n: int, outs, failed) -> Sweep:
    ids = np.concatenate([o[0] for o in outs]) if outs else np.zeros(0, int)
    failed = failed + [(i, _set_values(columns, i), e) for o in outs for i, e in o[2]]
    units = {k: _unit_text(u) for k, (_, u) in columns.items()}
    cols = {k: mags[ids] for k, (mags, _) in columns.items()}
    names = next((o[1] for o in outs if o[1]), {})
    for k, (_, u) in names.items():
        if k in cols:
            raise ParameterError(f"the measure '{k}' has the name of a swept parameter; rename the measure")
        cols[k] = np.concatenate([o[1][k][0] for o in outs if o[1]])
        units[k] = _unit_text(u)
    order = np.argsort(ids, kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    failed.sort(key=lambda f: f[0])
    return Sweep(model=model, columns=cols, units=units, index=ids[order].astype(np.int64),
                 failed=[(v, e) for _, v, e in failed], dims=tuple(dims), n_sets=n)


def _set_values(columns, i: int) -> dict[str, Any]:
    return {k: Q_(float(mags[i]), u) for k, (mags, u) in columns.items()}


def _unit_text(u: Any) -> str:
    text = u if isinstance(u, str) else fmt_unit(u)
    return "" if text in ("1", "dimensionless") else text



# ---------------------------------------------------------------------------------- checkpoints
class _Checkpoint:
    """Finished chunks on disk: ``folder/<definition hash>/chunk-<ids hash>.npz`` and a manifest.

    Each file names the sets it covers (their numbers in the sweep); a rerun loads every file and runs
    only the sets no file covers, so it may use another chunk size (or backend) than the first run.

    The definition hash covers the model class, its structure key, every set's values, the shared
    values, duration, dt, inputs, measures and what is recorded; a sweep with another definition
    writes to another subfolder and reuses nothing.
    """

    def __init__(self, folder: str | os.PathLike, run: _Settings, spec: Any, columns: dict[str, tuple]):
        definition = {
            "model": f"{run.model_cls.__module__}.{run.model_cls.__qualname__}", "structure": spec.key,
            "columns": columns, "fixed": run.fixed, "duration": run.duration, "dt": run.dt,
            "inputs": run.inputs, "measures": run.measures, "record": run.record,
            "record_every": run.record_every, "method": run.method, "noise_seed": run.noise_seed,
        }
        h = hashlib.sha256()
        _digest(h, definition)
        self.key = h.hexdigest()[:24]
        self.dir = Path(folder) / self.key
        self.dir.mkdir(parents=True, exist_ok=True)
        self.manifest = self.dir / "manifest.json"
        if not self.manifest.exists():
            _write_atomic(self.manifest, json.dumps({
                "key": self.key, "model": definition["model"], "structure": spec.key,
                "n_sets": int(next(iter(columns.values()))[0].size), "columns": list(columns),
                "duration": str(run.duration), "dt": str(run.dt),
                "measures": [m if isinstance(m, str) else _callable_name(m) for m in run.measures],
            }, indent=1).encode())

    def _path(self, ids: np.ndarray) -> Path:
        return self.dir / f"chunk-{hashlib.sha256(np.asarray(ids, np.int64).tobytes()).hexdigest()[:20]}.npz"

    def load_all(self, wanted: np.ndarray):
        """The saved outcomes of the sets among ``wanted``, each set once (chunks of runs with other
        chunk sizes may overlap: a set already taken from one file is dropped from the next), and
        the sets they cover."""
        outs, covered = [], np.zeros(0, np.int64)
        for path in sorted(self.dir.glob("chunk-*.npz")):
            got = self._load(path)
            if got is None:
                continue
            ids, (ran, meas, failed) = got
            new = np.isin(ids, wanted) & ~np.isin(ids, covered)
            if not new.any():
                continue
            if not new.all():
                keep = np.isin(ran, ids[new])
                ran, meas = ran[keep], {k: (v[keep], u) for k, (v, u) in meas.items()}
                failed = [(i, e) for i, e in failed if i in set(ids[new].tolist())]
            outs.append((ran, meas, failed))
            covered = np.concatenate([covered, ids[new]])
        return outs, covered

    def _load(self, path: Path):
        """(ids, outcome) of one saved chunk, or None (missing or damaged: computed again)."""
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                ids = np.asarray(z["ids"], np.int64)
                units = json.loads(str(z["units"]))
                meas = {k: (z[f"m{j}"], u) for j, (k, u) in enumerate(units)}
                failed = pickle.loads(z["failed"].tobytes())
                return ids, (z["ran"], meas, failed)
        except Exception:  # a damaged file is computed again
            return None

    def save(self, ids: np.ndarray, out) -> None:
        ran, meas, failed = out
        arrays = {f"m{j}": np.asarray(v) for j, (v, _) in enumerate(meas.values())}
        try:
            blob = pickle.dumps(failed)
        except Exception:  # an error that does not pickle is kept as its text
            blob = pickle.dumps([(i, RuntimeError(str(e))) for i, e in failed])
        tmp = self._path(ids).with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, ids=np.asarray(ids, np.int64), ran=np.asarray(ran),
                     units=np.array(json.dumps([[k, u] for k, (_, u) in meas.items()])),
                     failed=np.frombuffer(blob, np.uint8), **arrays)
        os.replace(tmp, self._path(ids))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _callable_name(f: Any) -> str:
    return f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', type(f).__qualname__)}"


def _digest(h: Any, x: Any) -> None:
    """Feed a stable description of ``x`` (values, Quantities, arrays, containers, functions) to ``h``."""
    if hasattr(x, "magnitude") and hasattr(x, "units"):
        h.update(b"Q")
        _digest(h, np.asarray(x.magnitude))
        h.update(str(x.units).encode())
    elif isinstance(x, np.ndarray):
        if x.dtype == object:
            h.update(b"O")
            for v in x.ravel():
                _digest(h, v)
        else:
            h.update(f"A{x.dtype.str}{x.shape}".encode())
            h.update(np.ascontiguousarray(x).tobytes())
    elif isinstance(x, dict):
        h.update(f"D{len(x)}".encode())
        for k in sorted(x, key=str):
            _digest(h, str(k))
            _digest(h, x[k])
    elif isinstance(x, list | tuple):
        h.update(f"L{len(x)}".encode())
        for v in x:
            _digest(h, v)
    elif x is None or isinstance(x, str | bool | int | float | np.generic):
        h.update(f"{type(x).__name__}:{x!r};".encode())
    elif isinstance(x, type):
        h.update(f"T{x.__module__}.{x.__qualname__};".encode())
    elif callable(x):
        code = getattr(x, "__code__", None)
        h.update(f"F{_callable_name(x)};".encode())
        if code is not None:
            h.update(code.co_code)
            _digest(h, [c for c in code.co_consts if isinstance(c, str | int | float | bytes | type(None))])
    elif hasattr(x, "__dict__"):
        h.update(f"O{type(x).__module__}.{type(x).__qualname__}".encode())
        _digest(h, vars(x))
    else:
        h.update(repr(x).encode())
