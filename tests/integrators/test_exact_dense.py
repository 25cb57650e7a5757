"""Exact integration of large linear systems in the dense form (more than DENSE_STATES states): E and P
as (n, k, k) stacks computed once per neuron, one matrix-vector product per step, so the generated
code grows with k, not k^2 (#14; compile times: benchmarks/bench_compile.py --chain 50)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import neurounits as nu
from neurounits.codegen import KernelSpec
from neurounits.integrators import exact
from neurounits.integrators import get as get_integrator

K = 50
REF = Path(__file__).parents[1] / "reference"


def _chain(k):
    eqs = "\n".join(
        ["dx0/dt = (u - x0)/tau : mV"] + [f"dx{j}/dt = (x{j - 1} - x{j})/tau : mV" for j in range(1, k)]
    )
    return nu.Model.from_equations(eqs, parameters={"tau": "5 ms"}, inputs={"u": "mV"}, name=f"Chain{k}")


def test_chain_of_fifty_states_matches_its_closed_form():
    res = nu.simulate(
        _chain(K)(n=2, tau=nu.Q_([5.0, 2.0], "ms")),
        "40 ms",
        "0.1 ms",
        inputs={"u": "10 mV"},
        record=("x0", "x24", f"x{K - 1}"),
        method="exact",
    )
    t = res.t.to("ms").magnitude
    for j in (0, 24, K - 1):
        for i, tau in enumerate((5.0, 2.0)):
            s = t / tau
            want = 10.0 * (1.0 - np.exp(-s) * sum(s**m / math.factorial(m) for m in range(j + 1)))
            np.testing.assert_allclose(res[f"x{j}"][:, i].to("mV").magnitude, want, rtol=1e-9, atol=1e-12)


def test_the_dense_form_passes_two_stacks_and_generates_code_linear_in_k():
    assert K > exact.DENSE_STATES >= 20
    sizes = {}
    for k in (30, 60):
        spec = _chain(k)(n=1).spec
        ks = KernelSpec(spec, get_integrator("exact", spec).step(spec), record=(), per_neuron_inputs=())
        names = ks.derived_names()
        assert "D_DENSE_E" in names and "D_DENSE_P" in names
        assert not any(n.startswith(("D_E_", "D_P_", "D_M_")) for n in names)
        from neurounits.simulation import kernels

        src = kernels.kernel_source(kernels.KernelChoice(spec, "exact", ()))
        body = src[src.index("def _body(") :]
        sizes[k] = len(body.splitlines())
    assert sizes[60] < 2.3 * sizes[30]  # linear (k^2 would be 4x)


def _dense_everywhere(monkeypatch):
    monkeypatch.setattr(exact, "DENSE_STATES", 1)


def test_dense_form_of_iaf_psc_exp_matches_nest(monkeypatch):
    """The dense form with everything a step has: a constant term, an input, refractoriness holding V_m,
    spikes by sign, threshold and reset: NEST 3.10's trace to 1e-9, identical spikes."""
    _dense_everywhere(monkeypatch)

    class iaf_psc_exp_dense(nu.models.nest.iaf_psc_exp):  # another name: another kernel
        pass

    d = np.load(REF / "iaf_psc_exp_spikes.npz", allow_pickle=False)
    meta, inputs = json.loads(str(d["params_json"])), json.loads(str(d["inputs_json"]))
    model = iaf_psc_exp_dense(
        **{k: nu.Q_(v, iaf_psc_exp_dense._decl[k].unit) for k, v in meta["set"].items()}
    )
    spikes = [
        nu.SpikeInput(times=nu.Q_(s["arrival_times"], "ms"), weight=nu.Q_(s["weight"], "pA"))
        for s in inputs["spikes"]
    ]
    res = nu.simulate(
        model,
        nu.Q_(meta["duration"], "ms"),
        nu.Q_(float(d["dt"]), "ms"),
        spike_inputs=spikes,
        record=("V_m", "I_syn_ex", "I_syn_in"),
    )
    from neurounits.simulation import kernels

    assert "_rt.dense_step(" in kernels.kernel_source(kernels.KernelChoice(model.spec, "exact", ("V_m",)))
    for k in ("V_m", "I_syn_ex", "I_syn_in"):
        scale = np.max(np.abs(d[k]))
        np.testing.assert_allclose(res[k].m[1:, 0], d[k], rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(res.spikes.times.to("ms").m, d["spike_times"], rtol=0, atol=1e-9)
    assert len(d["spike_times"]) > 0


@pytest.mark.parametrize("uniform", [True, False])
def test_dense_form_in_a_network_equals_the_entrywise_form(monkeypatch, uniform):
    """The dense form in a network's step module (shared or per-neuron parameters) gives the
    entry-wise form's spikes and traces to rounding."""

    def run(cls):
        net = nu.Network(seed=3)
        tau = "10 ms" if uniform else nu.Q_(np.linspace(9.0, 11.0, 12), "ms")
        P = net.add(
            cls(n=12, I_e="390 pA", tau_m=tau), name="P", initial={"V_m": nu.dist.Uniform("-70 mV", "-56 mV")}
        )
        net.connect(P, P, nu.conn.FixedInDegree(3), weight="30 pA", delay="1 ms")
        net.record(P, "V_m", "I_syn_ex", spikes=True)
        return nu.simulate(net, "60 ms", "0.1 ms")["P"]

    class iaf_entrywise(nu.models.nest.iaf_psc_exp):
        pass

    a = run(iaf_entrywise)
    _dense_everywhere(monkeypatch)

    class iaf_dense_net(nu.models.nest.iaf_psc_exp):
        pass

    b = run(iaf_dense_net)
    np.testing.assert_array_equal(a.spikes.indices, b.spikes.indices)
    np.testing.assert_allclose(b["V_m"].m, a["V_m"].m, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(b["I_syn_ex"].m, a["I_syn_ex"].m, rtol=1e-12, atol=1e-10)
    assert a.spikes.indices.size > 0
