"""NEST-compatible models against NEST 3.10 reference traces (tests/reference/*.npz).

The traces were made by ``tests/reference/make_nest_refs.py`` (NEST is not needed here).
Exact-propagator and Euler models must agree to 1e-9 relative with identical spike
times.  The issue asks 1e-2 mV of the RKF45 models; since neurounits' RKF45 follows
GSL's stepper and controller, they agree to about 1e-10 mV (measured), so the test
holds them to 1e-6 in every recordable's unit, with identical spike times.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

REF = Path(__file__).parent.parent / "reference"
SPIKING = ("iaf_psc_exp", "izhikevich", "iaf_cond_exp", "aeif_cond_alpha", "hh_psc_alpha")
# the files of make_nest_refs.py (those of other scripts, e.g. make_input_refs.py, have their own tests)
CASES = sorted(p.stem for p in REF.glob("*.npz")
               if p.stem.startswith(SPIKING) and "params_json" in np.load(p, allow_pickle=False).files)
RKF45_ATOL = 1e-6  # mV, nS, pA, or dimensionless gates


def load(case: str):
    d = np.load(REF / f"{case}.npz", allow_pickle=False)
    meta = json.loads(str(d["params_json"]))
    inputs = json.loads(str(d["inputs_json"]))
    return d, meta, inputs


def build(case: str):
    d, meta, inputs = load(case)
    cls = getattr(nu.models.nest, str(d["model"]))
    values = {}
    for k, v in meta["set"].items():
        if isinstance(v, bool):
            values[k] = str(v)
        else:
            values[k] = Q_(v, cls._decl[k].unit)
    model = cls(n=1, **values)
    initial = {k[5:]: Q_(float(d[k]), model.states[k[5:]]) for k in d.files if k.startswith("init_")}
    spikes = [nu.SpikeInput(times=Q_(s["arrival_times"], "ms"),
                            weight=Q_(s["weight"], next(iter(model.spec.receptors.values())).unit))
              for s in inputs.get("spikes", [])]
    return d, meta, model, initial, spikes


@pytest.mark.parametrize("case", CASES)
def test_matches_nest(case):
    d, meta, model, initial, spikes = build(case)
    dt = float(d["dt"])
    recordables = [k for k in d.files if k in model.states]
    res = nu.simulate(model, Q_(meta["duration"], "ms"), Q_(dt, "ms"), initial=initial, spike_inputs=spikes,
                      record=tuple(recordables))
    np.testing.assert_allclose(res.t.magnitude[1:], d["t"], rtol=0, atol=1e-9)
    got_spikes = res.spikes.times.to("ms").magnitude
    np.testing.assert_allclose(got_spikes, d["spike_times"], rtol=0, atol=1e-9)
    assert len(d["spike_times"]) > 0 or "spikes" in case
    for k in recordables:
        ours = res[k].to(model.states[k]).magnitude[1:, 0]
        ref = d[k]
        if res.method in ("exact", "update"):
            scale = np.max(np.abs(ref)) + 1e-300
            np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9 * scale, err_msg=f"{case}: {k}")
        else:
            assert res.method == "rkf45"
            np.testing.assert_allclose(ours, ref, rtol=0, atol=RKF45_ATOL, err_msg=f"{case}: {k}")


def test_every_nest_spiking_model_has_reference_cases():
    for name in SPIKING:
        assert any(c.startswith(name) for c in CASES), name


@pytest.mark.parametrize("name", SPIKING)
def test_defaults_and_initial_states_are_nests(name):
    """Every parameter default and initial state equals NEST 3.10's GetStatus value."""
    case = next(c for c in CASES if c.startswith(name))
    _, meta, _ = load(case)
    defaults = meta["defaults"]
    cls = getattr(nu.models.nest, name)
    model = cls(n=1)
    checked = 0
    for k, q in model.parameters.items():
        if k in defaults:
            assert q.to(cls._decl[k].unit).magnitude == pytest.approx(defaults[k], rel=1e-12), k
            checked += 1
    initial = model.initial_values()
    for k in model.states:
        if k in defaults:
            got = initial[k][0] / nu.units.factor_to_internal(model.states[k])
            assert got == pytest.approx(defaults[k], rel=1e-12, abs=1e-300), k
            checked += 1
    assert checked >= 5
