r"""Izhikevich (2003) simple spiking neuron, with and without an absolute refractory period.

.. math::

    \frac{dV}{dt} &= 0.04\,\mathrm{mV^{-1}\,ms^{-1}}\;V^2 + 5\,\mathrm{ms^{-1}}\;V
                    + 140\,\mathrm{mV\,ms^{-1}} - u + I \\
    \frac{du}{dt} &= a\,(b\,V - u)

When :math:`V \ge V_\mathrm{th}` the neuron spikes and is reset:

- ``spk_reset="hard"`` (default): :math:`V \leftarrow c`, :math:`u \leftarrow u + d`;
- ``spk_reset="soft"``: :math:`V \leftarrow V - (V_\mathrm{th} - c)`, :math:`u \leftarrow u + d`
  (the overshoot above :math:`V_\mathrm{th}` is kept).

:class:`IzhikevichRef` adds an absolute refractory period ``tau_ref``: for
``ceil(tau_ref/dt)`` steps after a spike both states are held at their
post-reset values (V = c after a hard reset, u unchanged) and no spike can be
emitted.  ``tau_ref = 0 ms`` (the default) gives back :class:`Izhikevich`.

The constants 0.04, 5 and 140 carry their units explicitly; the model is the
published one with V in mV, t in ms and I, u in mV/ms (the input is a
"current" already divided by the capacitance, as in Izhikevich's paper).
:math:`V` starts at -65 mV and :math:`u` at 0 mV/ms (the defaults of
brainpy's ``Izhikevich``/``IzhikevichRef``; Izhikevich's own code starts at
:math:`u = b V`, pass ``initial={"u": ...}`` to :func:`neurounits.simulate`
for that).

Numerics: the equation is nonlinear, so ``method=None`` picks ``rk4``.
Izhikevich's reference code uses forward Euler with 0.5 ms steps (two 0.25 ms
half steps for V); use ``method="euler"`` and a small ``dt`` to reproduce it.
Use dt <= 0.1 ms: V grows like :math:`V^2` near the spike.

References
----------
E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans. Neural
Networks 14(6), 1569-1572 (2003).
E. M. Izhikevich, "Which model to use for cortical spiking neurons?", IEEE
Trans. Neural Networks 15(5), 1063-1070 (2004).
"""

from __future__ import annotations

from ..equations import Model
from ..parameters import Input, Option, Parameter, State

__all__ = ["Izhikevich", "IzhikevichRef"]

RESETS = {"hard": "V = c", "soft": "V -= V_th - c"}


class Izhikevich(Model):
    r"""Izhikevich (2003) simple model of spiking neurons.

    .. math::

        dV/dt = 0.04\,\mathrm{mV^{-1} ms^{-1}} V^2 + 5\,\mathrm{ms^{-1}} V
        + 140\,\mathrm{mV/ms} - u + I, \qquad du/dt = a (b V - u)

    Spike when :math:`V \ge V_{th}`; reset ``V = c`` (``spk_reset="hard"``) or
    ``V -= V_th - c`` (``"soft"``), and ``u += d``.

    ==========  ========  =========  ==========================================
    parameter   unit      default    meaning
    ==========  ========  =========  ==========================================
    a           1/ms      0.02 1/ms  time scale of the recovery variable u
    b           1/ms      0.2 1/ms   sensitivity of u to V
    c           mV        -65 mV     after-spike reset value of V
    d           mV/ms     8 mV/ms    after-spike increment of u
    V_th        mV        30 mV      spike cut-off (V >= V_th)
    ==========  ========  =========  ==========================================

    Option ``spk_reset``: ``"hard"`` (default) or ``"soft"``.  States ``V``
    (mV, starts at -65 mV) and ``u`` (mV/ms, starts at 0 mV/ms); input ``I``
    (mV/ms).  Constraint: ``c < V_th``.

    Examples
    --------
    >>> import neurounits as nu
    >>> izh = nu.models.Izhikevich()           # regular spiking
    >>> res = nu.simulate(izh, "200 ms", "0.1 ms", inputs={"I": "10 mV/ms"}, record=())
    >>> int(res.spike_counts[0]) > 3
    True
    """

    a = Parameter("0.02 1/ms", doc="time scale of the recovery variable u")
    b = Parameter("0.2 1/ms", doc="sensitivity of u to the membrane potential")
    c = Parameter("-65 mV", doc="after-spike reset value of V")
    d = Parameter("8 mV/ms", doc="after-spike increment of u")
    V_th = Parameter("30 mV", doc="spike cut-off (V >= V_th)")
    spk_reset = Option(RESETS, "hard", doc="'hard': V = c; 'soft': V -= V_th - c")
    V = State("mV", initial="-65 mV", doc="membrane potential")
    u = State("mV/ms", initial="0 mV/ms", doc="recovery variable")
    I = Input("mV/ms", doc="input current divided by the capacitance")
    equations = """
        dV/dt = 0.04/(mV*ms)*V**2 + 5/ms*V + 140*mV/ms - u + I
        du/dt = a*(b*V - u)
    """
    threshold = "V >= V_th"
    reset = "{spk_reset}; u += d"
    constraints = ("c < V_th",)


class IzhikevichRef(Izhikevich):
    r"""Izhikevich neuron with an absolute refractory period ``tau_ref``.

    The equations, spike and reset are those of :class:`Izhikevich`.  After a
    spike, for ``ceil(tau_ref/dt)`` steps, V and u are held at their
    post-reset values (V = c after a hard reset, u unchanged) and no spike
    can be emitted; record ``"refractory"`` to see the flag.

    ==========  ========  =========  ==========================================
    parameter   unit      default    meaning
    ==========  ========  =========  ==========================================
    a           1/ms      0.02 1/ms  time scale of the recovery variable u
    b           1/ms      0.2 1/ms   sensitivity of u to V
    c           mV        -65 mV     after-spike reset value of V
    d           mV/ms     8 mV/ms    after-spike increment of u
    V_th        mV        30 mV      spike cut-off (V >= V_th)
    tau_ref     ms        0 ms       absolute refractory period (>= 0)
    ==========  ========  =========  ==========================================

    Examples
    --------
    >>> import neurounits as nu
    >>> izh = nu.models.IzhikevichRef(tau_ref="5 ms")
    >>> res = nu.simulate(izh, "100 ms", "0.1 ms", inputs={"I": "20 mV/ms"},
    ...                   record=("V", "refractory"))
    >>> float(res["refractory"].magnitude.max())
    1.0
    """

    tau_ref = Parameter("0 ms", positive=False, nonnegative=True, doc="absolute refractory period")
    refractory = "tau_ref"
