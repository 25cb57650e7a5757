r"""Hodgkin-Huxley (1952) squid giant axon, modern sign convention, with Q10 temperature scaling.

.. math::

    C_m \frac{dV}{dt} &= I - \bar g_\mathrm{Na} m^3 h (V - E_\mathrm{Na})
                          - \bar g_\mathrm{K} n^4 (V - E_\mathrm{K}) - g_L (V - E_L) \\
    \frac{dx}{dt} &= \phi\,[\alpha_x(V) (1 - x) - \beta_x(V)\, x], \qquad x \in \{m, h, n\} \\
    \phi &= Q_{10}^{(T - T_\mathrm{ref}) / 10\,\mathrm{K}}

with the rate functions (V in mV, rates in 1/ms; rest near -65 mV):

.. math::

    \alpha_m &= 1\,\mathrm{ms^{-1}}\; \mathrm{xe}\!\left(\frac{V + 40\,\mathrm{mV}}{10\,\mathrm{mV}}\right),
    & \beta_m &= 4\,\mathrm{ms^{-1}}\; e^{-(V + 65\,\mathrm{mV})/18\,\mathrm{mV}} \\
    \alpha_h &= 0.07\,\mathrm{ms^{-1}}\; e^{-(V + 65\,\mathrm{mV})/20\,\mathrm{mV}},
    & \beta_h &= 1\,\mathrm{ms^{-1}} / (1 + e^{-(V + 35\,\mathrm{mV})/10\,\mathrm{mV}}) \\
    \alpha_n &= 0.1\,\mathrm{ms^{-1}}\; \mathrm{xe}\!\left(\frac{V + 55\,\mathrm{mV}}{10\,\mathrm{mV}}\right),
    & \beta_n &= 0.125\,\mathrm{ms^{-1}}\; e^{-(V + 65\,\mathrm{mV})/80\,\mathrm{mV}}

where :math:`\mathrm{xe}(x) = x / (1 - e^{-x})`, which is 1 at x = 0: the
familiar :math:`0.1 (V + 40)/(1 - e^{-(V + 40)/10})` has a removable
singularity at V = -40 mV (and :math:`\alpha_n` at -55 mV).  The model
evaluates :math:`x/(-\mathrm{expm1}(-x))` for :math:`|x| > 10^{-6}` and the
Taylor series :math:`1 + x/2 + x^2/12` otherwise, so it is finite and smooth
to machine precision everywhere.

Temperature: ``T`` and ``T_ref`` are absolute temperatures (stored in kelvin).
Give them as ``"6.3 degC"``, ``Q_(20, "degC")`` or ``Q_(293.15, "K")``; pint
converts Celsius to kelvin, so ``T - T_ref`` is a true temperature difference.
At ``T = T_ref`` (the default, 6.3 degC, the temperature of Hodgkin and
Huxley's fits) :math:`\phi = 1`.  A plain number is refused.

Spike counting: the model has no reset.  A spike is counted when V crosses
``V_spike`` (0 mV) upwards within a step: the threshold is
``V > V_spike and prev(V) <= V_spike``, with ``prev(V)`` the value at the start
of the step.  (A threshold ``V > V_spike`` alone would report a spike at every
step while V stays above 0 mV.)  The spike time is the end of the step in which
V crossed.

Initial state: V = -65 mV and each gate at its steady state at -65 mV
(m = 0.0529, h = 0.5961, n = 0.3177; :math:`\phi` does not change steady
states).  The rest potential with these parameters is -65.0 mV.

Numerics: each equation is linear in its own state, so ``method=None``
picks ``exponential_euler`` (first order, stable); use ``method="rk4"``
with dt <= 0.01 ms for accurate traces.

Measured (step from rest, dt = 0.01 ms, 6.3 degC; rk4 and exponential Euler
agree to 0.01 uA/cm^2): a single onset spike from about 2.25 uA/cm^2,
repetitive firing from about 6.27 uA/cm^2 (at about 52 Hz; a few damped
spikes just below), 68 Hz at 10 uA/cm^2.  Warmer is faster: at 16.3 degC
(phi = 3) 10 uA/cm^2 gives 161 Hz with spikes a third as wide; near 25 degC
the axon stops firing (heat block).

References
----------
A. L. Hodgkin & A. F. Huxley, "A quantitative description of membrane current
and its application to conduction and excitation in nerve", J. Physiol. 117,
500-544 (1952).
W. Gerstner, W. M. Kistler, R. Naud & L. Paninski, *Neuronal Dynamics* (2014),
ch. 2.2 (this parametrisation, E_L = -54.387 mV).
"""

from __future__ import annotations

import math

from ..equations import Model
from ..parameters import Input, Parameter, State

__all__ = ["HodgkinHuxley"]


def _xe(x: float) -> float:
    return x / -math.expm1(-x) if abs(x) > 1e-6 else 1.0 + x / 2.0 + x * x / 12.0


def _steady(v: float) -> tuple[float, float, float]:
    """Steady-state (m, h, n) at v (mV), from the same rate functions as the model."""
    am, bm = _xe((v + 40.0) / 10.0), 4.0 * math.exp(-(v + 65.0) / 18.0)
    ah, bh = 0.07 * math.exp(-(v + 65.0) / 20.0), 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
    an, bn = 0.1 * _xe((v + 55.0) / 10.0), 0.125 * math.exp(-(v + 65.0) / 80.0)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


_M0, _H0, _N0 = _steady(-65.0)


class HodgkinHuxley(Model):
    r"""Hodgkin-Huxley squid axon membrane with Q10 temperature scaling of the gate rates.

    .. math::

        C_m\,dV/dt = I - g_{Na} m^3 h (V - E_{Na}) - g_K n^4 (V - E_K) - g_L (V - E_L),
        \qquad dx/dt = \phi\,(\alpha_x (1 - x) - \beta_x x),
        \qquad \phi = Q_{10}^{(T - T_{ref})/10\,\mathrm{K}}

    ==========  ========  ===========  ========================================
    parameter   unit      default      meaning
    ==========  ========  ===========  ========================================
    C_m         uF/cm^2   1 uF/cm^2    membrane capacitance per area
    g_Na        mS/cm^2   120 mS/cm^2  maximal sodium conductance
    g_K         mS/cm^2   36 mS/cm^2   maximal potassium conductance
    g_L         mS/cm^2   0.3 mS/cm^2  leak conductance
    E_Na        mV        50 mV        sodium reversal potential
    E_K         mV        -77 mV       potassium reversal potential
    E_L         mV        -54.387 mV   leak reversal potential
    T           K         6.3 degC     temperature (279.45 K)
    T_ref       K         6.3 degC     temperature of the rate functions
    Q10         1         3            rate factor per 10 K
    V_spike     mV        0 mV         spike counted on upward crossing
    ==========  ========  ===========  ========================================

    States ``V`` (mV) and the gates ``m``, ``h``, ``n`` (dimensionless); input
    ``I`` (uA/cm^2); a spike is an upward crossing of ``V_spike``.  Named expressions ``phi``,
    ``alpha_*``, ``beta_*``, ``I_Na``, ``I_K``, ``I_L`` can be recorded.

    Examples
    --------
    >>> import neurounits as nu
    >>> hh = nu.models.HodgkinHuxley(n=2, T=nu.Q_([6.3, 16.3], "degC"))
    >>> hh.parameters["T"]
    <Quantity([279.45 289.45], 'kelvin')>
    >>> res = nu.simulate(hh, "100 ms", "0.01 ms", inputs={"I": "10 uA/cm**2"}, record=("phi",))
    >>> res["phi"][-1].magnitude.round(6).tolist()
    [1.0, 3.0]
    """

    C_m = Parameter("1 uF/cm**2", positive=True, doc="membrane capacitance per area")
    g_Na = Parameter("120 mS/cm**2", nonnegative=True, doc="maximal sodium conductance")
    g_K = Parameter("36 mS/cm**2", nonnegative=True, doc="maximal potassium conductance")
    g_L = Parameter("0.3 mS/cm**2", nonnegative=True, doc="leak conductance")
    E_Na = Parameter("50 mV", doc="sodium reversal potential")
    E_K = Parameter("-77 mV", doc="potassium reversal potential")
    E_L = Parameter("-54.387 mV", doc="leak reversal potential")
    T = Parameter("6.3 degC", unit="K", positive=True, doc="temperature")
    T_ref = Parameter("6.3 degC", unit="K", positive=True, doc="temperature of the rate functions")
    Q10 = Parameter(3.0, positive=True, doc="rate factor per 10 K of warming")
    V_spike = Parameter("0 mV", doc="spike counted when V crosses it upwards")
    V = State("mV", initial="-65 mV", doc="membrane potential")
    m = State("1", initial=_M0, doc="sodium activation gate")
    h = State("1", initial=_H0, doc="sodium inactivation gate")
    # Model's n (the number of neurons) is an instance attribute; nu.Model removes declarations
    # from the class, so the state n never shadows it
    n = State("1", initial=_N0, doc="potassium activation gate")  # type: ignore[assignment]
    I = Input("uA/cm**2", doc="input current density")
    equations = """
        phi = Q10**((T - T_ref)/(10*K)) : 1
        x_m = (V + 40*mV)/(10*mV) : 1
        x_n = (V + 55*mV)/(10*mV) : 1
        xe_m = (x_m/(-expm1(-x_m)) if abs(x_m) > 1e-6 else 1 + x_m/2 + x_m**2/12) : 1
        xe_n = (x_n/(-expm1(-x_n)) if abs(x_n) > 1e-6 else 1 + x_n/2 + x_n**2/12) : 1
        alpha_m = phi*xe_m/ms : 1/ms
        beta_m = phi*4/ms*exp(-(V + 65*mV)/(18*mV)) : 1/ms
        alpha_h = phi*0.07/ms*exp(-(V + 65*mV)/(20*mV)) : 1/ms
        beta_h = phi/ms/(1 + exp(-(V + 35*mV)/(10*mV))) : 1/ms
        alpha_n = phi*0.1/ms*xe_n : 1/ms
        beta_n = phi*0.125/ms*exp(-(V + 65*mV)/(80*mV)) : 1/ms
        I_Na = g_Na*m**3*h*(V - E_Na) : uA/cm**2
        I_K = g_K*n**4*(V - E_K) : uA/cm**2
        I_L = g_L*(V - E_L) : uA/cm**2
        dV/dt = (I - I_Na - I_K - I_L) / C_m
        dm/dt = alpha_m*(1 - m) - beta_m*m
        dh/dt = alpha_h*(1 - h) - beta_h*h
        dn/dt = alpha_n*(1 - n) - beta_n*n
    """
    threshold = "V > V_spike and prev(V) <= V_spike"
