"""Brunel's (2000) model A in its four regimes, with NEST's iaf_psc_delta neurons.

N_E excitatory and N_I = N_E/4 inhibitory neurons, each receiving C_E = 0.1 N_E excitatory and
C_I = C_E/4 inhibitory connections (fixed in-degree), weights J and -g J (mV jumps of V_m),
delay D = 1.5 ms, and an independent Poisson drive of rate nu_ext = eta * nu_thr through C_E
synapses of weight J (nu_thr = theta / (J C_E tau_m)).  Brunel's Figure 8 regimes:

- A, synchronous regular: g = 3, eta = 2
- B, synchronous irregular, fast oscillation: g = 6, eta = 4
- C, asynchronous irregular: g = 5, eta = 2
- D, synchronous irregular, slow oscillation: g = 4.5, eta = 0.9

By default the network is 5 times smaller than Brunel's (N_E = 2,000, C_E = 200, J = 0.5 mV,
so that J C_E is Brunel's 100 mV); ``--full`` runs N_E = 10,000, C_E = 1,000, J = 0.1 mV.  The
figure shows a raster of 100 neurons and the population rate of each regime.

    python examples/network_brunel.py [brunel.png] [--full]
"""

import sys

import numpy as np

import neurounits as nu

FULL = "--full" in sys.argv
NE = 10_000 if FULL else 2_000
NI, CE = NE // 4, NE // 10
CI = CE // 4
J = 100.0 / CE  # mV: J C_E = 100 mV as in Brunel's network
TAU_M, THETA, DELAY, DURATION = 20.0, 20.0, "1.5 ms", "300 ms"
REGIMES = {"A: SR": (3.0, 2.0), "B: SI fast": (6.0, 4.0), "C: AI": (5.0, 2.0), "D: SI slow": (4.5, 0.9)}


def brunel(g: float, eta: float, seed: int = 1) -> nu.Network:
    net = nu.Network(seed=seed)
    model = nu.models.nest.iaf_psc_delta(
        n=NE + NI, E_L="0 mV", V_reset="10 mV", V_th=f"{THETA} mV", tau_m=f"{TAU_M} ms", t_ref="2 ms"
    )
    P = net.add(model, name="P", initial={"V_m": nu.dist.Uniform("0 mV", f"{THETA} mV")})
    E, I = P[:NE], P[NE:]
    net.connect(E, P, nu.conn.FixedInDegree(CE), weight=f"{J} mV", delay=DELAY)
    net.connect(I, P, nu.conn.FixedInDegree(CI), weight=f"{-g * J} mV", delay=DELAY)
    nu_thr = THETA / (J * CE * TAU_M)  # per ms
    net.connect(nu.sources.Poisson(f"{eta * nu_thr * CE * 1000.0} Hz"), P, weight=f"{J} mV", delay=DELAY)
    net.record(P, spikes=True)
    return net


def cv_isi(times: np.ndarray, idx: np.ndarray) -> float:
    cvs = []
    for i in np.unique(idx):
        isi = np.diff(np.sort(times[idx == i]))
        if isi.size >= 3:
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)) if cvs else float("nan")


runs = {}
for name, (g, eta) in REGIMES.items():
    res = nu.simulate(brunel(g, eta), DURATION, dt="0.1 ms")["P"]
    t, idx = res.spikes.times.m_as("ms"), res.spikes.indices
    late = t > 100.0  # after the initial transient
    rate = np.sum(late) / ((NE + NI) * 0.2)
    print(
        f"{name:12s} g = {g:3g}, eta = {eta:3g}: rate {rate:6.1f} Hz, "
        f"CV(ISI) {cv_isi(t[late], idx[late]):.2f}"
    )
    runs[name] = (t, idx, res.population_rate("0.5 ms"))  # (bin starts, Hz)

if len(sys.argv) > 1 and sys.argv[1] != "--full":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(14, 5), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    for col, (name, (t, idx, (tb, rate))) in enumerate(runs.items()):
        window = (t > 200.0) & (idx < 100)
        axes[0, col].plot(t[window], idx[window], ".k", ms=1.5)
        axes[0, col].set_title(name)
        late = tb.m_as("ms") >= 200.0
        axes[1, col].plot(tb.m_as("ms")[late], rate.m_as("Hz")[late], lw=0.7)
        axes[1, col].set_xlabel("time (ms)")
    axes[0, 0].set_ylabel("neuron")
    axes[1, 0].set_ylabel("rate (Hz)")
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=110)
    print(f"figure: {sys.argv[1]}")
