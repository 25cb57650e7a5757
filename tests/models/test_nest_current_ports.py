"""NEST's iaf_psc_exp driven through both current receptors (#14): receptor 0 (input ``I``) and
receptor 1 (input ``I_1``, filtered by the excitatory synapse), with I_e and spikes.

Reference: tests/reference/iaf_psc_exp_receptor1.npz (tests/reference/make_current_port_refs.py,
NEST 3.10), at dt = 0.1 and 0.05 ms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

REF = Path(__file__).parents[1] / "reference" / "iaf_psc_exp_receptor1.npz"


def _steps(times, amps, delay: float, dt: float, n: int) -> nu.TimedArray:
    """A step_current_generator's amplitude set at t_a (connection delay d) drives the steps from the
    one starting at t_a + d on: NEST stores a current at the end of a step and uses it in the next."""
    vals = np.zeros(n)
    for ta, a in zip(times, amps, strict=True):
        vals[round((ta + delay) / dt) :] = a
    return nu.TimedArray(Q_(vals, "pA"), dt=Q_(dt, "ms"))


@pytest.mark.parametrize(("tag", "dt"), [("dt01", 0.1), ("dt005", 0.05)])
def test_iaf_psc_exp_receptor1_matches_nest(tag, dt):
    d = np.load(REF)
    n = round(float(d["duration"]) / dt)
    delay = float(d["delay"])
    model = nu.models.nest.iaf_psc_exp(
        I_e=Q_(float(d["I_e"]), "pA"), tau_syn_ex=Q_(float(d["tau_syn_ex"]), "ms")
    )
    inputs = {
        "I_1": _steps(d["r1_times"], d["r1_amps"], delay, dt, n),
        "I": _steps(d["r0_times"], d["r0_amps"], delay, dt, n),
    }
    spikes = [
        nu.SpikeInput(times=Q_(d["ex_arrivals"], "ms"), weight=Q_(float(d["w_ex"]), "pA")),
        nu.SpikeInput(times=Q_(d["in_arrivals"], "ms"), weight=Q_(float(d["w_in"]), "pA")),
    ]
    res = nu.simulate(
        model,
        Q_(n * dt, "ms"),
        Q_(dt, "ms"),
        inputs=inputs,
        spike_inputs=spikes,
        record=("V_m", "I_syn_ex", "I_syn_in"),
    )
    assert res.method == "exact"
    np.testing.assert_allclose(res.t.to("ms").m[1:], d[f"t_{tag}"], rtol=0, atol=1e-9)
    for k, unit in (("V_m", "mV"), ("I_syn_ex", "pA"), ("I_syn_in", "pA")):
        ref = d[f"{k}_{tag}"]
        scale = np.max(np.abs(ref))
        np.testing.assert_allclose(res[k].to(unit).m[1:, 0], ref, rtol=1e-9, atol=1e-9 * scale, err_msg=k)
    np.testing.assert_allclose(res.spikes.times.to("ms").m, d[f"spike_times_{tag}"], rtol=0, atol=1e-9)
    assert len(d[f"spike_times_{tag}"]) == 10


def test_receptor1_current_reaches_v_only_through_i_syn_ex():
    """One step of 100 pA on I_1: I_syn_ex jumps by (1 - exp(-dt/tau_syn_ex)) 100 pA at the end of that
    step, V_m is untouched in that step and moves from the next one on."""
    dt = 0.1
    vals = Q_(np.r_[100.0, np.zeros(9)], "pA")
    res = nu.simulate(
        nu.models.nest.iaf_psc_exp(),
        "1 ms",
        f"{dt} ms",
        inputs={"I_1": nu.TimedArray(vals, dt=Q_(dt, "ms"))},
        record=("V_m", "I_syn_ex"),
    )
    i_ex = res["I_syn_ex"].to("pA").m[:, 0]
    assert i_ex[1] == pytest.approx(100 * -np.expm1(-dt / 2.0), rel=1e-12)
    assert i_ex[2] == pytest.approx(i_ex[1] * np.exp(-dt / 2.0), rel=1e-12)
    v = res["V_m"].to("mV").m[:, 0]
    assert v[1] == pytest.approx(-70.0, abs=1e-12)
    assert v[2] > -70.0 + 1e-6


def test_on_step_statements_are_checked():
    kw = {"parameters": {"tau": "5 ms"}, "initial": {"x": "0 pA"}}
    with pytest.raises(nu.EquationError, match="write statements that add to a state"):
        nu.Model.from_equations("dx/dt = -x/tau : pA", inputs={"J": nu.Input("pA", on_step="x = J")}, **kw)
    with pytest.raises(nu.EquationError, match="may use only inputs, parameters and dt"):
        nu.Model.from_equations(
            "dx/dt = -x/tau : pA", inputs={"J": nu.Input("pA", on_step="x += J*x/(x + J)")}, **kw
        )
    with pytest.raises(nu.DimensionError):
        nu.Model.from_equations(
            "dx/dt = -x/tau : pA", inputs={"J": nu.Input("pA", on_step="x += J*dt")}, **kw
        )


@pytest.mark.parametrize("method", ["rk4", "rkf45"])
def test_on_step_inputs_act_with_every_integrator(method):
    """The on_step effect is applied after the step of any method (fixed or adaptive): I_syn_ex,
    driven by I_1 only, follows the exact recursion to the method's accuracy."""
    model = nu.models.nest.iaf_psc_exp()
    kw = {"inputs": {"I_1": "200 pA"}, "record": ("I_syn_ex", "V_m")}
    ref = nu.simulate(model, "20 ms", "0.1 ms", **kw)
    res = nu.simulate(model, "20 ms", "0.1 ms", method=method, **kw)
    assert res.method == method
    np.testing.assert_allclose(res["I_syn_ex"].m, ref["I_syn_ex"].m, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(res["V_m"].m, ref["V_m"].m, rtol=1e-7)


def test_on_step_inputs_in_a_network_equal_a_single_run():
    net = nu.Network(seed=2)
    P = net.add(
        nu.models.nest.iaf_psc_exp(n=3, I_e="300 pA"),
        name="P",
        inputs={"I_1": Q_([100.0, 200.0, 300.0], "pA")},
    )
    net.record(P, "V_m", "I_syn_ex", spikes=True)
    a = nu.simulate(net, "50 ms", "0.1 ms")["P"]
    b = nu.simulate(
        nu.models.nest.iaf_psc_exp(n=3, I_e="300 pA"),
        "50 ms",
        "0.1 ms",
        inputs={"I_1": Q_([100.0, 200.0, 300.0], "pA")},
        record=("V_m", "I_syn_ex"),
    )
    np.testing.assert_allclose(a["I_syn_ex"].m, b["I_syn_ex"].m, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a["V_m"].m, b["V_m"].m, rtol=1e-12)
    np.testing.assert_array_equal(a.spikes.indices, b.spikes.indices)
    assert b.spikes.indices.size > 0
