"""Convergence orders and exactness of the integrators, against closed-form solutions.

Each order is measured as the slope of log(max error) against log(dt) over four step
sizes (halving dt each time), fitted with ``numpy.polyfit``.  The step sizes are chosen so
that every error is far above round-off (>= 1e-10), so the fits measure truncation error.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import DETERMINISTIC_METHODS, FIXED_STEP_METHODS, STOCHASTIC_METHODS

import neurounits as nu
from neurounits.integrators import INTEGRATORS

TAU = 10.0  # ms, the time constant of every problem below
DURATION = 40.0  # ms, a multiple of every dt used
DTS = {  # ms; halving sequences in the asymptotic regime, errors well above round-off
    "euler": (0.8, 0.4, 0.2, 0.1),
    "rk2": (0.8, 0.4, 0.2, 0.1),
    "exponential_euler": (0.8, 0.4, 0.2, 0.1),
    "rk4": (2.0, 1.0, 0.5, 0.25),
}
ORDER = {m: INTEGRATORS[m].order for m in DTS}  # the order each integrator claims
EXACT_METHODS = ("exact",)  # no truncation error on the systems they apply to: tested for exactness
ORDER_TOL = 0.25

# --------------------------------------------------------------------------- problems
# dx/dt = x (1 - x) / tau: nonlinear in x (only the explicit Runge-Kutta schemes apply).
X0 = 0.1
Logistic = nu.Model.from_equations(
    "dx/dt = x*(1 - x)/tau : 1", parameters={"tau": f"{TAU} ms"}, initial={"x": X0}, name="Logistic"
)


def logistic_exact(t_ms: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + (1.0 / X0 - 1.0) * np.exp(-t_ms / TAU))


# dx/dt = -x y / tau, dy/dt = -y / tau: conditionally linear (each equation linear in its own
# state) but not linear.  x = x0 exp(-(1 - exp(-t/tau))), y = exp(-t/tau).
X0_XY = 2.0
Decay2 = nu.Model.from_equations(
    """
    dx/dt = -x*y/tau : 1
    dy/dt = -y/tau : 1
    """,
    parameters={"tau": f"{TAU} ms"},
    initial={"x": X0_XY, "y": 1.0},
    name="CondLinearDecay",
)


def decay2_exact(t_ms: np.ndarray) -> np.ndarray:
    return X0_XY * np.exp(-(1.0 - np.exp(-t_ms / TAU)))


# dx/dt = (-x + sin(t/tau)) / tau: explicitly time dependent (tests the stage times t + c dt),
# conditionally linear.  With s = t/tau and x(0) = 0: x = (sin s - cos s + exp(-s)) / 2.
Forced = nu.Model.from_equations(
    "dx/dt = (-x + sin(t/tau))/tau : 1",
    parameters={"tau": f"{TAU} ms"},
    initial={"x": 0.0},
    name="ForcedRelaxation",
)


def forced_exact(t_ms: np.ndarray) -> np.ndarray:
    s = t_ms / TAU
    return 0.5 * (np.sin(s) - np.cos(s) + np.exp(-s))


PROBLEMS = {
    "logistic": (Logistic, "x", logistic_exact, ("euler", "rk2", "rk4")),
    "cond_linear": (Decay2, "x", decay2_exact, ("euler", "rk2", "rk4", "exponential_euler")),
    "forced": (Forced, "x", forced_exact, ("euler", "rk2", "rk4", "exponential_euler")),
}
CASES = [(p, m) for p, (*_, methods) in PROBLEMS.items() for m in methods]


@pytest.mark.no_jit
def test_every_fixed_step_method_has_a_measured_order():
    """A fixed-step integrator added to the registry needs step sizes here and a problem."""
    for method in FIXED_STEP_METHODS:
        if method in EXACT_METHODS:
            continue
        assert method in DTS, f"add step sizes for {method!r} to DTS"
        assert any(method in methods for *_, methods in PROBLEMS.values()), method
        assert ORDER[method] >= 1


def max_error(model_cls, var, exact, method, dt_ms) -> float:
    res = nu.simulate(model_cls(n=1), f"{DURATION} ms", f"{dt_ms} ms", method=method)
    assert res.method == method
    t = res.t.to("ms").magnitude
    assert t[0] == 0.0
    assert t[-1] == pytest.approx(DURATION)
    got = res[var].to("dimensionless").magnitude[:, 0]
    assert np.all(np.isfinite(got))
    return float(np.max(np.abs(got - exact(t))))


def measured_order(model_cls, var, exact, method) -> tuple[float, list[float]]:
    dts = DTS[method]
    errs = [max_error(model_cls, var, exact, method, dt) for dt in dts]
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    return float(slope), errs


# --------------------------------------------------------------------------- orders
@pytest.mark.parametrize(("problem", "method"), CASES, ids=[f"{p}-{m}" for p, m in CASES])
def test_convergence_order(problem, method):
    model_cls, var, exact, _ = PROBLEMS[problem]
    slope, errs = measured_order(model_cls, var, exact, method)
    # errors shrink monotonically, and stay far from round-off so the slope is meaningful
    assert all(e1 > e2 for e1, e2 in itertools.pairwise(errs)), errs
    assert min(errs) > 1e-11, errs
    assert abs(slope - ORDER[method]) < ORDER_TOL, (
        f"{method} on {problem}: measured order {slope:.3f}, expected {ORDER[method]} (errors {errs})"
    )


def test_alias_heun_is_rk2():
    dt = DTS["rk2"][0]
    a = nu.simulate(Logistic(n=1), f"{DURATION} ms", f"{dt} ms", method="heun")
    b = nu.simulate(Logistic(n=1), f"{DURATION} ms", f"{dt} ms", method="rk2")
    assert a.method == "rk2"
    np.testing.assert_array_equal(a["x"].magnitude, b["x"].magnitude)


def test_higher_order_is_more_accurate():
    """At one dt, rk4 beats rk2 beats euler on a smooth problem (by orders of magnitude)."""
    dt = 0.5
    e = {m: max_error(Logistic, "x", logistic_exact, m, dt) for m in ("euler", "rk2", "rk4")}
    assert e["rk4"] < e["rk2"] / 1000
    assert e["rk2"] < e["euler"] / 10


# --------------------------------------------------------------------------- exact methods
V_REST, R_MOHM, I_PA, TAU_M = -65.0, 100.0, 120.0, 10.0  # R*I = 12 mV


def lif_exact(t_ms: np.ndarray, v0: float) -> np.ndarray:
    v_inf = V_REST + R_MOHM * I_PA * 1e-3  # MOhm * pA = 1e-3 mV
    return v_inf + (v0 - v_inf) * np.exp(-t_ms / TAU_M)


@pytest.mark.parametrize("method", ["exact", "exponential_euler"])
@pytest.mark.parametrize("dt_ms", [0.1, 1.0, 5.0])
def test_exact_on_lif_independent_of_dt(method, dt_ms):
    """LIF under a constant current, below threshold, is linear: both methods are exact."""
    lif = nu.models.LIF(n=2, tau_m=f"{TAU_M} ms", V_rest=f"{V_REST} mV", V_th="0 mV", R=f"{R_MOHM} MOhm")
    v0 = np.array([-65.0, -40.0])  # from rest (charging) and from above V_inf (decaying)
    res = nu.simulate(
        lif, "50 ms", f"{dt_ms} ms", method=method, inputs={"I": f"{I_PA} pA"}, initial={"V": nu.Q_(v0, "mV")}
    )
    assert res.method == method
    assert res.spike_counts.sum() == 0
    t = res.t.to("ms").magnitude
    v = res["V"].to("mV").magnitude
    expected = np.stack([lif_exact(t, v0[0]), lif_exact(t, v0[1])], axis=1)
    scale = np.max(np.abs(expected))
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-10 * scale)
    # the charging neuron's excursion itself (12 mV on top of -65 mV) is right to 1e-10 relative
    exc, exc_expected = v[:, 0] - V_REST, expected[:, 0] - V_REST
    np.testing.assert_allclose(exc[1:], exc_expected[1:], rtol=1e-10)


# Membrane driven by an exponentially decaying synaptic current: a 2-state linear system.
#   dV/dt = (-(V - E_L) + R I_s) / tau_m,   dI_s/dt = -I_s / tau_s
MembraneSyn = nu.Model.from_equations(
    """
    dV/dt = (-(V - E_L) + R*I_s)/tau_m : mV
    dI_s/dt = -I_s/tau_s : pA
    """,
    parameters={"E_L": "-70 mV", "R": "100 MOhm", "tau_m": "10 ms", "tau_s": "5 ms"},
    initial={"V": "-60 mV", "I_s": "400 pA"},
    name="MembraneExpSyn",
)


def membrane_syn_exact(t, tau_m, tau_s, v0=-60.0, i0=400.0, e_l=-70.0, r=100.0):
    """Closed form in ms, mV, pA, MOhm.

    u = V - E_L obeys u' = -u/tau_m + (R I0 / tau_m) exp(-t/tau_s), so with d = 1/tau_m - 1/tau_s
    u(t) = u0 exp(-t/tau_m) + (R I0 / tau_m) exp(-t/tau_m) (exp(d t) - 1) / d,
    which for tau_m == tau_s (d = 0) is u0 exp(-t/tau) + R I0 (t/tau) exp(-t/tau).
    expm1 keeps the nearly singular case accurate.
    """
    ri0 = r * i0 * 1e-3  # mV
    d = (tau_s - tau_m) / (tau_m * tau_s)
    kernel = t if d == 0 else np.expm1(d * t) / d
    u = (v0 - e_l) * np.exp(-t / tau_m) + ri0 / tau_m * np.exp(-t / tau_m) * kernel
    return e_l + u, i0 * np.exp(-t / tau_s)


@pytest.mark.parametrize(
    "tau_s",
    [5.0, 10.0, 10.0 * (1 + 1e-9), 10.0 * (1 + 1e-5), 25.0],
    ids=["tau_s<tau_m", "tau_s==tau_m", "nearly_equal_1e-9", "nearly_equal_1e-5", "tau_s>tau_m"],
)
@pytest.mark.parametrize("dt_ms", [0.1, 2.0])
def test_exact_two_state_linear(tau_s, dt_ms):
    model = MembraneSyn(n=1, tau_m="10 ms", tau_s=nu.Q_(tau_s, "ms"))
    res = nu.simulate(model, "60 ms", f"{dt_ms} ms", method="exact")
    assert res.method == "exact"
    t = res.t.to("ms").magnitude
    v = res["V"].to("mV").magnitude[:, 0]
    i_s = res["I_s"].to("pA").magnitude[:, 0]
    assert np.all(np.isfinite(v)) and np.all(np.isfinite(i_s))
    v_exp, i_exp = membrane_syn_exact(t, 10.0, tau_s)
    np.testing.assert_allclose(i_s, i_exp, rtol=1e-10, atol=1e-10 * 400.0)
    # V relative to its own scale, and its excursion from E_L relative to the excursion
    np.testing.assert_allclose(v, v_exp, rtol=1e-10)
    np.testing.assert_allclose(v + 70.0, v_exp + 70.0, rtol=1e-10, atol=1e-10 * 40.0)


def test_exact_two_state_heterogeneous_population():
    """One kernel call, per-neuron time constants, the singular neuron among regular ones."""
    tau_s = np.array([2.0, 10.0, 10.0, 40.0])
    tau_m = np.array([10.0, 10.0, 3.0, 10.0])
    model = MembraneSyn(n=4, tau_m=nu.Q_(tau_m, "ms"), tau_s=nu.Q_(tau_s, "ms"))
    res = nu.simulate(model, "30 ms", "0.5 ms", method="exact")
    t = res.t.to("ms").magnitude
    v = res["V"].to("mV").magnitude
    for j in range(4):
        v_exp, _ = membrane_syn_exact(t, tau_m[j], tau_s[j])
        np.testing.assert_allclose(v[:, j], v_exp, rtol=1e-10, err_msg=f"neuron {j}")


# Zero eigenvalues and repeated eigenvalues: limits that a symbolic solution would divide by zero in.
PureIntegrator = nu.Model.from_equations(
    "dV/dt = I_0/C : mV",
    parameters={"I_0": "50 pA", "C": "200 pF"},
    initial={"V": "-70 mV"},
    name="PureIntegrator",
)
PerfectSyn = nu.Model.from_equations(
    """
    dV/dt = I_s/C : mV
    dI_s/dt = -I_s/tau_s : pA
    """,
    parameters={"C": "200 pF", "tau_s": "5 ms"},
    initial={"V": "-70 mV", "I_s": "400 pA"},
    name="PerfectIntegratorExpSyn",
)
Chain3 = nu.Model.from_equations(
    """
    dV/dt = (-(V - E_L) + R*I_s)/tau : mV
    dI_s/dt = (-I_s + J)/tau : pA
    dJ/dt = -J/tau : pA
    """,
    parameters={"E_L": "-70 mV", "R": "100 MOhm", "tau": "10 ms"},
    initial={"V": "-70 mV", "I_s": "0 pA", "J": "100 pA"},
    name="TripleEigenvalueChain",
)


@pytest.mark.parametrize("method", ["exact", "exponential_euler"])
def test_exact_pure_integrator(method):
    """dV/dt = I_0/C (M = 0): V = V0 + (I_0/C) t, 50 pA / 200 pF = 0.25 mV/ms."""
    res = nu.simulate(PureIntegrator(n=1), "20 ms", "0.5 ms", method=method)
    t = res.t.to("ms").magnitude
    v = res["V"].to("mV").magnitude[:, 0]
    np.testing.assert_allclose(v, -70.0 + 0.25 * t, rtol=1e-12)


@pytest.mark.parametrize("dt_ms", [0.1, 1.5])
def test_exact_two_state_with_zero_eigenvalue(dt_ms):
    """V = V0 + I0 tau_s / C (1 - exp(-t/tau_s)): M is singular (one eigenvalue 0)."""
    res = nu.simulate(PerfectSyn(n=1), "30 ms", f"{dt_ms} ms", method="exact")
    t = res.t.to("ms").magnitude
    v = res["V"].to("mV").magnitude[:, 0]
    np.testing.assert_allclose(v + 70.0, 400.0 * 5.0 / 200.0 * -np.expm1(-t / 5.0), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dt_ms", [0.25, 2.5])
def test_exact_triple_eigenvalue(dt_ms):
    """Three equal time constants (a Jordan block): V - E_L = R J0 (s^2/2) exp(-s), s = t/tau."""
    res = nu.simulate(Chain3(n=1), "50 ms", f"{dt_ms} ms")
    assert res.method == "exact"
    s = res.t.to("ms").magnitude / 10.0
    v = res["V"].to("mV").magnitude[:, 0]
    expected = 10.0 * s**2 / 2.0 * np.exp(-s)  # R J0 = 100 MOhm * 100 pA = 10 mV
    np.testing.assert_allclose(v + 70.0, expected, rtol=1e-10, atol=1e-10 * expected.max())


def test_exact_stiff_step():
    """dt = 500 tau_m: the exact step lands on the fixed point, no overflow or oscillation."""
    lif = nu.models.LIF(n=1, tau_m="0.01 ms", V_th="100 mV")
    res = nu.simulate(lif, "50 ms", "5 ms", inputs={"I": "100 pA"}, method="exact")
    v = res["V"].to("mV").magnitude[1:, 0]
    np.testing.assert_allclose(v, -55.0, rtol=1e-12)


# --------------------------------------------------------------------------- method=None
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: nu.models.LIF(n=1), "exact"),
        (lambda: MembraneSyn(n=1), "exact"),
        (lambda: Decay2(n=1), "exponential_euler"),
        (lambda: Forced(n=1), "exponential_euler"),
        (lambda: Logistic(n=1), "rk4"),
    ],
    ids=["lif", "membrane_syn", "cond_linear", "forced", "logistic"],
)
def test_automatic_choice(make, expected):
    res = nu.simulate(make(), "10 ms", "0.5 ms")
    assert res.method == expected
    assert res.method_reason  # the choice is explained


def test_automatic_choice_matches_explicit_method():
    auto = nu.simulate(Decay2(n=1), "20 ms", "0.5 ms")
    explicit = nu.simulate(Decay2(n=1), "20 ms", "0.5 ms", method="exponential_euler")
    np.testing.assert_array_equal(auto["x"].magnitude, explicit["x"].magnitude)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("make", "method"),
    [
        (lambda: Logistic(n=1), "exact"),
        (lambda: Logistic(n=1), "exponential_euler"),
        (lambda: Decay2(n=1), "exact"),
        (lambda: Forced(n=1), "exact"),
    ],
    ids=["logistic-exact", "logistic-exponential_euler", "cond_linear-exact", "forced-exact"],
)
def test_inapplicable_method_raises(make, method):
    model = make()
    with pytest.raises(nu.IntegratorError) as info:
        nu.simulate(model, "10 ms", "0.5 ms", method=method)
    msg = str(info.value)
    assert method in msg
    assert model.name in msg
    assert isinstance(info.value, nu.NeurounitsError)


@pytest.mark.parametrize("bad", ["rk45_typo", "Runge-Kutta", "implicit"])
def test_unknown_method_lists_options(bad):
    with pytest.raises(nu.IntegratorError) as info:
        nu.simulate(Logistic(n=1), "10 ms", "0.5 ms", method=bad)
    msg = str(info.value)
    assert bad in msg
    for name in DETERMINISTIC_METHODS + STOCHASTIC_METHODS:
        assert repr(name) in msg


def test_non_string_method_raises():
    with pytest.raises(nu.IntegratorError):
        nu.simulate(Logistic(n=1), "10 ms", "0.5 ms", method=4)
