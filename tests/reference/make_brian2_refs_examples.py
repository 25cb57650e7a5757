"""Brian2 reference data for tests/models/published/test_published_brian2_examples.py (issue 13).

Three of Brian2's examples, each run as the example runs it (equations, method, dt, initial values,
drive), only shorter or with fewer neurons where the test needs less:

- ``frompapers/Hindmarsh_Rose_1984.py``: rk4, dt = 0.1 ms, three constant currents, 600 ms;
- ``frompapers/Morris_Lecar_1981.py``: dt = 0.01 ms, 17 currents, 220 ms, with rk4 instead of the
  example's exponential_euler (Brian2 applies it to dV/dt although m_inf makes it non-linear in V, by
  holding the named expressions at their values at the step's start; neurounits refuses the method
  for this equation and says so);
- ``IF_curve_LIF.py``: exact, 1000 neurons with v0 from 0 to 20 mV, refractory 5 ms, 1 s (spike counts).

Run with Brian2 2.9 (numpy target, no compiler needed):

    /work/brian2env/bin/python tests/reference/make_brian2_refs_examples.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from brian2 import (
    Network,
    NeuronGroup,
    SpikeMonitor,
    StateMonitor,
    defaultclock,
    mS,
    ms,
    mV,
    prefs,
    second,
    uA,
    uF,
)

OUT = Path(__file__).parent
prefs.codegen.target = "numpy"


def hindmarsh_rose():
    time_unit = 1 * ms
    defaultclock.dt = time_unit / 10
    ns = {"time_unit": time_unit, "x_1": -1.6, "a": 1, "b": 3, "c": 1, "d": 5, "r": 0.001, "s": 4}
    eqs = """
    dx/dt = (y - a*x**3 + b*x**2 + I - z)/time_unit : 1
    dy/dt = (c - d*x**2 - y)/time_unit : 1
    dz/dt = r*(s*(x - x_1) - z)/time_unit : 1
    I : 1 (constant)
    """
    neuron = NeuronGroup(3, eqs, method="rk4", namespace=ns)
    neuron.x = ns["x_1"]
    neuron.y = "c - d*x**2"
    neuron.z = "r*(s*(x - x_1))"
    neuron.I = [0.4, 2, 4]
    mon = StateMonitor(neuron, ["x", "y", "z"], record=True, dt=5 * ms)
    Network(neuron, mon).run(600 * time_unit)
    # a StateMonitor samples at a step's start: sample k is the state at k*ms (before that step)
    return {"t_ms": np.asarray(mon.t / ms), "x": np.asarray(mon.x), "y": np.asarray(mon.y),
            "z": np.asarray(mon.z)}


def morris_lecar():
    defaultclock.dt = 0.01 * ms
    ns = {"g_L": 2 * mS, "g_Ca": 4 * mS, "g_K": 8 * mS, "V_L": -50 * mV, "V_Ca": 100 * mV, "V_K": -70 * mV,
          "lambda_n__max": 1.0 / (15 * ms), "V_1": 10 * mV, "V_2": 15 * mV, "V_3": -1 * mV, "V_4": 14.5 * mV,
          "C": 20 * uF}
    eqs = """
    dV/dt = (-g_L*(V - V_L) - g_Ca*m_inf*(V - V_Ca) - g_K*n*(V - V_K) + I)/C : volt
    dn/dt = lambda_n*(n_inf - n) : 1
    m_inf = 0.5*(1 + tanh((V - V_1)/V_2)) : 1
    n_inf = 0.5*(1 + tanh((V - V_3)/V_4)) : 1
    lambda_n = lambda_n__max*cosh((V - V_3)/(2*V_4)) : Hz
    I : amp
    """
    neuron = NeuronGroup(17, eqs, method="rk4", namespace=ns)
    neuron.I = (np.arange(17) * 25 + 100) * uA
    neuron.V = ns["V_L"]
    neuron.n = "n_inf"
    mon = StateMonitor(neuron, ["V", "n"], record=True, dt=2 * ms)
    Network(neuron, mon).run(220 * ms)
    return {"t_ms": np.asarray(mon.t / ms), "V_mV": np.asarray(mon.V / mV), "n": np.asarray(mon.n),
            "I_uA": np.asarray(neuron.I / uA)}


def if_curve_lif():
    defaultclock.dt = 0.1 * ms
    n = 1000
    ns = {"tau": 10 * ms, "n": n}
    eqs = """
    dv/dt = (v0 - v) / tau : volt (unless refractory)
    v0 : volt
    """
    group = NeuronGroup(n, eqs, threshold="v > 10*mV", reset="v = 0*mV", refractory=5 * ms, method="exact",
                        namespace=ns)
    group.v = 0 * mV
    group.v0 = "20*mV * i / (n-1)"
    monitor = SpikeMonitor(group)
    Network(group, monitor).run(1 * second)
    return {"v0_mV": np.asarray(group.v0 / mV), "counts": np.asarray(monitor.count),
            "first_times_ms": np.array([monitor.spike_trains()[k][0] / ms if monitor.count[k] else np.nan
                                        for k in range(n)])}


if __name__ == "__main__":
    np.savez_compressed(OUT / "brian2_hindmarsh_rose.npz", **hindmarsh_rose())
    np.savez_compressed(OUT / "brian2_morris_lecar.npz", **morris_lecar())
    np.savez_compressed(OUT / "brian2_if_curve_lif.npz", **if_curve_lif())
    print("written")
