"""The seven firing patterns of Izhikevich (2003), Fig. 2, as one population of seven neurons.

Each neuron starts at rest (u = b V at the stable fixed point) and gets its own input (one
column of a TimedArray): a 10 mV/ms step for RS, IB, CH, FS and LTS; a hyperpolarizing
pulse and then a small depolarizing step for TC (rebound burst, then tonic spikes); a
0.1 mV/ms step for RZ (damped subthreshold oscillation), then 0.5 mV/ms (it fires).

    python examples/izhikevich_patterns.py [patterns.png]
"""

import sys

import numpy as np

import neurounits as nu
from neurounits import Q_

PATTERNS = {  # a (1/ms), b (1/ms), c (mV), d (mV/ms)
    "RS  regular spiking": (0.02, 0.2, -65.0, 8.0),
    "IB  intrinsically bursting": (0.02, 0.2, -55.0, 4.0),
    "CH  chattering": (0.02, 0.2, -50.0, 2.0),
    "FS  fast spiking": (0.1, 0.2, -65.0, 2.0),
    "LTS low-threshold spiking": (0.02, 0.25, -65.0, 2.0),
    "TC  thalamo-cortical": (0.02, 0.25, -65.0, 0.05),
    "RZ  resonator": (0.1, 0.26, -65.0, 2.0),
}
names = list(PATTERNS)
a, b, c, d = (np.array([PATTERNS[k][i] for k in names]) for i in range(4))
izh = nu.models.Izhikevich(n=len(names), a=Q_(a, "1/ms"), b=Q_(b, "1/ms"), c=Q_(c, "mV"), d=Q_(d, "mV/ms"))
v_rest = (-(5.0 - b) - np.sqrt((5.0 - b) ** 2 - 4 * 0.04 * 140.0)) / (2 * 0.04)

# input, one row per 10 ms, one column per neuron
rows = 40  # 400 ms
drive = np.zeros((rows, len(names)))
drive[2:, :5] = 10.0  # step at 20 ms
drive[2:12, 5] = -10.0  # TC: hyperpolarize 20-120 ms, release, then depolarize from 250 ms
drive[25:, 5] = 1.0
drive[2:25, 6] = 0.1  # RZ: subthreshold step at 20 ms, then a larger one at 250 ms
drive[25:, 6] = 0.5
current = nu.TimedArray(Q_(drive, "mV/ms"), dt="10 ms")

res = nu.simulate(izh, "400 ms", "0.1 ms", inputs={"I": current}, record=("V",),
                  initial={"V": Q_(v_rest, "mV"), "u": Q_(b * v_rest, "mV/ms")})

for i, name in enumerate(names):
    t = res.spikes.times[res.spikes.indices == i].to("ms").magnitude
    isi = np.diff(t)
    first = ", ".join(f"{x:.1f}" for x in isi[:5])
    last = f"; last {isi[-1]:.1f} ms" if isi.size > 5 else ""
    print(f"{name:<27} {t.size:3d} spikes; first ISIs [{first}] ms{last}")

if len(sys.argv) > 1:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(names), 1, sharex=True, figsize=(8, 13))
    tms = res.t.to("ms").magnitude
    V = res["V"].to("mV").magnitude
    for i, (ax, name) in enumerate(zip(axes, names)):
        ax.plot(tms, V[:, i], lw=0.8)
        ax.set_ylim(-90, 40)
        ax.set_ylabel("V (mV)")
        a_, b_, c_, d_ = PATTERNS[name]
        ax.set_title(f"{name}  (a={a_}/ms, b={b_}/ms, c={c_} mV, d={d_} mV/ms)", fontsize=9, loc="left")
        step_t = np.arange(rows + 1) * 10.0
        ax2 = ax.twinx()
        ax2.step(step_t, np.r_[drive[:, i], drive[-1, i]], where="post", color="0.6", lw=0.8)
        ax2.set_ylabel("I (mV/ms)", color="0.5", fontsize=8)
    # the resonator's damped subthreshold oscillation (period ~41 ms), magnified
    sel = (tms > 15.0) & (tms < 250.0)
    inset = axes[-1].inset_axes([0.08, 0.4, 0.45, 0.55])
    inset.plot(tms[sel], V[sel, -1], lw=0.8)
    inset.tick_params(labelsize=7)
    inset.set_ylabel("mV", fontsize=7)
    axes[-1].set_xlabel("t (ms)")
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=100)
    print("wrote", sys.argv[1])
