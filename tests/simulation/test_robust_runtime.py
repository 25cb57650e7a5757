"""Runtime robustness (#14): divergence, dt checks, run sizes, TimedArray errors."""

from __future__ import annotations

import types
import warnings

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

# a stiff oscillator: eigenvalues -1/tau +- i w, tau = 0.02 ms, w = 2 rad/ms
Stiff = nu.Model.from_equations(
    """
    dx/dt = -x/tau - w*y : 1
    dy/dt = w*x - y/tau : 1
    """,
    parameters={"tau": "0.02 ms", "w": "2 1/ms"},
    initial={"x": "1", "y": "0"},
    name="Stiff",
)


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_divergence_stops_with_simulation_error(method):
    # euler multiplies by |1 - dt/tau| ~ 4 per step, rk4 by ~ 7 (dt/tau = 5): 1e100 and 1e260 at the end
    # of 200 steps, status 0, before the bound
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(nu.SimulationError, match=r"diverged.*bound is 1e\+30.*smaller dt") as info:
            nu.simulate(Stiff(), duration="20 ms", dt="0.1 ms", method=method, record=("x",))
    assert info.value.variable in ("x", "y") and info.value.neuron == 0
    assert info.value.time < Q_(20, "ms")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nu.simulate(
            Stiff(), duration="20 ms", dt="0.1 ms", method=method, record=("x",), raise_on_failure=False
        )
    assert res.status != 0 and "diverged" in res.message
    assert np.all(np.abs(res["x"].m) <= 1e30)


Decay = nu.Model.from_equations(
    "dx/dt = -x/tau : 1", parameters={"tau": "1 ms"}, initial={"x": "1"}, name="Decay"
)


@pytest.mark.parametrize(("method", "limit"), [("euler", 2.0), ("rk2", 2.0), ("rk4", 2.785293563)])
def test_check_dt_closed_form_limits(method, limit):
    # dx/dt = -x/tau: euler and rk2 are stable for dt < 2 tau, rk4 for dt < 2.7853 tau
    tau = 0.06
    got = nu.check_dt(Decay(tau=f"{tau} ms"), "0.01 ms", method=method)
    assert got.units == nu.ureg.ms and got.m == pytest.approx(limit * tau, rel=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nu.check_dt(
            Decay(tau=f"{tau} ms"), f"{0.99 * (1 if method == 'euler' else limit) * tau} ms", method=method
        )
    msg = rf"too large for method '{method}', which is unstable.*0\.06 ms.*smaller dt"
    with pytest.warns(nu.StabilityWarning, match=msg):
        nu.check_dt(Decay(tau=f"{tau} ms"), f"{1.01 * limit * tau} ms", method=method)


def test_check_dt_methods_without_a_limit_and_per_neuron_values():
    assert nu.check_dt(Decay(tau="0.06 ms"), "0.1 ms", method="exact") is None
    assert nu.check_dt(Decay(tau="0.06 ms"), "0.1 ms") is None  # None chooses exact for a linear model
    assert nu.check_dt(Decay(tau="0.06 ms"), "0.1 ms", method="exponential_euler") is None
    # the fastest neuron sets the limit; the stiff oscillator's complex eigenvalues (-50 +- 2i)/ms
    m = Decay(n=3, tau=Q_([1.0, 0.05, 2.0], "ms"))
    assert nu.check_dt(m, "0.01 ms", method="euler").m == pytest.approx(0.1)
    lim = nu.check_dt(Stiff(), "0.001 ms", method="euler").m
    assert lim == pytest.approx(2 * 50 / (50**2 + 2**2))  # |1 + h lambda| <= 1: h <= -2 Re(l) / |l|^2
    with pytest.raises(nu.ParameterError, match="dt"):
        nu.check_dt(Decay(), "-1 ms")


def test_simulate_warns_before_a_sign_flipping_euler_run():
    # forward Euler on tau = 0.06 ms at dt = 0.1 ms: x -> (1 - 0.1/0.06) x = -0.67 x, sign flips
    msg = r"method 'euler', which oscillates in sign.*factor -0.667 per step.*dt < 0\.06 ms.*method='exact'"
    with pytest.warns(nu.StabilityWarning, match=msg) as rec:
        res = nu.simulate(Decay(tau="0.06 ms"), duration="1 ms", dt="0.1 ms", method="euler")
    assert rec[0].filename == __file__  # points at the caller
    assert res["x"][1].m == pytest.approx(1 - 0.1 / 0.06)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nu.simulate(Decay(tau="0.06 ms"), duration="1 ms", dt="0.1 ms")  # exact: no warning
        nu.Simulation(Decay(tau="0.06 ms"), dt="0.1 ms", method="rk4")
    with pytest.warns(nu.StabilityWarning):
        nu.Simulation(Decay(tau="0.06 ms"), dt="0.2 ms", method="rk4")


def test_no_per_step_arrays_for_constant_inputs_and_short_timed_arrays():
    # a run of 10**10 steps used to allocate an int64 row index per step and input (74.5 GiB), and one
    # neuron for 10**8 steps with nothing recorded 1.9 GB; the rows stop where the last one holds
    from neurounits.simulation import make_plan

    ta = nu.TimedArray(Q_([0.0, 1.0, 2.0], "1"), dt="1 ms")
    m = nu.Model.from_equations(
        "dx/dt = (u + v - x)/tau : 1", parameters={"tau": "1 ms"}, inputs={"u": "1", "v": "1"}, name="Two"
    )
    plan, _, _ = make_plan(m(), "0.1 ms", inputs={"u": 1.0, "v": ta})
    seg = plan.segment(0, 10**10)
    assert seg["IX_u"].shape == (1,) and seg["IX_v"].size <= 32 and seg["IX_v"][-1] == 2
    assert set(plan.segment(25, 10**10)["IX_v"].tolist()) == {2}
    # the kernel holds the last row after the array's end: same values as the full per-step rows
    res = nu.simulate(m(), duration="5 ms", dt="0.1 ms", inputs={"u": 1.0, "v": ta}, method="euler")
    sim = nu.Simulation(m(), dt="0.1 ms", inputs={"u": 1.0, "v": ta}, method="euler")
    for _ in range(5):
        sim.run("1 ms")
    x, ref = res["x"][:, 0].m, np.zeros(51)
    for j in range(50):  # euler by hand: v = 0, 1, 2 over (0, 1], (1, 2], (2, ...] ms
        ref[j + 1] = ref[j] + 0.1 * (1.0 + min(j // 10, 2) - ref[j])
    np.testing.assert_allclose(x, ref, rtol=1e-12)
    np.testing.assert_array_equal(sim.results["x"].m, res["x"].m)


def test_runs_too_large_for_memory_are_refused_before_they_start():
    sim = nu.Simulation(nu.models.LIF(n=1000), dt="0.1 ms", record=("V",))
    with pytest.raises(nu.ParameterError, match=r"GiB.*record_every"):
        sim.advance(10**10)  # recording: refused by its own check
    # nothing recorded, but rate inputs are one value per step
    rate = nu.models.nest.lin_rate_ipn(n=1)
    sim = nu.Simulation(rate, dt="0.1 ms", record=(), rate_inputs=[nu.RateInput(rate=1.0, weight=0.5)])
    with pytest.raises(
        nu.ParameterError, match=r"needs about \d+\.\d GiB \(.*rate inputs .* GiB.*shorter pieces"
    ):
        sim.advance(10**12)
    assert sim.t.m == 0


def test_spike_list_out_of_memory_says_how_to_count_instead(monkeypatch):
    from neurounits.simulation import kernels

    real = kernels.get

    def run(*args):
        raise MemoryError  # as numba's allocation when the spike list grows past memory

    monkeypatch.setattr(kernels, "get", lambda choice: types.SimpleNamespace(ARGS=real(choice).ARGS, run=run))
    sim = nu.Simulation(nu.models.LIF(n=2), dt="0.1 ms", record=())
    with pytest.raises(nu.SimulationError, match=r"out of memory.*list of spikes.*spike_count"):
        sim.advance(10)


@pytest.mark.parametrize(
    ("values", "dt", "match"),
    [
        (
            Q_(np.zeros((2, 2, 2)), "nA"),
            "1 ms",
            r"shape \(n_times,\) or \(n_times, n_neurons\), got shape \(2, 2, 2\)",
        ),
        (Q_(np.zeros(0), "nA"), "1 ms", r"got shape \(0,\)"),
        (Q_([1.0, 2.0], "nA"), "-1 ms", r"dt must be one positive duration.*-1 ms"),
        (Q_([1.0, 2.0], "nA"), "1 mV", r"dt must be one positive duration"),
        (Q_([1.0, 2.0], "nA"), "1 parsec/", r"dt must be one positive duration"),
        ("not numbers", "1 ms", r"values must be a Quantity"),
    ],
)
def test_timed_array_errors_are_parameter_errors(values, dt, match):
    with pytest.raises(nu.ParameterError, match=match):
        nu.TimedArray(values, dt=dt)
