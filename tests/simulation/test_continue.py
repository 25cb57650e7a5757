"""A simulation continued run after run gives the same bits as one run (every library model and
every integrator): states, refractory counters, rkf45 step sizes, receptor buffers, delayed rate
inputs, noise draws and recorded samples all continue."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

M, N = nu.models, nu.models.nest


def _spikes(*receptors, weight="3 nS"):
    # arrivals on both sides of the split (7.3 ms), one exactly at it
    return [
        nu.SpikeInput(times=Q_([2.0, 7.3, 7.4, 11.0], "ms"), weight=weight, receptor=r) for r in receptors
    ]


# name -> (model, simulate keyword arguments); each fires or moves within the 20 ms run
CASES = {
    "LIF": (lambda: M.LIF(n=3, t_ref="2 ms"), {"inputs": {"I": Q_([0.3, 0.5, 0.9], "nA")}}),
    "Izhikevich": (lambda: M.Izhikevich(n=2), {"inputs": {"I": "10 mV/ms"}}),
    "IzhikevichRef": (lambda: M.IzhikevichRef(n=2, tau_ref="1 ms"), {"inputs": {"I": "10 mV/ms"}}),
    "QuaIF": (lambda: M.QuaIF(n=2), {"inputs": {"I": "20 mA"}}),
    "AdQuaIF": (lambda: M.AdQuaIF(n=2), {"inputs": {"I": "30 mA"}}),
    "AdQuaIFRef": (lambda: M.AdQuaIFRef(n=2), {"inputs": {"I": "30 mA"}}),
    "ExpIF": (lambda: M.ExpIF(n=2, t_ref="1 ms"), {"inputs": {"I": "1 nA"}}),
    "AdEx": (lambda: M.AdEx(n=2), {"inputs": {"I": "1 nA"}}),
    "HodgkinHuxley": (lambda: M.HodgkinHuxley(n=2), {"inputs": {"I": "10 uA/cm**2"}, "dt": "0.025 ms"}),
    "LeakyRate": (
        lambda: M.LeakyRate(n=2),
        {"inputs": {"I": nu.TimedArray(Q_([0.0, 1.0, 0.5], ""), dt="5 ms")}},
    ),
    "Perceptron": (lambda: M.Perceptron(n=2), {"inputs": {"x": Q_([0.5, -0.5], "")}}),
    "RateNeuron": (lambda: M.RateNeuron(n=2), {"inputs": {"x": Q_([0.5, 2.0], "")}}),
    "iaf_psc_exp": (
        lambda: N.iaf_psc_exp(n=2, I_e="300 pA"),
        {"spike_inputs": _spikes("ex", "in_", weight="400 pA")},
    ),
    "iaf_cond_exp": (lambda: N.iaf_cond_exp(n=2, I_e="400 pA"), {"spike_inputs": _spikes("ex", "in_")}),
    "aeif_cond_alpha": (lambda: N.aeif_cond_alpha(n=2, I_e="700 pA"), {"spike_inputs": _spikes("ex", "in_")}),
    "hh_psc_alpha": (
        lambda: N.hh_psc_alpha(n=2, I_e="500 pA"),
        {"spike_inputs": _spikes("ex", "in_", weight="300 pA")},
    ),
    "iaf_bw_2001": (
        lambda: N.iaf_bw_2001(n=2),
        {"inputs": {"I": "400 pA"}, "spike_inputs": _spikes("AMPA", "GABA", weight="1 nS")},
    ),
    "iaf_bw_2001_exact": (
        lambda: N.iaf_bw_2001_exact(n=2),
        {
            "inputs": {"I": "400 pA"},
            "spike_inputs": [
                nu.SpikeInput(times=Q_([2.0, 7.3], "ms"), weight="1 nS", receptor="NMDA"),
                nu.SpikeInput(times=Q_([7.4, 11.0], "ms"), weight="2 nS", receptor="NMDA"),
                *_spikes("AMPA", weight="1 nS"),
            ],
        },
    ),
    "izhikevich": (
        lambda: N.izhikevich(n=2, I_e="10 pA"),
        {"spike_inputs": _spikes("spikes", weight="5 mV")},
    ),
    "sigmoid_rate_ipn": (
        lambda: N.sigmoid_rate_ipn(n=2, sigma=0.5),
        {
            "seed": 3,
            "rate_inputs": [
                nu.RateInput(
                    rate=nu.TimedArray(Q_([0.0, 1.0, 0.2], ""), dt="4 ms"), weight=1.5, delay="0.6 ms"
                ),
                nu.RateInput(rate=0.5, weight=-1),
            ],
        },
    ),
    "lin_rate_ipn": (
        lambda: N.lin_rate_ipn(n=2, sigma=0.3, linear_summation=False),
        {"seed": 5, "rate_inputs": [nu.RateInput(rate=1.0, weight=0.7, delay="1 ms")]},
    ),
}


def _runs(make, kwargs, cut="7.3 ms", total="20 ms", **extra):
    kw = {"record_every": 3, "threads": 1, **kwargs, **extra}
    dt = kw.pop("dt", "0.1 ms")
    one = nu.simulate(make(), total, dt, **kw)
    sim = nu.Simulation(make(), dt, **kw)
    first = Q_(cut)
    sim.run(first)
    sim.run(Q_(total) - first)
    return one, sim.results


def _assert_same(one, two):
    assert one.recorded == two.recorded
    np.testing.assert_array_equal(one.t.magnitude, two.t.magnitude)
    for k in one.recorded:
        np.testing.assert_array_equal(one[k].magnitude, two[k].magnitude, err_msg=k)
        assert one[k].units == two[k].units
    np.testing.assert_array_equal(one.spikes.times.magnitude, two.spikes.times.magnitude)
    np.testing.assert_array_equal(one.spikes.indices, two.spikes.indices)
    assert one.duration == two.duration and one.method == two.method and one.seed == two.seed


@pytest.mark.parametrize("name", sorted(CASES))
def test_two_runs_give_the_bits_of_one_run(name):
    make, kw = CASES[name]
    if name == "HodgkinHuxley":
        one, two = _runs(make, kw, cut="7.325 ms")
    else:
        one, two = _runs(make, kw)
    _assert_same(one, two)
    moved = any(np.ptp(one[k].magnitude) > 0 for k in one.recorded)
    assert moved or one.spikes.indices.size, "the case does not exercise the model"


# exact (LIF), exponential_euler (HodgkinHuxley), update (izhikevich, rate_ipn) and rkf45 (the NEST
# conductance models) are the default methods of the library cases above
@pytest.mark.parametrize("method", ["euler", "rk2", "rk4", "rkf45"])
def test_every_integrator_continues(method):
    make, kw = CASES["AdEx"]
    one, two = _runs(make, kw, method=method)
    _assert_same(one, two)
    assert one.spikes.indices.size > 0 and one.method == method


OU = nu.Model.from_equations(
    "dV/dt = (E_L - V)/tau + sigma*xi : mV",
    parameters={"E_L": "-65 mV", "tau": "10 ms", "sigma": "0.5 mV/ms**0.5"},
    initial={"V": "E_L"},
    name="OUContinue",
)


@pytest.mark.parametrize("method", ["euler_maruyama", "stochastic_exponential_euler"])
def test_noise_draws_continue(method):
    one, two = _runs(lambda: OU(n=4), {"seed": 11}, method=method)
    _assert_same(one, two)
    assert np.ptp(one["V"].magnitude) > 0


def test_many_runs_in_threads_equal_one_run():
    make = lambda: M.LIF(n=300, tau_m=Q_(np.linspace(8, 20, 300), "ms"))  # noqa: E731
    kw = {"inputs": {"I": Q_(np.linspace(0.2, 0.6, 300), "nA")}}
    one = nu.simulate(make(), "30 ms", **kw, threads=1)
    sim = nu.Simulation(make(), **kw, threads=2)
    for _ in range(3):
        sim.run("10 ms")
    _assert_same(one, sim.results)
    assert sim.t == Q_(30.0, "ms")


def test_state_and_time_between_runs():
    sim = nu.Simulation(M.LIF(n=2), inputs={"I": "0.1 nA"}, record=("V",))
    assert sim.t == Q_(0.0, "ms") and sim.results.t.size == 0
    np.testing.assert_array_equal(sim.state["V"].m_as("mV"), [-65.0, -65.0])
    sim.run("5 ms")
    last = sim.results["V"][-1]
    assert sim.state["V"].units == nu.ureg.mV
    np.testing.assert_array_equal(sim.state["V"].magnitude, last.magnitude)
    sim.state["V"][0] = Q_(0, "mV")  # a copy: the simulation is not changed
    np.testing.assert_array_equal(sim.state["V"].magnitude, last.magnitude)
