"""Wang's (2002) decision-making network with NEST's iaf_bw_2001 neurons (AMPA, NMDA, GABA).

The network of NEST's example ``wang_decision_making.py`` (Wang 2002's parameters): N_E
excitatory neurons, of which two selective groups A and B of 0.15 N_E each and the rest
non-selective, and N_I = N_E / 4 inhibitory neurons; all-to-all AMPA and NMDA synapses from the
excitatory neurons and GABA from the inhibitory ones (delay 0.5 ms), strengthened (w+ = 1.7)
inside each selective group and weakened (w- = 1 - 0.15 (w+ - 1) / 0.85) between the groups and
from the non-selective neurons.  Every neuron receives an independent 2.4 kHz Poisson train
(AMPA, 2.1 nS for excitatory, 1.62 nS for inhibitory neurons); during the stimulus, A and B
receive further Poisson trains whose rates are redrawn every 50 ms from a normal law of mean
40 Hz (1 + c/100) for A, 40 Hz (1 - c/100) for B and s.d. 4 Hz (c: the coherence in percent).
The NMDA spikes carry the presynaptic jump, as in NEST.  Slow recurrent excitation through NMDA
and shared inhibition make it a winner-take-all: one group ends at ~25-30 Hz, the other is
silenced, and the stronger stimulus wins more often the larger the coherence.

By default the network is 4 times smaller than Wang's (N_E = 400, N_I = 100, recurrent
conductances x 4 so that each neuron receives the same mean recurrent input; a few seconds per run) and
the stimulus is on from 0.5 s to 1.5 s; ``--full`` runs N_E = 1,600, N_I = 400 (about 2 minutes).
The figure shows the rates of the two groups (50 ms windows) at coherences 51.2 % and 6.4 % and
a raster of 50 neurons of each group.  ``tests/network/test_network_stats.py`` compares the
winners and rates with NEST 3.10 over seeds.

    python examples/network_wang_decision.py [wang.png] [--full]
"""

from __future__ import annotations

import sys

import numpy as np

import neurounits as nu

DT = 0.1  # ms
F, W_PLUS = 0.15, 1.7
W_MINUS = 1.0 - F * (W_PLUS - 1.0) / (1.0 - F)
G = {  # nS, for N_E = 1,600 (Wang 2002; NEST's example)
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
    tau_GABA="5 ms",
    tau_AMPA="2 ms",
    tau_decay_NMDA="100 ms",
    tau_rise_NMDA="2 ms",
    alpha="0.5 1/ms",
    conc_Mg2="1 mM",
    E_L="-70 mV",
    E_ex="0 mV",
    E_in="-70 mV",
    V_reset="-55 mV",
    V_th="-50 mV",
)
E_PARAMS = dict(COMMON, g_L="25 nS", C_m="500 pF", t_ref="2 ms")
I_PARAMS = dict(COMMON, g_L="20 nS", C_m="200 pF", t_ref="1 ms")
STIM_START, STIM_DURATION, STIM_UPDATE = 500.0, 1000.0, 50.0  # ms


def stimulus_rates(seed: int, coherence: float) -> tuple[np.ndarray, np.ndarray]:
    """Rates (Hz) of the stimulus of groups A and B in each 50 ms interval: the same draws as
    tests/reference/make_wang_refs.py (numpy's default_rng([seed, 2002]), A's values first)."""
    rng = np.random.default_rng([seed, 2002])
    n = round(STIM_DURATION / STIM_UPDATE)
    a = rng.normal(40.0 * (1.0 + coherence / 100.0), 4.0, n)
    b = rng.normal(40.0 * (1.0 - coherence / 100.0), 4.0, n)
    return np.maximum(a, 0.0), np.maximum(b, 0.0)


def wang(coherence: float, seed: int = 1, ne: int = 400, duration: float = 1500.0) -> nu.Network:
    """The network; populations "E" (A = E[:n_s], B = E[n_s:2 n_s], then non-selective) and "I"."""
    ni, ns = ne // 4, round(F * ne)
    scale = 1600.0 / ne  # same mean recurrent conductance per neuron as Wang's N_E = 1,600
    net = nu.Network(seed=seed)
    E = net.add(nu.models.nest.iaf_bw_2001(n=ne, **E_PARAMS), name="E")
    I = net.add(nu.models.nest.iaf_bw_2001(n=ni, **I_PARAMS), name="I")
    A, B, NS = E[:ns], E[ns : 2 * ns], E[2 * ns :]

    def excite(pre, post, factor, ampa, nmda):
        net.connect(pre, post, weight=f"{factor * scale * G[ampa]} nS", receptor="AMPA", delay="0.5 ms")
        net.connect(pre, post, weight=f"{factor * scale * G[nmda]} nS", receptor="NMDA", delay="0.5 ms")

    for pre, post in ((A, A), (B, B)):
        excite(pre, post, W_PLUS, "AMPA_ex", "NMDA_ex")
    for pre, post in ((A, B), (B, A), (NS, A + B)):
        excite(pre, post, W_MINUS, "AMPA_ex", "NMDA_ex")
    excite(E, NS, 1.0, "AMPA_ex", "NMDA_ex")
    excite(E, I, 1.0, "AMPA_in", "NMDA_in")
    net.connect(I, E, weight=f"{scale * G['GABA_ex']} nS", receptor="GABA", delay="0.5 ms")
    net.connect(I, I, weight=f"{scale * G['GABA_in']} nS", receptor="GABA", delay="0.5 ms")
    net.connect(nu.sources.Poisson("2.4 kHz"), E, weight=f"{G['AMPA_ext_ex']} nS", receptor="AMPA")
    net.connect(nu.sources.Poisson("2.4 kHz"), I, weight=f"{G['AMPA_ext_in']} nS", receptor="AMPA")
    steps = round(duration / DT)
    per = round(STIM_UPDATE / DT)
    first = round(STIM_START / DT)
    for group, rates in zip((A, B), stimulus_rates(seed, coherence), strict=True):
        values = np.zeros(steps)
        for k, r in enumerate(rates):  # rate r_k in the steps (t, t + dt], t_k <= t < t_k + 50 ms
            values[first + k * per : first + (k + 1) * per] = r
        net.connect(
            nu.sources.Poisson(nu.TimedArray(nu.Q_(values, "Hz"), dt=f"{DT} ms")),
            group,
            weight=f"{G['AMPA_ext_ex']} nS",
            receptor="AMPA",
        )
    net.record(E, spikes=True)
    net.record(I, spikes=True)
    return net


def group_rates(
    res: nu.network.NetworkResults, ne: int, windows: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """Mean rate (Hz) of groups A, B, the non-selective neurons ("ns") and "I" in each window (ms),
    as ``{"A_late": ..., ...}``."""
    ns = round(F * ne)
    t_e, i_e = res["E"].spikes.times.m_as("ms"), res["E"].spikes.indices
    t_i = res["I"].spikes.times.m_as("ms")
    groups = {
        "A": (t_e[i_e < ns], ns),
        "B": (t_e[(i_e >= ns) & (i_e < 2 * ns)], ns),
        "ns": (t_e[i_e >= 2 * ns], ne - 2 * ns),
        "I": (t_i, ne // 4),
    }
    out = {}
    for g, (t, n) in groups.items():
        for w, (lo, hi) in windows.items():
            out[f"{g}_{w}"] = float(np.sum((t > lo) & (t <= hi)) / (n * (hi - lo) * 1e-3))
    return out


def main() -> None:
    full = "--full" in sys.argv
    ne = 1600 if full else 400
    duration = 2000.0
    runs = {}
    for c in (51.2, 6.4):
        res = nu.simulate(wang(c, seed=1, ne=ne, duration=duration), f"{duration} ms", dt=f"{DT} ms")
        r = group_rates(
            res, ne, {"base": (300.0, 500.0), "late": (1000.0, 1500.0), "after": (1500.0, 2000.0)}
        )
        print(
            f"coherence {c:4.1f} %: late stimulus A {r['A_late']:5.1f} Hz, B {r['B_late']:5.1f} Hz, "
            f"after it A {r['A_after']:5.1f} Hz, B {r['B_after']:5.1f} Hz "
            f"(baseline {r['A_base']:.1f}, {r['B_base']:.1f} Hz; inhibitory {r['I_late']:.1f} Hz): "
            f"{'A' if r['A_late'] > r['B_late'] else 'B'} wins"
        )
        runs[c] = res
    plot = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not plot:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = round(F * ne)
    fig, axes = plt.subplots(2, 2, figsize=(12, 6), sharex=True, gridspec_kw={"height_ratios": [1, 1.3]})
    bins = np.arange(0.0, duration + 1.0, 50.0)
    for col, (c, res) in enumerate(runs.items()):
        t, idx = res["E"].spikes.times.m_as("ms"), res["E"].spikes.indices
        for g, (lo, color) in {"A": (0, "C0"), "B": (ns, "C3")}.items():
            sel = (idx >= lo) & (idx < lo + ns)
            counts, _ = np.histogram(t[sel], bins)
            axes[0, col].step(bins[:-1], counts / (ns * 0.05), where="post", color=color, label=f"group {g}")
            few = sel & (idx < lo + 50)
            axes[1, col].plot(t[few], idx[few] - lo + (0 if g == "A" else 55), "|", color=color, ms=2)
        for ax in axes[:, col]:
            ax.axvspan(STIM_START, STIM_START + STIM_DURATION, color="0.92", zorder=0)
        axes[0, col].set_title(f"coherence {c} %")
        axes[1, col].set_xlabel("time (ms)")
        axes[1, col].set_yticks([25, 80], ["A", "B"])
    axes[0, 0].set_ylabel("rate (Hz)")
    axes[1, 0].set_ylabel("50 neurons per group")
    axes[0, 0].legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(plot[0], dpi=110)
    print(f"figure: {plot[0]}")


if __name__ == "__main__":
    main()
