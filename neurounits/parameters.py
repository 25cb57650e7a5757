"""Declarations of a model's parameters, states, inputs and structural options.

These are the building blocks of a :class:`neurounits.Model` declaration::

    class LIF(nu.Model):
        tau_m = nu.Parameter("10 ms", positive=True, doc="membrane time constant")
        V = nu.State("mV", initial="V_rest")
        I = nu.Input("pA")

and the value checks run when a model is constructed (:func:`check_value`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import EquationError, Problem
from .units import as_quantity, fmt_unit, is_offset_unit, parse_unit, ureg
from .value_checks import _NAMED_DIMS as _NAMED_DIMS
from .value_checks import Checked as Checked
from .value_checks import _end as _end
from .value_checks import _show as _show
from .value_checks import _show_complex as _show_complex
from .value_checks import _value_problems as _value_problems
from .value_checks import _where_bad as _where_bad
from .value_checks import check_value, describe_dim

# Problem is defined in neurounits.errors (next to raise_problems) and offered here too, as before
__all__ = ["Input", "Option", "Parameter", "Problem", "SpikePayload", "State", "check_value", "describe_dim"]


def _read_unit(unit: Any, what: str) -> Any:
    """``unit`` (a string or a pint Unit) as a Unit; an unreadable one raises EquationError."""
    if not isinstance(unit, str):
        if not isinstance(unit, ureg.Unit):
            raise EquationError(f"the unit of {what} must be a string such as 'mV', got {unit!r}")
        return unit
    try:
        return parse_unit(unit)
    except Exception as exc:  # pint's errors come in many types
        raise EquationError(f"cannot read the unit {unit!r} of {what} ({exc}); write a unit such as "
                            "'mV', 'pA', '1/ms' or 'mV/ms'") from None


def _unit_of(default: Any, unit: str | None) -> Any:
    if unit is not None:
        out = _read_unit(unit, "Parameter")
    elif default is None:
        out = ureg.dimensionless
    else:
        try:
            out = as_quantity(default).units
        except Exception as exc:
            raise EquationError(f"cannot read the default {default!r} of Parameter ({exc}); write a number "
                                "and a unit, e.g. '10 ms'") from None
    # an offset temperature (degC) is kept in kelvin: values convert as pint defines (20 degC = 293.15 K)
    return ureg.Unit("K") if is_offset_unit(out) else out


class Parameter:
    """A model parameter with a unit and a default.

    Parameters
    ----------
    default : str, Quantity or number, optional
        Default value, e.g. ``"10 ms"``.  ``None`` makes the parameter required.
    unit : str, optional
        The parameter's unit; taken from ``default`` when not given.  An offset unit (``degC``,
        ``degF``) becomes kelvin: ``Parameter("20 degC")`` holds 293.15 K.
    positive : bool, optional
        Refuse values <= 0.  By default true for names starting with ``tau``
        unless ``nonnegative`` is given.
    nonnegative : bool
        Refuse values < 0.
    doc : str
        One line saying what the parameter is (shown in the model's parameter table).
    """

    kind = "parameter"

    def __init__(
        self,
        default: Any = None,
        unit: str | None = None,
        *,
        positive: bool | None = None,
        nonnegative: bool = False,
        doc: str = "",
    ) -> None:
        self.default = default
        self.unit = _unit_of(default, unit)
        self.positive = positive
        self.nonnegative = nonnegative
        self.doc = doc
        self.name: str | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def is_positive(self, name: str) -> bool:
        if self.positive is not None:
            return self.positive
        return name.startswith("tau") and not self.nonnegative

    def __repr__(self) -> str:
        return f"Parameter({self.default!r}, unit={fmt_unit(self.unit)!r})"


class State:
    """A state variable: its unit and initial value.

    ``initial`` is a value (``"0 pA"``) or an expression of the parameters
    (``"E_L"``); zero in ``unit`` when not given.  ``dtype=int`` or ``dtype=bool`` makes a
    dimensionless counter or flag: it has no differential equation, is changed by resets and
    ``after_step`` statements (a value assigned to an int state is truncated towards zero; a flag
    takes a condition, ``True`` or ``False``), and is recorded in its dtype.  A flag reads as a
    condition in expressions (``x if flag else y``, ``flag and V > V_th``).

    >>> State("1", dtype=int).dtype
    'int'
    >>> State("mV", dtype=bool)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    neurounits.errors.EquationError: a State of dtype bool must be dimensionless (unit '1'), got 'mV'; ...
    """

    kind = "state"

    def __init__(self, unit: str = "1", *, initial: Any = None, doc: str = "", dtype: Any = float) -> None:
        self.unit = _read_unit(unit, "State")
        self.initial = initial
        self.doc = doc
        self.name: str | None = None
        kinds = {float: "float", int: "int", bool: "bool", "float": "float", "int": "int", "bool": "bool"}
        try:
            self.dtype = kinds[dtype]
        except (KeyError, TypeError):
            raise EquationError(f"the dtype of a State must be float, int or bool, got {dtype!r}") from None
        if self.dtype != "float" and self.unit.dimensionality != ureg.dimensionless.dimensionality:
            raise EquationError(f"a State of dtype {self.dtype} must be dimensionless (unit '1'), got "
                                f"{unit!r}; an int counter or a bool flag has no unit")

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        typed = "" if self.dtype == "float" else f", dtype={self.dtype}"
        return f"State({fmt_unit(self.unit)!r}, initial={self.initial!r}{typed})"


class Input:
    """An external input (zero unless given to :func:`neurounits.simulate`).

    Used in the equations, an input acts during the step.  ``on_step`` holds statements run
    instead at the end of each step, after the integration and before the spikes arriving at
    the end of the step, each adding to a state an amount of the input, the parameters and
    ``dt`` (e.g. NEST's ``iaf_psc_exp`` receptor 1:
    ``"I_syn_ex += (1 - exp(-dt/tau_syn_ex))*I_1"``).

    Examples
    --------
    >>> import neurounits as nu
    >>> Syn = nu.Model.from_equations(
    ...     "dI_syn/dt = -I_syn/tau : pA", parameters={"tau": "2 ms"},
    ...     inputs={"I_1": nu.Input("pA", on_step="I_syn += (1 - exp(-dt/tau))*I_1")})
    >>> res = nu.simulate(Syn(), "0.2 ms", "0.1 ms", inputs={"I_1": "100 pA"})
    >>> [round(float(v), 4) for v in res["I_syn"][:, 0].m_as("pA")]
    [0.0, 4.8771, 9.5163]
    """

    kind = "input"

    def __init__(self, unit: str = "1", *, on_step: str = "", doc: str = "") -> None:
        self.unit = _read_unit(unit, "Input")
        self.on_step = on_step
        self.doc = doc
        self.name: str | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Input({fmt_unit(self.unit)!r})"


class _SpikePort:
    """What a receptor and a port group share: the weight's unit, an optional number, a name."""

    def __init__(self, weight_unit: str, on_spike: str, number: int | None, doc: str) -> None:
        self.unit = _read_unit(weight_unit, type(self).__name__)
        self.on_spike = on_spike
        self.number = number
        self.doc = doc
        self.name: str | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name


class Receptor(_SpikePort):
    """A port that receives spikes (see :class:`neurounits.SpikeInput`).

    ``on_spike`` holds statements run when spikes arrive, with ``w`` the summed
    weight of the spikes arriving at the end of a step, e.g. ``"I_syn_ex += w"``
    or ``"dg_ex += e/tau_syn_ex * w"``.  Each must add an amount proportional
    to ``w`` to a state, so that spikes arriving together add up.
    ``number`` is an optional numeric id (NEST's receptor types).  With
    ``refractory_input=False`` spikes arriving while the neuron is refractory are
    discarded (NEST's ``iaf_psc_delta`` default); by default they act.

    Instead of ``on_spike``, a receptor may be declared by its synaptic kernel:
    ``kernel`` is ``"exponential(tau)"``, ``"alpha(tau)"`` (peak 1 at ``t = tau``),
    ``"beta(tau_rise, tau_decay)"`` (peak 1, NEST's normalisation), any of them
    with a leading ``-``, or any linear kernel as an expression of ``t``, e.g.
    ``"(t/tau)*exp(-t/tau)"``; ``state`` names the state that holds the
    weights convolved with the kernel (in the weight's unit times the kernel's),
    for the equations to use.  neurounits expands it into states, equations and
    a jump (see :mod:`neurounits.equations.kernels`; the expansion is shown in
    the model's docstring).
    """

    kind = "receptor"

    def __init__(self, weight_unit: str, on_spike: str | None = None, *, kernel: str | None = None,
                 state: str | None = None, number: int | None = None, doc: str = "",
                 refractory_input: bool = True) -> None:
        if (on_spike is None) == (kernel is None):
            raise EquationError("a Receptor takes either on_spike (statements such as 'g_ex += w') or "
                                "kernel= with state= (e.g. kernel='alpha(tau_syn)', state='g_ex'), "
                                f"not {'both' if kernel is not None else 'neither'}")
        if kernel is not None and (not isinstance(kernel, str) or not isinstance(state, str)):
            raise EquationError(f"a Receptor with a kernel needs the kernel as a string and state= (the name "
                                f"of the state that holds the convolution), got kernel={kernel!r}, "
                                f"state={state!r}")
        if kernel is None and state is not None:
            raise EquationError("a Receptor's state= goes with kernel=; with on_spike, declare the state "
                                "as nu.State and name it in the statements")
        super().__init__(weight_unit, on_spike or "", number, doc)
        self.kernel = kernel
        self.state = state
        self.refractory_input = bool(refractory_input)

    def __repr__(self) -> str:
        if self.kernel is not None:
            return f"Receptor({fmt_unit(self.unit)!r}, kernel={self.kernel!r}, state={self.state!r})"
        return f"Receptor({fmt_unit(self.unit)!r}, {self.on_spike!r})"


class PortGroup(_SpikePort):
    """A receptor whose inputs each get their own copy of some states (a "port").

    NEST's ``iaf_bw_2001_exact`` gives every NMDA connection its own rise and
    decay states; this declares such a receptor.  The number of ports is fixed
    by the spike inputs of a simulation (each :class:`~neurounits.SpikeInput` on
    the receptor opens a port unless it names one with ``port=``), and the
    kernel is generated for that number (states unrolled over ports,
    vectorised over neurons).  Each port has one weight, fixed by its inputs.

    In the texts below a name ending in ``_j`` is per port (``x_NMDA_j``
    becomes ``x_NMDA_0``, ``x_NMDA_1``, ...) and ``w_j`` is the port's weight
    (parameter ``w_<receptor>_<j>``, in ``weight_unit``).

    equations
        Differential equations of one port's states, with units
        (``"dx_NMDA_j/dt = -x_NMDA_j/tau_rise_NMDA : 1"``).
    on_spike
        Statements run when spikes arrive through a port; here ``w`` is their
        number (the multiplicity; duplicates add), e.g. ``"x_NMDA_j += w"``.
    sums
        Named expressions summed over the ports, usable in the model's
        equations (``"s_NMDA = w_j*s_NMDA_j : nS"``; zero without ports).
    """

    kind = "port group"

    def __init__(self, weight_unit: str, *, equations: str, on_spike: str, sums: str = "",
                 number: int | None = None, doc: str = "") -> None:
        super().__init__(weight_unit, on_spike, number, doc)
        self.equations = equations
        self.sums = sums

    def __repr__(self) -> str:
        return f"PortGroup({fmt_unit(self.unit)!r}, on_spike={self.on_spike!r})"


class SpikePayload:
    """A value that every spike of a model carries to the ``receptors`` of its targets (in a
    network), which add the synapse's weight times this value, as NEST's ``iaf_bw_2001`` sends its
    NMDA jump with each spike.

    The value is ``k0 + k1 * s``, where ``s`` is a presynaptic trace (starting at 0) that decays
    with time constant ``tau`` (the name of a parameter) between the neuron's spikes and grows by
    the value at each spike.  ``coefficients(params)`` returns per-neuron ``(k0, k1)`` from the
    parameters in internal units.  Such a receptor takes spikes only from models with a payload
    for it (not from spike inputs or sources).
    """

    def __init__(self, receptors: tuple[str, ...], tau: str, coefficients: Any, doc: str = "") -> None:
        self.receptors = tuple(receptors)
        self.tau = tau
        self.coefficients = coefficients
        self.doc = doc

    def __repr__(self) -> str:
        return f"SpikePayload(receptors={self.receptors!r}, tau={self.tau!r})"


class Option:
    """A structural choice that changes the equations (e.g. the nonlinearity).

    ``choices`` maps each allowed value to the text substituted for
    ``{name}`` in the model's equations, threshold and reset.  A list of
    strings substitutes each choice itself.  Values may be any hashable
    (NEST's flags are ``True``/``False``).
    """

    kind = "option"

    def __init__(self, choices: Mapping[Any, str] | Sequence[Any], default: Any,
                 *, doc: str = "") -> None:
        self.choices: dict[Any, Any] = (dict(choices) if isinstance(choices, Mapping)
                                        else {c: c for c in choices})
        if default not in self.choices:
            raise ValueError(f"Option default {default!r} is not one of {list(self.choices)}")
        self.default = default
        self.doc = doc
        self.name: str | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Option({list(self.choices)!r}, default={self.default!r})"
