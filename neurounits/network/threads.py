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

__all__ = ["Chooser", "check_threads", "team_size"]

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


class Chooser:
    """Chunks of a run and the team size of each, from the time per step each size took.

    The first chunk of each size is short and only sizes the next (it may compile); then each
    size is timed on a chunk of about ``PROBE_S`` seconds, and the run goes on with the faster in chunks of
    about ``WORK_S`` seconds, trying the slower again (``PROBE_S``) every ``EVERY`` chunks.  The
    team must be faster by a margin (``MARGIN``): timings on a busy machine are noisy, and a wrong
    choice of the team costs more there than a wrong choice of one thread.  Not
    ``eager`` (``threads=None``), it starts on one thread and tries the team only while the rest of
    the run would take ``AUTO_S`` seconds or more on one thread (a team's loop is compiled on its
    first use: seconds, once per network structure).
    """

    PROBE_S, WORK_S, EVERY, FIRST, AUTO_S, MARGIN = 0.1, 0.3, 12, 16, 5.0, 0.9

    def __init__(self, size: int, eager: bool = True) -> None:
        self.size = size
        self.eager = eager  # False (threads=None): one thread while the rest of the run is short
        self.rough: dict[int, float] = {}  # seconds per step of each size's first chunk
        self.cost: dict[int, float] = {}  # seconds per step, averaged over the timed chunks
        self.count = 0

    def _steps(self, per_step: float, seconds: float) -> int:
        return max(self.FIRST, int(seconds / max(per_step, 1e-9)))

    def next(self, left: int) -> tuple[int, int]:
        """(steps, team size) of the next chunk, ``left`` steps to go."""
        for size in (self.size, 1) if self.eager else (1, self.size):
            if size != 1 and size not in self.rough and not self.eager and left * self.cost[1] < self.AUTO_S:
                return min(left, self._steps(self.cost[1], self.WORK_S)), 1  # a team would not pay off
            if size not in self.rough:
                return min(left, self.FIRST), size
            if size not in self.cost:
                return min(left, self._steps(self.rough[size], self.PROBE_S)), size
        best = self.size if self.cost[self.size] < self.MARGIN * self.cost[1] else 1  # team: clearly faster
        other = 1 if best != 1 else self.size
        self.count += 1
        if self.count % self.EVERY == 0:
            return min(left, self._steps(self.cost[other], self.PROBE_S)), other
        return min(left, self._steps(self.cost[best], self.WORK_S)), best

    def advance(self, n_steps: int, advance: Any) -> tuple[int, Any]:
        """Advance by ``n_steps`` in chunks, ``advance(steps, size)`` each; (population, outcome)
        as ``advance`` returns them, the outcome's steps those of every chunk."""
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
        per_step = (time.perf_counter() - t) / max(steps, 1)
        if size in self.cost:  # a moving average: one chunk slowed by other work does not decide
            self.cost[size] = 0.5 * (self.cost[size] + per_step)
        elif size in self.rough:
            self.cost[size] = per_step
        else:
            self.rough[size] = per_step
        return out
