"""Exact integration of a chain of k linear states (dx_0/dt = (u - x_0)/tau, dx_j/dt = (x_{j-1} - x_j)/tau)
against its closed form: from rest, under a constant drive u,
x_j(t) = u (1 - e^{-t/tau} sum_{m<=j} (t/tau)^m/m!).
The kernel receives only the propagator entries the step uses (not 3 k^2 arrays): 20 states compile in
seconds (was over 300 s)."""

from __future__ import annotations

import math

import numpy as np

import neurounits as nu
from neurounits.codegen import KernelSpec
from neurounits.integrators import get as get_integrator

K = 20


def _chain(k):
    eqs = "\n".join(
        ["dx0/dt = (u - x0)/tau : mV"] + [f"dx{j}/dt = (x{j - 1} - x{j})/tau : mV" for j in range(1, k)]
    )
    return nu.Model.from_equations(eqs, parameters={"tau": "5 ms"}, inputs={"u": "mV"}, name=f"Chain{k}")


def test_chain_of_twenty_states_matches_its_closed_form():
    Chain = _chain(K)
    res = nu.simulate(
        Chain(n=2, tau=nu.Q_([5.0, 2.0], "ms")),
        "40 ms",
        "0.1 ms",
        inputs={"u": "10 mV"},
        record=("x0", "x9", f"x{K - 1}"),
        method="exact",
    )
    t = res.t.to("ms").magnitude
    for j in (0, 9, K - 1):
        for i, tau in enumerate((5.0, 2.0)):
            s = t / tau
            want = 10.0 * (1.0 - np.exp(-s) * sum(s**m / math.factorial(m) for m in range(j + 1)))
            np.testing.assert_allclose(res[f"x{j}"][:, i].to("mV").magnitude, want, rtol=1e-9, atol=1e-12)


def test_kernel_receives_only_the_propagator_entries_the_step_uses():
    spec = _chain(K)(n=1).spec
    ks = KernelSpec(spec, get_integrator("exact", spec).step(spec), record=(), per_neuron_inputs=())
    names = ks.derived_names()
    # E is lower triangular (x_j depends on x_0..x_j): K (K + 1) / 2 entries; P: one column (x_0 is driven)
    assert sum(n.startswith("D_E_") for n in names) == K * (K + 1) // 2
    assert sum(n.startswith("D_P_") for n in names) == K
    assert not any(n.startswith("D_M_") for n in names)
