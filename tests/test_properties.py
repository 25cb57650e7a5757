"""Property tests (hypothesis): parameter validation and Quantities round-tripping a simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import neurounits as nu
from neurounits import Q_, ureg

SETTINGS = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
REL = 1e-12

# LIF parameters: declared unit, and compatible units with their factor to the declared unit
# (written out by hand, independent of pint).
LIF_UNITS = {
    "tau_m": ("ms", {"ms": 1.0, "s": 1e3, "us": 1e-3, "ns": 1e-6}),
    "V_rest": ("mV", {"mV": 1.0, "V": 1e3, "uV": 1e-3, "kV": 1e6}),
    "V_reset": ("mV", {"mV": 1.0, "V": 1e3, "uV": 1e-3}),
    "V_th": ("mV", {"mV": 1.0, "V": 1e3, "uV": 1e-3}),
    "R": ("MOhm", {"MOhm": 1.0, "GOhm": 1e3, "kOhm": 1e-3, "ohm": 1e-6}),
    "t_ref": ("ms", {"ms": 1.0, "s": 1e3, "us": 1e-3}),
}
# units of a dimension that no LIF parameter of the given unit accepts
OTHER_UNITS = ["ms", "s", "mV", "V", "pA", "nA", "nS", "pF", "MOhm", "Hz", "mV/ms", "dimensionless", "m"]


def _dimension(unit: str):
    return ureg.Unit(unit).dimensionality


def finite(min_abs: float = 1e-100, max_abs: float = 1e9, sign: int = 0):
    """Finite floats away from subnormals (so unit conversions keep full precision)."""
    lo = 0.0 if sign > 0 else -max_abs
    hi = 0.0 if sign < 0 else max_abs
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False).filter(
        lambda v: v == 0 or abs(v) >= min_abs
    )


def positive():
    return finite().filter(lambda v: v > 0)


def nonnegative():
    return finite(sign=1)


VALUE_STRATEGY = {
    "tau_m": positive,
    "V_rest": finite,
    "V_reset": finite,
    "V_th": finite,
    "R": positive,
    "t_ref": nonnegative,
}


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=0.0)


# --------------------------------------------------------------------------- parameter validation
@st.composite
def lif_values(draw, compatible: bool):
    """Random valid values for every LIF parameter, each in its declared or a compatible unit.

    Returns {name: (value given to LIF, expected magnitude in the declared unit, unit)}.
    """
    out = {}
    for name, (declared, units) in LIF_UNITS.items():
        unit = draw(st.sampled_from(sorted(units))) if compatible else declared
        mag = draw(VALUE_STRATEGY[name]())
        out[name] = (Q_(mag, unit), mag * units[unit], unit)
    assume(out["V_reset"][1] < out["V_th"][1])  # the LIF constraint V_reset < V_th
    return out


def check_parameters(model, values):
    for name, (value, expected, _) in values.items():
        declared = LIF_UNITS[name][0]
        got = model.parameters[name]
        assert got.units == ureg.Unit(declared), (name, got.units)
        mag = float(got.to(declared).magnitude)
        assert close(mag, expected), (name, value, got, expected)
        assert close(float(getattr(model, name).to(declared).magnitude), expected)


@SETTINGS
@given(values=lif_values(compatible=False))
def test_lif_accepts_values_in_declared_unit(values):
    lif = nu.models.LIF(n=1, **{k: v for k, (v, _, _) in values.items()})
    check_parameters(lif, values)
    # the value comes back unchanged (no conversion happened)
    for name, (value, _, _) in values.items():
        assert lif.parameters[name].magnitude == value.magnitude


@SETTINGS
@given(values=lif_values(compatible=True))
def test_lif_converts_compatible_units(values):
    lif = nu.models.LIF(n=1, **{k: v for k, (v, _, _) in values.items()})
    check_parameters(lif, values)


@SETTINGS
@given(values=lif_values(compatible=True), as_string=st.booleans())
def test_lif_accepts_strings(values, as_string):
    """The same values written as strings ('1.5 s') are read the same way."""
    given_ = {k: (f"{v.magnitude!r} {u}" if as_string else v) for k, (v, _, u) in values.items()}
    lif = nu.models.LIF(n=1, **given_)
    check_parameters(lif, values)


@SETTINGS
@given(
    n=st.integers(1, 6),
    data=st.data(),
)
def test_lif_per_neuron_arrays(n, data):
    tau = data.draw(st.lists(positive(), min_size=n, max_size=n))
    unit = data.draw(st.sampled_from(sorted(LIF_UNITS["tau_m"][1])))
    lif = nu.models.LIF(n=n, tau_m=Q_(np.array(tau), unit))
    got = lif.parameters["tau_m"]
    assert got.units == ureg.ms
    assert np.shape(got.magnitude) == (n,)
    factor = LIF_UNITS["tau_m"][1][unit]
    for g, v in zip(got.to("ms").magnitude, tau):
        assert close(float(g), v * factor)


@SETTINGS
@given(
    name=st.sampled_from(sorted(LIF_UNITS)),
    unit=st.sampled_from(OTHER_UNITS),
    mag=finite(),
    as_string=st.booleans(),
)
def test_lif_wrong_dimension_raises(name, unit, mag, as_string):
    declared = LIF_UNITS[name][0]
    assume(_dimension(unit) != _dimension(declared))
    value = Q_(mag, unit)
    if as_string:
        value = f"{mag!r} {unit}"
    with pytest.raises(nu.DimensionError) as info:
        nu.models.LIF(n=1, **{name: value})
    assert name in str(info.value)
    assert isinstance(info.value, nu.NeurounitsError)


@SETTINGS
@given(name=st.sampled_from(sorted(LIF_UNITS)), mag=finite().filter(lambda v: v != 0))
def test_lif_plain_number_raises_dimension_error(name, mag):
    with pytest.raises(nu.DimensionError):
        nu.models.LIF(n=1, **{name: mag})


@SETTINGS
@given(
    name=st.sampled_from(sorted(LIF_UNITS)),
    bad=st.sampled_from([math.nan, math.inf, -math.inf]),
    compatible=st.data(),
)
def test_lif_nan_inf_raises_parameter_error(name, bad, compatible):
    unit = compatible.draw(st.sampled_from(sorted(LIF_UNITS[name][1])))
    with pytest.raises(nu.ParameterError) as info:
        nu.models.LIF(n=1, **{name: Q_(bad, unit)})
    assert not isinstance(info.value, nu.DimensionError)
    assert name in str(info.value)
    assert isinstance(info.value, ValueError)


@SETTINGS
@given(n=st.integers(2, 5), data=st.data())
def test_lif_nan_in_per_neuron_array_raises(n, data):
    vals = data.draw(st.lists(positive(), min_size=n, max_size=n))
    i = data.draw(st.integers(0, n - 1))
    vals[i] = data.draw(st.sampled_from([math.nan, math.inf]))
    with pytest.raises(nu.ParameterError) as info:
        nu.models.LIF(n=n, tau_m=Q_(np.array(vals), "ms"))
    assert "tau_m" in str(info.value)


@SETTINGS
@given(mag=finite(sign=-1), unit=st.sampled_from(["ms", "s", "us"]))
def test_lif_nonpositive_tau_raises(mag, unit):
    with pytest.raises(nu.ParameterError) as info:
        nu.models.LIF(n=1, tau_m=Q_(mag, unit))
    assert "tau_m" in str(info.value)


@SETTINGS
@given(mag=finite(sign=1).filter(lambda v: v > 0), unit=st.sampled_from(["ms", "s"]))
def test_lif_negative_t_ref_raises_and_positive_r_required(mag, unit):
    with pytest.raises(nu.ParameterError):
        nu.models.LIF(n=1, t_ref=Q_(-mag, unit))
    with pytest.raises(nu.ParameterError):
        nu.models.LIF(n=1, R=Q_(-mag, "MOhm"))
    with pytest.raises(nu.ParameterError):
        nu.models.LIF(n=1, R=Q_(0.0, "MOhm"))


@SETTINGS
@given(v_th=finite(), gap=finite(sign=1))
def test_lif_constraint_v_reset_below_v_th(v_th, gap):
    """V_reset >= V_th violates the declared constraint: ParameterError."""
    v_reset = v_th + gap
    assume(math.isfinite(v_reset) and v_reset >= v_th)
    with pytest.raises(nu.ParameterError) as info:
        nu.models.LIF(n=1, V_th=Q_(v_th, "mV"), V_reset=Q_(v_reset, "mV"))
    assert "V_reset" in str(info.value)


def test_zero_tau_m_raises():
    for zero in (0.0, -0.0):
        with pytest.raises(nu.ParameterError):
            nu.models.LIF(n=1, tau_m=Q_(zero, "ms"))


# --------------------------------------------------------------------------- simulation round trip
Frozen = nu.Model.from_equations("dV/dt = 0*mV/ms : mV", initial={"V": "0 mV"}, name="FrozenV")
Relax = nu.Model.from_equations(
    "dV/dt = (E - V)/tau : mV", parameters={"E": "0 mV", "tau": "10 ms"}, name="RelaxToE"
)
V_UNITS = {"mV": 1.0, "V": 1e3, "uV": 1e-3}


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 4),
    unit=st.sampled_from(sorted(V_UNITS)),
    method=st.sampled_from(["exact", "exponential_euler", "euler", "rk4"]),
)
def test_frozen_state_round_trips_through_simulation(data, n, unit, method):
    mags = data.draw(st.lists(finite(), min_size=n, max_size=n))
    res = nu.simulate(Frozen(n=n), "1 ms", "0.25 ms", method=method, initial={"V": Q_(np.array(mags), unit)})
    v = res["V"]
    assert v.units == ureg.mV
    assert v.shape == (5, n)
    expected = np.array(mags) * V_UNITS[unit]
    for k in range(v.shape[0]):
        for j in range(n):
            assert close(float(v.magnitude[k, j]), float(expected[j])), (k, j, v.magnitude[k, j], expected[j])


@SETTINGS
@given(mag=finite(max_abs=1e6), unit=st.sampled_from(sorted(V_UNITS)), scalar=st.booleans())
def test_state_at_fixed_point_round_trips(mag, unit, scalar):
    """dV/dt = (E - V)/tau started at V = E (given in any voltage unit) stays at E, in mV."""
    q = Q_(mag, unit)
    res = nu.simulate(Relax(n=2, E=q), "2 ms", "0.5 ms", initial={"V": q if scalar else Q_([mag, mag], unit)})
    assert res.method == "exact"
    v = res["V"]
    assert v.units == ureg.mV
    expected = mag * V_UNITS[unit]
    assert np.all(np.isfinite(v.magnitude))
    np.testing.assert_allclose(v.magnitude, expected, rtol=REL, atol=0)
    assert close(float(res["V"][-1, 0].to(unit).magnitude), mag)


@SETTINGS
@given(mag=finite(), unit=st.sampled_from(["ms", "pA", "nS", "Hz", "dimensionless"]))
def test_initial_value_with_wrong_dimension_raises(mag, unit):
    with pytest.raises(nu.DimensionError) as info:
        nu.simulate(Frozen(n=1), "1 ms", "0.25 ms", initial={"V": Q_(mag, unit)})
    assert "V" in str(info.value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_initial_value_nan_inf_raises(bad):
    with pytest.raises(nu.ParameterError):
        nu.simulate(Frozen(n=1), "1 ms", "0.25 ms", initial={"V": Q_(bad, "V")})
