"""nest.iaf_psc_delta against NEST 3.10 (tests/reference/make_psc_delta_refs.py): spikes that make
V_m jump, and spikes arriving while refractory discarded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
