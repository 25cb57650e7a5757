"""A network's time loop for one member of a team of threads (``_team`` of the network module).

A team of T threads advances a network together, each member its own share of every
population's neurons (a contiguous range from ``LO__<p>``); a member owns the ring columns of
its neurons' receptors and is the only one to write or read them.  Neurons interact only
through spikes that arrive at least ``K`` steps later (``K`` <= every spike and Poisson delay:
NEST's min-delay idea), so the members advance independently through a *slice* of ``K`` steps:

1. each member steps its neurons through the slice (spike-time arrivals, the step modules,
   recording, clearing the slot it read), writing its spikes of each step and population to
   its part of the shared spike buffers ``SB_*[tid, parity]`` (offsets ``SBO``); a neuron whose
   spikes carry a value updates its trace here and stores the trace before the spike;
2. the members meet at a barrier (:func:`neurounits.codegen.sync.barrier`: a bounded spin, then
   a blocking wait);
3. each member delivers, step by step of the slice, the Poisson draws of its own targets (their
   streams' state ``PS_REM``/``PS_NEV`` is shared, each element written by its owner only), then
   every member's spikes (population by population, members in order: neurons in order) through
   the synapses onto its own columns: runs ``RUNA[r]:RUNB[r]`` for r in ``RUNP[i]:RUNP[i + 1]``
   of the CSR sorted by column within each source; then each plastic projection's events of the
   step (:func:`neurounits.codegen.plastic.plastic_team_step`), in the one-thread loop's order:
   the member changes (and transmits) the weights of the synapses onto its own neurons only, and
   keeps its own copy of the traces, which it updates at every member's spikes (so that it reads
   what the one-thread loop would read).  ``K`` is then at most every plastic delay too.

What a ring cell receives is therefore added in the order of the one-thread loop (step by step:
Poisson, then spikes by population, neuron and synapse), and the spike buffers of two slices
alternate (parity), so one barrier per slice is enough: results are the same bits whatever the
number of members.  A member that fails (a state not finite, the step size, memory for the spike
list: status 4) writes ``FAIL[tid, parity]`` = (status, step, population, variable, neuron) and
stops after the barrier, as every member does when one failed, after delivering the steps before
the failure (so that a plastic projection's weights are the one-thread loop's).
"""

from __future__ import annotations

from .emit import Lines
from .plastic import plastic_initial, plastic_setup, plastic_team_argnames, plastic_team_step

__all__ = ["generate_team", "team_argnames"]

_COMMON = (
    "tid",
    "T",
    "K",
    "spin",
    "n_steps",
    "dt",
    "j0",
    "RING",
    "SYNC",
    "SB_I",
    "SB_C",
    "SB_V",
    "SB_T",
    "SBO",
    "FAIL",
    "SEEDP",
    "PSRP",
    "PSRA",
    "PSRB",
    "PS_COL",
    "PS_W",
    "PS_LAM",
    "PS_DLY",
    "PS_REM",
    "PS_NEV",
    "EV_STEP",
    "EV_COL",
    "EV_W",
    "spk_step",
    "spk_gid",
)
_PAYLOAD = ("PRUNP", "PRUNA", "PRUNB", "PCOL", "PW", "PDLY", "PAYS", "PAYT", "PK0", "PK1", "PTAU")


def team_argnames(nks) -> list[str]:
    """The arguments of ``_team``, in order (THE definition: the team passes them by name)."""
    names = list(_COMMON)
    for p, pc in enumerate(nks.populations):
        names += [f"{a}__{p}" for a in pc.args if not a.startswith("B_")]
        names += [
            f"{a}__{p}"
            for a in (
                "OFF",
                "LO",
                "SPKOUT",
                "RUNP",
                "RUNA",
                "RUNB",
                "COL",
                "W",
                "DLY",
                "SREC",
                "GOFF",
                "REC",
                "RIDX",
                "RE",
            )
        ]
        if pc.payload:
            names += [f"{a}__{p}" for a in _PAYLOAD]
        names += [f"{a}__{p}" for a in pc.tail]
    for k in range(len(nks.plastic)):
        names += plastic_team_argnames(k)
    return names


def _fail(L: Lines, ind: int, status: str, p: int, bv: str, bn: str) -> None:
    L.add(ind, f"FAIL[tid, par, 0], FAIL[tid, par, 1], FAIL[tid, par, 2] = {status}, j, {p}")
    L.add(ind, f"FAIL[tid, par, 3], FAIL[tid, par, 4] = {bv}, {bn}")


def _keep_spikes(pc, p: int, L: Lines) -> None:
    """Phase 1: this member's spikes of population p in step j into its spike buffer (and its
    record of spikes), payload traces updated."""
    from .network import _append_spikes, _payload_trace

    L.add(3, f"for q_ in range(ns{p}):")
    L.add(4, f"i = SPKOUT__{p}[q_]")
    L.add(4, f"c_ = SPK__{p}[i]" if pc.multi else "c_ = 1")
    L.add(4, f"SB_I[tid, par, e_] = LO__{p} + i")
    L.add(4, "SB_C[tid, par, e_] = c_")
    L.add(4, "e_ += 1")
    if pc.payload:
        L.add(4, f"ig = LO__{p} + i")
        L.add(4, f"SB_V[tid, par, e_ - 1] = PAYS__{p}[ig]")
        L.add(4, f"SB_T[tid, par, e_ - 1] = PAYT__{p}[ig]")
        L.add(4, "for _c in range(c_):")
        _payload_trace(L, 5, p, "ig")
    L.add(4, f"if SREC__{p}:")
    L.add(5, "if nspk + c_ >= spk_step.shape[0]:")
    L.add(6, "s2_ = _grow_or_empty(spk_step, nspk + c_ + 1)")
    L.add(6, "g2_ = _grow_or_empty(spk_gid, nspk + c_ + 1)")
    L.add(6, "if s2_.shape[0] == 0 or g2_.shape[0] == 0:  # out of memory: all stop after the barrier")
    L.add(7, "st = 4")
    _fail(L, 7, "4", p, "-1", "-1")
    L.add(7, "break")
    L.add(6, "spk_step, spk_gid = s2_, g2_")
    _append_spikes(L, 5, f"GOFF__{p} + LO__{p} + i")


def _advance(nks, L: Lines) -> None:
    """Phase 1: this member's neurons through steps js..je of the slice."""
    from .network import _record_step, _step_call

    pops = nks.populations
    L.add(2, "e_ = 0")
    L.add(2, "SBO[tid, par, 0] = 0")
    L.add(2, "FAIL[tid, par, 0] = 0")
    L.add(2, "for j in range(js, je):")
    L.add(3, "g = j0 + j")
    L.add(3, "slot = g % nslot")
    L.add(3, "while ep < EV_STEP.shape[0] and EV_STEP[ep] == j:  # spike-time arrivals (own columns)")
    L.add(4, "RING[slot, EV_COL[ep]] += EV_W[ep]")
    L.add(4, "ep += 1")
    for p, pc in enumerate(pops):
        _step_call(pc, p, L, 3)
        L.add(3, "if st:")
        _fail(L, 4, "st", p, "bv", "bn")
        L.add(4, "break")
    for p, pc in enumerate(pops):
        if pc.spikes:
            _keep_spikes(pc, p, L)
            L.add(3, "if st:")
            L.add(4, "break")
        L.add(3, f"SBO[tid, par, (j - js) * {len(pops)} + {p + 1}] = e_")
    _record_step(pops, L, 3)
    for p, pc in enumerate(pops):
        L.add(3, f"for r_ in range({len(pc.receptors)}):  # the slot read in this step is empty again")
        L.add(4, f"for c_ in range(OFF__{p}[r_], OFF__{p}[r_] + n__{p}):")
        L.add(5, "RING[slot, c_] = 0.0")


def _runs(L: Lines, ind: int, pre: str, p: int, factor: str) -> None:
    from .network import _ring_add

    L.add(ind, f"for r_ in range({pre}RUNP__{p}[i], {pre}RUNP__{p}[i + 1]):")
    _ring_add(L, ind + 1, pre, p, factor, f"{pre}RUNA__{p}[r_], {pre}RUNB__{p}[r_]")


def _deliver(nks, L: Lines) -> None:
    """Phase 3: the Poisson draws of this member's targets and every member's spikes, step by step."""
    from .network import poisson_sources

    pops = nks.populations
    L.add(2, "for j in range(js, jd_):")
    L.add(3, "g = j0 + j")
    L.add(3, "slot = g % nslot")
    runs = [
        "for q_ in range(PSRP[s_], PSRP[s_ + 1]):  # runs of this member's targets",
        "for m_ in range(PSRA[q_], PSRB[q_]):",
    ]
    poisson_sources(L, 3, runs)
    for p, pc in enumerate(pops):
        if not pc.spikes:
            continue
        L.add(3, "for t_ in range(T):")
        L.add(4, f"at_ = (j - js) * {len(pops)} + {p}")
        L.add(4, "for e2 in range(SBO[t_, par, at_], SBO[t_, par, at_ + 1]):")
        L.add(5, "i = SB_I[t_, par, e2]")
        L.add(5, "c_ = SB_C[t_, par, e2]")
        _runs(L, 5, "", p, " * c_" if pc.multi else "")
        if pc.payload:  # the values of the spikes, from the trace before them (as the owner computed)
            L.add(5, "pays = SB_V[t_, par, e2]")
            L.add(5, "payt = SB_T[t_, par, e2]")
            L.add(5, "for _c in range(c_):")
            L.add(6, f"s_tr = pays * np.exp(-(g - payt) * dt / PTAU__{p}[i])")
            L.add(6, f"val = PK0__{p}[i] + PK1__{p}[i] * s_tr")
            L.add(6, "pays = s_tr + val")
            L.add(6, "payt = g")
            _runs(L, 6, "P", p, " * val")
    for k, ppc in enumerate(nks.plastic):
        plastic_team_step(ppc, k, L, 3, len(pops), pops[ppc.source].multi)


def generate_team(nks, L: Lines) -> None:
    """Append ``_team`` (see the module's docstring) to the network module being written in ``L``."""
    from .network import _record_initial

    pops = nks.populations
    L.add(0, '@njit(cache=True, nogil=True, error_model="numpy")')
    L.add(0, f"def _team({', '.join(team_argnames(nks))}):")
    L.add(1, "nslot = RING.shape[0]")
    L.add(1, "nspk = 0")
    L.add(1, "st = 0")
    for p in range(len(pops)):
        L.add(1, f"n__{p} = SPKOUT__{p}.shape[0]")
    L.add(1, "if n_steps == 0:  # (a call that only compiles)")
    L.add(2, "return 0, nspk, spk_step, spk_gid")
    L.add(1, "slot = j0 % nslot")
    _record_initial(pops, L)
    for k, ppc in enumerate(nks.plastic):
        plastic_setup(ppc.code, k, L)
        plastic_initial(k, L, team=True)
    L.add(1, "ep = 0")
    L.add(1, "psq_ = np.empty(PS_COL.shape[0], np.int64)  # own Poisson streams with events in a step")
    L.add(1, "js = 0")
    L.add(1, "while js < n_steps:")
    L.add(2, "je = min(js + K, n_steps)")
    L.add(2, "par = (js // K) % 2")
    _advance(nks, L)
    L.add(2, "_rt.barrier(SYNC, T, spin)")
    # the steps before the first failure are delivered, as on one thread (a plastic projection's weights)
    L.add(2, "jd_ = je")
    L.add(2, "for t_ in range(T):")
    L.add(3, "if FAIL[t_, par, 0] != 0 and FAIL[t_, par, 1] < jd_:")
    L.add(4, "jd_ = FAIL[t_, par, 1]")
    _deliver(nks, L)
    L.add(2, "if jd_ < je:")
    L.add(3, "return FAIL[tid, par, 0], nspk, spk_step, spk_gid")
    L.add(2, "js = je")
    L.add(1, "return 0, nspk, spk_step, spk_gid")
    L.add(0, "")
    L.add(0, "")
    _grow_or_empty(L)


def _grow_or_empty(L: Lines) -> None:
    """``_grow_or_empty``: ``_grow``, or an empty array when memory runs out.  The ``try`` is here,
    not in ``_team``: one there cost about a second more of compilation (numba's handling of every
    call inside a ``try``, on the whole loop)."""
    L.add(0, "@njit(cache=True)")
    L.add(0, "def _grow_or_empty(a, need):")
    L.add(1, "try:")
    L.add(2, "return _grow(a, need)")
    L.add(1, "except Exception:")
    L.add(2, "return np.empty(0, a.dtype)")
    L.add(0, "")
    L.add(0, "")
