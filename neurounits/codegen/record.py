"""Recording: states and named expressions into REC, every rec_every steps (or their sums)."""

from __future__ import annotations

from .abi import KernelSpec
from .emit import Lines, emit_block, end_point, loads, named, names
from .events import T_END
from .inputs import input_rows, rate_used
from .refractory import flag_local

__all__ = ["before_events", "record_block", "store_before_events"]


def before_events(ks: KernelSpec) -> list[str]:
    """Recorded named expressions kept from the integrated end state of each step (RX_<name>)."""
    s = ks.spec
    if not (s.expressions_before_events and ks.step is not None):
        return []
    return [k for k in ks.record if k in s.expressions]


def store_before_events(ks: KernelSpec, ind: int, L: Lines) -> None:
    """RX_<name>[i] = the expression at the integrated end state (n_<state>, t_end)."""
    keep = before_events(ks)
    if not keep:
        return
    pt = end_point(ks, T_END)
    assigns = [(f"RX_{k}[i]", ks.spec.expressions[k][0].xreplace(pt[1])) for k in keep]
    emit_block(L, ind, assigns, named(ks, [pt]))


def record_block(ks: KernelSpec, ind: int, L: Lines, sample: str, step: str, select: str = "") -> None:
    """Store the recorded variables of every neuron as sample ``sample`` (count-only: add them);
    with ``select`` (an index array), of neurons ``select[k]`` into column k."""
    s = ks.spec
    stored = before_events(ks) if sample != "0" else []
    exprs = {k: s.expressions[k][0] for k in ks.record if k in s.expressions and k not in stored}
    L.add(ind, f"s_ = {sample}")
    if exprs:
        input_rows(ks, ind, L, step)
        # the sample after step j is the state at the step's end, (j0 + j + 1) dt (the initial one: at j0 dt)
        L.add(ind, f"t = (j0 + {step}) * dt" if sample == "0" else f"t = (j0 + {step} + 1) * dt")
    if select:
        L.add(ind, f"for q_ in range({select}.shape[0]):")
        L.add(ind + 1, f"i = {select}[q_]")
    else:
        L.add(ind, "for i in range(n):")
    used = names(exprs.values())
    used |= rate_used(ks, used)
    if exprs:
        loads(ks, used, ind + 1, L)
        flag_local(ks, used, ind + 1, L)
        for c, name in enumerate(s.noise):  # the step's draw again (a pure function), 0 at t = 0
            if f"_n_{name}" in used:
                draw = "0.0" if sample == "0" else f"_rt.normal(SEED, GID[i], j0 + {step}, {c}) * isdt_"
                L.add(ind + 1, f"_n_{name} = {draw}")
    at, op = ("0", "+=") if ks.counts else ("s_", "=")  # count-only: sums of the samples
    col = "q_" if select else "i"
    computed = []
    for r, k in enumerate(ks.record):
        if k in s.states:
            L.add(ind + 1, f"REC[{r}, {at}, {col}] {op} X_{k}[i]")
        elif k == "refractory":
            L.add(ind + 1, f"REC[{r}, {at}, {col}] {op} 1.0 if REF[i] > 0 else 0.0")
        elif k in stored:
            L.add(ind + 1, f"REC[{r}, {at}, {col}] {op} RX_{k}[i]")
        else:
            computed.append((f"REC[{r}, {at}, {col}]", exprs[k]))
    if computed:
        _emit_recorded(ks, ind + 1, L, computed, op)


def _emit_recorded(ks: KernelSpec, ind: int, L: Lines, computed, op: str) -> None:
    """REC[...] = (or +=) each computed expression, the named ones as locals."""
    if op == "=":
        emit_block(L, ind, computed, named(ks, [("", {})]))
        return
    # count-only: compute into locals, then add
    tmp = [(f"_r{m}", e) for m, (_, e) in enumerate(computed)]
    emit_block(L, ind, tmp, named(ks, [("", {})]))
    for (target, _), (local, _) in zip(computed, tmp, strict=True):
        L.add(ind, f"{target} += {local}")
