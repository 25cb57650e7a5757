"""Progress bars for long runs: tqdm when it is installed, else a one-line text bar on stderr.

tqdm is optional (the ``progress`` extra): a run is never worse off without it, it only loses
tqdm's rate and time estimates.  A run shows a bar when ``progress=True``, or when
``progress=None`` (the default), stderr is a terminal and the run is long; ``progress=False``
never shows one.  Only a run that shows a bar is split into chunks of steps (a continued run gives
the same bits as one call); a keyboard interrupt then takes effect at the end of a chunk, as
:class:`~neurounits.RunInterrupted`, and what ran is kept.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["LONG_RUN", "advance_in_chunks", "chunks", "deferred_interrupt", "make_bar", "wants_progress"]

LONG_RUN = 50_000_000  # neuron-steps from which a run counts as long (about a second or more)
N_CHUNKS = 100


def wants_progress(progress: bool | None, n: int, n_steps: int) -> bool:
    """Whether a run of ``n`` neurons for ``n_steps`` steps shows a progress bar."""
    if progress is not None:
        return bool(progress)
    return n * n_steps >= LONG_RUN and _stderr_is_terminal()


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def chunks(n_steps: int, n_chunks: int = N_CHUNKS) -> list[int]:
    """``n_steps`` split into at most ``n_chunks`` whole numbers of steps (none empty).

    >>> chunks(10, 4)
    [3, 3, 2, 2]
    >>> chunks(2, 4)
    [1, 1]
    """
    k = max(1, min(n_chunks, n_steps))
    base, extra = divmod(n_steps, k)
    return [base + (i < extra) for i in range(k)] if n_steps else []


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[list[bool]]:
    """While in the block, a keyboard interrupt (SIGINT) only makes the list it yields true: the
    caller raises :class:`~neurounits.RunInterrupted` where its state is whole (at the end of a
    chunk).  In the main thread only; elsewhere (where no handler can be set) it changes nothing."""
    flag: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, lambda *_: flag.append(True))
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def advance_in_chunks(
    n_steps: int,
    desc: str,
    advance: Callable[[int, int], tuple[int, bool]],
    interrupted_at: Callable[[], BaseException],
) -> None:
    """A run of ``n_steps`` in :func:`chunks`, under a progress bar (:func:`make_bar`):
    ``advance(steps, ahead)`` runs a chunk (``ahead``: the run's steps after it) and returns (steps
    done, stop: a failure).  A keyboard interrupt is held to the end of the chunk under way
    (:func:`deferred_interrupt`); ``interrupted_at()`` is then raised, the caller's state whole."""
    bar = make_bar(n_steps, desc)
    done = 0
    try:
        with deferred_interrupt() as interrupted:
            for steps in chunks(n_steps):
                n, stop = advance(steps, n_steps - done - steps)
                done += n
                bar.update(n)
                if stop:
                    return
                if interrupted:
                    raise interrupted_at()
    finally:
        bar.close()


def make_bar(total: int, desc: str) -> Any:
    """A progress bar counting steps: tqdm's, or :class:`TextBar` without tqdm."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return TextBar(total, desc)
    return tqdm(total=total, desc=desc, unit="step", unit_scale=True, leave=False)


class TextBar:
    """A minimal progress bar: ``desc  42% [#####     ] 1.3 s`` rewritten in place on stderr."""

    width = 30

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.done = max(1, total), desc, 0
        self.t0 = time.perf_counter()
        self._draw()

    def update(self, n: int) -> None:
        self.done += n
        self._draw()

    def _draw(self) -> None:
        frac = min(1.0, self.done / self.total)
        filled = round(frac * self.width)
        bar = "#" * filled + " " * (self.width - filled)
        wall = time.perf_counter() - self.t0
        sys.stderr.write(f"\r{self.desc} {frac:4.0%} [{bar}] {wall:.1f} s")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\r" + " " * (len(self.desc) + self.width + 20) + "\r")
        sys.stderr.flush()
