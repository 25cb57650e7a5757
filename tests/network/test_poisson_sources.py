"""Poisson sources of networks (time rescaling): per-step counts against the exact Poisson law, steps
independent, TimedArray rates, large means; the same bits on one thread, on a team, continued, and in
a sweep of networks."""

from __future__ import annotations

import numpy as np
from scipy import stats

import neurounits as nu
from neurounits.codegen import runtime
from neurounits.codegen.network import SMALL_MEAN

DT = 0.1  # ms


class Counter(nu.Model):
    """Adds up the weights it receives (no dynamics, no threshold)."""

    x = nu.State("mV", doc="sum of the weights received")
    r = nu.Receptor("mV", "x += w")
    equations = "dx/dt = 0 mV/ms : mV"


def _counts(rate, n: int, steps: int, seed: int = 4) -> np.ndarray:
    """Per-step counts (steps - 1, n) of ``n`` Poisson trains of ``rate`` (a frequency or a
    TimedArray), emitted in steps 0 .. steps - 2 (one-step delay)."""
    net = nu.Network(seed=seed)
    C = net.add(Counter(n=n), name="C")
    net.connect(nu.sources.Poisson(rate), C, weight="1 mV", delay=f"{DT} ms")
    net.record(C, "x")
    x = nu.simulate(net, f"{steps * DT} ms", dt=f"{DT} ms")["C"]["x"].to("mV").magnitude
    return np.rint(np.diff(x, axis=0)[1:]).astype(np.int64)


def _chi2_pvalue(counts: np.ndarray, lam: float) -> float:
    """Chi-squared p-value of the histogram of ``counts`` against Poisson(lam), bins of expected
    count >= 20 (the last bin: everything above)."""
    kmax = int(stats.poisson.ppf(1 - 1e-6, lam))
    ks = [k for k in range(kmax + 1) if stats.poisson.pmf(k, lam) * counts.size >= 20]
    lo, hi = ks[0], ks[-1]
    obs = [np.sum(counts <= lo)] + [np.sum(counts == k) for k in range(lo + 1, hi)] + [np.sum(counts >= hi)]
    exp = [stats.poisson.cdf(lo, lam)] + [stats.poisson.pmf(k, lam) for k in range(lo + 1, hi)]
    exp = np.array([*exp, stats.poisson.sf(hi - 1, lam)]) * counts.size
    assert len(obs) >= 5 and np.sum(counts >= 2) > 1000  # the law is tested beyond 0 and 1
    return float(stats.chisquare(np.array(obs), exp).pvalue)


def test_counts_per_step_are_poisson_with_a_mean_of_three_and_steps_are_independent():
    """Mean 3 per step (30 kHz at 0.1 ms): the histogram of counts (0 .. 9 and more) is
    Poisson(3); counts of consecutive steps and of two steps apart are uncorrelated (with the
    exact mean known, the correlation's standard error is 1/sqrt(pairs)), and the sums of two
    steps are Poisson(6)."""
    lam = 3.0
    c = _counts("30 kHz", 400, 201)
    assert c.shape == (200, 400)
    assert _chi2_pvalue(c.ravel(), lam) > 1e-4
    z = (c - lam) / np.sqrt(lam)
    for lag in (1, 2):
        r = (z[:-lag] * z[lag:]).mean()
        assert abs(r) < 4 / np.sqrt(z[lag:].size), (lag, r)
    assert _chi2_pvalue((c[0::2] + c[1::2]).ravel(), 2 * lam) > 1e-4
    assert abs(z.mean()) < 4 / np.sqrt(z.size) and abs(z.var() - 1) < 4 * np.sqrt(
        2 / z.size * (1 + 1 / (2 * lam))
    )


def test_small_mean_histogram_and_a_mean_above_sixteen():
    """Mean 0.24 per step (COBA's drive): Poisson(0.24); mean 40 per step (400 kHz): Poisson(40)
    by histogram, mean and variance."""
    assert _chi2_pvalue(_counts("2.4 kHz", 2000, 102).ravel(), 0.24) > 1e-4
    c = _counts("400 kHz", 300, 42)
    assert _chi2_pvalue(c.ravel(), 40.0) > 1e-4
    assert abs(c.mean() - 40) < 4 * np.sqrt(40 / c.size)
    assert abs(c.var() / 40 - 1) < 4 * np.sqrt(2 / c.size)


def test_a_piecewise_timed_rate_gives_each_piece_its_mean():
    """A TimedArray of rates 1, 0, 5, 20 kHz for 2 ms each: mean counts 0.1, 0, 0.5, 2 per step
    in each piece (Poisson: variance = mean), nothing at all in the silent piece."""
    rates = nu.TimedArray(nu.Q_([1.0, 0.0, 5.0, 20.0], "kHz"), dt="2 ms")
    c = _counts(rates, 3000, 82)  # emissions of steps 0 .. 79
    for piece, lam in enumerate((0.1, 0.0, 0.5, 2.0)):
        part = c[20 * piece : 20 * piece + 20]
        if lam == 0.0:
            assert not part.any()
            continue
        assert abs(part.mean() - lam) < 4 * np.sqrt(lam / part.size), (piece, part.mean())
        assert abs(part.var() / lam - 1) < 4 * np.sqrt((2 + 1 / lam) / part.size), (piece, part.var())


def _stream_counts(rate: str, n: int, steps: int, seed: int = 8) -> tuple[np.ndarray, np.uint64]:
    net = nu.Network(seed=seed)
    C = net.add(Counter(n=n), name="C")
    net.connect(nu.sources.Poisson(rate), C, weight="1 mV", delay=f"{DT} ms")
    net.record(C, "x")
    key = np.uint64(net.build(f"{DT} ms").input_seed)
    x = nu.simulate(net, f"{steps * DT} ms", dt=f"{DT} ms")["C"]["x"].to("mV").magnitude
    return np.rint(np.diff(x, axis=0)[1:]).astype(np.int64), key


def test_counts_are_the_rescaled_unit_rate_process_of_the_seed():
    """Below a mean of SMALL_MEAN per step, stream m's events are those of a unit-rate process with
    intervals exp_interval(seed, m, k) on the cumulative mean count: the kernel's counts are that
    recurrence's, bit for bit."""
    got, seed = _stream_counts("4 kHz", 5, 80)
    lam = 4.0 * DT
    assert lam < SMALL_MEAN
    for m in range(5):
        rem, k = runtime.exp_interval(seed, m, 0), 0
        want = []
        for _ in range(got.shape[0]):
            rem -= lam
            c = 0
            while rem <= 0.0:
                c, k = c + 1, k + 1
                rem += runtime.exp_interval(seed, m, k)
            want.append(c)
        np.testing.assert_array_equal(got[:, m], want)
    assert got.sum() > 100


def test_large_means_draw_each_step_by_inversion():
    """From SMALL_MEAN per step on, the count of stream m in step g is poisson(lam, seed, m, g)
    (inversion with one uniform number), bit for bit."""
    got, seed = _stream_counts("12 kHz", 5, 60)
    lam = 12.0 * DT
    assert lam >= SMALL_MEAN
    for m in range(5):
        want = [runtime.poisson(lam, np.exp(-lam), seed, m, g) for g in range(got.shape[0])]
        np.testing.assert_array_equal(got[:, m], want)
    assert got.sum() > 250


def _net(seed: int = 3) -> nu.Network:
    """Spiking neurons with two Poisson sources (one a TimedArray, a delay of 3 steps) on
    overlapping targets, recurrent coupling with delays of 2 steps."""
    net = nu.Network(seed=seed)
    P = net.add(
        nu.models.nest.iaf_psc_delta(n=300), name="P", initial={"V_m": nu.dist.Uniform("-70 mV", "-56 mV")}
    )
    net.connect(P, P, nu.conn.FixedProbability(0.05), weight="0.4 mV", delay="0.2 ms")
    net.connect(nu.sources.Poisson("4 kHz"), P, weight="0.6 mV", delay="0.2 ms")
    rates = nu.TimedArray(nu.Q_([2.0, 40.0, 0.0, 3.0, 20.0], "kHz"), dt="3 ms")  # rescaled and inverted steps
    net.connect(nu.sources.Poisson(rates), P[100:], weight="0.3 mV", delay="0.3 ms")
    net.record(P, spikes=True)
    net.record(P[::29], "V_m")
    return net


def _sim(threads: int, pieces: tuple[str, ...]) -> nu.Simulation:
    sim = nu.Simulation(_net(), "0.1 ms", threads=threads)
    sim._runner.adaptive = False  # the team for every piece (not chosen by time)
    for d in pieces:
        sim.run(d)
    return sim


def test_same_bits_on_one_thread_on_a_team_and_continued():
    """One 20 ms run on one thread, the same on a team of two in pieces that cut the team's slices
    anywhere, and on one thread in pieces: the same spikes, traces and Poisson streams' state."""
    one = _sim(1, ("20 ms",))
    assert one._runner.team is None and one.results["P"].spikes.indices.size > 300
    for sim in (_sim(2, ("3.3 ms", "9.1 ms", "7.6 ms")), _sim(1, ("0.1 ms", "12.5 ms", "7.4 ms"))):
        assert (sim._runner.team is not None) == (sim._runner.threads == 2)
        a, b = one.results["P"], sim.results["P"]
        np.testing.assert_array_equal(a.spikes.times.magnitude, b.spikes.times.magnitude)
        np.testing.assert_array_equal(a.spikes.indices, b.spikes.indices)
        np.testing.assert_array_equal(a["V_m"].magnitude, b["V_m"].magnitude)
        np.testing.assert_array_equal(one._runner.ps_rem, sim._runner.ps_rem)
        np.testing.assert_array_equal(one._runner.ps_nev, sim._runner.ps_nev)
    assert one._runner.ps_nev.min() > 0  # every stream has had events (rescaled steps)


def _measure(res) -> dict:
    sp = res["P"].spikes
    return {
        "spikes": sp.indices.size,
        "key": float(np.sum(np.rint(sp.times.m_as("ms") / DT) * (sp.indices + 1))),
    }


def test_a_sweep_of_networks_gives_the_runs_of_each_network():
    """nu.sweep over seeds (threads and serial backends): each set's spikes are those of a direct
    run of that network."""
    grid = {"seed": [3, 7]}
    for backend in ("threads", "serial"):
        sw = nu.sweep(_net, grid, duration="15 ms", measure=_measure, backend=backend)
        for i, seed in enumerate(grid["seed"]):
            direct = _measure(nu.simulate(_net(seed), "15 ms", dt="0.1 ms"))
            assert sw.columns["spikes"][i] == direct["spikes"] > 100
            assert sw.columns["key"][i] == direct["key"]
