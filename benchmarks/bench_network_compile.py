"""First-use cost of a network's kernels: a fresh process, empty (or warm) caches, ``import`` to results.

COBA (Brette et al. 2007 benchmark 1, the network of ``bench_network.py``: 4,000 CobaLIF neurons,
p = 0.02, delay 0.1 ms, Poisson drive), a short run (``--ms``, 50 ms), in three ways:

- ``threads=1``: the one-thread loop ``_loop`` only;
- ``team``: ``threads=2`` with the team forced for the whole run (no timing, no fallback): the team's
  loop ``_team`` only;
- ``threads=2``: what a user gets (the runner times chunks of the team and of one thread, so both
  loops are compiled).

Each run is a new interpreter with a new, empty ``NEUROUNITS_CACHE_DIR`` and ``NUMBA_CACHE_DIR``
(cold), then (``warm``) a second new interpreter with the caches the first one filled.  Printed per
process: wall time from just before ``import neurounits`` to the results, its phases (import,
network built, first ``run``), the CPU time, and what numba compiled (its event API; CPU time of
the compiling thread, which the load of a shared machine changes much less than wall time): for
``_loop``, ``_team``, the population's ``step`` (and ``record``) and the rest, each function's own
time, what it compiled inside it excluded, and for the loops also with it ("incl.").  A warm process
should compile nothing.  Cold processes of the three kinds alternate; the median over ``--repeat``
(3) is printed, with the load average.

Target (networks issue): cold compile of a network kernel <= 15 s.

    python benchmarks/bench_network_compile.py [--repeat 3] [--ms 50] [--kinds one,team,two]
                                               [--baseline /work/main]

``--baseline CHECKOUT`` runs each process of this checkout alternately with one of ``CHECKOUT`` (the
children import that checkout's neurounits): a before/after comparison under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_startup import child_env  # noqa: E402  (the same child environment)

TARGET_S = 15.0
KINDS = {"one": "threads=1", "team": "team (forced)", "two": "threads=2"}

# the child: KIND is "one", "team" or "two"; one JSON line, last on stdout
CHILD = """
import resource, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
c0 = cpu()
t0 = time.perf_counter()
import neurounits as nu
from numba.core import event
t1 = time.perf_counter()
kind = KIND
net = nu.Network(seed=12345)
P = net.add(nu.models.CobaLIF(n=4000), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")})
net.connect(P[:3200], P, nu.conn.FixedProbability(0.02), weight="6 nS", receptor="ex", delay="0.1 ms")
net.connect(P[3200:], P, nu.conn.FixedProbability(0.02), weight="67 nS", receptor="inh", delay="0.1 ms")
net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS", receptor="ex")
net.record(P, spikes=True)
stack, own = [], {}


class Split(event.Listener):  # each function's own compile time (thread CPU), its callees' excluded
    def on_start(self, ev):
        stack.append([time.thread_time(), 0.0])

    def on_end(self, ev):
        start, inner = stack.pop()
        took = time.thread_time() - start
        d = ev.data["dispatcher"]
        name = d.py_func.__qualname__
        if name not in ("_loop", "_team", "step", "record", "record0"):
            detail = d.py_func.__module__.rsplit(".", 1)[-1] + "." + name
            own["other:" + detail] = own.get("other:" + detail, 0.0) + took - inner
            name = "other"
        own[name] = own.get(name, 0.0) + took - inner
        if name in ("_loop", "_team"):
            own[name + " incl."] = own.get(name + " incl.", 0.0) + took
        if stack:
            stack[-1][1] += took


event.register("numba:compile", Split())
sim = nu.Simulation(net, "0.1 ms", threads=1 if kind == "one" else 2)
sim._runner.adaptive = kind != "team"
t2 = time.perf_counter()
sim.run(DURATION)
n_spikes = int(sim.results["P"].spikes.indices.size)
t3 = time.perf_counter()
c3 = cpu()
import json
print(json.dumps({"import": t1 - t0, "build": t2 - t1, "run": t3 - t2, "total": t3 - t0,
                  "cpu": c3 - c0, "compiles": own, "spikes": n_spikes}))
"""


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _child(kind: str, ms: float, nu_cache: str, numba_cache: str, root: Path = ROOT) -> dict:
    code = CHILD.replace("kind = KIND", f"kind = {kind!r}").replace("DURATION", repr(f"{ms} ms"))
    p = subprocess.run(
        [sys.executable, "-c", code],
        env=child_env(nu_cache, numba_cache, root),
        cwd=root,
        capture_output=True,
        text=True,
    )
    if p.returncode != 0:
        raise RuntimeError(f"{kind}: child failed (rc {p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def cold_and_warm(kind: str, ms: float, root: Path = ROOT) -> tuple[dict, dict]:
    """A process with empty caches, then one with the caches it filled."""
    with tempfile.TemporaryDirectory(prefix="nu_bench_netcompile_") as tmp:
        nu_cache, numba_cache = os.path.join(tmp, "nu"), os.path.join(tmp, "numba")
        return _child(kind, ms, nu_cache, numba_cache, root), _child(kind, ms, nu_cache, numba_cache, root)


def _fmt(r: dict) -> str:
    comp = r["compiles"]
    parts = " ".join(
        f"{k} {comp[k]:.2f}"
        for k in ("_loop", "_loop incl.", "_team", "_team incl.", "step", "record", "other")
        if k in comp
    )
    return (
        f"total {r['total']:6.2f} s (import {r['import']:.2f}, build {r['build']:.2f}, "
        f"run {r['run']:.2f}) cpu {r['cpu']:6.2f} s; compiled: {parts or 'nothing'}"
    )


def _summary(label: str, rs: list[tuple[dict, dict]]) -> None:
    cold = statistics.median(r[0]["total"] for r in rs)
    warm = statistics.median(r[1]["total"] for r in rs)
    ccpu = statistics.median(r[0]["cpu"] for r in rs)
    names = sorted({n for r in rs for n in r[0]["compiles"] if not n.startswith("other:")})
    comp = ", ".join(f"{n} {statistics.median(r[0]['compiles'].get(n, 0.0) for r in rs):.2f}" for n in names)
    recompiled = sorted({n for r in rs for n in r[1]["compiles"] if not n.startswith("other:")})
    kernel = max(
        statistics.median(r[0]["compiles"].get(n, 0.0) for r in rs) for n in ("_loop incl.", "_team incl.")
    )
    ok = "ok" if kernel <= TARGET_S else "MISS"
    print(
        f"  {label:24s} cold {cold:6.2f} s (cpu {ccpu:.2f}; compile cpu: {comp}); warm {warm:5.2f} s, "
        f"recompiled warm: {', '.join(recompiled) or 'nothing'}; loop compile <= {TARGET_S:g} s {ok}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="cold + warm process pairs per kind (default 3)")
    ap.add_argument("--ms", type=float, default=50.0, help="simulated milliseconds (default 50)")
    ap.add_argument("--kinds", default="one,team,two", help="comma-separated of one, team, two")
    ap.add_argument("--baseline", default="", help="another checkout, run alternately (before/after)")
    args = ap.parse_args()
    kinds = args.kinds.split(",")
    sides = {"": ROOT} | ({f" [{args.baseline}]": Path(args.baseline)} if args.baseline else {})
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {_load()}")
    print(f"COBA 4,000 neurons, {args.ms:g} ms; each kind: a process with empty caches, then one warm")
    runs: dict[tuple[str, str], list[tuple[dict, dict]]] = {(k, side): [] for k in kinds for side in sides}
    for _ in range(args.repeat):
        for k in kinds:
            for side, root in sides.items():
                cold, warm = cold_and_warm(k, args.ms, root)
                runs[k, side].append((cold, warm))
                print(f"  {KINDS[k] + side:14s} cold {_fmt(cold)}", flush=True)
                print(f"  {'':14s} warm {_fmt(warm)}  (load {_load()})", flush=True)
                if cold["spikes"] != warm["spikes"]:
                    raise RuntimeError(f"{k}: different spikes cold and warm")
    spikes = {r[0]["spikes"] for rs in runs.values() for r in rs}
    if len(spikes) != 1:
        raise RuntimeError(f"the kinds gave different numbers of spikes: {spikes}")
    print(f"medians over {args.repeat} (load average at the end {_load()}):")
    for (k, side), rs in runs.items():
        _summary(KINDS[k] + side, rs)


if __name__ == "__main__":
    main()
