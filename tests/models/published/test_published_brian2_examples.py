"""Three of Brian2's examples written as they are written (issue 13), against Brian2 2.9's own runs
(tests/reference/make_brian2_refs_examples.py, committed .npz): Hindmarsh & Rose (1984), Morris &
Lecar (1981), and the I-F curve of a leaky integrate-and-fire population (also against its closed
form).  The equations are the examples' text; Brian2's namespace constants are parameters here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neurounits as nu

REF = Path(__file__).parent.parent.parent / "reference"

# examples/frompapers/Hindmarsh_Rose_1984.py, equations verbatim (I : 1 (constant) is a parameter here)
HINDMARSH_ROSE = """
dx/dt = (y - a*x**3 + b*x**2 + I - z)/time_unit : 1
dy/dt = (c - d*x**2 - y)/time_unit : 1
dz/dt = r*(s*(x - x_1) - z)/time_unit : 1
"""

# examples/frompapers/Morris_Lecar_1981.py, equations verbatim (I : amp is a parameter here); the
# reference is Brian2 with rk4 (see the reference script)
MORRIS_LECAR = """
dV/dt = (-g_L*(V - V_L) - g_Ca*m_inf*(V - V_Ca) - g_K*n*(V - V_K) + I)/C : volt
dn/dt = lambda_n*(n_inf - n) : 1
m_inf = 0.5*(1 + tanh((V - V_1)/V_2)) : 1
n_inf = 0.5*(1 + tanh((V - V_3)/V_4)) : 1
lambda_n = lambda_n__max*cosh((V - V_3)/(2*V_4)) : Hz
"""

# examples/IF_curve_LIF.py, equations verbatim (v0 : volt is a parameter here)
IF_CURVE = "dv/dt = (v0 - v) / tau : volt (unless refractory)"


def test_hindmarsh_rose_1984_matches_brian2():
    ref = np.load(REF / "brian2_hindmarsh_rose.npz")
    HR = nu.Model.from_equations(
        HINDMARSH_ROSE, name="HindmarshRose",
        parameters={"time_unit": "1 ms", "x_1": -1.6, "a": 1, "b": 3, "c": 1, "d": 5, "r": 0.001, "s": 4,
                    "I": 0.0},
        # Brian2's example sets x = x_1, y = 'c - d*x**2', z = 'r*(s*(x - x_1))' in that order
        initial={"x": "x_1", "y": "c - d*x_1**2", "z": "r*(s*(x_1 - x_1))"})
    every = 50  # Brian2's monitor samples every 5 ms; dt = time_unit/10
    res = nu.simulate(HR(n=3, I=np.array([0.4, 2.0, 4.0])), "600 ms", "0.1 ms", method="rk4",
                      record=("x", "y", "z"), record_every=every)
    k = len(ref["t_ms"])  # Brian2 does not sample the state at the run's end
    assert len(res.t) == k + 1
    np.testing.assert_allclose(res.t.m_as("ms")[:k], ref["t_ms"], atol=1e-9)
    for name in ("x", "y", "z"):
        ours = res[name].m_as("1").T[:, :k]  # (neuron, sample), as Brian2 stores it
        np.testing.assert_allclose(ours, ref[name], rtol=1e-9, atol=1e-9, err_msg=name)
    # bursting, as in the paper's Figure 6: the neuron driven by I = 2 crosses x = 1 repeatedly
    assert np.count_nonzero(np.diff((res["x"][:, 1].m_as("1") > 1).astype(int)) == 1) >= 5


def test_morris_lecar_1981_matches_brian2():
    ref = np.load(REF / "brian2_morris_lecar.npz")
    ML = nu.Model.from_equations(
        MORRIS_LECAR, name="MorrisLecar",
        parameters={"g_L": "2 mS", "g_Ca": "4 mS", "g_K": "8 mS", "V_L": "-50 mV", "V_Ca": "100 mV",
                    "V_K": "-70 mV", "lambda_n__max": nu.Q_(1 / 15, "1/ms"), "V_1": "10 mV", "V_2": "15 mV",
                    "V_3": "-1 mV", "V_4": "14.5 mV", "C": "20 uF", "I": "0 uA"},
        initial={"V": "V_L", "n": "0.5*(1 + tanh((V_L - V_3)/V_4))"})  # n = 'n_inf' at V = V_L
    model = ML(n=17, I=nu.Q_(ref["I_uA"], "uA"))
    # Brian2's example integrates with exponential_euler, holding m_inf and lambda_n at their values at
    # the step's start; dV/dt is not linear in V, so neurounits refuses that method, naming the equation
    with pytest.raises(nu.NeurounitsError, match="not linear in their own state"):
        nu.simulate(model, "1 ms", "0.01 ms", method="exponential_euler")
    res = nu.simulate(model, "220 ms", "0.01 ms", method="rk4", record=("V", "n"), record_every=200)
    k = len(ref["t_ms"])  # Brian2 does not sample the state at the run's end
    assert len(res.t) == k + 1
    np.testing.assert_allclose(res.t.m_as("ms")[:k], ref["t_ms"][:k], atol=1e-9)
    np.testing.assert_allclose(res["V"].m_as("mV").T[:, :k], ref["V_mV"][:, :k], rtol=1e-9, atol=1e-8)
    np.testing.assert_allclose(res["n"].m_as("1").T[:, :k], ref["n"][:, :k], rtol=1e-9, atol=1e-10)
    # the paper's Figure 9: oscillations only between two currents (100 and 500 uA rest, 325 uA oscillates)
    late = np.ptp(res["V"].m_as("mV")[k // 2:], axis=0)
    assert late[0] < 1.0 and late[16] < 1.0 and late[9] > 15.0


@pytest.fixture(scope="module")
def if_curve():
    ref = np.load(REF / "brian2_if_curve_lif.npz")
    LIF = nu.Model.from_equations(
        IF_CURVE, name="IFCurveLIF", parameters={"tau": "10 ms", "v0": "0 mV"},
        initial={"v": "0 mV"}, threshold="v > 10*mV", reset="v = 0*mV", refractory="5 ms")
    res = nu.simulate(LIF(n=1000, v0=nu.Q_(ref["v0_mV"], "mV")), "1 s", "0.1 ms", method="exact", record=())
    return ref, res


def test_if_curve_lif_spike_counts_equal_brian2s(if_curve):
    ref, res = if_curve
    np.testing.assert_array_equal(res.spike_counts, ref["counts"])
    first = np.array([res.spikes.times[res.spikes.indices == k][0].m_as("ms") if c else np.nan
                      for k, c in enumerate(res.spike_counts)])
    # Brian2 labels a spike with its step's start; here with its end
    np.testing.assert_allclose(first, ref["first_times_ms"] + 0.1, atol=1e-9)


def test_if_curve_lif_follows_the_closed_form(if_curve):
    # rate = 1/(t_ref + tau*ln(v0/(v0 - theta))) for v0 > theta; on a grid of dt the first passage is
    # rounded up to a step, and Brian2 releases the neuron (int(t_ref/dt + 1e-3) - 1) steps after the
    # spike's step: the interval is t_ref + ceil(T/dt)*dt at most one step off
    ref, res = if_curve
    v0, tau, theta, t_ref, dt = ref["v0_mV"], 10.0, 10.0, 5.0, 0.1
    above = v0 > theta + 0.05
    T = tau * np.log(v0[above] / (v0[above] - theta))
    isi = np.ceil(T / dt - 1e-9) * dt + t_ref
    expected = 1000.0 / isi
    assert np.all(np.abs(res.spike_counts[above] - expected) <= 1 + expected * 0.02)
    assert np.all(res.spike_counts[v0 <= theta] == 0)
