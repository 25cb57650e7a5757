"""A NEST-compatible model driven as NEST drives it, against NEST 3.10's own trace.

``aeif_cond_alpha`` with I_e = 800 pA and spikes on both receptors (weight > 0: excitatory,
< 0: inhibitory), compared with the reference trace recorded from NEST 3.10
(tests/reference/aeif_cond_alpha.npz, made by tests/reference/make_nest_refs.py).

    python examples/nest_compare.py [compare.png]
"""

import json
import sys
from pathlib import Path

import numpy as np

import neurounits as nu
from neurounits import Q_

ref = np.load(Path(__file__).resolve().parent.parent / "tests" / "reference" / "aeif_cond_alpha.npz")
inputs = json.loads(str(ref["inputs_json"]))

model = nu.models.nest.aeif_cond_alpha(n=1, I_e=Q_(inputs["I_e"], "pA"))
spikes = [nu.SpikeInput(times=Q_(s["arrival_times"], "ms"), weight=Q_(s["weight"], "nS"))
          for s in inputs["spikes"]]
res = nu.simulate(model, "300 ms", "0.1 ms", spike_inputs=spikes, record=("V_m", "w"))

v = res["V_m"].to("mV").magnitude[1:, 0]  # NEST's first sample is the state after the first step
print(f"method {res.method}; spikes: neurounits {res.spikes.indices.size}, NEST {ref['spike_times'].size}")
print(f"spike times equal: {np.allclose(res.spikes.times.to('ms').magnitude, ref['spike_times'])}")
print(f"largest difference in V_m: {np.max(np.abs(v - ref['V_m'])):.2e} mV")
assert np.max(np.abs(v - ref["V_m"])) < 1e-6

if len(sys.argv) > 1:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(2, 1, sharex=True, figsize=(8, 5))
    a1.plot(ref["t"], ref["V_m"], lw=2, label="NEST 3.10")
    a1.plot(res.t.to("ms").magnitude[1:], v, "--", lw=1, label="neurounits")
    a1.set_ylabel("V_m (mV)")
    a1.legend()
    a2.semilogy(ref["t"], np.abs(v - ref["V_m"]) + 1e-16)
    a2.set_ylabel("|difference| (mV)")
    a2.set_xlabel("t (ms)")
    fig.savefig(sys.argv[1], dpi=100)
    print("wrote", sys.argv[1])
