"""A rate network of NEST's sigmoid_rate_ipn neurons: an excitatory and an inhibitory population
coupled by instantaneous and delayed rate connections, with input noise.

200 excitatory and 50 inhibitory rate neurons (tau = 10 ms, sigmoid gain g = 1, slope beta = 4,
threshold theta = 0.5, noise sigma = 0.3), E -> E and E -> I instantaneous (NEST's
``rate_connection_instantaneous``), I -> E and I -> I delayed by 2 ms
(``rate_connection_delayed``), fixed in-degree.  A step of the excitatory mean input mu at
200 ms (``sim.set_parameter("E", "mu", 0.6)`` between two runs) switches the network from low to
high activity; the inhibition's delay shows as a damped
oscillation.  The figure shows both populations' mean rates and a few single rates.

    python examples/network_rate.py [network_rate.png]
"""

import sys

import neurounits as nu

net = nu.Network(seed=7)
params = {"tau": "10 ms", "g": 1.0, "beta": 4.0, "theta": 0.5, "sigma": 0.3, "lambda_": 1.0}
E = net.add(nu.models.nest.sigmoid_rate_ipn(n=200, **params), name="E")
I = net.add(nu.models.nest.sigmoid_rate_ipn(n=50, **params), name="I")
net.connect(E, E, nu.conn.FixedInDegree(20), weight=0.08)  # instantaneous
net.connect(E, I, nu.conn.FixedInDegree(20), weight=0.08)
net.connect(I, E, nu.conn.FixedInDegree(10), weight=-0.15, delay="2 ms")  # delayed
net.connect(I, I, nu.conn.FixedInDegree(10), weight=-0.05, delay="2 ms")
net.record(E, "rate", every="0.5 ms")
net.record(I, "rate", every="0.5 ms")
print(net.summary())

sim = nu.Simulation(net, "0.1 ms")
sim.run("200 ms")
low = {k: sim.results[k]["rate"].magnitude[-100:].mean() for k in ("E", "I")}
print(f"before the step: mean rate E {low['E']:.3f}, I {low['I']:.3f}")
sim.set_parameter("E", "mu", 0.6)  # a step of the excitatory mean input; no recompilation
sim.run("300 ms")
res = sim.results
high = res["E"]["rate"].magnitude[-100:].mean()
print(f"after the step: mean rate E {high:.3f}")
assert high > low["E"] + 0.1
print(res.summary())

if len(sys.argv) > 1:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_m, ax_s) = plt.subplots(2, 1, sharex=True, figsize=(8, 5))
    for name, color in (("E", "C3"), ("I", "C0")):
        r = res[name]
        ax_m.plot(r.t.m_as("ms"), r["rate"].magnitude.mean(axis=1), color=color, label=f"{name} mean")
        ax_s.plot(r.t.m_as("ms"), r["rate"].magnitude[:, :3], color=color, lw=0.6)
    ax_m.set_ylabel("mean rate")
    ax_m.legend()
    ax_s.set_ylabel("single rates")
    ax_s.set_xlabel("time (ms)")
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=120)
    print(f"figure: {sys.argv[1]}")
