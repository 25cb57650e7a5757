"""NEST 3.10 population statistics over seeds: Brunel (2000) model A and the COBA network.

Run with the Python environment that has NEST (see README.md in this folder)::

    /work/nestenv/bin/python tests/reference/make_stats_refs.py            # both (about 2 min)
    /work/nestenv/bin/python tests/reference/make_stats_refs.py brunel     # or: coba  [--seeds 10]

- ``brunel_stats.npz``: Brunel's model A, asynchronous irregular regime (g = 5, eta = 2), scaled
  as ``examples/network_brunel.py`` does by default: N_E = 2,000, N_I = 500 ``iaf_psc_delta``
  (E_L = 0, V_reset = 10 mV, V_th = 20 mV, tau_m = 20 ms, t_ref = 2 ms, C_m = NEST's default),
  fixed in-degrees C_E = 200 (0.1 N_E, as Brunel's) and C_I = 50, J = 0.5 mV (J C_E = 100 mV, as
  Brunel's 0.1 mV x 1,000), -g J from inhibitory neurons, delay 1.5 ms, and a Poisson drive of
  eta nu_thr C_E (nu_thr = V_th / (J C_E tau_m)) per neuron with weight J and delay 1.5 ms;
  V_m(0) uniform in [0, 20] mV; 600 ms, statistics over (100, 600] ms: the mean rate of all
  neurons, and the mean CV(ISI) over the neurons with at least 3 ISIs in the window.
- ``coba_stats.npz``: the COBA network of Brette et al. (2007) as ``examples/network_coba_cuba.py``
  and ``benchmarks/bench_network_peers.py`` build it: 4,000 ``iaf_cond_exp`` (C_m = 200 pF,
  g_L = 10 nS, E_L = -60 mV, V_th = -50 mV, V_reset = -60 mV, t_ref = 5 ms, E_ex = 0, E_in =
  -80 mV, tau_syn_ex = 5 ms, tau_syn_in = 10 ms), pairwise Bernoulli p = 0.02 (autapses and
  multapses allowed as in neurounits' FixedProbability), +6 nS from the first 3,200, 67 nS
  inhibitory from the others, delay 0.1 ms, a 2.4 kHz Poisson drive of 2.1 nS per neuron, V_m(0)
  uniform in [-60, -50] mV; 300 ms, the mean rate over (100, 300] ms.

Seeds 1..10 (``rng_seed``), one thread, dt = 0.1 ms.  Every file stores, per seed, the mean rate
(Hz) (and for Brunel the mean CV), with the settings in ``params_json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DT = 0.1

# Brunel (2000) model A, scaled 5 x (examples/network_brunel.py's default)
B_NE, B_G, B_ETA, B_J, B_D = 2000, 5.0, 2.0, 0.5, 1.5
B_NI, B_CE = B_NE // 4, B_NE // 10
B_CI = B_CE // 4
B_TAU, B_THETA, B_T, B_WINDOW = 20.0, 20.0, 600.0, (100.0, 600.0)
# COBA (Brette et al. 2007)
C_N, C_NE, C_P, C_T, C_WINDOW = 4000, 3200, 0.02, 300.0, (100.0, 300.0)
C_PARAMS = {
    "C_m": 200.0,
    "g_L": 10.0,
    "E_L": -60.0,
    "V_th": -50.0,
    "V_reset": -60.0,
    "t_ref": 5.0,
    "E_ex": 0.0,
    "E_in": -80.0,
    "tau_syn_ex": 5.0,
    "tau_syn_in": 10.0,
    "I_e": 0.0,
}


def cv_isi(times: np.ndarray, idx: np.ndarray) -> float:
    """Mean over neurons with >= 3 ISIs of std(ISI) / mean(ISI) (population std, ddof = 0)."""
    order = np.lexsort((times, idx))
    t, i = times[order], idx[order]
    cvs = []
    bounds = np.flatnonzero(np.diff(i)) + 1
    for seg in np.split(t, bounds):
        isi = np.diff(seg)
        if isi.size >= 3:
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)) if cvs else float("nan")


def _reset(nest, seed):
    nest.ResetKernel()
    nest.set(resolution=DT, local_num_threads=1, rng_seed=seed, print_time=False)


def _spikes(sr, pop):
    ev = sr.events
    return np.asarray(ev["times"], dtype=float), np.asarray(ev["senders"], dtype=np.int64) - pop[0].global_id


def run_brunel(nest, seed):
    _reset(nest, seed)
    P = nest.Create(
        "iaf_psc_delta",
        B_NE + B_NI,
        params={"E_L": 0.0, "V_reset": 10.0, "V_th": B_THETA, "tau_m": B_TAU, "t_ref": 2.0},
    )
    P.V_m = nest.random.uniform(0.0, B_THETA)
    nest.Connect(P[:B_NE], P, {"rule": "fixed_indegree", "indegree": B_CE}, {"weight": B_J, "delay": B_D})
    nest.Connect(
        P[B_NE:], P, {"rule": "fixed_indegree", "indegree": B_CI}, {"weight": -B_G * B_J, "delay": B_D}
    )
    nu_thr = B_THETA / (B_J * B_CE * B_TAU)  # per ms
    pg = nest.Create("poisson_generator", params={"rate": B_ETA * nu_thr * B_CE * 1000.0})
    nest.Connect(pg, P, "all_to_all", {"weight": B_J, "delay": B_D})
    sr = nest.Create("spike_recorder")
    nest.Connect(P, sr)
    nest.Simulate(B_T)
    t, i = _spikes(sr, P)
    lo, hi = B_WINDOW
    w = (t > lo) & (t <= hi)
    return {"rate": np.sum(w) / ((B_NE + B_NI) * (hi - lo) * 1e-3), "cv": cv_isi(t[w], i[w])}


def run_coba(nest, seed):
    _reset(nest, seed)
    P = nest.Create("iaf_cond_exp", C_N, params=C_PARAMS)
    P.V_m = nest.random.uniform(-60.0, -50.0)
    rule = {"rule": "pairwise_bernoulli", "p": C_P}
    nest.Connect(P[:C_NE], P, rule, {"weight": 6.0, "delay": DT})
    nest.Connect(P[C_NE:], P, rule, {"weight": -67.0, "delay": DT})
    pg = nest.Create("poisson_generator", params={"rate": 2400.0})
    nest.Connect(pg, P, "all_to_all", {"weight": 2.1, "delay": DT})
    sr = nest.Create("spike_recorder")
    nest.Connect(P, sr)
    nest.Simulate(C_T)
    t, _ = _spikes(sr, P)
    lo, hi = C_WINDOW
    return {"rate": np.sum((t > lo) & (t <= hi)) / (C_N * (hi - lo) * 1e-3)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("groups", nargs="*", default=["brunel", "coba"])
    ap.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args(argv)
    import nest

    nest.set_verbosity("M_ERROR")
    seeds = np.arange(1, args.seeds + 1)
    cases = {
        "brunel": (
            run_brunel,
            {
                "ne": B_NE,
                "ni": B_NI,
                "ce": B_CE,
                "ci": B_CI,
                "g": B_G,
                "eta": B_ETA,
                "J_mV": B_J,
                "delay_ms": B_D,
                "tau_m": B_TAU,
                "theta": B_THETA,
                "duration": B_T,
                "window": B_WINDOW,
                "model": "iaf_psc_delta",
            },
        ),
        "coba": (
            run_coba,
            {
                "n": C_N,
                "ne": C_NE,
                "p": C_P,
                "duration": C_T,
                "window": C_WINDOW,
                "params": C_PARAMS,
                "model": "iaf_cond_exp",
                "w_ex_nS": 6.0,
                "w_in_nS": 67.0,
                "poisson_Hz": 2400.0,
                "w_poisson_nS": 2.1,
            },
        ),
    }
    for group in args.groups:
        fn, meta = cases[group]
        out = {}
        t0 = time.perf_counter()
        for seed in seeds:
            r = fn(nest, int(seed))
            for k, v in r.items():
                out.setdefault(k, []).append(v)
            print(
                f"{group} seed {seed:2d}: "
                + ", ".join(f"{k} {v:.4f}" for k, v in r.items())
                + f" [{time.perf_counter() - t0:.0f} s]",
                flush=True,
            )
        meta = dict(meta, dt=DT, threads=1, nest_version=nest.__version__, seeds="rng_seed")
        path = HERE / f"{group}_stats.npz"
        np.savez_compressed(
            path,
            seeds=seeds,
            params_json=np.str_(json.dumps(meta, sort_keys=True)),
            **{k: np.asarray(v, dtype=float) for k, v in out.items()},
        )
        print(
            f"{group}: "
            + ", ".join(f"{k} {np.mean(v):.4f} +/- {np.std(v, ddof=1):.4f} (s.d.)" for k, v in out.items())
            + f" -> {path.name}"
        )


if __name__ == "__main__":
    main()
