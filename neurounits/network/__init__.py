"""Networks: populations coupled by projections with delays, driven by sources (``nu.Network``).

Modules: ``network`` (Network, Population, View: declaring), ``connectivity`` (the rules,
``nu.conn``), ``sources`` (Poisson and spike-time sources, ``nu.sources``), ``build`` (drawing
synapses, weights, delays and initial values; CSR by source), ``run`` (the compiled loop, the
runner, NetworkSimulation), ``results`` (NetworkResults).
"""

from . import connectivity, sources
from .network import Network, Population, View
from .results import NetworkResults
from .run import NetworkSimulation

__all__ = ["Network", "NetworkResults", "NetworkSimulation", "Population", "View", "connectivity", "sources"]
