"""Contradictory or meaningless declarations are refused when they are made, with the place named."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

pytestmark = pytest.mark.no_jit

LEAK = "dV/dt = (E_L - V)/tau : mV"
PARAMS = {"E_L": "-70 mV", "tau": "10 ms"}


def test_initial_value_referring_to_itself_is_refused():
    with pytest.raises(nu.EquationError) as info:
        nu.Model.from_equations(LEAK, parameters=PARAMS, initial={"V": "V"}, name="M")
    msg = str(info.value)
    assert "model 'M', initial value of state 'V'" in msg and "refers to itself" in msg
    assert "initial={'V': 'E_L'}" in msg or "parameters" in msg


def test_initial_values_referring_to_each_other_are_refused():
    with pytest.raises(nu.EquationError) as info:
        nu.Model.from_equations(
            LEAK + "\n dw/dt = -w/tau : mV", parameters=PARAMS, initial={"V": "w + E_L", "w": "V"}, name="M"
        )
    msg = str(info.value)
    assert "initial value of state 'V': refers to the state 'w'" in msg
    assert "cycle" in msg and len(info.value.problems) == 2


def test_duplicated_named_expression_is_refused():
    with pytest.raises(nu.EquationError, match="model 'M': the named expression 'a' is defined twice"):
        nu.Model.from_equations(LEAK + "\n a = V : mV\n a = 2*V : mV", parameters=PARAMS, name="M")


@pytest.mark.parametrize("ref", ["-2 ms", Q_(-2, "ms"), "-2*ms"])
def test_negative_refractory_period_is_refused(ref):
    with pytest.raises(nu.EquationError, match=r"model 'M', refractory period: must be >= 0, got -2 ms"):
        nu.Model.from_equations(
            LEAK, parameters=PARAMS, threshold="V > -50*mV", reset="V = E_L", refractory=ref, name="M"
        )


def test_negative_refractory_parameter_is_refused_at_construction():
    M = nu.Model.from_equations(
        LEAK,
        parameters={**PARAMS, "t_ref": "2 ms"},
        threshold="V > -50*mV",
        reset="V = E_L",
        refractory="t_ref",
        name="M",
    )
    with pytest.raises(nu.ParameterError, match=r"model 'M': the refractory period \(t_ref\) must be >= 0"):
        M(t_ref="-1 ms")
    with pytest.raises(nu.ParameterError, match=r"at neuron 1"):
        M(n=2, t_ref=Q_([1.0, -1.0], "ms"))


def test_parameter_with_a_state_name_is_refused():
    with pytest.raises(
        nu.EquationError,
        match=r"model 'M': 'V' is declared both as a parameter and as a "
        r"state \(it has a differential equation\)",
    ):
        nu.Model.from_equations(LEAK, parameters={**PARAMS, "V": "1 mV"}, name="M")
    with pytest.raises(
        nu.EquationError, match="model 'M': 'I' is declared both as a parameter and as an input"
    ):
        nu.Model.from_equations(LEAK, parameters={**PARAMS, "I": "1 pA"}, inputs={"I": "pA"}, name="M")


def test_initial_values_for_a_parameter_are_refused():
    with pytest.raises(nu.EquationError, match="initial values given for"):
        nu.Model.from_equations(LEAK, parameters=PARAMS, initial={"tau": "1 ms"}, name="M")


def test_complex_parameter_values_are_refused():
    lif = nu.models.LIF
    with pytest.raises(
        nu.ParameterError,
        match=r"model 'LIF', parameter 'tau_m': complex values are not "
        r"accepted, got \(10\+1j\)",
    ):
        lif(tau_m=Q_(10 + 1j, "ms"))
    with pytest.raises(nu.ParameterError, match="complex values"):
        lif(n=2, tau_m=Q_(np.array([10, 12 + 0j]), "ms"))
    with pytest.raises(nu.ParameterError, match="complex values"):
        lif(n=2, V_rest=np.array([1, 2j]))


def test_assigning_a_parameter_on_a_model_is_refused():
    lif = nu.models.LIF(tau_m="10 ms")
    with pytest.raises(nu.ParameterError) as info:
        lif.tau_m = "20 ms"
    msg = str(info.value)
    assert "model 'LIF': parameters are fixed when the model is constructed" in msg
    assert "LIF(n=1, tau_m=...)" in msg and "Simulation.set_parameter('tau_m', ...)" in msg
    assert lif.tau_m == Q_(10, "ms")
    for name in ("n", "V", "I", "spec"):
        with pytest.raises(nu.ParameterError):
            setattr(lif, name, 3)
    lif.note = "fine"  # other attributes may still be attached
    assert lif.note == "fine"


def test_unit_typo_after_colon_names_model_and_line():
    with pytest.raises(nu.EquationError) as info:
        nu.Model.from_equations("dV/dt = -V/tau : mVV", parameters={"tau": "10 ms"}, name="M")
    msg = str(info.value)
    assert "model 'M', equation for 'V': cannot read the unit 'mVV'" in msg
    assert "dV/dt = -V/tau : mVV" in msg
    with pytest.raises(nu.EquationError, match="named expression 'a': cannot read the unit 'pAA'"):
        nu.Model.from_equations(
            "dV/dt = -V/tau : mV\n a = V/tau : pAA", parameters={"tau": "10 ms"}, name="M"
        )


def test_unit_typo_in_declarations_is_an_equation_error():
    with pytest.raises(nu.EquationError, match=r"cannot read the unit 'mVV' of State"):
        nu.State("mVV")
    with pytest.raises(nu.EquationError, match=r"cannot read the unit 'pAA' of Input"):
        nu.Input("pAA")
    with pytest.raises(nu.EquationError, match=r"cannot read the default '10 mss' of Parameter"):
        nu.Parameter("10 mss")
