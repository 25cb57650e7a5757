"""nu.Features: an input that is a weighted sum of features (the notebook's weight vectors)."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu


def _rate(w, x, b=0.0, nonlinearity="relu"):
    res = nu.simulate(
        nu.models.RateNeuron(n=1, b=b, nonlinearity=nonlinearity),
        "1 ms",
        "1 ms",
        record=("r",),
        inputs={"x": nu.Features(x, w)},
    )
    return float(res["r"][-1, 0])


@pytest.mark.parametrize(
    "nonlinearity, f",
    [
        ("relu", lambda z: max(z, 0.0)),
        ("tanh", np.tanh),
        ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
        ("softplus", lambda z: np.log1p(np.exp(z))),
    ],
)
def test_rate_neuron_of_a_weight_vector_is_f_of_the_dot_product(nonlinearity, f):
    w, x, b = [0.5, -1.5, 2.0], [1.0, 0.4, 0.3], 0.1
    assert _rate(w, x, b, nonlinearity) == pytest.approx(f(np.dot(w, x) + b), rel=1e-12)


def test_features_over_time_and_per_neuron_weights():
    x = nu.TimedArray(nu.Q_([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], ""), dt="1 ms")
    W = np.array([[1.0, 1.0], [2.0, -1.0]])
    res = nu.simulate(
        nu.models.RateNeuron(n=2, nonlinearity="tanh"),
        "3 ms",
        "1 ms",
        record=("r",),
        inputs={"x": nu.Features(x, W)},
    )
    expected = np.tanh(np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]) @ W.T)
    np.testing.assert_allclose(res["r"].magnitude[1:], expected, rtol=1e-12)


def test_units_of_weight_times_feature_are_checked():
    lif = nu.models.LIF(n=2)
    res = nu.simulate(
        lif, "5 ms", "0.1 ms", inputs={"I": nu.Features(nu.Q_([1.0, 2.0], "pA"), [[100.0, 50.0], [0.0, 0.0]])}
    )
    assert res["V"].magnitude[-1, 0] > res["V"].magnitude[-1, 1]
    with pytest.raises(nu.DimensionError, match=r"input 'I': expected a value in pA"):
        nu.simulate(lif, "1 ms", "0.1 ms", inputs={"I": nu.Features([1.0, 2.0], [1.0, 1.0])})
    with pytest.raises(
        ValueError,
        match=r"weights must have shape \(k,\) or \(n, k\) with k = 2 features, got "
        r"shape \(3,\)",
    ):
        nu.Features([1.0, 2.0], [1.0, 1.0, 1.0])
