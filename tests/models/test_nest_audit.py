"""The audit of the NEST-compatible models against NEST 3.10 (#14; the table in
tests/reference/NEST_FACTS.md, "Input paths audit").

The facts below are NEST 3.10's (``GetDefaults``: ``recordables``, ``receptor_types`` and the
boolean parameters; the current receptors are those a ``dc_generator`` connects to, the spike
receptors those a ``spike_generator`` connects to).  Each model must record every NEST recordable,
take every NEST current receptor as an input, every spike receptor as a receptor and every NEST
boolean as an option of Python bools, except the gaps listed in NEST_FACTS.md (``GAPS`` here).
"""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu

_RATE = {
    "rec": ("noise", "rate"),
    "current": {},
    "spike": {},
    "bools": ("linear_summation", "mult_coupling", "rectify_output"),
}
_BW = {
    "rec": ("I_AMPA", "I_GABA", "I_NMDA", "V_m", "s_AMPA", "s_GABA", "s_NMDA"),
    "current": {0: "I"},
    "spike": {1: "AMPA", 2: "GABA", 3: "NMDA"},
    "bools": (),
}
NEST = {
    "iaf_psc_exp": {
        "rec": ("I_syn_ex", "I_syn_in", "V_m"),
        "current": {0: "I", 1: "I_1"},
        "spike": {0: ("ex", "in_")},
        "bools": (),
    },
    "iaf_psc_delta": {
        "rec": ("V_m",),
        "current": {0: "I"},
        "spike": {0: "spikes"},
        "bools": ("refractory_input",),
    },
    "iaf_cond_exp": {
        "rec": ("V_m", "g_ex", "g_in"),
        "current": {0: "I"},
        "spike": {0: ("ex", "in_")},
        "bools": (),
    },
    "aeif_cond_alpha": {
        "rec": ("V_m", "g_ex", "g_in", "w"),
        "current": {0: "I"},
        "spike": {0: ("ex", "in_")},
        "bools": (),
    },
    "hh_psc_alpha": {
        "rec": ("Act_m", "Act_n", "I_syn_ex", "I_syn_in", "Inact_h", "V_m"),
        "current": {0: "I"},
        "spike": {0: ("ex", "in_")},
        "bools": (),
    },
    "izhikevich": {
        "rec": ("U_m", "V_m"),
        "current": {0: "I"},
        "spike": {0: "spikes"},
        "bools": ("consistent_integration",),
    },
    "iaf_bw_2001": _BW,
    "iaf_bw_2001_exact": _BW,
    "sigmoid_rate_ipn": _RATE,
    "lin_rate_ipn": _RATE,
    "tanh_rate_ipn": _RATE,
    "threshold_lin_rate_ipn": _RATE,
}
#: NEST features not implemented, with the reason in NEST_FACTS.md
GAPS = {("iaf_psc_delta", "refractory_input")}


def test_every_nest_model_is_audited():
    assert sorted(NEST) == sorted(nu.models.nest.__all__)


@pytest.mark.parametrize("name", sorted(NEST))
def test_recordables_inputs_receptors_and_booleans_match_nest(name):
    facts, cls = NEST[name], getattr(nu.models.nest, name)
    m = cls()
    assert set(facts["rec"]) <= set(m.spec.recordable())
    assert set(facts["current"].values()) <= set(m.inputs)
    for rid, ours in facts["spike"].items():
        if isinstance(ours, tuple):  # NEST's one receptor, split by the weight's sign
            assert m.spec.receptor_by_sign == ours
        else:
            assert ours in m.spec.receptors
            assert m.spec.receptors[ours].number in (None, rid) and (
                rid == 0 or m.spec.receptors[ours].number == rid
            )
    for flag in facts["bools"]:
        if (name, flag) in GAPS:
            assert flag not in cls._options()
            continue
        for v in (True, False):
            assert cls(**{flag: v}).options[flag] in (v, str(v))


@pytest.mark.parametrize(
    "name",
    [
        "iaf_psc_exp",
        "iaf_psc_delta",
        "iaf_cond_exp",
        "aeif_cond_alpha",
        "hh_psc_alpha",
        "izhikevich",
        "iaf_bw_2001_exact",
    ],
)
def test_current_receptor_0_acts_as_i_e(name):
    """A constant current on NEST's receptor 0 (our ``I``) enters where I_e does (verified against NEST
    through the I_e references): the traces agree to rounding (the sums are ordered differently)."""
    cls = getattr(nu.models.nest, name)
    amp = "5 pA" if name == "izhikevich" else "900 pA"
    a = nu.simulate(cls(I_e=amp), "60 ms", "0.1 ms", record=("V_m",))
    b = nu.simulate(cls(), "60 ms", "0.1 ms", inputs={"I": amp}, record=("V_m",))
    np.testing.assert_allclose(a["V_m"].m, b["V_m"].m, rtol=1e-12, atol=1e-10)
    np.testing.assert_array_equal(a.spikes.times.m, b.spikes.times.m)
    assert a.spikes.times.size > 0
