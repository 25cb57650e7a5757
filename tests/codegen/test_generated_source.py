"""The generated kernel source: readable (short lines, a header that says what produced it), named
expressions computed once as locals, one body shared by both entry points, a cache key that
changes with the toolchain."""

from __future__ import annotations

import re

import numpy as np
import pytest

import neurounits as nu
from neurounits import codegen
from neurounits.codegen.cache import toolchain
from neurounits.simulation import kernels


def _source(model, record=(), method=None) -> tuple[str, str]:
    spec = model.spec
    name, _ = kernels.choose_method(spec, method)
    return kernels.kernel_source(kernels.KernelChoice(spec, name, tuple(record))), name


@pytest.mark.parametrize("model", ["LIF", "nest.iaf_psc_exp", "nest.aeif_cond_alpha", "nest.hh_psc_alpha"])
def test_lines_short_and_header_names_model_and_method(model):
    where = nu.models.nest if model.startswith("nest.") else nu.models
    m = getattr(where, model.split(".")[-1])(n=2)
    src, method = _source(m)
    assert max(len(line) for line in src.splitlines()) <= 120
    head = "\n".join(src.splitlines()[:6])
    assert f"model '{m.spec.name}'" in head and f"method {method}" in head
    assert toolchain() in src  # numba and llvmlite versions: part of the content hash
    compile(src, "<kernel>", "exec")


def test_named_expression_computed_once_per_state():
    """aeif_cond_alpha's V = min(V_m, V_peak) is a local, computed once where it is used (e_V),
    never inlined in other expressions.  The right-hand sides are one function (_f, which computes
    e_V once), called once for k1 and once per later stage of a try (and at its end, for the next
    k1), so each stage evaluates the expression once."""
    src, _ = _source(nu.models.nest.aeif_cond_alpha(n=2), record=("V",))
    uses = [line.strip() for line in src.splitlines() if "min2(p_V_peak, x_V_m)" in line]
    assert uses and all(line == "e_V = _rt.min2(p_V_peak, x_V_m)" for line in uses)
    def function(name: str) -> str:
        code = src[src.index(f"def {name}("):]
        return code[:code.index("\n\n\n")]

    assert function("_f").count("e_V = ") == 1
    one_try = function("_try")
    assert one_try.count("_f(") == 6  # stages 2 to 6, and the end state
    for stage in range(2, 7):
        assert len(re.findall(rf"^\s*\(_k{stage}_V_m, ", one_try, re.M)) == 1


def test_one_body_for_both_entry_points():
    src, _ = _source(nu.models.nest.aeif_cond_alpha(n=2))
    assert src.count("def _body(") == 1
    assert "def run(" in src and "def run_uniform(" in src
    assert "LS[" not in src or "LS[F_" in src  # lane fields by name
    assert not re.search(r"LS\[\d+ \+ l\]", src)


def test_entry_points_keep_the_argument_list():
    m = nu.models.nest.iaf_cond_exp(n=2)
    src, name = _source(m)
    mod = codegen.load(src)
    ks = codegen.KernelSpec(m.spec, nu.integrators.INTEGRATORS[name].step(m.spec), (), ())
    assert mod.ARGS == tuple(ks.argnames())
    assert mod.STATES == tuple(m.spec.states)
    import inspect

    for fn in (mod.run, mod.run_uniform):
        assert tuple(inspect.signature(fn).parameters) == mod.ARGS


def test_uniform_and_per_neuron_runs_agree():
    """A population whose parameters are shared computes the same numbers as one whose parameters
    are per neuron (the body compiled for each pattern); and the entry point run_uniform (one
    value per parameter) gives the bits of run."""
    m = nu.models.nest.iaf_psc_exp(n=3)
    a = nu.simulate(m, "20 ms", inputs={"I": "400 pA"}, record=("V_m",))
    m2 = nu.models.nest.iaf_psc_exp(n=3, C_m=nu.Q_([250.0, 250.0, 250.0000000001], "pF"))
    b = nu.simulate(m2, "20 ms", inputs={"I": "400 pA"}, record=("V_m",))
    assert abs(a["V_m"].magnitude[:, :2] - b["V_m"].magnitude[:, :2]).max() < 1e-9


def test_shared_values_are_passed_once_and_change_nothing():
    """One per-neuron parameter (I_e), the rest shared: the same bits as every parameter per neuron
    (a tiny difference in tau_syn_in, whose current stays 0, makes the derived constants per-neuron)."""
    i_e = nu.Q_([380.0, 400.0, 420.0], "pA")
    a = nu.simulate(nu.models.nest.iaf_psc_exp(n=3, I_e=i_e), "30 ms", record=("V_m",), threads=1)
    m = nu.models.nest.iaf_psc_exp(n=3, I_e=i_e, tau_syn_in=nu.Q_([2.0, 2.0, 2.0000001], "ms"))
    b = nu.simulate(m, "30 ms", record=("V_m",), threads=1)
    assert (a["V_m"].magnitude == b["V_m"].magnitude).all() and a.spikes.indices.size > 0
    from neurounits.codegen import runtime

    assert runtime.shared(np.full(4, 2.5)) == 2.5 and isinstance(runtime.shared(np.arange(3.0)), np.ndarray)


def test_exact_propagators_are_computed_in_numpy_as_the_compiled_exponential_would():
    """Multi-state exact models get E and P from _rt.expm_blocks (numpy/scipy, not compiled): each
    distinct system matrix once, equal to the compiled Pade exponential to rounding."""
    from neurounits.codegen import runtime

    src, _ = _source(nu.models.nest.iaf_psc_exp(n=2))
    derived = src[src.index("def _derived("):src.index("def _body(")]
    assert "_rt.expm_blocks(mtx, dt)" in derived and "@njit" not in src[src.index("def _derived(") - 60:
                                                                         src.index("def _derived(")]
    rng = np.random.default_rng(1)
    m = rng.normal(size=(3, 3, 3))
    m[2] = m[0]  # a repeated matrix is computed once and given to both
    E, P = runtime.expm_blocks(m, 0.1)
    for i in range(3):
        e, p = runtime.expm_block(m[i], 0.1)
        np.testing.assert_allclose(E[i], e, rtol=0, atol=1e-15)
        np.testing.assert_allclose(P[i], p, rtol=0, atol=1e-16)
    np.testing.assert_array_equal(E[0], E[2])
