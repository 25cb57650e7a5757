"""NEST models driven by current generators, and NEST's boolean options as Python bools (#14).

Reference: tests/reference/izhikevich_step_current.npz (tests/reference/make_input_refs.py, NEST 3.10).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

REF = Path(__file__).parents[1] / "reference" / "izhikevich_step_current.npz"


@pytest.mark.parametrize(("scheme", "consistent"), [("consistent", True), ("published", False)])
def test_izhikevich_step_current_generator_matches_nest(scheme, consistent):
    d = np.load(REF)
    dt = float(d["dt"])
    n = round(float(d["duration"]) / dt)
    # a step_current_generator's amplitude set at t_a, connected with delay d, drives the steps from
    # the one starting at t_a + d on (NEST stores it at the end of a step and uses it in the next)
    vals = np.zeros(n)
    for ta, a in zip(d["amplitude_times"], d["amplitude_values"], strict=True):
        vals[round((ta + float(d["delay"])) / dt) :] = a
    model = nu.models.nest.izhikevich(consistent_integration=consistent)
    res = nu.simulate(
        model, Q_(n * dt, "ms"), Q_(dt, "ms"), inputs={"I": nu.TimedArray(Q_(vals, "pA"), dt=Q_(dt, "ms"))}
    )
    np.testing.assert_allclose(res["V_m"].to("mV").m[1:, 0], d[f"V_m_{scheme}"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(res["U_m"].to("mV/ms").m[1:, 0], d[f"U_m_{scheme}"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.spikes.times.to("ms").m, d[f"spike_times_{scheme}"], rtol=0, atol=1e-9)
    assert len(d[f"spike_times_{scheme}"]) == 7


def test_izhikevich_boolean_options_take_python_bools_and_strings():
    assert "I" in nu.models.nest.izhikevich().inputs
    for a, b in ((True, "True"), (False, "False")):
        ra = nu.simulate(nu.models.nest.izhikevich(consistent_integration=a), "20 ms", inputs={"I": "5 pA"})
        rb = nu.simulate(nu.models.nest.izhikevich(consistent_integration=b), "20 ms", inputs={"I": "5 pA"})
        np.testing.assert_array_equal(ra["V_m"].m, rb["V_m"].m)
    with pytest.raises(nu.ParameterError):
        nu.models.nest.izhikevich(consistent_integration="yes")
