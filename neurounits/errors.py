"""Exceptions raised by neurounits.

Every exception derives from :class:`NeurounitsError` and from the builtin that
fits it, so ``except ValueError`` keeps working.  :class:`DimensionError` also
derives from ``pint.DimensionalityError``; it lives in :mod:`neurounits.units`
(the only module that imports pint) and is re-exported at the top level.

All exceptions carry their message as a structured field and survive pickling,
so a worker process can send them back unchanged.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CacheWarning",
    "EquationError",
    "ExportError",
    "FileFormatError",
    "IntegratorError",
    "MissingDependencyError",
    "MissingFileError",
    "NeurounitsError",
    "NeurounitsWarning",
    "ParameterError",
    "Problem",
    "RunInterrupted",
    "SimulationError",
    "StabilityWarning",
    "did_you_mean",
    "format_problems",
    "raise_problems",
    "set_dimension_error",
]


class NeurounitsError(Exception):
    """Base class of every error raised by neurounits."""

    def __init__(self, msg: str, *, problems: tuple[str, ...] = ()) -> None:
        Exception.__init__(self, msg)
        self.msg = msg
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return self.msg

    def __reduce__(self):  # keep the structured fields through pickling
        return _rebuild, (self.__class__, self.msg, self.problems)


def _rebuild(cls, msg, problems):
    return cls(msg, problems=problems)


class ParameterError(NeurounitsError, ValueError):
    """A value that has the right unit but is not acceptable (NaN, tau <= 0, ...)."""


class EquationError(NeurounitsError, ValueError):
    """An equation, threshold or reset that does not parse or make sense."""


class IntegratorError(EquationError):
    """An integrator that does not apply to the model's system of equations."""


class SimulationError(NeurounitsError, RuntimeError):
    """A simulation that failed numerically (NaN/inf state, step size underflow)."""

    def __init__(
        self,
        msg: str,
        *,
        problems: tuple[str, ...] = (),
        variable: str | None = None,
        neuron: int | None = None,
        time: object = None,
    ) -> None:
        super().__init__(msg, problems=problems)
        self.variable, self.neuron, self.time = variable, neuron, time

    def __reduce__(self):
        return _rebuild_sim, (self.msg, self.problems, self.variable, self.neuron, self.time)


def _rebuild_sim(msg, problems, variable, neuron, time):
    return SimulationError(msg, problems=problems, variable=variable, neuron=neuron, time=time)


class RunInterrupted(KeyboardInterrupt):
    """A run with a progress bar stopped by a keyboard interrupt (Ctrl-C) at the end of a chunk of
    steps, its state whole: ``t`` is the time reached, ``results`` what ran (set by
    :func:`~neurounits.simulate`; a :class:`~neurounits.Simulation` keeps it in its own
    ``results``, and its next ``run`` continues).  A ``KeyboardInterrupt``, so that code that
    stops on one stops on it."""

    def __init__(self, what: str, t: Any) -> None:
        super().__init__(
            f"{what} interrupted at t = {t:~g}; what ran is kept (the simulation's results, or the "
            "exception's `results` from nu.simulate), and the simulation's run() continues it"
        )
        self.t = t
        self.results: object = None


class ExportError(NeurounitsError, ValueError):
    """A model or network that does not export (to NEST: a model NEST lacks, a feature with no
    exact NEST counterpart); the message lists what does."""


class MissingDependencyError(NeurounitsError, ImportError):
    """An optional package (xarray, h5netcdf, pyarrow, pandas, matplotlib) that a feature needs is
    not installed; the message says what to ``pip install``."""


class MissingFileError(NeurounitsError, FileNotFoundError):
    """A file to load does not exist."""


class FileFormatError(NeurounitsError, ValueError):
    """A file that is not a result saved by neurounits (or a newer format than this version reads)."""


class NeurounitsWarning(UserWarning):
    """Base class of every warning neurounits gives."""


class StabilityWarning(NeurounitsWarning):
    """dt is too large for an explicit method: the run would oscillate or blow up numerically
    (see :func:`neurounits.check_dt`)."""


class CacheWarning(NeurounitsWarning):
    """The kernel cache was damaged (a file discarded and recompiled) or cannot be written (a
    temporary folder used instead); the message says what happened and how to set
    ``NEUROUNITS_CACHE_DIR``."""


@dataclass
class Problem:
    """One problem found while checking a value; ``dimension`` tells its kind."""

    message: str
    dimension: bool = False


def format_problems(header: str, problems: list[str] | tuple[str, ...]) -> str:
    """Join several problems under one header, one indented item per problem.

    >>> print(format_problems("cannot simulate model 'LIF'", ["dt: must be > 0, got 0 ms"]))
    cannot simulate model 'LIF': dt: must be > 0, got 0 ms
    >>> print(format_problems("invalid values for model 'LIF'", ["a", "b"]))
    invalid values for model 'LIF': 2 problems
      1. a
      2. b
    """
    if len(problems) == 1:
        return f"{header}: {problems[0]}"
    items = "\n".join(f"  {i + 1}. " + p.replace("\n", "\n     ") for i, p in enumerate(problems))
    return f"{header}: {len(problems)} problems\n{items}"


# DimensionError derives from pint.DimensionalityError, so it is defined in neurounits.units (the
# only module that imports pint), a layer above this one; units hands the class down once, here.
_dimension_error: list[type[NeurounitsError]] = []


def set_dimension_error(cls: type[NeurounitsError]) -> None:
    """Make :func:`raise_problems` raise ``cls`` for dimension problems.

    Called once by :mod:`neurounits.units` when it defines
    :class:`~neurounits.DimensionError`; nothing else needs to call it.
    """
    _dimension_error[:] = [cls]


def raise_problems(
    header: str,
    problems: Sequence[Problem | str],
    error: type[NeurounitsError] = ParameterError,
) -> None:
    """Raise every collected problem at once, under one header; return if there is none.

    ``problems`` holds :class:`Problem` objects or plain strings (a string is
    not a dimension problem).  The exception is a
    :class:`~neurounits.DimensionError` when any problem is a dimension
    problem, else ``error`` (:class:`ParameterError` by default).  Its message
    is :func:`format_problems` of the header and the messages; its
    ``problems`` field holds the messages.

    >>> import neurounits as nu
    >>> raise_problems("cannot simulate model 'LIF'", [])      # nothing to report
    >>> raise_problems("cannot simulate model 'LIF'", [Problem("dt: must be > 0, got 0 ms")])
    Traceback (most recent call last):
    ...
    neurounits.errors.ParameterError: cannot simulate model 'LIF': dt: must be > 0, got 0 ms
    >>> try:
    ...     raise_problems("model 'M' is inconsistent",
    ...                    [Problem("a"), Problem("b", dimension=True)], EquationError)
    ... except nu.DimensionError as exc:
    ...     print(exc.problems)
    ...     print(exc)
    ('a', 'b')
    model 'M' is inconsistent: 2 problems
      1. a
      2. b
    """
    if not problems:
        return
    msgs = tuple(p if isinstance(p, str) else p.message for p in problems)
    dimension = any(not isinstance(p, str) and p.dimension for p in problems)
    cls = _dimension_error[0] if dimension and _dimension_error else error
    raise cls(format_problems(header, msgs), problems=msgs)


def did_you_mean(name: object, choices: Iterable[str]) -> str:
    """The tip for a misspelt name: ``" Did you mean 'x'?"`` (with its leading space), or ``""``.

    The closest of ``choices`` to ``str(name)`` (so a receptor given as a number
    works too) by :func:`difflib.get_close_matches` with its default cutoff, 0.6;
    append the tip to a sentence that ends with a full stop.

    >>> did_you_mean("tau_mm", ["tau_m", "V_th"])
    " Did you mean 'tau_m'?"
    >>> did_you_mean("xyz", ["tau_m", "V_th"])
    ''
    >>> f"model 'LIF' has no parameter 'Vth'.{did_you_mean('Vth', ['V_th', 'V_reset'])} Parameters: ..."
    "model 'LIF' has no parameter 'Vth'. Did you mean 'V_th'? Parameters: ..."
    """
    close = difflib.get_close_matches(str(name), list(choices), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""
