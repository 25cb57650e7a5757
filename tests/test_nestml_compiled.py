"""``nu.export.nestml`` files compiled into NEST by NESTML 9.0: neurounits against NEST's traces.

The traces were made by tests/reference/nestml_to_nest.py (NEST 3.10 pip wheel + NESTML 9.0, the
module built with a corrected ``nest-config``); the same model and drive are simulated here with the
function that script uses, and NEST is never needed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def ref_script():
    spec = importlib.util.spec_from_file_location("nestml_to_nest", REF / "nestml_to_nest.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _max_dv(ref: dict, t: np.ndarray, v: np.ndarray, t_stop: float) -> float:
    keep = ref["t"] <= t_stop + 1e-9
    return float(np.max(np.abs(np.interp(ref["t"][keep], t, v) - ref["V"][keep])))


def test_cubalif_exact_matches_nestml_propagators(ref_script):
    """Linear model: NESTML's exact propagators and neurounits' exact method agree to rounding over
    200 ms with a current step, excitatory and inhibitory spikes, two spikes and refractory periods
    (5 ms = 50 steps: NESTML's float timer compared with 1e-9 steps, as exported)."""
    ref = dict(np.load(REF / "nestml_CubaLIF.npz"))
    t, v, spikes = ref_script.neurounits_trace("CubaLIF")
    assert ref["spikes"].size == 2
    np.testing.assert_allclose(spikes, ref["spikes"], atol=1e-9)
    assert _max_dv(ref, t, v, ref_script.T_STOP) < 1e-9


def test_cubalif_timing_is_what_makes_it_match(ref_script):
    """The input timing matters: the current one step earlier is off by far more than rounding."""
    ref = dict(np.load(REF / "nestml_CubaLIF.npz"))
    t, v, _ = ref_script.neurounits_trace("CubaLIF", current_lag=0)
    assert _max_dv(ref, t, v, ref_script.T_STOP) > 1e-3


def test_adex_rkf45_matches_gsl_rkf45_below_threshold(ref_script):
    """Nonlinear model: NESTML integrates with GSL's rkf45 (abs/rel tolerance 1e-6); neurounits'
    rkf45 at the same tolerances gives the same trace to rounding until the first upstroke (37.9 ms
    in NEST), where neurounits' step-size control stops (see docs/nest_export.md)."""
    ref = dict(np.load(REF / "nestml_AdEx.npz"))
    t, v, spikes = ref_script.neurounits_trace("AdEx", "rkf45", 37.0, atol=1e-6, rtol=1e-6)
    assert spikes.size == 0 and ref["spikes"][0] > 37.0
    assert v[-1] > -46.0  # the comparison reaches the steep part before the spike
    assert _max_dv(ref, t, v, 37.0) < 1e-9


def test_adex_rk4_spike_times_close_to_nestml(ref_script):
    """With neurounits' automatic method for AdEx (rk4 at dt = 0.1 ms), the same 4 spikes as NEST
    within 0.25 ms (rk4's error on the upstroke, not a tolerance of the GSL solver)."""
    ref = dict(np.load(REF / "nestml_AdEx.npz"))
    _, _, spikes = ref_script.neurounits_trace("AdEx")
    assert ref["spikes"].size == 4 == spikes.size
    np.testing.assert_allclose(spikes, ref["spikes"], atol=0.25)
    assert spikes[0] == pytest.approx(ref["spikes"][0], abs=1e-9)
