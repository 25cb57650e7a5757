"""NEST's rate_neuron_ipn family (nu.models.nest.*_rate_ipn) and rate inputs (nu.RateInput).

The six sigmoid_rate_ipn cases are NEST 3.10 traces (tests/reference); the other nonlinearities
are checked against their closed forms through the one-step update with sigma = 0.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import neurounits as nu

REF = Path(__file__).resolve().parents[1] / "reference"
NEST = nu.models.nest
CASES = ("isolated", "lambda0", "rectified", "instantaneous", "delayed", "delayed_nonlinsum")


def _nest_case(name: str):
    d = np.load(REF / f"sigmoid_rate_ipn_{name}.npz")
    pj = json.loads(str(d["params_json"]))
    inputs = json.loads(str(d["inputs_json"]))
    target = dict(pj["set"]["target"])
    init = target.pop("rate")
    kw = {("lambda_" if k == "lambda" else k): v for k, v in target.items()}
    kw["tau"] = nu.Q_(kw["tau"], "ms")  # NEST's tau is in ms
    dt = float(d["dt"])
    rate_inputs = []
    if "source_rate" in d:
        src = np.concatenate([[float(d["init_source_rate"])], d["source_rate"]])
        ta = nu.TimedArray(nu.Q_(src, ""), dt=nu.Q_(dt, "ms"))
        for c in inputs["rate_connections"]:
            delay = nu.Q_(c["delay"], "ms") if c["synapse_model"].endswith("delayed") else None
            rate_inputs.append(nu.RateInput(rate=ta, weight=c["weight"], delay=delay))
    return d, kw, init, dt, rate_inputs


@pytest.mark.parametrize("case", CASES)
def test_sigmoid_rate_ipn_matches_nest(case):
    d, kw, init, dt, rate_inputs = _nest_case(case)
    model = NEST.sigmoid_rate_ipn(n=1, **kw)
    res = nu.simulate(model, nu.Q_(float(d["t"][-1]), "ms"), nu.Q_(dt, "ms"), rate_inputs=rate_inputs,
                      initial={"rate": init}, seed=3)
    assert res.method == "update"
    got = res["rate"].magnitude[1:, 0]
    ref = d["rate"]
    assert np.max(np.abs(got - ref)) <= 1e-9 * np.max(np.abs(ref))
    assert np.all(res["noise"].magnitude == 0.0)  # sigma = 0 in every case


def test_heterogeneous_population_matches_each_neuron():
    """Per-neuron parameters in one run give the same traces as separate runs (NEST case inputs)."""
    _, kw, _, dt, rate_inputs = _nest_case("delayed_nonlinsum")
    kw = {k: v for k, v in kw.items() if k != "beta"}
    betas = [2.0, 0.5, 1.0]
    pop = NEST.sigmoid_rate_ipn(n=3, beta=betas, **kw)
    res = nu.simulate(pop, "20 ms", nu.Q_(dt, "ms"), rate_inputs=rate_inputs, threads=2)
    for i, b in enumerate(betas):
        one = nu.simulate(NEST.sigmoid_rate_ipn(n=1, beta=b, **kw), "20 ms", nu.Q_(dt, "ms"),
                          rate_inputs=rate_inputs)
        np.testing.assert_array_equal(res["rate"].magnitude[:, i], one["rate"].magnitude[:, 0])


PHIS = {
    "sigmoid_rate_ipn": (dict(g=2.0, beta=1.5, theta=0.3), lambda h: 2.0 / (1 + math.exp(-1.5 * (h - 0.3)))),
    "lin_rate_ipn": (dict(g=2.5), lambda h: 2.5 * h),
    "tanh_rate_ipn": (dict(g=0.7, theta=-0.2), lambda h: math.tanh(0.7 * (h + 0.2))),
    "threshold_lin_rate_ipn": (dict(g=2.0, theta=0.5, alpha=1.2),
                               lambda h: min(max(2.0 * (h - 0.5), 0.0), 1.2)),
}


@pytest.mark.parametrize("name", list(PHIS))
@pytest.mark.parametrize("linear_summation", [True, False])
def test_nonlinearities_closed_form(name, linear_summation):
    """One step from rate 0: rate = P2 (mu + phi(...)), P2 = -expm1(-lambda dt/tau)/lambda."""
    params, phi = PHIS[name]
    rates, weights = [0.9, 1.7], [1.5, -0.4]
    model = getattr(NEST, name)(n=1, sigma=0.0, mu=0.25, tau="5 ms", linear_summation=linear_summation,
                                **params, **{"lambda": 0.8})
    ins = [nu.RateInput(rate=r, weight=w) for r, w in zip(rates, weights, strict=True)]
    res = nu.simulate(model, "0.2 ms", "0.1 ms", rate_inputs=ins, record=("rate",))
    p1, p2 = math.exp(-0.8 * 0.1 / 5), -math.expm1(-0.8 * 0.1 / 5) / 0.8
    term = (phi(sum(r * w for r, w in zip(rates, weights, strict=True))) if linear_summation
            else sum(w * phi(r) for r, w in zip(rates, weights, strict=True)))
    x1 = p2 * (0.25 + term)
    x2 = p1 * x1 + p2 * (0.25 + term)
    np.testing.assert_allclose(res["rate"].magnitude[:, 0], [0.0, x1, x2], rtol=1e-13, atol=0)


def test_lin_rate_mult_coupling():
    """NEST: with mult_coupling, excitatory and inhibitory sums are transformed separately and
    scaled by g_ex (theta_ex - X) and g_in (theta_in + X), X the rate at the start of the step."""
    kw = dict(sigma=0.0, mu=0.0, g=2.0, g_ex=0.5, g_in=1.5, theta_ex=1.0, theta_in=0.2, mult_coupling=True,
              tau="10 ms", lambda_=1.0)
    model = NEST.lin_rate_ipn(n=1, **kw)
    ins = [nu.RateInput(rate=1.0, weight=0.8), nu.RateInput(rate=0.5, weight=-0.6)]
    res = nu.simulate(model, "0.3 ms", "0.1 ms", rate_inputs=ins, initial={"rate": 0.4})
    p1, p2 = math.exp(-0.01), -math.expm1(-0.01)
    x = 0.4
    want = [x]
    for _ in range(3):
        x = p1 * x + p2 * (0.5 * (1.0 - x) * 2.0 * 0.8 + 1.5 * (0.2 + x) * 2.0 * (-0.3))
        want.append(x)
    np.testing.assert_allclose(res["rate"].magnitude[:, 0], want, rtol=1e-13)


def test_rectify_and_defaults():
    m = NEST.sigmoid_rate_ipn()
    p = m.parameters
    assert p["tau"] == nu.Q_(10, "ms") and p["lambda_"].magnitude == 1.0 and p["sigma"].magnitude == 1.0
    assert p["mu"].magnitude == 0.0 and p["g"].magnitude == 1.0 and p["beta"].magnitude == 1.0
    assert m.options == {"linear_summation": True, "mult_coupling": False, "rectify_output": False}
    r = nu.simulate(NEST.tanh_rate_ipn(sigma=0.0, mu=-5.0, rectify_output=True, rectify_rate=0.1), "5 ms")
    assert np.all(r["rate"].magnitude[1:] == 0.1)


def test_noise_is_sigma_times_normal_and_thread_independent():
    m = NEST.sigmoid_rate_ipn(n=400, sigma=0.5, lambda_=0.0, mu=0.0, g=0.0)
    a = nu.simulate(m, "20 ms", "0.1 ms", seed=11, threads=1)
    b = nu.simulate(m, "20 ms", "0.1 ms", seed=11, threads=2)
    c = nu.simulate(m, "20 ms", "0.1 ms", seed=12, threads=1)
    np.testing.assert_array_equal(a["rate"].magnitude, b["rate"].magnitude)
    np.testing.assert_array_equal(a["noise"].magnitude, b["noise"].magnitude)
    assert not np.array_equal(a["rate"].magnitude, c["rate"].magnitude)
    noise = a["noise"].magnitude[1:]
    # 200 x 400 samples of 0.5 N: variance 0.25 within 5 standard errors (0.25 sqrt(2/80000))
    assert abs(noise.var() - 0.25) < 5 * 0.25 * math.sqrt(2 / noise.size)
    assert abs(noise.mean()) < 5 * 0.5 / math.sqrt(noise.size)
    # lambda = 0, g = 0: Euler-Maruyama with noise factor sqrt(dt/tau): rate(k) = sum of F * noise
    np.testing.assert_allclose(a["rate"].magnitude[1:], np.cumsum(noise * math.sqrt(0.1 / 10), axis=0),
                               rtol=1e-10, atol=1e-13)


def test_lambda_keyword_and_aliases():
    m = NEST.sigmoid_rate_ipn(**{"lambda": 0.5, "mean": 0.2, "std": 0.3})
    assert m.parameters["lambda_"].magnitude == 0.5
    assert m.parameters["mu"].magnitude == 0.2 and m.parameters["sigma"].magnitude == 0.3
    with pytest.raises(nu.ParameterError, match="give lambda_ or 'lambda', not both"):
        NEST.sigmoid_rate_ipn(**{"lambda": 0.5, "lambda_": 0.2})


@pytest.mark.parametrize(("kw", "match"), [
    ({"tau": "0 ms"}, "parameter 'tau'.*> 0"),
    ({"lambda_": -0.1}, "parameter 'lambda_'.*>= 0"),
    ({"sigma": -1.0}, "parameter 'sigma'.*>= 0"),
    ({"rectify_rate": -0.5}, "parameter 'rectify_rate'.*>= 0"),
    ({"tau": 10.0}, "parameter 'tau': expected a value in ms"),
    ({"linear_summation": "yes"}, "option 'linear_summation': expected one of"),
])
def test_bad_parameters(kw, match):
    with pytest.raises((nu.ParameterError, nu.DimensionError), match=match):
        NEST.sigmoid_rate_ipn(**kw)


def test_bad_rate_inputs_reported_together():
    m = NEST.sigmoid_rate_ipn(n=2)
    bad = [
        nu.RateInput(rate=1.0, delay="0.15 ms"),
        nu.RateInput(rate="2 mV"),
        nu.RateInput(rate=1.0, weight="heavy"),
        nu.RateInput(rate=1.0, multiplicity=0),
        nu.RateInput(rate=nu.TimedArray(nu.Q_(np.ones((3, 2)), ""), dt="1 ms")),
        "not an input",
    ]
    with pytest.raises(nu.NeurounitsError) as err:
        nu.simulate(m, "1 ms", "0.1 ms", rate_inputs=bad)
    msg = str(err.value)
    for part in ("rate_inputs[0]: the delay 0.15 ms is not a whole number of steps",
                 "rate_inputs[1], rate: expected a value in",
                 "rate_inputs[2], weight: expected a finite number, got 'heavy'",
                 "rate_inputs[3], multiplicity: expected a positive number, got 0",
                 "rate_inputs[4]: the TimedArray has 2 columns",
                 "rate_inputs[5]: expected a nu.RateInput, got str"):
        assert part in msg


def test_rate_channel_given_as_input_is_refused():
    with pytest.raises(nu.ParameterError, match="input 'R' is driven by the rate inputs"):
        nu.simulate(NEST.sigmoid_rate_ipn(), "1 ms", inputs={"R": 0.5})


def test_rate_inputs_refused_by_models_without_rate_channels():
    with pytest.raises(nu.ParameterError, match="is not a rate model with rate inputs"):
        nu.simulate(nu.models.LIF(), "1 ms", rate_inputs=[nu.RateInput(rate=1.0)])


def test_bad_seed():
    with pytest.raises(nu.ParameterError, match=r"seed must be None or an integer in \[0, 2\*\*64\)"):
        nu.simulate(NEST.sigmoid_rate_ipn(), "1 ms", seed=-1)


@pytest.mark.parametrize("case", ["sig_mc", "tanh", "thr", "lin_mc"])
def test_family_matches_nest(case):
    """tanh / threshold_lin / lin (mult_coupling) and sigmoid with mult_coupling against NEST 3.10
    (tests/reference/make_rate_ipn_refs.py)."""
    d = np.load(REF / "rate_ipn_family.npz")
    info = json.loads(str(d[f"{case}_json"]))
    params = dict(info["params"])
    init = params.pop("rate", 0.0)
    ins = [nu.RateInput(rate=i["rate"], weight=i["weight"], delay=nu.Q_(i["delay"], "ms"))
           for i in info["inputs"]]
    model = getattr(NEST, info["model"])(n=1, **params)
    res = nu.simulate(model, nu.Q_(float(d["duration"]), "ms"), nu.Q_(float(d["dt"]), "ms"),
                      initial={"rate": init}, rate_inputs=ins)
    ref = d[f"{case}_rate"]
    got = res["rate"].magnitude[1:len(ref) + 1, 0]
    assert np.max(np.abs(got - ref)) <= 1e-9 * np.max(np.abs(ref))
