"""NEST 3.10 reference for iaf_psc_delta (run with NEST's Python: /work/nestenv/bin/python).

One neuron, I_e = 400 pA (V_inf = -54 mV > V_th), input spikes of 2 mV and -1 mV from a
spike_generator (delay 1 ms), some arriving while the neuron is refractory (NEST discards them,
refractory_input = False).  Writes iaf_psc_delta_refractory.npz: V_m every step (sample m is the
state at the end of step m + 1), spike steps (k: the step ending at k dt), the arrival times
(generator time + delay) and weights.  Also iaf_psc_delta_vmin.npz: the same with V_min = -71 mV and
I_e = 300 pA, strong inhibitory inputs holding V_m at the bound (NEST's lower bound, applied after the
spikes, unless refractory).
"""

from pathlib import Path

import numpy as np


def main() -> None:
    import nest

    nest.ResetKernel()
    nest.set(resolution=0.1, local_num_threads=1)
    n = nest.Create("iaf_psc_delta", params={"I_e": 400.0})
    gen_times = np.array([19.1, 19.5, 20.0, 23.0, 23.0, 40.0, 41.4, 60.2])
    weights = np.array([2.0, 2.0, 2.0, -1.0, 2.0, 1.5, -3.0, 2.5])
    for t, w in zip(gen_times, weights, strict=True):
        g = nest.Create("spike_generator", params={"spike_times": [t]})
        nest.Connect(g, n, syn_spec={"weight": w, "delay": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(mm, n)
    nest.Connect(n, sr)
    nest.Simulate(100.0)
    ev = mm.get("events")
    sp = sr.get("events")
    out = Path(__file__).with_name("iaf_psc_delta_refractory.npz")
    np.savez(out, dt=0.1, duration=100.0, I_e=400.0, arrival_times=gen_times + 1.0, weights=weights,
             t=np.asarray(ev["times"]), V_m=np.asarray(ev["V_m"]), spike_steps=np.asarray(sp["times"]),
             nest_version=nest.__version__)
    print(f"wrote {out}: {len(sp['times'])} spikes")
    vmin()


def vmin() -> None:
    import nest

    nest.ResetKernel()
    nest.set(resolution=0.1, local_num_threads=1)
    n = nest.Create("iaf_psc_delta", params={"I_e": 300.0, "V_min": -71.0})
    gen_times = np.array([5.0, 5.0, 9.0, 30.0, 30.1, 30.2, 50.0, 70.0, 70.5, 80.0])
    weights = np.array([-8.0, -6.0, -9.0, 8.0, 8.0, -6.0, -12.0, 9.0, -8.0, -0.5])
    for t, w in zip(gen_times, weights, strict=True):
        g = nest.Create("spike_generator", params={"spike_times": [t]})
        nest.Connect(g, n, syn_spec={"weight": w, "delay": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(mm, n)
    nest.Connect(n, sr)
    nest.Simulate(100.0)
    ev = mm.get("events")
    sp = sr.get("events")
    out = Path(__file__).with_name("iaf_psc_delta_vmin.npz")
    np.savez(out, dt=0.1, duration=100.0, I_e=300.0, V_min=-71.0, arrival_times=gen_times + 1.0,
             weights=weights, t=np.asarray(ev["times"]), V_m=np.asarray(ev["V_m"]),
             spike_steps=np.asarray(sp["times"]), nest_version=nest.__version__)
    print(f"wrote {out}: {len(sp['times'])} spikes, min V_m {np.min(ev['V_m'])}")


if __name__ == "__main__":
    main()
