"""Exceptions raised by neurounits.

Every exception derives from :class:`NeurounitsError` and from the builtin that
fits it, so ``except ValueError`` keeps working.  :class:`DimensionError` also
derives from ``pint.DimensionalityError``; it lives in :mod:`neurounits.units`
(the only module that imports pint) and is re-exported at the top level.

All exceptions carry their message as a structured field and survive pickling,
so a worker process can send them back unchanged.
"""

from __future__ import annotations

__all__ = [
    "EquationError",
    "IntegratorError",
    "NeurounitsError",
    "ParameterError",
    "SimulationError",
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


def format_problems(header: str, problems: list[str] | tuple[str, ...]) -> str:
    """Join several problems under one header, one indented item per problem."""
    if len(problems) == 1:
        return f"{header}: {problems[0]}"
    items = "\n".join(f"  {i + 1}. " + p.replace("\n", "\n     ") for i, p in enumerate(problems))
    return f"{header}: {len(problems)} problems\n{items}"
