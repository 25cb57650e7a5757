"""Spike statistics of results: the population rate in bins of whole steps (exact counts, on-grid
and in-step spike times, subsets, the trailing part), the CV of interspike intervals against exact
laws (regular 0, exponential 1, gamma 1/sqrt(k)), and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu
from neurounits.units import Q_


def _res(times, indices, n=4, duration="10 ms", dt="0.1 ms", recorded=True, status=0) -> nu.Results:
    return nu.Results(
        model="M", n=n, t=Q_(np.array([0.0, float(Q_(duration).m_as("ms"))]), "ms"), duration=Q_(duration),
        dt=Q_(dt), method="exact", record_every=1,
        spikes=nu.Spikes(Q_(np.asarray(times, float), "ms"), np.asarray(indices, np.int64)),
        spikes_recorded=recorded, status=status,
    )


def test_population_rate_counts_each_spike_in_the_bin_of_its_step():
    # 1.0 ms ends step 9 (bin 0 of 1 ms); 1.1 ms ends step 10 (bin 1); 0.95 ms lies inside step 9;
    # 3.0000000000000004 ms (a float a hair above 3 ms) still ends step 29 (bin 2)
    times = [0.1, 0.95, 1.0, 1.1, 3.0000000000000004, 3.05, 9.95, 10.0]
    res = _res(times, [0, 1, 2, 3, 0, 1, 2, 3])
    t, rate = res.population_rate("1 ms")
    assert str(t.units) == "millisecond" and str(rate.units) == "hertz"
    np.testing.assert_array_equal(t.magnitude, np.arange(10.0))
    counts = np.array([3, 1, 1, 1, 0, 0, 0, 0, 0, 2])
    np.testing.assert_allclose(rate.m_as("Hz"), counts / (4 * 1e-3), rtol=1e-15)
    t3, r3 = res.population_rate(Q_(3, "ms"), neurons=[1, 3])  # 3 whole bins: 9-10 ms left out
    np.testing.assert_array_equal(t3.magnitude, [0.0, 3.0, 6.0])
    np.testing.assert_allclose(r3.m_as("Hz"), np.array([2, 1, 0]) / (2 * 3e-3), rtol=1e-15)
    _, r_slice = res.population_rate("3 ms", neurons=slice(1, None, 2))
    np.testing.assert_array_equal(r_slice.magnitude, r3.magnitude)
    failed = _res(times, [0, 1, 2, 3, 0, 1, 2, 3], duration="10 ms", status=1)
    failed.t = Q_([0.0, 3.0], "ms")  # a run that stopped at 3 ms: bins up to there
    assert failed.population_rate("1 ms")[1].shape == (3,)


def test_population_rate_of_a_network_adds_up_to_its_spikes():
    net = nu.Network(seed=2)
    P = net.add(nu.models.nest.iaf_psc_delta(n=300), name="P")
    net.connect(P, P, nu.conn.FixedInDegree(30), weight="0.2 mV", delay="1.5 ms")
    net.connect(nu.sources.Poisson("18 kHz"), P, weight="0.1 mV")
    net.record(P, spikes=True)
    res = nu.simulate(net, "200 ms", "0.1 ms")["P"]
    t, rate = res.population_rate("2.5 ms")
    assert t.shape == (80,) and res.spikes.indices.size > 1000
    assert round(float(rate.m_as("Hz").sum()) * 300 * 2.5e-3) == res.spikes.indices.size
    np.testing.assert_allclose(rate.mean().m_as("Hz"), res.rates.mean().m_as("Hz"), rtol=1e-12)
    first = res.population_rate("2.5 ms", neurons=slice(0, 100))[1]
    sub = res.spikes.indices < 100
    steps = np.rint(res.spikes.times.m_as("ms")[sub] / 0.1).astype(int) - 1  # (on the grid here)
    expected = np.bincount(steps // 25, minlength=80)
    assert expected.size == 80
    np.testing.assert_allclose(first.m_as("Hz"), expected / (100 * 2.5e-3), rtol=1e-12)


def test_cv_isi_against_exact_laws():
    rng = np.random.default_rng(7)
    n, m = 20, 10_000  # intervals per neuron: the sample CV's standard error is 1/sqrt(m) here
    expo = np.cumsum(rng.exponential(5.0, (n, m + 1)), axis=1)
    gamma = np.cumsum(rng.gamma(4.0, 1.25, (n, m + 1)), axis=1)
    for trains, exact in ((expo, 1.0), (gamma, 0.5)):
        times = trains.ravel()
        res = _res(times, np.repeat(np.arange(n), m + 1), n=n, duration=f"{times.max() + 1:.1f} ms")
        cv = res.cv_isi
        assert cv.shape == (n,)
        assert abs(cv.mean() - exact) < 5 * exact / np.sqrt(n * m)  # 5 standard errors
    regular = _res([1.0, 2.0, 3.0, 4.0, 2.5, 7.5, 0.5], [0, 0, 0, 0, 1, 1, 2], n=4)
    cv = regular.cv_isi
    assert cv[0] == 0.0 and np.isnan(cv[1]) and np.isnan(cv[2]) and np.isnan(cv[3])
    mixed = _res([1.0, 9.0, 2.0, 3.0, 6.0, 5.0], [1, 1, 0, 1, 1, 0], n=2)  # out of time order
    isi = np.array([2.0, 3.0, 3.0])
    np.testing.assert_allclose(mixed.cv_isi, [np.nan, isi.std() / isi.mean()], rtol=1e-15)


@pytest.mark.parametrize(
    ("kw", "err", "msg"),
    [
        ({"bin": "0.25 ms"}, nu.ParameterError,
         r"bin must be a whole number of steps of dt = 0\.1 ms, e\.g\. 0\.2 ms; got 0\.25 ms"),
        ({"bin": "0.05 ms"}, nu.ParameterError, r"e\.g\. 0\.1 ms; got 0\.05 ms"),
        ({"bin": "1 mV"}, nu.DimensionError, r"bin"),
        ({"bin": "-1 ms"}, nu.ParameterError, r"bin"),
        ({"neurons": [0, 4]}, nu.ParameterError, r"neurons must be distinct indices in 0\.\.3; got \[0, 4\]"),
        ({"neurons": [1, 1]}, nu.ParameterError, r"distinct indices"),
        ({"neurons": []}, nu.ParameterError, r"non-empty 1-d array of neuron indices"),
        ({"neurons": [0.5]}, nu.ParameterError, r"neuron indices"),
    ],
)
def test_population_rate_refuses_bad_input(kw, err, msg):
    with pytest.raises(err, match=msg):
        _res([1.0], [0]).population_rate(**kw)


def test_statistics_of_unrecorded_spikes_say_how_to_record_them():
    res = _res([], [], recorded=False)
    for f in (lambda: res.population_rate(), lambda: res.cv_isi):
        with pytest.raises(KeyError, match=r"net\.record\(population, spikes=True\)"):
            f()
