"""NEST 3.10 statistics of Wang's (2002) decision network over seeds (``wang_decision.npz``).

The network of NEST's example ``pynest/examples/wang_decision_making.py`` (parameters from Wang
2002), built here with ``iaf_bw_2001``: N_E excitatory neurons (two selective groups of f N_E =
0.15 N_E, the rest non-selective) and N_I = N_E / 4 inhibitory ones, all-to-all AMPA + NMDA from
the excitatory and GABA from the inhibitory neurons (delay 0.5 ms), w+ = 1.7 inside each selective
group and w- = 1 - f (w+ - 1) / (1 - f) from the other selective group and from the non-selective
neurons; every neuron receives an independent 2.4 kHz Poisson train (AMPA, 2.1 nS for excitatory,
1.62 nS for inhibitory neurons, delay 0.1 ms), and the selective groups a stimulus: independent
Poisson trains whose rate is redrawn every 50 ms from Normal(40 Hz (1 +/- c/100), 4 Hz) for group
A (+) and B (-), c the coherence in percent.

Scaled network: NEST's example has N_E = 1,600 and N_I = 400.  Here N_E = 400, N_I = 100 by
default (``--ne``), with the recurrent conductances multiplied by 1600 / N_E, so that every neuron
receives the same mean recurrent conductance as in the full network (the external drive is per
neuron and unchanged).  Shorter protocol than the example: stimulus from 500 ms to 1,500 ms,
simulation 1,500 ms.  The stimulus rates are drawn with ``numpy.random.default_rng([seed, 2002])``
(first the 20 values of group A, then those of B), so neurounits can use the same ones; NEST's own
``rng_seed`` = seed draws the Poisson trains.

Per seed and coherence the file holds the mean rate (Hz) of each group in the baseline window
(300, 500] ms and in the late-stimulus window (1000, 1500] ms, and the winner (0: group A, 1:
group B: the group with the higher late-stimulus rate).

    /work/nestenv/bin/python tests/reference/make_wang_refs.py     # [--seeds 10] [--ne 400]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DT = 0.1
F = 0.15
W_PLUS = 1.7
W_MINUS = 1.0 - F * (W_PLUS - 1.0) / (1.0 - F)
G = {  # nS, NEST's example (Wang 2002) for N_E = 1600
    "AMPA_ex": 0.05,
    "AMPA_ext_ex": 2.1,
    "NMDA_ex": 0.165,
    "GABA_ex": 1.3,
    "AMPA_in": 0.04,
    "AMPA_ext_in": 1.62,
    "NMDA_in": 0.13,
    "GABA_in": 1.0,
}
COMMON = dict(
    tau_GABA=5.0,
    tau_AMPA=2.0,
    tau_decay_NMDA=100.0,
    tau_rise_NMDA=2.0,
    alpha=0.5,
    conc_Mg2=1.0,
    E_L=-70.0,
    E_ex=0.0,
    E_in=-70.0,
    V_reset=-55.0,
    V_th=-50.0,
)
E_PARAMS = dict(COMMON, g_L=25.0, C_m=500.0, t_ref=2.0)
I_PARAMS = dict(COMMON, g_L=20.0, C_m=200.0, t_ref=1.0)
STIM_START, STIM_DURATION, STIM_UPDATE, T_END = 500.0, 1000.0, 50.0, 1500.0
BASELINE = (300.0, 500.0)
LATE = (1000.0, 1500.0)
COHERENCES = (51.2, 6.4)


def stimulus_rates(seed: int, coherence: float) -> tuple[np.ndarray, np.ndarray]:
    """Rates (Hz) of groups A and B in each 50 ms interval of the stimulus."""
    rng = np.random.default_rng([seed, 2002])
    n = round(STIM_DURATION / STIM_UPDATE)
    mu0 = 40.0
    a = rng.normal(mu0 + mu0 / 100.0 * coherence, 4.0, n)
    b = rng.normal(mu0 - mu0 / 100.0 * coherence, 4.0, n)
    return np.maximum(a, 0.0), np.maximum(b, 0.0)


def run(nest, seed: int, coherence: float, ne: int, t_end: float = T_END, spikes: dict | None = None) -> dict:
    nest.ResetKernel()
    nest.set(resolution=DT, local_num_threads=1, rng_seed=seed, print_time=False)
    ni, ns = ne // 4, round(F * ne)
    scale = 1600.0 / ne
    s1 = nest.Create("iaf_bw_2001", ns, params=E_PARAMS)
    s2 = nest.Create("iaf_bw_2001", ns, params=E_PARAMS)
    nsel = nest.Create("iaf_bw_2001", ne - 2 * ns, params=E_PARAMS)
    inh = nest.Create("iaf_bw_2001", ni, params=I_PARAMS)
    rec = nest.GetDefaults("iaf_bw_2001")["receptor_types"]

    def syn(w, receptor, delay=0.5):
        return {
            "synapse_model": "static_synapse",
            "weight": w,
            "delay": delay,
            "receptor_type": rec[receptor],
        }

    def connect(pre, post, factor, ampa, nmda):
        nest.Connect(pre, post, "all_to_all", syn(factor * scale * G[ampa], "AMPA"))
        nest.Connect(pre, post, "all_to_all", syn(factor * scale * G[nmda], "NMDA"))

    exc = s1 + s2 + nsel
    bg = nest.Create("poisson_generator", params={"rate": 2400.0})
    nest.Connect(bg, exc, "all_to_all", syn(G["AMPA_ext_ex"], "AMPA", DT))
    nest.Connect(bg, inh, "all_to_all", syn(G["AMPA_ext_in"], "AMPA", DT))
    rates_a, rates_b = stimulus_rates(seed, coherence)
    times = np.arange(rates_a.size) * STIM_UPDATE + STIM_START
    for pop, rates in ((s1, rates_a), (s2, rates_b)):
        # rate r_k in the steps (t, t + dt] with t_k <= t < t_k + 50 ms (t_k = 500 + 50 k ms)
        gen = nest.Create(
            "inhomogeneous_poisson_generator",
            params={"rate_times": times, "rate_values": rates, "stop": STIM_START + STIM_DURATION},
        )
        nest.Connect(gen, pop, "all_to_all", syn(G["AMPA_ext_ex"], "AMPA", DT))
    for a, b in ((s1, s1), (s2, s2)):
        connect(a, b, W_PLUS, "AMPA_ex", "NMDA_ex")
    for a, b in ((s1, s2), (s2, s1)):
        connect(a, b, W_MINUS, "AMPA_ex", "NMDA_ex")
    connect(nsel, s1 + s2, W_MINUS, "AMPA_ex", "NMDA_ex")
    connect(s1 + s2 + nsel, nsel, 1.0, "AMPA_ex", "NMDA_ex")
    connect(exc, inh, 1.0, "AMPA_in", "NMDA_in")
    nest.Connect(inh, exc, "all_to_all", syn(scale * G["GABA_ex"], "GABA"))
    nest.Connect(inh, inh, "all_to_all", syn(scale * G["GABA_in"], "GABA"))
    recs = []
    for pop in (s1, s2, nsel, inh):
        sr = nest.Create("spike_recorder", params={"time_in_steps": True})
        nest.Connect(pop, sr)
        recs.append((pop, sr))
    nest.Simulate(t_end)
    out = {}
    for name, (pop, sr) in zip(("A", "B", "ns", "I"), recs, strict=True):
        t = np.asarray(sr.events["times"], dtype=float) * DT
        if spikes is not None:  # spike times (ms) and 0-based senders of each group
            spikes[name] = (t, np.asarray(sr.events["senders"], dtype=np.int64) - pop[0].global_id)
        for wname, (lo, hi) in (("base", BASELINE), ("late", LATE)):
            out[f"{name}_{wname}"] = np.sum((t > lo) & (t <= hi)) / (len(pop) * (hi - lo) * 1e-3)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--ne", type=int, default=400)
    ap.add_argument("--out", default=str(HERE / "wang_decision.npz"))
    args = ap.parse_args(argv)
    import nest

    nest.set_verbosity("M_ERROR")
    seeds = np.arange(1, args.seeds + 1)
    keys = [f"{p}_{w}" for p in ("A", "B", "ns", "I") for w in ("base", "late")]
    data = {k: np.zeros((len(COHERENCES), seeds.size)) for k in keys}
    t0 = time.perf_counter()
    for ci, c in enumerate(COHERENCES):
        for si, seed in enumerate(seeds):
            r = run(nest, int(seed), c, args.ne)
            for k in keys:
                data[k][ci, si] = r[k]
            print(
                f"c = {c:5.1f} seed {seed:2d}: A {r['A_late']:5.1f} Hz, B {r['B_late']:5.1f} Hz "
                f"(baseline {r['A_base']:4.1f}, {r['B_base']:4.1f}; I {r['I_late']:5.1f}) "
                f"[{time.perf_counter() - t0:.0f} s]",
                flush=True,
            )
    winner = (data["B_late"] > data["A_late"]).astype(np.int64)
    meta = {
        "ne": args.ne,
        "ni": args.ne // 4,
        "n_selective": round(F * args.ne),
        "scale": 1600.0 / args.ne,
        "dt": DT,
        "stim_start": STIM_START,
        "stim_duration": STIM_DURATION,
        "t_end": T_END,
        "baseline": BASELINE,
        "late": LATE,
        "g_nS": G,
        "w_plus": W_PLUS,
        "w_minus": W_MINUS,
        "e_params": E_PARAMS,
        "i_params": I_PARAMS,
        "nest_version": nest.__version__,
        "threads": 1,
        "rate_seed": "numpy default_rng([seed, 2002])",
    }
    np.savez_compressed(
        args.out,
        coherence=np.array(COHERENCES),
        seeds=seeds,
        winner=winner,
        params_json=np.str_(json.dumps(meta, sort_keys=True)),
        **{f"rate_{k}": v for k, v in data.items()},
    )
    for ci, c in enumerate(COHERENCES):
        print(f"c = {c}: group A wins {np.sum(winner[ci] == 0)} of {seeds.size}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
