"""The spiking model library: Izhikevich, quadratic and exponential IF, Hodgkin-Huxley.

Defaults and units as documented, reset modes, refractory holds, adaptation, and the
Hodgkin-Huxley rheobase, spike counting and temperature dependence.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import LIBRARY

import neurounits as nu
from neurounits import Q_

M = nu.models

# documented defaults (the parameter tables of the docstrings), in the documented unit
DEFAULTS = {
    "Izhikevich": {"a": "0.02 1/ms", "b": "0.2 1/ms", "c": "-65 mV", "d": "8 mV/ms", "V_th": "30 mV"},
    "QuaIF": {"tau": "10 ms", "V_th": "-30 mV", "V_reset": "-68 mV", "V_rest": "-65 mV",
              "V_c": "-50 mV", "c": "0.07 1/mV", "R": "1 ohm"},
    "ExpIF": {"C": "281 pF", "g_L": "30 nS", "E_L": "-70.6 mV", "V_T": "-50.4 mV", "Delta_T": "2 mV",
              "V_reset": "-70.6 mV", "V_peak": "20 mV", "t_ref": "0 ms"},
    "HodgkinHuxley": {"C_m": "1 uF/cm**2", "g_Na": "120 mS/cm**2", "g_K": "36 mS/cm**2",
                      "g_L": "0.3 mS/cm**2", "E_Na": "50 mV", "E_K": "-77 mV", "E_L": "-54.387 mV",
                      "T": "279.45 K", "T_ref": "279.45 K", "Q10": "3", "V_spike": "0 mV"},
}
DEFAULTS["IzhikevichRef"] = {**DEFAULTS["Izhikevich"], "tau_ref": "0 ms"}
DEFAULTS["AdQuaIF"] = {**DEFAULTS["QuaIF"], "tau_w": "10 ms", "a": "1 S", "b": "0.1 mA"}
DEFAULTS["AdQuaIFRef"] = {**DEFAULTS["AdQuaIF"], "tau_ref": "1.7 ms"}
DEFAULTS["AdEx"] = {**DEFAULTS["ExpIF"], "a": "4 nS", "tau_w": "144 ms", "b": "80.5 pA"}

# state -> (unit, initial value); input unit; a drive that makes the model fire
_M0, _H0, _N0 = 0.0529325, 0.5961208, 0.3176769
STATES = {
    "Izhikevich": {"V": ("mV", -65.0), "u": ("mV/ms", 0.0)},
    "QuaIF": {"V": ("mV", -65.0)},
    "AdQuaIF": {"V": ("mV", -65.0), "w": ("mA", 0.0)},
    "ExpIF": {"V": ("mV", -70.6)},
    "AdEx": {"V": ("mV", -70.6), "w": ("pA", 0.0)},
    "HodgkinHuxley": {"V": ("mV", -65.0), "m": ("", _M0), "h": ("", _H0), "n": ("", _N0)},
}
STATES["IzhikevichRef"] = STATES["Izhikevich"]
STATES["AdQuaIFRef"] = STATES["AdQuaIF"]
DRIVE = {name: LIBRARY[name].inputs["I"] for name in DEFAULTS}  # the shared drives that make each fire


def _times(res, i=0):
    return res.spikes.times[res.spikes.indices == i].to("ms").magnitude


def _spike_samples(res, dt, i=0):
    """Sample index of each spike: a spike at t is recorded in the sample at t (after the reset)."""
    return np.rint(_times(res, i) / dt).astype(int)


# ------------------------------------------------------------------------------ defaults and units
@pytest.mark.no_jit
@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_documented_defaults_units_states_and_inputs(name):
    model = getattr(M, name)()
    assert set(model.parameters) == set(DEFAULTS[name])
    for k, text in DEFAULTS[name].items():
        expected = Q_(text) if " " in text else Q_(float(text), "")
        got = model.parameters[k]
        assert got.units == expected.units, (k, got.units, expected.units)
        assert got.magnitude == pytest.approx(expected.magnitude, rel=1e-12), k
    assert {k: v for k, v in model.states.items()} == {
        k: nu.ureg.Unit(u) if u else nu.ureg.dimensionless for k, (u, _) in STATES[name].items()}
    assert list(model.inputs) == ["I"]
    assert model.inputs["I"].dimensionality == Q_(DRIVE[name]).dimensionality


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_each_model_simulates_from_its_documented_initial_state_and_fires(name):
    model = getattr(M, name)(n=2)
    dt = 0.025
    res = nu.simulate(model, "200 ms", f"{dt} ms", inputs={"I": Q_([0.0, 1.0]) * Q_(DRIVE[name])})
    for k, (unit, v0) in STATES[name].items():
        trace = res[k].to(unit or "").magnitude
        assert trace[0] == pytest.approx([v0, v0], abs=1e-6), k
        assert np.isfinite(trace).all(), k
    # without input nothing fires (HH rests at -65 mV, the IFs at their rest, Izhikevich
    # settles from u = 0 towards its rest at -70 mV); with the drive each one fires repeatedly
    counts = res.spike_counts
    assert counts[0] == 0 and counts[1] >= 4, counts


# ------------------------------------------------------------------------------ reset modes
def _izh_rk4(V, u, I, a, b, dt):
    def f(v, w):
        return 0.04 * v * v + 5.0 * v + 140.0 - w + I, a * (b * v - w)

    k1 = f(V, u)
    k2 = f(V + dt / 2 * k1[0], u + dt / 2 * k1[1])
    k3 = f(V + dt / 2 * k2[0], u + dt / 2 * k2[1])
    k4 = f(V + dt * k3[0], u + dt * k3[1])
    return (V + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),
            u + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]))


@pytest.mark.parametrize("mode", ["hard", "soft"])
def test_izhikevich_hard_and_soft_reset_follow_the_definition_step_by_step(mode):
    dt, I = 0.1, 10.0
    izh = M.Izhikevich(spk_reset=mode)
    assert izh.options == {"spk_reset": mode}
    res = nu.simulate(izh, "300 ms", f"{dt} ms", inputs={"I": f"{I} mV/ms"}, method="rk4")
    V, u = res["V"].to("mV").magnitude[:, 0], res["u"].to("mV/ms").magnitude[:, 0]
    ks = _spike_samples(res, dt)
    assert ks.size >= 5
    for k in ks:
        v_step, u_step = _izh_rk4(V[k - 1], u[k - 1], I, 0.02, 0.2, dt)
        assert v_step >= 30.0  # the step crossed V_th
        assert u[k] == pytest.approx(u_step + 8.0, rel=1e-10)  # u += d in both modes
        if mode == "hard":
            assert V[k] == -65.0  # V = c
        else:
            assert V[k] == pytest.approx(v_step - (30.0 - (-65.0)), rel=1e-10)  # V -= V_th - c
            assert V[k] > -65.0  # the overshoot above V_th is kept
    # no other step reached V_th
    others = np.setdiff1d(np.arange(1, V.size), ks)
    assert (V[others] < 30.0).all()


def test_soft_reset_fires_differently_from_hard_reset():
    counts = {}
    for mode in ("hard", "soft"):
        res = nu.simulate(M.Izhikevich(spk_reset=mode), "300 ms", "0.1 ms", inputs={"I": "10 mV/ms"},
                          record=())
        counts[mode] = int(res.spike_counts[0])
    # the soft reset restarts above c (V - 95 mV with V >= 30 mV), so the next spike comes sooner
    assert counts["soft"] > counts["hard"] >= 5


def test_quaif_soft_reset_subtracts_v_th_minus_v_reset():
    dt = 0.05
    res = {mode: nu.simulate(M.QuaIF(spk_reset=mode), "100 ms", f"{dt} ms", inputs={"I": "20 mA"})
           for mode in ("hard", "soft")}
    hard_v = res["hard"]["V"].to("mV").magnitude[:, 0]
    assert (hard_v[_spike_samples(res["hard"], dt)] == -68.0).all()
    soft_v = res["soft"]["V"].to("mV").magnitude[:, 0]
    ks = _spike_samples(res["soft"], dt)
    assert ks.size >= 3
    # V_pre >= V_th = -30 mV, so after V -= 38 mV the potential is at or above V_reset = -68 mV
    assert (soft_v[ks] >= -68.0).all() and (soft_v[ks] > -68.0).any()
    assert (soft_v[ks] < -30.0 - 38.0 + 20.0).all()  # the overshoot in one 0.05 ms step is < 20 mV


# ------------------------------------------------------------------------------ refractory periods
def _check_hold(res, dt, steps, states, held_value=None):
    """Every state is constant for `steps` steps after each spike; the flag is 1 exactly then."""
    refr = res["refractory"].magnitude[:, 0]
    ks = _spike_samples(res, dt)
    assert ks.size >= 2
    for k in ks[:-1]:
        for name in states:
            x = res[name].magnitude[:, 0]
            assert (x[k:k + steps + 1] == x[k]).all(), (name, k)
            assert x[k + steps + 1] != x[k], (name, k)
        if held_value is not None:
            assert res["V"].magnitude[k, 0] == held_value
        assert refr[k:k + steps].all() and refr[k + steps] == 0.0
    assert refr.sum() == pytest.approx(steps * ks.size, abs=steps)  # the last period may be cut off


@pytest.mark.parametrize("tau_ref, dt, steps", [("1.05 ms", 0.1, 11), ("2 ms", 0.1, 20), ("2 ms", 0.3, 7)])
def test_izhikevich_ref_holds_v_at_c_and_u_for_ceil_tau_ref_over_dt_steps(tau_ref, dt, steps):
    assert steps == math.ceil(Q_(tau_ref).m_as("ms") / dt - 1e-9)
    izh = M.IzhikevichRef(tau_ref=tau_ref)
    res = nu.simulate(izh, "300 ms", f"{dt} ms", inputs={"I": "10 mV/ms"}, record=("V", "u", "refractory"))
    _check_hold(res, dt, steps, ("V", "u"), held_value=-65.0)


def test_izhikevich_ref_with_zero_refractory_period_is_izhikevich():
    kw = {"inputs": {"I": "10 mV/ms"}, "record": ("V", "u")}
    a = nu.simulate(M.Izhikevich(), "200 ms", "0.1 ms", **kw)
    b = nu.simulate(M.IzhikevichRef(), "200 ms", "0.1 ms", **kw)
    # two kernels generated from different equations (common subexpressions shared differently):
    # rounding differs, by up to ~1e-12 relative in the upstroke of a spike
    np.testing.assert_allclose(b["V"].magnitude, a["V"].magnitude, rtol=1e-11, atol=1e-12)
    np.testing.assert_array_equal(_times(a), _times(b))


def test_refractory_is_recordable_only_where_there_is_a_refractory_period():
    assert "refractory" in M.IzhikevichRef().spec.recordable()
    assert "refractory" in M.AdQuaIFRef().spec.recordable()
    for cls in (M.Izhikevich, M.QuaIF, M.AdQuaIF, M.HodgkinHuxley):
        assert "refractory" not in cls().spec.recordable()
        with pytest.raises(nu.ParameterError, match="nothing called 'refractory'"):
            nu.simulate(cls(), "1 ms", "0.1 ms", record=("refractory",))


@pytest.mark.parametrize("dt, steps", [(0.1, 17), (0.25, 7), (0.05, 34)])
def test_adquaif_ref_holds_v_and_w_for_ceil_tau_ref_over_dt_steps(dt, steps):
    # default tau_ref = 1.7 ms: ceil(1.7/0.1) = 17, ceil(1.7/0.25) = ceil(6.8) = 7, ceil(34) = 34
    res = nu.simulate(M.AdQuaIFRef(), "200 ms", f"{dt} ms", inputs={"I": "30 mA"},
                      record=("V", "w", "refractory"))
    _check_hold(res, dt, steps, ("V", "w"), held_value=-68.0)


def test_adex_clamps_v_during_t_ref_while_w_keeps_evolving():
    dt, steps = 0.05, 40  # t_ref = 2 ms
    res = nu.simulate(M.AdEx(t_ref="2 ms"), "200 ms", f"{dt} ms", inputs={"I": "1 nA"},
                      record=("V", "w", "refractory"))
    V, w = res["V"].to("mV").magnitude[:, 0], res["w"].to("pA").magnitude[:, 0]
    ks = _spike_samples(res, dt)
    assert ks.size >= 3
    for k in ks[:-1]:
        assert (V[k:k + steps + 1] == -70.6).all() and V[k + steps + 1] != -70.6
        # w relaxes towards a*(V_reset - E_L) = 0 while V is clamped: it decays, never held
        assert (np.diff(w[k:k + steps + 1]) < 0).all()
        # exactly as dw/dt = -w/tau_w, solved by rk4 at V_c = V_reset = E_L
        assert w[k + steps] == pytest.approx(w[k] * math.exp(-steps * dt / 144.0), rel=1e-9)
    ref = nu.simulate(M.ExpIF(t_ref="2 ms"), "100 ms", f"{dt} ms", inputs={"I": "1 nA"},
                      record=("V", "refractory"))
    _check_hold(ref, dt, steps, ("V",), held_value=-70.6)


# ------------------------------------------------------------------------------ adaptation
def test_adquaif_adaptation_lengthens_inter_spike_intervals():
    I = Q_(30.0, "mA")
    plain = nu.simulate(M.QuaIF(), "300 ms", "0.05 ms", inputs={"I": I}, record=())
    adapt = nu.simulate(M.AdQuaIF(n=3, b=Q_([0.1, 5.0, 0.0], "mA"), a=Q_([1.0, 1.0, 0.0], "S")), "300 ms",
                        "0.05 ms", inputs={"I": I}, record=())
    isi_plain = np.diff(_times(plain))
    assert np.ptp(isi_plain) < 0.06  # no adaptation: constant intervals (to one step)
    isi = np.diff(_times(adapt, 0))
    assert (np.diff(isi) > -0.06).all()  # the intervals grow (to one step) ...
    assert isi[-1] > 1.05 * isi[0]  # ... by more than 5 % from the first to the last
    assert isi[0] > isi_plain[0]  # w > 0 already before the first spike (a*(V - V_rest) > 0)
    # a larger spike-triggered jump b adapts more: longer steady intervals, fewer spikes
    # (measured: 10.8 ms without adaptation, 17.2 ms with b = 0.1 mA, 19.1 ms with b = 5 mA)
    assert isi_plain[-1] < isi[-1] < np.diff(_times(adapt, 1))[-1]
    counts = adapt.spike_counts
    assert counts[1] < counts[0] < plain.spike_counts[0]
    # with a = 0 and b = 0, w stays 0 and AdQuaIF is QuaIF
    np.testing.assert_allclose(_times(adapt, 2), _times(plain), atol=1e-9)


def test_adex_adapts_and_expif_does_not():
    kw = {"inputs": {"I": "1 nA"}, "record": ()}
    isi_ad = np.diff(_times(nu.simulate(M.AdEx(), "300 ms", "0.05 ms", **kw)))
    isi_exp = np.diff(_times(nu.simulate(M.ExpIF(), "300 ms", "0.05 ms", **kw)))
    assert isi_ad[-1] > 2 * isi_ad[0]
    assert np.ptp(isi_exp) < 0.06
    # AdEx without adaptation (a = 0, b = 0) is ExpIF
    res = nu.simulate(M.AdEx(a="0 nS", b="0 pA"), "300 ms", "0.05 ms", **kw)
    np.testing.assert_allclose(np.diff(_times(res)), isi_exp, atol=1e-9)


def test_exponential_models_stay_finite_with_large_input_and_coarse_steps():
    # V_c = min(V, V_peak) bounds the exponential inside the rk4 stages (see examples/custom_adex.py)
    for cls in (M.ExpIF, M.AdEx):
        res = nu.simulate(cls(), "100 ms", "0.1 ms", inputs={"I": "20 nA"}, method="rk4")
        assert res.status == 0 and res.spike_counts[0] > 50
        assert np.isfinite(res["V"].magnitude).all()


# ------------------------------------------------------------------------------ Hodgkin-Huxley
@pytest.fixture(scope="module")
def hh_fi():
    currents = np.array([1.5, 2.0, 3.0, 4.5, 6.0, 6.1, 6.5, 8.0, 10.0, 20.0])
    res = nu.simulate(M.HodgkinHuxley(n=currents.size), "300 ms", "0.01 ms",
                      inputs={"I": Q_(currents, "uA/cm**2")}, record=("V",))
    return currents, res


def test_hh_fires_repetitively_above_rheobase_and_not_below(hh_fi):
    currents, res = hh_fi
    assert res.method == "exponential_euler"
    for i, cur in enumerate(currents):
        t = _times(res, i)
        late = (t > 200.0).sum()
        if cur <= 2.0:  # below the threshold of the onset spike
            assert t.size == 0, cur
        elif cur <= 6.1:  # an onset spike (or a few), then damped oscillations back to rest
            assert 1 <= t.size <= 3 and late == 0, (cur, t)
        else:  # above the rheobase of repetitive firing (~6.2-6.3 uA/cm^2 at 6.3 degC)
            assert t.size >= 15 and late >= 5, (cur, t)
            isi = np.diff(t)[2:]
            assert np.ptp(isi) < 0.05 * isi.mean(), cur  # periodic
    rates = res.rates.to("Hz").magnitude
    assert 50.0 < rates[6] < 60.0 and rates[-1] > rates[-2] > rates[-3]


def test_hh_counts_one_spike_per_upward_crossing_of_v_spike(hh_fi):
    _, res = hh_fi
    V = res["V"].to("mV").magnitude
    crossings = ((V[:-1] <= 0.0) & (V[1:] > 0.0)).sum(axis=0)
    np.testing.assert_array_equal(res.spike_counts, crossings)
    assert crossings.max() > 20
    # each spike is reported at the first sample above 0 mV
    k = _spike_samples(res, 0.01, 8)
    assert (V[k, 8] > 0.0).all() and (V[k - 1, 8] <= 0.0).all()


def test_hh_temperature_in_celsius_or_kelvin_gives_identical_traces():
    kw = {"inputs": {"I": "10 uA/cm**2"}, "record": ("V", "m", "h", "n")}
    hh_c = M.HodgkinHuxley(T="6.3 degC")
    hh_k = M.HodgkinHuxley(T=Q_(279.45, "K"))
    hh_q = M.HodgkinHuxley(T=Q_(6.3, "degC"), T_ref=Q_(43.34, "degF"))  # 43.34 degF = 6.3 degC
    assert hh_c.parameters["T"].units == nu.ureg.kelvin
    assert hh_c.internal_parameters()["T"][0] == pytest.approx(279.45, rel=1e-14)
    a = nu.simulate(hh_c, "50 ms", "0.01 ms", **kw)
    b = nu.simulate(hh_k, "50 ms", "0.01 ms", **kw)
    c = nu.simulate(hh_q, "50 ms", "0.01 ms", **kw)
    for k in ("V", "m", "h", "n"):
        np.testing.assert_allclose(b[k].magnitude, a[k].magnitude, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(c[k].magnitude, a[k].magnitude, rtol=1e-9, atol=1e-9)
    assert a.spike_counts[0] >= 3


def test_hh_q10_factor_uses_temperature_differences():
    # phi = 3 ** ((T - T_ref) / 10 K) with both temperatures converted to kelvin first
    T = Q_([6.3, 16.3, 26.3, -3.7], "degC")
    hh = M.HodgkinHuxley(n=4, T=T)
    res = nu.simulate(hh, "0.1 ms", "0.01 ms", record=("phi", "alpha_h"))
    np.testing.assert_allclose(res["phi"].magnitude[0], [1.0, 3.0, 9.0, 1 / 3], rtol=1e-12)
    # at rest (-65 mV) alpha_h = phi * 0.07/ms
    np.testing.assert_allclose(res["alpha_h"].to("1/ms").magnitude[0], 0.07 * np.array([1, 3, 9, 1 / 3]),
                               rtol=1e-12)
    warm_ref = M.HodgkinHuxley(T=Q_(61.34, "degF"), T_ref=Q_(289.45, "K"))  # both 16.3 degC
    res = nu.simulate(warm_ref, "0.1 ms", "0.01 ms", record=("phi",))
    assert res["phi"].magnitude[0, 0] == pytest.approx(1.0, abs=1e-12)


def test_hh_warmer_spikes_are_faster_and_narrower():
    hh = M.HodgkinHuxley(n=2, T=Q_([6.3, 16.3], "degC"))
    dt = 0.01
    res = nu.simulate(hh, "200 ms", f"{dt} ms", inputs={"I": "10 uA/cm**2"}, record=("V",))
    counts = res.spike_counts
    V = res["V"].to("mV").magnitude
    width = (V > 0.0).sum(axis=0) * dt / counts  # time above 0 mV per spike
    assert counts[1] > 1.5 * counts[0] > 0  # measured 14 -> 33 spikes
    assert width[1] < 0.5 * width[0]  # measured 0.94 ms -> 0.28 ms


@pytest.mark.no_jit
@pytest.mark.parametrize("value, error, text", [
    (20.0, nu.DimensionError, "the plain number 20.0"),
    ("20 mV", nu.DimensionError, "voltage"),
    (Q_(300, "ms"), nu.DimensionError, "expected a value in K"),
    ("-300 degC", nu.ParameterError, "must be > 0"),
])
def test_hh_refuses_a_plain_number_or_a_wrong_dimension_for_t(value, error, text):
    with pytest.raises(error, match="parameter 'T'") as info:
        M.HodgkinHuxley(T=value)
    assert text in str(info.value)


def test_hh_rate_functions_are_finite_at_their_removable_singularities():
    # alpha_m has 0/0 at V = -40 mV and alpha_n at V = -55 mV in the textbook form
    V0 = Q_([-40.0, -55.0, -40.0 + 1e-7, -55.0 - 1e-7, -40.0 + 1e-3], "mV")
    hh = M.HodgkinHuxley(n=5)
    res = nu.simulate(hh, "5 ms", "0.01 ms", initial={"V": V0}, record=("V", "alpha_m", "alpha_n"))
    am = res["alpha_m"].to("1/ms").magnitude
    an = res["alpha_n"].to("1/ms").magnitude
    assert am[0, 0] == 1.0 and an[0, 1] == 0.1
    assert am[0, 2] == pytest.approx(1.0 + 1e-8 / 2, rel=1e-12)
    assert an[0, 3] == pytest.approx(0.1 * (1.0 - 1e-8 / 2), rel=1e-12)
    x = 1e-4  # the general branch, checked against x / (1 - exp(-x)) in long hand
    assert am[0, 4] == pytest.approx(x / -math.expm1(-x), rel=1e-14)
    assert np.isfinite(am).all() and np.isfinite(an).all() and np.isfinite(res["V"].magnitude).all()
