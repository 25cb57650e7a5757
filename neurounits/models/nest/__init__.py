"""NEST-compatible models, under NEST's model and parameter names.

They reproduce NEST 3.10 traces when driven as NEST drives them: ``I_e`` acts
at once; a spike input arriving at t is applied at the end of the step that
ends at t; refractory periods last ``ceil(t_ref/dt)`` steps; a sample at t is
the state after the step ending at t.  See ``tests/reference/`` for the
reference traces and the script that made them.
"""

from .aeif_cond_alpha import aeif_cond_alpha
from .hh_psc_alpha import hh_psc_alpha
from .iaf_bw_2001 import iaf_bw_2001, iaf_bw_2001_exact
from .iaf_cond_exp import iaf_cond_exp
from .iaf_psc_delta import iaf_psc_delta
from .iaf_psc_exp import iaf_psc_exp
from .izhikevich import izhikevich
from .rate_ipn import lin_rate_ipn, sigmoid_rate_ipn, tanh_rate_ipn, threshold_lin_rate_ipn

__all__ = ["aeif_cond_alpha", "hh_psc_alpha", "iaf_bw_2001", "iaf_bw_2001_exact", "iaf_cond_exp",
           "iaf_psc_delta", "iaf_psc_exp", "izhikevich", "lin_rate_ipn", "sigmoid_rate_ipn", "tanh_rate_ipn",
           "threshold_lin_rate_ipn"]
