"""An ensemble over seeds from nu.sweep has the statistics of independent networks: spike counts of
Poisson-driven neurons follow their exact law, and the seed-to-seed spread is that of independent
draws."""

from __future__ import annotations

import numpy as np
import pytest
from network_builds import count_stats, delta_parrots
from scipy import stats

import neurounits as nu

SEEDS, N, STEPS = 16, 50, 2000  # networks, neurons per network, steps of 0.1 ms (200 ms)


def test_seed_ensemble_of_poisson_driven_neurons_follows_the_binomial_count_law():
    # each neuron spikes once in every step in which >= 1 of its Poisson input spikes arrives
    # (rate*dt = 0.5 per step), in the STEPS - 1 steps that an input spike can reach (delay: one step):
    # its count is Binomial(STEPS - 1, p) with p = 1 - exp(-0.5), not Poisson (variance below the mean)
    sw = nu.sweep(
        delta_parrots,
        {"rate": nu.Q_([5.0], "kHz"), "seed": list(range(SEEDS)), "n": [N]},
        duration=f"{STEPS / 10} ms",
        measure=count_stats,
    )
    assert len(sw.index) == SEEDS and not sw.failed
    p = 1 - np.exp(-0.5)
    mean, var = (STEPS - 1) * p, (STEPS - 1) * p * (1 - p)
    means, variances = sw.columns["mean_count"], sw.columns["var_count"]
    # the grand mean: within 4 standard errors of the law's mean
    z = (means.mean() - mean) / np.sqrt(var / (N * SEEDS))
    assert abs(z) < 4, z
    # the pooled variance over neurons: chi-squared with SEEDS*(N-1) degrees of freedom (two-sided 0.1 %)
    dof = SEEDS * (N - 1)
    pooled = np.sum((N - 1) * variances) / var
    assert stats.chi2.ppf(0.0005, dof) < pooled < stats.chi2.ppf(0.9995, dof), pooled / dof
    assert abs(np.mean(variances) / mean - np.exp(-0.5)) < 0.1  # Fano factor exp(-0.5) = 0.61, not 1
    # seeds give independent networks: the spread of the network means is that of N neurons each
    spread = (SEEDS - 1) * means.var(ddof=1) / (var / N)
    assert stats.chi2.ppf(0.0005, SEEDS - 1) < spread < stats.chi2.ppf(0.9995, SEEDS - 1), spread
    assert len(set(zip(means, variances, strict=True))) == SEEDS  # no two networks alike


def test_an_ensemble_is_the_same_whatever_the_backend_and_workers():
    grid = {"rate": nu.Q_([2.0, 5.0], "kHz"), "seed": [7, 8, 9], "n": [10]}
    a = nu.sweep(delta_parrots, grid, duration="50 ms", measure=count_stats, backend="serial")
    b = nu.sweep(delta_parrots, grid, duration="50 ms", measure=count_stats, backend="threads", workers=3)
    np.testing.assert_array_equal(a.columns["mean_count"], b.columns["mean_count"])
    np.testing.assert_array_equal(a.columns["var_count"], b.columns["var_count"])
    assert a.columns["mean_count"][3:].mean() > a.columns["mean_count"][:3].mean()  # the rate reaches it
    one = count_stats(nu.simulate(delta_parrots(nu.Q_(5.0, "kHz"), 9, n=10), "50 ms"))
    assert b.columns["mean_count"][5] == pytest.approx(one["mean_count"], rel=0, abs=0)
