"""An independent reference for a model's trajectory: its right-hand sides as numpy, by scipy.

The model's checked ODEs (``ModelSpec.odes``, internal units: mV, ms, pA, nS, ...) are turned into
one numpy function by ``sympy.lambdify`` and integrated by ``scipy.integrate.solve_ivp`` (DOP853,
rtol 1e-10), from the initial state that ``simulate`` reports (sample 0) and with the model's
parameter values: nothing of neurounits' code generation, kernels or rkf45 stepper is used.
Spike inputs are applied as jumps at their arrival times (the integration restarts there).
"""

from __future__ import annotations

import numpy as np
import sympy
from scipy.integrate import solve_ivp

import neurounits as nu
from neurounits.equations import TIME
from neurounits.units import to_internal

METHOD = "DOP853"  # (Radau, for these non-stiff windows, gives the same to 1e-9 and is ~50x slower)


def _exprel(z):
    z = np.asarray(z, dtype=float)
    small = np.abs(z) < 1e-8
    zs = np.where(small, 1.0, z)
    return np.where(small, 1.0 + z / 2, np.expm1(zs) / zs)


def _rhs(f, t, v) -> np.ndarray:
    with np.errstate(divide="ignore", over="ignore"):  # x/0 and exp overflow as the kernels (inf)
        return np.asarray(f(t, v), dtype=float)


def reference_trace(
    model: nu.Model,
    res: nu.Results,
    inputs: dict[str, float] | None = None,
    jumps: tuple[tuple[float, str, float], ...] = (),
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> dict[str, np.ndarray]:
    """The states at ``res.t`` (neuron 0) by scipy's Radau from ``res``'s initial state.

    ``inputs``: input name -> constant value in internal units; ``jumps``: (time in ms, state,
    amount in internal units) added to a state at that time (a spike input's effect)."""
    spec = type(model)._spec_for({})
    names = list(spec.odes)
    xs = [spec.symbols[k] for k in names]
    subs = {
        sympy.Symbol(f"p_{k}", real=True): float(np.ravel(to_internal(q))[0])
        for k, q in model.parameters.items()
    }
    inputs = inputs or {}
    for k in spec.inputs:
        subs[sympy.Symbol(f"u_{k}", real=True)] = float(inputs.get(k, 0.0))
    exprs = []
    for k in names:
        exprs.append(spec.odes[k].xreplace(subs))
    plain = xs
    f = sympy.lambdify([TIME, plain], exprs, modules=[{"phi1": _exprel}, "numpy"])
    t_ms = to_internal(res.t)
    y = np.array([float(to_internal(res[k][0, 0])) for k in names])
    out = np.empty((len(t_ms), len(names)))
    out[0] = y
    edges = sorted({float(j[0]) for j in jumps} | {float(t_ms[-1])})
    t0, done = 0.0, 1
    for edge in edges:
        sel = (t_ms > t0) & (t_ms <= edge)
        sol = solve_ivp(
            lambda t, v: _rhs(f, t, v),
            (t0, edge),
            y,
            method=METHOD,
            t_eval=t_ms[sel],
            rtol=rtol,
            atol=atol,
            dense_output=True,
        )
        assert sol.success, sol.message
        out[done : done + sel.sum()] = sol.y.T
        done += int(sel.sum())
        y = sol.sol(edge)
        for tj, state, amount in jumps:
            if float(tj) == edge:
                y[names.index(state)] += amount
                if t_ms[done - 1] == edge:  # the sample at the jump is taken after it
                    out[done - 1, names.index(state)] += amount
        t0 = edge
    return {k: out[:, i] for i, k in enumerate(names)}
