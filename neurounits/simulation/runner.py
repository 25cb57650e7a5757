"""``Runner``: the whole state of a run, advanced by whole numbers of steps.

A runner holds the states, refractory counters, rkf45 step sizes and the step count of one
population; receptor buffers are empty between steps and noise draws and input rows are pure
functions of the global step, so ``advance(a)`` then ``advance(b)`` gives the same bits as
``advance(a + b)``.  What each call records and the spikes it emits are kept in order.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError, SimulationError
from ..units import Q_
from .kernels import ADAPTIVE_METHODS
from .plan import RunPlan

__all__ = ["Outcome", "Runner", "kernel_arguments"]

_MAX_RECORD_BYTES = 2 * 1024**3
_PARALLEL_WORK = 2_000_000  # neuron-steps above which blocks of neurons run on several cores
COUNT_BLOCK = 16384  # most neurons per block of a count-only run (measured: fewer, larger blocks are faster)

# kernel status -> what went wrong (status 1: a state became NaN or infinite, see Outcome.message)
STATUS_MESSAGES = {
    2: "the adaptive step size fell below h_min (or stopped making progress)",
    3: "the adaptive integrator needed more than max_substeps sub-steps",
}


def _bound() -> float:
    from ..codegen import BOUND

    return BOUND


def _memory_limit() -> int:
    """Bytes a run may plan to use: 90 % of the machine's physical memory (64 GiB if unknown)."""
    try:
        return int(0.9 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 64 * 1024**3


@dataclass(frozen=True)
class Outcome:
    """What one ``advance`` did: steps done, status (0 success, 1 a state not finite, 2 step size
    underflow, 3 too many sub-steps), the failing state's index and neuron, and the time (ms)."""

    steps: int
    status: int = 0
    variable: int = -1
    neuron: int = -1
    t_ms: float = 0.0


def kernel_arguments(runner: Runner, seg: dict[str, Any], n_steps: int, lo: int, hi: int,
                     spk_cap: int, rec: np.ndarray, acc: tuple | None = None) -> dict[str, Any]:
    """Every kernel argument of the block of neurons [lo, hi), by name (the names of
    ``codegen.KernelSpec.argnames``, the one definition of the kernel's arguments)."""
    p, spec = runner.plan, runner.plan.spec
    d: dict[str, Any] = {"n_steps": n_steps, "dt": p.dt_ms, "j0": runner.step, "rec_every": p.record_every,
                         "spk_cap": spk_cap, "REC": rec}
    d.update({f"X_{k}": runner.states[k][lo:hi] for k in spec.states})
    d.update({f"P_{k}": p.params[k][lo:hi] for k in spec.parameters})
    for k in spec.inputs:
        vals = seg[f"U_{k}"]
        d[f"U_{k}"] = np.ascontiguousarray(vals[:, lo:hi]) if vals.shape[1] > 1 else vals
        d[f"IX_{k}"] = seg[f"IX_{k}"]
    if p.refsteps is not None:
        d["REF"], d["REFSTEPS"] = runner.ref[lo:hi], p.refsteps[lo:hi]
    for r in spec.receptors:
        st, nn, ww = seg[f"EV_{r}"]
        mask = (nn < 0) | ((nn >= lo) & (nn < hi))
        d[f"EVS_{r}"], d[f"EVW_{r}"] = st[mask], ww[mask]
        d[f"EVN_{r}"] = np.where(nn[mask] < 0, -1, nn[mask] - lo)
        d[f"B_{r}"] = np.zeros(hi - lo)
    if p.method in ADAPTIVE_METHODS:  # an adaptive kernel (without loading the kernel: a network
        # runs its populations' step modules, and a Dask worker may hold only those, shipped to it)
        o = p.options
        d.update(HSTEP=runner.hstep[lo:hi], ATOL=o["atol"][lo:hi], RTOL=o["rtol"][lo:hi], hmin=o["h_min"],
                 maxsub=o["max_substeps"])
    if spec.seeded:
        d["SEED"], d["GID"] = np.uint64(p.seed or 0), p.noise_ids[lo:hi]
    for k in ("RS", "RW", "RV"):
        if k in seg:
            d[k] = seg[k]
    if acc is not None:
        d["CNT"], d["FIRST"], d["LAST"] = (a[lo:hi] for a in acc)
    return d


class Runner:
    """The state of a run of ``plan`` and what it has recorded; see :meth:`advance`."""

    def __init__(self, plan: RunPlan) -> None:
        self.plan = plan
        n = plan.n
        self.states = {k: np.array(v, dtype=float) for k, v in plan.init.items()}
        self.ref = np.zeros(n, np.int64)
        self.hstep = np.full(n, float(plan.options["h0"]))
        self.step = 0  # steps done
        self.traces: list[np.ndarray] = []  # per advance: [n_record, samples, n]
        self.spike_steps: list[np.ndarray] = []
        self.spike_neurons: list[np.ndarray] = []
        self.failed: Outcome | None = None

    def blocks(self, n_steps: int, counting: bool) -> list[tuple[int, int]]:
        """Blocks of neurons run in parallel, each through the whole segment."""
        n, threads = self.plan.n, self.plan.threads
        if threads is None:
            cores = os.cpu_count() or 1
            threads = cores if n * n_steps >= _PARALLEL_WORK and n >= 2 * 64 else 1
        threads = max(1, min(int(threads), n))
        n_blocks = threads
        if counting and n > COUNT_BLOCK * threads:  # count-only: cache-sized blocks, balanced
            per_thread = -(-n // (COUNT_BLOCK * threads))  # blocks per thread, rounded up
            n_blocks = per_thread * threads
        edges = np.linspace(0, n, n_blocks + 1).round().astype(int)
        return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]

    def samples(self, n_steps: int) -> int:
        """Samples the next ``n_steps`` record (the first call also records the initial state)."""
        re, j0 = self.plan.record_every, self.step
        return (j0 + n_steps) // re - j0 // re + 1

    def advance(self, n_steps: int, acc: tuple | None = None) -> Outcome:
        """Advance every neuron by ``n_steps`` steps; returns the outcome (a failure is kept in
        ``failed``, and the runner cannot advance any further)."""
        p = self.plan
        if self.failed is not None:
            raise RuntimeError("this run failed; it cannot be continued")
        n_rec = len(p.record)
        n_samples = 1 if acc is not None else self.samples(n_steps)
        nbytes = n_rec * (n_samples + sum(t.shape[1] for t in self.traces)) * p.n * 8
        if nbytes > _MAX_RECORD_BYTES:
            raise ParameterError(
                f"recording {list(p.record)} of {p.n} neurons for {n_samples} more samples needs "
                f"{nbytes / 1024**3:.1f} GiB; record fewer variables (record=...), fewer samples "
                "(record_every=...) or nothing (record=())")
        need = self.memory_estimate(n_steps, n_samples)
        if need > _memory_limit():
            raise ParameterError(
                f"advancing model '{p.model.name}' ({p.n} neurons) by {n_steps} steps needs about "
                f"{need / 1024**3:.1f} GiB ({self._memory_parts(n_steps, n_samples)}), more than this "
                f"machine has ({_memory_limit() / 1024**3:.1f} GiB usable); run in shorter pieces "
                "(nu.Simulation(...).run(d) repeatedly, keeping what you need of each), record less "
                "(record=..., record_every=...) or, for rate inputs, a shorter duration")
        kernel = p.kernel
        seg = p.segment(self.step, n_steps)
        blocks = self.blocks(n_steps, acc is not None)
        run = kernel.run  # values shared by a block's neurons are passed once (see codegen)
        spk_cap = max(1024, min(10 * p.n * max(1, n_steps // 100), 1 << 22) // max(1, len(blocks)))
        names = kernel.ARGS

        def one(block: tuple[int, int]):
            lo, hi = block
            rec = np.zeros((n_rec, n_samples, hi - lo))
            d = kernel_arguments(self, seg, n_steps, lo, hi, spk_cap, rec, acc)
            if set(d) != set(names):
                raise RuntimeError(f"kernel arguments disagree with the kernel: missing "
                                   f"{sorted(set(names) - set(d))}, unexpected {sorted(set(d) - set(names))}")
            return run(*[d[a] for a in names]), rec

        try:
            if len(blocks) == 1:
                outs = [one(blocks[0])]
            else:
                with ThreadPoolExecutor(len(blocks)) as pool:
                    outs = list(pool.map(one, blocks))
        except MemoryError as exc:  # the spike list grows inside the kernel, as spikes come
            raise SimulationError(
                f"model '{p.model.name}': out of memory while advancing {p.n} neurons by {n_steps} steps "
                "(the list of spikes, 16 bytes per spike, outgrew memory); run in shorter pieces "
                "(nu.Simulation(...).run(d) repeatedly, keeping what you need of each), or only count "
                "spikes: nu.sweep(..., measure=('spike_count', 'rate')) and count-only runs keep one "
                "count per neuron, not every spike") from exc
        return self._collect(blocks, outs, n_steps, acc is not None)

    def _memory_sizes(self, n_steps: int, n_samples: int) -> dict[str, int]:
        p = self.plan
        rec = len(p.record) * (n_samples + sum(t.shape[1] for t in self.traces)) * p.n * 8
        ins = 0
        for src in p.inputs.values():
            covered = 1 if src.step_ms is None else int(src.values.shape[0] * src.step_ms / p.dt_ms) + 2
            rows = min(n_steps, covered)
            ins += rows * 8 + (src.values.nbytes if src.per_neuron else 0)
        rates = 0
        if p.spec.rate_channels:
            c, m = len(p.spec.rate_channels), max(1, len(p.rate_inputs))
            rates = (c if p.spec.rate_linear else c * m + m) * n_steps * 8
        spikes = 2 * 8 * min(10 * p.n * max(1, n_steps // 100), 1 << 22)
        return {"recording": rec, "inputs": ins, "rate inputs": rates, "spike buffers": spikes,
                "states": (len(p.spec.states) + len(p.params) + 4) * p.n * 8}

    def memory_estimate(self, n_steps: int, n_samples: int) -> int:
        """Bytes that advancing by ``n_steps`` needs at least (recording, input rows, rate-input
        arrays, spike buffers and state), spikes beyond the first buffer not counted."""
        return sum(self._memory_sizes(n_steps, n_samples).values())

    def _memory_parts(self, n_steps: int, n_samples: int) -> str:
        sizes = self._memory_sizes(n_steps, n_samples)
        return ", ".join(f"{k} {v / 1024**3:.1f} GiB" for k, v in sizes.items() if v >= 0.05 * 1024**3) \
            or "small parts"

    def _collect(self, blocks, outs, n_steps: int, counting: bool) -> Outcome:
        p, j0 = self.plan, self.step
        outcome = Outcome(n_steps)
        for (lo, _), ((st, done, *_rest, bad_var, bad_neuron), _) in zip(blocks, outs, strict=True):
            if st and (outcome.status == 0 or done < outcome.steps):
                outcome = Outcome(int(done), int(st), int(bad_var), lo + int(bad_neuron),
                                  (j0 + int(done)) * p.dt_ms)
        if not counting:
            self.spike_steps.append(np.concatenate([o[0][3] for o in outs]) + j0)
            self.spike_neurons.append(np.concatenate([o[0][4] + lo for o, (lo, _) in zip(outs, blocks,
                                                                                              strict=True)]))
            re = p.record_every
            keep = (j0 + outcome.steps) // re - j0 // re + 1
            first = 0 if j0 == 0 else 1  # a continuation's first sample is the previous last one
            rec = np.concatenate([o[1][:, first:keep] for o in outs], axis=2)
            self.traces.append(rec)
        else:
            self.traces = [np.concatenate([o[1] for o in outs], axis=2)]
        self.step = j0 + outcome.steps
        if outcome.status:
            self.failed = outcome
        return outcome

    def failure_message(self, outcome: Outcome) -> str:
        """What went wrong, where and when, and what to try."""
        p = self.plan
        t_fail = Q_(outcome.t_ms, "ms")
        if outcome.status in STATUS_MESSAGES:
            return (f"model '{p.model.name}': for neuron {outcome.neuron}, {STATUS_MESSAGES[outcome.status]} "
                    f"in the step ending at t = {t_fail:~g} (numerical instability); check the parameter "
                    "values, or loosen atol/rtol, lower h_min or raise max_substeps in method_options")
        var = self._variable(outcome)
        value = self.states[var][outcome.neuron] if outcome.variable >= 0 else float("nan")
        if np.isfinite(value):  # finite, but past the bound: the integration diverged
            unit = f"{self.plan.spec.states[var]:~}" or "1"
            return (f"model '{p.model.name}': state '{var}' of neuron {outcome.neuron} diverged: it reached "
                    f"{value:.3g} (internal unit {unit}; the bound is {_bound():g}) at "
                    f"t = {t_fail:~g} "
                    f"(step {self.step}). The equations blow up or dt = {p.dt_ms:g} ms is too large for "
                    f"method '{p.method}' (nu.check_dt(model, dt, method) says how large it may be); try "
                    f"a smaller dt{_other_methods(p.method)}, and check the parameter values.")
        return (f"model '{p.model.name}': state '{var}' of neuron {outcome.neuron} became {value} at "
                f"t = {t_fail:~g} (step {self.step}). The equations blow up or dt = {p.dt_ms:g} ms is too "
                "large for the method; try a smaller dt or another method (e.g. 'rk4' or "
                "'exponential_euler'), and check the parameter values.")

    def error(self, outcome: Outcome) -> SimulationError:
        """The SimulationError of a failed ``advance``: the message, the state (for a state that
        became NaN or infinite), the neuron and the time."""
        return SimulationError(self.failure_message(outcome), neuron=outcome.neuron,
                               variable=self._variable(outcome) if outcome.status == 1 else None,
                               time=Q_(outcome.t_ms, "ms"))

    def _variable(self, outcome: Outcome) -> str:
        return list(self.plan.spec.states)[outcome.variable] if outcome.variable >= 0 else "?"


def _other_methods(method: str) -> str:
    others = [m for m in ("exact", "exponential_euler", "rk4") if m != method]
    return " or method=" + " / ".join(repr(m) for m in others)
