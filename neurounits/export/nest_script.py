"""The text of the PyNEST script that :mod:`.pynest` writes (and runs in-process): the header with
the run's constants, the ``build()`` of the plan, and the runtime that connects, collects and saves."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

from .nest_models import NEST_VERSION, _lit, _Plan

_RUNTIME = '''

def _connect(nest, pre, post, weight, delay, receptor, synapse_model):
    """Connect pre[s] -> post[s] (node ids) for every s, with explicit arrays (rank-safe under MPI:
    every rank makes the same call and keeps the synapses onto its own neurons)."""
    spec = {"synapse_model": synapse_model, "weight": np.asarray(weight, float)}
    if delay is not None:
        spec["delay"] = np.asarray(delay, float)
    if np.ndim(receptor) == 0:
        if receptor:
            spec["receptor_type"] = int(receptor)
        nest.Connect(np.asarray(pre, np.int64), np.asarray(post, np.int64), "one_to_one", spec)
        return
    for r in np.unique(receptor):  # one call per receptor type, keeping the order of the synapses
        sel = receptor == r
        sub = {k: (v[sel] if np.ndim(v) else v) for k, v in spec.items()}
        if r:
            sub["receptor_type"] = int(r)
        nest.Connect(np.asarray(pre, np.int64)[sel], np.asarray(post, np.int64)[sel], "one_to_one", sub)


def collect(nest, pops, rec):
    """This rank's recorded events: spikes (time, index in the population) and samples (time,
    index, values), only of the neurons on this rank."""
    first = {name: p[0].global_id for name, p in pops.items()}
    out = {}
    for key, dev in rec.items():
        name, kind = key.rsplit(".", 1)
        if kind == "final":  # read by weights_now
            continue
        if kind == "weights":  # a weight_recorder: (time, pre, post, weight) at every spike transmitted
            ev = dev[0].get("events")
            t = np.asarray(ev["times"], float)
            keep = t <= DURATION + 0.5 * DT
            out[f"{key}.times"] = t[keep]
            out[f"{key}.pre"] = np.asarray(ev["senders"], np.int64)[keep] - first[dev[1]]
            out[f"{key}.post"] = np.asarray(ev["targets"], np.int64)[keep] - first[dev[2]]
            out[f"{key}.values"] = np.asarray(ev["weights"], float)[keep]
            continue
        ev = dev.get("events")
        t = np.asarray(ev["times"], float)
        if kind == "spikes":  # in steps: the spike's step, without iaf_bw_2001's offsets (NMDA jumps)
            t = np.round(t * DT, 10)
        keep = t <= DURATION + 0.5 * DT
        out[f"{key}.times"] = t[keep]
        out[f"{key}.index"] = np.asarray(ev["senders"], np.int64)[keep] - first[name]
        if kind == "traces":
            for v in dev.get("record_from"):
                out[f"{key}.{v}"] = np.asarray(ev[v], float)[keep]
    return out


def weights_now(nest, pops, rec):
    """The weight of every plastic synapse on this rank now (``GetConnections``): per projection
    ``proj<k>.final.pre``/``.post`` (indices in the source and target populations), ``.port`` and
    ``.weights``."""
    first = {name: p[0].global_id for name, p in pops.items()}
    out = {}
    for key, dev in rec.items():
        if not key.endswith(".final"):
            continue
        model, src, tgt = dev
        conns = nest.GetConnections(synapse_model=model)
        got = conns.get(["source", "target", "port", "weight"]) if len(conns) else {}
        cols = (("source", "pre", first[src]), ("target", "post", first[tgt]), ("port", "port", 0))
        for k, name, off in cols:
            out[f"{key}.{name}"] = np.atleast_1d(np.asarray(got.get(k, []), np.int64)) - off
        out[f"{key}.weights"] = np.atleast_1d(np.asarray(got.get("weight", []), float))
    return out


def simulate(nest, pops, rec):
    """Simulate DURATION (and EXTRA, whose recordings are dropped) and return this rank's recordings.
    The weights of plastic synapses are read after DURATION + DT: a spike reaches its synapses at
    the start of the next min_delay slice, so one more step delivers every spike of the run (and
    no later one, when DURATION is a multiple of the smallest delay)."""
    if not any(k.endswith(".final") for k in rec):
        nest.Simulate(DURATION + EXTRA)
        return collect(nest, pops, rec)
    nest.Simulate(DURATION)
    nest.Simulate(DT)
    final = weights_now(nest, pops, rec)
    if EXTRA > DT:
        nest.Simulate(EXTRA - DT)
    return {**collect(nest, pops, rec), **final}


def _plastic(ev, out):
    """Per plastic projection, the events of all ranks in one order: recorded weights by time, pre,
    post; final weights by pre, post and creation (NEST's port)."""
    kinds = ("weights", "final")
    keys = {k.rsplit(".", 1)[0] for k in ev if k.startswith("proj") and k.split(".")[1] in kinds}
    for key in sorted(keys):
        if key.endswith(".weights"):
            order = np.lexsort((ev[f"{key}.post"], ev[f"{key}.pre"], ev[f"{key}.times"]))
            for k in ("times", "pre", "post", "values"):
                out[f"{key}.{k}"] = ev[f"{key}.{k}"][order]
        else:
            order = np.lexsort((ev[f"{key}.port"], ev[f"{key}.post"], ev[f"{key}.pre"]))
            for k in ("pre", "post", "weights"):
                out[f"{key}.{k}"] = ev[f"{key}.{k}"][order]


def finish(parts):
    """Events of all ranks -> results: per population ``<P>.spikes.times`` (ms) and
    ``<P>.spikes.indices`` sorted by time then index; ``<P>.t`` (ms), ``<P>.neurons`` and
    ``<P>.<variable>`` of shape (samples, neurons) for traces (NEST records no sample at t = 0); per
    plastic projection k ``proj<k>.final.pre``, ``.post``, ``.weights`` (every synapse's weight after
    the run) and, where its weights were recorded, ``proj<k>.weights.times``, ``.pre``, ``.post``,
    ``.values`` (NEST's weight_recorder: at every spike the synapse transmitted)."""
    keys = sorted({k for part in parts for k in part})
    ev = {k: np.concatenate([part[k] for part in parts if k in part]) for k in keys}
    out = {"dt": np.float64(DT), "duration": np.float64(DURATION), "populations": np.array(POPULATIONS)}
    for name in POPULATIONS:
        if f"{name}.spikes.times" in ev:
            t, i = ev[f"{name}.spikes.times"], ev[f"{name}.spikes.index"]
            order = np.lexsort((i, t))
            out[f"{name}.spikes.times"], out[f"{name}.spikes.indices"] = t[order], i[order]
        if f"{name}.traces.times" in ev:
            t, i = ev[f"{name}.traces.times"], ev[f"{name}.traces.index"]
            times, row = np.unique(np.round(t / DT).astype(np.int64), return_inverse=True)
            neurons, col = np.unique(i, return_inverse=True)
            out[f"{name}.t"], out[f"{name}.neurons"] = times * DT, neurons
            for k in keys:
                if k.startswith(f"{name}.traces.") and k.rsplit(".", 1)[1] not in ("times", "index"):
                    a = np.full((times.size, neurons.size), np.nan)
                    a[row, col] = ev[k]
                    out[f"{name}." + k.rsplit(".", 1)[1]] = a
    _plastic(ev, out)
    return out


def main(argv=None):
    global THREADS
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--threads"]:
        THREADS, args = int(args[1]), args[2:]
    if args[:1] == ["--merge"]:  # the files of a run under MPI without mpi4py
        files = sorted(RESULTS.parent.glob(RESULTS.stem + ".rank*.npz"))
        np.savez_compressed(RESULTS, **finish([dict(np.load(f)) for f in files]))
        print(f"merged {len(files)} files into {RESULTS}")
        return
    import nest

    with np.load(DATA) as z:
        data = dict(z)
    pops, rec = build(nest, data)
    part = simulate(nest, pops, rec)  # and beyond: a multimeter hands its last samples over a slice later
    n, rank = nest.NumProcesses(), nest.Rank()
    if n > 1:
        try:
            from mpi4py import MPI
        except ImportError:
            path = RESULTS.with_name(f"{RESULTS.stem}.rank{rank}.npz")
            np.savez_compressed(path, **part)
            if rank == 0:
                print(f"{n} ranks wrote {RESULTS.stem}.rank*.npz (no mpi4py to gather them); "
                      f"merge them with: python {Path(__file__).name} --merge")
            return
        parts = MPI.COMM_WORLD.gather(part, root=0)
        if rank != 0:
            return
    else:
        parts = [part]
    np.savez_compressed(RESULTS, **finish(parts))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
'''


def _version() -> str:
    try:
        return importlib.metadata.version("neurounits")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a source tree
        return "(source tree)"


def _script(plan: _Plan, net: Any, duration: float | None, data_name: str, results_name: str) -> str:
    pops = [p.name for p in net.populations]
    extra = plan.max_delay + plan.max_interval + plan.dt
    header = f'''#!/usr/bin/env python
"""A neurounits network ({"; ".join(plan.summary)}) for NEST {NEST_VERSION}.

Written by neurounits {_version()} (nu.export.nest).  Parameters in NEST's units (mV, ms, pA, nS,
pF, Hz); the synapses and per-neuron values are in {data_name}, beside this file.

    python {{script}}                     # writes {results_name}
    python {{script}} --threads 2         # on 2 threads (the same spikes as 2 MPI ranks of 1 thread)
    mpirun -n 4 python {{script}}         # gathers with mpi4py, or: one file per rank, then
    python {{script}} --merge             # merges {Path(results_name).stem}.rank*.npz

Needs NEST (pip install nest-simulator, or conda install -c conda-forge nest-simulator) and numpy.
"""

import sys
from pathlib import Path

import numpy as np

DT = {_lit(plan.dt)}  # ms
DURATION = {_lit(duration) if duration is not None else "None"}  # ms
EXTRA = {_lit(extra)}  # ms simulated beyond DURATION (dropped): the last samples arrive one slice late
THREADS = 1  # NEST threads per process (--threads N); NEST's results depend on ranks x threads only
RNG_SEED = {plan.seed}  # NEST's seed (Poisson generators draw from NEST's streams, not neurounits')
POPULATIONS = {pops!r}
HERE = Path(__file__).resolve().parent
DATA = HERE / "{data_name}"
RESULTS = HERE / "{results_name}"


def build(nest, data):
    """Reset NEST's kernel and create the network; returns (populations, recorders) by name."""
    nest.ResetKernel()
    nest.local_num_threads = THREADS
    nest.resolution = DT
    nest.rng_seed = RNG_SEED
    pops = {{}}
'''
    body = "\n".join(plan.lines) + "\n    return pops, rec\n"
    return header + body + _RUNTIME
