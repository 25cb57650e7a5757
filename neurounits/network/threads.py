"""How many threads advance a network, and when a team is worth it (``threads=`` of a network run).

A run of ``threads=k`` (k >= 2) may use a team of k threads (:mod:`.team`) or the one-thread loop;
both give the same bits, so the runner is free to switch between them at any step.  It does so by
measurement (:class:`Chooser`): it advances in chunks, times each, and runs most chunks with
whichever was faster per step, trying the other again now and then (the load of a shared machine
changes).  Two threads thus never run much slower than one, even on a machine whose cores are
busy with other work, where threads that wait for each other lose more than they gain; and a
network too small, or with delays too short, to gain from threads runs on one.

Examples
--------
>>> import neurounits as nu
>>> net = nu.Network(seed=1)
>>> P = net.add(nu.models.nest.iaf_psc_delta(n=40), name="P")
>>> net.connect(P, P, nu.conn.FixedInDegree(4), weight="0.5 mV", delay="1 ms")
>>> net.connect(nu.sources.Poisson("20 kHz"), P, weight="0.2 mV")
>>> net.record(P, spikes=True)
>>> one = nu.simulate(net, "50 ms", threads=1)["P"].spikes
>>> two = nu.simulate(net, "50 ms", threads=2)["P"].spikes
>>> bool((one.times == two.times).all() and (one.indices == two.indices).all())
True
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Any

from ..errors import ParameterError

__all__ = ["Chooser", "check_threads", "team_compiled", "team_size"]

_MIN_NEURONS = 1000  # threads=None: smaller networks run on one thread


def check_threads(threads: Any, where: str) -> int | None:
    """``threads`` checked: None (automatic) or a positive integer."""
    import numpy as np

    ok = threads is None or (
        isinstance(threads, int | np.integer) and not isinstance(threads, bool) and threads >= 1
    )
    if not ok:
        raise ParameterError(
            f"{where}: threads must be a positive integer (the most threads the network "
            f"may run on) or None (automatic: the machine's cores), got {threads!r}; "
            "e.g. threads=2, or threads=1 for one thread"
        )
    return None if threads is None else int(threads)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def team_size(threads: int | None, teamable: bool, n_neurons: int) -> int:
    """The team a run may use: 1 where a team cannot run (rate projections, no POSIX threads)."""
    from ..codegen.sync import AVAILABLE

    if not teamable or not AVAILABLE:
        return 1
    if threads is None:
        return min(_cores(), n_neurons) if n_neurons >= _MIN_NEURONS else 1
    return max(1, min(threads, n_neurons))


def team_compiled(loop: Any) -> bool:
    """Whether the team loop of a network module is compiled in this process or in numba's disk
    cache (a team then starts in a fraction of a second)."""
    team = getattr(loop, "_team", None)
    if team is None:
        return False
    if getattr(team, "signatures", None):
        return True
    try:
        return os.path.exists(team._cache._cache_file._index_path)
    except AttributeError:  # not a caching dispatcher
        return False


class Chooser:
    """Chunks of a run and the team size of each, from the time per step each size took.

    Each size first runs a short chunk (``FIRST`` steps: it may compile) that only sizes the next.
    Then the sizes are compared on neighbouring chunks of about ``PROBE_S`` seconds each, the team
    timed on both sides of one thread (team, one, team: a network's activity, and so its cost per
    step, drifts over a run, and chunks next to each other see the same), and the run goes on with
    the faster in chunks of about ``WORK_S`` seconds (each chunk is sized by the last time per step
    of its size; a comparison's chunk that ran far shorter than ``PROBE_S``, sized by a first
    chunk's set-up, does not count and runs again).  The team must be faster by a margin
    (``MARGIN``): timings on a busy machine are noisy, and a wrong choice of the team costs more
    there than a wrong choice of one thread.  After ``RECHECK_S`` seconds of work the other size
    is timed again between two chunks of the chosen one; each comparison that confirms the choice
    doubles that interval (up to ``RECHECK_MAX_S``), a reversal resets it, and a chunk of the chosen
    size that runs ``SLOWER`` times slower than its best since the last comparison (other work has
    taken the machine's cores) brings the next comparison forward.  A quiet machine thus pays one
    short probe of one thread per run (about 2 % of a run of seconds), a busy one finds the change.

    Not ``eager`` (``threads=None``), it starts on one thread and tries the team only while the rest
    of the run would take ``auto_s`` seconds or more on one thread (a team's loop is compiled on its
    first use: seconds, once per network structure; the runner passes a shorter time when it is
    compiled already).
    """

    FIRST, PROBE_S, WORK_S, MARGIN = 16, 0.04, 0.25, 0.9
    RECHECK_S, RECHECK_MAX_S, SLOWER, AUTO_S, AUTO_READY_S = 0.5, 16.0, 1.3, 5.0, 0.5

    def __init__(self, size: int, eager: bool = True, auto_s: float | None = None) -> None:
        self.size = size
        self.eager = eager  # False (threads=None): one thread while the rest of the run is short
        self.auto_s = self.AUTO_S if auto_s is None else auto_s
        self.rough: dict[int, float] = {}  # seconds per step of each size's first chunk
        self.cost: dict[int, float] = {}  # seconds per step of each size at the last comparison
        self.latest: dict[int, float] = {}  # seconds per step of each size's last chunk (sizes the next)
        self.best: int | None = None  # the size chosen by the last comparison
        self.plan: list[int] = []  # sizes of the chunks of the comparison under way
        self.timings: list[tuple[int, float]] = []  # (size, seconds per step) of those chunks
        self.last: float | None = None  # seconds per step of the last chunk of work
        self.floor = float("inf")  # the best of the chosen size since the last comparison
        self.work_s = 0.0  # seconds of work since the last comparison
        self.recheck = self.RECHECK_S
        self.count = 0  # comparisons made
        self._probe = False  # the chunk handed out is part of a comparison
        self._sized_by = 0.0  # the seconds per step a comparison's chunk was sized with
        self.ahead = 0  # steps of the run after the current advance (not eager: weighs the team)

    def _steps(self, per_step: float, seconds: float) -> int:
        return max(self.FIRST, int(seconds / max(per_step, 1e-9)))

    def _per_step(self, size: int) -> float:
        return self.latest.get(size, self.rough.get(size, 1e-9))

    def _start(self, plan: list[int]) -> None:
        self.plan = plan
        self.timings = [] if self.best is None or self.last is None else [(self.best, self.last)]

    def next(self, left: int) -> tuple[int, int]:
        """(steps, team size) of the next chunk, ``left`` steps to go in this call (and ``ahead``
        more in the run)."""
        self._probe = False
        for size in (self.size, 1) if self.eager else (1, self.size):
            if size not in self.rough:
                if size != 1 and not self.eager and (left + self.ahead) * self._per_step(1) < self.auto_s:
                    return min(left, self._steps(self._per_step(1), self.WORK_S)), 1  # no team: too short
                return min(left, self.FIRST), size
        if not self.plan and self.best is None:
            self._start([self.size, 1, self.size])
        elif not self.plan and self.work_s >= self.recheck:
            self._start([1 if self.best != 1 else self.size, self.best])  # type: ignore[list-item]
        if self.plan:
            self._probe = True
            size = self.plan[0]
            self._sized_by = self._per_step(size)
            return min(left, self._steps(self._sized_by, self.PROBE_S)), size
        assert self.best is not None
        return min(left, self._steps(self._per_step(self.best), self.WORK_S)), self.best

    def advance(self, n_steps: int, advance: Any, ahead: int = 0) -> tuple[int, Any]:
        """Advance by ``n_steps`` in chunks, ``advance(steps, size)`` each; (population, outcome)
        as ``advance`` returns them, the outcome's steps those of every chunk.  ``ahead``: the steps
        of the same run after these (a run with a progress bar comes in pieces)."""
        self.ahead = ahead
        left = n_steps
        while True:
            steps, size = self.next(left)
            pop, outcome = self.timed(size, steps, lambda: advance(steps, size))  # noqa: B023
            left -= steps
            if outcome.status or left == 0:
                return pop, dataclasses.replace(outcome, steps=n_steps - left)

    def timed(self, size: int, steps: int, run: Any) -> Any:
        """``run()``, its time per step kept for ``size``."""
        t = time.perf_counter()
        out = run()
        seconds = time.perf_counter() - t
        self.record(size, seconds / max(steps, 1), seconds)
        return out

    def record(self, size: int, per_step: float, seconds: float) -> None:
        """Take the time of a chunk of ``size``: a first chunk, part of a comparison, or work."""
        if size not in self.rough or (self.best is None and not self._probe):
            self.rough[size] = per_step  # a first chunk (not eager: also one thread before a comparison)
            return
        self.latest[size] = per_step
        if self._probe and self.plan and self.plan[0] == size:
            if seconds < 0.5 * self.PROBE_S and per_step < 0.5 * self._sized_by:
                return  # sized by an estimate far too high (a first chunk's set-up): again, longer
            self.timings.append((size, per_step))
            self.plan.pop(0)
            if not self.plan:
                self._decide()
        elif size == self.best:
            self.work_s += seconds
            self.last = per_step
            self.floor = min(self.floor, per_step)
            if per_step > self.SLOWER * self.floor and self.work_s >= 4 * self.WORK_S:
                self.work_s = self.recheck  # other work took the cores: compare again now

    def _decide(self) -> None:
        for size in {s for s, _ in self.timings}:
            times = [c for s, c in self.timings if s == size]
            self.cost[size] = sum(times) / len(times)
        best = self.size if self.cost[self.size] < self.MARGIN * self.cost[1] else 1  # team: clearly faster
        self.recheck = min(2 * self.recheck, self.RECHECK_MAX_S) if best == self.best else self.RECHECK_S
        self.best, self.count = best, self.count + 1
        self.work_s, self.floor, self.last, self.timings = 0.0, float("inf"), None, []
