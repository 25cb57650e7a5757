"""Quick start: a LIF population with per-neuron input currents, results with units.

    python examples/quickstart.py
"""

import numpy as np

import neurounits as nu
from neurounits import Q_

lif = nu.models.LIF(n=100, tau_m="10 ms", R=Q_(100, "Mohm"))
currents = Q_(np.linspace(0.1, 0.4, 100), "nA")           # one value per neuron
res = nu.simulate(lif, duration="500 ms", dt="0.1 ms", inputs={"I": currents}, record=("V",))

print(res.summary())
print("V of neuron 50 after 10 ms:", res["V"][100, 50])      # a Quantity in mV
print("rate of the most driven neuron:", res.rates[-1])      # in Hz
print("first spikes:", res.spikes.times[:3], "of neurons", res.spikes.indices[:3])
