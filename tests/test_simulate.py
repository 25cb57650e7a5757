"""simulate(): inputs, recording, events, failures, and the on-disk kernel cache."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

Counter = nu.Model.from_equations("dq/dt = u : pC", inputs={"u": "pA"}, name="Counter")


def test_results_shapes_units_and_decimation():
    lif = nu.models.LIF(n=3)
    res = nu.simulate(lif, "10 ms", "0.1 ms", inputs={"I": "0.5 nA"}, record=("V", "refractory"),
                      record_every=10)
    assert res.t.units == nu.ureg.ms
    np.testing.assert_allclose(res.t.magnitude, np.arange(11) * 1.0, atol=1e-12)
    assert res["V"].shape == (11, 3) and res["V"].units == nu.ureg.mV
    assert res["V"][0].magnitude.tolist() == [-65.0] * 3
    full = nu.simulate(lif, "10 ms", "0.1 ms", inputs={"I": "0.5 nA"}, record=("V",))
    np.testing.assert_array_equal(full["V"].magnitude[::10], res["V"].magnitude)
    assert res.rates.units == nu.ureg.Hz
    assert res.spike_counts.tolist() == full.spike_counts.tolist()
    assert "V: 11 samples" in res.summary()
    with pytest.raises(KeyError, match=r"'W' was not recorded"):
        res["W"]


def test_timed_array_value_k_holds_during_step_k():
    # dq/dt = u with Euler: q after step j is the sum of u over steps 0..j times dt
    values = Q_([1.0, 2.0, 3.0], "pA")
    res = nu.simulate(Counter(n=1), "5 ms", "0.5 ms", method="euler",
                      inputs={"u": nu.TimedArray(values, dt="1 ms")})
    u_per_step = np.array([1, 1, 2, 2, 3, 3, 3, 3, 3, 3], float)  # the last value holds after the end
    expected = np.concatenate([[0.0], np.cumsum(u_per_step) * 0.5])  # pA*ms = fC
    np.testing.assert_allclose(res["q"].to("fC").magnitude[:, 0], expected, rtol=1e-14)


def test_per_neuron_inputs_and_timed_array_with_neuron_axis():
    ta = nu.TimedArray(Q_([[1.0, 2.0], [3.0, 4.0]], "nA"), dt="1 ms")
    res = nu.simulate(Counter(n=2), "2 ms", "1 ms", method="euler", inputs={"u": ta})
    np.testing.assert_allclose(res["q"].to("pC").magnitude, [[0, 0], [1, 2], [4, 6]], rtol=1e-14)
    res = nu.simulate(Counter(n=2), "2 ms", "1 ms", method="euler", inputs={"u": Q_([1.0, -1.0], "pA")})
    np.testing.assert_allclose(res["q"].to("fC").magnitude[-1], [2.0, -2.0])


def test_timed_array_errors():
    with pytest.raises(nu.DimensionError, match=r"input 'u': expected values in pA, the TimedArray is in mV"):
        nu.simulate(Counter(n=1), "2 ms", "1 ms", inputs={"u": nu.TimedArray(Q_([1.0], "mV"), dt="1 ms")})
    wide = nu.TimedArray(Q_(np.ones((2, 3)), "pA"), dt="1 ms")
    with pytest.raises(nu.ParameterError, match=r"has 3 columns; expected one per neuron \(2\)"):
        nu.simulate(Counter(n=2), "2 ms", "1 ms", inputs={"u": wide})


def test_initial_override_scalar_and_per_neuron():
    res = nu.simulate(nu.models.LIF(n=2, V_th="0 mV"), "1 ms", initial={"V": Q_([-0.07, -0.06], "V")})
    np.testing.assert_allclose(res["V"][0].to("mV").magnitude, [-70.0, -60.0])


def test_blow_up_stops_with_simulation_error_naming_variable_neuron_and_time():
    Blow = nu.Model.from_equations("dx/dt = x**2/tau : 1", parameters={"tau": "1 ms"}, name="Blow")
    with pytest.raises(nu.SimulationError) as info:
        nu.simulate(Blow(n=3), "10 ms", "0.1 ms", method="euler", initial={"x": [0.1, 2.0, 0.2]})
    err = info.value
    assert err.variable == "x" and err.neuron == 1
    assert "state 'x' of neuron 1 diverged: it reached " in str(err)  # past 1e30, before inf (#14)
    assert "try a smaller dt" in str(err)
    assert 0 < err.time.to("ms").magnitude < 10
    res = nu.simulate(Blow(n=3), "10 ms", "0.1 ms", method="euler", initial={"x": [0.1, 2.0, 0.2]},
                      raise_on_failure=False)
    assert res.status == 1 and "neuron 1" in res.message
    assert res["x"].shape[0] == len(res.t) < 101
    assert np.isfinite(res["x"].magnitude[:-1]).all()


def test_multiple_reset_statements_are_sequential_and_soft_reset_works():
    with pytest.raises(nu.EquationError, match=r"'w = V \+ b' assigns to 'w' \(unknown name\)"):
        nu.Model.from_equations(
            "dV/dt = I/C : mV", parameters={"C": "1 pF", "V_th": "10 mV", "b": "1 mV"},
            inputs={"I": "pA"}, threshold="V > V_th", reset="V -= V_th; w = V + b", name="Soft")
    Soft = nu.Model.from_equations(
        "dV/dt = I/C : mV\ndw/dt = 0*mV/ms : mV", parameters={"C": "1 pF", "V_th": "10 mV", "b": "1 mV"},
        inputs={"I": "pA"}, threshold="V > V_th", reset="V -= V_th; w = V + b", name="Soft2")
    # I/C = 3 mV/ms: V = 3, 6, 9, 12 -> spike, V = 2, w = 3 (uses the new V)
    res = nu.simulate(Soft(n=1), "4 ms", "1 ms", method="euler", inputs={"I": "3 pA"})
    assert res["V"].magnitude[:, 0].tolist() == pytest.approx([0, 3, 6, 9, 2])
    assert res["w"].magnitude[-1, 0] == pytest.approx(3.0)
    assert res.spikes.times.to("ms").magnitude.tolist() == pytest.approx([4.0])


def test_method_choice_is_logged_and_recorded(caplog):
    with caplog.at_level(logging.INFO, logger="neurounits"):
        res = nu.simulate(nu.models.LIF(), "1 ms")
    assert res.method == "exact" and "linear" in res.method_reason
    assert "model 'LIF': using method 'exact'" in caplog.text


def test_too_much_recording_is_refused_before_running():
    with pytest.raises(nu.ParameterError, match=r"needs .* GiB; record fewer variables"):
        nu.simulate(nu.models.LIF(n=100_000), "10 s", "0.1 ms")


def test_kernel_is_written_to_the_cache_directory_and_reused(tmp_path):
    code = ("import neurounits as nu; r = nu.simulate(nu.models.LIF(n=2), '2 ms', inputs={'I': '1 nA'});"
            "print(r['V'].shape)")
    env = dict(os.environ, NEUROUNITS_CACHE_DIR=str(tmp_path))
    env.pop("NUMBA_CACHE_DIR", None)  # numba then caches next to the generated module
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(21, 2)"
    files = list(tmp_path.glob("nu_kernel_*.py"))
    assert len(files) == 1
    assert list((tmp_path / "__pycache__").glob("*.nbi")), "numba's cache index is next to the module"
    stamp = files[0].stat().st_mtime_ns
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert files[0].stat().st_mtime_ns == stamp  # never rewritten
