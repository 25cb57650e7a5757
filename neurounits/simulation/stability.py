"""Is dt small enough for an explicit method?  :func:`check_dt` (``nu.check_dt``).

An explicit Runge-Kutta method multiplies a mode of a linear system dx/dt = λ x by its stability
function R(h λ) in each step of size h (for euler R(z) = 1 + z, for rk4 the Taylor polynomial of
exp of degree 4).  A decaying mode (Re λ < 0) decays numerically only while |R(h λ)| <= 1; past
that it oscillates in sign and grows (euler on dx/dt = -x/tau: h < 2 tau; rk4: h < 2.785 tau).

The modes are the eigenvalues of the Jacobian of the model's equations at the initial state,
with the given parameter values (for a linear system, the eigenvalues of its matrix M: exact for
every state).  Methods without a tableau are not checked: ``exact`` is exact, ``exponential_euler``
integrates each state's own linear part exactly, ``rkf45`` controls its own sub-steps.
"""

from __future__ import annotations

import functools
import threading
import warnings
from typing import Any

import numpy as np

from ..errors import ParameterError, StabilityWarning, raise_problems
from ..parameters import Problem
from ..units import Q_
from . import kernels, warm
from .arguments import check_dt as _check_dt_value

__all__ = ["check_dt", "check_plan", "stability_limit"]

_MAX_NEURONS = 4096  # neurons whose Jacobian is evaluated (evenly spaced, plus each parameter's extremes)
_JACOBIANS: dict[Any, Any] = {}
_LOCK = threading.Lock()


@functools.cache
def _polynomial(method: str) -> np.ndarray | None:
    """Coefficients c_0..c_s of the stability polynomial R(z) = sum c_j z^j of an explicit tableau
    method (c_0 = 1, c_j = b^T A^(j-1) e), or None for a method without one (kept in the warm-run
    cache: the integrators import sympy)."""
    rec = warm.memo(("tableau", method), f"the stability polynomial of method '{method}'",
                    lambda: {"coef": _tableau_polynomial(method)},
                    lambda v: v["coef"] is None or all(isinstance(c, float) for c in v["coef"]))
    return None if rec["coef"] is None else np.array(rec["coef"], dtype=float)


def _tableau_polynomial(method: str) -> list[float] | None:
    from ..integrators import INTEGRATORS

    integ = INTEGRATORS.get(method)
    if integ is None or integ.adaptive or not all(hasattr(integ, a) for a in ("A", "b")):
        return None
    b = np.array([float(v) for v in integ.b])  # type: ignore[attr-defined]  # (a tableau method)
    s = len(b)
    A = np.zeros((s, s))
    for i, row in enumerate(integ.A):  # type: ignore[attr-defined]
        A[i, : len(row)] = [float(v) for v in row]
    coef, v = [1.0], np.ones(s)
    for _ in range(s):
        coef.append(float(b @ v))
        v = A @ v
    return coef


def _growth(coef: np.ndarray, z: np.ndarray) -> np.ndarray:
    """|R(z)|."""
    return np.abs(np.polyval(coef[::-1], z))


def _bisect(lam: np.ndarray, ok_at: Any) -> float:
    """The smallest over ``lam`` of the largest h with ``ok_at(h, λ)`` on [0, h] (each λ's set of good
    h is an interval starting at 0 for the explicit methods of order <= 4 and the tests used here)."""
    lo = np.zeros(lam.size)
    hi = 8.0 / np.abs(lam)  # |R(z)| > 1 and R(z) > 0 beyond |z| = 8 on the real axis for these methods
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        ok = ok_at(mid, lam)
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    return float(lo.min())


def _decaying(eigenvalues: np.ndarray) -> np.ndarray:
    lam = np.asarray(eigenvalues, dtype=complex).ravel()
    return lam[np.isfinite(lam) & (lam.real < 0)]


def stability_limit(method: str, eigenvalues: np.ndarray) -> float:
    """The largest h (in the eigenvalues' inverse time unit) for which every decaying mode of
    ``eigenvalues`` stays stable under ``method`` (|R(h λ)| <= 1); inf if nothing limits it.

    >>> lam = np.array([-1.0])
    >>> round(stability_limit("euler", lam), 6), round(stability_limit("rk4", lam), 3)
    (2.0, 2.785)
    """
    coef = _polynomial(method)
    lam = _decaying(eigenvalues)
    if coef is None or lam.size == 0:
        return float("inf")
    return _bisect(lam, lambda h, lam: _growth(coef, h * lam) <= 1.0 + 1e-12)


def monotone_limit(method: str, eigenvalues: np.ndarray) -> float:
    """The largest h for which every real decaying mode keeps its sign (R(h λ) >= 0): a solution
    that decays monotonically does so numerically too; inf if nothing limits it (euler: h <= tau;
    rk2 and rk4, whose R has no real root, never flip a sign)."""
    coef = _polynomial(method)
    lam = _decaying(eigenvalues)
    lam = lam[np.abs(lam.imag) <= 1e-9 * np.abs(lam)].real
    if coef is None or lam.size == 0:
        return float("inf")
    return _bisect(lam, lambda h, lam: np.polyval(coef[::-1], h * lam) >= -1e-12)


def _jacobian(spec: Any) -> tuple[Any, list[str]] | None:
    """A numpy function of (parameters, states, inputs, t) giving the Jacobian of the ODEs, and the
    ODE states; None if the equations hold symbols it cannot evaluate."""
    import sympy

    from ..equations import TIME

    key = spec.key
    with _LOCK:
        if key in _JACOBIANS:
            return _JACOBIANS[key]
    names = list(spec.odes)
    xs = [spec.symbols[k] for k in names]
    args = (
        [spec.symbols[k] for k in spec.parameters]
        + [spec.symbols[k] for k in spec.states]
        + [spec.symbols[k] for k in spec.inputs]
        + [TIME]
    )
    rhs = [sympy.sympify(spec.odes[k]) for k in names]
    out: tuple[Any, list[str]] | None = None
    if names and not set().union(*(e.free_symbols for e in rhs)) - set(args):
        J = [[sympy.diff(e, x) for x in xs] for e in rhs]
        if not any(d.has(sympy.Derivative) for row in J for d in row):  # e.g. of exprel: not evaluated
            try:
                out = (sympy.lambdify(args, J, modules="numpy"), names)
            except Exception:  # a function numpy cannot print: no check (it only gives advice)
                out = None
    with _LOCK:
        _JACOBIANS[key] = out
    return out


def _sample(n: int, params: dict[str, np.ndarray]) -> np.ndarray:
    """Neurons to evaluate: all, or evenly spaced ones and each parameter's smallest and largest."""
    if n <= _MAX_NEURONS:
        return np.arange(n)
    idx = [np.linspace(0, n - 1, _MAX_NEURONS).astype(np.int64)]
    for v in params.values():
        v = np.asarray(v)
        if v.shape == (n,):
            idx.append(np.array([np.argmin(v), np.argmax(v)]))
    return np.unique(np.concatenate(idx))


def eigenvalues(
    spec: Any,
    n: int,
    params: dict[str, np.ndarray],
    init: dict[str, np.ndarray],
    inputs: dict[str, np.ndarray] | None = None,
) -> np.ndarray | None:
    """Eigenvalues (1/ms) of the Jacobian of the ODEs at the initial state, per sampled neuron
    (shape (neurons, states)); None when they cannot be computed."""
    jac = _jacobian(spec)
    if jac is None:
        return None
    fn, names = jac
    idx = _sample(n, params)
    m = idx.size

    def col(v: Any) -> np.ndarray:
        a = np.asarray(v, dtype=float).ravel()
        return a[idx] if a.size == n else np.broadcast_to(a[:1] if a.size else np.zeros(1), (m,))

    values = (
        [col(params[k]) for k in spec.parameters]
        + [col(init.get(k, 0.0)) for k in spec.states]
        + [col((inputs or {}).get(k, 0.0)) for k in spec.inputs]
        + [np.zeros(m)]
    )
    k = len(names)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = fn(*values)
            J = np.empty((m, k, k))
            for a in range(k):
                for b in range(k):
                    J[:, a, b] = np.broadcast_to(np.asarray(rows[a][b], dtype=float), (m,))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError, NameError):
        return None
    good = np.all(np.isfinite(J), axis=(1, 2))
    if not good.any():
        return None
    return np.linalg.eigvals(J[good])


def _message(model: Any, method: str, dt_ms: float, limit: float, lam: np.ndarray, unstable: bool) -> str:
    worst = _decaying(lam)
    fastest = complex(worst[np.argmax(np.abs(worst))])
    tau = Q_(1.0 / abs(fastest), "ms")
    coef = _polynomial(method)
    assert coef is not None
    factor = complex(np.polyval(coef[::-1], dt_ms * fastest))
    per_step = f"{factor.real:.3g}" if abs(factor.imag) <= 1e-9 * abs(factor) else f"|{abs(factor):.3g}|"
    what = (
        "is unstable: the fastest mode grows instead of decaying"
        if unstable
        else "oscillates in sign: the fastest mode flips its sign in every step instead of decaying"
    )
    sugg = float(f"{0.9 * limit:.1g}")
    return (
        f"model '{model.name}': dt = {Q_(dt_ms, 'ms'):~g} is too large for method '{method}', which {what} "
        f"(a factor {per_step} per step, against {np.exp(dt_ms * fastest.real):.3g} for the true solution); "
        f"the fastest time constant of the equations at the initial state is {tau:~.3g} (eigenvalue "
        f"{fastest:.3g} 1/ms) and '{method}' needs dt < {Q_(limit, 'ms'):~.4g} there. Use a smaller dt "
        f"(e.g. dt='{sugg:g} ms') or method='exact' (linear equations) or 'exponential_euler'."
    )


def check_plan(plan: Any, stacklevel: int = 2) -> Any:
    """:func:`check_dt` for a checked run (its parameters, initial state and inputs at t = 0)."""
    return _check(
        plan.model,
        plan.spec,
        plan.method,
        plan.dt_ms,
        plan.params,
        plan.init,
        {k: src.values[0] for k, src in plan.inputs.items()},
        stacklevel + 1,
    )


def _check(
    model: Any,
    spec: Any,
    method: str,
    dt_ms: float,
    params: dict[str, np.ndarray],
    init: dict[str, np.ndarray],
    inputs: dict[str, np.ndarray],
    stacklevel: int,
) -> Any:
    if _polynomial(method) is None:
        return None
    lam = eigenvalues(spec, model.n, params, init, inputs)
    if lam is None:
        return None
    limit = stability_limit(method, lam)
    if not np.isfinite(limit):
        return None
    if dt_ms > limit * (1 + 1e-9):
        msg = _message(model, method, dt_ms, limit, lam, True)
    else:
        mono = monotone_limit(method, lam)
        msg = _message(model, method, dt_ms, mono, lam, False) if dt_ms > mono * (1 + 1e-9) else ""
    if msg:
        warnings.warn(msg, StabilityWarning, stacklevel=stacklevel + 1)
    return Q_(limit, "ms")


def check_dt(model: Any, dt: Any, method: str | None = None) -> Any:
    """Check that ``dt`` is small enough for ``method`` (None: the one ``simulate`` would choose)
    on ``model`` with its parameter values; warn (:class:`~neurounits.StabilityWarning`, with the
    fix) when it is not: when the run would blow up (|R(dt λ)| > 1 for a decaying mode λ), or when
    a mode that decays monotonically would flip its sign in every step (euler with dt > tau).
    Returns the largest stable dt (a Quantity in ms), or None when the method has no such limit
    (``exact``, ``exponential_euler``, ``rkf45``) or it cannot be computed.

    The limit comes from the eigenvalues of the Jacobian of the equations at the initial state
    (for linear equations, exactly); :func:`~neurounits.simulate` runs this check before it
    compiles.

    >>> import neurounits as nu
    >>> m = nu.Model.from_equations("dx/dt = -x/tau : 1", parameters={"tau": "1 ms"}, name="Decay")
    >>> nu.check_dt(m(), "0.1 ms", method="euler")
    <Quantity(2.0, 'millisecond')>
    """
    where = "check_dt"
    if isinstance(model, type):
        raise ParameterError(
            f"{where}() needs a model instance, got the class {model.__name__}; "
            f"construct it first, e.g. {model.__name__}()"
        )
    problems: list[Problem] = []
    dt_ms = _check_dt_value(f"{where}(model '{model.name}')", dt, problems)
    raise_problems(f"cannot check dt for model '{model.name}'", problems)
    assert dt_ms is not None
    spec = model.spec
    name, _ = kernels.choose_method(spec, method)
    params = model.internal_parameters()
    init = model.initial_values()
    for k in spec.states:
        if k not in init:
            init[k] = model.evaluate(spec.initial[k], params)
    return _check(model, spec, name, dt_ms, params, init, {}, 2)
