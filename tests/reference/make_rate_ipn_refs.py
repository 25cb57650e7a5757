"""Regenerate ``rate_ipn_family.npz``: NEST 3.10 traces of the rate_neuron_ipn family beyond the
sigmoid_rate_ipn cases of ``make_nest_refs.py`` (needs NEST; run with NEST's interpreter)::

    /work/nestenv/bin/python tests/reference/make_rate_ipn_refs.py

Cases (sigma = 0, 5 ms at dt = 0.1 ms, ``rate`` sampled every step from t = dt):

- ``sig_mc``: sigmoid_rate_ipn with mult_coupling = True and no input (NEST then adds
  phi(0) twice: the excitatory and the inhibitory sums are transformed separately);
- ``tanh``, ``thr``: tanh_rate_ipn and threshold_lin_rate_ipn, no input (phi(0) with theta != 0;
  alpha bounds threshold_lin's output);
- ``lin_mc``: lin_rate_ipn with mult_coupling = True, rate(0) = 0.4, two delayed inputs (1 step)
  from constant sources (rates 1.0 and 0.5, weights 0.8 and -0.6).
"""

import json
from pathlib import Path

import numpy as np

CASES = {
    "sig_mc": ("sigmoid_rate_ipn", {"sigma": 0.0, "mu": 0.3, "mult_coupling": True, "theta": 0.4,
                                    "beta": 2.0}),
    "tanh": ("tanh_rate_ipn", {"sigma": 0.0, "mu": 0.3, "g": 0.7, "theta": -0.5}),
    "thr": ("threshold_lin_rate_ipn", {"sigma": 0.0, "mu": 0.3, "g": 2.0, "theta": -0.5, "alpha": 0.6}),
    "lin_mc": ("lin_rate_ipn", {"sigma": 0.0, "mu": 0.3, "g": 2.0, "mult_coupling": True, "g_ex": 0.5,
                                "g_in": 1.5, "theta_ex": 1.0, "theta_in": 0.2, "rate": 0.4}),
}
INPUTS = {"lin_mc": [{"rate": 1.0, "weight": 0.8, "delay": 0.1}, {"rate": 0.5, "weight": -0.6, "delay": 0.1}]}


def main():
    import nest

    nest.set_verbosity("M_ERROR")
    out = {"nest_version": nest.__version__, "dt": 0.1, "duration": 5.0}
    for name, (model, params) in CASES.items():
        nest.ResetKernel()
        nest.set(resolution=0.1)
        n = nest.Create(model, params=params)
        for inp in INPUTS.get(name, []):  # constant sources: lambda = 0, mu = 0, g = 0
            src = nest.Create("lin_rate_ipn", params={"sigma": 0.0, "mu": 0.0, "lambda": 0.0, "g": 0.0,
                                                      "rate": inp["rate"]})
            nest.Connect(src, n, syn_spec={"synapse_model": "rate_connection_delayed",
                                           "weight": inp["weight"], "delay": inp["delay"]})
        mm = nest.Create("multimeter", params={"record_from": ["rate"], "interval": 0.1})
        nest.Connect(mm, n)
        nest.Simulate(5.1)  # the multimeter hands over the last slice on the next call: run longer
        out[f"{name}_rate"] = np.asarray(mm.get("events")["rate"], float)[:50]
        out[f"{name}_json"] = json.dumps({"model": model, "params": params, "inputs": INPUTS.get(name, [])})
    np.savez(Path(__file__).with_name("rate_ipn_family.npz"), **out)


if __name__ == "__main__":
    main()
