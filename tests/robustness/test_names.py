"""Names given to a model's declaration are plain identifiers, checked before any code is generated.

Generated kernels use every name of a model as a suffix of their own variable names (``P_<name>``,
``X_<name>``, ``x_<name>``, ``B_<receptor>``, ...), so a name that is not an identifier would be
pasted into the kernel's source.  These tests try to inject code through each path from user text to
the generated source; a canary file must never appear.
"""

from __future__ import annotations

import pytest

import neurounits as nu

pytestmark = pytest.mark.no_jit

LEAK = "dV/dt = -V/tau : mV"


def _payload(canary) -> str:
    return f"x,*a,\n    k=[__import__('os').system('touch {canary}')][0]"


def test_parameter_name_with_code_is_refused(tmp_path):
    canary = tmp_path / "F"
    with pytest.raises(nu.EquationError) as info:
        nu.Model.from_equations(LEAK, parameters={"tau": "10 ms", _payload(canary): "1 ms"}, name="Inj")
    assert str(info.value).startswith("model 'Inj': the parameter name \"x,*a,\\n    k=[__import__(")
    assert "is not a plain identifier" in str(info.value)
    assert "[A-Za-z_][A-Za-z0-9_]*" in str(info.value)
    assert not canary.exists()


def test_input_name_with_dot_is_refused():
    with pytest.raises(nu.EquationError, match=r"model 'M': the input name 'g\.L' is not a plain identifier"):
        nu.Model.from_equations(
            "dV/dt = -V/tau + I/C : mV",
            parameters={"tau": "10 ms", "C": "1 pF"},
            inputs={"I": "pA", "g.L": "nS"},
            name="M",
        )


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("lambda", "a Python keyword"),
        ("__class__", "reserved"),
        ("_hidden", "reserved"),
        ("t", "reserved"),
        ("dt", "reserved"),
        ("xi", "white noise"),
        ("xi_2", "white noise"),
        ("tau\u00e9", "plain identifier"),
        ("1tau", "plain identifier"),
        ("", "plain identifier"),
    ],
)
def test_bad_parameter_names(name, why):
    with pytest.raises(nu.EquationError) as info:
        nu.Model.from_equations(LEAK, parameters={"tau": "10 ms", name: "1 ms"}, name="M")
    msg = str(info.value)
    assert f"parameter name {name!r}" in msg and why in msg, msg


def test_non_string_name_is_refused():
    with pytest.raises(nu.EquationError, match="the parameter name 3 is not a string"):
        nu.Model.from_equations(LEAK, parameters={"tau": "10 ms", 3: "1 ms"}, name="M")


def test_every_bad_name_is_reported_at_once():
    with pytest.raises(nu.EquationError) as info:
        nu.Model.from_equations(
            LEAK, parameters={"tau": "10 ms", "a b": "1 ms", "c-d": "1 ms"}, inputs={"e.f": "pA"}, name="M"
        )
    assert len(info.value.problems) == 3


def test_subclass_declarations_set_by_setattr_are_checked():
    attrs = {
        "equations": LEAK,
        "tau": nu.Parameter("10 ms"),
        "V": nu.State("mV"),
        "ex;import os": nu.Receptor("mV", "V += w"),
    }
    with pytest.raises(nu.EquationError, match=r"the receptor name 'ex;import os' is not a plain identifier"):
        type("M", (nu.Model,), attrs)


def test_option_name_and_values_are_checked():
    attrs = {
        "equations": "dV/dt = -{kind}/tau : mV",
        "tau": nu.Parameter("10 ms"),
        "kind": nu.Option(["V", "2*V"], "V"),
    }
    M = type("OptOK", (nu.Model,), attrs)
    assert M(kind="2*V").options == {"kind": "2*V"}
    attrs["k w"] = nu.Option(["a"], "a")
    with pytest.raises(nu.EquationError, match="the option name 'k w' is not a plain identifier"):
        type("Opt", (nu.Model,), attrs)


def test_option_value_with_code_cannot_inject(tmp_path):
    canary = tmp_path / "F"
    code = f"__import__('os').system('touch {canary}')"
    attrs = {
        "equations": "dV/dt = -{kind}/tau : mV",
        "tau": nu.Parameter("10 ms"),
        "kind": nu.Option({"a": "V", "b": code}, "a"),
    }
    with pytest.raises(nu.EquationError, match=r"not allowed in an expression|unknown function"):
        type("OptInj", (nu.Model,), attrs)
    assert not canary.exists()


def test_model_name_must_be_a_string():
    with pytest.raises(nu.EquationError, match="the model's name must be a non-empty string"):
        nu.Model.from_equations(LEAK, parameters={"tau": "10 ms"}, name=None)  # type: ignore[arg-type]


def test_unit_string_with_code_is_not_evaluated(tmp_path):
    canary = tmp_path / "F"
    code = f"__import__('os').system('touch {canary}')"
    with pytest.raises(nu.NeurounitsError):
        nu.Model.from_equations(LEAK, parameters={"tau": f"10 {code}"}, name="M")(n=1)
    with pytest.raises(nu.NeurounitsError):
        nu.Model.from_equations(f"dV/dt = -V/tau : {code}", parameters={"tau": "10 ms"}, name="M")
    with pytest.raises(nu.NeurounitsError):
        nu.Model.from_equations(LEAK, parameters={"tau": "10 ms"}, inputs={"I": code}, name="M")
    assert not canary.exists()


def test_expression_text_with_code_is_not_evaluated(tmp_path):
    canary = tmp_path / "F"
    for expr in (
        f"__import__('os').system('touch {canary}')",
        "V.__class__",
        "[V][0]",
        "(lambda: V)()",
        "f'{V}'",
        "V[0]",
    ):
        with pytest.raises(nu.EquationError):
            nu.Model.from_equations(f"dV/dt = ({expr})/tau : mV", parameters={"tau": "10 ms"}, name="M")
    assert not canary.exists()


def test_state_and_expression_names_must_be_ascii():
    with pytest.raises(nu.EquationError, match="the state name 'V\u00b2' is not a plain identifier"):
        nu.Model.from_equations("dV\u00b2/dt = -V\u00b2/tau : mV", parameters={"tau": "10 ms"}, name="M")
    attrs = {
        "equations": "dV\u00b2/dt = -V/tau : mV\n a\u00b2 = V : mV",
        "tau": nu.Parameter("10 ms"),
        "V": nu.State("mV"),
    }
    with pytest.raises(nu.EquationError) as info:
        type("M", (nu.Model,), attrs)
    assert "the state name 'V\u00b2'" in str(info.value)
    assert "the named expression name 'a\u00b2'" in str(info.value)


@pytest.mark.slow
def test_injection_attempts_compile_harmlessly(tmp_path):
    """A model whose every name and text is odd-but-legal compiles and runs; nothing is executed."""
    canary = tmp_path / "F"
    code = f"__import__('os').system('touch {canary}')"
    attrs = {
        "equations": "dV/dt = (-V + R*I)/tau_ : mV\n  lambda_ = V/mV : 1",
        "tau_": nu.Parameter("10 ms"),
        "R": nu.Parameter("1 Mohm"),
        "V": nu.State("mV", initial="0 mV"),
        "I": nu.Input("pA"),
        "ex_": nu.Receptor("mV", "V += w"),
        "threshold": "V > 1*mV",
        "reset": "V = 0*mV",
    }
    M = type(f"M{code}", (nu.Model,), attrs)  # any class name: it never reaches the kernel
    res = nu.simulate(
        M(n=1),
        "1 ms",
        "0.1 ms",
        inputs={"I": "1 pA"},
        record=("V", "lambda_"),
        spike_inputs=[nu.SpikeInput(times=nu.Q_([0.5], "ms"), weight="2 mV", receptor="ex_")],
    )
    assert res["V"].shape == (11, 1)
    assert res.spike_counts[0] == 1
    assert not canary.exists()


def test_every_symbol_of_every_library_model_is_an_identifier():
    """What the code printer writes for a model's names: identifiers only (the audit's guard)."""
    import keyword

    models = [getattr(nu.models, k) for k in nu.models.__all__]
    models += [getattr(nu.models.nest, k) for k in nu.models.nest.__all__]
    specs = [s for m in models if isinstance(m, type) and issubclass(m, nu.Model) for s in m._specs.values()]
    assert len(specs) > 20
    for spec in specs:
        exprs = [*spec.odes.values(), *(e for e, _ in spec.expressions.values()), *spec.initial.values()]
        for sym in set().union(*(e.free_symbols for e in exprs)):
            assert sym.name.isidentifier() and sym.name.isascii() and not keyword.iskeyword(sym.name), sym
