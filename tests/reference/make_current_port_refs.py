"""NEST 3.10 references for iaf_psc_exp's current receptor 1 (#14): a step_current_generator connected
with receptor_type 1 (the current filtered by the excitatory synapse), together with I_e, a
step_current_generator on receptor 0 and excitatory and inhibitory spikes, at dt = 0.1 and 0.05 ms.
Run with NEST's Python (not at test time):

    /path/to/nest/python tests/reference/make_current_port_refs.py

Writes tests/reference/iaf_psc_exp_receptor1.npz: per resolution (suffix ``_dt01``, ``_dt005``),
V_m, I_syn_ex and I_syn_in at every step (t = k dt, k >= 1) and the spike times; the generators'
amplitude times and values, the spike arrival times and weights, I_e, tau_syn_ex and the delay.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

T = 150.0
EXTRA = 2.0  # the multimeter hands over the last min_delay slice only on the next Simulate call
DELAY = 1.0  # ms, every connection
I_E = 120.0  # pA
TAU_SYN_EX = 3.0  # ms (differs from tau_syn_in, so the receptor-1 filter is told apart)
R1_TIMES = [10.0, 40.0, 90.0, 120.0]  # ms, receptor-1 generator
R1_AMPS = [400.0, 900.0, -300.0, 250.0]  # pA
R0_TIMES = [60.0, 100.0]  # ms, receptor-0 generator
R0_AMPS = [150.0, 0.0]  # pA
SPIKES_EX = [25.0, 25.5, 70.0, 70.0, 110.0]  # ms, generator times (arrival = + DELAY)
SPIKES_IN = [30.0, 80.0, 80.5]
W_EX, W_IN = 300.0, -250.0  # pA


def run(dt: float) -> dict[str, np.ndarray]:
    import nest  # here, so that collecting this file (doctests) does not need NEST

    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": dt, "local_num_threads": 1})
    neuron = nest.Create("iaf_psc_exp", params={"I_e": I_E, "tau_syn_ex": TAU_SYN_EX})
    for times, amps, receptor in ((R1_TIMES, R1_AMPS, 1), (R0_TIMES, R0_AMPS, 0)):
        gen = nest.Create(
            "step_current_generator", params={"amplitude_times": times, "amplitude_values": amps}
        )
        nest.Connect(gen, neuron, syn_spec={"weight": 1.0, "delay": DELAY, "receptor_type": receptor})
    for times, w in ((SPIKES_EX, W_EX), (SPIKES_IN, W_IN)):
        sg = nest.Create("spike_generator", params={"spike_times": times})
        nest.Connect(sg, neuron, syn_spec={"weight": w, "delay": DELAY})
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "I_syn_ex", "I_syn_in"], "interval": dt})
    nest.Connect(mm, neuron)
    sr = nest.Create("spike_recorder")
    nest.Connect(neuron, sr)
    nest.Simulate(T + EXTRA)
    ev = mm.events
    t = np.asarray(ev["times"])
    keep = t <= T + 1e-9
    order = np.argsort(t[keep])
    spikes = np.asarray(sr.events["times"], dtype=float)
    out = {"t": t[keep][order], "spike_times": spikes[spikes <= T + 1e-9]}
    for k in ("V_m", "I_syn_ex", "I_syn_in"):
        out[k] = np.asarray(ev[k])[keep][order]
    return out


def main() -> None:
    import nest

    out: dict[str, object] = {
        "duration": T,
        "delay": DELAY,
        "I_e": I_E,
        "tau_syn_ex": TAU_SYN_EX,
        "r1_times": np.array(R1_TIMES),
        "r1_amps": np.array(R1_AMPS),
        "r0_times": np.array(R0_TIMES),
        "r0_amps": np.array(R0_AMPS),
        "ex_arrivals": np.array(SPIKES_EX) + DELAY,
        "in_arrivals": np.array(SPIKES_IN) + DELAY,
        "w_ex": W_EX,
        "w_in": W_IN,
        "nest_version": nest.__version__,
    }
    for dt, tag in ((0.1, "dt01"), (0.05, "dt005")):
        for k, v in run(dt).items():
            out[f"{k}_{tag}"] = v
    path = Path(__file__).with_name("iaf_psc_exp_receptor1.npz")
    np.savez_compressed(path, **out)
    print("wrote", path, {k: len(v) for k, v in out.items() if k.startswith("spike_times")})


if __name__ == "__main__":
    main()
