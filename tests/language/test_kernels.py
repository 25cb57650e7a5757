"""Synaptic kernels on spike inputs (issue 13, item 1): the response to one spike against the closed
form, a model written with kernel='alpha(...)' against NEST's hand-expanded library model, and bad
kernels refused at declaration."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_


class Kernels(nu.Model):
    tau = nu.Parameter("2 ms")
    tau_r = nu.Parameter("0.5 ms")
    E_L = nu.Parameter("-70 mV")
    V = nu.State("mV", initial="E_L")
    a = nu.Receptor("nS", kernel="alpha(tau)", state="g_a")
    x = nu.Receptor("nS", kernel="exponential(tau)", state="g_x")
    b = nu.Receptor("nS", kernel="beta(tau_r, tau)", state="g_b")
    b_eq = nu.Receptor("nS", kernel="beta(tau, tau)", state="g_beq")
    k = nu.Receptor("pA", kernel="(t/tau)*exp(1 - t/tau)", state="I_k")
    osc = nu.Receptor("pA", kernel="exp(-t/tau)*cos(t/tau_r)", state="I_osc")
    equations = "dV/dt = (E_L - V)/(10*ms) + I_k/(100*pF) : mV"


def _one_spike(method):
    rs = ["a", "x", "b", "b_eq", "k", "osc"]
    spikes = [
        nu.SpikeInput(times=Q_([1.0], "ms"), weight=Q_(1.5, Kernels._decl[r].unit), receptor=r) for r in rs
    ]
    res = nu.simulate(
        Kernels(),
        duration="12 ms",
        dt="0.1 ms",
        spike_inputs=spikes,
        method=method,
        record=("g_a", "g_x", "g_b", "g_beq", "I_k", "I_osc"),
    )
    s = res.t.m_as("ms") - 1.0
    return res, np.where(s >= 0, s, np.nan)


@pytest.mark.parametrize("method", ["exact", "rk4"])
def test_one_spike_against_the_closed_form(method):
    res, s = _one_spike(method)
    tau, tr, w = 2.0, 0.5, 1.5
    tp = tau * tr * np.log(tau / tr) / (tau - tr)
    norm = (1 / tr - 1 / tau) / (np.exp(-tp / tau) - np.exp(-tp / tr))
    closed = {
        "g_a": w * s / tau * np.exp(1 - s / tau),
        "g_x": w * np.exp(-s / tau),
        "g_b": w * norm * (np.exp(-s / tau) - np.exp(-s / tr)) / (1 / tr - 1 / tau),
        "g_beq": w * s / tau * np.exp(1 - s / tau),
        "I_k": w * s / tau * np.exp(1 - s / tau),
        "I_osc": w * np.exp(-s / tau) * np.cos(s / tr),
    }
    tol = 1e-12 if method == "exact" else 1e-4  # rk4: O((dt/tau_r)**4), measured 1.8e-5
    for k, f in closed.items():
        got = res[k][:, 0].magnitude
        np.testing.assert_allclose(got, np.nan_to_num(f), rtol=0, atol=tol, err_msg=k)
    # the normalisations: alpha and beta peak at the weight
    assert w * norm * (np.exp(-tp / tau) - np.exp(-tp / tr)) / (1 / tr - 1 / tau) == pytest.approx(w)


@pytest.mark.no_jit
def test_the_expansion_is_shown_in_the_docstring():
    doc = Kernels.__doc__
    assert "Synaptic kernels, as expanded by neurounits::" in doc
    assert "receptor 'a' (nS), kernel alpha(tau):" in doc
    assert "dg_a__rise/dt = -g_a__rise/(tau)" in doc and "on a spike: g_a__rise += w*e/(tau)" in doc
    assert "dI_k__d1/dt = (-1/tau**2)*I_k + (-2/tau)*I_k__d1" in doc
    assert repr(Kernels._decl["a"]) == "Receptor('nS', kernel='alpha(tau)', state='g_a')"
    assert Kernels().states["g_a__rise"] == nu.ureg.Unit("nS/ms")


class aeif_cond_alpha_kernels(nu.Model):
    """NEST's aeif_cond_alpha as NESTML writes it: alpha kernels instead of hand-expanded states."""

    C_m = nu.Parameter("281 pF")
    g_L = nu.Parameter("30 nS")
    E_L = nu.Parameter("-70.6 mV")
    V_reset = nu.Parameter("-60 mV")
    t_ref = nu.Parameter("0 ms", nonnegative=True)
    I_e = nu.Parameter("0 pA")
    a = nu.Parameter("4 nS")
    b = nu.Parameter("80.5 pA")
    Delta_T = nu.Parameter("2 mV", nonnegative=True)
    tau_w = nu.Parameter("144 ms")
    V_th = nu.Parameter("-50.4 mV")
    V_peak = nu.Parameter("0 mV")
    E_ex = nu.Parameter("0 mV")
    E_in = nu.Parameter("-85 mV")
    tau_syn_ex = nu.Parameter("0.2 ms")
    tau_syn_in = nu.Parameter("2 ms")
    gsl_error_tol = nu.Parameter(1e-6, positive=True)
    V_m = nu.State("mV", initial="E_L")
    w = nu.State("pA")
    I = nu.Input("pA")
    ex = nu.Receptor("nS", kernel="alpha(tau_syn_ex)", state="g_ex")
    in_ = nu.Receptor("nS", kernel="-alpha(tau_syn_in)", state="g_in")
    receptor_by_sign = ("ex", "in_")
    equations = """
        V = min(V_m, V_peak) : mV
        I_spike = (g_L*Delta_T*exp((V - V_th)/Delta_T) if Delta_T > 0*mV else 0*pA) : pA
        I_syn = g_ex*(V - E_ex) + g_in*(V - E_in) : pA
        dV_m/dt = (-g_L*(V - E_L) + I_spike - I_syn - w + I_e + I) / C_m : mV (unless refractory)
        dw/dt = (a*(V - E_L) - w)/tau_w : pA
    """
    threshold = "V_m >= (V_peak if Delta_T > 0*mV else V_th)"
    reset = "V_m = V_reset; w += b"
    refractory = "t_ref"
    threshold_in_substeps = True
    default_method = "rkf45"
    integrator_options = {  # noqa: RUF012
        "atol": "gsl_error_tol",
        "rtol": "gsl_error_tol",
        "control": "yp",
        "h0": "0.01 ms",
    }


@pytest.mark.slow
def test_alpha_kernels_give_the_hand_expanded_nest_model():
    times = Q_([5.0, 7.5, 9.0, 12.0, 20.0, 21.0, 35.0], "ms")
    weights = Q_([60.0, -20.0, 80.0, 45.0, -35.0, 90.0, 70.0], "nS")
    out = []
    for cls, g in ((nu.models.nest.aeif_cond_alpha, "dg_ex"), (aeif_cond_alpha_kernels, "g_ex__rise")):
        spikes = [nu.SpikeInput(times=times[i : i + 1], weight=weights[i]) for i in range(len(times))]
        res = nu.simulate(
            cls(t_ref="1 ms", I_e="1000 pA"),
            duration="60 ms",
            dt="0.1 ms",
            spike_inputs=spikes,
            record=("V_m", "g_ex", "g_in", "w", g),
        )
        out.append(res)
    ref, got = out
    assert ref.method == got.method == "rkf45" and ref.spikes.times.size >= 3
    np.testing.assert_array_equal(got.spikes.times.magnitude, ref.spikes.times.magnitude)
    for k in ("V_m", "g_ex", "g_in", "w"):
        np.testing.assert_allclose(got[k].magnitude, ref[k].magnitude, rtol=0, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(got["g_ex__rise"].magnitude, ref["dg_ex"].magnitude, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- bad kernels, at declaration
def _declare(kernel, unit="nS", **extra):
    body = {
        "tau": nu.Parameter("2 ms"),
        "E_L": nu.Parameter("-70 mV"),
        "V": nu.State("mV"),
        "ex": nu.Receptor(unit, kernel=kernel, state="g"),
        "equations": "dV/dt = (E_L - V)/tau : mV",
    }
    body.update(extra)
    return type("K", (nu.Model,), body)


@pytest.mark.no_jit
def test_a_kernel_without_a_linear_ode_is_refused():
    with pytest.raises(
        nu.EquationError,
        match=r"model 'K', receptor 'ex': the kernel 'exp\(-t\*\*2/tau\*\*2\)' "
        "is not the impulse response of a linear ODE with constant coefficients",
    ):
        _declare("exp(-t**2/tau**2)")


@pytest.mark.no_jit
def test_a_kernel_without_t_is_refused():
    with pytest.raises(nu.EquationError, match=r"the kernel 'exp\(-1\)' does not depend on t"):
        _declare("exp(-1)")


@pytest.mark.no_jit
def test_a_kernel_time_constant_in_the_wrong_unit_is_a_dimension_error():
    with pytest.raises(nu.DimensionError) as info:
        _declare("alpha(E_L)")
    assert "model 'K', receptor 'ex': the kernel 'alpha(E_L)'" in str(info.value)
    assert "expected the time constant of alpha() in ms (time), got mV (voltage) from  E_L" in str(info.value)
    with pytest.raises(nu.DimensionError, match=r"the argument of exp\(\) must be dimensionless, got ms"):
        _declare("exp(-t)")
    with pytest.raises(nu.EquationError, match=r"the kernel beta\(\) takes 2 duration\(s\)"):
        _declare("beta(tau)")


@pytest.mark.no_jit
def test_bad_receptor_declarations_are_refused():
    with pytest.raises(nu.EquationError, match=r"either on_spike .* or kernel= with state=.*, not both"):
        nu.Receptor("nS", "g += w", kernel="alpha(tau)", state="g")
    with pytest.raises(nu.EquationError, match="needs the kernel as a string and state="):
        nu.Receptor("nS", kernel="alpha(tau)")
    with pytest.raises(
        nu.EquationError, match="its kernel defines the state 'g', which the model declares too"
    ):
        _declare("alpha(tau)", g=nu.State("nS"))
