"""Declarations -> :class:`~neurounits.equations.ModelSpec`, every problem of a model collected.

:func:`build_spec` translates the equations, named expressions, initial values,
threshold, reset, refractory period, constraints, receptors, update statements
and rate-input port of one model (for one combination of its options) and
dimension-checks every term.  Dimension problems and problems that do not stop
the translation are collected and raised together (a
:class:`~neurounits.DimensionError` or :class:`~neurounits.EquationError`);
a text that cannot be read at all raises at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from ..errors import EquationError, raise_problems
from ..parameters import Input, Parameter, PortGroup, Receptor, State
from ..units import as_quantity, fmt_unit, is_offset_unit, parse_unit, to_internal, ureg
from .build_base import _MS as _MS
from .build_events import _EventsMixin
from .build_events import _fmt_ms as _fmt_ms
from .build_inputs import _RATE_H as _RATE_H
from .build_inputs import _InputsMixin
from .build_lang import _LangMixin
from .functions import trunc
from .names import name_problem
from .order import order_definitions
from .parse import Name, Scope, translate
from .refractory import add_lastspike, convention, flag_names, read_refractory
from .second_order import velocity_units
from .spec import DT, TIME, ModelSpec
from .text import Line, parse_equations, statements

__all__ = ["build_spec"]

_RESERVED = {"t", "dt"}


def _offset_value(text: str) -> Any:
    """The Quantity that ``text`` denotes if it is a number in an offset unit ("20 degC"), else None."""
    if "deg" not in text:
        return None
    try:
        q = as_quantity(text)
    except Exception:
        return None
    return q if is_offset_unit(q.units) else None


def build_spec(model: str, decl: dict[str, Any], attrs: dict[str, Any], options: dict[str, str]) -> ModelSpec:
    """The checked structure of the model named ``model``.

    ``decl`` maps names to declarations (parameters, states, inputs, options,
    receptors, port groups already expanded); ``attrs`` holds the class
    attributes (``equations``, ``threshold``, ``reset``, ...); ``options`` the
    chosen value of each option.
    """
    return _Builder(model, decl, attrs, options).build()


class _Builder(_EventsMixin, _InputsMixin, _LangMixin):
    def build(self) -> ModelSpec:
        self.convention = convention(self.model, self.attrs.get("refractory_convention") or "nest")
        add_lastspike(self.model, self.decl, self.attrs)
        self.decl.update(velocity_units(self.attrs.get("equations"), self.decl, State))
        lines = parse_equations(self.model, self.attrs.get("equations") or "")
        self._declare_states(lines)
        self._check_units()
        self.random: list = []
        params = {k: v for k, v in self.decl.items() if isinstance(v, Parameter)}
        derived = self._derived(params)
        states = {k: v for k, v in self.decl.items() if isinstance(v, State)}
        inputs = {k: v for k, v in self.decl.items() if isinstance(v, Input)}
        symbols = self._symbols(params, states, inputs)
        typed = self._typed_states(states)
        initial = self._initial(states, params)
        ref = self.attrs.get("refractory")
        flag_names(self, ref is not None and (isinstance(ref, str) or hasattr(ref, "units") or ref != 0))
        expressions, odes, hold = self._equations(lines, states)
        self._typed_odes(typed, odes)
        self.scope.noise = None  # white noise: in equations and update statements only
        threshold = self._threshold()
        reset = self._reset(states)
        refractory, ref_condition = read_refractory(self, self.attrs.get("refractory"))
        constraints = self._constraints()
        receptors = self._receptors(states)
        by_sign = self._by_sign(receptors)
        update = self._update(states, odes, receptors)
        after = self._after_step(states, odes)
        input_effects = self._input_effects(states)
        lower_bounds = self._lower_bounds(states)
        rate = self._rate(inputs)
        self._raise()
        hold = self._held(hold, states, refractory)
        if self.convention == "brian2":  # t in the threshold and reset: Brian2's clock, the step's start
            threshold = None if threshold is None else threshold.xreplace({TIME: TIME - DT})
            reset = tuple((k, e.xreplace({TIME: TIME - DT})) for k, e in reset)
        return ModelSpec(
            name=self.model, parameters=params, states={k: v.unit for k, v in states.items()},
            inputs={k: v.unit for k, v in inputs.items()}, options=dict(self.options), symbols=symbols,
            initial=initial, odes=odes, expressions=expressions, threshold=threshold, reset=reset,
            refractory=refractory, hold=hold, constraints=constraints, receptors=receptors,
            refractory_condition=ref_condition, refractory_convention=self.convention,
            receptor_by_sign=by_sign, update=update, input_effects=input_effects, lower_bounds=lower_bounds,
            events_in_substeps=bool(self.attrs.get("threshold_in_substeps")),
            default_method=self.attrs.get("default_method"), noise=tuple(self.noise), **rate,
            ports=dict(self.attrs.get("_ports") or {}),
            hold_after_step=bool(self.attrs.get("refractory_integrates")),
            expressions_before_events=bool(self.attrs.get("record_expressions_before_events")),
            after_step=after, random=tuple(self.random), dtypes=typed, derived=derived)

    def _symbols(self, params: dict, states: dict, inputs: dict) -> dict[str, sympy.Symbol]:
        """The symbols of parameters (p_), states (x_) and inputs (u_), entered in the scope with t."""
        symbols = {}
        for prefix, group, kind in (("p", params, "parameter"), ("x", states, "state"),
                                    ("u", inputs, "input")):
            for k, v in group.items():
                if k in _RESERVED:
                    self.fail(f"the name '{k}' is reserved (time and the time step); rename the {kind}")
                sym = sympy.Symbol(f"{prefix}_{k}", real=True)
                symbols[k] = sym
                self.scope.names[k] = Name(kind, v.unit, sym)
        self.scope.names["t"] = Name("time", _MS, TIME)
        return symbols

    def _held(self, hold: tuple, states: dict, refractory: Any) -> tuple:
        """The states held while refractory: ``refractory_hold`` if given; else those marked by the
        equations; else, in NEST's convention, every state (Brian2's: only the equations marked)."""
        if self.attrs.get("refractory_hold") is not None:
            hold = tuple(self.attrs["refractory_hold"])
            bad = [k for k in hold if k not in states]
            if bad:
                raise EquationError(f"model '{self.model}': refractory_hold names {bad}, which are not "
                                    f"states; states: {list(states)}")
        elif not hold and refractory is not None and self.convention == "nest":
            hold = tuple(states)
        return hold

    def _unit(self, text: str, where: str, line: str) -> Any:
        """The unit written after ':' in ``line``; None (and a problem) if it cannot be read."""
        try:
            return parse_unit(text)
        except Exception as exc:  # pint's errors come in many types
            if line in self._bad_units:  # reported once
                return None
            self._bad_units.add(line)
            self.fail_at(where, f"cannot read the unit {text!r} ({exc}) in\n    {line}\n"
                      "Write a unit such as 'mV', 'pA', '1/ms' or 'mV/ms' after the ':'")
            return None

    def _check_units(self) -> None:
        """Offset units (degC, degF) cannot be the unit of what equations add and multiply."""
        for k, v in self.decl.items():
            if isinstance(v, State | Input | Receptor | PortGroup) and is_offset_unit(v.unit):
                self.fail(f"{v.kind} '{k}' is declared in the offset unit {fmt_unit(v.unit)}, which "
                          "cannot be added or multiplied; declare it in K (kelvin) and give values in "
                          "degC where you like (20 degC converts to 293.15 K)")

    def _raise(self) -> None:
        raise_problems(f"model '{self.model}' is inconsistent", self.problems, EquationError)

    def _declare_states(self, lines: list[Line]) -> None:
        bad = [p for ln in lines if ln.name not in self.decl
               for p in [name_problem("state" if ln.kind == "ode" else "named expression", ln.name)] if p]
        raise_problems(f"model '{self.model}'", list(dict.fromkeys(bad)), EquationError)
        for ln in lines:
            if ln.kind != "ode" or ln.name in self.decl:
                continue
            if ln.unit is None:
                raise EquationError(
                    f"model '{self.model}': '{ln.name}' has a differential equation but is not declared; "
                    f"declare {ln.name} = nu.State('mV') (with its unit) or write ': <unit>' after "
                    "the equation")
            unit = self._unit(ln.unit, f"equation for '{ln.name}'", ln.text)
            self.decl[ln.name] = State(unit if unit is not None else "1")
        for ln in lines:
            other = self.decl.get(ln.name)
            if ln.kind == "ode" and other is not None and not isinstance(other, State):
                self.fail(f"'{ln.name}' has a differential equation but is declared as a {other.kind}")
            if ln.kind == "def" and other is not None:
                self.fail(f"the named expression '{ln.name}' has the name of a {other.kind}; rename one")

    def _initial(self, states: dict, params: dict) -> dict[str, sympy.Expr]:
        """Initial values: expressions of the parameters, or values (converted to the state's unit)."""
        pscope = Scope(self.model, {k: v for k, v in self.scope.names.items() if v.kind == "parameter"},
                       time=False, time_why="an initial value may use parameters only (every state starts "
                       "at t = 0)", random=self.random)
        # states are visible only to be refused by name (V = V, V = w with w = V): without them a state
        # named like a unit ('V') would be read as that unit
        pscope.names.update({k: v for k, v in self.scope.names.items() if v.kind == "state"})
        out = {}
        refs: dict[str, list[str]] = {}
        for k, st in states.items():
            where = f"initial value of state '{k}'"
            init = st.initial
            if isinstance(init, bool) or (st.dtype == "bool" and init in ("True", "False")):
                init = int(init in (True, "True"))  # a flag's initial value
            if init is None:
                out[k] = sympy.Float(0.0)
                continue
            if isinstance(init, str) and _offset_value(init) is not None:
                init = _offset_value(init)  # "20 degC": a value, converted as pint defines it
            if isinstance(init, str):
                res, probs = translate(init, pscope, where, expected=st.unit, what="the initial value")
                self.problems.extend(probs)
                used = sorted(s.name[2:] for s in res.sym.free_symbols if s.name.startswith("x_"))
                if used:
                    refs[k] = used
                out[k] = self._typed_initial(k, res.sym, st.dtype) if st.dtype != "float" else res.sym
                continue
            try:
                q = as_quantity(init)
            except Exception as exc:
                self.fail(f"{where}: cannot read {init!r} as a value ({exc}); give a value such as "
                          f"'1 {fmt_unit(st.unit)}' or the name of a parameter")
                out[k] = sympy.Float(0.0)
                continue
            if q.dimensionality != st.unit.dimensionality:
                self.fail(f"{where}: expected a value in {fmt_unit(st.unit)}, got {q:~}", True)
                out[k] = sympy.Float(0.0)
            elif np.ndim(q.magnitude) or np.iscomplexobj(q.magnitude):
                self.fail(f"{where}: expected one real value, got {init!r}; give per-neuron initial "
                          "values to simulate(initial=...)")
                out[k] = sympy.Float(0.0)
            else:
                out[k] = sympy.Float(float(to_internal(q.to(st.unit))))
        for k, used in refs.items():
            for other in used:
                if other == k:
                    self.fail_at(f"initial value of state '{k}'",
                                 f"refers to itself ({states[k].initial!r}); "
                              "an initial value may use parameters only, e.g. initial={'"
                              f"{k}': 'E_L'}} or a value such as '0 {fmt_unit(states[k].unit)}'")
                    continue
                cycle = " (and that state's initial value refers back: a cycle)" if k in refs.get(other, ()) \
                    else ""
                self.fail_at(f"initial value of state '{k}'", f"refers to the state '{other}'{cycle}; an "
                          "initial value may use parameters only (every state starts at the same time), "
                          f"e.g. initial={{'{k}': 'E_L'}} or a value such as '0 {fmt_unit(states[k].unit)}'")
        return out

    def _equations(self, lines: list[Line], states: dict):
        self.scope.noise = self.noise = []
        expressions: dict[str, tuple] = {}
        odes: dict[str, sympy.Expr] = {}
        hold: list[str] = []
        for ln in order_definitions(self.model, lines):  # each after the named expressions it uses
            if ln.kind == "def":
                where = f"named expression '{ln.name}'"
                if ln.name in expressions:
                    self.fail(f"the named expression '{ln.name}' is defined twice (the second time in "
                              f"'{ln.text}'); give each its own name")
                    continue
                declared = self._unit(ln.unit, where, ln.text) if ln.unit else None
                if declared is not None and is_offset_unit(declared):
                    self.fail(f"{where}: the offset unit {fmt_unit(declared)} cannot be the unit of an "
                              "expression (it cannot be added or multiplied); use K (kelvin)")
                    declared = ureg.Unit("K")
                res = self.tr(ln.expr, where, declared, "the expression")
                unit = declared if declared is not None else res.unit
                expressions[ln.name] = (res.sym, unit)
                self.scope.names[ln.name] = Name("expression", unit, res.sym)
        for ln in lines:
            if ln.kind != "ode":
                continue
            if ln.name in odes:
                self.fail(f"'{ln.name}' has two differential equations")
            st_unit = states[ln.name].unit
            given = self._unit(ln.unit, f"equation for '{ln.name}'", ln.text) if ln.unit is not None else None
            if given is not None and given.dimensionality != st_unit.dimensionality:
                self.fail(f"equation for '{ln.name}': the unit after ':' ({ln.unit}) does not match the "
                          f"state's declared unit ({fmt_unit(st_unit)})", True)
            res = self.tr(ln.expr, f"equation for '{ln.name}'", st_unit / _MS, "the right-hand side")
            odes[ln.name] = res.sym
            self._check_noise_linear(ln.name, res.sym)
            if "unless refractory" in ln.flags:
                hold.append(ln.name)
        return expressions, odes, tuple(hold)

    def _check_noise_linear(self, name: str, rhs: sympy.Expr) -> None:
        """White noise must enter an equation linearly: f + g1*xi + g2*xi_2 + ..."""
        xis = [s for s in rhs.free_symbols if s.name.startswith("_n_")]
        if not xis:  # (nothing to check: no expansion, which can be costly for large expressions)
            return
        rest = rhs
        for xi in xis:
            g = sympy.diff(rhs, xi)
            rest = rest - g * xi
            if any(s.name.startswith("_n_") for s in g.free_symbols):
                rest = None
                break
        if rest is not None and not any(s.name.startswith("_n_") for s in sympy.expand(rest).free_symbols):
            return
        raise EquationError(f"model '{self.model}', equation for '{name}': the white noise must enter "
                            "linearly, as a term g*xi added to the drift (g free of any noise), e.g. "
                            f"'d{name}/dt = -{name}/tau + sigma*xi'")
    def _update(self, states: dict, odes: dict, receptors: dict) -> tuple:
        """Discrete-time update statements, run in order once per step (instead of ODEs)."""
        text = self.attrs.get("update")
        if not text:
            return ()
        if odes:
            raise EquationError(f"model '{self.model}': a model has either differential equations or "
                                "update statements, not both")
        scope = Scope(self.model, dict(self.scope.names), noise=self.noise, random=self.random)
        scope.names["dt"] = Name("time", _MS, DT)
        for r, spec in receptors.items():
            scope.names[r] = Name("input", spec.unit, sympy.Symbol(f"_rb_{r}", real=True))
        out: list[tuple[sympy.Symbol, sympy.Expr]] = []
        current: dict[str, int] = {}  # target -> number of assignments so far
        for target, op, expr, stmt in statements(self.model, "update", text,
                                                  "V = V + dt*(E_L - V)/tau"):
            where = f"update of '{target}'"
            known = scope.names.get(target)
            if known is not None and known.kind not in ("state", "expression"):
                raise EquationError(f"model '{self.model}', update: '{stmt}' assigns to the "
                                    f"{known.kind} '{target}'; only states and temporaries can be assigned")
            if known is None and op != "=":
                raise EquationError(f"model '{self.model}', update: '{target}' is used in '{stmt}' "
                                    "before it has a value")
            dtype = getattr(states.get(target), "dtype", "float")
            expected = None if known is None or dtype == "bool" else (
                ureg.dimensionless if op in ("*=", "/=") else known.unit)
            res, probs = translate(expr, scope, where, expected=expected, what=f"the value of '{target}'")
            self.problems.extend(probs)
            if dtype == "bool":
                value = self._flag_value(target, op, res, expr, where)
            else:
                old = None if known is None else known.sym
                value = {"=": res.sym, "+=": (old or 0) + res.sym, "-=": (old or 0) - res.sym,
                         "*=": (old or 0) * res.sym, "/=": (old or 1) / res.sym}[op]
                value = trunc(value) if dtype == "int" else value
            n = current.get(target, 0) + 1
            current[target] = n
            sym = sympy.Symbol(f"_u{n}_{target}", real=True)
            out.append((sym, value))
            kind = "state" if target in states else "expression"
            unit = known.unit if known is not None else res.unit
            scope.names[target] = Name(kind, unit, sympy.Ne(sym, 0) if dtype == "bool" else sym)
        return tuple(out)
