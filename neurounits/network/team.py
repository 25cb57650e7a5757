"""Running a network on a team of threads: each thread advances its share of every population.

A :class:`Team` splits each population's neurons into ``size`` contiguous ranges, one per
member; a member owns the ring columns of its neurons' receptors, the Poisson streams (and
their state) and the spike-time arrivals of those columns, and the synapses onto them (runs of
the CSR, which is sorted by column within each source once, in place: what one ring cell
receives keeps its order).  The members run the network module's ``_team``
(:mod:`neurounits.codegen.team`) at once, in threads (the compiled code releases the GIL), and
meet at a barrier once every slice of ``K`` steps, ``K`` the shortest delay of any spike (so no
spike can arrive within the slice in which it is emitted).  The results are the same bits as the
one-thread loop's.

A plastic projection's synapses belong to the member that owns their target (it alone changes
their weights and records them); the traces and the post spikes in flight are kept by every
member (member 0 in the run's own arrays, the others in copies), each updating them at every
spike, so no member reads what another writes.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ..codegen.plastic import PLASTIC_ARGS

__all__ = ["Team"]

_PER_NEURON = ("REF", "REFSTEPS", "HSTEP", "ATOL", "RTOL", "GID")
_MAX_BUFFER = 1 << 22  # most spike-buffer entries per member and slice (bounds K for huge networks)
SPIN = 1 << 14  # barrier: atomic reads before blocking (about ten microseconds), per step of a slice up to 4


def _slice(name: str, value: Any, lo: int, hi: int) -> Any:
    """A step-module argument of population neurons [lo, hi) from its value for all neurons."""
    if not isinstance(value, np.ndarray):
        return value
    if name.startswith("U_"):  # input rows: (rows, n) per neuron or (rows, 1) shared
        return np.ascontiguousarray(value[:, lo:hi]) if value.shape[1] > 1 else value
    if name.startswith(("X_", "P_")) or name in _PER_NEURON:
        return value[lo:hi]
    return value


def _sort_tables(built: Any) -> None:
    """Sort each source's synapses by column, once per built network (in place; stable)."""
    if built.extra.get("sorted_by_column"):
        return
    from ..codegen.csr import sort_by_column

    for table in built.csr + [t for t in built.payload_csr if t is not None]:
        sort_by_column(*table)
    built.extra["sorted_by_column"] = True


_PRIVATE = ("XPRE", "TPR", "XPOST", "TPO", "PEND", "PRING", "PRN")  # a plastic projection's, per member


def _plastic_members(tab: Any, bounds: np.ndarray, size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each member's synapses of plastic projection ``tab``: those onto its targets (``bounds``), a
    run ``OA[i]:OB[i]`` of each source i's synapses (sorted by target within the source)."""
    ptr, post = tab.arrays["PTR"], tab.arrays["POST"]
    n_src = ptr.size - 1
    n_post = int(bounds[-1]) + 1
    key = np.repeat(np.arange(n_src, dtype=np.int64), np.diff(ptr)) * n_post + post  # sorted
    first = np.arange(n_src, dtype=np.int64) * n_post
    return [
        (np.searchsorted(key, first + bounds[t]), np.searchsorted(key, first + bounds[t + 1]))
        for t in range(size)
    ]


class Team:
    """A team of ``size`` threads for a runner's network (see the module's docstring)."""

    def __init__(self, runner: Any, size: int) -> None:
        from ..codegen.csr import member_runs, sorted_runs
        from ..codegen.sync import new_barrier

        b = runner.built
        self.size = size
        sizes = [plan.n for plan in b.plans]
        self.bounds = [np.linspace(0, n, size + 1).round().astype(np.int64) for n in sizes]
        owner = np.zeros(b.n_columns, np.int32)
        spans: list[list[tuple[int, int]]] = [[] for _ in range(size)]  # each member's columns
        for p, offs in enumerate(b.offsets):
            for t in range(size):
                lo, hi = self.bounds[p][t], self.bounds[p][t + 1]
                for off in offs:
                    owner[off + lo : off + hi] = t
                    spans[t] += [(off + lo, off + hi)] if hi > lo else []
        self.owner = owner
        _sort_tables(b)
        own = [np.array(sorted(sp), np.int64).reshape(-1, 2) for sp in spans]
        self.runs = [[sorted_runs(ptr, col, own[t]) for ptr, col, _, _ in b.csr] for t in range(size)]
        self.pruns = [
            [None if c is None else sorted_runs(c[0], c[1], own[t]) for c in b.payload_csr]
            for t in range(size)
        ]
        firsts = np.array([first for _, first, _ in b.poisson] + [b.ps_col.size], np.int64)
        self.ps_runs = [member_runs(firsts, b.ps_col, owner, t) for t in range(size)]  # targets' positions
        delays = [int(c[3].min()) for c in b.csr + b.payload_csr if c is not None and c[3].size]
        delays += [int(d) for d in b.ps_dly]
        delays += [int(t.delay) for t in b.plastic]  # a plastic projection transmits after its delay
        self.plastic = [_plastic_members(t, self.bounds[t.target], size) for t in b.plastic]
        spiking = max(1, sum(n for n, pc in zip(sizes, runner.spec.populations, strict=True) if pc.spikes))
        self.K = max(1, min([*delays, b.max_delay, max(1, _MAX_BUFFER * size // spiking)]))
        self.sync = new_barrier()

    def _member(self, runner: Any, kw: dict[str, Any], t: int, cap: int) -> dict[str, Any]:
        """The arguments of member ``t`` (its neurons, columns, synapses, sources), by name."""
        shared = ("n_steps", "dt", "j0", "RING", "SEEDP", "PS_COL", "PS_W", "PS_LAM", "PS_DLY")
        # (PS_REM, PS_NEV: the streams' state, shared, each stream written by its target's owner)
        out: dict[str, Any] = {k: kw[k] for k in (*shared, "PS_REM", "PS_NEV")}
        mine = self.owner[kw["EV_COL"]] == t
        out.update(
            tid=t,
            T=self.size,
            K=self.K,
            spin=SPIN * min(self.K, 4),  # longer slices: a longer wait is still short beside them
            PSRP=self.ps_runs[t][0],
            PSRA=self.ps_runs[t][1],
            PSRB=self.ps_runs[t][2],
            EV_STEP=kw["EV_STEP"][mine],
            EV_COL=kw["EV_COL"][mine],
            EV_W=kw["EV_W"][mine],
            spk_step=kw["spk_step"][t * cap : (t + 1) * cap],  # a part of the one-thread list (grows alone)
            spk_gid=kw["spk_gid"][t * cap : (t + 1) * cap],
        )
        for p, pc in enumerate(runner.spec.populations):
            lo, hi = int(self.bounds[p][t]), int(self.bounds[p][t + 1])
            out.update(self._population(runner, kw, p, pc, t, lo, hi))
        for k, tab in enumerate(runner.built.plastic):
            out.update(self._plastic(kw, k, tab, t))
        return out

    def _plastic(self, kw: dict[str, Any], k: int, tab: Any, t: int) -> dict[str, Any]:
        """Member ``t``'s arguments of plastic projection ``k``: the weights and the recorded
        weights shared (each written by the owner of the synapse's target only), its runs of
        synapses, its targets, its recorded synapses, and the traces and the post spikes in flight:
        member 0 the run's own arrays, the others copies (every member updates them alike)."""
        oa, ob = self.plastic[k][t]
        bd = self.bounds[tab.target]
        lo, hi = int(bd[t]), int(bd[t + 1])
        ridx = kw[f"PL{k}_RIDX"]
        post = tab.arrays["POST"][ridx]
        rpos = np.flatnonzero((post >= lo) & (post < hi))
        out = {f"PL{k}_{a}": kw[f"PL{k}_{a}"] for a in PLASTIC_ARGS}
        if t > 0:
            for a in _PRIVATE:
                out[f"PL{k}_{a}"] = kw[f"PL{k}_{a}"].copy()
        out.update(
            {
                f"PL{k}_OA": oa,
                f"PL{k}_OB": ob,
                f"PL{k}_OLO": lo,
                f"PL{k}_OHI": hi,
                f"PL{k}_RIDX": ridx[rpos],
                f"PL{k}_RPOS": rpos,
            }
        )
        return out

    def _population(self, runner: Any, kw: dict[str, Any], p: int, pc: Any, t: int, lo: int, hi: int):
        mod = runner.modules[p]
        d = {f"{a}__{p}": _slice(a, kw[f"{a}__{p}"], lo, hi) for a in pc.args if not a.startswith("B_")}
        n_work = len(mod._work(1, 1))
        for name in pc.tail[: len(pc.tail) - n_work]:  # derived constants: per neuron, or one value
            v = kw[f"{name}__{p}"]
            d[f"{name}__{p}"] = v[lo:hi] if isinstance(v, np.ndarray) else v
        for name, v in zip(pc.tail[len(pc.tail) - n_work :], mod._work(hi - lo, 16), strict=True):
            d[f"{name}__{p}"] = v
        ridx = kw[f"RIDX__{p}"]
        own = (ridx >= lo) & (ridx < hi)
        rec = kw[f"REC__{p}"]
        rptr, ra, rb = self.runs[t][p]
        d.update(
            {
                f"{k}__{p}": v
                for k, v in dict(
                    OFF=kw[f"OFF__{p}"] + lo,
                    LO=lo,
                    SPKOUT=kw[f"SPKOUT__{p}"][lo:hi],
                    RUNP=rptr,
                    RUNA=ra,
                    RUNB=rb,
                    COL=kw[f"COL__{p}"],
                    W=kw[f"W__{p}"],
                    DLY=kw[f"DLY__{p}"],
                    SREC=kw[f"SREC__{p}"],
                    GOFF=kw[f"GOFF__{p}"],
                    REC=np.zeros((rec.shape[0], rec.shape[1], int(own.sum()))),
                    RIDX=ridx[own] - lo,
                    RE=kw[f"RE__{p}"],
                ).items()
            }
        )
        if pc.payload:
            pr = self.pruns[t][p]
            assert pr is not None  # a population whose spikes carry a value has its payload table
            d.update({f"PRUNP__{p}": pr[0], f"PRUNA__{p}": pr[1], f"PRUNB__{p}": pr[2]})
            for k in ("PCOL", "PW", "PDLY", "PAYS", "PAYT", "PK0", "PK1", "PTAU"):
                d[f"{k}__{p}"] = kw[f"{k}__{p}"]
        return d

    def run(self, runner: Any, kw: dict[str, Any], n_steps: int) -> tuple:
        """Advance the network by ``n_steps`` on the team; returns what the one-thread loop returns
        (status, steps done, population, variable, neuron, spikes, their steps and neurons) and
        puts the merged recordings into ``kw``'s ``REC__<p>``."""
        from ..codegen.network import NetworkKernelSpec
        from ..codegen.team import team_argnames

        spec: NetworkKernelSpec = runner.spec
        names = team_argnames(spec)
        cap = kw["spk_step"].shape[0] // self.size
        members = [self._member(runner, kw, t, cap) for t in range(self.size)]
        n_pop = len(spec.populations)
        for p in range(n_pop):  # the members record into their own arrays, merged after the run
            kw[f"REC__{p}"] = None
        cap_sb = self.K * (sum(int(np.diff(bd).max()) for bd in self.bounds) + 1)  # entries of one slice
        pay = any(pc.payload for pc in spec.populations)
        shared = dict(
            SYNC=self.sync,
            SB_I=np.empty((self.size, 2, cap_sb), np.int64),
            SB_C=np.empty((self.size, 2, cap_sb), np.int64),
            SB_V=np.empty((self.size, 2, cap_sb if pay else 0)),
            SB_T=np.empty((self.size, 2, cap_sb if pay else 0), np.int64),
            SBO=np.zeros((self.size, 2, self.K * n_pop + 1), np.int64),
            FAIL=np.zeros((self.size, 2, 5), np.int64),
        )
        for m in members:
            m.update(shared)
        loop = runner.loop
        for m in members:  # compile (and type) every member's call first: none then waits for a failed one
            loop._team(*[m[a] if a != "n_steps" else 0 for a in names])
        outs: list[Any] = [None] * self.size
        errors: list[BaseException] = []

        def go(t: int) -> None:
            try:
                outs[t] = loop._team(*[members[t][a] for a in names])
            except BaseException as exc:  # (re-raised below, in the calling thread)
                errors.append(exc)

        workers = [threading.Thread(target=go, args=(t,), daemon=True) for t in range(1, self.size)]
        for w in workers:
            w.start()
        go(0)
        for w in workers:
            w.join()
        if errors:
            raise errors[0]
        return self._merge(runner, kw, members, outs, shared["FAIL"], n_steps)

    def _merge(
        self, runner: Any, kw: dict[str, Any], members: list, outs: list, fail: np.ndarray, n_steps: int
    ) -> tuple:
        j0 = kw["j0"]
        failures = sorted(
            (int(f[1]), int(f[2]), t, int(f[0]), int(f[3]), int(f[4]))
            for t in range(self.size)
            for f in fail[t]
            if f[0] != 0
        )
        status, done, pop, bad_var, bad_n = 0, n_steps, -1, -1, -1
        if failures:
            jf, pop, t, status, bad_var, bad_n = failures[0]
            done = jf + 1
            bad_n = bad_n + int(self.bounds[pop][t]) if bad_n >= 0 else bad_n
        steps = np.concatenate([o[2][: o[1]] for o in outs])
        gids = np.concatenate([o[3][: o[1]] for o in outs])
        if status:
            keep = steps < j0 + done - 1
            steps, gids = steps[keep], gids[keep]
        order = np.lexsort((gids, steps))
        for p in range(len(runner.spec.populations)):
            rec = np.concatenate([m[f"REC__{p}"] for m in members], axis=2)
            every = kw[f"RE__{p}"]
            if status and every:
                rec[:, -(-(j0 + done) // every) - j0 // every :, :] = 0.0  # as the one-thread loop left them
            kw[f"REC__{p}"] = rec
        return status, done, pop, bad_var, bad_n, steps.size, steps[order], gids[order]
