"""Measured strong and weak orders of the stochastic integrators.

The noise of a model is reproducible: the standard normal number of neuron i (its global
index), time step j and noise k is ``neurounits.codegen.runtime.normal(seed, i, j, k)``, a pure
function, and the Brownian increment of the step is sqrt(dt) times it.  So the Brownian path
that a run used can be rebuilt here exactly, and the exact solution of a problem with a
closed form evaluated on that same path.  (Refining dt does not refine one path: the draws are
keyed by the step index, so each dt samples its own paths; every error below compares a run
with the exact solution on its own paths, and averages over many neurons.)

Problem: geometric Brownian motion dx = mu x dt + s x dW (Ito), x(0) = x0, with
x(t) = x0 exp((mu - s^2/2) t + s W(t)).  Euler-Maruyama's step is x (1 + mu dt + s dW), so

- strong order 1/2: E|x_N - x(T)| ~ dt^(1/2) (multiplicative noise, no Milstein correction);
- weak order 1, with the bias known in closed form: E[x_N] = x0 (1 + mu dt)^N and
  E[x_N^2] = x0^2 ((1 + mu dt)^2 + s^2 dt)^N, against x0 e^(mu T) and x0^2 e^((2 mu + s^2) T).
  The weak error is estimated as the mean of f(x_N) - f(x(T)) over neurons (the same paths:
  a coupled estimate whose standard error, from the sample variance, is ~30x smaller than that
  of the mean of f(x_N) alone), and must agree with the closed-form bias within 5 standard
  errors.

Measured with these seeds: strong order 0.47 (dt = 1/8 .. 1/256 ms, 4,000 paths); weak order
0.94 for the mean and 0.91 for the second moment (dt = 1/8 .. 1/64 ms, 10,000 paths, every
weak error 24-48 standard errors from zero).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import STOCHASTIC_METHODS
from numba import njit

import neurounits as nu
from neurounits.codegen import runtime

MU, S, X0, T = 1.0, 1.0, 1.0, 1.0  # 1/ms, 1/sqrt(ms), dimensionless, ms
SEED = 3
GBM = nu.Model.from_equations("dx/dt = mu*x + s*x*xi : 1",
                              parameters={"mu": f"{MU} 1/ms", "s": f"{S} ms**-0.5"},
                              initial={"x": X0}, name="GBM")
STRONG_DTS = tuple(2.0**-k for k in range(3, 9))  # 1/8 .. 1/256 ms
STRONG_N = 4000
WEAK_S = 0.5  # a smaller noise: the second moment stays a few times the mean
WEAK_DTS = tuple(2.0**-k for k in range(3, 7))  # 1/8 .. 1/64 ms: the bias is near its asymptote
WEAK_N = 10_000
SLOPE_TOL = 0.1


@njit
def brownian_increments(seed, neurons, n_steps, dt, k):
    """dW[j, i] of neuron ``neurons[i]`` in step j, for noise number ``k``, as the kernels draw them."""
    out = np.empty((n_steps, neurons.size))
    sq = math.sqrt(dt)
    for j in range(n_steps):
        for i in range(neurons.size):
            out[j, i] = runtime.normal(seed, neurons[i], j, k) * sq
    return out


def run_gbm(n, dt, s=S, seed=SEED):
    """(t, Euler-Maruyama x, exact x on the same Brownian paths), each of shape (steps + 1, n)."""
    res = nu.simulate(GBM(n=n, s=nu.Q_(s, "ms**-0.5")), f"{T} ms", f"{dt} ms", method="euler_maruyama",
                      seed=seed, threads=1)
    assert res.method == "euler_maruyama"
    x = res["x"].to("dimensionless").magnitude
    t = res.t.to("ms").magnitude
    dw = brownian_increments(np.uint64(seed), np.arange(n, dtype=np.int64), x.shape[0] - 1, dt, 0)
    w = np.vstack([np.zeros((1, n)), np.cumsum(dw, axis=0)])
    exact = X0 * np.exp((MU - s**2 / 2) * t[:, None] + s * w)
    return t, x, exact, dw


def test_stochastic_methods_are_listed():
    assert set(STOCHASTIC_METHODS) == {"euler_maruyama", "stochastic_exponential_euler"}


def test_rebuilt_increments_are_the_ones_the_kernel_used():
    """Every step of the run is x (1 + mu dt + s dW) with the rebuilt dW, to round-off."""
    dt = 0.125
    _, x, _, dw = run_gbm(50, dt)
    np.testing.assert_allclose(x[1:], x[:-1] * (1 + MU * dt + S * dw), rtol=1e-12)
    # the increments are those of a Brownian motion: mean 0, variance dt, independent steps
    z = dw.ravel() / math.sqrt(dt)
    assert abs(z.mean()) < 5 / math.sqrt(z.size) and abs(z.var() - 1) < 5 * math.sqrt(2 / z.size)
    assert abs(np.corrcoef(dw[:-1].ravel(), dw[1:].ravel())[0, 1]) < 5 / math.sqrt(z.size)


def test_euler_maruyama_strong_order_one_half():
    errs, ses = [], []
    for dt in STRONG_DTS:
        _, x, exact, _ = run_gbm(STRONG_N, dt)
        e = np.abs(x[-1] - exact[-1])
        errs.append(e.mean())
        ses.append(e.std(ddof=1) / math.sqrt(STRONG_N))
    slope = float(np.polyfit(np.log(STRONG_DTS), np.log(errs), 1)[0])
    assert all(e > 20 * se for e, se in zip(errs, ses, strict=True)), (errs, ses)  # sampling noise small
    assert abs(slope - 0.5) < SLOPE_TOL, f"strong order {slope:.3f} (errors {errs})"


@pytest.mark.parametrize("moment", ["mean", "second_moment"])
def test_euler_maruyama_weak_order_one_with_multiplicative_noise(moment):
    s = WEAK_S
    power = 1 if moment == "mean" else 2
    exact_moment = X0**power * math.exp((power * MU + (power - 1) * s**2) * T)
    errs = []
    for dt in WEAK_DTS:
        n_steps = round(T / dt)
        em_factor = (1 + MU * dt) if power == 1 else (1 + MU * dt) ** 2 + s**2 * dt
        em_moment = X0**power * em_factor**n_steps  # Euler-Maruyama's own moment, in closed form
        _, x, exact, _ = run_gbm(WEAK_N, dt, s=s, seed=SEED + 2)
        fx, fe = x[-1] ** power, exact[-1] ** power
        # the run's distribution: the sample moment against Euler-Maruyama's, within 5 standard errors
        se_alone = fx.std(ddof=1) / math.sqrt(WEAK_N)
        assert abs(fx.mean() - em_moment) < 5 * se_alone, (dt, fx.mean(), em_moment, se_alone)
        # the weak error, estimated on coupled paths, against the closed-form bias
        d = fx - fe
        err, se = d.mean(), d.std(ddof=1) / math.sqrt(WEAK_N)
        assert abs(err - (em_moment - exact_moment)) < 5 * se, (dt, err, em_moment - exact_moment, se)
        assert abs(err) > 10 * se, (dt, err, se)  # the fit below measures the bias, not noise
        errs.append(abs(err))
    slope = float(np.polyfit(np.log(WEAK_DTS), np.log(errs), 1)[0])
    assert abs(slope - 1.0) < 0.15, f"weak order ({moment}) {slope:.3f} (errors {errs})"


def test_weak_order_of_the_mean():
    """Weak convergence, measured: the population mean of an OU process at T = 8 ms (x0 = 10 mV,
    tau = 10 ms, sigma = 0.02 mV/sqrt(ms), 20,000 neurons) against exp(-T/tau) x0.

    Euler-Maruyama's mean is Euler's, (1 - dt/tau)^n x0: its error halves with dt (slope of
    log error against log dt is 1 within 0.15).  The stochastic exponential Euler is exact in
    distribution for this process: its error stays within 5 standard errors at every dt.
    """
    ou = nu.Model.from_equations("dx/dt = -x/tau + sigma*xi : mV",
                                 parameters={"tau": "10 ms", "sigma": "0.02 mV/ms**0.5"},
                                 initial={"x": "10 mV"}, name="OUWeak")(n=20_000)
    exact = 10.0 * math.exp(-0.8)
    sd = 0.02 * math.sqrt(10.0 / 2 * (1 - math.exp(-1.6)))  # std of x(T) across neurons
    se = sd / math.sqrt(20_000)
    dts = (0.8, 0.4, 0.2, 0.1)
    errors = {}
    for method in ("euler_maruyama", "stochastic_exponential_euler"):
        errors[method] = []
        for dt in dts:
            res = nu.simulate(ou, "8 ms", f"{dt} ms", method=method, seed=11, record=("x",), threads=1)
            errors[method].append(abs(res["x"][-1].to("mV").magnitude.mean() - exact))
    slope = np.polyfit(np.log(dts), np.log(errors["euler_maruyama"]), 1)[0]
    assert abs(slope - 1.0) < 0.15, (slope, errors["euler_maruyama"])
    assert min(errors["euler_maruyama"]) > 20 * se  # the fit measures the bias, not sampling noise
    assert max(errors["stochastic_exponential_euler"]) < 5 * se, errors["stochastic_exponential_euler"]
