"""The per-neuron constants of a kernel (``_derived``): what the integrator's step needs that depends on
parameters and ``dt`` only (propagators, reciprocals, exact's E and P), computed once per call before
the time loop, in plain numpy where every constant is arithmetic, else compiled."""

from __future__ import annotations

import re

from .abi import KernelSpec, all_derived_symbols
from .emit import Lines, names
from .printer import to_code

__all__ = ["derived_function", "derived_params"]


def derived_function(ks: KernelSpec, L: Lines, flags: str) -> None:
    """``_derived(n, dt, P...)``: the integrator's per-neuron constants D<symbol> (from parameters
    and dt only), computed once per call, before the body; ``flags`` is the ``@njit`` line of the
    compiled version."""
    if _numpy_derived(ks, L):
        return
    step = ks.integ_step
    params = derived_params(ks)
    L.add(0, flags)
    L.add(0, f"def _derived({', '.join(['n', 'dt'] + [f'P_{k}' for k in params])}):")
    L.compiled = True
    for sym in all_derived_symbols(ks):
        L.add(1, f"D{sym.name} = np.empty(n)")
    if step.dense is not None:
        _dense_derived(ks, L, compiled=True)
    if step.expm is not None:
        L.add(1, f"mtx = np.empty(({len(step.expm[0])}, {len(step.expm[0])}))")
    L.add(1, "for i in range(n):")
    for k in params:
        L.add(2, f"p_{k} = P_{k}[i]")
    for sym, e in step.derived:
        L.add(2, f"D{sym.name}[i] = {to_code(e)}")
    if step.dense is not None:
        for (a, b), sym in step.dense[0].items():
            L.add(2, f"mtx[{a}, {b}] = D{sym.name}[i]")
        L.add(2, "D_DENSE_E[i], D_DENSE_P[i] = _rt.expm_block(mtx, dt)")
    if step.expm is not None:
        M, E, P = step.expm
        for a, row in enumerate(M):
            for b, sym in enumerate(row):
                L.add(2, f"mtx[{a}, {b}] = D{sym.name}[i]")
        L.add(2, "eE, eP = _rt.expm_block(mtx, dt)")
        for a in range(len(M)):
            for b in range(len(M)):
                L.add(2, f"D{E[a][b].name}[i] = eE[{a}, {b}]")
                L.add(2, f"D{P[a][b].name}[i] = eP[{a}, {b}]")
    L.add(1, f"return ({', '.join(ks.derived_names())},)")
    L.compiled = False
    L.add(0, "")
    L.add(0, "")


def _numpy_derived(ks: KernelSpec, L: Lines) -> bool:
    """The per-neuron constants as plain numpy (not compiled) when every one prints as arithmetic
    (+, -, *, / of parameters, dt and numbers: numpy rounds these as compiled code does); else
    False, and the compiled version is used.  Exact propagators E = exp(M dt) and P: the system
    matrix M per neuron, then ``_rt.expm_blocks`` (each distinct M once).  Compiling even a small
    loop with its allocations costs numba about 0.5 s of CPU in every fresh process, a matrix
    exponential about 5 s."""
    step = ks.integ_step
    # (an input's on_step filter, e.g. 1 - exp(-dt/tau), in numpy too: see _arithmetic)
    codes = [(sym.name, _numpy_exp(to_code(e)) if sym.name.startswith("_ie_") else to_code(e))
             for sym, e in step.derived]
    if not all(_arithmetic(c) for _, c in codes):
        return False
    params = derived_params(ks)
    L.add(0, f"def _derived({', '.join(['n', 'dt'] + [f'P_{p}' for p in params])}):")
    L.add(1, '"""The per-neuron constants (numpy, not compiled)."""')
    for p in params:
        L.add(1, f"p_{p} = np.asarray(P_{p}, dtype=np.float64)")
    L.add(1, "with np.errstate(all=\"ignore\"):  # x/0 is inf (or NaN), as compiled, without a warning")
    for name, code in codes:
        L.add(2, f"D{name} = np.broadcast_to(np.asarray({code}, dtype=np.float64), (n,)).copy()")
    if step.dense is not None:
        _dense_derived(ks, L, compiled=False)
    if step.expm is not None:
        M, E, P = step.expm
        k = len(M)
        L.add(1, f"mtx = np.empty((n, {k}, {k}))")
        for a, row in enumerate(M):
            for b, sym in enumerate(row):
                L.add(1, f"mtx[:, {a}, {b}] = D{sym.name}")
        L.add(1, "eE, eP = _rt.expm_blocks(mtx, dt)")
        for a in range(k):
            for b in range(k):
                L.add(1, f"D{E[a][b].name} = np.ascontiguousarray(eE[:, {a}, {b}])")
                L.add(1, f"D{P[a][b].name} = np.ascontiguousarray(eP[:, {a}, {b}])")
    L.add(1, f"return ({', '.join(ks.derived_names())},)")
    L.add(0, "")
    L.add(0, "")
    return True


def _dense_derived(ks: KernelSpec, L: Lines, compiled: bool) -> None:
    """Exact's dense form: the stacks D_DENSE_E, D_DENSE_P (n, k, k) from the nonzero entries of M
    (compiled: allocated here, filled per neuron in the loop; numpy: all neurons at once)."""
    dense = ks.integ_step.dense
    assert dense is not None
    entries, cs = dense
    k = len(cs)
    if compiled:
        L.add(1, f"D_DENSE_E = np.empty((n, {k}, {k}))")
        L.add(1, f"D_DENSE_P = np.empty((n, {k}, {k}))")
        L.add(1, f"mtx = np.zeros(({k}, {k}))")
        return
    L.add(1, f"mtx = np.zeros((n, {k}, {k}))")
    for (a, b), sym in entries.items():
        L.add(1, f"mtx[:, {a}, {b}] = D{sym.name}")
    L.add(1, "D_DENSE_E, D_DENSE_P = _rt.expm_blocks(mtx, dt)")
    L.add(1, "D_DENSE_E, D_DENSE_P = np.ascontiguousarray(D_DENSE_E), np.ascontiguousarray(D_DENSE_P)")


def _numpy_exp(code: str) -> str:
    return re.sub(r"(?<![\w.])(?:math|_rt)\.(exp|expm1)\(", r"np.\1(", code)


def _arithmetic(code: str) -> bool:
    """Only names, numbers, + - * / and brackets, and calls of np.exp and np.expm1 (e.g. an input's
    filter 1 - exp(-dt/tau)): no other calls, no powers."""
    code = re.sub(r"\bnp\.(exp|expm1)\(", "(", code)
    return (bool(re.fullmatch(r"[\w.+\-*/() ]*", code)) and not re.search(r"[\w.]\(", code)
            and "**" not in code)


def derived_params(ks: KernelSpec) -> list[str]:
    return [k for k in ks.spec.parameters if f"p_{k}" in names(e for _, e in ks.integ_step.derived)]
