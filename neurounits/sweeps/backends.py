"""Where chunks run: in this thread, in threads, in spawned worker processes, or as tasks of a
``dask.distributed`` cluster (each task carries the generated kernel's source, installed once per
worker).  All give identical tables; finished chunks go to the checkpoint, if any, as they end."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

import numpy as np

from ..simulation import kernels
from . import chunks
from .chunks import Settings

__all__ = ["BACKENDS", "execute", "kernel_sources", "progress_bar", "run_chunk_on_worker", "run_dask",
           "run_pool", "take", "tick"]

BACKENDS = ("threads", "processes", "dask")
DASK_RESUBMITS = 3  # times a chunk is resubmitted after the workers running it died


def execute(run: Settings, columns, todo: list[np.ndarray], backend: str, workers: int | None,
            progress: bool, client: Any = None, store: Any = None, whole: Any = None) -> list:
    """Run the chunks ``todo`` (those a checkpoint ``store`` already holds are loaded instead); returns
    every chunk's outcome, in any order.  ``whole``: the model of all the sets, if built."""
    bar = progress_bar(progress, sum(c.size for c in todo))
    outs: list = []
    if store is not None and todo:  # finished sets, whatever chunks they were run in
        wanted = np.concatenate(todo)
        outs, covered = store.load_all(wanted)
        tick(bar, covered.size)
        rest = wanted[~np.isin(wanted, covered)]
        size = max(c.size for c in todo)
        todo = [rest[i:i + size] for i in range(0, rest.size, size)]

    def done(c: np.ndarray, out: Any) -> None:
        if store is not None:
            store.save(c, out)
        outs.append(out)
        tick(bar, c.size)

    try:
        workers_ = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        if not todo:
            pass
        elif backend == "dask":
            _run_dask(run, columns, todo, client, workers, done)
        elif backend == "threads" and workers_ == 1:
            for c in todo:
                if whole is not None and c.size == whole.n:  # every set in one chunk: the model is built
                    done(c, chunks.run_chunk(run, take(columns, c), c, model=whole))
                else:
                    done(c, chunks.run_chunk(run, take(columns, c), c))
        else:
            _run_pool(run, columns, todo, backend, workers_, done)
        return outs
    finally:
        if bar is not None:
            bar.close()


def _run_pool(run: Settings, columns, todo: list[np.ndarray], backend: str, workers: int,
              done: Callable[[np.ndarray, Any], None]) -> None:
    calls = [(chunks.run_chunk, (run, take(columns, c), c)) for c in todo]
    run_pool(calls, backend, workers, lambda i, out: done(todo[i], out))


def run_pool(calls: list[tuple[Callable, tuple]], backend: str, workers: int,
             done: Callable[[int, Any], None]) -> None:
    """Run the calls ``[(function, args)]`` in threads or spawned processes; ``done(i, out)`` as
    call ``i`` ends (in the calling thread).  An error of a call is raised here, after the calls
    already running have ended (those not started are cancelled)."""
    pool = _pool(backend, workers)
    try:
        futures = {pool.submit(fn, *args): i for i, (fn, args) in enumerate(calls)}
        for f in as_completed(futures):
            try:
                out = f.result()
            except BrokenProcessPool as exc:
                raise RuntimeError(
                    "a sweep worker process died. With backend='processes' the workers are spawned: "
                    "the calling script needs an `if __name__ == \"__main__\":` guard, and the model "
                    "class (or the function that builds the network) and measure functions must be "
                    "importable (not defined in __main__ or a notebook); or use backend='threads'") from exc
            done(futures[f], out)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def kernel_sources(plan: Any, swept_inputs: tuple[str, ...], sizes: set[int]) -> list[tuple]:
    """(cache key, source, sha256 of the source) of every kernel the chunks of the sweep's ``plan``
    will use (what a Dask worker would otherwise generate itself): swept inputs have a neuron axis,
    unless a chunk has one set."""
    out = []
    for per_neuron in sorted({swept_inputs if size > 1 else () for size in sizes}):
        choice = dataclasses.replace(plan.choice, per_neuron=per_neuron)
        source = kernels.kernel_source(choice)
        out.append((choice.key(), source, hashlib.sha256(source.encode()).hexdigest()))
    return out


def run_chunk_on_worker(shipped: list[tuple], run: Settings, columns: dict[str, tuple], ids: np.ndarray):
    """A Dask task: write each shipped kernel into the kernel cache and import it (numba compiles it
    on first use, once per worker process, or loads it from its disk cache), then run the chunk."""
    for key, source, digest in shipped:
        kernels.install(key, source, digest)
    return chunks.run_chunk(run, columns, ids)


def _run_dask(run: Settings, columns, todo: list[np.ndarray], client: Any, workers: int | None,
              done: Callable[[np.ndarray, Any], None]) -> None:
    """The chunks ``todo`` as tasks of a dask.distributed cluster; ``done(chunk, out)`` as each ends.

    A task carries the generated kernel's source and hash (each worker writes it into its kernel cache
    and imports it once: workers never generate code, and numba compiles once per worker), the
    settings (the model class by reference, or by value through cloudpickle when it cannot be imported,
    e.g. one made by ``Model.from_equations`` in a script) and the chunk's values.
    """
    shipped = kernel_sources(run.plan, run.swept_inputs, {c.size for c in todo})
    calls = [(run_chunk_on_worker, (shipped, run, take(columns, c), c)) for c in todo]
    run_dask(calls, client, workers, lambda i, out: done(todo[i], out))


def run_dask(calls: list[tuple[Callable, tuple]], client: Any, workers: int | None,
             done: Callable[[int, Any], None]) -> None:
    """The calls ``[(function, args)]`` as tasks of a dask.distributed cluster (``client``, or a
    ``LocalCluster`` of ``workers`` processes, default 2, started and closed here); ``done(i, out)``
    as call ``i`` ends.

    A worker that dies makes the scheduler run its tasks elsewhere; a task that has killed too
    many workers (``KilledWorker``) is submitted again, up to ``DASK_RESUBMITS`` times.  The error
    of a task is raised here, and the tasks still pending are cancelled.
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
    token = os.urandom(6).hex()
    pending: dict[str, tuple[int, int]] = {}
    ac = dask_completed()

    def submit(i: int, attempt: int) -> None:
        fn, args = calls[i]
        f = client.submit(fn, *args, retries=1, pure=False, key=f"neurounits-sweep-{token}-{i}-{attempt}")
        pending[f.key] = (i, attempt)
        ac.add(f)

    try:
        for i in range(len(calls)):
            submit(i, 0)
        for f in ac:
            i, attempt = pending.pop(f.key)
            if f.status == "error":
                failure = f.exception()
                if isinstance(failure, KilledWorker | OSError) and attempt < DASK_RESUBMITS:
                    f.release()
                    submit(i, attempt + 1)
                    continue
                f.result()  # raises the task's error
            out = f.result()
            f.release()
            done(i, out)
    finally:
        if pending:
            client.cancel(list(pending))
        if cluster is not None:
            client.close()
            cluster.close()


def take(columns: dict[str, tuple], ids: np.ndarray) -> dict[str, tuple]:
    """The values of the sets ``ids`` only (what a worker needs)."""
    return {k: (mags[ids], unit) for k, (mags, unit) in columns.items()}


def _pool(backend: str, workers: int) -> Executor:
    if backend == "threads":
        return ThreadPoolExecutor(workers)
    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"))


def progress_bar(progress: bool, total: int):
    """A tqdm bar over ``total`` sets (None without ``progress`` or without tqdm)."""
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="set", desc="sweep")


def tick(bar, k: int) -> None:
    """Advance ``bar`` (if any) by ``k`` sets."""
    if bar is not None:
        bar.update(k)
