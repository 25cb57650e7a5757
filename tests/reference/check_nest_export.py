"""Check ``nu.export.nest`` against NEST 3.10: export networks, run the scripts in NEST, compare.

Run with the Python environment that has NEST and neurounits' dependencies (see README.md here)::

    PYTHONPATH=. /work/nestenv/bin/python tests/reference/check_nest_export.py          # all cases
    PYTHONPATH=. /work/nestenv/bin/python tests/reference/check_nest_export.py psc50    # some cases

Each case builds a network here (the functions below, which the unit tests import too), simulates
it with neurounits, writes it with ``nu.export.nest`` to a temporary folder, runs the script with
this Python (a separate process, as a user would) and compares spikes and traces; the ``psc50``
case also builds the network in-process with ``net.to_nest()`` and must give the script's result.
The NEST result of ``psc50`` is saved to ``nest_export_psc50.npz`` for
``tests/network/test_nest_export.py``, which compares neurounits against it without NEST.

NEST is imported only inside ``main()`` (by ``to_nest``), so the module imports without it.
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


def psc50() -> tuple[nu.Network, str]:
    """50 iaf_psc_exp (40 E, 10 I): explicit random connectivity (FixedInDegree, FixedProbability),
    delays drawn from 0.5-3 ms, heterogeneous I_e and initial V_m, a spike_generator drive."""
    net = nu.Network(seed=3)
    M = nu.models.nest.iaf_psc_exp
    E = net.add(
        M(n=40, I_e=nu.Q_(np.linspace(300.0, 420.0, 40), "pA")),
        name="E",
        initial={"V_m": nu.dist.Uniform("-70 mV", "-56 mV")},
    )
    Inh = net.add(M(n=10, I_e="360 pA", tau_syn_in="3 ms"), name="I")
    net.connect(E, E + Inh, nu.conn.FixedInDegree(5), weight="30 pA", delay=nu.dist.Uniform("0.5 ms", "3 ms"))
    net.connect(Inh, E, nu.conn.FixedProbability(0.3), weight="-60 pA", delay="1.5 ms")
    net.connect(
        nu.sources.SpikeTimes(["5 ms", "5 ms", "12.3 ms", "100 ms"]), E[:20], weight="500 pA", delay="1 ms"
    )
    net.record(E + Inh, spikes=True)
    net.record(E[:5], "V_m", "I_syn_ex")
    return net, "300 ms"


def mixed() -> tuple[nu.Network, str]:
    """iaf_cond_exp, aeif_cond_alpha, hh_psc_alpha, izhikevich and iaf_psc_delta populations, coupled,
    with constant inputs I (exported as I_e) and a spike_generator."""
    net = nu.Network(seed=5)
    N = nu.models.nest
    C = net.add(N.iaf_cond_exp(n=8, I_e=nu.Q_(np.linspace(380, 460, 8), "pA")), name="cond")
    A = net.add(N.aeif_cond_alpha(n=4, a="2 nS"), name="aeif", inputs={"I": "700 pA"})
    H = net.add(N.hh_psc_alpha(n=3, I_e="600 pA"), name="hh")
    Z = net.add(N.izhikevich(n=4, I_e=nu.Q_([5.0, 8.0, 10.0, 12.0], "pA")), name="izh")
    D = net.add(N.iaf_psc_delta(n=5, I_e="400 pA"), name="delta", initial={"V_m": "-60 mV"})
    net.connect(C, A + C, nu.conn.FixedInDegree(3), weight="2 nS", delay="1 ms")
    net.connect(A, C, nu.conn.AllToAll(), weight="-5 nS", delay="0.7 ms")
    net.connect(H, Z, nu.conn.AllToAll(), weight="2 mV", delay="1.2 ms")
    net.connect(Z, D, nu.conn.FixedInDegree(2), weight="1.5 mV", delay="2 ms")
    net.connect(D, H, nu.conn.FixedProbability(0.5), weight="-40 pA", delay="0.5 ms")
    net.connect(nu.sources.SpikeTimes(["10 ms", "20 ms"]), C, weight="10 nS", delay="0.1 ms")
    for P in (C, A, H, Z, D):
        net.record(P, spikes=True)
    net.record(C[:2], "V_m", "g_ex", "g_in")
    net.record(Z[:2], "V_m", "U_m")
    return net, "200 ms"


def bw() -> tuple[nu.Network, str]:
    """iaf_bw_2001 (AMPA, GABA, NMDA from iaf_bw_2001) and iaf_bw_2001_exact (NMDA ports, each with
    its weight), driven by spike generators on AMPA (NEST's iaf_bw_2001 has no I_e)."""
    net = nu.Network(seed=7)
    N = nu.models.nest
    B = net.add(N.iaf_bw_2001(n=4), name="bw")
    X = net.add(N.iaf_bw_2001_exact(n=3), name="bwx")
    drive = nu.sources.SpikeTimes(nu.Q_(np.arange(2.0, 150.0, 1.0), "ms"))
    net.connect(drive, B, weight=nu.Q_([8.0, 9.0, 10.0, 11.0], "nS"), receptor="AMPA", delay="0.5 ms")
    net.connect(drive, X, weight="9 nS", receptor=1, delay="1 ms")
    net.connect(B, B, nu.conn.AllToAll(allow_autapses=False), weight="0.5 nS", receptor="NMDA", delay="1 ms")
    net.connect(B, B, nu.conn.FixedInDegree(2), weight="1 nS", receptor="GABA", delay="2 ms")
    net.connect(
        B,
        X,
        nu.conn.Explicit([0, 1, 2, 3, 0], [0, 1, 2, 0, 2]),
        weight=nu.Q_([2.0, 3.0, 4.0, 5.0, 6.0], "nS"),
        receptor="NMDA",
        delay="1.5 ms",
    )
    net.connect(B[:2], X, nu.conn.AllToAll(), weight="1 nS", receptor="NMDA", delay="0.5 ms")
    net.record(B + X, spikes=True)
    net.record(B[:2], "V_m", "s_NMDA")
    net.record(X, "V_m", "s_NMDA")
    return net, "150 ms"


def rate() -> tuple[nu.Network, str]:
    """sigmoid_rate_ipn without noise: instantaneous and delayed rate connections."""
    net = nu.Network(seed=9)
    R = net.add(
        nu.models.nest.sigmoid_rate_ipn(n=4, sigma=0.0, mu=nu.Q_([1.0, -0.8, 0.2, 0.0], ""), tau="5 ms"),
        name="R",
        initial={"rate": nu.Q_([0.0, 0.2, -0.3, 0.5], "")},
    )
    net.connect(R[:2], R[2:], nu.conn.AllToAll(), weight=1.5)
    net.connect(R[2:], R[:2], nu.conn.OneToOne(), weight=-0.7, delay="1 ms")
    net.record(R, "rate")
    return net, "100 ms"


def brunel_rules() -> tuple[nu.Network, str]:
    """A small Brunel-style network with Poisson drive, exported with ``connectivity="rules"``:
    NEST draws its own synapses and Poisson trains, so only the statistics can agree."""
    net = nu.Network(seed=11)
    M = nu.models.nest.iaf_psc_delta
    E = net.add(M(n=400), name="E", initial={"V_m": nu.dist.Uniform("-70 mV", "-55 mV")})
    Inh = net.add(M(n=100), name="I", initial={"V_m": nu.dist.Uniform("-70 mV", "-55 mV")})
    net.connect(E, E + Inh, nu.conn.FixedInDegree(40), weight="0.1 mV", delay="1.5 ms")
    net.connect(Inh, E + Inh, nu.conn.FixedInDegree(10), weight="-0.5 mV", delay="1.5 ms")
    net.connect(nu.sources.Poisson("15 kHz"), E + Inh, weight="0.1 mV", delay="1.5 ms")
    net.record(E + Inh, spikes=True)
    return net, "500 ms"


CASES = {"psc50": psc50, "mixed": mixed, "bw": bw, "rate": rate}


def run_rules() -> dict:
    """brunel_rules with NEST's rules and Poisson generators: mean rates of both simulators."""
    net, duration = brunel_rules()
    res = nu.simulate(net, duration, dt=DT)
    with tempfile.TemporaryDirectory() as tmp:
        script = nu.export.nest(
            net, Path(tmp) / "run_rules.py", duration=duration, dt=DT, connectivity="rules"
        )
        text = script.read_text()
        subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True)
        with np.load(script.with_name("run_rules_results.npz")) as z:
            nest_out = dict(z)
    out = {"nest.Connect calls with a rule": text.count(', {"rule": ')}
    for p in net.populations:
        nu_rate = res[p.name].spikes.indices.size / p.n / 0.5
        nest_rate = nest_out[f"{p.name}.spikes.indices"].size / p.n / 0.5
        out[f"{p.name} mean rate Hz (nu, NEST)"] = (round(nu_rate, 2), round(nest_rate, 2))
    return out


def _spikes(res, name):
    t = np.round(res[name].spikes.times.to("ms").magnitude, 6)
    i = np.asarray(res[name].spikes.indices)
    o = np.lexsort((i, t))
    return t[o], i[o]


def compare(net, res, nest_out) -> dict:
    """Per population: spike counts and whether the trains are identical; per trace the largest
    deviation (NEST's samples are neurounits' samples 1, 2, ...)."""
    out = {}
    for p in net.populations:
        if f"{p.name}.spikes.times" in nest_out:
            t, i = _spikes(res, p.name)
            tn, jn = np.round(nest_out[f"{p.name}.spikes.times"], 6), nest_out[f"{p.name}.spikes.indices"]
            same = t.shape == tn.shape and np.array_equal(t, tn) and np.array_equal(i, jn)
            out[f"{p.name} spikes (nu, NEST, identical)"] = (int(t.size), int(tn.size), bool(same))
        for key in nest_out:
            if (
                key.startswith(p.name + ".")
                and key.count(".") == 1
                and key.split(".")[1] not in ("t", "neurons")
            ):
                v = key.split(".")[1]
                ours = np.asarray(res[p.name][v].magnitude)[1 : 1 + nest_out[key].shape[0]]
                out[f"{p.name}.{v} max |nu - NEST|"] = float(np.abs(ours - nest_out[key]).max())
    return out


def run_case(name: str, keep: Path | None = None) -> tuple[dict, dict]:
    net, duration = CASES[name]()
    res = nu.simulate(net, duration, dt=DT)
    with tempfile.TemporaryDirectory() as tmp:
        script = nu.export.nest(net, Path(tmp) / f"run_{name}.py", duration=duration, dt=DT)
        subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True)
        with np.load(script.with_name(f"run_{name}_results.npz")) as z:
            nest_out = dict(z)
    return compare(net, res, nest_out), nest_out


NESTML_MODELS = ("LIF", "CobaLIF", "CubaLIF", "AdEx", "ExpIF", "QuaIF", "AdQuaIF", "Izhikevich")


def check_nestml() -> dict:
    """``nu.export.nestml`` of library models through NESTML's parser and context conditions
    (``target_platform="NONE"``: no code generated): the number of errors per model (needs NESTML)."""
    from pynestml.frontend.pynestml_frontend import generate_target
    from pynestml.utils.logger import Logger, LoggingLevel

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in NESTML_MODELS:
            path = Path(tmp) / f"{name}.nestml"
            nu.export.nestml(getattr(nu.models, name), path)
            generate_target(
                input_path=str(path), target_platform="NONE", target_path=tmp, logging_level="ERROR"
            )
            out[f"{name}: NESTML errors"] = len(Logger.get_messages(level=LoggingLevel.ERROR))
    return out


def main(argv=None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(CASES)
    ok = True
    for name in [n for n in names if n in CASES]:
        report, nest_out = run_case(name)
        print(f"{name}:")
        for k, v in report.items():
            print(f"  {k}: {v}")
            if isinstance(v, tuple) and not v[2]:
                ok = False
        if name == "psc50":
            net, duration = psc50()
            inproc = net.to_nest(DT).run(duration)
            same = all(np.array_equal(inproc[k], nest_out[k]) for k in nest_out if ".spikes." in k)
            print(f"  net.to_nest().run(): same spikes as the script: {same}")
            ok &= same
            keep = {k: v for k, v in nest_out.items() if ".spikes." in k or k in ("dt", "duration")}
            keep["E.V_m_every_ms"] = nest_out["E.V_m"][9::10]  # NEST's samples at 1, 2, ... ms
            import nest

            keep["nest_version"] = np.str_(nest.__version__)
            np.savez_compressed(HERE / "nest_export_psc50.npz", **keep)
            print(f"  saved {HERE / 'nest_export_psc50.npz'}")
    if (argv is None and not sys.argv[1:]) or "rules" in names:
        print("rules (statistics only):")
        for k, v in run_rules().items():
            print(f"  {k}: {v}")
    if "nestml" in names:
        print("nestml (parsed and checked by NESTML, not compiled):")
        for k, v in check_nestml().items():
            print(f"  {k}: {v}")
            ok &= v == 0
    print("ALL IDENTICAL" if ok else "DIFFERENCES (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
