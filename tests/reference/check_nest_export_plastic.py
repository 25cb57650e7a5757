"""Check ``nu.export.nest`` of plastic projections (STDP, Tsodyks2) against NEST 3.10.

Run with the Python environment that has NEST and neurounits' dependencies (see README.md here)::

    PYTHONPATH=. /work/nestenv/bin/python tests/reference/check_nest_export_plastic.py

The network (:func:`plastic50`, which ``tests/network/test_nest_export_plastic.py`` imports too):
40 + 10 ``iaf_psc_exp`` driven by constant currents and a ``spike_generator`` (no Poisson: both
sides are deterministic), E -> E through ``stdp_synapse`` (additive, drawn initial weights, 1.5 ms
dendritic delay, no multapses), I -> E through ``tsodyks2_synapse`` (depression and facilitation),
E -> I static with drawn delays; 300 ms at 0.1 ms, explicit connectivity.  It is simulated with
neurounits (every STDP weight recorded every step), exported, run with this Python in a separate
process (as a user would) and built in-process with ``net.to_nest()``; compared: the spike trains,
NEST's final weights (``GetConnections``, the weight at each synapse's last presynaptic spike, as
NEST applies facilitation by later postsynaptic spikes only at the next presynaptic spike) against
neurounits' weight after each synapse's last presynaptic spike, and every weight NEST's
``weight_recorder`` logged against neurounits' weight at that spike.  NEST's result is saved to
``nest_export_plastic.npz`` for the test, which needs no NEST.

NEST is imported only inside ``main()``, so the module imports without it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import neurounits as nu

HERE = Path(__file__).resolve().parent
DT = "0.1 ms"
DURATION = "300 ms"


def plastic50() -> nu.Network:
    """The network (see the module); its STDP projection is ``net.projections[0]``, Tsodyks2 ``[1]``."""
    net = nu.Network(seed=4)
    M = nu.models.nest.iaf_psc_exp
    E = net.add(
        M(n=40, I_e=nu.Q_(np.linspace(330.0, 420.0, 40), "pA")),
        name="E",
        initial={"V_m": nu.dist.Uniform("-70 mV", "-56 mV")},
    )
    Inh = net.add(M(n=10, I_e=nu.Q_(np.linspace(370.0, 400.0, 10), "pA"), tau_syn_in="3 ms"), name="I")
    stdp = nu.synapses.STDP(
        tau_plus="16.8 ms", tau_minus="33.7 ms", lambda_=0.05, alpha=1.1, mu_plus=0, mu_minus=0, Wmax="120 pA"
    )
    pr = net.connect(
        E,
        E,
        nu.conn.FixedInDegree(5, allow_multapses=False),
        weight=nu.dist.Uniform("20 pA", "80 pA"),
        receptor="ex",
        delay="1.5 ms",
        synapse=stdp,
    )
    tso = nu.synapses.Tsodyks2(U=0.2, u=0.2, x=1.0, tau_rec="100 ms", tau_fac="200 ms")
    net.connect(
        Inh, E, nu.conn.FixedProbability(0.3), weight="-150 pA", receptor="in_", delay="1 ms", synapse=tso
    )
    net.connect(E, Inh, nu.conn.FixedInDegree(5), weight="40 pA", delay=nu.dist.Uniform("1 ms", "3 ms"))
    net.connect(
        nu.sources.SpikeTimes(["5 ms", "5 ms", "12.3 ms", "100 ms", "200 ms"]),
        E[:20],
        weight="600 pA",
        delay="1 ms",
    )
    net.record(E + Inh, spikes=True)
    net.record_weights(pr)
    return net


def _spikes(res, name):
    t = np.round(res[name].spikes.times.to("ms").magnitude, 6)
    i = np.asarray(res[name].spikes.indices)
    o = np.lexsort((i, t))
    return t[o], i[o]


def weights_at_last_pre_spike(net, res, k: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(pre, post, neurounits' weight after each synapse's last presynaptic spike, final weight), in the
    order NEST's result has them: by pre, then post (no multapses)."""
    syn = net.build(DT).synapses(k)
    pre, post = np.asarray(syn["pre"]), np.asarray(syn["post"])
    src = net.projections[k].source.parts[0][0].name
    _, w = res.weights(net.projections[k])
    w = w.to("pA").magnitude
    spikes = res[src].spikes
    steps = np.rint(spikes.times.to("ms").magnitude / 0.1).astype(np.int64)
    last = np.full(net[src].n, 0, np.int64)  # sample 0: the initial weight, for a neuron that never fired
    np.maximum.at(last, np.asarray(spikes.indices), steps)
    at_last = w[last[pre], np.arange(pre.size)]
    final = res.final_weights(net.projections[k]).to("pA").magnitude
    order = np.lexsort((post, pre))
    return pre[order], post[order], at_last[order], final[order]


def compare(net, res, out) -> dict:
    """Spike trains (identical?), final weights (largest relative difference) and recorded weights."""
    report = {}
    for p in ("E", "I"):
        t, i = _spikes(res, p)
        tn, jn = np.round(out[f"{p}.spikes.times"], 6), out[f"{p}.spikes.indices"]
        same = t.shape == tn.shape and np.array_equal(t, tn) and np.array_equal(i, jn)
        report[f"{p} spikes (nu, NEST, identical)"] = (int(t.size), int(tn.size), bool(same))
    pre, post, at_last, final = weights_at_last_pre_spike(net, res)
    ok = np.array_equal(pre, out["proj0.final.pre"]) and np.array_equal(post, out["proj0.final.post"])
    report["STDP synapses (nu, NEST, same pairs)"] = (
        int(pre.size),
        int(out["proj0.final.pre"].size),
        bool(ok),
    )
    wn = out["proj0.final.weights"]
    rel = np.abs(at_last - wn) / np.where(wn != 0, np.abs(wn), 1.0)
    report["STDP final weights: max relative |nu - NEST|"] = float(rel.max())
    report["STDP final weights: at 0 in NEST"] = int(np.sum(wn == 0))
    same = final == at_last  # no postsynaptic spike reached the synapse after its last presynaptic spike
    report["STDP res.final_weights where no later post spike: synapses, max relative |nu - NEST|"] = (
        int(same.sum()),
        float(rel[same].max()),
    )
    report["STDP final weights: range in NEST (pA)"] = (
        float(out["proj0.final.weights"].min()),
        float(out["proj0.final.weights"].max()),
    )
    _, w = res.weights(net.projections[0])
    syn = net.build(DT).synapses(0)
    pos = {(int(a), int(b)): m for m, (a, b) in enumerate(zip(syn["pre"], syn["post"], strict=True))}
    col = np.array(
        [
            pos[(int(a), int(b))]
            for a, b in zip(out["proj0.weights.pre"], out["proj0.weights.post"], strict=True)
        ]
    )
    steps = np.rint(out["proj0.weights.times"] / 0.1).astype(np.int64)
    ours = w.to("pA").magnitude[steps, col]
    report["STDP weight_recorder events"] = int(steps.size)
    report["STDP weight_recorder: max |nu - NEST| (pA)"] = float(
        np.abs(ours - out["proj0.weights.values"]).max()
    )
    tso = res.final_weights(net.projections[1]).to("pA").magnitude
    report["Tsodyks2 final weights: max |nu - NEST| (pA)"] = float(
        np.abs(np.sort(tso) - np.sort(out["proj1.final.weights"])).max()
    )
    return report


def main() -> int:
    net = plastic50()
    res = nu.simulate(net, DURATION, dt=DT)
    with tempfile.TemporaryDirectory() as tmp:
        script = nu.export.nest(net, Path(tmp) / "run_plastic.py", duration=DURATION, dt=DT)
        subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True)
        with np.load(script.with_name("run_plastic_results.npz")) as z:
            out = dict(z)
    report = compare(net, res, out)
    inproc = plastic50().to_nest(DT).run(DURATION)
    report["net.to_nest().run(): same spikes and weights as the script"] = all(
        np.array_equal(inproc[k], out[k]) for k in out if ".spikes." in k or k.startswith("proj")
    )
    for k, v in report.items():
        print(f"  {k}: {v}")
    import nest

    keep = {
        k: v for k, v in out.items() if ".spikes." in k or k.startswith("proj") or k in ("dt", "duration")
    }
    keep["nest_version"] = np.str_(nest.__version__)
    np.savez_compressed(HERE / "nest_export_plastic.npz", **keep)
    print(f"saved {HERE / 'nest_export_plastic.npz'}")
    ok = (
        all(v[2] for v in report.values() if isinstance(v, tuple) and len(v) == 3 and isinstance(v[2], bool))
        and report["STDP final weights: max relative |nu - NEST|"] < 1e-9
        and report["net.to_nest().run(): same spikes and weights as the script"]
    )
    print("ALL IDENTICAL" if ok else "DIFFERENCES (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
