"""The numba helpers of generated kernels: exp, log, phi1, sigmoid, softplus, expm."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from numba import njit

from neurounits.codegen import runtime as rt


@njit
def _apply(x, out_exp, out_log):
    for i in range(x.shape[0]):
        out_exp[i] = rt.exp(x[i])
        out_log[i] = rt.log(abs(x[i]))


def test_exp_and_log_within_two_ulp_and_special_values():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-700, 700, 200_000), rng.uniform(-1, 1, 200_000),
                        10.0 ** rng.uniform(-300, 300, 50_000), [1e-310, 5e-324]])
    e, lg = np.empty_like(x), np.empty_like(x)
    _apply(x, e, lg)
    ref_e = np.exp(np.clip(x, -700, 700))
    mask = np.abs(x) <= 700
    assert np.max(np.abs(e[mask] / ref_e[mask] - 1)) <= 2 * np.finfo(float).eps
    ref_l = np.log(np.abs(x))
    big = np.abs(ref_l) > 1e-3
    assert np.max(np.abs(lg[big] / ref_l[big] - 1)) <= 2 * np.finfo(float).eps
    assert np.max(np.abs(lg[~big] - ref_l[~big])) <= 1e-18  # near x = 1: absolute error
    special = np.array([0.0, np.inf, -np.inf, np.nan, 709.7, 710.0, -707.9, -750.0])
    e, lg = np.empty_like(special), np.empty_like(special)
    _apply(special, e, lg)
    assert e[0] == 1.0 and e[1] == np.inf and e[2] == 0.0 and np.isnan(e[3])
    assert e[4] == pytest.approx(np.exp(709.7), rel=1e-15) and e[5] == np.inf
    assert e[6] == pytest.approx(np.exp(-707.9), rel=1e-15) and e[7] == 0.0
    assert lg[0] == -np.inf and lg[1] == np.inf and lg[2] == np.inf and np.isnan(lg[3])
    e, lg = np.empty(1), np.empty(1)
    _apply(np.array([-1.0]), e, lg)
    assert lg[0] == 0.0  # log(abs(-1))
    assert np.isnan(_log_of(-1.0))  # NaN for negative arguments


@njit
def _log_of(x):
    return rt.log(x)


@pytest.mark.parametrize("fastmath", [False, {"contract"}])
def test_exp_and_log_intrinsics_emit_the_reference_bits(fastmath):
    """exp and log emit, instruction for instruction, what numba compiles for exp_reference and
    log_reference, with the caller's fast-math flags (fused multiply-adds in adaptive kernels)."""
    ref_exp = njit(fastmath=fastmath, error_model="numpy")(rt.exp_reference)
    ref_log = njit(fastmath=fastmath, error_model="numpy")(rt.log_reference)

    @njit(fastmath=fastmath, error_model="numpy")
    def run(x, out):
        for i in range(x.shape[0]):
            out[0, i] = rt.exp(x[i])
            out[1, i] = ref_exp(x[i])
            out[2, i] = rt.log(x[i])
            out[3, i] = ref_log(x[i])

    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(-750, 750, 100_000), rng.uniform(-1, 1, 50_000),
                        10.0 ** rng.uniform(-320, 308, 50_000), -(10.0 ** rng.uniform(-320, 308, 1000)),
                        [0.0, -0.0, np.inf, -np.inf, np.nan, 709.78, 709.79, -708.0, -708.1, 5e-324]])
    out = np.empty((4, x.size))
    run(x, out)
    bits = out.view(np.int64)
    assert (bits[0] == bits[1]).all() and (bits[2] == bits[3]).all()


def test_select_min_max_and_lane_helpers():
    @njit
    def f(a, c):
        return (rt.sel(c, 1, 2.5), rt.min2(3, 2.0), rt.max2(np.nan, 1.0), rt.max2(1.0, np.nan),
                rt.at(a, 1), rt.at(7.0, 1), rt.lane(a, a, 2), rt.lane(5, a, 2))
    got = f(np.array([1.0, 2.0, 3.0]), True)
    assert got[:2] == (1.0, 2.0) and np.isnan(got[2]) and got[3] == 1.0  # Python's and numba's min/max
    assert got[4:] == (2.0, 7.0, 3.0, 5)


def test_phi1_sigmoid_softplus():
    assert rt.phi1(0.0) == 1.0
    assert rt.phi1(1e-12) == pytest.approx(1.0 + 5e-13, rel=1e-15)
    assert rt.phi1(2.0) == pytest.approx((np.exp(2.0) - 1) / 2.0, rel=1e-15)
    assert rt.sigmoid(-800.0) == 0.0 and rt.sigmoid(800.0) == 1.0
    assert rt.sigmoid(1.5) == pytest.approx(1 / (1 + np.exp(-1.5)), rel=1e-15)
    assert rt.softplus(800.0) == 800.0
    assert rt.softplus(-3.0) == pytest.approx(np.log1p(np.exp(-3.0)), rel=1e-15)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 50.0])
def test_expm_and_block_propagators_match_scipy(scale):
    rng = np.random.default_rng(int(scale * 10))
    m = rng.normal(size=(4, 4)) * scale
    np.testing.assert_allclose(rt.expm(m), scipy.linalg.expm(m), rtol=1e-12, atol=1e-300)
    e, p = rt.expm_block(m[:2, :2], 0.1)
    big = np.zeros((4, 4))
    big[:2, :2] = m[:2, :2] * 0.1
    big[:2, 2:] = np.eye(2) * 0.1
    ref = scipy.linalg.expm(big)
    np.testing.assert_allclose(e, ref[:2, :2], rtol=1e-12)
    np.testing.assert_allclose(p, ref[:2, 2:], rtol=1e-12, atol=1e-18)


def test_spike_list_grows_past_its_first_capacity():
    """The kernel's spike list starts with room for 1,024 spikes here and grows (runtime.grow) as
    needed: 20 neurons that fire at every one of 100 steps give all 2,000 (step, neuron) pairs, in
    order; an adaptive kernel (spikes inside sub-steps) keeps every spike too."""
    import neurounits as nu

    m = nu.models.LIF(n=20, t_ref=nu.Q_(0.0, "ms"))
    res = nu.simulate(m, "10 ms", "0.1 ms", inputs={"I": "5000 nA"}, record=(), threads=1)
    steps = np.round(res.spikes.times.magnitude / 0.1).astype(int)
    assert res.spikes.indices.size == 2000
    assert (steps == np.repeat(np.arange(1, 101), 20)).all()
    assert (res.spikes.indices == np.tile(np.arange(20), 100)).all()
    a = nu.simulate(nu.models.nest.aeif_cond_alpha(n=12, I_e=nu.Q_(20000.0, "pA"), t_ref=nu.Q_(0.0, "ms")),
                    "100 ms", "0.1 ms", record=(), threads=1)
    counts = np.bincount(a.spikes.indices, minlength=12)
    assert a.spikes.indices.size > 1200 and (counts == counts[0]).all()  # room for 10 * 12 * 1000 / 100
    assert (np.diff(a.spikes.times.magnitude) >= 0).all()
