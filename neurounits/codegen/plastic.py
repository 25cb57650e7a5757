"""A plastic projection's part of the network loop: per-synapse weights changed by the spikes.

A plastic projection (:mod:`neurounits.network.synapses`) keeps its synapses in a CSR of its own,
by source neuron (``PTR``, ``POST``: target index, ``COL``: ring column, ``W``: the weight, which
the loop changes), and the same synapses by target (``TPTR``, ``TSYN``: the synapse's position in
the CSR, ``TPRE``: its source).  Its traces live per neuron: ``XPRE[trace, i]`` of the source
population, ``XPOST[trace, i]`` of the target population, each with the step of its last update
(``TPR``, ``TPO``; -1: the initial value, at t = 0).  A trace relaxes exponentially between
updates and is computed when it is read (``X_inf + (X - X_inf) * exp(a * elapsed)``), so that an
idle neuron costs nothing.

In the step ending at t (global step g), after the populations have stepped, in this order:

1. post spikes that reach the synapses now (emitted ``D`` steps earlier; the whole delay is
   dendritic, as in NEST's ``stdp_synapse``): ``on_post`` per target neuron (its trace statements
   once, its weight statements per incoming synapse); the post traces it assigns take effect only
   at the end of the step (``PEND``), so that a pre spike at the same time does not see them;
2. spikes of the source population: ``on_pre``, the transmission of ``transmit`` into the ring
   (arriving after ``D`` steps, as every spike), then ``after_pre``;
3. the post traces of step 1 are committed, and this step's post spikes enter the ring ``PRING``
   of post spikes in flight to the synapses;
4. recorded weights (``RECW``) every ``RE`` steps.

So a post spike that reaches a synapse at the time of a pre spike changes the weight before the
pre spike does, and neither sees the other's trace: NEST's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .emit import Lines

__all__ = [
    "PLASTIC_ARGS",
    "PlasticCode",
    "PlasticProjectionCode",
    "Statement",
    "plastic_argnames",
    "plastic_initial",
    "plastic_loop",
    "plastic_setup",
    "plastic_team_argnames",
    "plastic_team_step",
]

PLASTIC_ARGS = (
    "PTR",
    "POST",
    "COL",
    "W",
    "TPTR",
    "TSYN",
    "TPRE",
    "D",
    "PRING",
    "PRN",
    "XPRE",
    "TPR",
    "XPOST",
    "TPO",
    "PEND",
    "P",
    "RECW",
    "RIDX",
    "RE",
)


@dataclass(frozen=True)
class Statement:
    """One statement of an event: ``target = code`` (locals: ``w``, ``a_<pre trace>``,
    ``b_<post trace>``, ``p_<parameter>``); ``side`` is "w" (per synapse) or "trace" (per neuron)."""

    side: str
    target: str
    code: str


@dataclass(frozen=True)
class PlasticCode:
    """What the loop needs of a synapse type, as code: the parameters (order of ``P``), the traces
    (name, rate ``a`` and relaxed value ``X_inf`` as code of the parameters) and the events."""

    name: str
    params: tuple[str, ...]
    pre: tuple[tuple[str, str, str], ...]
    post: tuple[tuple[str, str, str], ...]
    on_pre: tuple[Statement, ...]
    after_pre: tuple[Statement, ...]
    on_post: tuple[Statement, ...]
    transmit: str


@dataclass(frozen=True)
class PlasticProjectionCode:
    """A plastic projection of the loop: its synapse type's code, source and target populations."""

    code: PlasticCode
    source: int
    target: int


# a team member's own part (:mod:`.team`): its synapses of each source (``OA[i]:OB[i]``, the run of
# source i's synapses onto its targets: a source's synapses are sorted by target), its targets
# ``OLO:OHI`` (local to the target population) and the columns of ``RECW`` (``RPOS``) of its
# recorded synapses (``RIDX``: its own only)
PLASTIC_TEAM_ARGS = ("OA", "OB", "OLO", "OHI", "RPOS")


def plastic_argnames(k: int) -> list[str]:
    return [f"PL{k}_{a}" for a in PLASTIC_ARGS]


def plastic_team_argnames(k: int) -> list[str]:
    return [f"PL{k}_{a}" for a in PLASTIC_ARGS + PLASTIC_TEAM_ARGS]


def _used(code: str, prefix: str, traces: tuple[tuple[str, str, str], ...]) -> list[int]:
    return [m for m, (n, _, _) in enumerate(traces) if re.search(rf"\b{prefix}_{n}\b", code)]


def _trace_value(k: int, side: str, m: int, name: str, idx: str) -> str:
    """The trace's value now, from its stored value and the step of that value."""
    X, T = ("XPRE", "TPR") if side == "a" else ("XPOST", "TPO")
    el = f"PL{k}_{T}[{idx}]"
    return (
        f"{side}_{name} = I{k}{side}{m} + (PL{k}_{X}[{m}, {idx}] - I{k}{side}{m}) * "
        f"(1.0 if {el} == g else math.exp(A{k}{side}{m} * ((g - {el}) * dt)))"
    )


def _ren(code: str, k: int) -> str:
    """``code`` with the parameters' locals of projection k (``p<k>_<name>``)."""
    return re.sub(r"\bp_(\w+)", rf"p{k}_\1", code)


def _groups(stmts: tuple[Statement, ...]) -> list[list[Statement]]:
    out: list[list[Statement]] = []
    for s in stmts:
        if out and out[-1][0].side == s.side:
            out[-1].append(s)
        else:
            out.append([s])
    return out


def _event(
    pc: PlasticCode,
    k: int,
    L: Lines,
    ind: int,
    stmts: tuple[Statement, ...],
    pre: bool,
    transmit: bool,
    team: bool = False,
) -> None:
    """The statements of one event of neuron ``i`` (a pre spike: ``pre``), the per-synapse
    groups as loops over the neuron's synapses; ``transmit`` ends the (last) loop with the spike.
    ``team``: only the synapses onto the member's targets (a pre spike: its run ``OA[i]:OB[i]``; a
    post spike: all of target i's synapses, or none when i is not the member's)."""
    groups = _groups(stmts)
    if transmit:
        tr = Statement("w", "", _ren(pc.transmit, k))
        if groups and groups[-1][0].side == "w":
            groups[-1].append(tr)
        else:
            groups.append([tr])
    other = "b" if pre else "a"
    other_traces = pc.post if pre else pc.pre
    for grp in groups:
        if grp[0].side == "trace":
            for s in grp:
                L.add(ind, f"{s.target} = {_ren(s.code, k)}")
            continue
        at = ind
        if pre and team:
            L.add(at, f"for s_ in range(PL{k}_OA[i], PL{k}_OB[i]):  # onto this member's targets")
            L.add(at + 1, f"o_ = PL{k}_POST[s_]")
        elif pre:
            L.add(at, f"for s_ in range(PL{k}_PTR[i], PL{k}_PTR[i + 1]):")
            L.add(at + 1, f"o_ = PL{k}_POST[s_]")
        else:
            if team:
                L.add(at, f"if PL{k}_OLO <= i < PL{k}_OHI:  # this member's target: its synapses")
                at += 1
            L.add(at, f"for m_ in range(PL{k}_TPTR[i], PL{k}_TPTR[i + 1]):")
            L.add(at + 1, f"s_ = PL{k}_TSYN[m_]")
            L.add(at + 1, f"o_ = PL{k}_TPRE[m_]")
        text = " ".join(s.code for s in grp)
        for m in _used(text, other, other_traces):
            L.add(at + 1, _trace_value(k, other, m, other_traces[m][0], "o_"))
        L.add(at + 1, f"w = PL{k}_W[s_]")
        for s in grp:
            if s.target:
                L.add(at + 1, f"w = {_ren(s.code, k)}")
            else:  # the spike, after its delay
                L.add(at + 1, f"d_ = slot + PL{k}_D")
                L.add(at + 1, "d_ = d_ - nslot if d_ >= nslot else d_")
                L.add(at + 1, f"RING[d_, PL{k}_COL[s_]] += {s.code}")
        if any(s.target for s in grp):
            L.add(at + 1, f"PL{k}_W[s_] = w")


def plastic_setup(pc: PlasticCode, k: int, L: Lines) -> None:
    """Before the time loop: projection k's parameters and its traces' rates and relaxed values
    as locals."""
    for m, name in enumerate(pc.params):
        L.add(1, f"p{k}_{name} = PL{k}_P[{m}]")
    for side, traces in (("a", pc.pre), ("b", pc.post)):
        for m, (_, a, xinf) in enumerate(traces):
            L.add(1, f"A{k}{side}{m} = {_ren(a, k)}")
            L.add(1, f"I{k}{side}{m} = {_ren(xinf, k)}")


def _post_arrivals(pc: PlasticCode, k: int, L: Lines, ind: int, team: bool) -> None:
    """Step 1: the post spikes of step g - D reach the synapses (``on_post``; traces into PEND)."""
    L.add(ind, f"ra_ = (g + 1) % PL{k}_PRN.shape[0]  # post spikes of step g - D reach the synapses")
    L.add(ind, f"for q_ in range(PL{k}_PRN[ra_]):")
    L.add(ind + 1, f"i = PL{k}_PRING[ra_, q_]")
    for m, (name, _, _) in enumerate(pc.post):
        L.add(ind + 1, _trace_value(k, "b", m, name, "i"))
    _event(pc, k, L, ind + 1, pc.on_post, pre=False, transmit=False, team=team)
    for m, (name, _, _) in enumerate(pc.post):
        L.add(ind + 1, f"PL{k}_PEND[{m}, i] = b_{name}")


def _pre_spike(pc: PlasticCode, k: int, L: Lines, ind: int, count: str, team: bool) -> None:
    """Step 2 for a spike of source neuron ``i`` (``count`` spikes of it in the step when given):
    ``on_pre``, the transmission, ``after_pre``, then its pre traces."""
    for m, (name, _, _) in enumerate(pc.pre):
        L.add(ind, _trace_value(k, "a", m, name, "i"))
    if count:
        L.add(ind, f"for c2_ in range({count}):")
    _event(pc, k, L, ind + 1 if count else ind, pc.on_pre, pre=True, transmit=True, team=team)
    _event(pc, k, L, ind + 1 if count else ind, pc.after_pre, pre=True, transmit=False, team=team)
    for m, (name, _, _) in enumerate(pc.pre):
        L.add(ind, f"PL{k}_XPRE[{m}, i] = a_{name}")
    if pc.pre:
        L.add(ind, f"PL{k}_TPR[i] = g")


def _commit(pc: PlasticCode, k: int, L: Lines, ind: int) -> None:
    """Step 3, first part: the post traces of step 1 take effect."""
    L.add(ind, f"for q_ in range(PL{k}_PRN[ra_]):  # the post traces of this step, now")
    L.add(ind + 1, f"i = PL{k}_PRING[ra_, q_]")
    for m in range(len(pc.post)):
        L.add(ind + 1, f"PL{k}_XPOST[{m}, i] = PL{k}_PEND[{m}, i]")
    if pc.post:
        L.add(ind + 1, f"PL{k}_TPO[i] = g")


def plastic_loop(ppc: PlasticProjectionCode, k: int, L: Lines, multi: bool = False) -> None:
    """Projection k's work in one step (inside the time loop, indentation 2); see the module.
    ``multi``: a source neuron may spike more than once in a step (``SPK`` counts; each spike is
    an event of its own)."""
    pc, p, q = ppc.code, ppc.source, ppc.target
    _post_arrivals(pc, k, L, 2, False)
    L.add(2, f"for q_ in range(ns{p}):  # spikes of the source population")
    L.add(3, f"i = SPKOUT__{p}[q_]")
    _pre_spike(pc, k, L, 3, f"SPK__{p}[i]" if multi else "", False)
    _commit(pc, k, L, 2)
    L.add(2, f"wa_ = g % PL{k}_PRN.shape[0]  # this step's post spikes, on their way")
    L.add(2, f"PL{k}_PRN[wa_] = ns{q}")
    L.add(2, f"for q_ in range(ns{q}):")
    L.add(3, f"PL{k}_PRING[wa_, q_] = SPKOUT__{q}[q_]")
    _record_weights(k, L, 2, team=False)


def plastic_team_step(
    ppc: PlasticProjectionCode, k: int, L: Lines, ind: int, n_pop: int, multi: bool
) -> None:
    """Projection k's work in step g of a slice for one member of a team (:mod:`.team`'s delivery,
    after the static spikes of the step), in the order of :func:`plastic_loop`: every member's
    spikes of the step from the spike buffers (members in order, neurons in order: the order of
    the one-thread loop).  The member's traces, post spikes in flight (``PRING``) and their
    updates are its own copies, updated at every spike alike; the weights it changes, and the
    ring columns it transmits into, are those of the synapses onto its targets only, and it
    records the weights of those only (``RPOS``: their columns of ``RECW``)."""
    pc, p, q = ppc.code, ppc.source, ppc.target
    _post_arrivals(pc, k, L, ind, True)
    L.add(ind, "for t_ in range(T):  # spikes of the source population, every member's")
    L.add(ind + 1, f"at_ = (j - js) * {n_pop} + {p}")
    L.add(ind + 1, "for e2 in range(SBO[t_, par, at_], SBO[t_, par, at_ + 1]):")
    L.add(ind + 2, "i = SB_I[t_, par, e2]")
    _pre_spike(pc, k, L, ind + 2, "SB_C[t_, par, e2]" if multi else "", True)
    _commit(pc, k, L, ind)
    L.add(ind, f"wa_ = g % PL{k}_PRN.shape[0]  # this step's post spikes, on their way")
    L.add(ind, "nw_ = 0")
    L.add(ind, "for t_ in range(T):")
    L.add(ind + 1, f"at_ = (j - js) * {n_pop} + {q}")
    L.add(ind + 1, "for e2 in range(SBO[t_, par, at_], SBO[t_, par, at_ + 1]):")
    L.add(ind + 2, f"PL{k}_PRING[wa_, nw_] = SB_I[t_, par, e2]")
    L.add(ind + 2, "nw_ += 1")
    L.add(ind, f"PL{k}_PRN[wa_] = nw_")
    _record_weights(k, L, ind, team=True)


def _record_weights(k: int, L: Lines, ind: int, team: bool) -> None:
    """Step 4: the recorded weights, every ``RE`` steps (a team member: its own, into their columns
    ``RPOS`` of ``RECW``)."""
    col = f"PL{k}_RPOS[m_]" if team else "m_"
    L.add(ind, f"if PL{k}_RE > 0 and (g + 1) % PL{k}_RE == 0:")
    L.add(ind + 1, f"r_ = (g + 1) // PL{k}_RE - j0 // PL{k}_RE")
    L.add(ind + 1, f"for m_ in range(PL{k}_RIDX.shape[0]):")
    L.add(ind + 2, f"PL{k}_RECW[r_, {col}] = PL{k}_W[PL{k}_RIDX[m_]]")


def plastic_initial(k: int, L: Lines, team: bool = False) -> None:
    """Sample 0 of the recorded weights (the initial weights), at the start of a run from t = 0
    (``team``: a member's own, as :func:`_record_weights`)."""
    col = f"PL{k}_RPOS[m_]" if team else "m_"
    L.add(1, f"if j0 == 0 and PL{k}_RE > 0:")
    L.add(2, f"for m_ in range(PL{k}_RIDX.shape[0]):")
    L.add(3, f"PL{k}_RECW[0, {col}] = PL{k}_W[PL{k}_RIDX[m_]]")
