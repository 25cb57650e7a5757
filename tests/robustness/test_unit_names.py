"""Names that are also units (#14): ``h`` (hour), ``s`` (second), ``a`` (year), ``d`` (day), ``g``
(gram), ``e`` (elementary charge), ``m`` (meter) ... mean the model's variable wherever the model
declares them; undeclared, a one-letter lower-case name is refused with a message that says it
would parse as a unit (``h`` silently became 3.6e6 ms before)."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu


class Gates(nu.Model):
    """Every place a name enters: equations, named expressions, threshold, reset, initial values,
    receptor effects and constraints, with names that pint knows as units."""

    a = nu.Parameter("0.5 1/ms")
    d = nu.Parameter("2 mV")
    e = nu.Parameter("1 mV")
    g = nu.Parameter("3 nS", positive=True)
    c = nu.Parameter("-65 mV")
    h = nu.State("1", initial="1")
    m = nu.State("mV", initial="c + e")
    s = nu.Input("1/ms")
    ex = nu.Receptor("1", "h += w")
    equations = """
        k = g*m : nS*mV
        dm/dt = -a*(m - c) + d*s : mV
        dh/dt = -a*h : 1
    """
    threshold = "m > c + 5*e"
    reset = "m = c; h += 1"
    constraints = ("d > e",)


def test_declared_unit_names_are_the_models_variables():
    model = Gates(n=1)
    res = nu.simulate(
        model,
        "4 ms",
        "0.1 ms",
        inputs={"s": "1 1/ms"},
        record=("m", "h", "k"),
        spike_inputs=[nu.SpikeInput("1 ms", "2")],
    )
    t = res.t.to("ms").m
    m = res["m"].to("mV").m[:, 0]
    # dm/dt = -a (m - c) + d s: m = c + d s/a + (e - d s/a) exp(-a t) = -61 - 3 exp(-t/2) mV
    np.testing.assert_allclose(m, -61.0 - 3.0 * np.exp(-0.5 * t), rtol=1e-9)
    h = res["h"].m[:, 0]
    np.testing.assert_allclose(h[t < 0.95], np.exp(-0.5 * t[t < 0.95]), rtol=1e-9)
    assert h[10] == pytest.approx(np.exp(-0.5) + 2.0, rel=1e-9)  # the spike input adds w = 2
    np.testing.assert_allclose(res["k"].to("nS*mV").m[:, 0], 3.0 * m, rtol=1e-12)


def test_declared_unit_names_in_from_equations_and_initial_values():
    M = nu.Model.from_equations(
        "dV/dt = (h - V)/s : mV", parameters={"h": "-60 mV", "s": "5 ms"}, initial={"V": "h"}
    )
    res = nu.simulate(M(), "1 ms", "0.1 ms")
    np.testing.assert_allclose(res["V"].to("mV").m[:, 0], -60.0, rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("h", "hour"),
        ("s", "second"),
        ("a", "year"),
        ("d", "day"),
        ("g", "gram"),
        ("m", "meter"),
    ],
)
def test_undeclared_one_letter_unit_names_are_refused_in_equations(name, unit):
    # ('e' is Euler's number where a model does not define it: tests/language/test_notation_and_order.py)
    with pytest.raises(nu.EquationError) as err:
        nu.Model.from_equations(f"dV/dt = -V/tau + {name}*mV/ms : mV", parameters={"tau": "10 ms"})
    msg = str(err.value)
    assert f"unknown name '{name}'" in msg and f"the unit {unit}" in msg and f"Declare '{name}'" in msg
    assert "equation for 'V'" in msg


@pytest.mark.parametrize("where", ["threshold", "reset"])
def test_undeclared_unit_names_are_refused_in_threshold_and_reset(where):
    texts = {"threshold": "V > h", "reset": "V = h"}
    kw = {"threshold": "V > -50*mV", "reset": "V = -70*mV"}
    kw[where] = texts[where]
    with pytest.raises(nu.EquationError, match="pint would read it as the unit hour"):
        nu.Model.from_equations("dV/dt = -V/tau : mV", parameters={"tau": "10 ms"}, **kw)


def test_units_in_full_and_prefixed_still_work():
    M = nu.Model.from_equations(
        "dV/dt = -V/tau + 0.001*mV/ms*(tau/second)*1000 : mV", parameters={"tau": "10 ms"}
    )
    res = nu.simulate(M(), "1 ms", "0.1 ms")
    # 0.001 mV/ms * (10 ms / 1000 ms) * 1000 = 0.01 mV/ms of drive: V -> 0.1 mV (1 - exp(-t/10 ms))
    np.testing.assert_allclose(res["V"].to("mV").m[-1, 0], 0.1 * (1 - np.exp(-0.1)), rtol=1e-9)


# ``w`` and ``h`` are also the names that receptor statements and the rate nonlinearity bind (the summed
# weight, the summed rate input): a model's own ``w`` or ``h`` must not be lost or silently replaced.


def test_a_models_own_w_survives_its_receptor_statements():
    class Own(nu.Model):
        a = nu.Parameter("0.5")
        w = nu.State("mV")
        spikes = nu.Receptor("mV", "")
        update = "w = a*w + spikes"

    res = nu.simulate(
        Own(), "0.4 ms", "0.1 ms", initial={"w": "8 mV"}, spike_inputs=[nu.SpikeInput("0.2 ms", "1 mV")]
    )
    np.testing.assert_allclose(res["w"].to("mV").m[:, 0], [8.0, 4.0, 3.0, 1.5, 0.75], rtol=1e-12)


def test_receptor_statements_say_that_w_is_the_weight_when_the_model_has_its_own_w():
    with pytest.raises(
        nu.EquationError, match="'w' is the summed weight; the model's own state 'w' cannot be used"
    ):

        class Ambiguous(nu.Model):
            tau = nu.Parameter("10 ms")
            w = nu.State("1")
            g = nu.State("nS")
            ex = nu.Receptor("nS", "g += w*w")
            equations = "dg/dt = -g/tau : nS\ndw/dt = -w/tau : 1"


def test_a_parameter_h_in_a_rate_model_is_refused_not_replaced_by_the_input():
    with pytest.raises(nu.EquationError, match="declares a parameter 'h', but 'h' is the summed rate input"):

        class Shadow(nu.Model):
            tau = nu.Parameter("10 ms")
            h = nu.Parameter("2")
            r = nu.State("1")
            R = nu.Input("1")
            equations = "dr/dt = (-r + R)/tau : 1"
            rate_input = "R"
            rate_nonlinearity = "h*h"
