r"""Quadratic integrate-and-fire neurons: plain, adaptive, and adaptive with a refractory period.

.. math::

    \tau \frac{dV}{dt} &= c\,(V - V_\mathrm{rest})(V - V_c) - R\,w + R\,I \\
    \tau_w \frac{dw}{dt} &= a\,(V - V_\mathrm{rest}) - w

(:class:`QuaIF` has no adaptation current :math:`w`).  When
:math:`V \ge V_\mathrm{th}` the neuron spikes, :math:`V \leftarrow V_\mathrm{reset}`
and :math:`w \leftarrow w + b`.  :class:`AdQuaIFRef` then holds both states at
their post-reset values for ``ceil(tau_ref/dt)`` steps (record ``"refractory"``).

Without input the membrane has a stable fixed point at :math:`V_\mathrm{rest}`
and an unstable one at :math:`V_c`; above :math:`V_c` the quadratic term makes
V blow up in finite time, and the threshold :math:`V_\mathrm{th}` cuts the
upswing.  The rheobase of :class:`QuaIF` is :math:`R I = c (V_c - V_\mathrm{rest})^2/4`
(3.94 mV, i.e. 3.94 mA with the default R = 1 Ohm).

Units follow brainpy's ``QuaIF``/``AdQuaIF``/``AdQuaIFRef``: the adaptation
current and the input are currents in mA with R = 1 Ohm, so that
``R*I`` is in mV (1 Ohm x 1 mA = 1 mV) and ``a`` is a conductance (1 S x 1 mV
= 1 mA).  Any current unit can be given: ``inputs={"I": "5 mA"}``.

Option ``spk_reset``: ``"hard"`` (default, :math:`V \leftarrow V_\mathrm{reset}`)
or ``"soft"`` (:math:`V \leftarrow V - (V_\mathrm{th} - V_\mathrm{reset})`,
brainpy's default for these models).

References
----------
G. B. Ermentrout & N. Kopell, "Parabolic bursting in an excitable system
coupled with a slow oscillation", SIAM J. Appl. Math. 46, 233-253 (1986).
E. M. Izhikevich, *Dynamical Systems in Neuroscience*, MIT Press (2007), ch. 8.
W. Gerstner, W. M. Kistler, R. Naud & L. Paninski, *Neuronal Dynamics* (2014),
ch. 5.3 and 6.1.
"""

from __future__ import annotations

from ..equations import Model
from ..parameters import Input, Option, Parameter, State

__all__ = ["AdQuaIF", "AdQuaIFRef", "QuaIF"]

RESETS = {"hard": "V = V_reset", "soft": "V -= V_th - V_reset"}


class QuaIF(Model):
    r"""Quadratic integrate-and-fire neuron.

    .. math:: \tau\,dV/dt = c (V - V_{rest})(V - V_c) + R I

    ==========  ========  =========  ==========================================
    parameter   unit      default    meaning
    ==========  ========  =========  ==========================================
    tau         ms        10 ms      membrane time constant
    V_th        mV        -30 mV     spike cut-off (V >= V_th)
    V_reset     mV        -68 mV     potential after a spike
    V_rest      mV        -65 mV     resting potential (stable fixed point)
    V_c         mV        -50 mV     critical potential (unstable fixed point)
    c           1/mV      0.07 1/mV  curvature of the quadratic term (> 0)
    R           Ohm       1 Ohm      membrane resistance
    ==========  ========  =========  ==========================================

    State ``V`` (mV, starts at ``V_rest``); input ``I`` (mA).  Constraints:
    ``V_reset < V_th``, ``V_rest < V_c``.

    Examples
    --------
    >>> import neurounits as nu
    >>> res = nu.simulate(nu.models.QuaIF(), "100 ms", "0.1 ms", inputs={"I": "10 mA"}, record=())
    >>> int(res.spike_counts[0]) > 2
    True
    """

    tau = Parameter("10 ms", doc="membrane time constant")
    V_th = Parameter("-30 mV", doc="spike cut-off (V >= V_th)")
    V_reset = Parameter("-68 mV", doc="potential after a spike")
    V_rest = Parameter("-65 mV", doc="resting potential")
    V_c = Parameter("-50 mV", doc="critical potential of spike initiation")
    c = Parameter("0.07 1/mV", positive=True, doc="curvature of the quadratic term")
    R = Parameter("1 ohm", positive=True, doc="membrane resistance")
    spk_reset = Option(RESETS, "hard", doc="'hard': V = V_reset; 'soft': V -= V_th - V_reset")
    V = State("mV", initial="V_rest", doc="membrane potential")
    I = Input("mA", doc="input current")
    equations = "dV/dt = (c*(V - V_rest)*(V - V_c) + R*I) / tau"
    threshold = "V >= V_th"
    reset = "{spk_reset}"
    constraints = ("V_reset < V_th", "V_rest < V_c")


class AdQuaIF(QuaIF):
    r"""Adaptive quadratic integrate-and-fire neuron.

    .. math::

        \tau\,dV/dt = c (V - V_{rest})(V - V_c) - R w + R I, \qquad
        \tau_w\,dw/dt = a (V - V_{rest}) - w

    Spike when :math:`V \ge V_{th}`: ``V = V_reset; w += b``.

    ==========  ========  =========  ==========================================
    parameter   unit      default    meaning
    ==========  ========  =========  ==========================================
    tau         ms        10 ms      membrane time constant
    tau_w       ms        10 ms      adaptation time constant
    V_th        mV        -30 mV     spike cut-off (V >= V_th)
    V_reset     mV        -68 mV     potential after a spike
    V_rest      mV        -65 mV     resting potential
    V_c         mV        -50 mV     critical potential of spike initiation
    c           1/mV      0.07 1/mV  curvature of the quadratic term (> 0)
    a           S         1 S        subthreshold adaptation (coupling V -> w)
    b           mA        0.1 mA     spike-triggered increment of w
    R           Ohm       1 Ohm      membrane resistance
    ==========  ========  =========  ==========================================

    States ``V`` (mV, starts at ``V_rest``) and ``w`` (mA, starts at 0 mA);
    input ``I`` (mA).  Constraints: ``V_reset < V_th``, ``V_rest < V_c``.
    """

    tau_w = Parameter("10 ms", doc="adaptation time constant")
    a = Parameter("1 S", doc="subthreshold adaptation conductance")
    b = Parameter("0.1 mA", doc="spike-triggered adaptation increment")
    w = State("mA", initial="0 mA", doc="adaptation current")
    equations = """
        dV/dt = (c*(V - V_rest)*(V - V_c) - R*w + R*I) / tau
        dw/dt = (a*(V - V_rest) - w) / tau_w
    """
    reset = "{spk_reset}; w += b"


class AdQuaIFRef(AdQuaIF):
    r"""Adaptive quadratic integrate-and-fire neuron with an absolute refractory period.

    The equations, spike and reset are those of :class:`AdQuaIF`; after a
    spike V and w are held at their post-reset values for
    ``ceil(tau_ref/dt)`` steps and no spike can be emitted (record
    ``"refractory"`` to see the flag).

    ==========  ========  =========  ==========================================
    parameter   unit      default    meaning
    ==========  ========  =========  ==========================================
    tau         ms        10 ms      membrane time constant
    tau_w       ms        10 ms      adaptation time constant
    tau_ref     ms        1.7 ms     absolute refractory period (>= 0)
    V_th        mV        -30 mV     spike cut-off (V >= V_th)
    V_reset     mV        -68 mV     potential after a spike
    V_rest      mV        -65 mV     resting potential
    V_c         mV        -50 mV     critical potential of spike initiation
    c           1/mV      0.07 1/mV  curvature of the quadratic term (> 0)
    a           S         1 S        subthreshold adaptation (coupling V -> w)
    b           mA        0.1 mA     spike-triggered increment of w
    R           Ohm       1 Ohm      membrane resistance
    ==========  ========  =========  ==========================================
    """

    tau_ref = Parameter("1.7 ms", positive=False, nonnegative=True, doc="absolute refractory period")
    refractory = "tau_ref"
