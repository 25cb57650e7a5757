"""neurounits: unit-safe neuron models, checked when declared, compiled with Numba.

>>> import neurounits as nu
>>> lif = nu.models.LIF(n=10)
>>> res = nu.simulate(lif, "20 ms", "0.1 ms", inputs={"I": "0.3 nA"})
>>> res["V"].units
<Unit('millivolt')>
"""

from . import dist, export, models, plot
from .equations import Model
from .errors import (
    CacheWarning,
    EquationError,
    ExportError,
    FileFormatError,
    IntegratorError,
    MissingDependencyError,
    MissingFileError,
    NeurounitsError,
    NeurounitsWarning,
    ParameterError,
    SimulationError,
    StabilityWarning,
)
from .loading import load
from .network import Network, sources
from .network import connectivity as conn
from .parameters import Input, Option, Parameter, PortGroup, Receptor, State
from .simulation import (
    Features,
    RateInput,
    Results,
    Simulation,
    SpikeInput,
    Spikes,
    TimedArray,
    check_dt,
    simulate,
)
from .sweeps import Sweep, fi_curve, sweep
from .units import Q_, DimensionError, Quantity, ureg

__version__ = "0.1.0"

__all__ = [
    "Q_",
    "CacheWarning",
    "DimensionError",
    "EquationError",
    "ExportError",
    "Features",
    "FileFormatError",
    "Input",
    "IntegratorError",
    "MissingDependencyError",
    "MissingFileError",
    "Model",
    "Network",
    "NeurounitsError",
    "NeurounitsWarning",
    "Option",
    "Parameter",
    "ParameterError",
    "PortGroup",
    "Quantity",
    "RateInput",
    "Receptor",
    "Results",
    "Simulation",
    "SimulationError",
    "SpikeInput",
    "Spikes",
    "StabilityWarning",
    "State",
    "Sweep",
    "TimedArray",
    "check_dt",
    "conn",
    "dist",
    "export",
    "fi_curve",
    "load",
    "models",
    "plot",
    "simulate",
    "sources",
    "sweep",
    "ureg",
]
