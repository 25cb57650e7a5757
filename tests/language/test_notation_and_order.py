"""Common notations (t, dt, e, inf, ln, pow), named expressions in any order (issue 13, items 3, 10, 11)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurounits as nu

P = {"E_L": "-70 mV", "tau": "10 ms"}


def _model(eqs, **kw):
    return nu.Model.from_equations(eqs, parameters={**P, **kw.pop("parameters", {})}, name="M", **kw)


# --------------------------------------------------------------------------- dt and e (bugs)
@pytest.mark.no_jit
def test_dt_in_an_equation_is_the_time_step_not_decitonne():
    M = _model("dV/dt = (E_L - V)/tau + 0*mV/dt : mV")  # failed: 'mV/dt' was mV per decitonne
    assert M.equations


@pytest.mark.no_jit
def test_e_is_eulers_number_not_the_elementary_charge():
    M = _model("dV/dt = (E_L - V)/tau*e**0 : mV\n k = e*V : mV")  # failed: e was a charge
    expr = M._spec_for({}).expressions["k"][0]
    assert float(expr.subs({s: 1.0 for s in expr.free_symbols})) == pytest.approx(math.e)


@pytest.mark.no_jit
def test_a_model_may_define_its_own_e():
    M = _model("dV/dt = (E_L - V)/tau + e/tau : mV", parameters={"e": "1 mV"})
    rhs = M._spec_for({}).odes["V"]
    assert "p_e" in {s.name for s in rhs.free_symbols}


def test_dt_in_a_reset_and_an_equation_runs_with_every_method():
    for method in ("exact", "rk4", "exponential_euler", "rkf45"):
        M = _model("dV/dt = (E_L - V)/tau + 0.01*mV/dt : mV", initial={"V": "E_L"})
        res = nu.simulate(M(), duration="1 ms", dt="0.1 ms", method=method)
        # dV/dt = (E_L - V)/tau + 0.1 mV/ms: V - E_L = 1 mV (1 - exp(-t/tau)) at t = 1 ms
        assert res["V"][-1, 0].m_as("mV") == pytest.approx(-70 + (1 - math.exp(-0.1)), abs=1e-6), method
    M = _model(
        "dV/dt = (E_L - V)/tau : mV",
        threshold="V > -80*mV",
        reset="V = E_L + 0.5*mV*dt/ms",
        initial={"V": "E_L"},
    )
    res = nu.simulate(M(), duration="0.3 ms", dt="0.1 ms", method="euler")
    np.testing.assert_allclose(res["V"][1:, 0].m_as("mV"), -70 + 0.05)


@pytest.mark.no_jit
def test_notation_is_named_in_a_dimension_error():
    with pytest.raises(nu.DimensionError) as info:
        _model("dV/dt = (E_L - V)/tau + 1*mV/e : mV")
    msg = str(info.value)
    assert "got mV (voltage) from term  1*mV/e" in msg
    assert "Note: 'e' is read as Euler's number 2.71828..., not the unit elementary charge" in msg


@pytest.mark.no_jit
def test_a_short_name_read_as_a_unit_gets_a_note():
    with pytest.raises(nu.DimensionError) as info:
        _model("dV/dt = (E_L - V)/tau + mg/ms : mV")
    assert "Note: 'mg' is not a name of this model, so it is read as the unit milligram; declare 'mg'" in str(
        info.value
    )
    # a one-letter lower-case unit name is refused outright (tests/robustness/test_unit_names.py)
    with pytest.raises(nu.EquationError, match="unknown name 'g': it is not declared in this model, and pint "
                       "would read it as the unit gram"):
        _model("dV/dt = (E_L - V)/tau + g*mV/ms : mV")


@pytest.mark.no_jit
def test_time_in_an_initial_value_is_refused():
    with pytest.raises(
        nu.EquationError,
        match=r"model 'M', initial value of state 'V': 't' \(time\) cannot "
        r"be used here: an initial value may use parameters only",
    ):
        _model("dV/dt = (E_L - V)/tau : mV", initial={"V": "E_L + t*mV/ms"})


def test_ln_pow_and_inf():
    M = _model(
        "dV/dt = (E_L - V)/tau + pow(2, 3)*ln(e)*mV/ms - min(1, inf)*mV/ms : mV\n"
        "c = clip(V, -inf*mV, 0*mV) : mV",
        initial={"V": "E_L"},
    )
    res = nu.simulate(M(), duration="1 ms", dt="0.1 ms", method="exact", record=("V", "c"))
    expected = -70 + 70 * (1 - math.exp(-0.1))  # drive 7 mV/ms = 70 mV/tau
    assert res["V"][-1, 0].m_as("mV") == pytest.approx(expected, abs=1e-9)
    np.testing.assert_allclose(res["c"].m_as("mV"), res["V"].m_as("mV"))


@pytest.mark.no_jit
def test_pow_checks_units_as_a_power():
    with pytest.raises(nu.DimensionError, match=r"the exponent of  pow\(V, tau\)  must be dimensionless"):
        _model("dV/dt = (E_L - V)/tau : mV\n k = pow(V, tau) : 1")
    with pytest.raises(nu.EquationError, match=r"pow\(\) takes two arguments"):
        _model("dV/dt = (E_L - V)/tau*pow(2) : mV")


@pytest.mark.no_jit
def test_an_unwritten_infinity_is_still_refused():
    with pytest.raises(nu.EquationError, match="not a finite"):
        _model("dV/dt = (E_L - V)/tau + 1e400*mV/ms : mV")


# --------------------------------------------------------------------------- named expressions in any order
@pytest.mark.no_jit
def test_named_expression_used_before_its_definition():
    # failed: "b" was an unknown name (here read as the unit barn, an area)
    M = _model("dV/dt = (E_L - V + a)/tau : mV\n a = b*2 : mV\n b = V - E_L : mV")
    spec = M._spec_for({})
    assert list(spec.expressions) == ["b", "a"]
    assert str(spec.expressions["a"][0]) == "-2*p_E_L + 2*x_V"


def test_named_expressions_in_any_order_simulate_as_in_order():
    eqs_in_order = "dV/dt = (E_L - V + a)/tau : mV\n b = (V - E_L)/2 : mV\n a = -b : mV"
    eqs_reversed = "dV/dt = (E_L - V + a)/tau : mV\n a = -b : mV\n b = (V - E_L)/2 : mV"
    out = [
        nu.simulate(_model(e, initial={"V": "0 mV"})(), duration="2 ms", dt="0.1 ms")["V"].m_as("mV")
        for e in (eqs_in_order, eqs_reversed)
    ]
    np.testing.assert_array_equal(out[0], out[1])
    assert out[0][-1, 0] == pytest.approx(-70 + 70 * math.exp(-0.2 * 1.5), rel=1e-9)


@pytest.mark.no_jit
def test_a_cycle_of_named_expressions_is_refused_by_name():
    with pytest.raises(
        nu.EquationError,
        match=r"model 'M': the named expressions a -> b -> c -> a use each "
        "other in a cycle, so none of them has a value",
    ):
        _model("dV/dt = (E_L - V + a)/tau : mV\n a = b : mV\n b = c : mV\n c = a + V : mV")
    with pytest.raises(nu.EquationError, match=r"the named expression 'a' uses itself \('a = a \+ V : mV'\)"):
        _model("dV/dt = (E_L - V + a)/tau : mV\n a = a + V : mV")

