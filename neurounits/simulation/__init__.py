"""Running models: ``simulate`` and its inputs and results."""

from .inputs import RateInput, SpikeInput, TimedArray
from .results import Results, Spikes
from .run import simulate

__all__ = ["RateInput", "Results", "SpikeInput", "Spikes", "TimedArray", "simulate"]
