"""The LIF f-I curve against the analytic rate 1/(t_ref + tau_m ln(RI / (RI - (V_th - V_rest)))).

    python examples/lif_fi_curve.py [fi.png]
"""

import sys

import numpy as np

import neurounits as nu
from neurounits import Q_

currents = Q_(np.linspace(0.01, 1.0, 45), "nA")
lif = nu.models.LIF(n=currents.size, tau_m="10 ms", t_ref="2 ms")
res = nu.simulate(lif, "2 s", "0.01 ms", inputs={"I": currents}, record=())

p = lif.parameters
drive = (p["R"] * currents).to("mV")
gap = p["V_th"] - p["V_rest"]
with np.errstate(divide="ignore", invalid="ignore"):
    ratio = (drive / (drive - gap)).to("").magnitude
    period = p["t_ref"] + p["tau_m"] * np.log(np.where(drive > gap, ratio, np.nan))
analytic = np.nan_to_num((1 / period).to("Hz").magnitude)
err = np.abs(res.rates.to("Hz").magnitude - analytic)
# counting over 2 s is exact to 0.5 Hz, and dt = 0.01 ms lengthens an interval by at most one step
bound = 0.5 + analytic**2 * 0.01e-3
print(f"largest difference from the analytic rate: {err.max():.2f} Hz (bound {bound.max():.2f} Hz)")
assert np.all(err <= bound)

if len(sys.argv) > 1:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.plot(currents.to("nA").magnitude, res.rates.to("Hz").magnitude, "o", label="neurounits")
    plt.plot(currents.to("nA").magnitude, analytic, "-", label="analytic")
    plt.xlabel("I (nA)")
    plt.ylabel("rate (Hz)")
    plt.legend()
    plt.savefig(sys.argv[1], dpi=100)
    print("wrote", sys.argv[1])
