"""Brian2 reference traces for tests/models/published/test_published_lang_a.py (issue 13).

Run with Brian2 2.9 (numpy target, no compiler needed):

    /work/brian2env/bin/python tests/reference/make_brian2_refs.py

Each model is written as in Brian2's examples and documentation; one neuron, driven by spikes
from a SpikeGeneratorGroup (an input spike at t_s acts in the step that starts at t_s, so in
neurounits it arrives at t_s + dt), dt = 0.1 ms.  Saved: the time of each sample, the recorded
variables (in the units named in the file) and the spike times (Brian2's: a step's start).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from brian2 import (
    Network,
    NeuronGroup,
    SpikeGeneratorGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    cm,
    defaultclock,
    ms,
    msiemens,
    mV,
    nS,
    prefs,
    siemens,
    ufarad,
    umetre,
)

OUT = Path(__file__).parent
prefs.codegen.target = "numpy"
DT = 0.1 * ms
INPUT_TIMES = np.array([2.0, 5.0, 9.0, 14.0, 15.0, 22.0, 30.0, 31.0, 45.0, 60.0, 61.0, 62.0, 80.0]) * ms


def run(group, record, duration, on_pre, weight):
    defaultclock.dt = DT
    src = SpikeGeneratorGroup(1, np.zeros(len(INPUT_TIMES), int), INPUT_TIMES)
    syn = Synapses(src, group, on_pre=on_pre)
    syn.connect()
    state = StateMonitor(group, record, record=0)
    spikes = SpikeMonitor(group)
    net = Network(group, src, syn, state, spikes)
    net.run(duration, namespace={"we": weight})
    return state, spikes


def cobahh():
    """Brian2's examples/COBAHH.py (Brette et al. 2007, benchmark 3), one neuron."""
    area = 20000 * umetre**2
    Cm = (1 * ufarad * cm**-2) * area
    gl = (5e-5 * siemens * cm**-2) * area
    El, EK, ENa = -60 * mV, -90 * mV, 50 * mV
    g_na = (100 * msiemens * cm**-2) * area
    g_kd = (30 * msiemens * cm**-2) * area
    VT = -63 * mV
    taue, taui, Ee, Ei = 5 * ms, 10 * ms, 0 * mV, -80 * mV
    eqs = """
    dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-
             g_na*(m*m*m)*h*(v-ENa)-
             g_kd*(n*n*n*n)*(v-EK))/Cm : volt
    dm/dt = alpha_m*(1-m)-beta_m*m : 1
    dn/dt = alpha_n*(1-n)-beta_n*n : 1
    dh/dt = alpha_h*(1-h)-beta_h*h : 1
    dge/dt = -ge*(1./taue) : siemens
    dgi/dt = -gi*(1./taui) : siemens
    alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
    beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
    beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
    """
    ns = {
        "area": area,
        "Cm": Cm,
        "gl": gl,
        "El": El,
        "EK": EK,
        "ENa": ENa,
        "g_na": g_na,
        "g_kd": g_kd,
        "VT": VT,
        "taue": taue,
        "taui": taui,
        "Ee": Ee,
        "Ei": Ei,
    }
    P = NeuronGroup(
        1, model=eqs, threshold="v>-20*mV", refractory=3 * ms, method="exponential_euler", namespace=ns
    )
    P.v = El  # one neuron, a fixed start (the example draws El + (randn()*5 - 5)*mV)
    state, spikes = run(P, ("v", "ge"), 100 * ms, "ge += we", 60 * nS)
    np.savez_compressed(
        OUT / "brian2_cobahh.npz",
        t_ms=state.t / ms,
        v_mV=state.v[0] / mV,
        ge_nS=state.ge[0] / nS,
        spikes_ms=spikes.t / ms,
        we_nS=60.0,
        dt_ms=DT / ms,
        input_ms=INPUT_TIMES / ms,
    )


def refractory_condition():
    """Brian2's user guide, "Refractoriness": v clamped while refractory, the period ending by a
    condition on the state (refractory='v > -40*mV'-style), with w adapting and t - lastspike used."""
    eqs = """
    dv/dt = (-(v + 70*mV) + I - w)/tau : volt (unless refractory)
    dw/dt = -w/tau_w : volt
    dx/dt = -x/(5*ms) : volt
    I = 30*mV + x : volt
    since = t - lastspike : second
    """
    G = NeuronGroup(
        1,
        eqs,
        threshold="v > -50*mV",
        reset="v = -40*mV; w += 4*mV",
        refractory="w > 6*mV",
        method="euler",
        namespace={"tau": 10 * ms, "tau_w": 30 * ms},
    )
    G.v = -70 * mV
    state, spikes = run(G, ("v", "w", "since"), 100 * ms, "x += we", 8 * mV)
    np.savez_compressed(
        OUT / "brian2_refractory_condition.npz",
        t_ms=state.t / ms,
        v_mV=state.v[0] / mV,
        w_mV=state.w[0] / mV,
        since_ms=state.since[0] / ms,
        spikes_ms=spikes.t / ms,
        dt_ms=DT / ms,
        input_ms=INPUT_TIMES / ms,
        we_mV=8.0,
    )


if __name__ == "__main__":
    cobahh()
    refractory_condition()
    for f in ("brian2_cobahh.npz", "brian2_refractory_condition.npz"):
        d = np.load(OUT / f)
        print(f, "spikes:", d["spikes_ms"])
