"""A simulation driven step by step: run, change an input and a parameter, run again.

An AdEx population of three neurons is run for 200 ms without input, then 300 ms with a
current step (a different amplitude per neuron), then 300 ms with a stronger spike-triggered
adaptation b.  The three runs give one Results over the whole 800 ms, bit for bit what one run
with a TimedArray input gives (checked below).

    python examples/continue_simulation.py [continue.png]
"""

import sys

import numpy as np

import neurounits as nu
from neurounits import Q_

adex = nu.models.AdEx(n=3)
sim = nu.Simulation(adex, dt="0.1 ms", record=("V", "w"))

sim.run("200 ms")                                   # at rest
sim.set_input("I", Q_([0.6, 0.8, 1.0], "nA"))       # a current step, one amplitude per neuron
sim.run("300 ms")
print(f"after {sim.t:~g}: w = {np.round(sim.state['w'].m_as('pA'), 1)} pA")
sim.set_parameter("b", "0.3 nA")                    # stronger adaptation from now on
sim.run("300 ms")
res = sim.results
print(res.summary())

# the same 800 ms in one run: the input as a TimedArray, b changed by hand at 500 ms is not
# possible in one call, so compare the first 500 ms
steps = nu.TimedArray(Q_(np.r_[np.zeros((2000, 3)), np.tile([0.6, 0.8, 1.0], (1, 1))], "nA"), dt="0.1 ms")
one = nu.simulate(adex, "500 ms", "0.1 ms", inputs={"I": steps}, record=("V", "w"))
same = np.array_equal(one["V"].magnitude, res["V"].magnitude[:5001])
print(f"first 500 ms identical to one run with a TimedArray: {same}")
assert same

before = res.spikes.times[(res.spikes.times > Q_(200, "ms")) & (res.spikes.times <= Q_(500, "ms"))]
after = res.spikes.times[res.spikes.times > Q_(500, "ms")]
print(f"spikes 200-500 ms: {before.size}, 500-800 ms (b = 0.3 nA): {after.size}")

if len(sys.argv) > 1:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_v, ax_w) = plt.subplots(2, 1, sharex=True, figsize=(8, 5))
    t = res.t.m_as("ms")
    for i, amp in enumerate([0.6, 0.8, 1.0]):
        ax_v.plot(t, res["V"].m_as("mV")[:, i], lw=0.7, label=f"I = {amp} nA")
        ax_w.plot(t, res["w"].m_as("pA")[:, i], lw=0.9)
    for ax in (ax_v, ax_w):
        for edge in (200, 500):
            ax.axvline(edge, color="k", ls=":", lw=0.8)
    ax_v.text(202, -8, "set_input('I', ...)", fontsize=8)
    ax_v.text(502, -8, "set_parameter('b', '0.3 nA')", fontsize=8)
    ax_v.set_ylabel("V (mV)")
    ax_w.set_ylabel("w (pA)")
    ax_w.set_xlabel("t (ms)")
    ax_v.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=120)
    print(f"wrote {sys.argv[1]}")
