"""The COBA network in neurounits, Brian2 2.9 (cython) and NEST 3.10, timed in the same run.

COBA (Brette et al. 2007, benchmark 1): 4,000 conductance-based LIF neurons (3,200 excitatory),
connection probability 0.02, weights 6 nS (excitatory) and 67 nS (inhibitory), delay 0.1 ms
(one step), Poisson drive 2.4 kHz x 2.1 nS per neuron, dt = 0.1 ms, every spike recorded.
Initial V uniform in [-60, -50) mV.  Each simulator builds its own network (its own random
connectivity and inputs); the mean firing rates are printed to show the three run the same regime.

- **neurounits**: ``nu.models.CobaLIF`` (exponential Euler), ``nu.Network`` as in
  ``bench_network.py``; ``nu.Simulation(net, "0.1 ms")`` built and compiled before timing.
  Timed: ``sim.run("1 s")``.  ``--nu-threads`` (default ``1 default``): one side with
  ``threads=1`` (the reference of the ratios) and one with the default (``threads=None``: a team
  of threads on every core once the rest of a run is long enough for it, see
  ``neurounits.network.threads``).
- **Brian2 2.9**, ``prefs.codegen.target = "cython"``, in a subprocess of ``--brian-python``: the
  CobaLIF equations with ``method="exponential_euler"``, threshold ``v >= V_th``, reset, refractory
  5 ms (``unless refractory``); two ``Synapses`` (``ge_post += 6*nS``, ``gi_post += 67*nS``,
  ``connect(p=0.02)``, ``delay=0.1*ms``: Brian2 delivers a spike with delay d in the synapses slot
  of the step ending d after the step that emitted it, as NEST and neurounits do); a
  ``SpikeMonitor``.  Drive: ``PoissonInput(P, "ge", N=2400, rate=1*Hz, weight=2.1*nS)``: each
  neuron gets Binomial(2400, 1e-4) events per step, which is Poisson(0.24) to within 2e-5 in total
  variation.  Not ``N=1, rate=2.4*kHz``: that is Bernoulli(0.24) per step (at most one event per
  step, variance 0.18 instead of 0.24); not a ``PoissonGroup``: that is also Bernoulli per step and
  adds 4,000 spike sources and a one-to-one ``Synapses``.  Timed: ``net.run(1*second)`` of one
  ``Network`` built once (each repeat continues it); the wall time of the call (what a user waits
  for: Brian2's per-run preparation of its code objects, then its loop) and, separately, Brian2's
  own measure of the main loop alone (``device._last_run_time``).
- **NEST 3.10**, in subprocesses of ``--nest-python``: ``iaf_cond_exp`` (NEST integrates it with
  GSL's RKF45, not exponential Euler) with the COBA values (C_m 200 pF, g_L 10 nS, E_L -60 mV,
  V_th -50 mV, V_reset -60 mV, t_ref 5 ms, E_ex 0 mV, E_in -80 mV, tau_syn_ex 5 ms, tau_syn_in
  10 ms), ``pairwise_bernoulli`` p = 0.02, weights 6 nS and -67 nS (NEST routes by sign), delay
  0.1 ms, one ``poisson_generator`` (2.4 kHz, weight 2.1 nS: an independent train per target), a
  ``spike_recorder``.  Timed: ``nest.Simulate(1000.0)`` after building (each repeat continues).
  One kernel with ``local_num_threads=1`` and one with 2.

Every side is warmed by ``--warm-ms`` (100) of simulation first (neurounits and Brian2 compile or
load their code there).  The repeats alternate between the sides (neurounits, Brian2, NEST 1
thread, NEST 2 threads, then again), best of ``--repeats`` (3; ``--nest-repeats`` for NEST on one
thread, ``--nest2-repeats``, default 1, on two: a NEST second costs 16-56 s on one thread here).
Prints each time (wall and CPU time of the timed call), the mean firing rate of each timed second,
the ratios Brian2 / neurounits and NEST / neurounits (targets: >= 1.4 and >= 15 on one thread) of
the best wall times, of the best CPU times, and the median of the ratios within a round, and the
load average.

    python benchmarks/bench_network_peers.py [--repeats 3] [--nest-repeats 3] [--nest2-repeats 1] [--no-brian]
        [--no-nest] [--no-nest2] [--nu-threads 1 default] [--brian-python /work/brian2env/bin/python]
        [--nest-python /work/nestenv/bin/python]

The workers are this file run by the other interpreters (``--worker brian2|nest``); they talk
to the parent through lines starting with ``@@`` on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

N, NE, P_CONN, T_MS, DT_MS = 4000, 3200, 0.02, 1000.0, 0.1
SEED = 12345
TAG = "@@"


def _say(**msg) -> None:
    sys.stdout.write(TAG + json.dumps(msg) + "\n")
    sys.stdout.flush()


# ------------------------------------------------------------------ workers (other interpreters)

def brian2_worker(warm_ms: float) -> None:
    import brian2 as b2
    from brian2 import Hz, ms, mV, nS, pF, second

    b2.prefs.codegen.target = "cython"
    b2.seed(SEED)
    t0 = time.perf_counter()
    C_m, g_L, E_L, E_ex, E_in = 200 * pF, 10 * nS, -60 * mV, 0 * mV, -80 * mV
    tau_ex, tau_in, V_th, V_reset = 5 * ms, 10 * ms, -50 * mV, -60 * mV
    eqs = """
    dv/dt = (g_L*(E_L - v) + ge*(E_ex - v) + gi*(E_in - v)) / C_m : volt (unless refractory)
    dge/dt = -ge/tau_ex : siemens
    dgi/dt = -gi/tau_in : siemens
    """
    ns = dict(C_m=C_m, g_L=g_L, E_L=E_L, E_ex=E_ex, E_in=E_in, tau_ex=tau_ex, tau_in=tau_in,
              V_th=V_th, V_reset=V_reset)
    P = b2.NeuronGroup(N, eqs, threshold="v >= V_th", reset="v = V_reset", refractory=5 * ms,
                       method="exponential_euler", namespace=ns, dt=DT_MS * ms)
    P.v = "E_L + rand()*(V_th - E_L)"
    Ce = b2.Synapses(P[:NE], P, on_pre="ge_post += 6*nS", delay=0.1 * ms, dt=DT_MS * ms)
    Ce.connect(p=P_CONN)
    Ci = b2.Synapses(P[NE:], P, on_pre="gi_post += 67*nS", delay=0.1 * ms, dt=DT_MS * ms)
    Ci.connect(p=P_CONN)
    drive = b2.PoissonInput(P, "ge", N=2400, rate=1 * Hz, weight=2.1 * nS)
    mon = b2.SpikeMonitor(P)
    net = b2.Network(P, Ce, Ci, drive, mon)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(warm_ms * ms)
    warm = time.perf_counter() - t0
    _say(ready=True, build_s=build, warm_s=warm, synapses=int(len(Ce) + len(Ci)),
         version=b2.__version__, target=b2.prefs.codegen.target)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        before = int(mon.num_spikes)
        c0, t0 = time.process_time(), time.perf_counter()
        net.run(T_MS * ms)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        _say(t=wall, cpu=cpu, loop=float(b2.get_device()._last_run_time), spikes=int(mon.num_spikes) - before,
             sim_s=float(net.t / second))


def nest_worker(warm_ms: float, threads: int) -> None:
    os.environ.setdefault("PYNEST_QUIET", "1")
    import nest

    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": DT_MS, "local_num_threads": threads, "rng_seed": SEED})
    t0 = time.perf_counter()
    params = {"C_m": 200.0, "g_L": 10.0, "E_L": -60.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
              "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 0.0}
    P = nest.Create("iaf_cond_exp", N, params=params)
    P.V_m = nest.random.uniform(-60.0, -50.0)
    rule = {"rule": "pairwise_bernoulli", "p": P_CONN}
    nest.Connect(P[:NE], P, rule, {"weight": 6.0, "delay": DT_MS})
    nest.Connect(P[NE:], P, rule, {"weight": -67.0, "delay": DT_MS})
    pg = nest.Create("poisson_generator", params={"rate": 2400.0})
    nest.Connect(pg, P, "all_to_all", {"weight": 2.1, "delay": DT_MS})
    sr = nest.Create("spike_recorder")
    nest.Connect(P, sr)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(warm_ms)
    warm = time.perf_counter() - t0
    _say(ready=True, build_s=build, warm_s=warm, synapses=int(nest.num_connections) - 2 * N,
         version=nest.__version__, threads=int(nest.GetKernelStatus("local_num_threads")))
    for line in sys.stdin:
        if line.strip() != "run":
            break
        before = int(sr.n_events)
        c0, t0 = time.process_time(), time.perf_counter()
        nest.Simulate(T_MS)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        _say(t=wall, cpu=cpu, spikes=int(sr.n_events) - before, sim_s=float(nest.biological_time) / 1e3)


# ------------------------------------------------------------------ parent

class Worker:
    """A worker process of another interpreter: built and warmed on start, one timed run per call."""

    def __init__(self, name: str, python: str, args: list[str]) -> None:
        self.name = name
        self.log = tempfile.NamedTemporaryFile("w+", prefix=f"peers-{name.replace(' ', '_')}-", suffix=".log",
                                               delete=False)
        env = dict(os.environ, PYTHONPATH="", OMP_NUM_THREADS="1")
        self.proc = subprocess.Popen([python, os.path.abspath(__file__), "--worker", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, bufsize=1, env=env, cwd=tempfile.gettempdir())
        self.info = self._read()

    def _read(self) -> dict:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(TAG):
                return json.loads(line[len(TAG):])
        self.log.seek(0)
        raise RuntimeError(f"{self.name} worker ended (rc {self.proc.wait()}):\n{self.log.read()[-3000:]}")

    def run(self) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("stop\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=120)


def coba_network(seed: int = SEED):
    import neurounits as nu

    net = nu.Network(seed=seed)
    P = net.add(nu.models.CobaLIF(n=N), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")})
    net.connect(P[:NE], P, nu.conn.FixedProbability(P_CONN), weight="6 nS", receptor="ex", delay="0.1 ms")
    net.connect(P[NE:], P, nu.conn.FixedProbability(P_CONN), weight="67 nS", receptor="inh", delay="0.1 ms")
    net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS", receptor="ex")
    net.record(P, spikes=True)
    return net


class Ours:
    def __init__(self, warm_ms: float, threads: int | None = None) -> None:
        import neurounits as nu

        t0 = time.perf_counter()
        self.sim = nu.Simulation(coba_network(), f"{DT_MS} ms", threads=threads)
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        self.sim.advance(round(warm_ms / DT_MS))
        warm = time.perf_counter() - t0
        self.info = {"build_s": build, "warm_s": warm, "synapses": int(self.sim.built.n_synapses)}

    def _count(self) -> int:
        return int(self.sim.results["P"].spikes.indices.size)

    def run(self) -> dict:
        before = self._count()
        c0, t0 = time.process_time(), time.perf_counter()
        self.sim.run(f"{T_MS} ms")
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return {"t": wall, "cpu": cpu, "spikes": self._count() - before,
                "sim_s": float(self.sim.t.to("s").magnitude)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="timed seconds per side (best of)")
    ap.add_argument("--nest-repeats", type=int, default=None, help="NEST on 1 thread (default: --repeats)")
    ap.add_argument("--nest2-repeats", type=int, default=1, help="for NEST on 2 threads (default 1)")
    ap.add_argument("--warm-ms", type=float, default=100.0)
    ap.add_argument("--brian-python", default="/work/brian2env/bin/python")
    ap.add_argument("--nest-python", default="/work/nestenv/bin/python")
    ap.add_argument("--no-brian", action="store_true")
    ap.add_argument("--no-nest", action="store_true")
    ap.add_argument("--no-nest2", action="store_true", help="skip NEST with 2 threads")
    ap.add_argument("--nu-threads", nargs="+", default=["1", "default"],
                    help="neurounits sides: threads=1, 2, ... or 'default' (threads=None; the first is the "
                    "reference of the ratios)")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        if args.worker[0] == "brian2":
            brian2_worker(float(args.worker[1]))
        else:
            nest_worker(float(args.worker[1]), int(args.worker[2]))
        return

    load0 = os.getloadavg()
    print(f"load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}", flush=True)
    sides: dict[str, object] = {}
    reps: dict[str, int] = {}
    nest_reps = args.nest_repeats or args.repeats
    ours_names = []
    for k, th in enumerate(args.nu_threads):
        name = "neurounits" if k == 0 else f"nu threads={th}"
        sides[name] = Ours(args.warm_ms, None if th == "default" else int(th))
        reps[name] = args.repeats
        ours_names.append(name)
    print(f"neurounits: threads={args.nu_threads[0]}" + (f"; also threads={', '.join(args.nu_threads[1:])}"
          if len(args.nu_threads) > 1 else ""), flush=True)
    if not args.no_brian:
        sides["Brian2"] = Worker("Brian2", args.brian_python, ["brian2", str(args.warm_ms)])
        reps["Brian2"] = args.repeats
    if not args.no_nest:
        sides["NEST 1 thread"] = Worker("NEST 1 thread", args.nest_python, ["nest", str(args.warm_ms), "1"])
        reps["NEST 1 thread"] = nest_reps
        if not args.no_nest2:
            sides["NEST 2 threads"] = Worker("NEST 2 threads", args.nest_python,
                                             ["nest", str(args.warm_ms), "2"])
            reps["NEST 2 threads"] = args.nest2_repeats
    for name, side in sides.items():
        info = side.info  # type: ignore[attr-defined]
        extra = {k: v for k, v in info.items() if k not in ("ready", "build_s", "warm_s", "synapses")}
        print(f"{name:15s} built in {info['build_s']:.2f} s, {info['synapses']:,} synapses, warm-up "
              f"{args.warm_ms:g} ms in {info['warm_s']:.2f} s {extra if extra else ''}", flush=True)

    runs: dict[str, list[dict]] = {k: [] for k in sides}
    try:
        for r in range(max(reps.values())):
            for name, side in sides.items():
                if r < reps[name]:
                    out = side.run()  # type: ignore[attr-defined]
                    runs[name].append(out)
                    loop = f" (main loop {out['loop']:.3f} s)" if "loop" in out else ""
                    print(f"  round {r + 1} {name:15s} {out['t']:8.3f} s (CPU {out['cpu']:.3f} s){loop}, "
                          f"{out['spikes'] / N / (T_MS / 1e3):5.1f} Hz, t = {out['sim_s']:.1f} s "
                          f"(load {os.getloadavg()[0]:.2f})", flush=True)
    finally:
        for side in sides.values():
            if isinstance(side, Worker):
                side.close()

    load1 = os.getloadavg()
    best = {k: min(o["t"] for o in v) for k, v in runs.items()}
    cpu = {k: min(o["cpu"] for o in v) for k, v in runs.items()}
    rate = {k: sum(o["spikes"] for o in v) / len(v) / N / (T_MS / 1e3) for k, v in runs.items()}
    print(f"\nCOBA, {N} neurons, 1 s at dt = {DT_MS} ms, best of {args.repeats} "
          f"(NEST: {nest_reps}, on 2 threads {args.nest2_repeats}); load average {load0[0]:.2f} at start, "
          f"{load1[0]:.2f} at end")
    print(f"{'side':15s} {'best s':>8s} {'all s':>30s} {'best CPU s':>10s} {'rate Hz':>8s} "
          f"{'/ nu':>7s} {'CPU / nu':>9s} {'paired':>7s}")
    ours, ours_cpu = best["neurounits"], cpu["neurounits"]
    for k in runs:
        alls = " ".join(f"{o['t']:.2f}" for o in runs[k])
        # the median over rounds of this side's time / neurounits' time of the same round
        med = statistics.median(o["t"] / p["t"] for o, p in zip(runs[k], runs["neurounits"], strict=False))
        print(f"{k:15s} {best[k]:8.3f} {alls:>30s} {cpu[k]:10.3f} {rate[k]:8.1f} {best[k] / ours:6.2f}x "
              f"{cpu[k] / ours_cpu:8.2f}x {med:6.2f}x")
    print("(/ nu: best over best; CPU / nu: best CPU time over best CPU time; paired: median over rounds "
          "of the two wall times of one round)")
    for name, th in zip(ours_names, args.nu_threads, strict=True):
        us = best[name]
        if "Brian2" in runs:
            loop = min(o["loop"] for o in runs["Brian2"])
            print(f"Brian2 / neurounits (threads={th}) {best['Brian2'] / us:.2f}x (target >= 1.4); Brian2's "
                  f"main loop alone {loop:.3f} s: {loop / us:.2f}x")
        if "NEST 1 thread" in runs:
            nest1 = best["NEST 1 thread"]
            print(f"NEST 1 thread / neurounits (threads={th}) {nest1 / us:.1f}x (target >= 15)")
    if "NEST 2 threads" in runs:
        print(f"NEST 2 threads / neurounits {best['NEST 2 threads'] / ours:.1f}x; "
              f"NEST 1 thread / 2 threads {best['NEST 1 thread'] / best['NEST 2 threads']:.2f}x")


if __name__ == "__main__":
    main()
