"""Runtime robustness (#14): divergence, dt checks, run sizes, TimedArray errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

# a stiff oscillator: eigenvalues -1/tau +- i w, tau = 0.02 ms, w = 2 rad/ms
Stiff = nu.Model.from_equations(
    """
    dx/dt = -x/tau - w*y : 1
    dy/dt = w*x - y/tau : 1
    """,
    parameters={"tau": "0.02 ms", "w": "2 1/ms"}, initial={"x": "1", "y": "0"}, name="Stiff")


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_divergence_stops_with_simulation_error(method):
    # euler multiplies by |1 - dt/tau| ~ 4 per step, rk4 by ~ 7 (dt/tau = 5): 1e100 and 1e260 at the end
    # of 200 steps, status 0, before the bound
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(nu.SimulationError, match=r"diverged.*bound is 1e\+30.*smaller dt") as info:
            nu.simulate(Stiff(), duration="20 ms", dt="0.1 ms", method=method, record=("x",))
    assert info.value.variable in ("x", "y") and info.value.neuron == 0
    assert info.value.time < Q_(20, "ms")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nu.simulate(Stiff(), duration="20 ms", dt="0.1 ms", method=method, record=("x",),
                          raise_on_failure=False)
    assert res.status != 0 and "diverged" in res.message
    assert np.all(np.abs(res["x"].m) <= 1e30)
