"""Running the sets of a sweep over networks: one task per set (build, simulate, measure), in this
thread, in threads, in spawned processes or as Dask tasks, each finished set written to the
checkpoint, if any, as it ends.

A set's outcome has the shape of a model sweep's chunk, ``(ids that ran, measures name -> (values,
unit), failed [(set, error)])``, so the checkpoint files, their JSON failure records and the
progress bar are those of model sweeps.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import NeurounitsError, ParameterError
from ..simulation import simulate
from ..units import Q_
from . import backends
from .checkpoint import Checkpoint, callable_name
from .result import unit_text

__all__ = ["SET_ERRORS", "NetworkCheckpoint", "network_code", "run_set", "run_set_on_worker", "run_sets"]

# the errors that fail one set (values a model or a connection refuses, a run that blows up, a
# measure that finds nothing to measure); any other error (a TypeError in `build`, say) is a bug
# that would fail every set, and stops the sweep
SET_ERRORS = (NeurounitsError, ValueError, ArithmeticError, KeyError, IndexError)


class NetworkCheckpoint(Checkpoint):
    """The checkpoint of a sweep over networks: one file per finished set, in a subfolder named by
    the hash of the sweep's definition (the build and measure functions' code, every set's values,
    duration and dt)."""

    def __init__(
        self,
        folder: str | os.PathLike,
        build: Callable,
        measure: Callable,
        sets: list[dict[str, Any]],
        duration: Any,
        dt: Any,
    ) -> None:
        definition = {"network": build, "measure": measure, "sets": sets, "duration": duration, "dt": dt}
        self.open(
            folder,
            definition,
            {
                "model": "network",
                "build": callable_name(build),
                "measure": callable_name(measure),
                "n_sets": len(sets),
                "columns": list(sets[0]) if sets else [],
                "duration": str(duration),
                "dt": str(dt),
            },
        )


def run_set(build: Callable, values: dict[str, Any], set_id: int, duration: Any, dt: Any, measure: Callable):
    """Build, simulate and measure set ``set_id``: ``(ids, measures, failed)`` (see the module
    docstring).  An error of :data:`SET_ERRORS` fails this set only."""
    try:
        out = measure(simulate(build(**values), duration, dt, threads=1))  # (sets run in parallel)
    except SET_ERRORS as exc:
        return np.zeros(0, np.int64), {}, [(set_id, exc)]
    return np.array([set_id], np.int64), _measured(out, set_id), []


def network_code(build: Callable, values: dict[str, Any], dt: Any) -> Any:
    """The generated code of the network ``build(**values)`` (``BuiltNetwork.kernel_sources()``), or
    None when that set fails to build or ``build`` returns something else than a network."""
    try:
        net = build(**values)
        built = net.build(dt) if hasattr(net, "build") else None
    except SET_ERRORS:
        return None
    sources = getattr(built, "kernel_sources", None)
    return sources() if sources is not None else None


def run_set_on_worker(shipped: Any, *args: Any):
    """A Dask task: install the shipped network code (once per worker process: a worker generates no
    code for networks of that structure, and numba compiles each kernel once per worker, or loads it
    from its disk cache), then :func:`run_set`."""
    if shipped is not None:
        shipped.install()
    return run_set(*args)


def _measured(out: Any, set_id: int) -> dict[str, tuple[np.ndarray, str]]:
    """A measure's dict of scalars as columns of one row, name -> (values, unit text)."""
    if not isinstance(out, Mapping):
        raise ParameterError(
            f"sweep over networks: measure must return a dict of named values, got "
            f"{type(out).__name__} for set {set_id}"
        )
    cols = {}
    for name, v in out.items():
        unit = getattr(v, "units", None)
        mag = np.asarray(v.magnitude if unit is not None else v)
        if mag.ndim != 0 or not (np.issubdtype(mag.dtype, np.number) or mag.dtype == bool):
            got = f"an array of shape {mag.shape}" if mag.ndim else repr(v)
            raise ParameterError(
                f"sweep over networks: measure[{name!r}] must be one number or Quantity per network, got "
                f"{got} for set {set_id}; reduce it (e.g. its mean)"
            )
        cols[str(name)] = (np.array([float(mag)]), unit_text(unit) if unit is not None else "")
    return cols


def run_sets(
    build: Callable,
    sets: list[dict[str, Any]],
    duration: Any,
    dt: Any,
    measure: Callable,
    backend: str,
    workers: int | None,
    client: Any,
    store: Checkpoint | None,
    progress: bool,
) -> list:
    """The outcomes of every set (in any order): those ``store`` holds loaded, the others run on
    ``backend``, each saved to ``store`` as it ends."""
    todo = list(range(len(sets)))
    bar = backends.progress_bar(progress, len(todo))
    outs: list = []
    if store is not None and todo:
        outs, covered = store.load_all(np.arange(len(sets)))
        backends.tick(bar, covered.size)
        finished = set(covered.tolist())
        todo = [i for i in todo if i not in finished]

    def done(k: int, out: Any) -> None:
        if store is not None:
            store.save(np.array([todo[k]], np.int64), out)
        outs.append(out)
        backends.tick(bar, 1)

    calls: list[tuple[Callable, tuple]] = [
        (run_set, (build, sets[i], i, duration, dt, measure)) for i in todo
    ]
    try:
        if not calls:
            pass
        elif backend == "dask":
            shipped = network_code(build, sets[todo[0]], dt)
            calls = [(run_set_on_worker, (shipped, *args)) for _, args in calls]
            backends.run_dask(calls, client, workers, done)
        elif backend == "serial" or len(calls) == 1:
            for k, (fn, args) in enumerate(calls):
                done(k, fn(*args))
        else:
            backends.run_pool(calls, backend, max(1, min(workers or os.cpu_count() or 1, len(calls))), done)
        return outs
    finally:
        if bar is not None:
            bar.close()


def rows(outs: list, n: int) -> tuple[dict[int, dict[str, tuple]], list[tuple[int, Exception]]]:
    """Set -> its measures, and the failed sets [(set, error)] sorted, from the outcomes ``outs``."""
    ran: dict[int, dict[str, tuple]] = {}
    failed: list[tuple[int, Exception]] = []
    for ids, meas, bad in outs:
        for j, i in enumerate(np.asarray(ids).tolist()):
            ran[int(i)] = {k: (float(v[j]), u) for k, (v, u) in meas.items()}
        failed += bad
    failed.sort(key=lambda f: f[0])
    assert all(0 <= i < n for i in ran)
    return ran, failed


def measure_columns(ran: dict[int, dict[str, tuple]], ok: list[int]) -> dict[str, tuple[np.ndarray, str]]:
    """The measures of the sets ``ok`` as columns, each in the unit of the first set's value."""
    if not ok:
        return {}
    first = ran[ok[0]]
    cols = {}
    for i in ok:
        if set(ran[i]) != set(first):
            raise ParameterError(
                f"sweep over networks: measure returned {sorted(ran[i])} for set {i} but "
                f"{sorted(first)} for set {ok[0]}; return the same names for every set"
            )
    for name, (_, unit) in first.items():
        given = (ran[i][name] for i in ok)
        vals = [v if u == unit else float(Q_(v, u or "").m_as(unit or "")) for v, u in given]
        cols[name] = (np.array(vals), unit)
    return cols
