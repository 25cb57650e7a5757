"""Measured convergence of the adaptive ``rkf45`` integrator, against closed-form solutions.

Two measurements, on the nonlinear logistic equation and on the time-dependent forced relaxation
of test_order.py:

- error against tolerance: with error-per-step control and local extrapolation (the step
  advances with the fifth-order weights), the global error is proportional to the tolerance.
  The slope of log(max error) against log(tol) over six decades is 1 (measured 0.96-1.05), for
  atol alone, rtol alone and both;
- error against dt with the controller switched off (a tolerance so loose that the first try of
  every dt, a full step, is accepted): rkf45 is then a fixed-step fifth-order scheme (measured
  order 4.8 and 5.2), more accurate than rk4 at the same dt by orders of magnitude.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import RKF45
from test_order import PROBLEMS, max_error, measured_order

import neurounits as nu
from neurounits.integrators import INTEGRATORS

TOLS = (1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11)
DURATION = 100.0  # ms
DT = 20.0  # ms: the sub-steps, not dt, set the accuracy
SLOPE_TOL = 0.15
OFF = {"atol": 1e6, "rtol": 1e6}  # no try is ever rejected: one full step per dt
FIXED_DTS = (4.0, 2.0, 1.0, 0.5)  # ms; errors 3e-7 .. 2e-11, above round-off
ORDER_TOL = 0.3


def rkf45_error(problem: str, options: dict, dt: float = DT, duration: float = DURATION) -> float:
    model_cls, var, exact, _ = PROBLEMS[problem]
    res = nu.simulate(model_cls(n=1), f"{duration} ms", f"{dt} ms", method=RKF45, method_options=options)
    assert res.method == RKF45
    t = res.t.to("ms").magnitude
    got = res[var].to("dimensionless").magnitude[:, 0]
    assert np.all(np.isfinite(got))
    return float(np.max(np.abs(got - exact(t))))


@pytest.mark.parametrize("problem", ["logistic", "forced"])
@pytest.mark.parametrize("mode", ["atol", "rtol", "both"])
def test_rkf45_global_error_is_proportional_to_the_tolerance(problem, mode):
    errs = []
    for tol in TOLS:
        options = {"atol": 0.0 if mode == "rtol" else tol, "rtol": 0.0 if mode == "atol" else tol}
        errs.append(rkf45_error(problem, options))
    slope = float(np.polyfit(np.log(TOLS), np.log(errs), 1)[0])
    assert abs(slope - 1.0) < SLOPE_TOL, f"{problem}, {mode}: error ~ tol^{slope:.3f} (errors {errs})"
    # and the error is of the size of the tolerance (the solution is of order 1), never far above
    ratios = [e / tol for e, tol in zip(errs, TOLS, strict=True)]
    assert max(ratios) < 30, ratios
    assert all(e1 > e2 for e1, e2 in itertools.pairwise(errs)), errs


@pytest.mark.parametrize("problem", ["logistic", "forced"])
def test_rkf45_without_rejections_is_a_fifth_order_fixed_step_method(problem):
    errs = [rkf45_error(problem, OFF, dt=dt, duration=40.0) for dt in FIXED_DTS]
    slope = float(np.polyfit(np.log(FIXED_DTS), np.log(errs), 1)[0])
    assert abs(slope - INTEGRATORS[RKF45].order) < ORDER_TOL, f"{problem}: order {slope:.3f} ({errs})"
    assert all(e1 > e2 for e1, e2 in itertools.pairwise(errs)), errs
    assert min(errs) > 1e-12, errs
    # one order above rk4, measured the same way on the same problem
    model_cls, var, exact, _ = PROBLEMS[problem]
    rk4_slope, _ = measured_order(model_cls, var, exact, "rk4")
    assert slope > rk4_slope + 0.5, (slope, rk4_slope)
    for dt, e in zip(FIXED_DTS, errs, strict=True):
        assert e < max_error(model_cls, var, exact, "rk4", dt) / 10, dt


def test_rkf45_beats_every_fixed_step_method_at_the_same_dt():
    """At dt = 2 ms on the logistic equation, the adaptive method (default tolerances) is more
    accurate than every explicit fixed-step method, each run at its own dt."""
    model_cls, var, exact, methods = PROBLEMS["logistic"]
    adaptive = rkf45_error("logistic", {}, dt=2.0, duration=40.0)
    assert adaptive < 1e-5
    for method in methods:
        assert adaptive < max_error(model_cls, var, exact, method, 2.0) / 10, method
