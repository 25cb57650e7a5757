"""A barrier for the threads of a network's team, usable from compiled code that released the GIL.

A network run on several threads (:mod:`neurounits.network.team`) advances each thread's share of
the neurons for a slice of steps, then the threads meet at a barrier and exchange their spikes.
Python's ``threading.Barrier`` needs the GIL; this one is called from inside the compiled loop.

:func:`barrier` first *spins* a bounded number of times on an atomic counter (a partner that is
running arrives within microseconds, and a blocking wait would cost a wake-up each time), then
*blocks* on a POSIX condition variable (``pthread_cond_wait``): a thread whose partner is not
running (a shared, busy machine) gives its core away instead of spinning, so a team never
collapses the way spin-waiting thread teams do when the machine is oversubscribed.

The state is one int64 array (:func:`new_barrier`): word 0 counts the threads arrived, word 1 is
the generation (incremented when the last thread arrives); a ``pthread_mutex_t`` lives at byte
128 and a ``pthread_cond_t`` at byte 256 (room for any platform's layout).  Available where the
C library has POSIX threads (:data:`AVAILABLE`); elsewhere a network runs on one thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, cast

import numpy as np
from numba import njit, types
from numba.core.extending import intrinsic

__all__ = ["AVAILABLE", "barrier", "new_barrier"]

AVAILABLE = os.name == "posix"
_MUTEX, _COND = 128, 256  # byte offsets of the mutex and the condition variable
_WORDS = 64  # int64 words of a barrier's state (512 bytes)


def _external(name: str, signature: Any) -> Callable[..., int]:
    """A C library function that compiled code calls by name (a POSIX threads function)."""
    return cast("Callable[..., int]", types.ExternalFunction(name, signature))


_lock = _external("pthread_mutex_lock", types.int32(types.uintp))
_unlock = _external("pthread_mutex_unlock", types.int32(types.uintp))
_wait = _external("pthread_cond_wait", types.int32(types.uintp, types.uintp))
_broadcast = _external("pthread_cond_broadcast", types.int32(types.uintp))
_mutex_init = _external("pthread_mutex_init", types.int32(types.uintp, types.uintp))
_cond_init = _external("pthread_cond_init", types.int32(types.uintp, types.uintp))


def _word(context, builder, aty, arr, i):
    """A pointer to item ``i`` of the int64 array ``arr``."""
    return builder.gep(context.make_array(aty)(context, builder, arr).data, [i])


@intrinsic
def _fetch_add_intrinsic(typingctx, a, i, v):
    """Atomically ``a[i] += v``; returns the old value (sequentially consistent)."""

    def codegen(context, builder, sig, args):
        return builder.atomic_rmw(
            "add", _word(context, builder, sig.args[0], args[0], args[1]), args[2], "seq_cst"
        )

    return types.int64(a, i, v), codegen


@intrinsic
def _load_intrinsic(typingctx, a, i):
    """``a[i]``, read atomically (acquire): never hoisted out of a loop."""

    def codegen(context, builder, sig, args):
        return builder.load_atomic(_word(context, builder, sig.args[0], args[0], args[1]), "acquire", 8)

    return types.int64(a, i), codegen


@intrinsic
def _store_intrinsic(typingctx, a, i, v):
    """``a[i] = v``, written atomically (sequentially consistent)."""

    def codegen(context, builder, sig, args):
        builder.store_atomic(args[2], _word(context, builder, sig.args[0], args[0], args[1]), "seq_cst", 8)
        return context.get_dummy_value()

    return types.none(a, i, v), codegen


# The intrinsics as compiled code calls them (numba types a call as one of the typing function,
# typingctx first); the same objects, for the type checker.
_fetch_add = cast("Callable[[np.ndarray, int, int], int]", _fetch_add_intrinsic)
_load = cast("Callable[[np.ndarray, int], int]", _load_intrinsic)
_store = cast("Callable[[np.ndarray, int, int], None]", _store_intrinsic)


@njit(cache=True, nogil=True)
def _init(state):
    base = state.ctypes.data
    return _mutex_init(base + _MUTEX, 0) + _cond_init(base + _COND, 0)


def new_barrier() -> np.ndarray:
    """The state of a fresh barrier (keep the array alive while threads use it)."""
    state = np.zeros(_WORDS, np.int64)
    if _init(state) != 0:
        raise RuntimeError("pthread_mutex_init or pthread_cond_init failed")
    return state


@njit(cache=True, nogil=True)
def barrier(state, team, spin):
    """Wait until ``team`` threads have called this with ``state``: spin up to ``spin`` times,
    then block.  Returns 1 if this thread blocked, else 0 (a team of one returns at once)."""
    if team == 1:
        return 0
    gen = _load(state, 1)
    if _fetch_add(state, 0, 1) + 1 == team:  # the last to arrive: reset, next generation, wake all
        _store(state, 0, 0)
        base = state.ctypes.data
        _lock(base + _MUTEX)
        _fetch_add(state, 1, 1)
        _broadcast(base + _COND)
        _unlock(base + _MUTEX)
        return 0
    for _ in range(spin):
        if _load(state, 1) != gen:
            return 0
    base = state.ctypes.data
    _lock(base + _MUTEX)
    while _load(state, 1) == gen:  # checked under the mutex: the broadcast cannot be missed
        _wait(base + _COND, base + _MUTEX)
    _unlock(base + _MUTEX)
    return 1
