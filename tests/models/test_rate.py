"""Perceptron, RateNeuron and LeakyRate: correct nonlinearities, the notebook's leaky update."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu


def _static(model, x):
    name = "y" if isinstance(model, nu.models.Perceptron) else "r"
    res = nu.simulate(model, "1 ms", "1 ms", inputs={"x": x}, record=(name,))
    assert res.method == "none"
    return res[name].magnitude[-1]


def test_perceptron_is_a_threshold_dot_product():
    p = nu.models.Perceptron(n=4, w=[1.0, 1.0, -2.0, 0.5], b=[0.0, -0.6, 0.1, 0.0])
    x = np.array([0.5, 0.5, 0.5, 0.0])
    expected = (np.array([1, 1, -2, 0.5]) * x + [0, -0.6, 0.1, 0] > 0) * 1.0
    np.testing.assert_array_equal(_static(p, x), expected)


@pytest.mark.parametrize("name, f", [
    ("relu", lambda z: np.maximum(z, 0.0)),
    ("tanh", np.tanh),
    ("sigmoid", lambda z: 1.0 / (1.0 + np.exp(-z))),
    ("softplus", lambda z: np.log1p(np.exp(z))),
])
def test_rate_neuron_nonlinearities(name, f):
    z = np.linspace(-6, 6, 13)
    m = nu.models.RateNeuron(n=z.size, nonlinearity=name, w=2.0, b=0.5)
    np.testing.assert_allclose(_static(m, (z - 0.5) / 2.0), f(z), rtol=1e-12, atol=1e-15)


def test_sigmoid_has_the_right_sign_and_softplus_does_not_overflow():
    z = np.array([-1000.0, -50.0, 2.0, 50.0, 1000.0])
    sig = _static(nu.models.RateNeuron(n=5, nonlinearity="sigmoid"), z)
    assert sig[2] == pytest.approx(1 / (1 + np.exp(-2.0)))  # 0.88, not 0.12
    assert sig[0] == 0.0 and sig[-1] == 1.0
    sp = _static(nu.models.RateNeuron(n=5, nonlinearity="softplus"), z)
    assert np.all(np.isfinite(sp))
    assert sp[-1] == 1000.0 and sp[0] == 0.0
    assert sp[3] == pytest.approx(50.0 + np.log1p(np.exp(-50.0)), rel=1e-15)


def test_unknown_nonlinearity():
    with pytest.raises(nu.ParameterError, match=r"option 'nonlinearity': expected one of \['relu', 'tanh', "
                       r"'sigmoid', 'softplus'\], got 'sigmoidal'"):
        nu.models.RateNeuron(nonlinearity="sigmoidal")


def test_leaky_rate_euler_is_the_notebook_update():
    rng = np.random.default_rng(0)
    drive = rng.normal(size=200)
    m = nu.models.LeakyRate(n=1, tau="20 ms", gain=1.5, bias=-0.2, nonlinearity="tanh")
    res = nu.simulate(m, "200 ms", "1 ms", method="euler", record=("x", "r"),
                      inputs={"I": nu.TimedArray(drive, dt="1 ms")})
    x, alpha = 0.0, 1.0 / 20.0
    for j in range(200):
        x = x + alpha * (-x + drive[j])
        assert res["x"].magnitude[j + 1, 0] == pytest.approx(x, rel=1e-12, abs=1e-15)
        assert res["r"].magnitude[j + 1, 0] == pytest.approx(np.tanh(1.5 * x - 0.2), rel=1e-12, abs=1e-15)


def test_leaky_rate_default_method_is_exact():
    m = nu.models.LeakyRate(n=1)
    res = nu.simulate(m, "100 ms", "1 ms", inputs={"I": 2.0}, record=("x",))
    assert res.method == "exact"
    np.testing.assert_allclose(res["x"].magnitude[:, 0], 2.0 * (1 - np.exp(-res.t.magnitude / 20.0)),
                               rtol=1e-12, atol=1e-15)
