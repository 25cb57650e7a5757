"""``Model``: a neuron model declared with units, checked when it is declared.

A model is declared as a subclass (see :class:`Model`) or with
:meth:`Model.from_equations`.  When the class is created, every equation,
named expression, threshold, reset, refractory period and constraint is parsed
and every term is dimension-checked; all problems of the model are reported in
one :class:`~neurounits.DimensionError` or :class:`~neurounits.EquationError`.
Constructing an instance checks every parameter value the same way
(:class:`~neurounits.DimensionError` / :class:`~neurounits.ParameterError`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ..checks import require_count
from ..errors import EquationError, ParameterError, Problem, did_you_mean, raise_problems
from ..parameters import Input, Option, Parameter, PortGroup, Receptor, State, check_value
from ..units import fmt_unit
from . import speccache
from .derived import Derived
from .names import name_problem
from .ports import expand_ports
from .text import parse_equations
from .values import _fmt_at as _fmt_at
from .values import _fmt_q, _ParameterValues, _raise_value_problems
from .values import _numeric as _numeric

if TYPE_CHECKING:
    from .spec import DT, TIME, ModelSpec

__all__ = ["DT", "TIME", "Model", "ModelSpec"]


def __getattr__(name: str) -> Any:  # DT, TIME and ModelSpec import sympy: on first use
    if name in ("DT", "TIME", "ModelSpec"):
        from . import spec

        return getattr(spec, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_CLASS_ATTRS = {"equations", "threshold", "reset", "refractory", "constraints", "receptor_by_sign",
                "update", "rate_input", "rate_nonlinearity", "rate_summation", "refractory_convention",
                "after_step"}
_DECL_TYPES = (Parameter, State, Input, Option, Receptor, PortGroup)


class Model(_ParameterValues):
    """Base class of every neuron model.

    Subclass it and declare parameters, states, inputs and equations::

        class LIF(nu.Model):
            tau_m = nu.Parameter("10 ms", doc="membrane time constant")
            V_rest = nu.Parameter("-65 mV")
            V_th = nu.Parameter("-50 mV")
            V_reset = nu.Parameter("-65 mV")
            R = nu.Parameter("100 MOhm")
            t_ref = nu.Parameter("2 ms", nonnegative=True)
            V = nu.State("mV", initial="V_rest")
            I = nu.Input("pA")
            equations = "dV/dt = (-(V - V_rest) + R*I) / tau_m"
            threshold = "V > V_th"
            reset = "V = V_reset"
            refractory = "t_ref"
            constraints = ("V_reset < V_th",)

    Every term is dimension-checked when the class statement runs.  Construct
    with ``LIF(n=100, tau_m="20 ms")``: values may be Quantities, strings or
    per-neuron arrays of length ``n``; every value is checked and all problems
    are reported together.

    Attributes
    ----------
    equations : str
        ``dX/dt = expr [: unit] [(unless refractory)]`` lines and named
        expressions ``name = expr : unit``.  With ``(unless refractory)`` on
        any equation, only those states are held during the refractory period;
        otherwise all states are held.
    threshold, reset, refractory, constraints
        A condition (``"V > V_th"``); statements (``"V = V_reset; w += b"``,
        ``=``, ``+=``, ``-=``, ``*=``, ``/=``); a parameter name, expression or
        duration (or, in Brian2's convention, a condition such as
        ``"v > -40*mV"``); conditions on parameters checked at construction.
    refractory_convention : str
        ``"nest"`` (the default here): ``ceil(t_ref/dt)`` refractory steps, all
        states held unless equations are marked ``(unless refractory)``;
        ``"brian2"`` (the default of :meth:`from_equations`): the period counted
        as Brian2 counts it, only the marked equations held, a condition allowed.
        See :mod:`neurounits.equations.refractory` (also for ``not_refractory``
        and ``lastspike`` in expressions).
    after_step : str
        Statements run in order after each integration step (clamps, exact updates; docs/language.rst).
    refractory_integrates : bool
        If True, the held states (``refractory_hold``) are integrated with
        their equations during the refractory period and put back to their
        value at the start of the step afterwards (NEST's ``iaf_bw_2001``
        models clamp V this way); by default their derivatives are zero.
    lower_bounds : dict
        State -> expression of the parameters: after each step and its spike inputs, unless
        refractory, the state is raised to the bound (NEST's ``V_min``), e.g. ``{"V_m": "V_min"}``.
    record_expressions_before_events : bool
        If True, recorded named expressions are those of the integrated end
        state of each step, before its spike inputs, threshold, reset and
        refractory hold (NEST records the currents its right-hand side stored).
    unavailable_receptors : dict
        Receptor name -> why spike inputs cannot use it yet (simulate raises
        ParameterError with that text).
    spike_payload : SpikePayload or None
        A value each spike carries to the targets' receptors named in it (networks).
    rate_output : str or None
        The state a rate model sends through rate projections (networks), e.g. ``"rate"``.
    """

    equations: ClassVar[str] = ""
    threshold: ClassVar[str | None] = None
    reset: ClassVar[str | None] = None
    refractory: ClassVar[Any] = None
    refractory_convention: ClassVar[str] = "nest"
    constraints: ClassVar[tuple[str, ...]] = ()
    receptor_by_sign: ClassVar[tuple[str, str] | None] = None
    integrator_options: ClassVar[dict[str, float | str]] = {}
    update: ClassVar[str | None] = None
    after_step: ClassVar[str | None] = None
    threshold_in_substeps: ClassVar[bool] = False
    refractory_hold: ClassVar[tuple[str, ...] | None] = None
    default_method: ClassVar[str | None] = None
    refractory_integrates: ClassVar[bool] = False
    record_expressions_before_events: ClassVar[bool] = False
    lower_bounds: ClassVar[dict[str, str] | None] = None
    unavailable_receptors: ClassVar[dict[str, str]] = {}
    spike_payload: ClassVar[Any] = None
    rate_output: ClassVar[str | None] = None
    rate_input: ClassVar[str | None] = None
    rate_nonlinearity: ClassVar[str | None] = None
    rate_summation: ClassVar[str | None] = None
    _decl: ClassVar[dict[str, Any]] = {}
    _specs: ClassVar[dict[tuple, ModelSpec]] = {}
    _model_name: ClassVar[str] = "Model"
    _kernel_text: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        decl: dict[str, Any] = {}
        for base in reversed(cls.__mro__[1:]):
            decl.update(getattr(base, "_decl", {}))
        model_name = cls.__dict__.get("_model_name", cls.__name__)
        bad = [p for k, v in cls.__dict__.items() if isinstance(v, _DECL_TYPES)
               for p in [name_problem(v.kind, k)] if p is not None]
        raise_problems(f"model '{model_name}'", bad, EquationError)
        for k, v in list(cls.__dict__.items()):
            if isinstance(v, _DECL_TYPES):
                if k in _CLASS_ATTRS:
                    raise EquationError(f"model '{cls.__name__}': the name '{k}' is reserved by "
                                        "nu.Model; rename the " + v.kind)
                v.name = k
                decl[k] = v
                delattr(cls, k)
        cls._decl = decl
        cls._specs = {}
        cls._model_name = cls.__dict__.get("_model_name", cls.__name__)
        if cls.equations or cls.threshold or cls.update:
            for combo in cls._option_combos():
                cls._spec_for(combo)
        if cls.__dict__.get("_kernel_text"):  # what the kernels expand into, for the user to see
            shown = "\n".join(f"    {line}" for line in cls._kernel_text.splitlines())
            head = "Synaptic kernels, as expanded by neurounits::"
            cls.__doc__ = (cls.__doc__ or "").rstrip() + f"\n\n{head}\n\n{shown}\n"

    # -- class-level structure -------------------------------------------------
    @classmethod
    def _options(cls) -> dict[str, Option]:
        return {k: v for k, v in cls._decl.items() if isinstance(v, Option)}

    @classmethod
    def _option_combos(cls) -> list[dict[str, str]]:
        opts = cls._options()
        names = list(opts)
        return [dict(zip(names, c, strict=True))
                for c in itertools.product(*[list(opts[k].choices) for k in names])]

    @classmethod
    def _spec_for(cls, options: dict[str, str], ports: Mapping[str, int] | None = None) -> ModelSpec:
        """The structure for these options; ``ports`` (port group -> number of ports) expands
        the model's :class:`~neurounits.PortGroup` declarations (none by default)."""
        key: tuple[tuple[str, object], ...] = tuple(sorted(options.items()))
        if ports and any(ports.values()):
            key += (("__ports__", tuple(sorted(ports.items()))),)
        spec = cls._specs.get(key)
        if spec is None:
            attrs = {a: getattr(cls, a) for a in ("equations", "threshold", "reset", "refractory",
                                                 "constraints", "receptor_by_sign", "update",
                                                 "threshold_in_substeps", "refractory_hold",
                                                 "default_method", "rate_input", "rate_nonlinearity",
                                                 "rate_summation", "refractory_integrates",
                                                 "record_expressions_before_events",
                                                 "refractory_convention", "after_step",
                                                 "lower_bounds")}
            decl = cls._decl
            if any(isinstance(v, Receptor) and v.kernel is not None for v in decl.values()):
                from .kernels import expand_kernels  # (sympy: only for models with kernels)

                decl, attrs = expand_kernels(cls._model_name, decl, attrs)
                cls._kernel_text = attrs["_kernels"]
            if any(isinstance(v, PortGroup) for v in decl.values()):
                decl, attrs = expand_ports(decl, attrs, ports or {})
            spec = speccache.cached_spec(cls._model_name, decl, attrs, options)
            cls._specs[key] = spec
        return spec

    @classmethod
    def parameter_table(cls) -> str:
        """The parameters with their units, defaults and docs, as text."""
        rows = [f"{k:<12} {fmt_unit(v.unit):<10} {v.default!s:<12} {v.doc}"
                if not isinstance(v, Derived) else f"{k:<12} {'':<10} {'= ' + v.expression:<12} {v.doc}"
                for k, v in cls._decl.items() if isinstance(v, Parameter)]
        return "\n".join(rows)

    @classmethod
    def from_equations(
        cls,
        equations: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        initial: Mapping[str, Any] | None = None,
        inputs: Mapping[str, str] | None = None,
        threshold: str | None = None,
        reset: str | None = None,
        refractory: Any = None,
        constraints: tuple[str, ...] = (),
        name: str = "Model",
        refractory_convention: str = "brian2",
        after_step: str | None = None,
    ) -> type[Model]:
        """Declare a model class from strings.

        Examples
        --------
        >>> import neurounits as nu
        >>> Leaky = nu.Model.from_equations(
        ...     "dV/dt = (E_L - V)/tau : mV",
        ...     parameters={"E_L": "-70 mV", "tau": "10 ms"}, initial={"V": "E_L"}, name="Leaky")
        >>> Leaky(n=3).parameters["tau"]
        <Quantity(10.0, 'millisecond')>
        """
        if not isinstance(name, str) or not name.strip():
            raise EquationError(f"the model's name must be a non-empty string, got {name!r}")
        if not isinstance(equations, str):
            raise EquationError(f"model '{name}': the equations must be a string, got "
                                f"{type(equations).__name__}")
        attrs: dict[str, Any] = {"equations": equations, "threshold": threshold, "reset": reset,
                                 "refractory": refractory, "constraints": tuple(constraints),
                                 "_model_name": name, "refractory_convention": refractory_convention,
                                 "after_step": after_step}
        parameters, inputs = dict(parameters or {}), dict(inputs or {})
        lines = parse_equations(name, equations)
        odes = [ln.name for ln in lines if ln.kind == "ode"]
        problems = [p for kind, names in (("parameter", parameters), ("input", inputs)) for k in names
                    for p in [name_problem(kind, k)] if p is not None]
        for k in parameters:
            if k in inputs:
                problems.append(f"'{k}' is declared both as a parameter and as an input; rename one")
            if k in odes:
                problems.append(f"'{k}' is declared both as a parameter and as a state (it has a "
                                "differential equation); rename one")
        problems += [f"'{k}' is declared both as an input and as a state (it has a differential "
                     "equation); rename one" for k in inputs if k in odes]
        raise_problems(f"model '{name}'", problems, EquationError)
        for kind, given, make in (("parameter", parameters, Parameter), ("input", inputs, Input)):
            for k, v in given.items():
                try:
                    attrs[k] = v if isinstance(v, make) else make(v)
                except EquationError as exc:
                    raise EquationError(f"model '{name}', {kind} '{k}': {exc}") from None
        for line in lines:
            if line.kind == "ode":
                if line.unit is None:
                    raise EquationError(f"model '{name}': write the unit of '{line.name}' after its "
                                        f"equation, e.g. 'd{line.name}/dt = ... : mV'")
                try:
                    attrs[line.name] = State(line.unit, initial=(initial or {}).get(line.name))
                except EquationError as exc:
                    raise EquationError(f"model '{name}', equation for '{line.name}': {exc}\n"
                                        f"    {line.text}") from None
        unknown = set(initial or {}) - {k for k, v in attrs.items() if isinstance(v, State)}
        if unknown:
            raise EquationError(f"model '{name}': initial values given for {sorted(unknown)}, "
                                "which have no differential equation")
        return type(name, (Model,), attrs)

    # -- instances -------------------------------------------------------------
    def __init__(self, n: int = 1, **values: Any) -> None:
        cls = type(self)
        if not (cls.equations or cls.threshold or cls.update):
            raise EquationError(f"model '{cls._model_name}' declares no equations or threshold")
        self.n = require_count(f"model '{cls._model_name}': n (the number of neurons)", n)
        options, problems = self._read_options(values)
        self.spec = cls._spec_for(options)
        self.options = options
        params: dict[str, Any] = {}
        for k, p in self.spec.parameters.items():
            where = f"model '{cls._model_name}', parameter '{k}'"
            if isinstance(p, Derived):
                if k in values:
                    values.pop(k)
                    problems.append(Problem(f"model '{cls._model_name}': '{k}' is a derived parameter "
                                            f"({p.expression}) and cannot be given a value; give the "
                                            "parameters it is computed from"))
                continue
            given = values.pop(k, p.default)
            if given is None:
                problems.append(Problem(f"{where}: no value given and no default; pass {k}=..."))
                continue
            chk = check_value(where, given, p.unit, self.n, positive=p.is_positive(k),
                              nonnegative=p.nonnegative)
            problems.extend(chk.problems)
            if chk.quantity is not None:
                params[k] = chk.quantity
        for k in values:
            tip = did_you_mean(k, [*self.spec.parameters, *cls._options()])
            problems.append(Problem(f"model '{cls._model_name}' has no parameter '{k}'.{tip} "
                                    f"Parameters: {', '.join(self.spec.parameters)}"))
        self._parameters = params
        self._set_derived(problems)
        if not problems:
            problems.extend(self._check_constraints())
            problems.extend(self._check_refractory())
        _raise_value_problems(cls._model_name, problems)
        object.__setattr__(self, "_constructed", True)

    _FROZEN_ATTRS: ClassVar[frozenset[str]] = frozenset({"n", "spec", "options"})

    def __setattr__(self, name: str, value: Any) -> None:
        """Parameters, options, n and the structure are fixed at construction: assigning one raises
        (it would otherwise be ignored by every run); other attributes may be set freely."""
        if self.__dict__.get("_constructed") and (name in self._FROZEN_ATTRS or name in type(self)._decl):
            cls = type(self)
            if name in self.spec.parameters:
                raise ParameterError(
                    f"model '{cls._model_name}': parameters are fixed when the model is constructed, so "
                    f"'{name} = ...' on a model cannot take effect. Construct a new model, e.g. "
                    f"{cls.__name__}(n={self.n}, {name}=...), or, for a simulation in progress, use "
                    f"Simulation.set_parameter({name!r}, ...)")
            raise ParameterError(f"model '{cls._model_name}': '{name}' is fixed when the model is "
                                 f"constructed and cannot be assigned; construct a new model instead")
        object.__setattr__(self, name, value)

    def _read_options(self, values: dict) -> tuple[dict[str, str], list[Problem]]:
        out, problems = {}, []
        for k, opt in type(self)._options().items():
            v = values.pop(k, opt.default)
            if v not in opt.choices:
                problems.append(Problem(f"model '{type(self)._model_name}', option '{k}': expected one of "
                                        f"{list(opt.choices)}, got {v!r}"))
                v = opt.default
            out[k] = v
        return out, problems

    @property
    def name(self) -> str:
        return type(self)._model_name

    @property
    def parameters(self) -> dict[str, Any]:
        """Parameter values as Quantities in their declared units (scalar or per neuron)."""
        return dict(self._parameters)

    @property
    def states(self) -> dict[str, Any]:
        """State names and their units."""
        return dict(self.spec.states)

    @property
    def inputs(self) -> dict[str, Any]:
        """Input names and their units, in declaration order."""
        return dict(self.spec.inputs)

    def __getattr__(self, name: str) -> Any:
        for where in ("_parameters", "_derived"):
            params = self.__dict__.get(where)
            if params is not None and name in params:
                return params[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={_fmt_q(v)}" for k, v in self._parameters.items())
        if self._derived:
            shown += "; derived: " + ", ".join(f"{k}={_fmt_q(v)}" for k, v in self._derived.items())
        return f"{self.name}(n={self.n}, {shown})"
