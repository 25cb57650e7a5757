"""Network cost: neurounits vs a hand-written Numba kernel of the same network, same run.

COBA (Brette et al. 2007, benchmark 1): 4,000 CobaLIF neurons (80 % excitatory), connection
probability 0.02, weights 6 nS (excitatory) and 67 nS (inhibitory), delay 0.1 ms (one step),
Poisson drive 2.4 kHz x 2.1 nS per neuron, 1 s at dt = 0.1 ms, every spike recorded.

The hand kernel does the same work as a careful author would write it: the same exponential-Euler
update (phi1 of the constant decay rates computed once), CSR synapses per source with one weight
per projection, a two-slot buffer for the one-step delay, every spike recorded, and the Poisson
drive by the algorithm neurounits uses (time rescaling): each neuron's train keeps the mean count
left until its next event, takes rate*dt off it every step and, when that reaches 0, counts an
event and adds the next Exp(1) interval (numba's ``np.random.exponential``); a first,
branch-free pass lists the neurons with events, so that a step without an event costs a
subtraction and a store, a second pass draws their intervals (before, the hand kernel drew
``np.random.poisson`` per neuron and step, as neurounits did).  Both run on one thread
(``threads=1``; neurounits' default, which may use a team of threads, is printed beside it).  Times
alternate between the two sides, best of ``REPEATS``; the ratio is printed (target: <= 1.15).

Brunel's (2000) model A network (12,500 ``nest.iaf_psc_delta``, in-degree 1,000 + 250, 15.6 M
synapses, D = 1.5 ms, Poisson drive 20 kHz x 0.1 mV), 0.5 s on one thread against a hand kernel of
the same network (``brunel_hand``: exact propagator, a ring of D + 1 slots, CSR by source with a
weight per source population, ``np.random.poisson`` per neuron and step; target <= 1.15); also the
time to build its connectivity and its bytes per synapse (targets <= 1 s, <= 13 bytes) and its
memory against the prediction.

    python benchmarks/bench_network.py [--repeats 5] [--skip-brunel]
"""

from __future__ import annotations

import argparse
import math
import os
import time
import tracemalloc

import numpy as np
from numba import njit

import neurounits as nu

N, NE, P_CONN, T_MS, DT_MS = 4000, 3200, 0.02, 1000.0, 0.1
STEPS = round(T_MS / DT_MS)


def coba_network(seed: int = 12345) -> nu.Network:
    net = nu.Network(seed=seed)
    P = net.add(nu.models.CobaLIF(n=N), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")})
    net.connect(P[:NE], P, nu.conn.FixedProbability(P_CONN), weight="6 nS", receptor="ex", delay="0.1 ms")
    net.connect(P[NE:], P, nu.conn.FixedProbability(P_CONN), weight="67 nS", receptor="inh", delay="0.1 ms")
    net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS", receptor="ex")
    net.record(P, spikes=True)
    return net


@njit(cache=True, nogil=True)
def _phi1(z):
    return math.expm1(z) / z if z != 0.0 else 1.0


@njit(cache=True, nogil=True)
def coba_hand(n_steps, dt, v, ge, gi, ref, ptr, post, ne, w_ex, w_in, lam, w_ext, seed):
    """COBA, one step: Poisson input, exponential Euler, threshold/reset/refractory, delivery."""
    np.random.seed(seed)
    n = v.shape[0]
    c_m, g_l, e_l, e_ex, e_in, tau_e, tau_i = 200.0, 10.0, -60.0, 0.0, -80.0, 5.0, 10.0
    v_th, v_reset, ref_steps = -50.0, -60.0, 50
    pe = dt * _phi1(-dt / tau_e)
    pi = dt * _phi1(-dt / tau_i)
    b_ex = np.zeros((2, n))
    b_in = np.zeros((2, n))
    spk = np.zeros(n, np.int64)
    spk_t = np.empty(1 << 21, np.int64)
    spk_i = np.empty(1 << 21, np.int64)
    rem = np.empty(n)  # each neuron's Poisson train: the mean count left until its next event
    evq = np.empty(n, np.int64)  # the neurons whose trains have events in a step
    for i in range(n):
        rem[i] = np.random.exponential(1.0)
    k = 0
    for j in range(n_steps):
        now, nxt = j & 1, (j + 1) & 1
        nq = 0
        for i in range(n):  # Poisson input emitted now (time rescaling), arriving in the next step
            r = rem[i] - lam
            rem[i] = r
            evq[nq] = i
            nq += 1 if r <= 0.0 else 0
        for q in range(nq):  # the neurons whose trains have events in this step
            i = evq[q]
            r, c = rem[i], 0
            while r <= 0.0:
                c += 1
                r += np.random.exponential(1.0)
            rem[i] = r
            b_ex[nxt, i] += c * w_ext
        ns = 0
        for i in range(n):
            x, a, b = v[i], ge[i], gi[i]
            refr = ref[i] > 0
            a_v = (-g_l - a - b) / c_m
            f_v = (g_l * (e_l - x) + a * (e_ex - x) + b * (e_in - x)) / c_m
            x = x if refr else x + dt * f_v * _phi1(a_v * dt)
            a = a + (-a / tau_e) * pe + b_ex[now, i]
            b = b + (-b / tau_i) * pi + b_in[now, i]
            b_ex[now, i] = 0.0
            b_in[now, i] = 0.0
            sp = (x >= v_th) and not refr
            v[i] = v_reset if sp else x
            ref[i] = ref_steps if sp else max(ref[i] - 1, 0)
            ge[i], gi[i] = a, b
            spk[ns] = i
            ns += 1 if sp else 0
        for q in range(ns):
            i = spk[q]
            spk_t[k] = j
            spk_i[k] = i
            k += 1
            if i < ne:
                for s in range(ptr[i], ptr[i + 1]):
                    b_ex[nxt, post[s]] += w_ex
            else:
                for s in range(ptr[i], ptr[i + 1]):
                    b_in[nxt, post[s]] += w_in
    return k, spk_t[:k], spk_i[:k]


def hand_inputs(seed: int = 12345):
    rng = np.random.default_rng(seed)
    v = rng.uniform(-60.0, -50.0, N)
    m = rng.random((N, N)) < P_CONN
    pre, post = np.nonzero(m)
    ptr = np.zeros(N + 1, np.int64)
    np.cumsum(np.bincount(pre, minlength=N), out=ptr[1:])
    return v, ptr, post.astype(np.int32)


def time_ours(sim) -> float:
    t = time.perf_counter()
    sim.run(f"{T_MS} ms")
    return time.perf_counter() - t


def time_hand(v0, ptr, post) -> tuple[float, int]:
    v, ge, gi, ref = v0.copy(), np.zeros(N), np.zeros(N), np.zeros(N, np.int64)
    t = time.perf_counter()
    k, _, _ = coba_hand(STEPS, DT_MS, v, ge, gi, ref, ptr, post, NE, 6.0, 67.0, 2400.0 * DT_MS * 1e-3, 2.1, 1)
    return time.perf_counter() - t, k


def brunel_network(spikes: bool = False) -> nu.Network:
    """Brunel's network: 12,500 iaf_psc_delta neurons, in-degree 1,000 excitatory + 250 inhibitory,
    delay 1.5 ms, a Poisson drive; ``spikes``: every spike recorded."""
    net = nu.Network(seed=1)
    P = net.add(nu.models.nest.iaf_psc_delta(n=12_500), name="P")
    net.connect(P[:10_000], P, nu.conn.FixedInDegree(1000), weight="0.1 mV", delay="1.5 ms")
    net.connect(P[10_000:], P, nu.conn.FixedInDegree(250), weight="-0.5 mV", delay="1.5 ms")
    net.connect(nu.sources.Poisson("20 kHz"), P, weight="0.1 mV", delay="1.5 ms")
    if spikes:
        net.record(P, spikes=True)
    return net


@njit(cache=True, nogil=True)
def brunel_hand(n_steps, v, ref, ptr, post, ne, w_e, w_i, lam, w_ext, d, seed):
    """Brunel's network A, as a careful author writes it: NEST's iaf_psc_delta (defaults: E_L =
    V_reset = -70 mV, V_th = -55 mV, tau_m = 10 ms, t_ref = 2 ms) by its exact propagator, input
    in a ring of d + 1 slots (arrivals while refractory discarded), CSR synapses by source with one
    weight per source population, Poisson drive by ``np.random.poisson`` per neuron and step, every
    spike recorded.  Returns the number of spikes."""
    np.random.seed(seed)
    n = v.shape[0]
    e_l, v_th, v_reset, ref_steps = -70.0, -55.0, -70.0, 20
    p22 = math.exp(-0.1 / 10.0)
    nslot = d + 1
    ring = np.zeros((nslot, n))
    spk_t = np.empty(1 << 22, np.int64)
    spk_i = np.empty(1 << 22, np.int64)
    spk = np.empty(n, np.int64)
    k = 0
    for j in range(n_steps):
        now, arr = j % nslot, (j + d) % nslot
        for i in range(n):  # Poisson input emitted now, arriving after d steps
            c = np.random.poisson(lam)
            if c > 0:
                ring[arr, i] += c * w_ext
        ns = 0
        for i in range(n):
            x = ring[now, i]
            ring[now, i] = 0.0
            if ref[i] > 0:
                ref[i] -= 1
            else:
                u = e_l + (v[i] - e_l) * p22 + x
                if u >= v_th:
                    u = v_reset
                    ref[i] = ref_steps
                    spk[ns] = i
                    ns += 1
                v[i] = u
        for q in range(ns):
            i = spk[q]
            if k < spk_t.shape[0]:
                spk_t[k] = j
                spk_i[k] = i
            k += 1
            w = w_e if i < ne else w_i
            for s in range(ptr[i], ptr[i + 1]):
                ring[arr, post[s]] += w
    return k


def brunel_hand_inputs(seed: int = 1):
    """Fixed in-degree 1,000 from E and 250 from I onto each of 12,500 neurons (multapses and
    autapses allowed, as NEST's defaults for the rule), as a CSR by source."""
    rng = np.random.default_rng(seed)
    n = 12_500
    pre = np.concatenate([rng.integers(0, 10_000, (n, 1000)), rng.integers(10_000, n, (n, 250))], axis=1)
    post = np.repeat(np.arange(n, dtype=np.int32), 1250)
    order = np.argsort(pre.ravel(), kind="stable")
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(pre.ravel(), minlength=n), out=ptr[1:])
    return ptr, post[order]


def time_brunel(repeats: int) -> None:
    """Brunel's network A for 0.5 s on one thread: neurounits (threads=1) against the hand kernel,
    alternating, best of ``repeats``."""
    ptr, post = brunel_hand_inputs()
    sim = nu.Simulation(brunel_network(spikes=True), f"{DT_MS} ms", threads=1)  # every spike, as by hand
    sim.advance(10)  # compile
    v0, ref0 = np.full(12_500, -70.0), np.zeros(12_500, np.int64)
    brunel_hand(10, v0, ref0, ptr, post, 10_000, 0.1, -0.5, 2.0, 0.1, 15, 1)  # compile
    ours, hand, spikes = [], [], []
    for r in range(repeats):
        t = time.perf_counter()
        sim.run("500 ms")
        ours.append(time.perf_counter() - t)
        v, ref = np.full(12_500, -70.0), np.zeros(12_500, np.int64)
        t = time.perf_counter()
        spikes.append(brunel_hand(5000, v, ref, ptr, post, 10_000, 0.1, -0.5, 2.0, 0.1, 15, r + 1))
        hand.append(time.perf_counter() - t)
    n_ours = sim.results["P"].spikes.indices.size / repeats
    print(
        f"Brunel 12500 neurons, 15.6 M synapses, 0.5 s: neurounits (threads=1) {min(ours):.3f} s, hand "
        f"kernel {min(hand):.3f} s, ratio {min(ours) / min(hand):.2f} (target <= 1.15); median of the pairs "
        f"{np.median(np.array(ours) / np.array(hand)):.2f} (spikes per 0.5 s: neurounits "
        f"{n_ours:.0f}, hand {np.mean(spikes):.0f})"
    )


def brunel_build() -> tuple[float, float, int]:
    """Build (draw and group by source) Brunel's network: seconds, bytes per synapse, synapses."""
    net = brunel_network()
    t = time.perf_counter()
    built = net.build("0.1 ms")
    dt = time.perf_counter() - t
    return dt, built.connectivity_bytes() / built.n_synapses, built.n_synapses


def brunel_memory() -> tuple[int, int]:
    """Brunel's memory predicted before the build (Network.memory) and measured: what the built
    network and a simulation of it hold (tracemalloc, after a first build has imported everything)."""
    net = brunel_network()
    predicted = net.memory("0.1 ms", threads=1).total  # (held before the run: no team)
    tracemalloc.start()
    sim = nu.Simulation(net, "0.1 ms")
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del sim
    return predicted, held


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-brunel", action="store_true")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    v0, ptr, post = hand_inputs()
    # Like for like: the hand kernel runs on one thread, so neurounits does too (threads=1); the
    # default (threads=None, which may move to a team of threads) is printed beside it.
    sim = nu.Simulation(coba_network(), f"{DT_MS} ms", threads=1)
    sim_default = nu.Simulation(coba_network(), f"{DT_MS} ms")
    sim.advance(10)  # compile
    sim_default.advance(10)
    time_hand(v0, ptr, post)  # compile
    ours, default, hand = [], [], []
    for _ in range(args.repeats):
        ours.append(time_ours(sim))
        t, k = time_hand(v0, ptr, post)
        hand.append(t)
        default.append(time_ours(sim_default))
    n_ours = sim.results["P"].spikes.indices.size
    print(
        f"COBA 4000 neurons, 1 s: neurounits (threads=1) {min(ours):.3f} s, hand kernel (one thread) "
        f"{min(hand):.3f} s, ratio {min(ours) / min(hand):.2f} (target <= 1.15); "
        f"median of the pairs {np.median(np.array(ours) / np.array(hand)):.2f} "
        f"(spikes per second: neurounits {n_ours / (args.repeats + 1e-3):.0f}, hand {k})"
    )
    print(
        f"COBA 4000 neurons, 1 s: neurounits' default (threads=None) {min(default):.3f} s, "
        f"{min(default) / min(hand):.2f} of the one-thread hand kernel"
    )
    if not args.skip_brunel:
        time_brunel(max(2, args.repeats - 2))
        brunel_build()  # the first build in a process compiles the counting sort (cached on disk)
        t, per, n_syn = min(brunel_build() for _ in range(3))
        print(
            f"Brunel connectivity: {n_syn / 1e6:.1f} M synapses built in {t:.2f} s, "
            f"{per:.2f} bytes per synapse"
        )
        predicted, held = brunel_memory()
        print(
            f"Brunel memory: predicted before the build {predicted / 2**20:.1f} MiB, held by the built "
            f"network and its simulation {held / 2**20:.1f} MiB (ratio {predicted / held:.3f})"
        )


if __name__ == "__main__":
    main()
