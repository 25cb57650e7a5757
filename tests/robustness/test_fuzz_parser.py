"""Property-based fuzzing of the equation parser: whatever the text, declaring a model either works or
raises one of neurounits' own errors (a NeurounitsError), quickly; never a raw sympy, pint or Python
error, and never a hang."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neurounits as nu
from neurounits.equations.functions import FUNCTIONS

pytestmark = pytest.mark.no_jit

PARAMS = {"tau": "10 ms", "E_L": "-70 mV", "g": "1 nS", "k": "2"}
NAMES = [
    "V",
    "w",
    "tau",
    "E_L",
    "g",
    "k",
    "t",
    "mV",
    "ms",
    "nS",
    "pA",
    "degC",
    "K",
    "xi",
    "Vx",
    "prev",
    "exp",
    "__import__",
    "True",
    "None",
]
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "1e400", "1e-400", "9**9**9", "2**10**10", "0.5", "1j", "True", "'a'"]),
)
LEAVES = st.one_of(st.sampled_from(NAMES), NUMBERS)


def _combine(children):
    binary = st.tuples(
        children,
        st.sampled_from(["+", "-", "*", "/", "**", "<", "<=", "==", "!=", " and ", " or ", "%", "//", "@"]),
        children,
    )
    return st.one_of(
        binary.map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        st.tuples(st.sampled_from(["-", "+", "not "]), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from([*sorted(FUNCTIONS), "prev", "foo"]), st.lists(children, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} < {t[1]} < {t[2]})"),
        st.tuples(children, st.sampled_from(["mV", "ms", "1/ms", "degC", "mV/ms"])).map(
            lambda t: f"{t[0]} {t[1]}"
        ),
    )


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=25)
UNITS = st.sampled_from(["mV", "mV/ms", "pA", "1", "degC", "K", "mVV", "ms**9**9", "mV**2", "", "1/0", "(mV"])


def _declare(rhs: str, unit: str = "mV", threshold: str | None = None) -> None:
    try:
        M = nu.Model.from_equations(
            f"dV/dt = {rhs} : {unit}\n dw/dt = -w/tau : mV",
            parameters=PARAMS,
            threshold=threshold,
            name="Fuzz",
        )
        M(n=2)
    except nu.NeurounitsError:
        pass


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, UNITS)
def test_random_expression_trees(expr, unit):
    _declare(expr, unit)


@settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_random_thresholds(expr):
    _declare("-V/tau", threshold=expr)


ALPHABET = "Vwtaukg_EL0123456789.e+-*/()<>=!, :;#\\\n'\"[]{}%@^~&|xi mVnSpAdegC\t"


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, max_size=80))
def test_random_text(text):
    _declare(text)
    try:
        nu.Model.from_equations(text, parameters=PARAMS, name="Fuzz")
    except nu.NeurounitsError:
        pass
