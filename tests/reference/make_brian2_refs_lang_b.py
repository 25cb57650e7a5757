"""Reference traces for tests/models/published/test_published_lang_b.py, made with Brian2 2.9.

Run with /work/brian2env/bin/python tests/reference/make_brian2_refs_lang_b.py (numpy target, no
compilation).  Writes tests/reference/brian2_traub_hh_lang_b.npz: Brian2's Hodgkin-Huxley example
(Traub & Miles 1991 rates, as in Brian2's COBAHH / IF_curve_Hodgkin_Huxley examples, written with
exprel), one neuron driven by 1 nA, rk4 at dt = 0.01 ms for 50 ms; v sampled every 0.1 ms.
"""

from pathlib import Path

import numpy as np
from brian2 import NeuronGroup, SpikeMonitor, StateMonitor, defaultclock, ms, mV, nA, nS, pF, prefs, run, uS

prefs.codegen.target = "numpy"
defaultclock.dt = 0.01 * ms
Cm, gl, El, EK, ENa = 200 * pF, 10 * nS, -65 * mV, -90 * mV, 50 * mV
g_na, g_kd, VT = 20 * uS, 6 * uS, -63 * mV
eqs = """  # Brian2's example, unchanged (a line continues after a backslash)
dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
dm/dt = 0.32*(mV**-1)*4*mV/exprel((13.*mV-v+VT)/(4.*mV))/ms*(1-m) \
        -0.28*(mV**-1)*5*mV/exprel((v-VT-40.*mV)/(5.*mV))/ms*m : 1
dn/dt = 0.032*(mV**-1)*5*mV/exprel((15.*mV-v+VT)/(5.*mV))/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1
dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h : 1
I : amp
"""
G = NeuronGroup(1, eqs, method="rk4", threshold="v > -20*mV", refractory="v > -20*mV")
G.v = El
G.I = 1 * nA
mon = StateMonitor(G, ["v", "m", "h", "n"], record=True, dt=0.1 * ms)
sp = SpikeMonitor(G)
run(50 * ms)
out = Path(__file__).with_name("brian2_traub_hh_lang_b.npz")
np.savez_compressed(out, t_ms=np.asarray(mon.t / ms), v_mV=np.asarray(mon.v[0] / mV), m=np.asarray(mon.m[0]),
                    h=np.asarray(mon.h[0]), n=np.asarray(mon.n[0]), spikes_ms=np.asarray(sp.t / ms))
print(out, len(sp.t), "spikes")
