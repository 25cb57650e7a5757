"""Declare your own model with units: the adaptive exponential integrate-and-fire neuron.

Every term of every equation is dimension-checked when the class statement runs.  The
right-hand sides use V_c = min(V, V_peak), as NEST's aeif models do: during the upswing
of a spike an RK4 stage would otherwise overflow (inf - inf = NaN) or kick w far away.

    python examples/custom_adex.py [adex.png]
"""

import sys

import neurounits as nu


class AdEx(nu.Model):
    """Brette & Gerstner (2005) adaptive exponential integrate-and-fire neuron."""

    C = nu.Parameter("281 pF", positive=True, doc="membrane capacitance")
    g_L = nu.Parameter("30 nS", positive=True, doc="leak conductance")
    E_L = nu.Parameter("-70.6 mV", doc="leak reversal potential")
    V_T = nu.Parameter("-50.4 mV", doc="threshold slope factor centre")
    Delta_T = nu.Parameter("2 mV", positive=True, doc="slope factor")
    a = nu.Parameter("4 nS", doc="subthreshold adaptation")
    tau_w = nu.Parameter("144 ms", doc="adaptation time constant")
    b = nu.Parameter("0.0805 nA", doc="spike-triggered adaptation")
    V_reset = nu.Parameter("-70.6 mV", doc="reset potential")
    V_peak = nu.Parameter("20 mV", doc="spike cut-off")
    V = nu.State("mV", initial="E_L")
    w = nu.State("pA", initial="0 pA")
    I = nu.Input("pA")
    equations = """
        V_c = min(V, V_peak) : mV
        dV/dt = (-g_L*(V_c - E_L) + g_L*Delta_T*exp((V_c - V_T)/Delta_T) - w + I) / C
        dw/dt = (a*(V_c - E_L) - w) / tau_w
    """
    threshold = "V > V_peak"
    reset = "V = V_reset; w += b"
    constraints = ("V_reset < V_peak",)


adex = AdEx(n=1)
res = nu.simulate(adex, "400 ms", "0.01 ms", inputs={"I": "0.8 nA"}, record=("V", "w"), record_every=10)
times = res.spikes.times.to("ms").magnitude
print(f"method: {res.method}; {times.size} spikes")
print("inter-spike intervals grow (adaptation):", [f"{d:.1f} ms" for d in (times[1:] - times[:-1])[:6]])
print("adaptation current at the end:", res["w"][-1, 0].to("pA"))

if len(sys.argv) > 1:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(2, 1, sharex=True, figsize=(7, 5))
    a1.plot(res.t.to("ms").magnitude, res["V"].to("mV").magnitude[:, 0])
    a1.set_ylabel("V (mV)")
    a2.plot(res.t.to("ms").magnitude, res["w"].to("pA").magnitude[:, 0])
    a2.set_ylabel("w (pA)")
    a2.set_xlabel("t (ms)")
    fig.savefig(sys.argv[1], dpi=100)
    print("wrote", sys.argv[1])
