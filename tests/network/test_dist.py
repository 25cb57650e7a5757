"""Distributions with units: moments and laws against scipy, bounds, units, messages.

Fixed seeds: a z-test beyond 5 sigma or a Kolmogorov-Smirnov p-value below 1e-3 means a
wrong law, not bad luck.
"""

import math

import numpy as np
import pytest
import scipy.stats

import neurounits as nu
from neurounits.dist import Distribution, Exponential, LogNormal, Normal, Uniform
from neurounits.errors import ParameterError
from neurounits.units import DimensionError, ureg

N = 200_000
P_MIN = 1e-3


def rng(seed=0):
    return np.random.default_rng(seed)


def assert_moments(x, dist):
    """z-tests of the sample mean and variance against the scipy distribution ``dist`` (5 sigma)."""
    mean, var, _, kurt = (float(v) for v in dist.stats(moments="mvsk"))
    n = x.size
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n)
    mu4 = (kurt + 3) * var**2
    assert abs(x.var(ddof=1) - var) < 5 * math.sqrt((mu4 - var**2) / n)


# name, distribution, the same law in scipy (in the unit sampled), the unit sampled
CASES = [
    ("uniform", Uniform("1 ms", "3 ms"), scipy.stats.uniform(1, 2), "ms"),
    ("normal", Normal("6 nS", "1 nS"), scipy.stats.norm(6, 1), "nS"),
    ("lognormal", LogNormal("2 nS", 0.5), scipy.stats.lognorm(0.5, scale=2), "nS"),
    ("exponential", Exponential("5 ms"), scipy.stats.expon(scale=5), "ms"),
    ("redraw", Normal("-70 mV", "4 mV", redraw=("-73 mV", "-60 mV")),
     scipy.stats.truncnorm(-0.75, 2.5, loc=-70, scale=4), "mV"),
    ("redraw one side", Normal("0 pA", "10 pA", redraw=("5 pA", None)),
     scipy.stats.truncnorm(0.5, np.inf, loc=0, scale=10), "pA"),
    ("plain numbers", Normal(0.5, 0.1), scipy.stats.norm(0.5, 0.1), ureg.dimensionless),
]


@pytest.mark.parametrize(("name", "dist", "law", "unit"), CASES, ids=[c[0] for c in CASES])
def test_mean_and_variance_match_the_exact_law(name, dist, law, unit):
    x = dist.sample(rng(1), N, unit)
    assert x.dtype == np.float64 and x.shape == (N,)
    assert_moments(x, law)
    assert dist.mean().m_as(unit) == pytest.approx(law.mean(), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(("name", "dist", "law", "unit"), CASES, ids=[c[0] for c in CASES])
def test_kolmogorov_smirnov_against_scipy(name, dist, law, unit):
    x = dist.sample(rng(2), 20_000, unit)
    assert scipy.stats.kstest(x, law.cdf).pvalue > P_MIN


def test_lognormal_maps_nest_mean_and_std_of_the_underlying_normal():
    mu, sigma = 0.4, 0.3  # nest.random.lognormal(mean=0.4, std=0.3), in nS
    x = LogNormal(f"{math.exp(mu)} nS", sigma).sample(rng(3), 20_000, "nS")
    assert scipy.stats.kstest(np.log(x), scipy.stats.norm(mu, sigma).cdf).pvalue > P_MIN


def test_clip_puts_the_mass_outside_on_the_bounds():
    d = Normal("1 nS", "2 nS", clip=("0 nS", "4 nS"))
    x = d.sample(rng(4), N, "nS")
    assert x.min() == 0.0 and x.max() == 4.0
    for value, prob in ((0.0, scipy.stats.norm.cdf(-0.5)), (4.0, scipy.stats.norm.sf(1.5))):
        count = np.sum(x == value)
        assert abs(count - N * prob) < 5 * math.sqrt(N * prob * (1 - prob))
    inside = x[(x > 0) & (x < 4)]
    t = scipy.stats.truncnorm(-0.5, 1.5, loc=1, scale=2)
    assert scipy.stats.kstest(inside[:20_000], t.cdf).pvalue > P_MIN
    # the exact mean of the clipped normal
    p_in = scipy.stats.norm.cdf(1.5) - scipy.stats.norm.cdf(-0.5)
    exact = 4.0 * scipy.stats.norm.sf(1.5) + p_in * t.mean()
    assert d.mean().m_as("nS") == pytest.approx(exact, rel=1e-12)
    assert abs(x.mean() - exact) < 5 * x.std() / math.sqrt(N)


def test_clip_on_one_side():
    d = Normal("0 mV", "1 mV", clip=(None, "0.5 mV"))
    x = d.sample(rng(5), N, "mV")
    assert x.max() == 0.5 and np.sum(x == 0.5) > 0
    assert d.mean().m_as("mV") == pytest.approx(-scipy.stats.norm.pdf(0.5) + 0.5 * scipy.stats.norm.sf(0.5))
    half = Normal("0 mV", "1 mV", clip=("0 mV", None))
    assert half.mean().m_as("mV") == pytest.approx(1 / math.sqrt(2 * math.pi))


def test_zero_std_is_the_mean_clipped():
    assert Normal("3 ms", "0 ms").sample(rng(), 4, "ms").tolist() == [3.0] * 4
    assert Normal("3 ms", "0 ms", clip=(None, "2 ms")).sample(rng(), 2, "ms").tolist() == [2.0, 2.0]
    assert Normal("3 ms", "0 ms", clip=(None, "2 ms")).mean() == nu.Q_(2.0, "ms")
    assert Normal("3 ms", "0 ms", redraw=("2 ms", None)).mean() == nu.Q_(3.0, "ms")


def test_redraw_gives_up_after_max_rounds(monkeypatch):
    monkeypatch.setattr(Normal, "max_rounds", 2)
    d = Normal("0 mV", "1 mV", redraw=("1 mV", None))
    with pytest.raises(ParameterError) as info:
        d.sample(rng(6), 10_000, "mV")
    assert str(info.value).startswith("Normal('0 mV', '1 mV', redraw=('1 mV', None)): ")
    assert str(info.value).endswith(
        " of 10000 values were still outside the bounds after 2 redraws (the bounds hold 0.159 of the "
        "normal distribution's mass); widen the bounds, or use clip= to put the values outside on the bounds")


# --------------------------------------------------------------------------- units
@pytest.mark.parametrize("dist", [Normal("6 nS", "1 nS"), LogNormal("6 nS", 0.5), Exponential("6 nS"),
                                  Uniform("5 nS", "7 nS"), Normal("6 nS", "1 nS", clip=("5 nS", "6.5 nS")),
                                  Normal("6 nS", "1 nS", redraw=("5 nS", "6.5 nS"))])
def test_values_in_another_unit_are_converted(dist):
    in_ns = dist.sample(rng(7), 1000, ureg.nS)
    in_us = dist.sample(rng(7), 1000, ureg.uS)
    np.testing.assert_allclose(in_us, in_ns / 1000, rtol=1e-12)
    np.testing.assert_array_equal(dist.sample(rng(7), 1000, "nS"), in_ns)
    np.testing.assert_array_equal(dist.sample(rng(7), 1000, nu.Q_(1, "nS")), in_ns)


def test_parameters_in_different_units_of_one_dimension():
    d = Normal("6 nS", "1000 pS", clip=("0.004 uS", None))
    assert repr(d) == "Normal('6 nS', '1000 pS', clip=('0.004 uS', None))"
    x = d.sample(rng(8), N, "nS")
    assert x.min() == 4.0  # 0.004 uS is 4 nS exactly: factors are rounded to 15 digits, as in units
    np.testing.assert_allclose(x, Normal("6 nS", "1 nS", clip=("4 nS", None)).sample(rng(8), N, "nS"),
                               rtol=1e-15)
    assert d.units == ureg.nS and d.dimensionality == ureg.nS.dimensionality
    assert Uniform(nu.Q_(1, "s"), "1500 ms").units == ureg.s


def test_properties_and_mean():
    assert Uniform("1 ms", "2 ms").mean() == nu.Q_(1.5, "ms")
    assert Exponential("4 ms").mean() == nu.Q_(4.0, "ms")
    assert LogNormal("2 nS", 0.5).mean().m_as("nS") == pytest.approx(2 * math.exp(0.125))
    assert Normal("6 nS", "1 nS").mean() == nu.Q_(6.0, "nS")
    assert LogNormal("2 nS", 0.5).dimensionality == ureg.nS.dimensionality
    assert Normal(1, 2).units == ureg.dimensionless
    assert isinstance(Normal(1, 2), Distribution)


@pytest.mark.parametrize("dist", [Uniform("1 ms", "2.5 ms"), Normal(0.5, 0.1), LogNormal("2 MOhm", 0.3),
                                  Exponential("0.1 s"), Normal("-70 mV", "2 mV", redraw=("-75 mV", None)),
                                  Normal(0, 1, clip=(-1, 1))])
def test_repr_reads_back(dist):
    namespace = {"Uniform": Uniform, "Normal": Normal, "LogNormal": LogNormal, "Exponential": Exponential}
    again = eval(repr(dist), namespace)
    assert repr(again) == repr(dist)
    assert np.array_equal(again.sample(rng(9), 5, dist.units), dist.sample(rng(9), 5, dist.units))


def test_sample_sizes_and_determinism():
    d = Normal("6 nS", "1 nS")
    assert d.sample(rng(), 0, "nS").shape == (0,)
    assert np.array_equal(d.sample(rng(3), 10, "nS"), d.sample(rng(3), 10, "nS"))
    assert not np.array_equal(d.sample(rng(3), 10, "nS"), d.sample(rng(4), 10, "nS"))


# --------------------------------------------------------------------------- messages
@pytest.mark.parametrize(("unit", "message"), [
    (ureg.mV,
     "cannot sample Normal('6 nS', '1 nS') in mV: expected a distribution of values in mV (voltage), "
     "got one in nS (conductance). Hint: give the distribution's parameters in mV or a compatible unit."),
    ("dimensionless",
     "cannot sample Normal('6 nS', '1 nS') as plain numbers: expected a distribution of values "
     "as plain numbers (dimensionless), got one in nS (conductance). Hint: give the "
     "distribution's parameters as plain numbers."),
])
def test_sampling_in_a_unit_of_another_dimension(unit, message):
    with pytest.raises(DimensionError) as info:
        Normal("6 nS", "1 nS").sample(rng(), 3, unit)
    assert str(info.value) == message


def test_sampling_plain_numbers_in_a_unit():
    with pytest.raises(DimensionError) as info:
        Exponential(5).sample(rng(), 3, ureg.ms)
    assert str(info.value) == (
        "cannot sample Exponential(5) in ms: expected a distribution of values in ms (time), got one as "
        "plain numbers (dimensionless). Hint: give the distribution's parameters in ms or a compatible unit.")


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: Normal("6 nS", "1 mV"), DimensionError,
     "invalid Normal distribution: std: expected a value in nS (conductance), the dimension of mean, "
     "got 1 mV (voltage). Hint: express it in nS or a compatible unit."),
    (lambda: Normal("6 nS", 1), DimensionError,
     "invalid Normal distribution: std: expected a value in nS (conductance), the dimension of mean, got the "
     "plain number 1. Hint: give the value with a unit, e.g. '1 nS'."),
    (lambda: Normal(6, "1 nS"), DimensionError,
     "invalid Normal distribution: std: expected a plain number, as mean is one, got 1 nS (conductance). "
     "Hint: give every parameter as a plain number, or every one with a unit."),
    (lambda: Uniform("1 ms", "2 Hz"), DimensionError,
     "invalid Uniform distribution: high: expected a value in ms (time), the dimension of low, got 2 Hz "
     "(1/time). Hint: did you mean ms (you gave the inverse, Hz)?"),
    (lambda: Normal("6 nS", "1 nS", clip=("0 mV", None)), DimensionError,
     "invalid Normal distribution: clip[0]: expected a value in nS (conductance), the dimension of mean, "
     "got 0 mV (voltage). Hint: express it in nS or a compatible unit."),
    (lambda: LogNormal("1 nS", "1 nS"), DimensionError,
     "invalid LogNormal distribution: sigma: expected a plain number (the standard deviation of "
     "log(value/scale)), got 1 nS (conductance)"),
    (lambda: Normal("6 nS", "-1 nS"), ParameterError,
     "invalid Normal distribution: std: must be >= 0, got -1 nS"),
    (lambda: LogNormal("-1 nS", -1), ParameterError,
     "invalid LogNormal distribution: 2 problems\n  1. scale: must be > 0, got -1 nS\n"
     "  2. sigma: must be >= 0, got -1"),
    (lambda: Exponential("0 ms"), ParameterError,
     "invalid Exponential distribution: scale: must be > 0, got 0 ms"),
    (lambda: Uniform("1 ms", "1 ms"), ParameterError,
     "invalid Uniform distribution: low must be < high, got low = 1 ms and high = 1 ms"),
    (lambda: Normal("6 nS", "1 nS", clip=(None, None)), ParameterError,
     "invalid Normal distribution: clip: give at least one bound, got (None, None)"),
    (lambda: Normal("6 nS", "1 nS", clip=("0 nS", "1 nS"), redraw=("0 nS", "1 nS")), ParameterError,
     "invalid Normal distribution: give clip or redraw, not both"),
    (lambda: Normal("6 nS", "1 nS", clip=("3 nS", "1 nS")), ParameterError,
     "invalid Normal distribution: clip: the lower bound must be < the upper bound, got (3 nS, 1 nS)"),
    (lambda: Normal("6 nS", "1 nS", redraw=("0 nS",)), ParameterError,
     "invalid Normal distribution: redraw: expected a pair (lo, hi), got ('0 nS',)"),
    (lambda: Normal("6 nS", "1 nS", redraw=("100 nS", None)), ParameterError,
     "invalid Normal distribution: redraw: the interval [100, inf] nS holds none of the normal "
     "distribution's mass (mean 6 nS, std 1 nS); move the bounds or use clip"),
    (lambda: Normal("x nS", "1 nS"), ParameterError,
     "invalid Normal distribution: mean: cannot read 'x nS' as a quantity ('x' is not defined in the unit "
     "registry). Write it as a number and a unit, e.g. '1 mV'."),
    (lambda: Normal([1, 2], "1 nS"), ParameterError,
     "invalid Normal distribution: mean: expected one value, got an array of shape (2,)"),
    (lambda: Normal("6 nS", None), ParameterError,
     "invalid Normal distribution: std: expected a quantity such as '1 mV', got None"),
    (lambda: Normal("nan nS", "1 nS"), ParameterError,
     "invalid Normal distribution: mean: expected a finite value, got nan nS"),
    (lambda: Uniform("20 degC", "30 degC"), ParameterError,
     "invalid Uniform distribution: low: '20 degC' is in an offset unit (°C), which is ambiguous for a "
     "distribution's widths; give it in K"),
])
def test_construction_errors(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert type(info.value) is error
    assert str(info.value) == message


def test_sample_argument_errors():
    d = Normal("6 nS", "1 nS")
    with pytest.raises(ParameterError) as info:
        d.sample(rng(), -1, "nS")
    assert str(info.value) == "Normal('6 nS', '1 nS').sample: n must be a non-negative integer, got -1"
    with pytest.raises(ParameterError, match=r"got 2\.0$"):
        d.sample(rng(), 2.0, "nS")
    with pytest.raises(TypeError) as info:
        d.sample(np.random.RandomState(0), 2, "nS")
    assert str(info.value) == ("Normal('6 nS', '1 nS').sample: rng must be a numpy.random.Generator "
                               "(numpy.random.default_rng(seed)), got RandomState")
