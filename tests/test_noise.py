"""White noise in equations (``xi``): units, integrators, reproducibility.

Statistical checks use 1,000 neurons with fixed seeds and a tolerance of 5 standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import DETERMINISTIC_METHODS, STOCHASTIC_METHODS

import neurounits as nu

N = 1000
TAU, SIGMA, X0, DT = 10.0, 2.0, 3.0, 0.1


def _ou(**extra):
    return nu.Model.from_equations(
        """
        dx/dt = -x/tau + sigma*xi : mV
        eta = sigma*xi : mV/ms
        """,
        parameters={"tau": f"{TAU} ms", "sigma": f"{SIGMA} mV/ms**0.5", **extra},
        initial={"x": f"{X0} mV"}, name="OU")


def _moments_ok(x, mean, var):
    """Sample mean and variance of x within 5 standard errors of the given moments."""
    n = x.size
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n), (x.mean(), mean)
    assert abs(x.var(ddof=1) - var) < 5 * var * math.sqrt(2 / (n - 1)), (x.var(ddof=1), var)


def test_noise_symbol_and_method_choice():
    ou = _ou()
    assert ou(n=1).spec.noise == ("xi",)
    res = nu.simulate(ou(n=2), "1 ms", f"{DT} ms", seed=0)
    assert res.method == "stochastic_exponential_euler"
    assert res.seed == 0


@pytest.mark.parametrize("times", [(5.0, 20.0, 60.0)])
def test_ou_moments_stochastic_exponential_euler(times):
    """Exact in distribution: mean x0 e^{-t/tau}, variance sigma^2 tau/2 (1 - e^{-2t/tau})."""
    res = nu.simulate(_ou()(n=N), f"{times[-1]} ms", f"{DT} ms", seed=1,
                      method="stochastic_exponential_euler", record=("x",))
    x = res["x"].to("mV").magnitude
    for t in times:
        k = round(t / DT)
        _moments_ok(x[k], X0 * math.exp(-t / TAU), SIGMA**2 * TAU / 2 * (1 - math.exp(-2 * t / TAU)))


@pytest.mark.parametrize("times", [(5.0, 20.0, 60.0)])
def test_ou_moments_euler_maruyama(times):
    """Euler-discretised moments: a = 1 - dt/tau, mean x0 a^k, var sigma^2 dt (1 - a^2k)/(1 - a^2)."""
    res = nu.simulate(_ou()(n=N), f"{times[-1]} ms", f"{DT} ms", seed=2, method="euler_maruyama",
                      record=("x",))
    assert res.method == "euler_maruyama"
    x = res["x"].to("mV").magnitude
    a = 1 - DT / TAU
    for t in times:
        k = round(t / DT)
        _moments_ok(x[k], X0 * a**k, SIGMA**2 * DT * (1 - a ** (2 * k)) / (1 - a**2))


def test_zero_decay_is_brownian_motion():
    """Drift coefficient A = 0: the stochastic exponential Euler step is finite (phi1(0) = 1)
    and the process is Brownian motion with variance sigma^2 t."""
    bm = nu.Model.from_equations("dx/dt = -k*x + sigma*xi : mV",
                                 parameters={"k": "0 1/ms", "sigma": f"{SIGMA} mV/ms**0.5"}, name="BM")
    res = nu.simulate(bm(n=N), "20 ms", f"{DT} ms", seed=4, method="stochastic_exponential_euler")
    x = res["x"].to("mV").magnitude
    for t in (1.0, 20.0):
        _moments_ok(x[round(t / DT)], 0.0, SIGMA**2 * t)


def test_reproducible_and_independent_of_threads():
    m = _ou()(n=300)
    a = nu.simulate(m, "10 ms", f"{DT} ms", seed=7, threads=1)
    b = nu.simulate(m, "10 ms", f"{DT} ms", seed=7, threads=1)
    c = nu.simulate(m, "10 ms", f"{DT} ms", seed=7, threads=2)
    d = nu.simulate(m, "10 ms", f"{DT} ms", seed=8, threads=1)
    np.testing.assert_array_equal(a["x"].magnitude, b["x"].magnitude)
    np.testing.assert_array_equal(a["x"].magnitude, c["x"].magnitude)
    assert not np.array_equal(a["x"].magnitude, d["x"].magnitude)
    # neuron i's trace depends on its global index, not on the population it is part of
    e = nu.simulate(_ou()(n=500), "10 ms", f"{DT} ms", seed=7, threads=3)
    np.testing.assert_array_equal(a["x"].magnitude, e["x"].magnitude[:, :300])


def test_seed_none_is_drawn_and_recorded():
    m = _ou()(n=5)
    a = nu.simulate(m, "2 ms", f"{DT} ms")
    assert isinstance(a.seed, int)
    b = nu.simulate(m, "2 ms", f"{DT} ms", seed=a.seed)
    np.testing.assert_array_equal(a["x"].magnitude, b["x"].magnitude)


def test_noise_sample_is_recordable():
    """eta = sigma*xi is recorded as sigma N/sqrt(dt) of the step; with Euler-Maruyama
    x_new = x + dt (-x/tau + eta) exactly, and N is standard normal."""
    res = nu.simulate(_ou()(n=N), "5 ms", f"{DT} ms", seed=5, method="euler_maruyama",
                      record=("x", "eta"))
    x = res["x"].to("mV").magnitude
    eta = res["eta"].to("mV/ms").magnitude
    assert np.all(eta[0] == 0.0)
    np.testing.assert_allclose(x[1:], x[:-1] + DT * (-x[:-1] / TAU + eta[1:]), rtol=1e-12, atol=1e-12)
    normals = eta[1:] * math.sqrt(DT) / SIGMA
    _moments_ok(normals.ravel(), 0.0, 1.0)


def test_two_noises_are_independent():
    two = nu.Model.from_equations(
        """
        dx/dt = -x/tau + s*xi : mV
        dy/dt = -y/tau + s*xi_b : mV
        """, parameters={"tau": "10 ms", "s": "1 mV/ms**0.5"}, name="Two")
    res = nu.simulate(two(n=N), "30 ms", f"{DT} ms", seed=6)
    assert two(n=1).spec.noise == ("xi", "xi_b")
    x, y = res["x"].magnitude[-1], res["y"].magnitude[-1]
    assert abs(np.corrcoef(x, y)[0, 1]) < 5 / math.sqrt(N)
    _moments_ok(y, 0.0, 10 / 2 * (1 - math.exp(-6)))


def test_wrong_noise_unit_is_a_dimension_error():
    with pytest.raises(nu.DimensionError, match=r"equation for 'x'.*from term  sigma\*xi"):
        nu.Model.from_equations("dx/dt = -x/tau + sigma*xi : mV",
                                parameters={"tau": "10 ms", "sigma": "1 mV"}, name="Bad")


def test_noise_must_enter_linearly():
    with pytest.raises(nu.EquationError, match="the white noise must enter linearly"):
        nu.Model.from_equations("dx/dt = -x/tau + s*xi**2*sqrt(ms) : mV",
                                parameters={"tau": "10 ms", "s": "1 mV"}, name="Bad2")


def test_noise_only_in_equations():
    with pytest.raises(nu.EquationError, match="the white noise 'xi' may appear only in"):
        nu.Model.from_equations("dV/dt = -V/tau : mV", parameters={"tau": "10 ms"},
                                threshold="V*xi > 1 mV/ms**0.5", name="Bad3")


@pytest.mark.parametrize("method", DETERMINISTIC_METHODS)
def test_deterministic_methods_refuse_noise(method):
    options = ", ".join(repr(m) for m in STOCHASTIC_METHODS)
    with pytest.raises(nu.NeurounitsError, match=f"method '{method}' is deterministic. Use one of {options}"):
        nu.simulate(_ou()(n=1), "1 ms", method=method)


def test_multiplicative_noise():
    """sigma depending on the state: only Euler-Maruyama applies (chosen automatically)."""
    gbm = nu.Model.from_equations("dx/dt = mu*x + s*x*xi : mV",
                                  parameters={"mu": "0 1/ms", "s": "0.1 ms**-0.5"},
                                  initial={"x": "1 mV"}, name="GBM")
    with pytest.raises(nu.NeurounitsError, match="the noise of 'x' is multiplicative"):
        nu.simulate(gbm(n=1), "1 ms", method="stochastic_exponential_euler")
    res = nu.simulate(gbm(n=N), "10 ms", f"{DT} ms", seed=9)
    assert res.method == "euler_maruyama"
    # Ito: E[x] = x0 (mu = 0); x_k = prod (1 + s sqrt(dt) N): var = (1 + s^2 dt)^k - 1
    x = res["x"].to("mV").magnitude[-1]
    _moments_ok(x, 1.0, (1 + 0.01 * DT) ** 100 - 1)


def test_heterogeneous_time_constants():
    """Per-neuron tau (propagators computed per neuron before the loop): exact OU moments per group."""
    taus = np.repeat([5.0, 20.0], N)
    res = nu.simulate(_ou()(n=2 * N, tau=nu.Q_(taus, "ms")), "30 ms", f"{DT} ms", seed=10, record=("x",))
    x = res["x"].to("mV").magnitude[-1]
    for g, tau in enumerate((5.0, 20.0)):
        _moments_ok(x[g * N:(g + 1) * N], X0 * math.exp(-30 / tau),
                    SIGMA**2 * tau / 2 * (1 - math.exp(-60 / tau)))

