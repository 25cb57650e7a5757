"""An ensemble over seeds from nu.sweep has the statistics of independent networks: spike counts of
Poisson-driven neurons follow their exact law, and the seed-to-seed spread is that of independent
draws."""

from __future__ import annotations

import numpy as np
import pytest
from network_builds import count_stats, delta_parrots, shot_noise, v_stats
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


def test_seed_ensemble_of_shot_noise_driven_membranes_obeys_campbells_theorem():
    # below threshold V_m is shot noise: each input spike adds h(t) = J tau_m tau_s / (C (tau_m - tau_s))
    # * (exp(-t/tau_m) - exp(-t/tau_s)); by Campbell's theorem its mean is E_L + nu * J tau_s tau_m / C and
    # its variance nu * integral(h^2) (NEST's iaf_psc_exp defaults: C = 250 pF, tau_m = 10 ms, tau_s = 2 ms)
    seeds = list(range(1, 7))
    sw = nu.sweep(
        shot_noise, {"rate": nu.Q_([5.0, 10.0], "kHz"), "seed": seeds}, duration="600 ms", measure=v_stats
    )
    J, C, tm, ts = 10.0, 250.0, 10.0, 2.0  # pA, pF, ms, ms
    a = J * tm * ts / (C * (tm - ts))  # mV
    h2 = a**2 * (tm / 2 + ts / 2 - 2 * tm * ts / (tm + ts))  # mV^2 ms
    assert sw.units["mean_V"] == "mV" and sw.units["var_V"] == "mV**2"
    for k, nu_per_ms in enumerate((5.0, 10.0)):
        rows = slice(k * len(seeds), (k + 1) * len(seeds))
        means, variances = sw.columns["mean_V"][rows], sw.columns["var_V"][rows]
        mean, var = -70.0 + nu_per_ms * J * ts * tm / C, nu_per_ms * h2
        se = means.std(ddof=1) / np.sqrt(len(seeds))  # the seeds' networks are independent
        assert abs(means.mean() - mean) < 5 * se and abs(means.mean() - mean) < 0.02, (means.mean(), mean, se)
        se_var = variances.std(ddof=1) / np.sqrt(len(seeds))
        assert abs(variances.mean() - var) < 5 * se_var and abs(variances.mean() / var - 1) < 0.06, (
            variances.mean(),
            var,
            se_var,
        )
        assert means.std() > 0  # independent Poisson trains for every seed
