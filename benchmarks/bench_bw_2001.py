"""iaf_bw_2001_exact with 10 NMDA ports per neuron: neurounits against NEST 3.10, same run.

1,000 neurons, 1 s at dt = 0.1 ms.  Every neuron gets the same inputs: a 400 pA DC current
(NEST: one ``dc_generator`` from 0 ms, delay 1 ms, which acts from the step ending at 1.2 ms;
neurounits: the same current as a ``TimedArray``), one AMPA train (200 Hz, 1 nS), one GABA
train (100 Hz, 2 nS) and 10 NMDA trains (10 Hz each, 0.2 nS), each NMDA train its own port
(NEST: one ``spike_generator`` per train connected to all neurons, receptor 3, delay 1 ms, i.e.
10 NMDA connections per neuron).  The initial V_m is spread over [-70, -56] mV, so the
neurons fire out of phase.  Spikes recorded, no traces.

- neurounits: ``nu.simulate(..., record=())`` with ``threads=1`` and with the default; a
  warm-up call first (compilation excluded), then best of ``--repeat`` (3).
- NEST: in a subprocess (``$NEST_PYTHON``, default ``/work/nestenv/bin/python``, running this
  file with ``--nest-child``), ``local_num_threads=1``; a warm-up ``Simulate`` on a throw-away
  network, then per repetition ``ResetKernel``, the network built afresh and only
  ``nest.Simulate`` timed; best of ``--repeat``.

Prints both spike counts, the number of differing (neuron, step) spikes, the times, the ratio
NEST / neurounits and the cost per neuron-step.  Target: faster than NEST (1 thread).

    python benchmarks/bench_bw_2001.py          # [--repeat 3] [--n 1000] [--ports 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N, T_MS, DT_MS, PORTS = 1_000, 1000.0, 0.1, 10
DC_PA, DELAY = 400.0, 1.0
NEST_PYTHON = os.environ.get("NEST_PYTHON", "/work/nestenv/bin/python")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_nest import best, load, nest_available, provenance, quiet_nest, spike_diff, time_nest_spikes  # noqa: E402


def trains(ports: int) -> list[tuple[int, float, np.ndarray]]:
    """(NEST receptor, weight nS, arrival times ms on the grid, > delay) of every input train."""
    rng = np.random.default_rng(2001)

    def poisson(rate_hz: float) -> np.ndarray:
        steps = np.flatnonzero(rng.random(round(T_MS / DT_MS)) < rate_hz * DT_MS * 1e-3) + 1
        t = np.round(steps * DT_MS, 10)
        return t[t > DELAY + DT_MS]

    out = [(1, 1.0, poisson(200.0)), (2, 2.0, poisson(100.0))]
    out += [(3, 0.2, poisson(10.0)) for _ in range(ports)]
    return out


def v0(n: int) -> np.ndarray:
    return np.linspace(-70.0, -56.0, n)


# ------------------------------------------------------------------------------ NEST child
def nest_child(n: int, ports: int, repeat: int, out: str) -> None:
    nest = quiet_nest()

    def build():
        nest.ResetKernel()
        nest.set(resolution=DT_MS, local_num_threads=1, print_time=False)
        pop = nest.Create("iaf_bw_2001_exact", n, params={"V_m": v0(n)})
        dc = nest.Create("dc_generator", params={"amplitude": DC_PA, "start": 0.0})
        nest.Connect(dc, pop, syn_spec={"delay": DELAY})
        for receptor, w, t in trains(ports):
            sg = nest.Create("spike_generator", params={"spike_times": np.round(t - DELAY, 10)})
            nest.Connect(sg, pop, syn_spec={"weight": w, "delay": DELAY, "receptor_type": receptor})
        rec = nest.Create("spike_recorder")
        nest.Connect(pop, rec)
        return pop, rec

    time_nest_spikes(nest, build, repeat, out, T_MS, DT_MS)


def run_nest(n: int, ports: int, repeat: int, tmp: Path):
    out = tmp / "bw.npz"
    cmd = [NEST_PYTHON, __file__, "--nest-child", "--n", str(n), "--ports", str(ports), "--repeat",
           str(repeat), "--out", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"NEST child failed (rc {p.returncode}):\n{p.stderr[-2000:]}")
    info = json.loads(p.stdout.strip().splitlines()[-1])
    d = np.load(out)
    return info, d["senders"], d["steps"]


# ------------------------------------------------------------------------------ neurounits
def run_nu(n: int, ports: int, repeat: int):
    import neurounits as nu

    m = nu.models.nest.iaf_bw_2001_exact(n=n)
    names = {1: "AMPA", 2: "GABA", 3: "NMDA"}
    spikes = [nu.SpikeInput(times=nu.Q_(t, "ms"), weight=nu.Q_(w, "nS"), receptor=names[r])
              for r, w, t in trains(ports)]
    steps = round(T_MS / DT_MS)
    dc = np.full(steps, DC_PA)
    dc[:round((DT_MS + DELAY) / DT_MS) + 1 - 1] = 0.0  # NEST's dc acts from the step ending at 1.2 ms
    kw = dict(duration=f"{T_MS} ms", dt=f"{DT_MS} ms", record=(), spike_inputs=spikes,
              inputs={"I": nu.TimedArray(nu.Q_(dc, "pA"), dt=f"{DT_MS} ms")},
              initial={"V_m": nu.Q_(v0(n), "mV")})

    t_c = time.perf_counter()
    nu.simulate(m, threads=1, **kw)  # warm-up: generation, compilation
    t_c = time.perf_counter() - t_c
    t1, res = best(lambda: nu.simulate(m, threads=1, **kw), repeat)
    nu.simulate(m, **kw)
    t2, res2 = best(lambda: nu.simulate(m, **kw), repeat)
    idx = np.asarray(res.spikes.indices, np.int64)
    st = np.rint(res.spikes.times.to("ms").magnitude / DT_MS).astype(np.int64)
    idx2 = np.asarray(res2.spikes.indices, np.int64)
    st2 = np.rint(res2.spikes.times.to("ms").magnitude / DT_MS).astype(np.int64)
    assert spike_diff(idx, st, idx2, st2) == 0, "threads=1 and the default gave different spikes"
    return t1, t2, t_c, idx, st


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n", type=int, default=N)
    ap.add_argument("--ports", type=int, default=PORTS)
    ap.add_argument("--nest-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.nest_child:
        nest_child(a.n, a.ports, a.repeat, a.out)
        return
    work = a.n * round(T_MS / DT_MS)
    print(f"iaf_bw_2001_exact: {a.n:,} neurons x {a.ports} NMDA ports, {T_MS:g} ms at dt = {DT_MS:g} ms, "
          f"DC {DC_PA:g} pA, AMPA 200 Hz, GABA 100 Hz, NMDA {a.ports} x 10 Hz; best of {a.repeat}")
    print(f"cores: {os.cpu_count()}; start: {load()}")
    print(provenance())
    why = nest_available()
    t_nest = None
    with tempfile.TemporaryDirectory() as tmp:
        if why:
            print(f"NEST NOT AVAILABLE ({why}); timing neurounits only")
        else:
            info, n_i, n_s = run_nest(a.n, a.ports, a.repeat, Path(tmp))
            t_nest = min(info["times"])
    t1, t2, t_c, u_i, u_s = run_nu(a.n, a.ports, a.repeat)
    print(f"  neurounits first call (generation + compilation + run): {t_c:.1f} s")
    if t_nest is not None:
        print(f"  spikes: NEST {n_i.size:,}   neurounits {u_i.size:,}   differing (neuron, step) spikes "
              f"{spike_diff(n_i, n_s, u_i, u_s)}   [NEST {info['nest']}, threads {info['threads']}]")
        print(f"  NEST            {t_nest * 1e3:9.1f} ms   {t_nest / work * 1e9:7.1f} ns/neuron-step")
    for label, t in (("threads=1", t1), ("default", t2)):
        r = f"   NEST/neurounits {t_nest / t:6.2f}" if t_nest else ""
        print(f"  nu {label:<12} {t * 1e3:9.1f} ms   {t / work * 1e9:7.1f} ns/neuron-step{r}")
    if t_nest:
        print(f"  target: NEST/neurounits (1 thread) > 1: {'MET' if t_nest / t1 > 1 else 'MISSED'}")
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
