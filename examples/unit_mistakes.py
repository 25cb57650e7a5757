"""The mV/ms mistakes neurounits catches before anything runs, and what it says.

    python examples/unit_mistakes.py
"""

import neurounits as nu


def show(title, action):
    print(f"--- {title}")
    try:
        action()
    except nu.NeurounitsError as exc:
        print(f"{type(exc).__name__}: {exc}\n")
    else:  # pragma: no cover - every case below is a mistake
        raise AssertionError(f"{title}: no error")


# 1. a parameter in the wrong unit, a plain number, and a broken constraint, reported together
show("wrong values", lambda: nu.models.LIF(tau_m="10 mV", R=100, V_reset="-40 mV"))

# 2. an equation whose terms do not add up: 'a' was given in mV instead of nS
show("inconsistent equation", lambda: nu.Model.from_equations(
    """dV/dt = (-g_L*(V - E_L) - w + I) / C : mV
       dw/dt = (a*(V - E_L) - w) / tau_w : pA""",
    parameters={"g_L": "30 nS", "E_L": "-70 mV", "C": "281 pF", "a": "4 mV", "tau_w": "144 ms"},
    inputs={"I": "pA"}, name="AdaptiveLIF"))

# 3. a dimensional argument to exp()
show("exp of a voltage", lambda: nu.Model.from_equations(
    "dV/dt = (E_L - V)/tau + exp(V - V_T)*mV/ms : mV",
    parameters={"E_L": "-70 mV", "tau": "10 ms", "V_T": "-50 mV"}, name="ExpLeak"))

# 4. a threshold comparing a voltage with a time, and a reset assigning a time to V
show("threshold and reset", lambda: nu.Model.from_equations(
    "dV/dt = (E_L - V)/tau : mV", parameters={"E_L": "-70 mV", "tau": "10 ms"},
    threshold="V > tau", reset="V = tau", name="Leaky"))

# 5. an input in the wrong unit at simulation time
show("input unit", lambda: nu.simulate(nu.models.LIF(), "10 ms", inputs={"I": "2 mV"}))
