"""Refractoriness in NEST's and Brian2's conventions, the refractory flag and the spike timer.

A model's ``refractory`` is a duration (a value, a parameter's name or an expression of
parameters) or, in Brian2's convention, a condition on the states.  ``refractory_convention``
says how it is counted and what is held:

``"nest"`` (the default of a :class:`~neurounits.Model` subclass)
    After a spike the neuron is refractory for ``ceil(t_ref/dt)`` steps.  The states whose
    equations are marked ``(unless refractory)`` are held; with no mark, every state is held.
``"brian2"`` (the default of :meth:`~neurounits.Model.from_equations`)
    As Brian2 2.x counts it: a neuron that spiked in step ``j_s`` is refractory in step ``j``
    while ``int((t - lastspike)/dt + 1e-3) < int(t_ref/dt + 1e-3)``, with ``t - lastspike =
    (j - j_s) dt``, i.e. for ``int(t_ref/dt + 1e-3) - 1`` steps.  A condition (``"v > -40*mV"``)
    keeps the neuron refractory from its spike until the condition is false at the start of a
    step.  Only the states marked ``(unless refractory)`` are held (none if none is marked), and
    ``t`` in the threshold and reset is the start of the step (Brian2's clock time).

In both, a refractory neuron cannot spike.  Names a model may use:

``not_refractory``
    1 while the neuron is not refractory, else 0 (Brian2's ``int(not_refractory)``), in
    equations, named expressions and the threshold; as a condition it is ``not_refractory > 0``.
``lastspike``
    The time of the neuron's last spike (ms; -1e4 s before the first, as in Brian2), e.g.
    ``t - lastspike``: a state set to ``t`` when the neuron spikes, before the reset runs.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import sympy

from ..errors import EquationError
from ..parameters import State
from ..units import to_internal, ureg
from .parse import Name, translate
from .spec import DT, TIME

__all__ = [
    "ACTIVE",
    "CONVENTIONS",
    "LASTSPIKE_INITIAL",
    "add_lastspike",
    "read_refractory",
    "refractory_steps",
]

#: 1.0 while a neuron is not refractory, else 0.0 (the kernel's ``_active``)
ACTIVE = sympy.Symbol("_active", real=True)
CONVENTIONS = ("nest", "brian2")
LASTSPIKE_INITIAL = "-10000 second"  # Brian2's value before the first spike
_MS = ureg.Unit("ms")
_USES_LASTSPIKE = re.compile(r"\blastspike\b")


def convention(model: str, value: Any) -> str:
    """``value`` checked as a refractory convention."""
    if value not in CONVENTIONS:
        raise EquationError(
            f"model '{model}': refractory_convention must be one of {list(CONVENTIONS)}, got {value!r}"
        )
    return value


def add_lastspike(model: str, decl: dict, attrs: dict) -> None:
    """If the model's texts use ``lastspike``: the state ``lastspike`` (ms) and ``lastspike = t``
    first in the reset (so that the reset sees it, as in Brian2)."""
    texts = [attrs.get(a) for a in ("equations", "threshold", "reset", "refractory", "update")]
    if not any(isinstance(t, str) and _USES_LASTSPIKE.search(t) for t in texts):
        return
    if not attrs.get("threshold"):
        raise EquationError(
            f"model '{model}': 'lastspike' (the time of the last spike) is used but the "
            "model has no threshold, so it never spikes; add threshold = '...'"
        )
    decl["lastspike"] = State("ms", initial=LASTSPIKE_INITIAL, doc="time of the last spike")
    attrs["reset"] = "lastspike = t" + (f"; {attrs['reset']}" if attrs.get("reset") else "")


def read_refractory(b: Any, ref: Any) -> tuple[sympy.Expr | None, Any]:
    """The refractory period (ms, an expression of parameters) and condition of builder ``b``:
    (period, None), (0, condition) or (None, None) without refractoriness."""
    if ref is None or (not isinstance(ref, str) and not hasattr(ref, "units") and ref == 0):
        return None, None
    if not isinstance(ref, str):
        return _duration_value(b, ref), None
    where = "refractory period"
    res, probs = translate(ref, b.scope, where)
    if res.condition:
        if b.convention != "brian2":
            raise EquationError(
                f"model '{b.model}', refractory period: {ref!r} is a condition, not a duration. A "
                "condition (refractory while it holds) is Brian2's convention: declare "
                "refractory_convention = 'brian2' (Model.from_equations: refractory_convention='brian2'), "
                "or give a duration such as '2 ms' or a parameter's name"
            )
        b.problems.extend(probs)
        return sympy.Integer(0), res.sym
    res, probs = translate(ref, b.scope, where, expected=_MS, what="the refractory period")
    b.problems.extend(probs)
    if probs:
        return None, None
    sym = res.sym
    moving = sorted(
        {s.name[2:] for s in sym.free_symbols if s.name.startswith(("x_", "u_"))}
        | {s.name for s in sym.free_symbols if s in (TIME, DT, ACTIVE)}
    )
    if moving:
        names = ", ".join(f"'{m}'" for m in moving)
        raise EquationError(
            f"model '{b.model}', refractory period: {ref!r} depends on {names}, which change during a "
            "run; a refractory period is fixed when the neuron spikes and may use parameters only. For "
            "refractoriness that lasts while a state is beyond a value, give a condition such as "
            "'v > -40*mV' with refractory_convention='brian2'"
        )
    return _nonnegative(b, sym, ref), None


def _duration_value(b: Any, ref: Any) -> sympy.Expr | None:
    where = "refractory period"
    q = ref
    if not hasattr(q, "units") or q.dimensionality != _MS.dimensionality:
        b.fail_at(where, f"expected a duration (e.g. '2 ms' or a parameter's name), got {ref!r}", True)
        return None
    if np.ndim(q.magnitude) or np.iscomplexobj(q.magnitude):
        b.fail_at(
            where,
            f"expected one duration, got {ref!r}; for per-neuron values declare a "
            "parameter and give its name",
        )
        return None
    return _nonnegative(b, sympy.Float(float(to_internal(q))), ref)


def _nonnegative(b: Any, sym: sympy.Expr, ref: Any) -> sympy.Expr | None:
    if sym.is_number and (not sym.is_real or sym < 0):
        shown = f"{float(sym):g} ms" if sym.is_real else str(sym)
        b.fail_at(
            "refractory period",
            f"must be >= 0, got {shown} ({ref!r}); a neuron cannot be refractory for a negative time",
        )
        return None
    return sym


def flag_names(b: Any, refractory: bool) -> None:
    """``not_refractory`` in the scope of builder ``b`` (a model with a refractory period)."""
    if refractory:
        b.scope.names["not_refractory"] = Name("flag", ureg.dimensionless, ACTIVE)


def refractory_steps(spec: Any, ref_ms: np.ndarray, dt_ms: float) -> np.ndarray:
    """The value the refractory counter takes when a neuron spikes, per neuron: the number of
    following steps it is refractory for (a condition: 1, and the kernel keeps it while the
    condition holds).

    >>> import types
    >>> nest = types.SimpleNamespace(refractory_convention="nest", refractory_condition=None)
    >>> brian = types.SimpleNamespace(refractory_convention="brian2", refractory_condition=None)
    >>> ref = np.array([0.0, 0.1, 0.25, 2.0])
    >>> refractory_steps(nest, ref, 0.1).tolist(), refractory_steps(brian, ref, 0.1).tolist()
    ([0, 1, 3, 20], [0, 0, 1, 19])
    """
    if spec.refractory_condition is not None:
        return np.ones(np.shape(ref_ms), np.int64)
    if spec.refractory_convention == "brian2":  # Brian2's timestep(): int(t/dt + 1e-3)
        return (np.floor(ref_ms / dt_ms + 1e-3).astype(np.int64) - 1).clip(min=0)
    return np.ceil(ref_ms / dt_ms - 1e-9).astype(np.int64).clip(min=0)
