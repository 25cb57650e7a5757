"""``nu.export.nest`` and ``net.to_nest()`` without NEST: the script's text, its data file, the
refusals, and neurounits against the NEST result of an exported script (made by
tests/reference/check_nest_export.py with NEST 3.10)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import neurounits as nu

REF = Path(__file__).parents[1] / "reference"
N = nu.models.nest


def _check_module():
    spec = importlib.util.spec_from_file_location("check_nest_export", REF / "check_nest_export.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _small():
    net = nu.Network(seed=2)
    E = net.add(
        N.iaf_psc_exp(n=3, C_m="0.25 nF", tau_m="0.02 s", I_e=nu.Q_([1.0, 0.5, 0.25], "nA")),
        name="E",
        inputs={"I": "100 pA"},
    )
    I = net.add(
        N.iaf_cond_exp(n=2, g_L="0.015625 uS"), name="I", initial={"V_m": nu.Q_([-0.06, -0.065], "V")}
    )
    net.connect(E, I, nu.conn.FixedInDegree(2), weight="0.003 uS", delay=nu.dist.Uniform("0.5 ms", "2 ms"))
    net.connect(I, E, nu.conn.AllToAll(), weight="-0.1 nA", delay="1 ms")
    net.connect(nu.sources.SpikeTimes(["1 ms", "2.5 ms"]), E[1:], weight="300 pA", delay="0.2 ms")
    net.connect(nu.sources.Poisson("2 kHz"), I, weight="1 nS", delay="0.5 ms")
    net.record(E, spikes=True)
    net.record(I[:1], "V_m", "g_ex")
    return net


def test_script_text_names_units_and_receptors(tmp_path):
    net = _small()
    path = nu.export.nest(net, tmp_path / "run_net.py", duration="0.05 s", dt="0.1 ms")
    text = path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run_net.py", "run_net_data.npz"]
    assert 'nest.Create("iaf_psc_exp", 3, params={' in text
    assert '"C_m": 250.0' in text and '"tau_m": 20.0' in text  # nF -> pF, s -> ms
    g_L = float(net["I"].model.parameters["g_L"].m_as("nS"))  # 0.015625 uS in nS, as the model holds it
    assert abs(g_L - 15.625) < 1e-12
    assert 'nest.Create("iaf_cond_exp", 2, params={' in text and f'"g_L": {g_L!r}' in text
    assert "DURATION = 50.0" in text and "DT = 0.1" in text
    assert 'nest.Create("spike_generator"' in text
    assert 'nest.Create("poisson_generator", params={"rate": 2000.0})' in text
    assert 'nest.Create("multimeter", params={"interval": 0.1, "record_from": [\'V_m\', \'g_ex\']})' in text
    assert text.count('nest.Create("spike_recorder"') == 1
    assert ', 0, "static_synapse")' in text  # receptor 0: NEST routes by the sign of the weight
    with np.load(tmp_path / "run_net_data.npz") as z:
        # I_e + the constant input I, in pA; initial V_m in mV
        np.testing.assert_allclose(z["pop0.I_e"], [1100.0, 600.0, 350.0])
        np.testing.assert_allclose(z["pop1.init.V_m"], [-60.0, -65.0])
        np.testing.assert_allclose(z["proj1.weight"], -100.0)
        np.testing.assert_allclose(z["proj0.weight"], 3.0)
        np.testing.assert_allclose(z["proj2.spike_times"], [1.0, 2.5])
    compile(text, str(path), "exec")


def test_explicit_connectivity_equals_the_built_synapses(tmp_path):
    net = _small()
    path = nu.export.nest(net, tmp_path / "run_net.py", duration="50 ms", dt="0.1 ms")
    built = net.build("0.1 ms")
    offs = net.offsets()
    with np.load(path.with_name("run_net_data.npz")) as z:
        for k in range(len(net.projections)):
            syn = built.synapses(k)
            post = z[f"proj{k}.post"]
            own = offs[np.searchsorted(offs, post, side="right") - 1]
            np.testing.assert_array_equal(post - own, syn["post"])
            if f"proj{k}.pre" in z:
                pre = z[f"proj{k}.pre"]
                np.testing.assert_array_equal(
                    pre - offs[np.searchsorted(offs, pre, side="right") - 1], syn["pre"]
                )
            # the values the kernel uses, in NEST's unit (synapses() converts back through pint: 1 ulp)
            np.testing.assert_allclose(z[f"proj{k}.weight"], syn["weight"].magnitude, rtol=1e-15)
            np.testing.assert_allclose(z[f"proj{k}.delay"], syn["delay"].to("ms").magnitude, rtol=1e-15)


def test_receptor_numbers_and_nmda_port_weights(tmp_path):
    net = nu.Network(seed=1)
    B = net.add(N.iaf_bw_2001(n=2), name="B")
    X = net.add(N.iaf_bw_2001_exact(n=2), name="X")
    net.connect(nu.sources.SpikeTimes(["1 ms"]), B, weight="5 nS", receptor="AMPA")
    net.connect(B, B, nu.conn.OneToOne(), weight="1 nS", receptor="GABA", delay="1 ms")
    net.connect(
        B,
        X,
        nu.conn.Explicit([0, 1, 1], [0, 0, 1]),
        weight=nu.Q_([2.0, 3.0, 4.0], "nS"),
        receptor="NMDA",
        delay="1 ms",
    )
    net.connect(B, X, nu.conn.OneToOne(), weight="7 nS", receptor=3, delay="1 ms")
    path = nu.export.nest(net, tmp_path / "bw.py", duration="10 ms")
    text = path.read_text()
    lines = [ln for ln in text.splitlines() if ln.strip().startswith("_connect(")]
    assert [ln.rsplit(", ", 2)[1] for ln in lines] == ["1", "2", "3", "3"]
    with np.load(
        path.with_name("bw_data.npz")
    ) as z:  # each NMDA port keeps its weight (NEST: per connection)
        np.testing.assert_array_equal(z["proj2.weight"], [2.0, 3.0, 4.0])
        np.testing.assert_array_equal(z["proj3.weight"], [7.0, 7.0])


def test_rules_mode_hands_rules_to_nest(tmp_path):
    net = nu.Network(seed=1)
    E = net.add(N.iaf_psc_delta(n=8), name="E")
    I = net.add(N.iaf_psc_delta(n=2), name="I")
    net.connect(E, E + I, nu.conn.FixedInDegree(3, allow_autapses=False), weight="0.1 mV", delay="1.5 ms")
    net.connect(I, E[2:6], nu.conn.FixedProbability(0.5), weight="-0.5 mV", delay="1 ms")
    net.connect(E, I, nu.conn.Explicit([0, 1], [0, 1]), weight="0.2 mV")
    net.connect(nu.sources.Poisson("1 kHz"), E + I, weight="0.1 mV", delay="1 ms")
    text = nu.export.nest(net, tmp_path / "r.py", duration="10 ms", connectivity="rules").read_text()
    assert (
        'nest.Connect(pops["E"], pops["E"] + pops["I"], {"rule": "fixed_indegree", "indegree": 3, '
        '"allow_autapses": False, "allow_multapses": True}'
    ) in text
    assert 'nest.Connect(pops["I"], pops["E"][2:6], {"rule": "pairwise_bernoulli", "p": 0.5' in text
    assert 'nest.Connect(gen, pops["E"] + pops["I"], "all_to_all"' in text
    assert text.count("_connect(nest, ids[") == 1  # the explicit rule stays explicit


def test_rules_mode_with_a_projection_that_drew_no_synapse(tmp_path):
    net = nu.Network(seed=1)
    E = net.add(N.iaf_psc_delta(n=4), name="E")
    net.connect(E, E, nu.conn.FixedProbability(0.0), weight="0.1 mV", delay="1 ms")
    net.connect(E, E, nu.conn.OneToOne(), weight="0.2 mV", delay="1 ms")
    text = nu.export.nest(net, tmp_path / "r.py", duration="10 ms", connectivity="rules").read_text()
    assert '"rule": "pairwise_bernoulli"' not in text  # nothing drawn: the (empty) explicit arrays
    assert 'nest.Connect(pops["E"], pops["E"], {"rule": "one_to_one", "allow_autapses": True}' in text


def test_refuses_models_nest_lacks_and_writes_nothing(tmp_path):
    net = nu.Network()
    net.add(N.iaf_psc_exp(n=2), name="ok")
    net.add(nu.models.CobaLIF(n=2), name="coba")
    net.add(nu.models.LIF(n=2), name="lif")
    with pytest.raises(nu.ExportError) as err:
        nu.export.nest(net, tmp_path / "x.py", duration="10 ms")
    msg = str(err.value)
    assert "population 'coba' is a CobaLIF" in msg and "population 'lif' is a LIF" in msg
    assert "iaf_cond_exp" in msg and "iaf_psc_exp, iaf_psc_delta" in msg and "NESTML" in msg
    assert isinstance(err.value, nu.NeurounitsError) and isinstance(err.value, ValueError)
    assert list(tmp_path.iterdir()) == []


def test_refuses_what_nest_cannot_do_exactly_all_at_once(tmp_path):
    net = nu.Network()
    A = net.add(N.izhikevich(n=2, k_I="2 mV/ms/pA"), name="A")
    B = net.add(N.iaf_bw_2001(n=2, I_e="100 pA"), name="B")
    C = net.add(
        N.iaf_psc_exp(n=2),
        name="C",
        initial={"I_syn_ex": "5 pA"},
        inputs={"I": nu.TimedArray(nu.Q_([1.0, 2.0], "pA"), "1 ms"), "I_1": "50 pA"},
    )
    net.connect(A, C, weight="10 pA", receptor="in_")
    net.connect(nu.sources.Poisson(nu.TimedArray(nu.Q_([1.0, 2.0], "kHz"), "1 ms")), C, weight="1 pA")
    net.record(C, "refractory")
    net.record(B, spikes=True)
    with pytest.raises(nu.ExportError) as err:
        nu.export.nest(net, tmp_path / "x.py", duration="10 ms")
    msg = str(err.value)
    for part in (
        "k_I = 2 mV / ms / pA has no counterpart",
        "I_e = 100 pA has no counterpart",
        "input 'I' is a TimedArray",
        "input 'I_1' is not zero; the export does not carry it",
        "state 'I_syn_ex' starts at 5",
        "receptor 'in_'",
        "TimedArray rate",
        "does not record 'refractory'",
    ):
        assert part in msg, part
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments():
    net = nu.Network()
    net.add(N.iaf_psc_exp(n=1))
    with pytest.raises(nu.ExportError, match="whole number of steps"):
        nu.export.nest(net, "/nonexistent/x.py", duration="10.05 ms")
    with pytest.raises(nu.ExportError, match="'explicit' or 'rules'"):
        nu.export.nest(net, "/nonexistent/x.py", duration="10 ms", connectivity="nest")
    with pytest.raises(nu.ExportError, match=r"exports a nu\.Network"):
        nu.export.nest(N.iaf_psc_exp(n=1), "/nonexistent/x.py", duration="10 ms")


def test_to_nest_without_nest_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "nest", None)  # import nest raises ImportError
    net = nu.Network()
    net.add(N.iaf_psc_exp(n=1))
    with pytest.raises(nu.MissingDependencyError, match="pip install nest-simulator") as err:
        net.to_nest()
    assert "nu.export.nest(net" in str(err.value)


def test_script_merges_the_files_of_mpi_ranks(tmp_path):
    net = nu.Network()
    P = net.add(N.iaf_psc_exp(n=4), name="P")
    net.record(P, spikes=True)
    net.record(P, "V_m", every="0.2 ms")
    ns = {"__name__": "x", "__file__": str(tmp_path / "run.py")}
    exec(nu.export.nest(net, tmp_path / "run.py", duration="1 ms").read_text(), ns)
    rank0 = {
        "P.spikes.times": np.array([0.5, 0.3]),
        "P.spikes.index": np.array([2, 0]),
        "P.traces.times": np.array([0.2, 0.4, 0.2, 0.4]),
        "P.traces.index": np.array([0, 0, 2, 2]),
        "P.traces.V_m": np.array([1.0, 2.0, 5.0, 6.0]),
    }
    rank1 = {
        "P.spikes.times": np.array([0.3]),
        "P.spikes.index": np.array([1]),
        "P.traces.times": np.array([0.4, 0.2]),
        "P.traces.index": np.array([1, 1]),
        "P.traces.V_m": np.array([4.0, 3.0]),
    }
    for r, part in enumerate((rank0, rank1)):
        np.savez(tmp_path / f"run_results.rank{r}.npz", **part)
    ns["main"](["--merge"])
    with np.load(tmp_path / "run_results.npz") as z:
        np.testing.assert_array_equal(z["P.spikes.times"], [0.3, 0.3, 0.5])
        np.testing.assert_array_equal(z["P.spikes.indices"], [0, 1, 2])
        np.testing.assert_allclose(z["P.t"], [0.2, 0.4])
        np.testing.assert_array_equal(z["P.neurons"], [0, 1, 2])
        np.testing.assert_array_equal(z["P.V_m"], [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])


def test_script_takes_nest_threads(tmp_path, monkeypatch):
    """``--threads N`` sets NEST's local_num_threads right after its kernel is reset (before any
    node exists); ``to_nest(threads=...)`` is checked before NEST is imported."""
    net = nu.Network()
    P = net.add(N.iaf_psc_exp(n=4), name="P")
    net.record(P, spikes=True)
    text = nu.export.nest(net, tmp_path / "run.py", duration="1 ms").read_text()
    assert "    nest.ResetKernel()\n    nest.local_num_threads = THREADS\n" in text
    ns = {"__name__": "x", "__file__": str(tmp_path / "run.py")}
    exec(text, ns)
    assert ns["THREADS"] == 1
    ns["main"](["--threads", "3", "--merge"])  # (no rank files: merges nothing, after reading --threads)
    assert ns["THREADS"] == 3
    monkeypatch.setitem(sys.modules, "nest", None)
    with pytest.raises(nu.ExportError, match=r"threads must be a positive integer .* got 0"):
        net.to_nest(threads=0)


def test_neurounits_gives_the_spikes_of_the_exported_script_in_nest():
    """50 iaf_psc_exp, random explicit connectivity, delays 0.5-3 ms, spike_generator drive, 300 ms:
    NEST 3.10 ran the exported script (check_nest_export.py psc50); neurounits must agree."""
    ref = np.load(REF / "nest_export_psc50.npz")
    net, duration = _check_module().psc50()
    res = nu.simulate(net, duration, dt="0.1 ms")
    for P in ("E", "I"):
        t = res[P].spikes.times.to("ms").magnitude
        i = res[P].spikes.indices
        order = np.lexsort((i, np.round(t, 6)))
        np.testing.assert_allclose(t[order], ref[f"{P}.spikes.times"], atol=1e-9)
        np.testing.assert_array_equal(i[order], ref[f"{P}.spikes.indices"])
    assert ref["E.spikes.times"].size > 150
    V = res["E"]["V_m"].to("mV").magnitude[10::10]  # samples at 1, 2, ... ms
    np.testing.assert_allclose(V, ref["E.V_m_every_ms"], rtol=0, atol=1e-9)


def test_nestml_text_of_a_model_of_your_own(tmp_path):
    text = nu.export.nestml(nu.models.AdEx(n=2, b="200 pA"), tmp_path / "adex.nestml")
    assert (tmp_path / "adex.nestml").read_text() == text
    assert "model AdEx_neuron:" in text
    assert "        C pF = 281.0 pF" in text and "        b pA = 200.0 pA" in text  # the instance's values
    assert "        V mV = ((E_L/(1 mV)))*(1 mV)" in text
    assert "        refr_t' = -1" in text and "        I pA <- continuous" in text
    assert "V' = (" in text and ")*(1 mV/ms)" in text and "min((V_peak/(1 mV)), (V/(1 mV)))" in text
    assert "            integrate_odes(w, refr_t)" in text  # V is held while refractory
    assert "    onCondition(refr_t <= 1e-9 * resolution() and ((V/(1 mV)) > (V_peak/(1 mV)))):" in text
    assert "        w = ((b/(1 pA)) + (w/(1 pA)))*(1 pA)" in text
    coba = nu.export.nestml(nu.models.CobaLIF)  # a class: its defaults
    assert "        ex <- spike  # weights in nS" in coba
    assert "        g_ex += (1)*(ex*1 s)*(1 pA/mV)" in coba


def test_nestml_refuses_what_it_cannot_write():
    for model, what in (
        (N.iaf_bw_2001_exact, "port groups"),
        (N.iaf_bw_2001, "spike payload"),
        (N.sigmoid_rate_ipn, "noise terms"),
        (nu.models.HodgkinHuxley, "_prev_V"),
    ):
        with pytest.raises(nu.ExportError, match=what):
            nu.export.nestml(model)
    with pytest.raises(nu.ExportError, match="differs between neurons"):
        nu.export.nestml(nu.models.LIF(n=2, tau_m=nu.Q_([10.0, 20.0], "ms")))
    with pytest.raises(nu.ExportError, match="exports a neurounits Model"):
        nu.export.nestml("LIF")
