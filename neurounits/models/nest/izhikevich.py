r"""NEST's ``izhikevich``: the Izhikevich (2003) neuron with NEST's two numerical schemes.

.. math::

    \frac{dV_m}{dt} = 0.04\,V_m^2 + 5\,V_m + 140 - U_m + I_e, \qquad
    \frac{dU_m}{dt} = a\,(b\,V_m - U_m)

with explicit units here: 0.04 1/(mV ms), 5 1/ms, 140 mV/ms, ``a`` and ``b``
in 1/ms, ``U_m`` and ``d`` in mV/ms.  NEST treats its currents (pA) as mV/ms
numerically; that conversion is the explicit parameter ``k_I`` (1 mV/(ms pA)).
The input ``I`` (pA) enters with ``I_e``, as NEST's ``S_.I_`` from its current generators
(``dc_generator``, ``step_current_generator``), which act from the step after they arrive.
The numbers are NEST's; only the units are made explicit.

``consistent_integration=True`` (NEST's default) is forward Euler, with the
summed spike weights (mV) added to V_m in the same step; ``False`` is the
scheme of the 2003 paper (two half steps for V_m, then U_m with the new V_m,
spike weights entering as a current over the step).  Then ``V_m`` is bounded
below by ``V_min``, and ``V_m >= V_th`` emits a spike with
``V_m = c, U_m += d``.  No refractory period.

Reference: Izhikevich, IEEE Trans. Neural Netw. 14 (2003) 1569.
"""

from __future__ import annotations

import numpy as np

from ...equations import Model
from ...parameters import Input, Option, Parameter, Receptor, State
from ...units import Q_

__all__ = ["izhikevich"]

_F = "(0.04/mV/ms*{v}**2 + 5/ms*{v} + 140*mV/ms - {u} + k_I*(I_e + I){extra})"
_CONSISTENT = (
    "v_old = V_m; u_old = U_m; "
    f"V_m = v_old + dt*{_F.format(v='v_old', u='u_old', extra='')} + spikes; "
    "U_m = u_old + dt*a*(b*v_old - u_old)"
)
_PAPER = (
    f"V_m += dt/2*{_F.format(v='V_m', u='U_m', extra=' + spikes/ms')}; "
    f"V_m += dt/2*{_F.format(v='V_m', u='U_m', extra=' + spikes/ms')}; "
    "U_m += dt*a*(b*V_m - U_m)"
)


class izhikevich(Model):
    """NEST's izhikevich (recordables V_m, U_m)."""

    a = Parameter("0.02 1/ms", doc="time scale of the recovery variable")
    b = Parameter("0.2 1/ms", doc="sensitivity of the recovery variable")
    c = Parameter("-65 mV", doc="after-spike reset value of V_m")
    d = Parameter("8 mV/ms", doc="after-spike increment of U_m")
    I_e = Parameter("0 pA", doc="constant input current")
    k_I = Parameter("1 mV/ms/pA", positive=True, doc="NEST's implicit current-to-mV/ms factor")
    V_th = Parameter("30 mV", doc="spike threshold")
    V_min = Parameter(Q_(np.finfo(float).min, "mV"), doc="lower bound of V_m (none by default)")
    consistent_integration = Option({"True": _CONSISTENT, "False": _PAPER, True: _CONSISTENT, False: _PAPER},
                                    "True", doc="forward Euler (True) or the 2003 paper's scheme (a bool, "
                                    "as in NEST, or the string)")
    V_m = State("mV", initial="-65 mV", doc="membrane potential")
    U_m = State("mV/ms", initial="-13 mV/ms", doc="recovery variable")
    I = Input("pA", doc="external current, with I_e (NEST's current generators: one step later)")
    spikes = Receptor("mV", "", doc="spike weights, added to V_m")
    update = "{consistent_integration}; V_m = max(V_m, V_min)"
    threshold = "V_m >= V_th"
    reset = "V_m = c; U_m += d"
