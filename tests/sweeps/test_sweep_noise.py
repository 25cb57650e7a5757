"""Sweeps of a model with white noise: reproducible from the seed, whatever the chunks or the path.

Set i of a sweep draws the random numbers of neuron i in one ``simulate`` of all the sets as a
population (same seed), so the table equals that simulation, and it does not depend on chunk sizes,
on the count-only or the full-Results path, or on the number of threads.
"""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

NoisyLIF = nu.Model.from_equations(
    "dV/dt = (E_L - V + mu)/tau + sigma*xi : mV",
    parameters={"E_L": "-65 mV", "tau": "10 ms", "mu": "14 mV", "sigma": "1 mV/ms**0.5",
                "V_th": "-50 mV", "V_r": "-65 mV"},
    initial={"V": "E_L"}, threshold="V >= V_th", reset="V = V_r", name="NoisyLIF")

GRID = {"mu": Q_([12.0, 14.0, 16.0], "mV"), "sigma": Q_([0.5, 1.0, 2.0], "mV/ms**0.5")}
RUN = dict(duration="200 ms", dt="0.1 ms")


def _by_function(res):
    return {"n_spikes": Q_(res.spike_counts.astype(float), "")}


def test_sweep_equals_one_population_with_the_same_seed():
    sw = nu.sweep(NoisyLIF, grid=GRID, seed=5, measure=("spike_count", "mean_V"), **RUN)
    assert sw.noise_seed == 5
    t = sw.table
    pop = NoisyLIF(n=len(t), mu=Q_(t["mu"].to_numpy(), "mV"), sigma=Q_(t["sigma"].to_numpy(), "mV/ms**0.5"))
    res = nu.simulate(pop, seed=5, record=("V",), threads=1, **RUN)
    assert res.spike_counts.sum() > 50  # the noise matters: many spikes, different per set
    np.testing.assert_array_equal(t["spike_count"].to_numpy(), res.spike_counts)
    np.testing.assert_allclose(t["mean_V"].to_numpy(), res["V"].to("mV").magnitude.mean(axis=0), rtol=1e-12)


def test_independent_of_chunks_path_and_threads():
    a = nu.sweep(NoisyLIF, grid=GRID, seed=9, measure=("spike_count",), **RUN).table
    b = nu.sweep(NoisyLIF, grid=GRID, seed=9, measure=("spike_count",), chunk_size=2, workers=2, **RUN).table
    c = nu.sweep(NoisyLIF, grid=GRID, seed=9, measure=(_by_function,), chunk_size=4, workers=1, **RUN).table
    np.testing.assert_array_equal(a["spike_count"].to_numpy(), b["spike_count"].to_numpy())
    np.testing.assert_array_equal(a["spike_count"].to_numpy(), c["n_spikes"].to_numpy())


def test_seed_drawn_kept_and_reused():
    first = nu.sweep(NoisyLIF, grid=GRID, measure=("spike_count",), **RUN)
    assert isinstance(first.noise_seed, int)
    again = nu.sweep(NoisyLIF, grid=GRID, seed=first.noise_seed, measure=("spike_count",), **RUN)
    other = nu.sweep(NoisyLIF, grid=GRID, seed=first.noise_seed + 1, measure=("spike_count",), **RUN)
    counts = [sw.table["spike_count"].to_numpy() for sw in (first, again, other)]
    np.testing.assert_array_equal(counts[0], counts[1])
    assert not np.array_equal(counts[0], counts[2])


def test_deterministic_model_has_no_noise_seed():
    sw = nu.sweep(nu.models.LIF, grid={"tau_m": Q_([10.0, 20.0], "ms")}, measure=("spike_count",),
                  duration="20 ms")
    assert sw.noise_seed is None


def test_bad_seed_is_refused_before_running():
    with pytest.raises(nu.ParameterError, match=r"seed must be None or an integer in \[0, 2\*\*64\), got -1"):
        nu.sweep(NoisyLIF, grid=GRID, seed=-1, **RUN)
