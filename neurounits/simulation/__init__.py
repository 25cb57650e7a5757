"""Running models: ``simulate``, ``Simulation`` (a run that can be continued), inputs and results.

Layer-level API for the layers above (sweeps, networks, cli): :func:`~.plan.make_plan` and
:class:`~.plan.RunPlan` (checked arguments), :class:`~.runner.Runner` (a run's state),
:mod:`~.kernels` (method choice and kernel lookup), :func:`~.counts.count_run` (count-only runs)
and :mod:`~.arguments` (the checks of run arguments).
"""

from . import arguments, kernels
from .counts import count_run
from .inputs import Features, RateInput, SpikeInput, TimedArray
from .plan import RunPlan, make_plan
from .results import Results, Spikes
from .runner import Runner
from .simulation import Simulation, simulate
from .stability import check_dt

__all__ = ["Features", "RateInput", "Results", "RunPlan", "Runner", "Simulation", "SpikeInput", "Spikes",
           "TimedArray", "arguments", "check_dt", "count_run", "kernels", "make_plan", "simulate"]
