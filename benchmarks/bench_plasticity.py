"""Plasticity cost: COBA with STDP on the excitatory-to-excitatory projection, neurounits vs a
hand-written Numba kernel of the same network and rule, same run.

The network is bench_network's COBA (4,000 CobaLIF neurons, 80 % excitatory, p = 0.02, 6 nS /
67 nS, delay 0.1 ms, Poisson drive 2.4 kHz x 2.1 nS, 1 s at 0.1 ms), with the E -> E synapses
plastic: NEST's ``stdp_synapse`` (tau_plus = tau_minus = 20 ms, lambda 0.01, alpha 1.05,
mu_plus = mu_minus = 1, Wmax 12 nS; the delay of one step all dendritic).  The hand kernel does
what a careful author would write for that rule: per-synapse weights in a CSR by source plus an
index by target, a trace per neuron computed when read (``K exp(-elapsed/tau)``), post spikes
reaching the synapses one step later (facilitation), pre spikes depressing then transmitting, the
other projections static as in bench_network.  Both run on one thread.  Times alternate between
the two sides, best of ``REPEATS``; the ratio is printed (target: <= 1.5).

``--threads``: also neurounits on two threads, a team for the whole run (``adaptive = False``) and
the default (the runner chooses between the team and one thread by time), each against the
one-thread run: time, speed-up, and whether the spikes and final weights are the same bits.

    python benchmarks/bench_plasticity.py [--repeats 5] [--threads]
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
from numba import njit

import neurounits as nu

N, NE, P_CONN, T_MS, DT_MS = 4000, 3200, 0.02, 1000.0, 0.1
STEPS = round(T_MS / DT_MS)
TAU_P, TAU_M, LAM, ALPHA, MU_P, MU_M, WMAX, W0 = 20.0, 20.0, 0.01, 1.05, 1.0, 1.0, 12.0, 6.0
PRM = (TAU_P, TAU_M, LAM, ALPHA, MU_P, MU_M, WMAX, NE)


def network(seed: int = 12345):
    net = nu.Network(seed=seed)
    P = net.add(nu.models.CobaLIF(n=N), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")})
    stdp = nu.synapses.STDP(
        tau_plus=f"{TAU_P} ms",
        tau_minus=f"{TAU_M} ms",
        lambda_=LAM,
        alpha=ALPHA,
        mu_plus=MU_P,
        mu_minus=MU_M,
        Wmax=f"{WMAX} nS",
    )
    pr = net.connect(
        P[:NE],
        P[:NE],
        nu.conn.FixedProbability(P_CONN),
        weight=f"{W0} nS",
        receptor="ex",
        delay="0.1 ms",
        synapse=stdp,
    )
    net.connect(
        P[:NE], P[NE:], nu.conn.FixedProbability(P_CONN), weight="6 nS", receptor="ex", delay="0.1 ms"
    )
    net.connect(P[NE:], P, nu.conn.FixedProbability(P_CONN), weight="67 nS", receptor="inh", delay="0.1 ms")
    net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS", receptor="ex")
    net.record(P, spikes=True)
    return net, pr


@njit(cache=True, nogil=True)
def _phi1(z):
    return math.expm1(z) / z if z != 0.0 else 1.0


@njit(cache=True, nogil=True)
def _stdp_step(j, dt, ns, spk, arr, n_arr, ptr, post, w, tptr, tsyn, tpre, kp, tkp, km, tkm, b_ex_next, prm):
    """One step of the plastic E -> E synapses (NEST's stdp_synapse, delay one step); the rule's
    parameters ``prm`` are run-time values, as neurounits' are."""
    tau_p, tau_m, lam, alpha, mu_p, mu_m, wmax, ne = prm
    for q in range(n_arr):  # post spikes of the previous step reach the synapses: facilitation
        i = arr[q]
        for m in range(tptr[i], tptr[i + 1]):
            s = tsyn[m]
            o = tpre[m]
            kpo = kp[o] * (1.0 if tkp[o] == j else math.exp(-((j - tkp[o]) * dt) / tau_p))
            x = w[s] / wmax + lam * (1.0 - w[s] / wmax) ** mu_p * kpo
            w[s] = x * wmax if x < 1.0 else wmax
    for q in range(ns):  # pre spikes: depression, then the spike
        i = spk[q]
        if i >= ne:
            continue
        for s in range(ptr[i], ptr[i + 1]):
            o = post[s]
            kmo = km[o] * (1.0 if tkm[o] == j else math.exp(-((j - tkm[o]) * dt) / tau_m))
            x = w[s] / wmax - alpha * lam * (w[s] / wmax) ** mu_m * kmo
            w[s] = x * wmax if x > 0.0 else 0.0
            b_ex_next[o] += w[s]
        kp[i] = kp[i] * (1.0 if tkp[i] == j else math.exp(-((j - tkp[i]) * dt) / tau_p)) + 1.0
        tkp[i] = j
    for q in range(n_arr):  # the post traces of this step
        i = arr[q]
        km[i] = km[i] * (1.0 if tkm[i] == j else math.exp(-((j - tkm[i]) * dt) / tau_m)) + 1.0
        tkm[i] = j


@njit(cache=True, nogil=True)
def coba_stdp_hand(n_steps, dt, v, ge, gi, ref, sptr, spost, pl, prm, lam, w_ext, seed):
    """COBA with plastic E -> E synapses: Poisson input, exponential Euler, delivery, STDP."""
    ptr, post, w, tptr, tsyn, tpre = pl
    np.random.seed(seed)
    n = v.shape[0]
    c_m, g_l, e_l, e_ex, e_in, tau_e, tau_i = 200.0, 10.0, -60.0, 0.0, -80.0, 5.0, 10.0
    v_th, v_reset, ref_steps = -50.0, -60.0, 50
    pe, pi = dt * _phi1(-dt / tau_e), dt * _phi1(-dt / tau_i)
    b_ex, b_in = np.zeros((2, n)), np.zeros((2, n))
    spk, arr = np.zeros(n, np.int64), np.zeros(n, np.int64)
    kp, km = np.zeros(NE), np.zeros(n)
    tkp, tkm = np.full(NE, -1, np.int64), np.full(n, -1, np.int64)
    n_arr, k = 0, 0
    for j in range(n_steps):
        now, nxt = j & 1, (j + 1) & 1
        for i in range(n):
            b_ex[nxt, i] += np.random.poisson(lam) * w_ext
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
        k += ns
        for q in range(ns):  # static: E -> I (CSR sptr/spost) and I -> all
            i = spk[q]
            for s in range(sptr[i], sptr[i + 1]):
                if i < NE:
                    b_ex[nxt, spost[s]] += 6.0
                else:
                    b_in[nxt, spost[s]] += 67.0
        _stdp_step(
            j, dt, ns, spk, arr, n_arr, ptr, post, w, tptr, tsyn, tpre, kp, tkp, km, tkm, b_ex[nxt], prm
        )
        n_arr = 0
        for q in range(ns):  # reach the synapses in the next step
            if spk[q] < NE:
                arr[n_arr] = spk[q]
                n_arr += 1
    return k


def hand_inputs(seed: int = 12345):
    rng = np.random.default_rng(seed)
    v = rng.uniform(-60.0, -50.0, N)
    m = rng.random((N, N)) < P_CONN
    pre, post = np.nonzero(m)
    ee = (pre < NE) & (post < NE)

    def ptr_of(keys, n):
        ptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
        return ptr

    spre, spost = pre[~ee], post[~ee]
    ppre, ppost = pre[ee], post[ee]  # sorted by pre already (np.nonzero)
    by_post = np.argsort(ppost, kind="stable")
    pl = (
        ptr_of(ppre, NE),
        ppost.astype(np.int64),
        np.full(ppre.size, W0),
        ptr_of(ppost, NE),
        by_post.astype(np.int64),
        ppre[by_post].astype(np.int64),
    )
    return v, ptr_of(spre, N), spost.astype(np.int64), pl


def time_hand(v0, sptr, spost, pl) -> tuple[float, int, float]:
    v, ge, gi, ref = v0.copy(), np.zeros(N), np.zeros(N), np.zeros(N, np.int64)
    pl = (*pl[:2], pl[2].copy(), *pl[3:])
    t = time.perf_counter()
    k = coba_stdp_hand(STEPS, DT_MS, v, ge, gi, ref, sptr, spost, pl, PRM, 2400.0 * DT_MS * 1e-3, 2.1, 1)
    return time.perf_counter() - t, k, float(pl[2].mean())


def time_ours(net, pr) -> tuple[float, int, float]:
    dt, res = run_ours(net, 1, True)  # like the hand kernel: one thread
    return dt, res["P"].spikes.indices.size, float(res.final_weights(pr).m_as("nS").mean())


def run_ours(net, threads: int, adaptive: bool):
    """(seconds, results) of neurounits' run on at most ``threads`` threads (``adaptive`` False: a
    team for the whole run)."""
    sim = nu.Simulation(net, f"{DT_MS} ms", threads=threads)
    sim._runner.adaptive = adaptive
    t = time.perf_counter()
    sim.run(f"{T_MS} ms")
    return time.perf_counter() - t, sim.results


def same_bits(a, b, pr) -> bool:
    sa, sb = a["P"].spikes, b["P"].spikes
    return bool(
        np.array_equal(sa.indices, sb.indices)
        and np.array_equal(sa.times.m, sb.times.m)
        and np.array_equal(a.final_weights(pr).m, b.final_weights(pr).m)
    )


def threads_line(net, pr, repeats: int) -> None:
    """neurounits on one thread, a team of two (forced) and the default choice (threads=2)."""
    sides = {"one thread": (1, True), "team of 2 (forced)": (2, False), "threads=2 (adaptive)": (2, True)}
    run_ours(net, 2, False)  # compile the team's loop
    times: dict[str, list[float]] = {k: [] for k in sides}
    results = {}
    for _ in range(repeats):
        for name, (threads, adaptive) in sides.items():
            t, results[name] = run_ours(net, threads, adaptive)
            times[name].append(t)
    one = min(times["one thread"])
    parts = [f"one thread {one:.3f} s"]
    for name in list(sides)[1:]:
        best = min(times[name])
        same = same_bits(results["one thread"], results[name], pr)
        parts.append(f"{name} {best:.3f} s (x{one / best:.2f}, same bits: {same})")
    print("neurounits, COBA + STDP, 1 s: " + ", ".join(parts))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", action="store_true", help="also two threads (team, adaptive)")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    v0, sptr, spost, pl = hand_inputs()
    net, pr = network()
    nu.Simulation(net, f"{DT_MS} ms", threads=1).advance(10)  # compile
    coba_stdp_hand(
        10,
        DT_MS,
        v0.copy(),
        np.zeros(N),
        np.zeros(N),
        np.zeros(N, np.int64),
        sptr,
        spost,
        (*pl[:2], pl[2].copy(), *pl[3:]),
        PRM,
        0.24,
        2.1,
        1,
    )  # compile
    ours, hand = [], []
    for _ in range(args.repeats):
        t, k_ours, w_ours = time_ours(net, pr)
        ours.append(t)
        t, k_hand, w_hand = time_hand(v0, sptr, spost, pl)
        hand.append(t)
    print(
        f"COBA 4000 neurons + STDP on E->E (~205 k plastic synapses), 1 s: neurounits {min(ours):.3f} s, "
        f"hand kernel {min(hand):.3f} s, ratio {min(ours) / min(hand):.2f} (spikes: neurounits {k_ours}, "
        f"hand {k_hand}; mean final E->E weight: neurounits {w_ours:.3f} nS, hand {w_hand:.3f} nS)"
    )
    if args.threads:
        threads_line(net, pr, args.repeats)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
