"""Dimension and value errors: exact types and message text, raised before anything compiles."""

from __future__ import annotations

import pickle

import numpy as np
import pint
import pytest

import neurounits as nu
from neurounits import Q_

pytestmark = pytest.mark.no_jit


# --------------------------------------------------------------------------- parameter values
def test_wrong_unit_parameter_names_model_parameter_units_and_hint():
    with pytest.raises(nu.DimensionError) as info:
        nu.models.LIF(tau_m="10 mV")
    msg = str(info.value)
    assert "model 'LIF', parameter 'tau_m': expected a value in ms (time), got 10 mV (voltage)" in msg
    assert "Hint: did you mean ms?" in msg


def test_plain_number_for_dimensional_parameter_is_refused():
    with pytest.raises(nu.DimensionError, match=r"parameter 'tau_m': expected a value in ms \(time\), "
                       r"got the plain number 10\. Hint: give the value with a unit, e\.g\. '1 ms'"):
        nu.models.LIF(tau_m=10)


def test_inverse_unit_hint():
    with pytest.raises(nu.DimensionError, match=r"did you mean ms \(you gave the inverse, 1/ms\)\?"):
        nu.models.LIF(tau_m="10 1/ms")


def test_readable_units_not_si_base_units():
    with pytest.raises(nu.DimensionError) as info:
        nu.models.LIF(R="5 mV")
    msg = str(info.value)
    assert "expected a value in MOhm (resistance), got 5 mV (voltage)" in msg
    assert "kilogram" not in msg and "[mass]" not in msg


@pytest.mark.parametrize("text", ["100 MOhm", "100 Mohm", "0.1 GOhm", "1e8 ohm"])
def test_resistance_spellings(text):
    assert nu.models.LIF(R=text).parameters["R"].to("Mohm").magnitude == pytest.approx(100.0)


def test_parameter_accepts_quantities_strings_and_arrays():
    lif = nu.models.LIF(n=3, tau_m=Q_([10, 20, 30], "ms"), V_th="-0.05 V", R=Q_(100, "Mohm"))
    assert lif.n == 3
    np.testing.assert_allclose(lif.parameters["tau_m"].to("ms").magnitude, [10, 20, 30])
    assert lif.parameters["V_th"].units == nu.ureg.mV
    assert lif.parameters["V_th"].magnitude == pytest.approx(-50.0)
    assert lif.tau_m is not None and lif.states == {"V": nu.ureg.mV}
    assert list(lif.inputs) == ["I"]


@pytest.mark.parametrize("value, text", [
    (Q_(np.nan, "ms"), "parameter 'tau_m': the value is NaN; give a finite value"),
    (Q_(np.inf, "ms"), "parameter 'tau_m': the value is infinite; give a finite value"),
    ("0 ms", "parameter 'tau_m': must be > 0, got 0 ms"),
    ("-3 ms", "parameter 'tau_m': must be > 0, got -3 ms"),
])
def test_bad_values_raise_parameter_error(value, text):
    with pytest.raises(nu.ParameterError) as info:
        nu.models.LIF(tau_m=value)
    assert text in str(info.value)
    assert not isinstance(info.value, nu.DimensionError)


def test_per_neuron_nan_names_the_neuron():
    with pytest.raises(nu.ParameterError, match=r"'V_th': the value is NaN at neuron 2"):
        nu.models.LIF(n=4, V_th=Q_([-50, -50, np.nan, -50], "mV"))


def test_broken_constraint():
    with pytest.raises(nu.ParameterError, match=r"constraint 'V_reset < V_th' is violated: "
                       r"V_reset = -40 mV, V_th = -50 mV"):
        nu.models.LIF(V_reset="-40 mV")
    with pytest.raises(nu.ParameterError, match=r"violated \(neuron 1\)"):
        nu.models.LIF(n=2, V_reset=Q_([-60, -50], "mV"))


def test_all_problems_of_one_construction_reported_together():
    with pytest.raises(nu.DimensionError) as info:
        nu.models.LIF(tau_m="10 mV", R=5, V_th=Q_(np.nan, "mV"), t_ref="-1 ms", tau_mm=1)
    err = info.value
    assert len(err.problems) == 5
    msg = str(err)
    assert msg.startswith("invalid values for model 'LIF': 5 problems")
    for part in ("'tau_m'", "'R'", "'V_th': the value is NaN", "'t_ref': must be >= 0",
                 "has no parameter 'tau_mm'. Did you mean 'tau_m'?"):
        assert part in msg


def test_wrong_array_length():
    with pytest.raises(nu.ParameterError, match=r"expected a scalar or one value per neuron "
                       r"\(shape \(3,\)\), got an array of shape \(2,\)"):
        nu.models.LIF(n=3, tau_m=Q_([10, 20], "ms"))


def test_unreadable_string():
    with pytest.raises(nu.ParameterError, match="cannot read 'ten ms' as a quantity"):
        nu.models.LIF(tau_m="ten ms")


def test_bad_n():
    with pytest.raises(nu.ParameterError, match="n \\(the number of neurons\\) must be a positive integer"):
        nu.models.LIF(n=0)


def test_error_classes_and_pickling():
    with pytest.raises(pint.DimensionalityError):
        nu.models.LIF(tau_m="1 mV")
    with pytest.raises(TypeError):
        nu.models.LIF(tau_m="1 mV")
    with pytest.raises(ValueError):
        nu.models.LIF(tau_m="-1 ms")
    for cls in (nu.DimensionError, nu.ParameterError, nu.EquationError, nu.SimulationError):
        err = cls("model 'X': something", problems=("a", "b"))
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is cls and str(back) == str(err) and back.problems == ("a", "b")
        assert isinstance(back, nu.NeurounitsError)
    assert issubclass(nu.SimulationError, RuntimeError)
    assert issubclass(nu.EquationError, ValueError)


# --------------------------------------------------------------------------- equations
def _adex(**overrides):
    body = dict(
        C=nu.Parameter("281 pF"), g_L=nu.Parameter("30 nS"), E_L=nu.Parameter("-70.6 mV"),
        V_T=nu.Parameter("-50.4 mV"), Delta_T=nu.Parameter("2 mV"), a=nu.Parameter("4 nS"),
        tau_w=nu.Parameter("144 ms"), b=nu.Parameter("0.0805 nA"), V_reset=nu.Parameter("-70.6 mV"),
        V_peak=nu.Parameter("20 mV"), t_ref=nu.Parameter("0 ms"),
        V=nu.State("mV", initial="E_L"), w=nu.State("pA"), I=nu.Input("pA"),
        equations="""
            dV/dt = (-g_L*(V - E_L) + g_L*Delta_T*exp((V - V_T)/Delta_T) - w + I) / C
            dw/dt = (a*(V - E_L) - w) / tau_w
        """,
        threshold="V > V_peak", reset="V = V_reset; w += b", refractory="t_ref",
        constraints=("V_reset < V_peak",),
    )
    body.update(overrides)
    return type("AdEx", (nu.Model,), body)


def test_consistent_adex_declares():
    AdEx = _adex()
    m = AdEx(n=2)
    assert m.states == {"V": nu.ureg.mV, "w": nu.ureg.pA}


def test_inconsistent_term_names_model_equation_term_and_units():
    with pytest.raises(nu.DimensionError) as info:
        _adex(a=nu.Parameter(4.0))  # the unit forgotten
    msg = str(info.value)
    assert "model 'AdEx', equation for 'w': expected the right-hand side in pA/ms (current/time)" in msg
    assert "got mV/ms (voltage/time) from term  a*(V - E_L)" in msg
    assert "Hint: the term uses a [1], V [mV], E_L [mV]; check their units." in msg
    assert len(info.value.problems) == 1


def test_single_symbol_hint():
    with pytest.raises(nu.DimensionError, match=r"Hint: 'b' is declared in mV; check its unit in the "
                       r"parameter table"):
        _adex(b=nu.Parameter("1 mV"))


def test_dimensional_exp_argument():
    with pytest.raises(nu.DimensionError) as info:
        _adex(equations="""
            dV/dt = (-g_L*(V - E_L) + g_L*Delta_T*exp(V - V_T) - w + I) / C
            dw/dt = (a*(V - E_L) - w) / tau_w
        """)
    msg = str(info.value)
    assert ("equation for 'V': the argument of exp() must be dimensionless, got mV (voltage) "
            "from  V - V_T") in msg
    assert "Divide it by a reference value" in msg


def test_threshold_comparing_mV_with_ms():
    with pytest.raises(nu.DimensionError, match=r"model 'AdEx', threshold: cannot compare V \(mV, voltage\) "
                       r"with tau_w \(ms, time\)"):
        _adex(threshold="V > tau_w")


def test_reset_assigning_ms_to_V():
    with pytest.raises(nu.DimensionError, match=r"model 'AdEx', reset of 'V': expected the value assigned "
                       r"to 'V' in mV \(voltage\), got ms \(time\) from  tau_w"):
        _adex(reset="V = tau_w; w += b")


def test_all_equation_problems_together():
    with pytest.raises(nu.DimensionError) as info:
        _adex(threshold="V > tau_w", reset="V = tau_w", a=nu.Parameter(4.0))
    assert len(info.value.problems) == 3


def test_unit_literals_in_equations():
    Izh = nu.Model.from_equations(
        """dV/dt = 0.04/mV/ms*V**2 + 5/ms*V + 140*mV/ms - u + I : mV
           du/dt = a*(b*V - u) : mV/ms""",
        parameters={"a": "0.02 1/ms", "b": "0.2 1/ms"}, inputs={"I": "mV/ms"},
        initial={"V": "-65 mV", "u": "-13 mV/ms"}, threshold="V >= 30 mV", reset="V = -65 mV; u += 8*mV/ms",
        name="Izh")
    assert Izh(n=1).spec.odes["V"].free_symbols
    with pytest.raises(nu.DimensionError, match=r"got mV \(voltage\) from term  5\*V"):
        nu.Model.from_equations("dV/dt = 0.04/mV/ms*V**2 + 5*V + 140*mV/ms : mV")


def test_named_subexpressions():
    Syn = nu.Model.from_equations(
        """dV/dt = (I_syn - g_L*(V - E_L))/C : mV
           I_syn = g*(E - V) : pA""",
        parameters={"g": "1 nS", "E": "0 mV", "g_L": "10 nS", "E_L": "-70 mV", "C": "200 pF"},
        initial={"V": "E_L"}, name="Syn")
    assert "I_syn" in Syn(n=1).spec.recordable()
    with pytest.raises(nu.DimensionError,
                       match=r"named expression 'I_syn': expected the expression in nA/ms"):
        nu.Model.from_equations("dV/dt = I_syn/C : mV\nI_syn = g*(E - V) : nA/ms",
                                parameters={"g": "1 nS", "E": "0 mV", "C": "200 pF"})


def test_model_names_shadow_units():
    # m, h and n are Hodgkin-Huxley gates here, not metre, hour and nano
    Gates = nu.Model.from_equations(
        """dm/dt = (1 - m)/tau - m*h/tau : 1
           dh/dt = -h/tau : 1
           dn/dt = (m - n)/tau : 1""", parameters={"tau": "1 ms"}, name="Gates")
    spec = Gates(n=4).spec
    assert set(spec.odes) == {"m", "h", "n"}
    assert Gates(n=4).n == 4


def test_unknown_name_with_suggestion():
    with pytest.raises(nu.EquationError, match=r"unknown name 'tua'.*Did you mean 'tau'\?"):
        nu.Model.from_equations("dV/dt = -V/tua : mV", parameters={"tau": "10 ms"})


def test_syntax_error_points_at_column():
    with pytest.raises(nu.EquationError) as info:
        nu.Model.from_equations("dV/dt = (E_L - V)/tau + ) : mV", parameters={"E_L": "0 mV", "tau": "1 ms"})
    assert "cannot parse the expression" in str(info.value)
    assert "\n                    ^" in str(info.value)


def test_unknown_function():
    with pytest.raises(nu.EquationError, match=r"unknown function 'expp'.*Did you mean 'exp'\?"):
        nu.Model.from_equations("dV/dt = expp(V/mV)*mV/ms : mV")


def test_pow_of_dimensional_quantity_needs_constant_exponent():
    with pytest.raises(nu.DimensionError, match="raised to a power that is not a constant number"):
        nu.Model.from_equations("dV/dt = V**k/ms/mV : mV", parameters={"k": 2.0})


def test_reset_of_a_parameter_is_refused():
    with pytest.raises(nu.EquationError, match=r"assigns to 'tau' \(parameter\); only states can be reset"):
        nu.Model.from_equations("dV/dt = -V/tau : mV", parameters={"tau": "1 ms"}, threshold="V > 1 mV",
                                reset="tau = 2 ms")


def test_undeclared_state_without_unit():
    with pytest.raises(nu.EquationError, match="write the unit of 'V' after its equation"):
        nu.Model.from_equations("dV/dt = -V/tau", parameters={"tau": "1 ms"})


def test_threshold_must_be_a_condition():
    with pytest.raises(nu.EquationError, match="threshold: 'V - 1\\*mV' is not a condition"):
        nu.Model.from_equations("dV/dt = -V/tau : mV", parameters={"tau": "1 ms"}, threshold="V - 1*mV")


def test_simulate_errors_collected_before_compiling():
    with pytest.raises(nu.DimensionError) as info:
        nu.simulate(nu.models.LIF(), "10 ms", "0.3 ms", inputs={"I": "2 mV", "J": 1}, record=("U",))
    msg = str(info.value)
    assert msg.startswith("cannot simulate model 'LIF': 4 problems")
    assert "is not a whole number of steps" in msg
    assert "nothing called 'U' to record" in msg
    assert "has no input 'J'" in msg
    assert "input 'I': expected a value in pA (current), got 2 mV (voltage)" in msg


def test_simulate_needs_an_instance():
    with pytest.raises(nu.ParameterError, match=r"construct it first, e\.g\. LIF\(n=10\)"):
        nu.simulate(nu.models.LIF, "10 ms")


def test_bad_initial_override():
    with pytest.raises(nu.DimensionError, match=r"initial value of 'V': expected a value in mV"):
        nu.simulate(nu.models.LIF(), "1 ms", initial={"V": "3 ms"})
    with pytest.raises(nu.ParameterError, match=r"has no state 'Vm' .*Did you mean 'V'\?"):
        nu.simulate(nu.models.LIF(), "1 ms", initial={"Vm": "3 mV"})
