"""Inhibitory plasticity (Vogels, Sprekeler et al. 2011) balancing a network, declared in a few lines.

A rule of your own is a ``nu.synapses.SynapseType``: parameters with units, a trace per
presynaptic and per postsynaptic neuron, and what a pre and a post spike do to the weight, all
dimension-checked.  Vogels-Sprekeler: at an inhibitory spike ``w += eta*(y - alpha)``, at a spike
of the excitatory target ``w += eta*x``, with traces x, y (tau = 20 ms) and alpha = 2*rho0*tau,
which drives every excitatory neuron towards the rate rho0 whatever its input.

400 excitatory and 100 inhibitory CobaLIF neurons driven by Poisson input; the inhibitory ->
excitatory synapses start weak (the excitatory neurons fire fast) and learn until the excitatory
rate sits at rho0 = 5 Hz.  The figure shows the rates and the mean inhibitory weight over time.

    python examples/network_inhibitory_plasticity.py [network_inhibitory_plasticity.png]
"""

import sys

import numpy as np

import neurounits as nu

vogels_sprekeler = nu.synapses.SynapseType(
    "vogels_sprekeler",
    weight="nS",
    parameters={"tau": "20 ms", "eta": "0.2 nS", "rho0": "5 Hz", "w_max": "100 nS"},
    pre="dx/dt = -x/tau : 1",
    post="dy/dt = -y/tau : 1",
    on_pre="w = clip(w + eta*(y - 2*rho0*tau), 0 nS, w_max)",
    after_pre="x += 1",
    on_post="w = clip(w + eta*x, 0 nS, w_max); y += 1",
)

net = nu.Network(seed=3)
P = net.add(nu.models.CobaLIF(n=500), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")})
E, I = P[:400], P[400:]
net.connect(E, P, nu.conn.FixedProbability(0.05), weight="2 nS", receptor="ex", delay="0.5 ms")
net.connect(I, I, nu.conn.FixedProbability(0.05), weight="20 nS", receptor="inh", delay="0.5 ms")
vs = net.connect(
    I,
    E,
    nu.conn.FixedInDegree(10),
    weight="1 nS",
    receptor="inh",
    delay="0.5 ms",
    synapse=vogels_sprekeler(rho0="5 Hz"),
)
net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS", receptor="ex")
net.record(P, spikes=True)
net.record_weights(vs, np.arange(0, 4000, 4), every="10 ms")
print(net.summary())

res = nu.simulate(net, "3 s", dt="0.1 ms")
sp = res["P"].spikes
t_s, idx = sp.times.m_as("s"), sp.indices
bins = np.arange(0.0, 3.01, 0.1)
rate_e = np.histogram(t_s[idx < 400], bins)[0] / 400 / 0.1
rate_i = np.histogram(t_s[idx >= 400], bins)[0] / 100 / 0.1
t_w, w = res.weights(vs)
print(
    f"excitatory rate: first 100 ms {rate_e[0]:.1f} Hz, "
    f"last second {rate_e[-10:].mean():.1f} Hz (rho0 = 5 Hz)"
)
print(f"mean inhibitory weight: {w[0].mean():~.2f} at the start, {w[-1].mean():~.2f} at the end")
assert rate_e[0] > 15 and abs(rate_e[-10:].mean() - 5.0) < 2.0

if len(sys.argv) > 1:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_r, ax_w) = plt.subplots(2, 1, sharex=True, figsize=(8, 5))
    ax_r.stairs(rate_e, bins, color="C3", label="excitatory")
    ax_r.stairs(rate_i, bins, color="C0", label="inhibitory")
    ax_r.axhline(5.0, color="k", lw=0.6, ls="--", label="rho0")
    ax_r.set_ylabel("rate (Hz)")
    ax_r.legend()
    ax_w.plot(t_w.m_as("s"), w.m_as("nS").mean(axis=1), color="C0")
    ax_w.set_ylabel("mean I -> E weight (nS)")
    ax_w.set_xlabel("time (s)")
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=120)
    print(f"figure: {sys.argv[1]}")
