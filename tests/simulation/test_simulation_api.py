"""Simulation: changing inputs and parameters between runs, bad input, and the one definition of
the kernel's arguments."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_
from neurounits.simulation import kernels, make_plan
from neurounits.simulation.runner import Runner, kernel_arguments


def test_set_input_between_runs_equals_a_timed_array():
    lif = nu.models.LIF(n=2)
    sim = nu.Simulation(lif, inputs={"I": "0.3 nA"})
    sim.run("10 ms")
    sim.set_input("I", Q_([0.5, 0.8], "nA"))  # a per-neuron value: another kernel variant
    sim.run("15 ms")
    steps = nu.TimedArray(Q_([[0.3, 0.3]] * 100 + [[0.5, 0.8]], "nA"), dt="0.1 ms")
    one = nu.simulate(lif, "25 ms", inputs={"I": steps})
    np.testing.assert_array_equal(sim.results["V"].magnitude, one["V"].magnitude)
    np.testing.assert_array_equal(sim.results.spikes.times.magnitude, one.spikes.times.magnitude)
    assert one.spikes.indices.size > 0


def test_set_parameter_takes_effect_without_recompiling():
    lif = nu.models.LIF(n=2)
    sim = nu.Simulation(lif, inputs={"I": "0.1 nA"})  # below threshold: no refractory period in flight
    sim.run("10 ms")
    mid = sim.state["V"]
    before = kernels.n_loaded()
    sim.set_parameter("tau_m", "20 ms")
    sim.run("10 ms")
    assert kernels.n_loaded() == before
    assert sim.model.parameters["tau_m"] == Q_(20, "ms") and lif.parameters["tau_m"] == Q_(10, "ms")
    again = nu.simulate(
        nu.models.LIF(n=2, tau_m="20 ms"), "10 ms", inputs={"I": "0.1 nA"}, initial={"V": mid}
    )
    np.testing.assert_array_equal(sim.results["V"].magnitude[100:], again["V"].magnitude)


def test_set_parameter_is_validated_as_at_construction():
    sim = nu.Simulation(nu.models.LIF(n=2), inputs={"I": "0.1 nA"})
    with pytest.raises(nu.ParameterError, match=r"parameter 'tau_m'.*must be > 0") as info:
        sim.set_parameter("tau_m", "-3 ms")
    assert isinstance(info.value, ValueError)
    with pytest.raises(nu.DimensionError, match=r"parameter 'tau_m': expected a value in ms"):
        sim.set_parameter("tau_m", "3 mV")
    with pytest.raises(nu.ParameterError, match=r"has no parameter 'tau'. Did you mean 'tau_m'\?"):
        sim.set_parameter("tau", "3 ms")
    with pytest.raises(nu.ParameterError, match="constraint"):
        sim.set_parameter("V_reset", "0 mV")  # above V_th
    assert sim.model.parameters["tau_m"] == Q_(10, "ms")  # unchanged


def test_set_input_is_checked():
    sim = nu.Simulation(nu.models.LIF(n=2))
    with pytest.raises(nu.ParameterError, match=r"has no input 'II'. Did you mean 'I'\?.*Inputs: I"):
        sim.set_input("II", "1 nA")
    with pytest.raises(nu.DimensionError, match=r"input 'I': expected a value in pA"):
        sim.set_input("I", "1 mV")
    with pytest.raises(
        nu.ParameterError,
        match=r"input 'I': expected a scalar or one value per neuron \(shape \(2,\)\), "
        r"got an array of shape \(3,\)",
    ):
        sim.set_input("I", Q_([1, 2, 3], "nA"))
    rate = nu.Simulation(nu.models.nest.sigmoid_rate_ipn(n=1, sigma=0.0), seed=1)
    with pytest.raises(nu.ParameterError, match="driven by the rate inputs"):
        rate.set_input("R", 1.0)


@pytest.mark.parametrize(
    "duration, message",
    [
        ("1.05 ms", r"duration 1\.05 ms is not a whole number of steps of dt = 0\.1 ms"),
        ("-2 ms", r"duration.*must be > 0"),
        ("2 mV", r"duration: expected a value in ms"),
    ],
)
def test_a_bad_duration_changes_nothing(duration, message):
    sim = nu.Simulation(nu.models.LIF(n=1), inputs={"I": "0.5 nA"})
    sim.run("3 ms")
    before = sim.results
    with pytest.raises((nu.ParameterError, nu.DimensionError), match=message):
        sim.run(duration)
    assert sim.t == Q_(3.0, "ms")
    np.testing.assert_array_equal(sim.results["V"].magnitude, before["V"].magnitude)
    sim.run("2 ms")
    assert sim.results["V"].shape == (51, 1)


def _unstable():
    return nu.Model.from_equations(
        "dx/dt = x/tau : 1", parameters={"tau": "1 ms"}, initial={"x": "1"}, name="Unstable"
    )


def test_a_failed_run_keeps_what_was_recorded_and_cannot_continue():
    sim = nu.Simulation(_unstable()(n=1), dt="1 ms", method="euler")
    sim.run("90 ms")  # x = 2**90: below the divergence bound, 1e30
    msg = r"state 'x' of neuron 0 diverged: it reached 1.27e\+30"
    with pytest.raises(nu.SimulationError, match=msg) as info:
        sim.run("2000 ms")
    assert info.value.variable == "x" and info.value.neuron == 0
    res = sim.results
    assert res.status == 1 and "diverged" in res.message
    assert res.t.size == 101 and res["x"].shape[0] == res.t.size
    assert res["x"].magnitude[90, 0] == 2.0**90
    with pytest.raises(nu.SimulationError, match="cannot be continued"):
        sim.run("1 ms")


def test_a_failure_without_raising_returns_the_results_so_far():
    res = nu.simulate(_unstable()(n=1), "2000 ms", "1 ms", method="euler", raise_on_failure=False)
    assert res.status == 1 and res.t[-1] < Q_(2000, "ms") and np.isfinite(res["x"].magnitude[-2, 0])


CHOICES = [
    (nu.models.LIF, {}, None),
    (nu.models.AdEx, {}, "rkf45"),
    (nu.models.AdEx, {}, "euler"),
    (nu.models.nest.iaf_cond_exp, {"spike_inputs": [nu.SpikeInput(times="1 ms", weight="1 nS")]}, None),
    (
        nu.models.nest.iaf_bw_2001_exact,
        {"spike_inputs": [nu.SpikeInput(times="1 ms", weight="1 nS", receptor="NMDA")]},
        None,
    ),
    (nu.models.nest.sigmoid_rate_ipn, {"rate_inputs": [nu.RateInput(rate=1.0)], "seed": 1}, None),
    (nu.models.nest.lin_rate_ipn, {"rate_inputs": [nu.RateInput(rate=1.0)], "seed": 1}, None),
    (nu.models.Perceptron, {"inputs": {"x": 1.0}}, None),
    (nu.models.IzhikevichRef, {}, "rk2"),
]


@pytest.mark.no_jit
@pytest.mark.parametrize("counts", [(), ("count", "first")])
@pytest.mark.parametrize("cls, kw, method", CHOICES)
def test_the_runner_fills_exactly_the_kernels_arguments(cls, kw, method, counts):
    plan, _, _ = make_plan(cls(n=3), "0.1 ms", method=method, counts=counts, **kw)
    runner = Runner(plan)
    acc = (np.zeros(3, np.int32),) * 3 if counts else None
    got = kernel_arguments(runner, plan.segment(0, 10), 10, 0, 3, 16, np.zeros((1, 1, 3)), acc)
    assert list(got) and set(got) == set(plan.choice.kernel_spec().argnames())


def test_advance_counts_whole_steps():
    sim = nu.Simulation(nu.models.LIF(n=1), inputs={"I": "0.5 nA"})
    sim.advance(30)
    sim.run("2 ms")
    assert sim.t == Q_(5.0, "ms") and sim.results["V"].shape == (51, 1)
    one = nu.simulate(nu.models.LIF(n=1), "5 ms", inputs={"I": "0.5 nA"})
    np.testing.assert_array_equal(sim.results["V"].magnitude, one["V"].magnitude)
    for bad in (0, -3, 2.0, True):
        with pytest.raises(nu.ParameterError, match=f"n_steps must be a positive integer, got {bad!r}"):
            sim.advance(bad)


@pytest.mark.no_jit
@pytest.mark.parametrize("linear", [True, False])
def test_segment_builds_rate_arrays_of_its_own_steps_only(linear):
    """A continued run of a rate model builds the rate-input arrays of its own steps (not from step 0:
    many short runs would cost quadratic time), equal to the columns of one whole build."""
    model = nu.models.nest.sigmoid_rate_ipn(n=2, linear_summation=linear)
    rates = [nu.RateInput(rate=nu.TimedArray(Q_([0.0, 1.0, 0.2], ""), dt="4 ms"), weight=1.5, delay="0.6 ms"),
             nu.RateInput(rate=0.5, weight=-1)]
    plan, _, _ = make_plan(model, "0.1 ms", rate_inputs=rates)
    whole = plan.segment(0, 200)
    for j0, n in [(0, 3), (4, 5), (6, 1), (150, 50)]:
        part = plan.segment(j0, n)
        keys = [k for k in whole if k in ("RS", "RW", "RV")]
        assert keys == (["RS"] if linear else ["RW", "RV"])
        for k in keys:
            assert part[k].shape[-1] == n
            np.testing.assert_array_equal(part[k], whole[k][..., j0:j0 + n])
    tracemalloc.start()
    big = plan.segment(10**7, 2)  # far into a run: two columns, nothing of the steps before
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert all(big[k].shape[-1] == 2 for k in keys)
    assert peak < 10**6, peak
