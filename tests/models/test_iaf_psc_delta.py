"""nest.iaf_psc_delta against NEST 3.10 (tests/reference/make_psc_delta_refs.py): spikes that make
V_m jump, and spikes arriving while refractory discarded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neurounits as nu

REF = Path(__file__).parents[1] / "reference" / "iaf_psc_delta_refractory.npz"


def test_matches_nest_and_discards_spikes_while_refractory():
    d = np.load(REF)
    m = nu.models.nest.iaf_psc_delta(n=1, I_e=nu.Q_(float(d["I_e"]), "pA"))
    spikes = [
        nu.SpikeInput(nu.Q_([t], "ms"), nu.Q_(w, "mV"))
        for t, w in zip(d["arrival_times"], d["weights"], strict=True)
    ]
    res = nu.simulate(m, "100 ms", "0.1 ms", spike_inputs=spikes, record=("V_m",))
    np.testing.assert_array_equal(np.rint(res.spikes.times.m_as("ms") / 0.1).astype(int), d["spike_steps"])
    samples = np.rint(d["t"] / 0.1).astype(int)  # NEST's multimeter stops a min_delay before the end
    np.testing.assert_allclose(res["V_m"].m_as("mV")[samples, 0], d["V_m"], rtol=1e-12, atol=1e-12)
    # the spike at 20.5 ms arrives while refractory: without discarding, V_m would differ
    assert d["spike_steps"][0] <= 205 <= d["spike_steps"][0] + 20


def test_v_min_matches_nest():
    """NEST's lower bound V_min (tests/reference/iaf_psc_delta_vmin.npz): applied after the spike jumps,
    unless refractory; 3 samples sit at the bound."""
    d = np.load(REF.with_name("iaf_psc_delta_vmin.npz"))
    m = nu.models.nest.iaf_psc_delta(
        n=1, I_e=nu.Q_(float(d["I_e"]), "pA"), V_min=nu.Q_(float(d["V_min"]), "mV")
    )
    spikes = [
        nu.SpikeInput(nu.Q_([t], "ms"), nu.Q_(w, "mV"))
        for t, w in zip(d["arrival_times"], d["weights"], strict=True)
    ]
    res = nu.simulate(m, "100 ms", "0.1 ms", spike_inputs=spikes, record=("V_m",))
    np.testing.assert_array_equal(np.rint(res.spikes.times.m_as("ms") / 0.1).astype(int), d["spike_steps"])
    samples = np.rint(d["t"] / 0.1).astype(int)
    np.testing.assert_allclose(res["V_m"].m_as("mV")[samples, 0], d["V_m"], rtol=1e-12, atol=1e-12)
    assert np.sum(d["V_m"] <= float(d["V_min"]) + 1e-12) == 3
    free = nu.simulate(
        nu.models.nest.iaf_psc_delta(n=1, I_e=nu.Q_(float(d["I_e"]), "pA")),
        "100 ms",
        "0.1 ms",
        spike_inputs=spikes,
        record=("V_m",),
    )
    assert free["V_m"].m_as("mV").min() < float(d["V_min"]) - 1  # without the bound V_m goes below it


def test_lower_bounds_are_checked():
    kw = {"parameters": {"tau": "10 ms", "lo": "-80 mV"}}
    M = nu.Model.from_equations("dV/dt = -V/tau : mV", **kw)
    with pytest.raises(nu.EquationError, match="lower_bounds names 'U', which is not a state"):
        type("B1", (M,), {"lower_bounds": {"U": "lo"}})
    with pytest.raises(nu.DimensionError):
        type("B2", (M,), {"lower_bounds": {"V": "tau"}})
    with pytest.raises(nu.EquationError, match="must be made of parameters and numbers"):
        type("B3", (M,), {"lower_bounds": {"V": "V - 1*mV"}})
