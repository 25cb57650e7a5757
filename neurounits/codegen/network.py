"""A network's time loop: populations stepped by their step modules, spikes delivered through delays.

The loop (``_loop`` of the generated module, called by the Python entry ``run(**arguments)``)
keeps every spike in one *ring* of receptor buffers, ``RING[slot, column]``: each receptor of
each population owns ``n`` columns (from ``OFF__<p>[r]``), and the ring has ``max_delay + 1``
slots.  Step ``g = j0 + j`` (global) reads slot ``g % slots`` as the receptor buffers of every
population (a row slice, no copy), steps each population (:mod:`neurounits.codegen.step`), then
delivers the step's spikes: synapse ``s`` of a spiking neuron adds ``W[s]`` to column ``COL[s]``
of slot ``(g + DLY[s]) % slots``.  A spike emitted in the step ending at t therefore arrives at
the end of the step ending at t + delay, as in NEST.  The slot just read is then cleared.

Spikes of ``SpikeTimes`` sources arrive as a list sorted by step (``EV_STEP``, local to the
segment; ``EV_COL``, ``EV_W``).  Poisson sources: each target's train (stream ``m``, its
position in ``PS_COL``) is a unit-rate Poisson process on the cumulative mean count (time
rescaling).  The stream keeps the mean count left until its next event, ``PS_REM[m]``, and the
number of its events so far, ``PS_NEV[m]`` (state of the run, kept between calls); each step takes
the step's mean ``PS_LAM[source, j]`` off ``PS_REM[m]``, and while that is <= 0 an event is
counted and the next interval added, an Exp(1) number that is a pure function of the seed, ``m``
and the event's number (:func:`neurounits.codegen.runtime.exp_interval`).  The count of a step is
then exactly Poisson(mean), independent between steps, whatever the rate's changes; the step
delivers ``count * PS_W[m]`` after the source's delay.  Two passes per source and step: a
branch-free one subtracts and lists the streams that reach 0 (``psq_``), the other draws their
intervals and delivers, in order of ``m``.

Rate projections (between rate models, NEST's rate connections): at the start of each step the
rate sources' rates go into a history ``RH[g % len, column]``; a target's inputs ``RIN[channel, i]``
sum weight times the source's rate at the start of step g - lag (lag 0: instantaneous), or, without
linear summation, weight times ``rate_phi`` of it; nothing before the lag has passed.

Outgoing synapses are stored by source neuron (CSR): ``PTR__<p>[i]:PTR__<p>[i + 1]`` index
``COL__<p>`` (int32 ring column), ``W__<p>`` (float64 weight, internal units of the receptor)
and ``DLY__<p>`` (delay in steps, uint8 or uint16): 13 or 14 bytes per synapse.  A population
whose spikes carry a value (:class:`~neurounits.parameters.SpikePayload`) has a second CSR,
``PPTR/PCOL/PW/PDLY``, for the synapses onto payload receptors, which add weight times the value;
its trace (``PAYS``, last spike step ``PAYT``) is updated at every spike.

A network without rate populations also gets ``_team``, the loop of one member of a team of
threads that gives the same bits (:mod:`.team`), plastic projections included.
"""

from __future__ import annotations

from dataclasses import dataclass

from .emit import Lines
from .plastic import PlasticProjectionCode, plastic_argnames, plastic_initial, plastic_loop, plastic_setup
from .team import generate_team

__all__ = ["NetworkKernelSpec", "PopulationCode", "generate_network"]


@dataclass(frozen=True)
class PopulationCode:
    """What the loop needs to know about one population's step module."""

    module: str  # the step module's name in sys.modules
    args: tuple[str, ...]  # its model arguments (step_argnames without dt and j0)
    tail: tuple[str, ...]  # its derived constants and work arrays
    receptors: tuple[str, ...]
    spikes: bool  # has a threshold
    multi: bool  # a neuron may spike more than once in a step (SPK counts)
    record: bool  # has recorded variables (record / record0)
    payload: bool = False  # its spikes carry a value (SpikePayload): a second CSR and the traces
    rate_state: str = ""  # a rate source: the state its rate projections read (into the history RH)
    rate_target: str = ""  # takes rate projections: "linear" (weighted sum) or "nonlinear" (sum of w phi)
    phi_args: tuple[str, ...] = ()  # the parameters of its rate_phi (nonlinear summation)


@dataclass(frozen=True)
class NetworkKernelSpec:
    """The structure of a network's loop: its populations' step modules, in order."""

    populations: tuple[PopulationCode, ...]
    plastic: tuple[PlasticProjectionCode, ...] = ()  # plastic projections (neurounits.codegen.plastic)

    @property
    def teamable(self) -> bool:
        """Whether a team of threads can run the network (:mod:`.team`): not with rate projections
        (rate populations).  Plastic projections (:mod:`.plastic`) can, with several spikes of a
        neuron in a step and spikes that carry a value, as static ones."""
        return not any(pc.rate_state or pc.rate_target for pc in self.populations)

    def argnames(self) -> list[str]:
        """The loop's arguments, in order (THE definition: the runner passes them by name)."""
        names = [
            "n_steps",
            "dt",
            "j0",
            "RING",
            "RH",
            "SEEDP",
            "PS_PTR",
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
        ]
        for p, pc in enumerate(self.populations):
            names += [f"{a}__{p}" for a in pc.args if not a.startswith("B_")]
            names += [
                f"OFF__{p}",
                f"SPKOUT__{p}",
                f"PTR__{p}",
                f"COL__{p}",
                f"W__{p}",
                f"DLY__{p}",
                f"SREC__{p}",
                f"GOFF__{p}",
                f"REC__{p}",
                f"RIDX__{p}",
                f"RE__{p}",
            ]
            if pc.rate_state:
                names.append(f"RHOFF__{p}")
            if pc.rate_target:
                names += [f"{a}__{p}" for a in ("RPTR", "RCOL", "RW", "RLAG")]
            if pc.payload:
                names += [
                    f"{a}__{p}" for a in ("PPTR", "PCOL", "PW", "PDLY", "PAYS", "PAYT", "PK0", "PK1", "PTAU")
                ]
            names += [f"{a}__{p}" for a in pc.tail]
        for k in range(len(self.plastic)):
            names += plastic_argnames(k)
        return names


def _call_args(pc: PopulationCode, p: int, ring: bool) -> list[str]:
    out = []
    for a in pc.args:
        if a.startswith("B_"):
            r = pc.receptors.index(a[2:])
            out.append(f"RING[slot, OFF__{p}[{r}]:OFF__{p}[{r}] + n__{p}]" if ring else f"ZB__{p}")
        else:
            out.append(f"{a}__{p}")
    return out


def _header(nks: NetworkKernelSpec, L: Lines) -> None:
    from .cache import GEN_VERSION, RUNTIME_HASH, toolchain

    L.add(0, f"# neurounits network loop, {len(nks.populations)} population(s)")
    L.add(0, "# generated code, do not edit")
    L.add(0, f"# generator {GEN_VERSION}, runtime {RUNTIME_HASH}, {toolchain()}")
    for line in (
        *(["import math"] if nks.plastic else []),
        "import sys",
        "import numpy as np",
        "from numba import njit",
        "from neurounits.codegen import runtime as _rt",
        "",
    ):
        L.add(0, line)
    for p, pc in enumerate(nks.populations):
        L.add(0, f"_m{p} = sys.modules[{pc.module!r}]")
        L.add(0, f"_step{p} = _m{p}.step")
        if pc.rate_target == "nonlinear":
            L.add(0, f"_phi{p} = _m{p}.rate_phi")
        if pc.record:
            L.add(0, f"_rec{p} = _m{p}.record")
            L.add(0, f"_rec0_{p} = _m{p}.record0")
    L.add(0, f"ARGS = {tuple(nks.argnames())!r}")
    L.add(0, "")
    L.add(0, "")
    L.add(0, "def run(**kw):")
    L.add(1, '"""The loop, with its arguments by name (ARGS)."""')
    L.add(1, "return _loop(*[kw[a] for a in ARGS])")
    L.add(0, "")
    L.add(0, "")


def poisson_take(L: Lines, ind: int) -> None:
    """Stream ``m_`` of a Poisson source in a step of mean ``lam`` (time rescaling), first pass:
    the mean off what is left, and ``m_`` onto the list ``psq_`` (of length ``nq_``) when that
    reaches 0 (branch-free: the common case, no event, is a subtraction and a store)."""
    L.add(ind, "rm_ = PS_REM[m_] - lam")
    L.add(ind, "PS_REM[m_] = rm_")
    L.add(ind, "psq_[nq_] = m_")
    L.add(ind, "nq_ += 1 if rm_ <= 0.0 else 0")


def poisson_events(L: Lines, ind: int) -> None:
    """Second pass over the streams listed by :func:`poisson_take` (in order): count their events
    (each adds the next Exp(1) interval) and deliver them into slot ``d_``."""
    L.add(ind, "for iq_ in range(nq_):  # streams with one event or more in this step")
    L.add(ind + 1, "m_ = psq_[iq_]")
    L.add(ind + 1, "rm_ = PS_REM[m_]")
    L.add(ind + 1, "nv_ = PS_NEV[m_]")
    L.add(ind + 1, "c_ = 0")
    L.add(ind + 1, "while rm_ <= 0.0:")
    L.add(ind + 2, "c_ += 1")
    L.add(ind + 2, "nv_ += 1")
    L.add(ind + 2, "rm_ += _rt.exp_interval(SEEDP, m_, nv_)")
    L.add(ind + 1, "PS_REM[m_] = rm_")
    L.add(ind + 1, "PS_NEV[m_] = nv_")
    L.add(ind + 1, "RING[d_, PS_COL[m_]] += c_ * PS_W[m_]")


# Below this mean count per step a stream's events come from time rescaling (a step without an
# event is a subtraction); from it on, the step's count is drawn at once by inversion (one uniform
# number, a few terms: cheaper than an Exp(1) interval per event).  Exact both ways: a stream's
# intensity left until its next event is Exp(1) whatever happened before (memoryless), so steps
# drawn by inversion leave the rescaled ones' law intact.  Chosen per source and step by the mean
# alone: the same on any thread.
SMALL_MEAN = 0.5


def poisson_sources(L: Lines, ind: int, streams: list[str]) -> None:
    """Every Poisson source's counts of step g into its targets' ring cells (slot ``d_``): time
    rescaling below :data:`SMALL_MEAN`, inversion from it on.  ``streams``: the loop header(s)
    over the streams ``m_`` this code draws for (all of them, or a member's runs)."""
    L.add(ind, "for s_ in range(PS_LAM.shape[0]):  # Poisson sources: counts emitted in step g")
    L.add(ind + 1, "lam = PS_LAM[s_, j]")
    L.add(ind + 1, "if lam > 0.0:")
    L.add(ind + 2, "d_ = (g + PS_DLY[s_]) % nslot")
    L.add(ind + 2, f"if lam < {SMALL_MEAN!r}:")
    L.add(ind + 3, "nq_ = 0")
    for k, header in enumerate(streams):
        L.add(ind + 3 + k, header)
    poisson_take(L, ind + 3 + len(streams))
    poisson_events(L, ind + 3)
    L.add(ind + 2, "else:  # several events per step: the count at once")
    L.add(ind + 3, "p0 = np.exp(-min(lam, 16.0))")
    for k, header in enumerate(streams):
        L.add(ind + 3 + k, header)
    deep = ind + 3 + len(streams)
    L.add(deep, "c_ = _rt.poisson(lam, p0, SEEDP, m_, g)")
    L.add(deep, "if c_ > 0:")
    L.add(deep + 1, "RING[d_, PS_COL[m_]] += c_ * PS_W[m_]")


def _poisson(L: Lines) -> None:
    poisson_sources(L, 2, ["for m_ in range(PS_PTR[s_], PS_PTR[s_ + 1]):"])


def _rates(pops: tuple[PopulationCode, ...], L: Lines) -> None:
    """Rate projections: the sources' rates at the start of the step into the history RH, then
    each target's inputs RIN[channel, i] from its synapses (by target: RPTR/RCOL/RW/RLAG; RCOL is
    the history column times 4 plus the channel)."""
    for p, pc in enumerate(pops):
        if pc.rate_state:
            L.add(2, f"for i in range(n__{p}):  # rates at the start of the step")
            L.add(3, f"RH[g % nrh, RHOFF__{p} + i] = X_{pc.rate_state}__{p}[i]")
    for p, pc in enumerate(pops):
        if not pc.rate_target:
            continue
        L.add(2, f"for c_ in range(RIN__{p}.shape[0]):")
        L.add(3, f"for i in range(n__{p}):")
        L.add(4, f"RIN__{p}[c_, i] = 0.0")
        L.add(2, f"for i in range(n__{p}):")
        L.add(3, f"for s_ in range(RPTR__{p}[i], RPTR__{p}[i + 1]):")
        L.add(4, f"gl = g - RLAG__{p}[s_]")
        L.add(4, "if gl >= 0:  # a delayed input gives nothing before its delay")
        L.add(5, f"v = RH[gl % nrh, RCOL__{p}[s_] >> 2]")
        if pc.rate_target == "nonlinear":
            L.add(5, f"v = _phi{p}({', '.join(['v', 'i', *[f'{a}__{p}' for a in pc.phi_args]])})")
        L.add(5, f"RIN__{p}[RCOL__{p}[s_] & 3, i] += RW__{p}[s_] * v")


def _ring_add(L: Lines, ind: int, table: str, p: int, factor: str, synapses: str = "") -> None:
    """Neuron i's synapses of CSR table ``table`` ("" or "P": payload) into the ring, each after
    its delay, weight times ``factor``; ``synapses``: their range (all of neuron i's by default)."""
    L.add(ind, f"for s_ in range({synapses or f'{table}PTR__{p}[i], {table}PTR__{p}[i + 1]'}):")
    L.add(ind + 1, f"d_ = slot + {table}DLY__{p}[s_]")
    L.add(ind + 1, "d_ = d_ - nslot if d_ >= nslot else d_")
    L.add(ind + 1, f"RING[d_, {table}COL__{p}[s_]] += {table}W__{p}[s_]{factor}")


def _append_spikes(L: Lines, ind: int, gid: str) -> None:
    """The c_ spikes of neuron ``gid`` (global index) in step g onto the spike list."""
    L.add(ind, "for _c in range(c_):")
    L.add(ind + 1, "spk_step[nspk] = g")
    L.add(ind + 1, f"spk_gid[nspk] = {gid}")
    L.add(ind + 1, "nspk += 1")


def _payload_trace(L: Lines, ind: int, p: int, i: str) -> None:
    """The value ``val`` of a spike of neuron ``i``: k0 + k1 s, s its trace decayed to step g, which
    then grows by it (inside a loop over the neuron's spikes of the step)."""
    L.add(ind, f"s_tr = PAYS__{p}[{i}] * np.exp(-(g - PAYT__{p}[{i}]) * dt / PTAU__{p}[{i}])")
    L.add(ind, f"val = PK0__{p}[{i}] + PK1__{p}[{i}] * s_tr")
    L.add(ind, f"PAYS__{p}[{i}] = s_tr + val")
    L.add(ind, f"PAYT__{p}[{i}] = g")


def _deliver(pc: PopulationCode, p: int, L: Lines) -> None:
    L.add(2, f"for q_ in range(ns{p}):")
    L.add(3, f"i = SPKOUT__{p}[q_]")
    L.add(3, f"c_ = SPK__{p}[i]" if pc.multi else "c_ = 1")
    L.add(3, f"if SREC__{p}:")
    L.add(4, "if nspk + c_ >= spk_step.shape[0]:")
    L.add(5, "spk_step = _grow(spk_step, nspk + c_ + 1)")
    L.add(5, "spk_gid = _grow(spk_gid, nspk + c_ + 1)")
    _append_spikes(L, 4, f"GOFF__{p} + i")
    _ring_add(L, 3, "", p, " * c_" if pc.multi else "")
    if pc.payload:  # the value each spike carries: k0 + k1 s, s the decayed trace, which then grows by it
        L.add(3, "for _c in range(c_):")
        _payload_trace(L, 4, p, "i")
        _ring_add(L, 4, "P", p, " * val")


def _step_call(pc: PopulationCode, p: int, L: Lines, ind: int) -> None:
    """Population p's step module called for step j (its spiking neurons into SPKOUT__p)."""
    args = ["j", "dt", "j0", *_call_args(pc, p, True), f"SPKOUT__{p}", *[f"{a}__{p}" for a in pc.tail]]
    L.add(ind, f"st, ns{p}, bv, bn = _step{p}({', '.join(args)})")


def _record_initial(pops: tuple[PopulationCode, ...], L: Lines) -> None:
    for p, pc in enumerate(pops):
        if pc.record:
            L.add(1, f"if j0 == 0 and RE__{p} > 0:  # sample 0: the initial state")
            L.add(2, f"_rec0_{p}({', '.join(['0', '0', 'dt', 'j0', *_rec_args(pc, p)])})")


def _record_step(pops: tuple[PopulationCode, ...], L: Lines, ind: int) -> None:
    """The samples due after step g (every RE__p steps)."""
    for p, pc in enumerate(pops):
        if pc.record:
            L.add(ind, f"if RE__{p} > 0 and (g + 1) % RE__{p} == 0:")
            rec_args = [f"(g + 1) // RE__{p} - j0 // RE__{p}", "j", "dt", "j0", *_rec_args(pc, p)]
            L.add(ind + 1, f"_rec{p}({', '.join(rec_args)})")


def _loop(nks: NetworkKernelSpec, L: Lines) -> None:
    pops = nks.populations
    L.add(0, '@njit(cache=True, nogil=True, error_model="numpy")')
    L.add(0, f"def _loop({', '.join(nks.argnames())}):")
    L.add(1, "nslot = RING.shape[0]")
    L.add(1, "nrh = RH.shape[0]")
    L.add(1, "nspk = 0")
    for p in range(len(pops)):
        L.add(1, f"n__{p} = SPKOUT__{p}.shape[0]")
    L.add(1, "slot = j0 % nslot")
    L.add(1, "ep = 0")
    L.add(1, "psq_ = np.empty(PS_COL.shape[0], np.int64)  # Poisson streams with events in a step")
    _record_initial(pops, L)
    for k, ppc in enumerate(nks.plastic):
        plastic_setup(ppc.code, k, L)
        plastic_initial(k, L)
    L.add(1, "for j in range(n_steps):")
    L.add(2, "g = j0 + j")
    L.add(2, "slot = g % nslot")
    _poisson(L)
    _rates(pops, L)
    L.add(2, "while ep < EV_STEP.shape[0] and EV_STEP[ep] == j:  # spikes of SpikeTimes sources arriving")
    L.add(3, "RING[slot, EV_COL[ep]] += EV_W[ep]")
    L.add(3, "ep += 1")
    for p, pc in enumerate(pops):
        _step_call(pc, p, L, 2)
        L.add(2, "if st:")
        L.add(3, f"return st, j + 1, {p}, bv, bn, nspk, spk_step, spk_gid")
    for p, pc in enumerate(pops):
        if pc.spikes:
            _deliver(pc, p, L)
    for k, ppc in enumerate(nks.plastic):
        plastic_loop(ppc, k, L, pops[ppc.source].multi)
    _record_step(pops, L, 2)
    L.add(2, "for c_ in range(RING.shape[1]):  # the slot read in this step is empty again")
    L.add(3, "RING[slot, c_] = 0.0")
    L.add(1, "return 0, n_steps, -1, -1, -1, nspk, spk_step, spk_gid")
    L.add(0, "")
    L.add(0, "")


def _rec_args(pc: PopulationCode, p: int) -> list[str]:
    return [*_call_args(pc, p, True), f"REC__{p}", f"RIDX__{p}", *[f"{a}__{p}" for a in pc.tail]]


def generate_network(nks: NetworkKernelSpec) -> str:
    """The Python source of the network loop module for ``nks`` (its step modules must be loaded
    first, under the names in ``nks``)."""
    L = Lines()
    _header(nks, L)
    _loop(nks, L)
    if nks.teamable:
        generate_team(nks, L)
    L.add(0, "@njit(cache=True)")
    L.add(0, "def _grow(a, need):")
    L.add(1, "b = np.empty(max(2 * a.shape[0], need) + 16, a.dtype)")
    L.add(1, "for k in range(a.shape[0]):")
    L.add(2, "b[k] = a[k]")
    L.add(1, "return b")
    return "\n".join(L.lines) + "\n"
