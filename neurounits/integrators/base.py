"""The integrator contract: what one time step of a model is, as symbolic statements.

An integrator turns a :class:`~neurounits.equations.ModelSpec` into a
:class:`Step`: statements evaluated once per neuron and time step, in order,
from the state at the start of the step (``x_<name>``, inputs ``u_<name>``,
time ``t`` and step ``dt``).  How steps are driven is the kernel's business
(:mod:`neurounits.codegen.kernel`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ..equations import DT, ModelSpec

__all__ = ["Integrator", "Step", "add_input_effects", "hoist_reciprocals"]


@dataclass
class Step:
    """One time step as symbolic statements.

    Attributes
    ----------
    method : str
        The integrator's registered name.
    statements : list of (Symbol, Expr)
        Per-step temporaries, evaluated in order.
    new : dict
        State name -> expression of its value at the end of the step.
    derived : list of (Symbol, Expr)
        Per-neuron constants computed once before the time loop (from
        parameters and ``dt`` only).
    expm : tuple or None
        ``(M, E, P)``: k x k matrices of symbols.  The kernel computes, per
        neuron, E = exp(M dt) and P = integral_0^dt exp(M s) ds numerically
        from the derived entries of M.
    adaptive : bool
        True for error-controlled sub-steps (``rkf45``): the statements use the
        sub-step ``_h`` starting at ``t + _tt``, and ``errors`` holds each
        state's local error estimate.
    stages : list of dict
        For explicit stage schemes: per stage, in order, the substitution (state and time
        symbols -> their values at the stage) under which the stage's statements are the
        right-hand sides.  Code generation uses it to evaluate a model's named expressions
        once per stage; empty for other schemes.
    dense : tuple or None
        ``(entries, cs)`` for exact's dense form of a large system: ``entries`` maps (a, b) to the
        derived symbol of M[a][b] (nonzero entries only), ``cs`` the constant term of each state
        (a symbol or 0).  The kernel computes E and P per neuron as (n, k, k) arrays and a step is
        ``E x + P c`` (:func:`neurounits.codegen.runtime.dense_step`); ``new`` holds ``_dn_<a>``.
    after : list of (str, Expr)
        The inputs' ``on_step`` effects: state name -> amount added after the step, before the
        spikes arriving at its end (:func:`add_input_effects`).
    """

    method: str
    statements: list[tuple[sympy.Symbol, sympy.Expr]] = field(default_factory=list)
    new: dict[str, sympy.Expr] = field(default_factory=dict)
    derived: list[tuple[sympy.Symbol, sympy.Expr]] = field(default_factory=list)
    expm: tuple | None = None
    adaptive: bool = False
    errors: dict[str, sympy.Expr] = field(default_factory=dict)
    stages: list[dict] = field(default_factory=list)
    after: list[tuple[str, sympy.Expr]] = field(default_factory=list)
    dense: tuple | None = None


class Integrator:
    """Base class: a name, an order, and a symbolic step."""

    name: str = ""
    order: int = 0
    stochastic: bool = False  # integrates white noise (xi); deterministic methods refuse noisy models
    adaptive: bool = False  # error-controlled sub-steps inside each dt (the kernel drives them)

    def check_applicable(self, spec: ModelSpec) -> str | None:
        """None if the method applies to ``spec``, else the reason it does not."""
        return None

    def step(self, spec: ModelSpec) -> Step:  # pragma: no cover - abstract
        raise NotImplementedError


def hoist_reciprocals(spec: ModelSpec, st: Step) -> None:
    """Replace ``1/e``, ``e`` made of parameters only, by a derived per-neuron constant ``_rcp_*``
    (``Step.derived``): a division costs several multiplications, and the results differ from
    dividing by at most an ulp."""
    params = {spec.symbols[k] for k in spec.parameters}
    found: dict[sympy.Expr, sympy.Symbol] = {}
    exprs = [e for _, e in st.statements] + list(st.new.values()) + list(st.errors.values())
    for e in exprs:
        for sub in sympy.preorder_traversal(e):
            if (sub.is_Pow and sub.exp == -1 and not sub.base.is_number and sub.base.free_symbols <= params
                    and sub not in found):
                b = sub.base
                tag = b.name[2:] if b.is_Symbol else str(len(found))
                found[sub] = sympy.Symbol(f"_rcp_{tag}", real=True)
    if not found:
        return
    st.derived += [(sym, e) for e, sym in found.items()]
    st.statements = [(sym, e.xreplace(found)) for sym, e in st.statements]
    st.new = {k: e.xreplace(found) for k, e in st.new.items()}
    st.errors = {k: e.xreplace(found) for k, e in st.errors.items()}


def add_input_effects(spec: ModelSpec, st: Step) -> Step:
    """Append the inputs' ``on_step`` effects to ``st.after``; their parts made of parameters and
    ``dt`` only (e.g. ``1 - exp(-dt/tau)``) become derived per-neuron constants ``_ie_*``."""
    fixed = {spec.symbols[k] for k in spec.parameters} | {DT}
    found: dict[sympy.Expr, sympy.Symbol] = {}

    def hoist(e: sympy.Expr) -> sympy.Expr:
        if e.is_Atom:
            return e
        if e.free_symbols <= fixed:
            if e not in found:
                found[e] = sympy.Symbol(f"_ie_{len(found)}", real=True)
            return found[e]
        return e.func(*[hoist(a) for a in e.args])

    for k, e in spec.input_effects:
        st.after.append((k, hoist(e)))
    st.derived += [(sym, e) for e, sym in found.items()]
    return st
