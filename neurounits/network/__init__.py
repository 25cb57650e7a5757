"""Networks: populations coupled by projections with delays, driven by sources (``nu.Network``).

Modules: ``network`` (Network, Projection: declaring), ``views`` (View, Population),
``connectivity`` (the rules, ``nu.conn``: re-exports ``rules``, ``random_rules`` and ``csr``),
``sources`` (Poisson and spike-time sources, ``nu.sources``), ``checks`` (checking ``connect``
calls), ``build`` (BuiltNetwork, building: drawing a projection in ``drawing``, the ring layout
and CSR by source in ``tables``), ``run`` (the compiled loop, the runner, NetworkSimulation),
``results`` (NetworkResults).
"""

from . import connectivity, sources
from .network import Network, Population, View
from .results import NetworkResults
from .run import NetworkSimulation

__all__ = ["Network", "NetworkResults", "NetworkSimulation", "Population", "View", "connectivity", "sources"]
