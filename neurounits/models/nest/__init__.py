"""NEST-compatible models, under NEST's model and parameter names.

They reproduce NEST 3.10 traces when driven as NEST drives them: ``I_e`` acts
at once; a spike input arriving at t is applied at the end of the step that
ends at t; refractory periods last ``ceil(t_ref/dt)`` steps; a sample at t is
the state after the step ending at t.  See ``tests/reference/`` for the
reference traces and the script that made them.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

# model -> its module.  A model is imported (declared and checked) on first use, as in
# neurounits.models: the first use of one model does not declare all of them.
_WHERE = {
    "aeif_cond_alpha": "aeif_cond_alpha", "hh_psc_alpha": "hh_psc_alpha", "iaf_bw_2001": "iaf_bw_2001",
    "iaf_bw_2001_exact": "iaf_bw_2001", "iaf_cond_exp": "iaf_cond_exp", "iaf_psc_delta": "iaf_psc_delta",
    "iaf_psc_exp": "iaf_psc_exp",
    "izhikevich": "izhikevich", "lin_rate_ipn": "rate_ipn", "sigmoid_rate_ipn": "rate_ipn",
    "tanh_rate_ipn": "rate_ipn", "threshold_lin_rate_ipn": "rate_ipn",
}

__all__ = ["aeif_cond_alpha", "hh_psc_alpha", "iaf_bw_2001", "iaf_bw_2001_exact", "iaf_cond_exp",
           "iaf_psc_delta", "iaf_psc_exp", "izhikevich", "lin_rate_ipn", "sigmoid_rate_ipn", "tanh_rate_ipn",
           "threshold_lin_rate_ipn"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module = importlib.import_module(f".{_WHERE[name]}", __name__)
        return getattr(module, name)  # (set on this package by _Package.__setattr__)
    raise AttributeError(f"module 'neurounits.models.nest' has no model {name!r}; "
                         f"available: {', '.join(__all__)}")


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(types.ModuleType):
    """This package, whose attribute named after a model is the model: importing a submodule
    makes Python set the package's attribute of the submodule's name to the submodule, and most
    submodules have the name of their model."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _WHERE:
            for model, where in _WHERE.items():
                if where == name:
                    super().__setattr__(model, getattr(value, model))
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
