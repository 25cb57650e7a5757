"""``sweep`` and ``fi_curve``: many parameter sets of one model, unit-checked first, run as
populations in chunks.

Every parameter set becomes one neuron of a population with per-neuron parameter arrays: a chunk
of sets is one model construction and one kernel call.  Chunks run on all cores, in threads or in
worker processes, or on a Dask cluster; finished chunks can be written to a checkpoint folder and
a rerun computes only the missing ones.  A set whose values the model refuses (a constraint such
as ``c < V_th``, a negative time constant) or that blows up numerically lands in
:attr:`Sweep.failed` with its error; every other set still runs.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from .. import measures as measures_
from ..checks import is_count
from ..equations import Model
from ..errors import ParameterError, raise_problems
from ..parameters import Input, Option
from ..units import Q_
from . import backends
from .checkpoint import Checkpoint
from .chunks import Settings, construct, make_chunks, sweep_plan
from .result import Sweep, assemble
from .sets import (
    check_columns,
    check_fixed,
    check_names,
    check_run,
    declarations,
    noise_seed,
    parameter_sets,
    spec_for,
)

__all__ = ["fi_curve", "sweep"]


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
    model_cls : type or callable
        A model class, e.g. ``nu.models.Izhikevich`` (not an instance); or a function that builds a
        network from one set of the grid's values, ``build(**values)``: an ensemble of whole
        networks over parameters and seeds (see the Notes).
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

    Notes
    -----
    Networks: ``sweep(build, grid, duration=, dt=, measure=f)`` simulates ``build(**values)`` for every
    set of the grid (a seed is a grid entry, e.g. ``{"g": [4, 5], "seed": [1, 2, 3]}``) and measures
    each with ``f(results) -> {name: one Quantity or number}`` (default: ``rate_<population>``, the mean
    rate of each population whose spikes are recorded).  Each set is one task on any backend
    (``"serial"`` too); networks of one structure share their compiled code, so another weight, rate,
    size or seed compiles nothing, and a network is a pure function of its values and seed, so every
    backend gives the same table.  With ``processes`` the function and the measure must be importable;
    on Dask the first set's network is built here and its generated code shipped to the workers, which
    generate none.  ``checkpoint=`` writes each finished set as it ends (failed sets as JSON records of
    their errors) and a rerun computes only the missing sets (the folder's hash covers the values,
    duration, dt and the code of ``build`` and ``f``, not the globals or helpers they call: after
    changing those, use another folder).  A set whose build, run or measure fails goes to ``failed``
    with its error.  ``sets``, ``random``, ``fixed``, ``inputs``, ``chunk_size`` and the other arguments
    of one model's sweep are refused: give shared values to ``build``.

    Examples
    --------
    >>> import neurounits as nu
    >>> from neurounits import Q_
    >>> sw = nu.sweep(nu.models.Izhikevich, grid={"d": Q_([2.0, 8.0], "mV/ms")},
    ...               duration="200 ms", inputs={"I": "10 mV/ms"}, measure=("rate",))
    >>> sw.units["rate"], len(sw.index)
    ('Hz', 2)

    An ensemble of networks over a weight and three seeds, each finished network kept on disk (a
    second call finds them all there and simulates nothing):

    >>> import tempfile
    >>> def ring(w, seed):
    ...     net = nu.Network(seed=seed)
    ...     P = net.add(nu.models.nest.iaf_psc_exp(n=30, I_e="370 pA"), name="P",
    ...                 initial={"V_m": nu.dist.Uniform("-70 mV", "-56 mV")})
    ...     net.connect(P, P, nu.conn.FixedInDegree(3), weight=w, delay="1 ms")
    ...     net.record(P, spikes=True)
    ...     return net
    >>> folder = tempfile.mkdtemp()
    >>> grid = {"w": Q_([0.0, 200.0], "pA"), "seed": [1, 2, 3]}
    >>> ens = nu.sweep(ring, grid, duration="100 ms", checkpoint=folder)
    >>> again = nu.sweep(ring, grid, duration="100 ms", checkpoint=folder)
    >>> ens.units
    {'w': 'pA', 'seed': '', 'rate_P': 'Hz'}
    >>> bool((again["rate_P"] == ens["rate_P"]).all())
    True
    """
    if callable(model_cls) and not isinstance(model_cls, type) and grid is not None:
        given = dict(sets=sets, random=random, samples=samples, seed=seed, sampling=sampling, fixed=fixed,
                     inputs=inputs, record=record, record_every=record_every, chunk_size=chunk_size,
                     method=method)
        return warn_failed(_network_sweep(model_cls, grid, given, duration=duration, dt=dt, measure=measure,
                                          backend=backend, workers=workers, checkpoint=checkpoint,
                                          client=client, progress=progress))
    if not (isinstance(model_cls, type) and issubclass(model_cls, Model)):
        raise ParameterError(f"sweep() needs a model class such as nu.models.LIF (or a function that builds "
                             f"a network, with a grid), got {model_cls!r}")
    name, decl = model_cls.__name__, declarations(model_cls)
    fixed = dict(fixed or {})
    options = {k: fixed.pop(k) for k in list(fixed) if isinstance(decl.get(k), Option)}
    spec = spec_for(model_cls, decl, options)
    values, dims, kind = parameter_sets(name, decl, grid, sets, random, samples, seed, sampling)
    fixed, inputs = _shared_values(name, decl, kind, values, fixed, inputs, workers, chunk_size)
    columns = check_columns(name, decl, values, kind)
    dur_ms, dt_ms, n_steps, inputs, meas, record = check_run(name, spec, duration, dt, inputs, measure,
                                                             record, record_every, method)
    _check_backend(backend, client)
    noise = noise_seed(name, spec, seed)
    run = Settings(model_cls, {**fixed, **options}, Q_(dur_ms, "ms"), Q_(dt_ms or 1.0, "ms"), inputs, meas,
                   tuple(dict.fromkeys((*record, *measures_.needs(meas)))), record_every, method,
                   swept=tuple(values), noise_seed=noise, n_steps=n_steps, dur_ms=dur_ms,
                   swept_inputs=tuple(k for k in values if isinstance(decl[k], Input)))
    sw = _run_sets(name, spec, run, columns, dims, backend, workers, chunk_size, progress, client, checkpoint)
    return warn_failed(replace(sw, noise_seed=noise))


def _shared_values(name: str, decl: dict[str, Any], kind: str, values: Mapping[str, Any],
                   fixed: dict[str, Any], inputs: Mapping[str, Any] | None, workers: Any,
                   chunk_size: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The names checked, and the values shared by every set: ``(fixed, inputs)``, the fixed inputs
    moved into ``inputs``; a value both swept and shared is an error."""
    check_names(name, decl, list(values) + list(fixed))
    _check_settings(name, kind, values, fixed, inputs, workers, chunk_size)
    fixed = check_fixed(name, decl, fixed)
    inputs = dict(inputs or {})
    inputs.update({k: fixed.pop(k) for k in list(fixed) if isinstance(decl[k], Input)})
    both = sorted(set(values) & set(inputs))
    if both:
        raise ParameterError(f"sweep(model '{name}'): {both} swept and also given in "
                             "inputs=/fixed=; give each value in one place")
    return fixed, inputs


def _check_backend(backend: str, client: Any) -> None:
    """A known backend, and a client only for ``backend="dask"``."""
    if backend not in backends.BACKENDS:
        raise ParameterError(f"unknown backend {backend!r}; use one of {list(backends.BACKENDS)}")
    if client is not None and backend != "dask":
        raise ParameterError(f"client= is for backend='dask', not backend={backend!r}")


def _run_sets(name: str, spec: Any, run: Settings, columns: dict[str, tuple], dims: Any, backend: str,
              workers: int | None, chunk_size: int | None, progress: bool, client: Any,
              checkpoint: str | os.PathLike | None) -> Sweep:
    """Construct the sets' models, run the chunks of those that construct (loading the finished ones
    from ``checkpoint``) and assemble the table."""
    n = next(iter(columns.values()))[0].size
    good, failed, whole = construct(run, columns, np.arange(n))
    run, todo = _chunking(run, good, backend, workers, chunk_size)
    if good.size:  # the run's arguments checked and converted once, for every chunk
        run = replace(run, plan=sweep_plan(run, columns, int(good[0])))
    store = None if checkpoint is None else Checkpoint(checkpoint, run, spec, columns)
    outs = backends.execute(run, columns, todo, backend, workers, progress, client, store, whole)
    return assemble(name, columns, dims, n, outs, failed)

def warn_failed(sw: Sweep) -> Sweep:
    """Warn (``UserWarning``) when sets of the sweep failed: the table lacks them, and
    ``sw.failed`` lists each with its error.  Returns ``sw``."""
    if sw.failed:
        first = sw.failed[0][1]
        more = f" (first: {type(first).__name__}: {str(first).splitlines()[0]})" if first else ""
        warnings.warn(f"sweep of '{sw.model}': {len(sw.failed)} of {sw.n_sets} parameter sets failed and are "
                      f"not in the table; see .failed for each set and its error{more}", stacklevel=3)
    return sw


def _check_settings(name: str, kind: str, values: Mapping[str, Any], fixed: Mapping[str, Any],
                    inputs: Mapping[str, Any] | None, workers: Any, chunk_size: Any) -> None:
    """Values given twice (swept and fixed, fixed and in inputs=) and impossible counts."""
    given = {"grid": "grid=", "set": "sets=", "random": "random="}[kind]
    problems = [f"'{k}' is swept ({given}) and also given in fixed=; give each value in one place"
                for k in values if k in fixed]
    problems += [f"'{k}' is given both in fixed= and in inputs=; give it in one place"
                 for k in fixed if k in (inputs or {})]
    for what, v in (("workers", workers), ("chunk_size", chunk_size)):
        if v is not None and not is_count(v):
            problems.append(f"{what} must be a positive integer (or None: automatic), got {v!r}")
    raise_problems(f"sweep(model '{name}')", problems)


def _chunking(run: Settings, good: np.ndarray, backend: str, workers: int | None,
              chunk_size: int | None) -> tuple[Settings, list[np.ndarray]]:
    """The chunks of the sets ``good`` (and the threads of each chunk's kernel calls)."""
    count_only = measures_.countable(run.measures)
    if count_only and backend == "threads" and chunk_size is None:
        # one chunk (at most 16384 sets per thread) whose cache-sized blocks of sets run on `workers`
        # threads: one model construction and one set of checks for the whole sweep
        threads = max(1, workers or os.cpu_count() or 1)
        return replace(run, threads=threads), make_chunks(good, 1, min(16384 * threads, max(1, good.size)))
    return run, make_chunks(good, workers if backend != "dask" else workers or 2, chunk_size,
                            count_only and backend != "dask")


def _network_sweep(build: Callable, grid: Mapping[str, Any], given: dict[str, Any], **kw: Any) -> Sweep:
    """``sweep(build, grid)``: one network per set (:mod:`neurounits.sweeps.ensembles`); ``given``
    holds the arguments that apply to sweeps of one model only, as passed."""
    from .ensembles import sweep_networks

    defaults = {"sampling": "uniform", "record": (), "record_every": 1}
    unused = [k for k, v in given.items() if v is not None and not (k in defaults and v == defaults[k])]
    if unused:
        raise ParameterError(f"sweep over networks: {', '.join(unused)} apply to sweeps of one model; a "
                             "network sweep takes build, grid, duration, dt, measure (a function of the "
                             "results), backend, workers, client, checkpoint and progress (give shared "
                             "values to build, and the seed as a grid entry)")
    if kw["measure"] == ("spike_count", "rate"):
        kw["measure"] = None
    if kw["measure"] is not None and not callable(kw["measure"]):
        raise ParameterError("sweep over networks: measure must be a function of the network's results that "
                             f"returns a dict of named values, got {kw['measure']!r}")
    return sweep_networks(build, grid, **kw)


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
