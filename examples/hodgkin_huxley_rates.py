"""A Hodgkin-Huxley model written as published: rate functions with unit signatures (nu.function),
derived parameters (nu.Derived) and a spike counter (an int state).

The Traub & Miles (1991) rates, as in Brian2's COBAHH example, are 0/0 at some voltages
(x/(1 - exp(-x)) at x = 0); neurounits rewrites them with exprel when the functions are declared,
so they have their limits there.

    python examples/hodgkin_huxley_rates.py [hh.png]
"""

import sys

import neurounits as nu

alpha_m = nu.function("alpha_m(u: mV) -> 1/ms", "0.32/mV/ms*(13*mV - u)/(exp((13*mV - u)/(4*mV)) - 1)")
nu.function("beta_m(u: mV) -> 1/ms", "0.28/mV/ms*(u - 40*mV)/(exp((u - 40*mV)/(5*mV)) - 1)")
nu.function("alpha_n(u: mV) -> 1/ms", "0.032/mV/ms*(15*mV - u)/(exp((15*mV - u)/(5*mV)) - 1)")
nu.function("beta_n(u: mV) -> 1/ms", "0.5/ms*exp((10*mV - u)/(40*mV))")
nu.function("alpha_h(u: mV) -> 1/ms", "0.128/ms*exp((17*mV - u)/(18*mV))")
nu.function("beta_h(u: mV) -> 1/ms", "4/ms/(1 + exp((40*mV - u)/(5*mV)))")


class TraubHH(nu.Model):
    """Traub & Miles (1991) Hodgkin-Huxley neuron, membrane area 20000 um^2."""

    area = nu.Parameter("20000 um**2")
    c_m = nu.Parameter("1 uF/cm**2", doc="specific capacitance")
    g_l = nu.Parameter("5e-5 S/cm**2", doc="specific leak conductance")
    g_na_bar = nu.Parameter("100 mS/cm**2")
    g_kd_bar = nu.Parameter("30 mS/cm**2")
    Cm = nu.Derived("c_m*area", "pF")
    gl = nu.Derived("g_l*area", "nS")
    g_na = nu.Derived("g_na_bar*area", "uS")
    g_kd = nu.Derived("g_kd_bar*area", "uS")
    El = nu.Parameter("-65 mV")
    EK = nu.Parameter("-90 mV")
    ENa = nu.Parameter("50 mV")
    VT = nu.Parameter("-63 mV")
    v = nu.State("mV", initial="El")
    m = nu.State("1")
    n = nu.State("1")
    h = nu.State("1")
    spikes = nu.State("1", dtype=int, doc="spikes so far")
    I = nu.Input("nA")
    equations = """
        dv/dt = (gl*(El - v) - g_na*m**3*h*(v - ENa) - g_kd*n**4*(v - EK) + I)/Cm
        dm/dt = alpha_m(v - VT)*(1 - m) - beta_m(v - VT)*m
        dn/dt = alpha_n(v - VT)*(1 - n) - beta_n(v - VT)*n
        dh/dt = alpha_h(v - VT)*(1 - h) - beta_h(v - VT)*h
    """
    threshold = "v > -20*mV and prev(v) <= -20*mV"
    reset = "spikes += 1"


print(alpha_m)
print("alpha_m at its singular point, u = 13 mV:", alpha_m("13 mV"))
hh = TraubHH(n=3)
print(hh)
res = nu.simulate(hh, "100 ms", "0.01 ms", inputs={"I": nu.Q_([0.5, 1.0, 2.0], "nA")}, method="rk4",
                  record=("v", "spikes"), record_every=10)
print("spikes at 0.5, 1 and 2 nA:", res["spikes"].m[-1], "(int states:", res["spikes"].m.dtype, ")")

if len(sys.argv) > 1:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for k, amp in enumerate(("0.5 nA", "1 nA", "2 nA")):
        ax.plot(res.t.to("ms").magnitude, res["v"].to("mV").magnitude[:, k] + 120 * k, label=amp)
    ax.set_xlabel("t (ms)")
    ax.set_ylabel("v (mV, offset)")
    ax.legend(loc="upper right")
    fig.savefig(sys.argv[1], dpi=100)
    print("wrote", sys.argv[1])
