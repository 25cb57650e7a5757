"""LIF: closed forms, the analytic f-I curve, and the teaching notebook's update step for step."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_


def test_membrane_under_constant_current_matches_exponential_exactly():
    # no threshold crossing: V(t) = V_inf + (V0 - V_inf) exp(-t/tau_m)
    tau = np.array([5.0, 10.0, 20.0])
    lif = nu.models.LIF(n=3, tau_m=Q_(tau, "ms"), V_th="100 mV", R="50 MOhm")
    i_pA = 300.0
    res = nu.simulate(lif, "60 ms", "0.1 ms", inputs={"I": Q_(i_pA, "pA")}, method="exact")
    assert res.method == "exact"
    t = res.t.to("ms").magnitude[:, None]
    v_inf = -65.0 + 50e-3 * i_pA  # MOhm * pA = 1e-6 V... = mV * 1e-3 * ...
    v_inf = -65.0 + 50.0 * i_pA * 1e-3  # 50 MOhm * 300 pA = 15 mV
    expected = v_inf + (-65.0 - v_inf) * np.exp(-t / tau[None, :])
    got = res["V"].to("mV").magnitude
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=0)
    assert res.spikes.indices.size == 0


def _analytic_rate(tau_m, t_ref, drive_mV, gap_mV):
    if drive_mV <= gap_mV:
        return 0.0
    return 1.0 / (t_ref + tau_m * math.log(drive_mV / (drive_mV - gap_mV)))


def test_f_i_curve_matches_analytic_rate_with_refractory_period():
    currents = np.linspace(100.0, 600.0, 11)  # pA
    tau_m, t_ref = 10.0, 2.0
    lif = nu.models.LIF(n=currents.size, tau_m="10 ms", t_ref="2 ms")
    dt = 0.01
    res = nu.simulate(lif, "2000 ms", f"{dt} ms", inputs={"I": Q_(currents, "pA")}, record=())
    rates = res.rates.to("Hz").magnitude
    for k, i_pA in enumerate(currents):
        drive = 100.0 * i_pA * 1e-3  # R*I in mV
        f = 1e3 * _analytic_rate(tau_m, t_ref, drive, 15.0)
        if f == 0.0:
            assert rates[k] == 0.0
            continue
        # counting spikes in 2 s: +-1 spike (0.5 Hz); the time-discretised process spikes at the
        # end of the step that crosses, so each interval is at most one step (dt) longer
        assert abs(rates[k] - f) <= 0.5 + f * (dt * f * 1e-3)
        assert rates[k] <= f + 0.5
        t_cross = tau_m * math.log(drive / (drive - 15.0))
        isi = (round(t_ref / dt) + math.ceil(t_cross / dt - 1e-9)) * dt
        times = res.spikes.times[res.spikes.indices == k].to("ms").magnitude
        np.testing.assert_allclose(np.diff(times), isi, rtol=0, atol=1e-9)


def _notebook_lif_step(state, dt, tau_m, v_rest, v_reset, v_th, R, refrac_steps, I_in):
    """The teaching notebook's LIFNeuron.step, rewritten here: refractory hold, Euler, threshold, reset."""
    if state["count"] > 0:
        state["count"] -= 1
        state["v"] = v_reset
        return 0
    state["v"] = state["v"] + (dt / tau_m) * (-(state["v"] - v_rest) + R * I_in)
    if state["v"] >= v_th:
        state["v"] = v_reset
        if refrac_steps > 0:
            state["count"] = refrac_steps
        return 1
    return 0


def test_euler_reproduces_notebook_update_step_for_step():
    rng = np.random.default_rng(1)
    n, steps, dt = 4, 3000, 0.1
    drive = rng.uniform(100.0, 400.0, size=(steps // 10, n))  # pA, changes every 1 ms
    lif = nu.models.LIF(n=n, tau_m="20 ms", V_rest="-70 mV", V_reset="-75 mV", V_th="-54 mV",
                        R="100 MOhm", t_ref="5 ms")
    res = nu.simulate(lif, f"{steps * dt} ms", f"{dt} ms", method="euler", record=("V", "refractory"),
                      inputs={"I": nu.TimedArray(Q_(drive, "pA"), dt="1 ms")})
    v = res["V"].to("mV").magnitude
    refr = res["refractory"].magnitude
    for i in range(n):
        st = {"v": -70.0, "count": 0}
        spikes = []
        for j in range(steps):
            s = _notebook_lif_step(st, dt, 20.0, -70.0, -75.0, -54.0, 100.0, 50, drive[j // 10, i] * 1e-3)
            assert v[j + 1, i] == pytest.approx(st["v"], rel=1e-12, abs=1e-11)
            assert refr[j + 1, i] == (1.0 if st["count"] > 0 else 0.0)
            if s:
                spikes.append((j + 1) * dt)
        got = res.spikes.times[res.spikes.indices == i].to("ms").magnitude
        np.testing.assert_allclose(got, spikes, atol=1e-9)
        assert len(spikes) > 5


def test_refractory_period_holds_voltage_for_ceil_t_ref_over_dt_steps():
    lif = nu.models.LIF(n=1, t_ref="1.05 ms")
    res = nu.simulate(lif, "30 ms", "0.1 ms", inputs={"I": "1 nA"}, record=("V", "refractory"))
    v = res["V"].to("mV").magnitude[:, 0]
    first = round(float(res.spikes.times[0].to("ms").magnitude) / 0.1)
    # 11 = ceil(1.05/0.1) steps held at V_reset after the spike step
    assert np.all(v[first:first + 12] == -65.0)
    assert v[first + 12] > -65.0
    assert res["refractory"].magnitude[first:first + 11, 0].all()
    assert res["refractory"].magnitude[first + 11, 0] == 0.0


def test_threads_give_identical_results():
    lif = nu.models.LIF(n=300)
    cur = Q_(np.linspace(100, 500, 300), "pA")
    a = nu.simulate(lif, "100 ms", inputs={"I": cur}, threads=1)
    b = nu.simulate(lif, "100 ms", inputs={"I": cur}, threads=2)
    np.testing.assert_array_equal(a["V"].magnitude, b["V"].magnitude)
    np.testing.assert_array_equal(a.spikes.indices, b.spikes.indices)
    np.testing.assert_array_equal(a.spikes.times.magnitude, b.spikes.times.magnitude)


def test_changing_a_parameter_value_does_not_recompile():
    from neurounits.simulation import kernels

    nu.simulate(nu.models.LIF(n=2, tau_m="10 ms"), "5 ms", inputs={"I": "0.3 nA"})
    before = kernels.n_loaded()
    res = nu.simulate(nu.models.LIF(n=2, tau_m="25 ms", V_th="-52 mV"), "5 ms", inputs={"I": "0.5 nA"})
    assert kernels.n_loaded() == before
    assert res.method == "exact"


def test_uniform_and_per_neuron_kernels_agree():
    # all-equal parameters run the kernel variant that reads them once (run_uniform); one
    # different value switches to the per-neuron kernel: the other neurons' traces are the same
    cur = Q_(np.linspace(150, 450, 4), "pA")
    uniform = nu.simulate(nu.models.LIF(n=4, tau_m="12 ms"), "60 ms", inputs={"I": cur}, threads=1)
    mixed = nu.simulate(nu.models.LIF(n=4, tau_m=Q_([12, 12, 12, 20], "ms")), "60 ms", inputs={"I": cur},
                        threads=1)
    np.testing.assert_array_equal(uniform["V"].magnitude[:, :3], mixed["V"].magnitude[:, :3])
    assert not np.array_equal(uniform["V"].magnitude[:, 3], mixed["V"].magnitude[:, 3])
