"""Spike inputs and receptors, update statements, prev(), and the adaptive rkf45 integrator."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_


class Syn(nu.Model):
    tau = nu.Parameter("10 ms")
    tau_ex = nu.Parameter("2 ms")
    C = nu.Parameter("100 pF")
    V = nu.State("mV")
    I_ex = nu.State("pA")
    I_in = nu.State("pA")
    ex = nu.Receptor("pA", "I_ex += w", number=1)
    in_ = nu.Receptor("pA", "I_in += w", number=2)
    receptor_by_sign = ("ex", "in_")
    equations = """
        dV/dt = -V/tau + (I_ex + I_in)/C
        dI_ex/dt = -I_ex/tau_ex
        dI_in/dt = -I_in/tau_ex
    """


def test_spikes_arrive_at_the_end_of_their_step_and_add_up():
    spikes = [nu.SpikeInput(times=Q_([1.0, 1.0, 2.0], "ms"), weight=Q_([100.0, 50.0, -30.0], "pA")),
              nu.SpikeInput(times="0.5 ms", weight="10 pA", receptor="in", neurons=[1])]
    res = nu.simulate(Syn(n=2), "3 ms", "0.5 ms", spike_inputs=spikes, record=("I_ex", "I_in"))
    decay = np.exp(-0.5 / 2.0)
    ex = res["I_ex"].to("pA").magnitude[:, 0]
    np.testing.assert_allclose(ex[:3], [0.0, 0.0, 150.0], atol=1e-12)  # 100 + 50 at t = 1 ms
    np.testing.assert_allclose(ex[3], 150.0 * decay, rtol=1e-12)
    inh = res["I_in"].to("pA").magnitude
    np.testing.assert_allclose(inh[1], [0.0, 10.0], atol=1e-12)  # only neuron 1 gets the 0.5 ms spike
    np.testing.assert_allclose(inh[4, 0], -30.0, rtol=1e-12)  # negative weight -> in_
    # receptor numbers work as names do
    by_number = nu.simulate(Syn(n=2), "3 ms", "0.5 ms", record=("I_in",),
                            spike_inputs=[nu.SpikeInput(times="0.5 ms", weight="10 pA", receptor=2,
                                                        neurons=[1])])
    np.testing.assert_allclose(by_number["I_in"].magnitude[1], [0.0, 10.0], atol=1e-12)


def test_spike_input_errors_are_collected_before_running():
    bad = [nu.SpikeInput(times="1 ms", weight="1 nS", receptor="exc"),
           nu.SpikeInput(times=Q_([0.0, 1.0], "ms"), weight="1 pA"),
           nu.SpikeInput(times="1 ms", weight="1 mV"),
           nu.SpikeInput(times="1 ms", weight="1 pA", neurons=[5])]
    with pytest.raises(nu.DimensionError) as info:
        nu.simulate(Syn(n=2), "3 ms", spike_inputs=bad)
    msg = str(info.value)
    assert "spike_inputs[0]: model 'Syn' has no receptor 'exc'. Did you mean 'ex'?" in msg
    assert "spike_inputs[1]: spike times must be > 0 ms" in msg
    assert "spike_inputs[2], weight: expected a value in pA (current), got 1 mV (voltage)" in msg
    assert "spike_inputs[3]: neurons must be indices in [0, 2)" in msg
    with pytest.raises(nu.ParameterError, match="has no spike receptors"):
        nu.simulate(nu.models.LIF(), "1 ms", spike_inputs=[nu.SpikeInput(times="1 ms", weight="1 pA")])


def test_receptor_effect_must_be_proportional_to_the_weight():
    with pytest.raises(nu.EquationError, match="not proportional to the weight w"):
        type("Bad", (nu.Model,), {"V": nu.State("mV"), "r": nu.Receptor("mV", "V += w + 1*mV"),
                                  "equations": "dV/dt = -V/(10*ms)"})


def test_update_statements_reproduce_forward_euler():
    class Discrete(nu.Model):
        tau = nu.Parameter("10 ms")
        E = nu.Parameter("-70 mV")
        V = nu.State("mV", initial="-50 mV")
        I = nu.Input("mV/ms")
        update = "dV = dt*((E - V)/tau + I); V += dV"

    class Continuous(nu.Model):
        tau = nu.Parameter("10 ms")
        E = nu.Parameter("-70 mV")
        V = nu.State("mV", initial="-50 mV")
        I = nu.Input("mV/ms")
        equations = "dV/dt = (E - V)/tau + I"

    a = nu.simulate(Discrete(n=1), "20 ms", inputs={"I": "1 mV/ms"})
    b = nu.simulate(Continuous(n=1), "20 ms", inputs={"I": "1 mV/ms"}, method="euler")
    assert a.method == "update"
    np.testing.assert_allclose(a["V"].magnitude, b["V"].magnitude, rtol=1e-14)
    with pytest.raises(nu.IntegratorError, match="defines its own update statements"):
        nu.simulate(Discrete(n=1), "1 ms", method="rk4")
    with pytest.raises(nu.DimensionError, match=r"update of 'V': expected the value of 'V' in mV"):
        type("BadUpdate", (nu.Model,), {"V": nu.State("mV"), "update": "V += dt"})


def test_prev_detects_an_upward_crossing_without_reset():
    Osc = nu.Model.from_equations(
        "dx/dt = y/tau : 1\ndy/dt = -x/tau : 1", parameters={"tau": "1 ms"}, initial={"x": 0.0, "y": 1.0},
        threshold="x >= 0.5 and prev(x) < 0.5", name="Osc")
    res = nu.simulate(Osc(n=1), "20 ms", "0.01 ms", method="rk4", record=())
    # x = sin(t/tau) crosses 0.5 upwards at pi/6 + 2 pi k ms: 4 times in 20 ms, nothing is reset
    np.testing.assert_allclose(res.spikes.times.magnitude, np.pi / 6 + 2 * np.pi * np.arange(4), atol=0.011)
    with pytest.raises(nu.EquationError, match="unknown function 'prev'"):
        nu.Model.from_equations("dx/dt = prev(x)/ms : 1", name="NoPrev")


def test_unless_refractory_without_unit_and_nonnegative_tau():
    M = nu.Model.from_equations("dV/dt = (1*mV - V)/tau_ref : mV (unless refractory)",
                                parameters={"tau_ref": nu.Parameter("0 ms", nonnegative=True)},
                                threshold="V > 2*mV", name="Flags")
    assert M.__dict__.get("equations") is not None and M(n=1).parameters["tau_ref"].magnitude == 0.0
    class Flag(nu.Model):
        tau = nu.Parameter("5 ms")
        V = nu.State("mV")
        equations = "dV/dt = (10*mV - V)/tau (unless refractory)"
        threshold = "V > 5*mV"
        reset = "V = 0*mV"
        refractory = "1 ms"
    assert Flag(n=1).spec.hold == ("V",)


def test_exprel_is_finite_at_zero():
    M = nu.Model.from_equations("dx/dt = exprel(x)/ms : 1", initial={"x": -1e-300}, name="Exprel")
    res = nu.simulate(M(n=1), "0.1 ms", "0.1 ms", method="euler")
    assert res["x"].magnitude[-1, 0] == pytest.approx(0.1)


# --------------------------------------------------------------------------- rkf45
Logistic = nu.Model.from_equations("dx/dt = x*(1 - x)/tau : 1", parameters={"tau": "10 ms"},
                                   initial={"x": 0.01}, name="Logistic45")


def _logistic(t):
    return 0.01 * np.exp(t / 10.0) / (1 - 0.01 + 0.01 * np.exp(t / 10.0))


def test_rkf45_error_follows_the_tolerance():
    errs = []
    for tol in (1e-2, 1e-5, 1e-8, 1e-11):  # dt = 20 ms: the sub-steps, not dt, set the accuracy
        res = nu.simulate(Logistic(n=1), "100 ms", "20 ms", method="rkf45",
                          method_options={"atol": tol, "rtol": 0.0})
        errs.append(np.max(np.abs(res["x"].magnitude[:, 0] - _logistic(res.t.magnitude))))
        assert errs[-1] < 30 * tol
    assert errs[0] > errs[1] > errs[2] > errs[3]
    assert errs[0] > 1e3 * errs[3]


def test_rkf45_step_underflow_raises_and_never_hangs():
    Blow = nu.Model.from_equations("dx/dt = x**2/tau : 1", parameters={"tau": "1 ms"}, initial={"x": 1.0},
                                   name="Blow45")
    with pytest.raises(nu.SimulationError, match="fell below h_min"):
        nu.simulate(Blow(n=1), "2 ms", "0.1 ms", method="rkf45", method_options={"h_min": "1e-6 ms"})
    with pytest.raises(nu.SimulationError, match="more than max_substeps"):
        nu.simulate(Blow(n=1), "2 ms", "0.1 ms", method="rkf45", method_options={"max_substeps": 50})


def test_rkf45_options_are_checked():
    with pytest.raises(nu.ParameterError, match="apply to method='rkf45' only"):
        nu.simulate(Logistic(n=1), "1 ms", method="rk4", method_options={"atol": 1e-3})
    with pytest.raises(nu.ParameterError, match=r"unknown method option\(s\) \['tol'\]"):
        nu.simulate(Logistic(n=1), "1 ms", method="rkf45", method_options={"tol": 1e-3})
    with pytest.raises(nu.ParameterError, match="atol and rtol cannot both be 0"):
        nu.simulate(Logistic(n=1), "1 ms", method="rkf45", method_options={"atol": 0, "rtol": 0})


@pytest.mark.parametrize(("name", "i0"), [("aeif_cond_alpha", 800.0), ("hh_psc_alpha", 700.0)])
def test_rkf45_lanes_do_not_change_any_neuron(name, i0):
    """The sub-step loop advances its neurons several at a time, in lanes that are refilled as
    neurons finish: which neurons share a round (set by their number and order) must not change
    a single bit of any neuron's result."""
    model = getattr(nu.models.nest, name)
    drive = np.linspace(i0, 1.5 * i0, 40)  # 40 neurons: often more in the sub-step loop than lanes
    kw = {"record": ("V_m",), "threads": 1}
    a = nu.simulate(model(n=40, I_e=Q_(drive, "pA")), "25 ms", "0.1 ms", **kw)
    b = nu.simulate(model(n=40, I_e=Q_(drive[::-1], "pA")), "25 ms", "0.1 ms", **kw)
    assert a.spike_counts.min() >= 1
    np.testing.assert_array_equal(a["V_m"].magnitude, b["V_m"].magnitude[:, ::-1])
    np.testing.assert_array_equal(a.spike_counts, b.spike_counts[::-1])
    for k in (0, 17, 39):  # next to a neuron at rest: nearly alone in the sub-step loop
        c = nu.simulate(model(n=2, I_e=Q_([drive[k], 0.0], "pA")), "25 ms", "0.1 ms", **kw)
        np.testing.assert_array_equal(c["V_m"].magnitude[:, 0], a["V_m"].magnitude[:, k])


def test_rkf45_right_hand_side_without_states_or_parameters():
    # a right-hand side that reads nothing (dx/dt = 1/ms) once emitted a call with the tuple '(,)'
    M = nu.Model.from_equations("dx/dt = 1/ms : 1", name="Ramp")
    res = nu.simulate(M(), "1 ms", "0.1 ms", method="rkf45", record=("x",))
    np.testing.assert_allclose(res["x"][:, 0].m_as("1"), res.t.m_as("ms"), rtol=1e-12, atol=1e-14)
