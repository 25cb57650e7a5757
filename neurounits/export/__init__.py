"""Export to other simulators: a network of NEST-compatible models as a PyNEST script
(:func:`nest`) or built in NEST in-process (:func:`to_nest`, ``net.to_nest()``); a model of your
own as a NESTML model (:func:`nestml`).

>>> import neurounits as nu
>>> "iaf_psc_exp" in nu.export.exportable_models()
True
"""

from .nestml import nestml
from .pynest import NEST_VERSION, NestNetwork, exportable_models, nest, to_nest

__all__ = ["NEST_VERSION", "NestNetwork", "exportable_models", "nest", "nestml", "to_nest"]
