"""Units that would lie: offset temperatures, unit exponents in messages."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_
from neurounits.units import fmt_unit, is_offset_unit, to_internal, ureg

pytestmark = pytest.mark.no_jit

HEAT = "dT/dt = (T0 - T)/tau : K"


def _heat(**params):
    return nu.Model.from_equations(
        HEAT, parameters={"T0": "300 K", "tau": "10 ms", **params}, initial={"T": "T0"}, name="Heat"
    )


def test_offset_units_are_detected():
    assert is_offset_unit(ureg.Unit("degC")) and is_offset_unit(ureg.Unit("degF"))
    assert not is_offset_unit(ureg.Unit("K")) and not is_offset_unit(ureg.Unit("delta_degC"))
    assert not is_offset_unit(ureg.Unit("mV"))


def test_to_internal_converts_celsius_as_pint_does():
    assert to_internal(Q_(20, "degC")) == pytest.approx(293.15)
    assert np.allclose(to_internal(Q_([0.0, 20.0], "degC")), [273.15, 293.15])


def test_parameter_declared_in_celsius_is_kept_in_kelvin():
    M = _heat(T0=nu.Parameter("20 degC"))
    m = M()
    assert str(m.parameters["T0"].units) == "kelvin"
    assert m.parameters["T0"].magnitude == pytest.approx(293.15)
    assert m.internal_parameters()["T0"][0] == pytest.approx(293.15)
    assert m.initial_values()["T"][0] == pytest.approx(293.15)


def test_celsius_value_given_to_a_kelvin_parameter_converts():
    m = _heat()(T0=Q_(20, "degC"))
    assert m.internal_parameters()["T0"][0] == pytest.approx(293.15)
    m = _heat()(T0="20 degC")
    assert m.internal_parameters()["T0"][0] == pytest.approx(293.15)
    m = _heat()(n=2, T0=Q_([20.0, 30.0], "degC"))
    assert np.allclose(m.internal_parameters()["T0"], [293.15, 303.15])


def test_celsius_initial_value_converts():
    M = nu.Model.from_equations(
        HEAT, parameters={"T0": "300 K", "tau": "10 ms"}, initial={"T": "20 degC"}, name="Heat"
    )
    assert M().initial_values()["T"][0] == pytest.approx(293.15)
    M = nu.Model.from_equations(
        HEAT, parameters={"T0": "300 K", "tau": "10 ms"}, initial={"T": Q_(20, "degC")}, name="Heat"
    )
    assert M().initial_values()["T"][0] == pytest.approx(293.15)
    m = _heat()()
    assert m.initial_values({"T": Q_(20, "degC")})["T"][0] == pytest.approx(293.15)


def test_celsius_literal_in_an_equation_is_refused():
    with pytest.raises(nu.EquationError) as info:
        nu.Model.from_equations("dT/dt = (5*degC - T)/tau : K", parameters={"tau": "10 ms"}, name="Heat")
    msg = str(info.value)
    assert "model 'Heat', equation for 'T'" in msg
    assert "offset unit 'degC'" in msg and "kelvin" in msg


def test_celsius_state_is_refused():
    with pytest.raises(nu.EquationError) as info:
        nu.Model.from_equations(
            "dT/dt = (T0 - T)/tau : degC", parameters={"T0": "300 K", "tau": "10 ms"}, name="Heat"
        )
    msg = str(info.value)
    assert "model 'Heat': state 'T'" in msg and "offset unit" in msg and "K (kelvin)" in msg


@pytest.mark.parametrize("kind", ["input", "expression", "receptor"])
def test_celsius_as_a_unit_of_other_declarations_is_refused(kind):
    attrs = {"equations": HEAT, "T0": nu.Parameter("300 K"), "tau": nu.Parameter("10 ms")}
    if kind == "input":
        attrs["Tin"] = nu.Input("degC")
    elif kind == "expression":
        attrs["equations"] = HEAT + "\n  Tc = T : degC"
    else:
        attrs["heat"] = nu.Receptor("degC", "T += w")
    with pytest.raises(nu.EquationError, match=r"offset unit .*kelvin"):
        type("Heat", (nu.Model,), attrs)


def test_celsius_sweep_grid_converts():
    from neurounits.sweeps.sets import check_columns

    M = _heat()
    cols = check_columns("Heat", M._decl, {"T0": Q_([20.0, 30.0], "degC")}, "grid")
    mags, unit = cols["T0"]
    assert np.allclose(Q_(mags, unit).to("K").magnitude, [293.15, 303.15])


@pytest.mark.parametrize(
    ("unit", "text"),
    [
        ("mV**2/ms", "mV**2/ms"),
        ("uF/cm**2", "µF/cm**2"),
        ("nS*mV", "mV nS"),
        ("1/ms", "1/ms"),
        ("mV", "mV"),
        ("ms**0.5", "ms**0.5"),
    ],
)
def test_fmt_unit_keeps_exponents(unit, text):
    assert fmt_unit(ureg.Unit(unit)) == text


def test_messages_show_exponents():
    with pytest.raises(nu.DimensionError) as info:
        nu.Model.from_equations("dV/dt = V*V/tau : mV", parameters={"tau": "10 ms"}, name="M")
    assert "mV**2/ms" in str(info.value)
    assert "mV  2" not in str(info.value)
    assert "u_F" not in repr(nu.Parameter("1 uF/cm**2")) and "cm**2" in repr(nu.Parameter("1 uF/cm**2"))


def test_celsius_inputs_convert():
    from neurounits.simulation.plan import make_plan

    M = nu.Model.from_equations(
        "dT/dt = (Tin - T)/tau : K", parameters={"tau": "10 ms"}, inputs={"Tin": "K"}, name="Heat"
    )
    plan = make_plan(M(n=2), "0.1 ms", duration="1 ms", inputs={"Tin": Q_(20, "degC")})[0]
    assert np.allclose(plan.inputs["Tin"].values, 293.15)
    ta = nu.TimedArray(Q_([20.0, 30.0], "degC"), "0.5 ms")
    plan = make_plan(M(n=2), "0.1 ms", duration="1 ms", inputs={"Tin": ta})[0]
    assert np.allclose(plan.inputs["Tin"].values.ravel(), [293.15, 303.15])


def test_offset_units_have_no_factor_and_convert_back():
    from neurounits.units import factor_to_internal, from_internal

    with pytest.raises(ValueError, match="offset unit"):
        factor_to_internal(ureg.Unit("degC"))
    assert from_internal(293.15, ureg.Unit("degC")).magnitude == pytest.approx(20.0)
