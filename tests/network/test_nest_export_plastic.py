"""``nu.export.nest`` of plastic projections without NEST: the script's text and data, the refusals,
the merge of NEST's weights, and neurounits against the NEST result of an exported plastic network
(made by tests/reference/check_nest_export_plastic.py with NEST 3.10)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import neurounits as nu

REF = Path(__file__).parents[1] / "reference"
N = nu.models.nest


def _check_module():
    spec = importlib.util.spec_from_file_location(
        "check_nest_export_plastic", REF / "check_nest_export_plastic.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _net():
    net = nu.Network(seed=3)
    E = net.add(N.iaf_cond_exp(n=4), name="E")
    Inh = net.add(N.iaf_psc_exp(n=3), name="I")
    stdp = nu.synapses.STDP(
        tau_plus="0.0168 s",
        tau_minus="33.7 ms",
        lambda_=0.02,
        alpha=1.5,
        mu_plus=0,
        mu_minus=1,
        Wmax="0.125 uS",
    )
    pr = net.connect(
        E,
        E,
        nu.conn.Explicit([0, 1, 2], [1, 2, 3]),
        weight=nu.Q_([1.0, 2.0, 3.0], "nS"),
        receptor="ex",
        delay="2 ms",
        synapse=stdp,
    )
    tso = nu.synapses.Tsodyks2(U=0.3, u=0.25, x=0.9, tau_rec="0.2 s", tau_fac="50 ms")
    net.connect(E[:3], Inh, nu.conn.OneToOne(), weight="0.05 nA", receptor="ex", delay="1 ms", synapse=tso)
    net.record_weights(pr, [0, 2])
    net.record(E, spikes=True)
    return net, pr


def test_script_text_names_nest_synapses_and_their_parameters(tmp_path):
    net, _ = _net()
    path = nu.export.nest(net, tmp_path / "run.py", duration="20 ms")
    text = path.read_text()
    head = (
        'nest.CopyModel("stdp_synapse", "nu_proj0_stdp_synapse", {"tau_plus": 16.8, "lambda": 0.02, '
        '"alpha": 1.5, "mu_plus": 0.0, "mu_minus": 1.0, "Wmax": '
    )  # s -> ms, lambda_ -> lambda
    assert head in text
    wmax, tail = text.split(head)[1].split(", ", 1)
    assert (
        abs(float(wmax) - 125.0) < 1e-12
    )  # uS -> nS, the unit of iaf_cond_exp's weights (as the weights: 1 ulp)
    assert tail.startswith('"weight_recorder": wr0})')
    assert 'pops["E"].set({"tau_minus": 33.7})' in text  # on the postsynaptic neurons, as NEST has it
    assert 'wr0 = nest.Create("weight_recorder")' in text
    assert (
        'nest.CopyModel("tsodyks2_synapse", "nu_proj1_tsodyks2_synapse", {"U": 0.3, "u": 0.25, "x": 0.9, '
        '"tau_rec": 200.0, "tau_fac": 50.0})'
    ) in text
    assert '0, "nu_proj0_stdp_synapse")' in text and '0, "nu_proj1_tsodyks2_synapse")' in text
    assert 'rec["proj0.weights"] = (wr0, "E", "E")' in text
    assert 'rec["proj0.final"] = ("nu_proj0_stdp_synapse", "E", "E")' in text
    assert 'rec["proj1.final"] = ("nu_proj1_tsodyks2_synapse", "E", "I")' in text
    assert "weight_recorder" not in text.split("# projection 1")[1].split("rec = {}")[0]  # not recorded
    with np.load(tmp_path / "run_data.npz") as z:
        np.testing.assert_array_equal(z["proj0.weight"], [1.0, 2.0, 3.0])  # nS
        np.testing.assert_array_equal(z["proj0.delay"], [2.0, 2.0, 2.0])
        np.testing.assert_allclose(z["proj1.weight"], 50.0, rtol=1e-15)  # pA
    compile(text, str(path), "exec")


def test_rules_mode_keeps_plastic_projections_explicit(tmp_path):
    net = nu.Network(seed=1)
    E = net.add(N.iaf_psc_exp(n=4), name="E")
    net.connect(
        E,
        E,
        nu.conn.FixedInDegree(2),
        weight="5 pA",
        receptor="ex",
        delay="1 ms",
        synapse=nu.synapses.STDP(Wmax="50 pA"),
    )
    text = nu.export.nest(net, tmp_path / "r.py", duration="10 ms", connectivity="rules").read_text()
    assert '"rule": "fixed_indegree"' not in text
    assert '_connect(nest, ids[data["proj0.pre"]], ids[data["proj0.post"]]' in text


def test_refuses_synapse_types_of_your_own_and_tau_minus_nest_cannot_hold(tmp_path):
    net = nu.Network()
    P = net.add(N.iaf_psc_exp(n=3), name="P")
    Q = net.add(N.iaf_psc_exp(n=3), name="Q")
    mine = nu.synapses.SynapseType("my_rule", parameters={"A": "1 pA"}, on_pre="w += A")
    net.connect(P, Q, weight="1 pA", receptor="ex", synapse=mine())
    net.connect(P, P, weight="1 pA", receptor="ex", delay="1 ms", synapse=nu.synapses.STDP(tau_minus="20 ms"))
    net.connect(Q, P, weight="1 pA", receptor="ex", delay="1 ms", synapse=nu.synapses.STDP(tau_minus="30 ms"))
    net.connect(P, Q, weight="0 pA", receptor="in_", delay="1 ms", synapse=nu.synapses.STDP(Wmax="-50 pA"))
    with pytest.raises(nu.ExportError) as err:
        nu.export.nest(net, tmp_path / "x.py", duration="10 ms")
    msg = str(err.value)
    assert (
        "projection 0 (P -> Q (AllToAll)): synapse type 'my_rule' is declared in neurounits "
        "(nu.synapses.SynapseType) and has no NEST counterpart; the plastic synapses that export are "
        "nu.synapses.STDP (NEST's stdp_synapse) and nu.synapses.Tsodyks2 (NEST's tsodyks2_synapse)"
    ) in msg
    assert (
        "projection 2 (Q -> P (AllToAll)): tau_minus = 30 ms, but projection 1 onto population 'P' has "
        "tau_minus = 20 ms; NEST keeps tau_minus on the postsynaptic neuron"
    ) in msg and "give the stdp_synapse projections onto 'P' the same tau_minus" in msg
    assert "projection 3 (P -> Q (AllToAll)): 9 initial weight(s) of sign other than Wmax's (e.g. 0)" in msg
    assert isinstance(err.value, nu.NeurounitsError)
    assert list(tmp_path.iterdir()) == []


def test_the_script_orders_the_weights_of_all_ranks(tmp_path):
    net, _ = _net()
    ns = {"__name__": "x", "__file__": str(tmp_path / "run.py")}
    exec(nu.export.nest(net, tmp_path / "run.py", duration="20 ms").read_text(), ns)
    rank0 = {
        "proj0.final.pre": np.array([2, 0]),
        "proj0.final.post": np.array([3, 1]),
        "proj0.final.port": np.array([0, 0]),
        "proj0.final.weights": np.array([3.5, 1.5]),
        "proj0.weights.times": np.array([4.0, 2.0]),
        "proj0.weights.pre": np.array([0, 2]),
        "proj0.weights.post": np.array([1, 3]),
        "proj0.weights.values": np.array([1.2, 3.1]),
    }
    rank1 = {
        "proj0.final.pre": np.array([1]),
        "proj0.final.post": np.array([2]),
        "proj0.final.port": np.array([0]),
        "proj0.final.weights": np.array([2.5]),
        "proj0.weights.times": np.array([2.0]),
        "proj0.weights.pre": np.array([1]),
        "proj0.weights.post": np.array([2]),
        "proj0.weights.values": np.array([2.2]),
    }
    for r, part in enumerate((rank0, rank1)):
        np.savez(tmp_path / f"run_results.rank{r}.npz", **part)
    ns["main"](["--merge"])
    with np.load(tmp_path / "run_results.npz") as z:
        np.testing.assert_array_equal(z["proj0.final.pre"], [0, 1, 2])
        np.testing.assert_array_equal(z["proj0.final.post"], [1, 2, 3])
        np.testing.assert_array_equal(z["proj0.final.weights"], [1.5, 2.5, 3.5])
        np.testing.assert_array_equal(z["proj0.weights.times"], [2.0, 2.0, 4.0])
        np.testing.assert_array_equal(z["proj0.weights.pre"], [1, 2, 0])
        np.testing.assert_array_equal(z["proj0.weights.values"], [2.2, 3.1, 1.2])


def test_neurounits_gives_the_spikes_and_weights_of_the_exported_plastic_network_in_nest():
    """40 + 10 iaf_psc_exp, STDP E -> E, Tsodyks2 I -> E, 300 ms: NEST 3.10 ran the exported script
    (check_nest_export_plastic.py); the spikes must be identical and NEST's final weights (the weight at
    each synapse's last presynaptic spike) neurounits' to 1e-9 relative."""
    ref = dict(np.load(REF / "nest_export_plastic.npz"))
    mod = _check_module()
    net = mod.plastic50()
    res = nu.simulate(net, mod.DURATION, dt=mod.DT)
    for P in ("E", "I"):
        t, i = mod._spikes(res, P)
        np.testing.assert_allclose(t, ref[f"{P}.spikes.times"], rtol=0, atol=1e-9)
        np.testing.assert_array_equal(i, ref[f"{P}.spikes.indices"])
    assert ref["E.spikes.times"].size > 200 and ref["I.spikes.times"].size > 50
    report = mod.compare(net, res, ref)
    assert report["STDP synapses (nu, NEST, same pairs)"] == (200, 200, True)
    assert report["STDP final weights: max relative |nu - NEST|"] < 1e-9
    assert (
        report["STDP res.final_weights where no later post spike: synapses, max relative |nu - NEST|"][1]
        < 1e-9
    )
    lo, hi = report["STDP final weights: range in NEST (pA)"]
    assert lo == 0.0 and hi > 85.0  # the weights did move (initially 20-80 pA)
    assert report["STDP weight_recorder events"] > 1000
    assert report["STDP weight_recorder: max |nu - NEST| (pA)"] < 1e-9
    assert report["Tsodyks2 final weights: max |nu - NEST| (pA)"] == 0.0
