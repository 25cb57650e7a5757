"""Networks on two threads against one: COBA (4,000 neurons, delay 0.1 ms = one step) and Brunel
(12,500 neurons, 15.6 M synapses, D = 1.5 ms), the same run alternately with ``threads=1`` and
``threads=2``, best of ``--repeats``; the load average is printed before and after each pair.

``threads=2`` is what a user gets: the run times chunks and keeps the team only while it is faster
than one thread.  ``team only`` forces the team for the whole run (no fallback): the team's own
speed.  Targets: two threads >= 1.6x one thread on a quiet machine, never slower on a busy one.
Every side must give the same spikes (checked).  On a busy machine the load changes between
repeats: the median over repeats of the ratio of two runs made back to back is also printed.
Each run is a fresh simulation (built again, not timed; the kernels are compiled before); a
team's first use in it sorts the synapses by column, which is timed with the run (printed once
as ``team setup``).

    python benchmarks/bench_network_threads.py [--repeats 5] [--scale 1.0] [--skip-coba] [--skip-brunel]

``--scale 0.2`` runs both networks with a fifth of the neurons (and in-degrees), for a quick look.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import neurounits as nu
from neurounits.network.team import Team


def coba(n: int) -> nu.Network:
    net = nu.Network(seed=12345)
    P = net.add(nu.models.CobaLIF(n=n), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")})
    ne = n * 4 // 5
    net.connect(P[:ne], P, nu.conn.FixedProbability(0.02), weight="6 nS", receptor="ex", delay="0.1 ms")
    net.connect(P[ne:], P, nu.conn.FixedProbability(0.02), weight="67 nS", receptor="inh", delay="0.1 ms")
    net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS", receptor="ex")
    net.record(P, spikes=True)
    return net


def brunel(n: int) -> nu.Network:
    """Brunel (2000) model A, regime of bench_network: in-degree n/12.5 excitatory + n/50 inhibitory."""
    net = nu.Network(seed=1)
    ne = n * 4 // 5
    P = net.add(nu.models.nest.iaf_psc_delta(n=n), name="P")
    net.connect(P[:ne], P, nu.conn.FixedInDegree(ne // 10), weight="0.1 mV", delay="1.5 ms")
    net.connect(P[ne:], P, nu.conn.FixedInDegree(ne // 40), weight="-0.5 mV", delay="1.5 ms")
    net.connect(nu.sources.Poisson("20 kHz"), P, weight="0.1 mV", delay="1.5 ms")
    net.record(P, spikes=True)
    return net


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def one_run(net: nu.Network, duration: str, threads: int, team_only: bool) -> tuple[float, np.ndarray]:
    sim = nu.Simulation(net, "0.1 ms", threads=threads)
    sim._runner.adaptive = not team_only
    t = time.perf_counter()
    sim.run(duration)
    dt = time.perf_counter() - t
    s = sim.results["P"].spikes
    return dt, np.stack([np.rint(s.times.to("ms").magnitude * 10).astype(np.int64), s.indices])


def bench(name: str, net: nu.Network, duration: str, repeats: int) -> None:
    sim = nu.Simulation(net, "0.1 ms", threads=2)
    sim._runner.adaptive = False
    sim.advance(20)  # compile both loops (cached on disk afterwards)
    t = time.perf_counter()
    Team(sim._runner, 2)
    setup = time.perf_counter() - t
    nu.Simulation(net, "0.1 ms", threads=1).advance(20)
    sides = {"1 thread": (1, False), "2 threads": (2, False), "team only": (2, True)}
    best = dict.fromkeys(sides, float("inf"))
    spikes: dict[str, np.ndarray] = {}
    ratios: dict[str, list[float]] = {"2 threads": [], "team only": []}
    for r in range(repeats):
        before = load()
        times = {}
        for side, (threads, team_only) in sides.items():
            times[side], spikes[side] = one_run(net, duration, threads, team_only)
            best[side] = min(best[side], times[side])
        for side in ratios:
            ratios[side].append(times["1 thread"] / times[side])
        shown = ", ".join(f"{side} {t:.3f} s" for side, t in times.items())
        print(f"  {name} repeat {r + 1}: {shown}  (load {before} -> {load()})")
    same = all(np.array_equal(spikes["1 thread"], s) for s in spikes.values())
    print(
        f"{name}: best of {repeats}: 1 thread {best['1 thread']:.3f} s, 2 threads {best['2 threads']:.3f} s "
        f"(speed-up {best['1 thread'] / best['2 threads']:.2f}x), team only {best['team only']:.3f} s "
        f"({best['1 thread'] / best['team only']:.2f}x); team setup (sorting, first use) {setup:.3f} s; "
        f"{spikes['1 thread'].shape[1]} spikes, the same on every side: {same}"
    )
    print(
        f"{name}: median over repeats of (1 thread / 2 threads) measured back to back: "
        f"{np.median(ratios['2 threads']):.2f}x, (1 thread / team only) {np.median(ratios['team only']):.2f}x"
    )
    assert same, "threads changed the spikes"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--skip-coba", action="store_true")
    ap.add_argument("--skip-brunel", action="store_true")
    args = ap.parse_args()
    print(f"load average {load()} on {os.cpu_count()} cores")
    if not args.skip_coba:
        n = round(4000 * args.scale)
        bench(f"COBA {n} neurons, 1 s", coba(n), "1 s", args.repeats)
    if not args.skip_brunel:
        n = round(12_500 * args.scale)
        bench(f"Brunel {n} neurons, 0.5 s", brunel(n), "0.5 s", args.repeats)


if __name__ == "__main__":
    main()
