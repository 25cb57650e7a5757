"""Checks of plain values shared by models, runs, sweeps and networks.

A layer above :mod:`neurounits.errors` and :mod:`neurounits.units`, below
:mod:`neurounits.parameters`.  A count (a number of neurons, ``record_every``,
``chunk_size``, ...) is a positive integer: a Python ``int`` or a numpy integer,
never a ``bool`` (``True`` is an ``int`` to Python, but never meant as 1) nor a
float, even a whole one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import NeurounitsError, ParameterError, Problem

__all__ = ["check_count", "is_count", "is_integer", "require_count"]


def is_integer(value: Any) -> bool:
    """True for a Python or numpy integer; False for a bool, a float (even 2.0) or anything else.

    >>> import numpy as np
    >>> is_integer(3), is_integer(np.int32(-1)), is_integer(True), is_integer(2.0)
    (True, True, False, False)
    """
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def is_count(value: Any) -> bool:
    """True for an integer >= 1 (see :func:`is_integer`).

    >>> import numpy as np
    >>> is_count(1), is_count(np.int64(5)), is_count(0), is_count(True), is_count(1.0)
    (True, True, False, False, False)
    """
    return is_integer(value) and bool(value >= 1)


def check_count(what: str, value: Any, problems: list[Problem]) -> int | None:
    """``value`` as an ``int`` if it is a positive integer; else ``None``, and a problem is appended.

    The problem reads ``"<what> must be a positive integer, got <value!r>"``;
    collect the problems and raise them together with
    :func:`neurounits.errors.raise_problems`.

    >>> problems = []
    >>> check_count("record_every", 10, problems), problems
    (10, [])
    >>> check_count("record_every", 0, problems)
    >>> problems
    [Problem(message='record_every must be a positive integer, got 0', dimension=False)]
    """
    if is_count(value):
        return int(value)
    problems.append(Problem(f"{what} must be a positive integer, got {value!r}"))
    return None


def require_count(what: str, value: Any, error: type[NeurounitsError] = ParameterError) -> int:
    """``value`` as an ``int`` if it is a positive integer; else raise ``error`` at once.

    The message is the one of :func:`check_count`, without a header.

    >>> import numpy as np
    >>> require_count("chunk_size", np.int64(4))
    4
    >>> require_count("model 'LIF': n", True)
    Traceback (most recent call last):
    ...
    neurounits.errors.ParameterError: model 'LIF': n must be a positive integer, got True
    """
    problems: list[Problem] = []
    count = check_count(what, value, problems)
    if count is None:
        raise error(problems[0].message)
    return count
