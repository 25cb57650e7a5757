"""NEST 3.10 references for current inputs (#14): izhikevich driven by a step_current_generator,
with both integration schemes.  Run with NEST's Python (not at test time):

    /path/to/nest/python tests/reference/make_input_refs.py

Writes tests/reference/izhikevich_step_current.npz: per scheme, V_m and U_m at every step
(t = k dt, k >= 1) and the spike times; the generator's amplitude times and values; dt.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DT = 0.1
T = 200.0
EXTRA = 2.0  # the multimeter hands over the last min_delay slice only on the next Simulate call
TIMES = [20.0, 80.0, 140.0]  # ms
AMPS = [8.0, 25.0, -5.0]  # pA
DELAY = 1.0  # ms


def run(consistent: bool) -> dict[str, np.ndarray]:
    import nest  # here, so that collecting this file (doctests) does not need NEST

    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": DT, "local_num_threads": 1})
    neuron = nest.Create("izhikevich", params={"consistent_integration": consistent})
    gen = nest.Create("step_current_generator", params={"amplitude_times": TIMES, "amplitude_values": AMPS})
    nest.Connect(gen, neuron, syn_spec={"weight": 1.0, "delay": DELAY})
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "U_m"], "interval": DT})
    nest.Connect(mm, neuron)
    sr = nest.Create("spike_recorder")
    nest.Connect(neuron, sr)
    nest.Simulate(T + EXTRA)
    ev = mm.events
    t = np.asarray(ev["times"])
    keep = t <= T + 1e-9
    order = np.argsort(t[keep])
    spikes = np.asarray(sr.events["times"], dtype=float)
    return {
        "t": t[keep][order],
        "V_m": np.asarray(ev["V_m"])[keep][order],
        "U_m": np.asarray(ev["U_m"])[keep][order],
        "spike_times": spikes[spikes <= T + 1e-9],
    }


def main() -> None:
    import nest

    out: dict[str, object] = {
        "dt": DT,
        "duration": T,
        "amplitude_times": np.array(TIMES),
        "amplitude_values": np.array(AMPS),
        "delay": DELAY,
        "nest_version": nest.__version__,
    }
    for consistent in (True, False):
        for k, v in run(consistent).items():
            out[f"{k}_{'consistent' if consistent else 'published'}"] = v
    path = Path(__file__).with_name("izhikevich_step_current.npz")
    np.savez_compressed(path, **out)
    print("wrote", path)


if __name__ == "__main__":
    main()
