"""The COBA and CUBA networks of Brette et al. (2007), benchmarks 1 and 2.

4,000 integrate-and-fire neurons, 80 % excitatory, each pair connected with probability 0.02.
COBA: conductance-based synapses (6 nS excitatory, 67 nS inhibitory, delay 0.1 ms) and a
Poisson drive of 2.4 kHz x 2.1 nS per neuron; CUBA: current-based synapses (1.62 mV and -9 mV)
and resting potential -49 mV above threshold, so the network drives itself.  Both start from
membrane potentials uniform in [-60, -50] mV.  The figure shows each network's spike raster and
population rate.

    python examples/network_coba_cuba.py [network_coba_cuba.png]
"""

import sys

import numpy as np

import neurounits as nu

N, NE, DURATION = 4000, 3200, "300 ms"


def coba(seed: int = 1) -> nu.Network:
    net = nu.Network(seed=seed)
    P = net.add(nu.models.CobaLIF(n=N), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")})
    E, I = P[:NE], P[NE:]  # views, no copies
    net.connect(E, P, nu.conn.FixedProbability(0.02), weight="6 nS", receptor="ex", delay="0.1 ms")
    net.connect(I, P, nu.conn.FixedProbability(0.02), weight="67 nS", receptor="inh", delay="0.1 ms")
    net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS", receptor="ex")
    net.record(P, spikes=True)
    net.record(P[:5], "V", every="0.5 ms")
    return net


def cuba(seed: int = 1) -> nu.Network:
    net = nu.Network(seed=seed)
    P = net.add(
        nu.models.CubaLIF(n=N, E_L="-49 mV"), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")}
    )
    net.connect(P[:NE], P, nu.conn.FixedProbability(0.02), weight="1.62 mV", receptor="ex", delay="0.1 ms")
    net.connect(P[NE:], P, nu.conn.FixedProbability(0.02), weight="-9 mV", receptor="inh", delay="0.1 ms")
    net.record(P, spikes=True)
    return net


def main() -> None:
    results = {}
    for name, make in (("COBA", coba), ("CUBA", cuba)):
        net = make()
        print(net.summary())
        res = nu.simulate(net, DURATION, dt="0.1 ms")
        p = res["P"]
        print(f"{name}: {p.spikes.indices.size} spikes, mean rate {p.rates.mean():~.3g}\n")
        assert 1.0 < p.rates.mean().m_as("Hz") < 100.0
        results[name] = p

    if len(sys.argv) > 1:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 2, figsize=(10, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
        for col, (name, p) in enumerate(results.items()):
            t = p.spikes.times.m_as("ms")
            axes[0, col].plot(t, p.spikes.indices, ",k")
            axes[0, col].set_title(f"{name}: {p.rates.mean():~.3g} on average")
            axes[0, col].set_ylabel("neuron")
            bins = np.arange(0.0, p.duration.m_as("ms") + 1.0, 1.0)
            counts, _ = np.histogram(t, bins)
            axes[1, col].plot(bins[:-1], counts / (N * 1e-3), lw=0.8)
            axes[1, col].set_ylabel("rate (Hz)")
            axes[1, col].set_xlabel("time (ms)")
        fig.tight_layout()
        fig.savefig(sys.argv[1], dpi=120)
        print(f"figure: {sys.argv[1]}")


if __name__ == "__main__":
    main()
