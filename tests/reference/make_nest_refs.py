"""Generate NEST 3.10 reference traces for the NEST-compatible neurounits models.

Run with a Python environment that has NEST (see README.md in this folder)::

    /work/nestenv/bin/python tests/reference/make_nest_refs.py

It writes one ``<case>.npz`` per case next to this file. The module imports NEST only inside
``main()`` so that it can be imported (e.g. by pytest's doctest collection) without NEST.

Each .npz holds

- ``t``: sample times in ms, ``t[k-1] = k * dt`` for k = 1..N (NEST's first sample is the state
  after the first step),
- one array per recordable under NEST's name, in NEST's units,
- ``init_<name>``: the value of each recordable before the first step,
- ``spike_times`` (ms), ``dt`` (ms), ``model``, ``nest_version``,
- ``params_json``: every parameter that was set (NEST names and units) under ``"set"`` and the
  model's GetDefaults filtered to numeric scalars under ``"defaults"``,
- ``inputs_json``: I_e / dc input and the spike inputs as a list of
  ``{"arrival_times": [...], "weight": w, "receptor": r, ...}``.

Arrival time = spike_generator time + connection delay; every arrival time lies on the dt grid.
A spike whose arrival time is t is applied by NEST at the end of the step that ends at t.
"""

import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent

DELAY = 1.0  # ms, delay of every spike_generator -> neuron connection
EXTRA = 5.0  # ms simulated beyond the recorded duration (multimeter hands the last slice over late)

# ---------------------------------------------------------------------------------------------
# spike input patterns (spike_generator times in ms; arrival = time + DELAY)
# ---------------------------------------------------------------------------------------------

# iaf_psc_exp (pA): two excitatory generators and one inhibitory; duplicates and bursts included
PSC_EXC_A = [
    20.0,
    50.0,
    50.0,
    80.0,
    80.5,
    81.0,
    81.5,
    82.0,
    83.0,
    120.0,
    150.0,
    150.0,
    150.0,
    200.0,
    200.5,
    201.0,
    201.5,
    202.0,
    202.5,
    240.0,
    240.5,
    241.0,
    241.5,
]
PSC_EXC_B = [30.0, 80.0, 100.0, 100.0, 170.0, 170.5, 171.0, 202.0, 202.0, 270.0]
PSC_INH = [60.0, 60.0, 110.0, 110.5, 111.0, 160.0, 203.0, 241.0, 260.0, 260.0, 260.5]

# generic pattern for conductance / alpha models
GEN_EXC_A = [
    15.0,
    40.0,
    40.0,
    70.0,
    70.5,
    71.0,
    71.5,
    72.0,
    130.0,
    130.0,
    131.0,
    180.0,
    220.0,
    220.5,
    221.0,
    221.5,
]
GEN_EXC_B = [25.0, 70.0, 100.0, 100.0, 181.0, 181.5, 182.0, 250.0]
GEN_INH = [55.0, 55.0, 90.0, 90.5, 91.0, 150.0, 221.0, 260.0, 260.0, 260.5]


def _inputs(spec):
    """spec: list of (generator_times, weight, receptor). Returns the JSON-ready list."""
    out = []
    for times, w, r in spec:
        arr = [round(t + DELAY, 10) for t in times]
        out.append(
            {
                "generator_times": list(times),
                "delay": DELAY,
                "arrival_times": arr,
                "weight": w,
                "receptor": r,
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# case definitions
# ---------------------------------------------------------------------------------------------


def _psc_exp_spike_inputs():
    return _inputs([(PSC_EXC_A, 300.0, 0), (PSC_EXC_B, 150.0, 0), (PSC_INH, -200.0, 0)])


def _gen_inputs(w_a, w_b, w_in, receptor=0):
    return _inputs([(GEN_EXC_A, w_a, receptor), (GEN_EXC_B, w_b, receptor), (GEN_INH, w_in, receptor)])


def spiking_cases():
    rec_psc = ["V_m", "I_syn_ex", "I_syn_in"]
    cases = [
        dict(
            name="iaf_psc_exp_dc",
            model="iaf_psc_exp",
            dt=0.1,
            T=300.0,
            params={"I_e": 400.0},
            recordables=rec_psc,
            inputs=[],
            description="iaf_psc_exp, default parameters, DC I_e = 400 pA (regular spiking), no input.",
        ),
        dict(
            name="iaf_psc_exp_spikes",
            model="iaf_psc_exp",
            dt=0.1,
            T=300.0,
            params={"I_e": 200.0},
            recordables=rec_psc,
            inputs=_psc_exp_spike_inputs(),
            description="iaf_psc_exp, I_e = 200 pA (subthreshold alone), spike inputs +300/+150/-200 pA "
            "incl. bursts (0.5 ms apart) and duplicate arrival times.",
        ),
        dict(
            name="iaf_psc_exp_singular",
            model="iaf_psc_exp",
            dt=0.1,
            T=300.0,
            params={"I_e": 200.0, "tau_m": 10.0, "tau_syn_ex": 10.0, "tau_syn_in": 10.0},
            recordables=rec_psc,
            inputs=_psc_exp_spike_inputs(),
            description="iaf_psc_exp with tau_syn_ex = tau_syn_in = tau_m = 10 ms (singular propagator), "
            "same inputs as iaf_psc_exp_spikes.",
        ),
        dict(
            name="iaf_psc_exp_spikes_dt005",
            model="iaf_psc_exp",
            dt=0.05,
            T=300.0,
            params={"I_e": 200.0},
            recordables=rec_psc,
            inputs=_psc_exp_spike_inputs(),
            description="iaf_psc_exp_spikes at resolution 0.05 ms.",
        ),
    ]
    rec_izh = ["V_m", "U_m"]
    izh_in = _inputs([(GEN_EXC_A, 10.0, 0), (GEN_EXC_B, 5.0, 0), (GEN_INH, -8.0, 0)])
    cases += [
        dict(
            name="izhikevich_consistent",
            model="izhikevich",
            dt=0.1,
            T=300.0,
            params={"I_e": 10.0, "consistent_integration": True},
            recordables=rec_izh,
            inputs=[],
            description="izhikevich, default a,b,c,d, I_e = 10 (NEST unit label pA, enters dV/dt as mV/ms), "
            "consistent_integration = True (forward Euler).",
        ),
        dict(
            name="izhikevich_published",
            model="izhikevich",
            dt=0.1,
            T=300.0,
            params={"I_e": 10.0, "consistent_integration": False},
            recordables=rec_izh,
            inputs=[],
            description="izhikevich, I_e = 10, consistent_integration = False (Izhikevich 2003 numerics).",
        ),
        dict(
            name="izhikevich_spikes",
            model="izhikevich",
            dt=0.1,
            T=300.0,
            params={"I_e": 4.0, "consistent_integration": True},
            recordables=rec_izh,
            inputs=izh_in,
            description="izhikevich, I_e = 4, consistent_integration = True, spike inputs +10/+5/-8 "
            "(weights in mV, added to V_m).",
        ),
        dict(
            name="izhikevich_spikes_published",
            model="izhikevich",
            dt=0.1,
            T=300.0,
            params={"I_e": 4.0, "consistent_integration": False},
            recordables=rec_izh,
            inputs=izh_in,
            description="as izhikevich_spikes with consistent_integration = False (there NEST adds "
            "h * weight, not the weight, see README).",
        ),
    ]
    cases += [
        dict(
            name="iaf_cond_exp",
            model="iaf_cond_exp",
            dt=0.1,
            T=300.0,
            params={"I_e": 500.0},
            recordables=["V_m", "g_ex", "g_in"],
            inputs=_gen_inputs(10.0, 5.0, -15.0),
            description="iaf_cond_exp, default parameters, I_e = 500 pA, spike inputs +10/+5 nS (ex), "
            "-15 nS (in) incl. bursts and duplicates.",
        ),
        dict(
            name="aeif_cond_alpha",
            model="aeif_cond_alpha",
            dt=0.1,
            T=300.0,
            params={"I_e": 800.0},
            recordables=["V_m", "g_ex", "g_in", "w"],
            inputs=_gen_inputs(10.0, 5.0, -15.0),
            description="aeif_cond_alpha, default parameters (t_ref = 0), I_e = 800 pA (adapting spiking; "
            "600 pA gives a single spike with default parameters), spike inputs +10/+5 nS (ex), "
            "-15 nS (in).",
        ),
        dict(
            name="aeif_cond_alpha_tref2",
            model="aeif_cond_alpha",
            dt=0.1,
            T=300.0,
            params={"I_e": 1000.0, "t_ref": 2.0},
            recordables=["V_m", "g_ex", "g_in", "w"],
            inputs=_gen_inputs(10.0, 5.0, -15.0),
            description="aeif_cond_alpha, I_e = 1000 pA, t_ref = 2 ms, same spike inputs as aeif_cond_alpha.",
        ),
        dict(
            name="hh_psc_alpha",
            model="hh_psc_alpha",
            dt=0.1,
            T=300.0,
            params={"I_e": 700.0},
            recordables=["V_m", "I_syn_ex", "I_syn_in", "Act_m", "Inact_h", "Act_n"],
            inputs=_gen_inputs(200.0, 100.0, -300.0),
            description="hh_psc_alpha, default parameters, I_e = 700 pA (repetitive spiking), spike inputs "
            "+200/+100 pA (ex), -300 pA (in).",
        ),
        dict(
            name="hh_psc_alpha_ie500",
            model="hh_psc_alpha",
            dt=0.1,
            T=300.0,
            params={"I_e": 500.0},
            recordables=["V_m", "I_syn_ex", "I_syn_in", "Act_m", "Inact_h", "Act_n"],
            inputs=_gen_inputs(200.0, 100.0, -300.0),
            description="hh_psc_alpha, I_e = 500 pA (alone: one onset spike, then damped oscillation) with "
            "the same spike inputs as hh_psc_alpha.",
        ),
    ]
    bw_inputs = _inputs(
        [
            (GEN_EXC_A, 5.0, 1),  # AMPA
            (GEN_INH, 10.0, 2),  # GABA (positive weight; the receptor decides)
            ([20.0, 60.0, 60.5, 61.0, 140.0, 140.0, 230.0], 1.0, 3),  # NMDA connection 1
            ([45.0, 45.0, 100.0, 180.0, 180.5, 181.0, 181.5, 182.0], 0.5, 3),  # NMDA connection 2
        ]
    )
    cases += [
        dict(
            name="iaf_bw_2001_exact",
            model="iaf_bw_2001_exact",
            dt=0.1,
            T=300.0,
            params={},
            dc={"amplitude": 300.0, "start": 0.0, "stop": 1.0e9, "delay": DELAY},
            recordables=["V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_AMPA", "I_GABA", "I_NMDA"],
            inputs=bw_inputs,
            description="iaf_bw_2001_exact, default parameters, 300 pA from a dc_generator, AMPA "
            "(receptor 1, 5 nS), GABA (receptor 2, 10 nS) and two NMDA connections (receptor 3, 1.0 and "
            "0.5 nS).",
        ),
        dict(
            name="iaf_bw_2001",
            model="iaf_bw_2001",
            dt=0.1,
            T=300.0,
            params={"s_NMDA": 2.0},
            dc={"amplitude": 400.0, "start": 0.0, "stop": 1.0e9, "delay": DELAY},
            recordables=["V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_AMPA", "I_GABA", "I_NMDA"],
            inputs=bw_inputs[:2],
            description="iaf_bw_2001 (approximate NMDA), default parameters, s_NMDA(0) = 2 nS (decaying, "
            "no NMDA input: that needs a presynaptic iaf_bw_2001), 400 pA from a dc_generator, AMPA "
            "(receptor 1, 5 nS) and GABA (receptor 2, 10 nS).",
        ),
    ]
    return cases


def rate_cases():
    base = {"sigma": 0.0, "tau": 10.0}
    return [
        dict(
            name="sigmoid_rate_ipn_isolated",
            T=200.0,
            dt=0.1,
            neurons={"target": dict(base, mu=1.0, rate=0.0)},
            connections=[],
            description="isolated sigmoid_rate_ipn, sigma = 0, mu = 1, lambda = 1, no input "
            "(NEST still adds phi(0) = g/(1+exp(beta*theta)) = 0.5 with linear_summation).",
        ),
        dict(
            name="sigmoid_rate_ipn_lambda0",
            T=200.0,
            dt=0.1,
            neurons={"target": dict(base, mu=0.2, rate=-1.0, **{"lambda": 0.0})},
            connections=[],
            description="isolated sigmoid_rate_ipn, lambda = 0 (Euler(-Maruyama) branch), mu = 0.2.",
        ),
        dict(
            name="sigmoid_rate_ipn_rectified",
            T=200.0,
            dt=0.1,
            neurons={"target": dict(base, mu=-2.0, rate=1.0, rectify_output=True, rectify_rate=0.0)},
            connections=[],
            description="isolated sigmoid_rate_ipn, mu = -2, rate starts at 1, rectify_output = True, "
            "rectify_rate = 0.",
        ),
        dict(
            name="sigmoid_rate_ipn_instantaneous",
            T=200.0,
            dt=0.1,
            neurons={
                "source": dict(base, mu=2.0, rate=0.0, tau=5.0),
                "target": dict(base, mu=0.0, rate=0.0, beta=2.0, theta=0.5),
            },
            connections=[
                {
                    "pre": "source",
                    "post": "target",
                    "synapse_model": "rate_connection_instantaneous",
                    "weight": 1.5,
                }
            ],
            description="source -> target via rate_connection_instantaneous (weight 1.5); both noise free.",
        ),
        dict(
            name="sigmoid_rate_ipn_delayed",
            T=200.0,
            dt=0.1,
            neurons={
                "source": dict(base, mu=2.0, rate=0.0, tau=5.0),
                "target": dict(base, mu=0.0, rate=0.0, beta=2.0, theta=0.5),
            },
            connections=[
                {
                    "pre": "source",
                    "post": "target",
                    "synapse_model": "rate_connection_delayed",
                    "weight": 1.5,
                    "delay": 2.0,
                }
            ],
            description="source -> target via rate_connection_delayed (weight 1.5, delay 2 ms).",
        ),
        dict(
            name="sigmoid_rate_ipn_delayed_nonlinsum",
            T=200.0,
            dt=0.1,
            neurons={
                "source": dict(base, mu=2.0, rate=0.0, tau=5.0),
                "target": dict(base, mu=0.0, rate=0.0, beta=2.0, theta=0.5, linear_summation=False),
            },
            connections=[
                {
                    "pre": "source",
                    "post": "target",
                    "synapse_model": "rate_connection_delayed",
                    "weight": 1.5,
                    "delay": 2.0,
                },
                {
                    "pre": "source",
                    "post": "target",
                    "synapse_model": "rate_connection_delayed",
                    "weight": -0.5,
                    "delay": 2.0,
                },
            ],
            description="as sigmoid_rate_ipn_delayed but linear_summation = False and a second connection "
            "with weight -0.5 (same delay).",
        ),
    ]


# ---------------------------------------------------------------------------------------------
# helpers that use NEST
# ---------------------------------------------------------------------------------------------


def _numeric_defaults(nest, model):
    d = nest.GetDefaults(model)
    out = {}
    for k, v in d.items():
        if isinstance(v, bool):
            out[k] = bool(v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            if isinstance(v, float) and not math.isfinite(v):
                continue
            out[k] = v
        elif hasattr(v, "item") and getattr(v, "shape", None) == ():
            out[k] = v.item()
    for k in ("global_id", "model_id", "thread", "thread_local_id", "vp", "elementsize"):
        out.pop(k, None)
    return out


def _reset(nest, dt):
    nest.ResetKernel()
    nest.local_num_threads = 1
    nest.resolution = dt
    nest.rng_seed = 1


def _collect(mm, recordables, dt, T):
    import numpy as np

    ev = mm.events
    times = np.asarray(ev["times"], dtype=float)
    n = round(T / dt)
    keep = times <= T + 0.25 * dt
    times = times[keep]
    k = np.rint(times / dt).astype(int)
    if len(times) != n or not np.array_equal(k, np.arange(1, n + 1)):
        raise RuntimeError(f"unexpected multimeter sample times: {len(times)} samples, expected {n}")
    out = {"t": np.arange(1, n + 1, dtype=float) * dt}
    for r in recordables:
        out[r] = np.asarray(ev[r], dtype=float)[keep]
    return out


def run_spiking_case(nest, case):
    import numpy as np

    dt, T, model = case["dt"], case["T"], case["model"]
    _reset(nest, dt)
    neuron = nest.Create(model, params=case["params"])
    status = neuron.get()
    init = {}
    for r in case["recordables"]:
        init[r] = float(status[r]) if r in status else 0.0
    mm = nest.Create("multimeter", params={"interval": dt, "record_from": case["recordables"]})
    nest.Connect(mm, neuron)
    # iaf_bw_2001 stamps its spikes with its NMDA jump as the offset (NEST's docs: record them in steps)
    in_steps = model == "iaf_bw_2001"
    sr = nest.Create("spike_recorder", params={"time_in_steps": True} if in_steps else {})
    nest.Connect(neuron, sr)
    for inp in case["inputs"]:
        sg = nest.Create("spike_generator", params={"spike_times": inp["generator_times"]})
        nest.Connect(
            sg,
            neuron,
            syn_spec={
                "synapse_model": "static_synapse",
                "weight": inp["weight"],
                "delay": inp["delay"],
                "receptor_type": inp["receptor"],
            },
        )
    inputs = {"I_e": case["params"].get("I_e", None), "spikes": case["inputs"]}
    dc = case.get("dc")
    if dc:
        g = nest.Create(
            "dc_generator", params={"amplitude": dc["amplitude"], "start": dc["start"], "stop": dc["stop"]}
        )
        nest.Connect(g, neuron, syn_spec={"weight": 1.0, "delay": dc["delay"]})
        inputs["dc_generator"] = dict(dc)
    nest.Simulate(T + EXTRA)
    data = _collect(mm, case["recordables"], dt, T)
    spikes = np.asarray(sr.events["times"], dtype=float) * (dt if in_steps else 1.0)
    spikes = spikes[spikes <= T + 0.25 * dt]
    for r, v in init.items():
        data["init_" + r] = np.float64(v)
    data["spike_times"] = spikes
    params = {
        "set": dict(case["params"]),
        "resolution": dt,
        "local_num_threads": 1,
        "duration": T,
        "defaults": _numeric_defaults(nest, model),
        "init_from_GetStatus": [r for r in case["recordables"] if r in status],
    }
    return data, params, inputs


def run_rate_case(nest, case):
    import numpy as np

    dt, T = case["dt"], case["T"]
    _reset(nest, dt)
    nodes, mms = {}, {}
    init = {}
    for label, p in case["neurons"].items():
        nodes[label] = nest.Create("sigmoid_rate_ipn", params=p)
        init[label] = float(nodes[label].get("rate"))
        mms[label] = nest.Create("multimeter", params={"interval": dt, "record_from": ["rate"]})
        nest.Connect(mms[label], nodes[label])
    for c in case["connections"]:
        syn = {"synapse_model": c["synapse_model"], "weight": c["weight"]}
        if "delay" in c:
            syn["delay"] = c["delay"]
        nest.Connect(nodes[c["pre"]], nodes[c["post"]], syn_spec=syn)
    nest.Simulate(T + EXTRA)
    data = _collect(mms["target"], ["rate"], dt, T)
    data["init_rate"] = np.float64(init["target"])
    if "source" in nodes:
        data["source_rate"] = _collect(mms["source"], ["rate"], dt, T)["rate"]
        data["init_source_rate"] = np.float64(init["source"])
    data["spike_times"] = np.zeros(0)
    ks = nest.GetKernelStatus()
    params = {
        "set": case["neurons"],
        "resolution": dt,
        "local_num_threads": 1,
        "duration": T,
        "defaults": _numeric_defaults(nest, "sigmoid_rate_ipn"),
        "kernel": {
            k: ks[k]
            for k in (
                "use_wfr",
                "wfr_tol",
                "wfr_max_iterations",
                "wfr_interpolation_order",
                "wfr_comm_interval",
            )
        },
        "note": "'rate' is the target neuron; 'source_rate' (if present) the presynaptic rate neuron.",
    }
    inputs = {"I_e": None, "spikes": [], "rate_connections": case["connections"]}
    return data, params, inputs


def save(case, model, data, params, inputs, nest_version):
    import numpy as np

    path = HERE / f"{case['name']}.npz"
    params = dict(params, description=case["description"])
    np.savez_compressed(
        path,
        dt=np.float64(case["dt"]),
        model=np.str_(model),
        params_json=np.str_(json.dumps(params, sort_keys=True)),
        inputs_json=np.str_(json.dumps(inputs, sort_keys=True)),
        nest_version=np.str_(nest_version),
        **data,
    )
    return path


def main(argv=None):
    import argparse

    import nest

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    args = ap.parse_args(argv)
    try:
        nest.verbosity = nest.VerbosityLevel.ERROR
    except AttributeError:  # older NEST
        nest.set_verbosity("M_ERROR")
    version = nest.__version__
    todo = [(c, run_spiking_case, c["model"]) for c in spiking_cases()]
    todo += [(c, run_rate_case, "sigmoid_rate_ipn") for c in rate_cases()]
    for case, runner, model in todo:
        if args.cases and case["name"] not in args.cases:
            continue
        data, params, inputs = runner(nest, case)
        path = save(case, model, data, params, inputs, version)
        print(
            f"{path.name}: {len(data['t'])} samples, {len(data['spike_times'])} spikes, "
            f"{path.stat().st_size} bytes"
        )


if __name__ == "__main__":
    main()
