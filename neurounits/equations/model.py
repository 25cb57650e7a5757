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

import functools
import hashlib
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import sympy

from ..checks import require_count
from ..errors import EquationError, did_you_mean, raise_problems
from ..parameters import Input, Option, Parameter, PortGroup, Problem, Receptor, State, check_value
from ..units import Q_, fmt_unit, parse_unit, to_internal, ureg
from .parse import Name, Scope, translate

__all__ = ["Model", "ModelSpec"]

TIME = sympy.Symbol("t", real=True)
DT = sympy.Symbol("dt", positive=True)
_MS = ureg.Unit("ms")
_RESERVED = {"t", "dt"}
_CLASS_ATTRS = {"equations", "threshold", "reset", "refractory", "constraints", "receptor_by_sign",
                "update", "rate_input", "rate_nonlinearity", "rate_summation"}
_RATE_H = sympy.Symbol("_h", real=True)  # the argument of a model's rate-input nonlinearity


@dataclass(frozen=True)
class ReceptorSpec:
    """A spike port: the weight's unit, an optional number, and its effects.

    ``effects`` lists ``(state, coefficient)``: a summed weight ``w`` arriving at
    the end of a step adds ``coefficient * w`` to the state (internal units).
    """

    unit: Any
    number: int | None
    effects: tuple[tuple[str, sympy.Expr], ...]


@dataclass(frozen=True)
class ModelSpec:
    """The checked, immutable structure of a model (one per combination of options).

    All sympy expressions are in internal units (see :mod:`neurounits.units`);
    parameters appear as ``p_<name>``, states as ``x_<name>``, inputs as
    ``u_<name>`` and time as ``t``.
    """

    name: str
    parameters: dict[str, Parameter]
    states: dict[str, Any]  # name -> unit
    inputs: dict[str, Any]  # name -> unit
    options: dict[str, str]
    symbols: dict[str, sympy.Symbol]
    initial: dict[str, sympy.Expr]
    odes: dict[str, sympy.Expr]
    expressions: dict[str, tuple[sympy.Expr, Any]]
    threshold: Any
    reset: tuple[tuple[str, sympy.Expr], ...]
    refractory: sympy.Expr | None
    hold: tuple[str, ...]
    constraints: tuple[tuple[str, Any], ...]
    receptors: dict[str, ReceptorSpec] = field(default_factory=dict)
    receptor_by_sign: tuple[str, str] | None = None
    update: tuple[tuple[sympy.Symbol, sympy.Expr], ...] = ()
    events_in_substeps: bool = False
    default_method: str | None = None
    ports: dict[str, tuple[str, ...]] = field(default_factory=dict)  # port group -> its port receptors
    hold_after_step: bool = False  # held states integrate freely, then return to their start value
    expressions_before_events: bool = False  # record named expressions at the integrated end state
    noise: tuple[str, ...] = ()  # white-noise names (xi, xi_<suffix>), in the order of their index
    rate_channels: tuple[str, ...] = ()  # inputs driven by rate_inputs: (all,), (ex, in) or (all, ex, in)
    rate_phi: sympy.Expr | None = None  # the rate-input nonlinearity, of _h and parameters
    rate_linear: bool = True  # phi of the summed input (True) or the sum of each input's phi (False)

    @property
    def key(self) -> str:
        """A hash of the structure (not of any parameter value)."""
        parts = [self.name, repr(sorted(self.options.items()))]
        parts += [f"{k}:{fmt_unit(u)}" for k, u in self.states.items()]
        parts += [f"{k}:{fmt_unit(u)}" for k, u in self.inputs.items()]
        parts += [f"{k}={sympy.srepr(e)}" for k, e in self.odes.items()]
        parts += [f"{k}={sympy.srepr(e)}" for k, (e, _) in self.expressions.items()]
        parts += [sympy.srepr(self.threshold), repr([(k, sympy.srepr(e)) for k, e in self.reset])]
        parts += [repr(self.hold), list(self.parameters).__repr__()]
        parts += [f"{k}:{fmt_unit(r.unit)}:{[(x, sympy.srepr(c)) for x, c in r.effects]}"
                  for k, r in self.receptors.items()]
        parts += [f"{t.name}={sympy.srepr(e)}" for t, e in self.update]
        parts.append(f"substeps={self.events_in_substeps}")
        if self.ports or self.hold_after_step or self.expressions_before_events:
            parts.append(f"ports={sorted(self.ports.items())} hold_after_step={self.hold_after_step} "
                         f"before_events={self.expressions_before_events}")
        if self.noise or self.rate_channels:
            parts.append(f"noise={self.noise} rate={self.rate_channels}:{sympy.srepr(self.rate_phi)}:"
                         f"{self.rate_linear}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]

    def recordable(self) -> dict[str, Any]:
        """Names that can be recorded, with their units."""
        out = dict(self.states)
        out.update({k: u for k, (_, u) in self.expressions.items()})
        if self.refractory is not None:
            out["refractory"] = ureg.dimensionless
        return out


# --------------------------------------------------------------------------- parsing helpers
_ODE = re.compile(r"^d\s*([A-Za-z_]\w*)\s*/\s*dt\s*=(.*)$")
_DEF = re.compile(r"^([A-Za-z_]\w*)\s*=(?!=)(.*)$")
_FLAGS = re.compile(r"\(\s*([a-z ,]+)\s*\)\s*$")
_ASSIGN = re.compile(r"^([A-Za-z_]\w*)\s*(=|\+=|-=|\*=|/=)(?!=)\s*(.+)$")


def _logical_lines(text: str) -> list[str]:
    lines, buf, depth = [], "", 0
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        buf = f"{buf} {line.strip()}" if buf else line.strip()
        depth = buf.count("(") - buf.count(")")
        if depth <= 0 and not buf.endswith("\\"):
            lines.append(buf)
            buf = ""
        else:
            buf = buf.rstrip("\\")
    if buf:
        lines.append(buf)
    return lines


def _split_unit(rhs: str) -> tuple[str, str | None, set[str]]:
    flags: set[str] = set()
    m = _FLAGS.search(rhs)
    if m and m.group(1).strip() in ("unless refractory",):
        flags = {f.strip() for f in m.group(1).split(",")}
        rhs = rhs[: m.start()]
    if ":" in rhs:
        expr, unit = rhs.rsplit(":", 1)
        return expr.strip(), unit.strip(), flags
    return rhs.strip(), None, flags


def _statements(model: str, where: str, text: str, example: str) -> list[tuple[str, str, str, str]]:
    """Split ``a = b; c += d`` into (target, operator, expression, statement) tuples."""
    out = []
    for stmt in re.split(r"[;\n]", text):
        stmt = stmt.strip()
        if not stmt:
            continue
        m = _ASSIGN.match(stmt)
        if not m:
            raise EquationError(f"model '{model}', {where}: cannot read '{stmt}'; write statements "
                                f"such as '{example}'")
        out.append((*m.groups(), stmt))
    return out


@dataclass
class _Line:
    kind: str  # "ode" or "def"
    name: str
    expr: str
    unit: str | None
    flags: set[str]
    text: str


def _parse_equations(model: str, text: str) -> list[_Line]:
    out = []
    for line in _logical_lines(text):
        m = _ODE.match(line)
        kind = "ode"
        if not m:
            m = _DEF.match(line)
            kind = "def"
        if not m:
            raise EquationError(
                f"model '{model}': cannot read the equation line\n    {line}\n"
                "Write 'dX/dt = expression : unit' for a differential equation or "
                "'name = expression : unit' for a named expression.")
        expr, unit, flags = _split_unit(m.group(2))
        if not expr:
            raise EquationError(f"model '{model}': the equation line '{line}' has no right-hand side")
        out.append(_Line(kind, m.group(1), expr, unit, flags, line))
    return out


def _substitute_options(text: Any, options: dict[str, str], decl: dict) -> Any:
    if not isinstance(text, str) or not options:
        return text
    def rep(m: re.Match) -> str:
        key = m.group(1)
        if key in options:
            return decl[key].choices[options[key]]
        return m.group(0)
    return re.sub(r"\{(\w+)\}", rep, text)


# --------------------------------------------------------------------------- spec building
class _Builder:
    def __init__(self, cls_name: str, decl: dict, attrs: dict, options: dict[str, str]) -> None:
        self.model = cls_name
        self.decl = dict(decl)
        self.attrs = {k: _substitute_options(v, options, decl) for k, v in attrs.items()}
        self.options = options
        self.problems: list[Problem] = []
        self.scope = Scope(cls_name)
        self.noise: list[str] = []

    def fail(self, msg: str, dimension: bool = False) -> None:
        self.problems.append(Problem(f"model '{self.model}': {msg}", dimension))

    def tr(self, text: str, where: str, expected: Any = None, what: str = "the expression"):
        res, probs = translate(text, self.scope, where, expected=expected, what=what)
        self.problems.extend(probs)
        return res

    def build(self) -> ModelSpec:
        lines = _parse_equations(self.model, self.attrs.get("equations") or "")
        self._declare_states(lines)
        params = {k: v for k, v in self.decl.items() if isinstance(v, Parameter)}
        states = {k: v for k, v in self.decl.items() if isinstance(v, State)}
        inputs = {k: v for k, v in self.decl.items() if isinstance(v, Input)}
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
        initial = self._initial(states, params)
        expressions, odes, hold = self._equations(lines, states)
        self.scope.noise = None  # white noise: in equations and update statements only
        threshold = self._threshold()
        reset = self._reset(states)
        refractory = self._refractory()
        constraints = self._constraints()
        receptors = self._receptors(states)
        by_sign = self._by_sign(receptors)
        update = self._update(states, odes, receptors)
        rate = self._rate(inputs)
        self._raise()
        if self.attrs.get("refractory_hold") is not None:
            hold = tuple(self.attrs["refractory_hold"])
            bad = [k for k in hold if k not in states]
            if bad:
                raise EquationError(f"model '{self.model}': refractory_hold names {bad}, which are not "
                                    f"states; states: {list(states)}")
        elif not hold and refractory is not None:
            hold = tuple(states)
        return ModelSpec(
            name=self.model, parameters=params, states={k: v.unit for k, v in states.items()},
            inputs={k: v.unit for k, v in inputs.items()}, options=dict(self.options), symbols=symbols,
            initial=initial, odes=odes, expressions=expressions, threshold=threshold, reset=reset,
            refractory=refractory, hold=hold, constraints=constraints, receptors=receptors,
            receptor_by_sign=by_sign, update=update,
            events_in_substeps=bool(self.attrs.get("threshold_in_substeps")),
            default_method=self.attrs.get("default_method"), noise=tuple(self.noise), **rate,
            ports=dict(self.attrs.get("_ports") or {}),
            hold_after_step=bool(self.attrs.get("refractory_integrates")),
            expressions_before_events=bool(self.attrs.get("record_expressions_before_events")))

    def _raise(self) -> None:
        raise_problems(f"model '{self.model}' is inconsistent", self.problems, EquationError)

    def _declare_states(self, lines: list[_Line]) -> None:
        for ln in lines:
            if ln.kind != "ode" or ln.name in self.decl:
                continue
            if ln.unit is None:
                raise EquationError(
                    f"model '{self.model}': '{ln.name}' has a differential equation but is not declared; "
                    f"declare {ln.name} = nu.State('mV') (with its unit) or write ': <unit>' after "
                    "the equation")
            self.decl[ln.name] = State(ln.unit)
        for ln in lines:
            other = self.decl.get(ln.name)
            if ln.kind == "ode" and other is not None and not isinstance(other, State):
                self.fail(f"'{ln.name}' has a differential equation but is declared as a {other.kind}")
            if ln.kind == "def" and other is not None:
                self.fail(f"the named expression '{ln.name}' has the name of a {other.kind}; rename one")

    def _initial(self, states: dict, params: dict) -> dict[str, sympy.Expr]:
        pscope = Scope(self.model, {k: v for k, v in self.scope.names.items() if v.kind == "parameter"})
        out = {}
        for k, st in states.items():
            where = f"initial value of state '{k}'"
            init = st.initial
            if init is None:
                out[k] = sympy.Float(0.0)
                continue
            if isinstance(init, str):
                res, probs = translate(init, pscope, where, expected=st.unit, what="the initial value")
                self.problems.extend(probs)
                out[k] = res.sym
                continue
            q = Q_(init) if not hasattr(init, "units") else init
            if q.dimensionality != st.unit.dimensionality:
                self.fail(f"{where}: expected a value in {fmt_unit(st.unit)}, got {q:~}", True)
                out[k] = sympy.Float(0.0)
            else:
                out[k] = sympy.Float(float(to_internal(q.to(st.unit))))
        return out

    def _equations(self, lines: list[_Line], states: dict):
        self.scope.noise = self.noise = []
        expressions: dict[str, tuple] = {}
        odes: dict[str, sympy.Expr] = {}
        hold: list[str] = []
        for ln in lines:
            if ln.kind == "def":
                declared = parse_unit(ln.unit) if ln.unit else None
                res = self.tr(ln.expr, f"named expression '{ln.name}'", declared, "the expression")
                unit = declared if declared is not None else res.unit
                expressions[ln.name] = (res.sym, unit)
                self.scope.names[ln.name] = Name("expression", unit, res.sym)
        for ln in lines:
            if ln.kind != "ode":
                continue
            if ln.name in odes:
                self.fail(f"'{ln.name}' has two differential equations")
            st_unit = states[ln.name].unit
            if ln.unit is not None and parse_unit(ln.unit).dimensionality != st_unit.dimensionality:
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

    def _rate(self, inputs: dict) -> dict:
        """The rate-input port: inputs driven by rate_inputs, and the nonlinearity phi(h)."""
        chans = self.attrs.get("rate_input")
        if not chans:
            return {}
        names = tuple(c for c in re.split(r"[\s,]+", chans.strip()) if c)
        bad = [c for c in names if c not in inputs]
        if bad or len(names) not in (1, 2, 3):
            raise EquationError(f"model '{self.model}': rate_input must name one input (all rate inputs), "
                                "two (weights >= 0, weights < 0) or three (all, >= 0, < 0), got "
                                f"{chans!r}; inputs: {list(inputs)}")
        phi = self.attrs.get("rate_nonlinearity") or "h"
        scope = Scope(self.model, {k: v for k, v in self.scope.names.items() if v.kind == "parameter"})
        scope.names["h"] = Name("input", ureg.dimensionless, _RATE_H)
        res, probs = translate(phi, scope, "rate_nonlinearity", expected=ureg.dimensionless,
                               what="the nonlinearity")
        self.problems.extend(probs)
        summ = self.attrs.get("rate_summation") or "linear"
        if summ not in ("linear", "nonlinear"):
            raise EquationError(f"model '{self.model}': rate_summation must be 'linear' or 'nonlinear', "
                                f"got {summ!r}")
        return {"rate_channels": names, "rate_phi": res.sym, "rate_linear": summ == "linear"}

    def _threshold(self):
        text = self.attrs.get("threshold")
        if not text:
            return None
        self.scope.allow_prev = True
        res = self.tr(text, "threshold")
        self.scope.allow_prev = False
        if not res.boolean:
            raise EquationError(f"model '{self.model}', threshold: '{text}' is not a condition; "
                                "write a comparison such as 'V > V_th'")
        return res.sym

    def _reset(self, states: dict) -> tuple:
        text = self.attrs.get("reset")
        if not text:
            return ()
        if self.attrs.get("threshold") in (None, ""):
            self.fail("a reset is given but no threshold; add threshold = 'V > V_th'")
        out = []
        for target, op, expr, stmt in _statements(self.model, "reset", text, "V = V_reset; w += b"):
            if target not in states:
                kind = self.decl[target].kind if target in self.decl else "unknown name"
                raise EquationError(f"model '{self.model}', reset: '{stmt}' assigns to '{target}' "
                                    f"({kind}); only states can be reset.{did_you_mean(target, states)}")
            unit = states[target].unit
            expected = ureg.dimensionless if op in ("*=", "/=") else unit
            self.scope.allow_prev = True
            res = self.tr(expr, f"reset of '{target}'", expected, f"the value assigned to '{target}'")
            self.scope.allow_prev = False
            x = self.scope.names[target].sym
            new = {"=": res.sym, "+=": x + res.sym, "-=": x - res.sym, "*=": x * res.sym,
                   "/=": x / res.sym}[op]
            out.append((target, new))
        return tuple(out)

    def _refractory(self):
        ref = self.attrs.get("refractory")
        if ref is None or (not isinstance(ref, str) and not hasattr(ref, "units") and ref == 0):
            return None
        if not isinstance(ref, str):
            q = ref
            if q.dimensionality != _MS.dimensionality:
                self.fail(f"refractory: expected a duration, got {q:~}", True)
                return None
            return sympy.Float(float(to_internal(q)))
        res = self.tr(ref, "refractory period", _MS, "the refractory period")
        return res.sym

    def _receptors(self, states: dict) -> dict[str, ReceptorSpec]:
        out = {}
        for name, rec in self.decl.items():
            if isinstance(rec, PortGroup):  # its ports are receptors of their own (see _expand_ports)
                out[name] = ReceptorSpec(rec.unit, rec.number, ())
                continue
            if not isinstance(rec, Receptor):
                continue
            w = sympy.Symbol("_w", real=True)
            self.scope.names["w"] = Name("input", rec.unit, w)
            effects = []
            for target, op, expr, stmt in _statements(self.model, f"receptor '{name}'", rec.on_spike,
                                                      "g_ex += w"):
                if op not in ("+=", "-=") or target not in states:
                    raise EquationError(
                        f"model '{self.model}', receptor '{name}': cannot use '{stmt}'; write statements "
                        "that add to a state an amount proportional to the weight w, e.g. 'g_ex += w'")
                res = self.tr(expr, f"receptor '{name}', effect on '{target}'", states[target].unit,
                              f"the amount added to '{target}'")
                coef = sympy.diff(res.sym, w)
                if w in coef.free_symbols or sympy.simplify(res.sym - coef * w) != 0:
                    raise EquationError(f"model '{self.model}', receptor '{name}': '{stmt}' is not "
                                        "proportional to the weight w, so spikes arriving together "
                                        "would not add up")
                effects.append((target, coef if op == "+=" else -coef))
            del self.scope.names["w"]
            out[name] = ReceptorSpec(rec.unit, rec.number, tuple(effects))
        return out

    def _update(self, states: dict, odes: dict, receptors: dict) -> tuple:
        """Discrete-time update statements, run in order once per step (instead of ODEs)."""
        text = self.attrs.get("update")
        if not text:
            return ()
        if odes:
            raise EquationError(f"model '{self.model}': a model has either differential equations or "
                                "update statements, not both")
        scope = Scope(self.model, dict(self.scope.names), noise=self.noise)
        scope.names["dt"] = Name("time", _MS, DT)
        for r, spec in receptors.items():
            scope.names[r] = Name("input", spec.unit, sympy.Symbol(f"_rb_{r}", real=True))
        out, current = [], {}
        for target, op, expr, stmt in _statements(self.model, "update", text,
                                                  "V = V + dt*(E_L - V)/tau"):
            where = f"update of '{target}'"
            known = scope.names.get(target)
            if known is not None and known.kind not in ("state", "expression"):
                raise EquationError(f"model '{self.model}', update: '{stmt}' assigns to the "
                                    f"{known.kind} '{target}'; only states and temporaries can be assigned")
            if known is None and op != "=":
                raise EquationError(f"model '{self.model}', update: '{target}' is used in '{stmt}' "
                                    "before it has a value")
            expected = None if known is None else (ureg.dimensionless if op in ("*=", "/=") else known.unit)
            res, probs = translate(expr, scope, where, expected=expected, what=f"the value of '{target}'")
            self.problems.extend(probs)
            old = None if known is None else known.sym
            value = {"=": res.sym, "+=": (old or 0) + res.sym, "-=": (old or 0) - res.sym,
                     "*=": (old or 0) * res.sym, "/=": (old or 1) / res.sym}[op]
            n = current.get(target, 0) + 1
            current[target] = n
            sym = sympy.Symbol(f"_u{n}_{target}", real=True)
            out.append((sym, value))
            kind = "state" if target in states else "expression"
            unit = known.unit if known is not None else res.unit
            scope.names[target] = Name(kind, unit, sym)
        return tuple(out)

    def _by_sign(self, receptors: dict) -> tuple[str, str] | None:
        pair = self.attrs.get("receptor_by_sign")
        if not pair:
            return None
        pair = tuple(pair)
        bad = [r for r in pair if r not in receptors]
        if len(pair) != 2 or bad:
            raise EquationError(f"model '{self.model}': receptor_by_sign must name two receptors "
                                f"(for weights >= 0 and < 0), got {pair!r}; receptors: {list(receptors)}")
        if receptors[pair[0]].unit.dimensionality != receptors[pair[1]].unit.dimensionality:
            self.fail(f"receptor_by_sign: '{pair[0]}' and '{pair[1]}' take weights of different units", True)
        return pair

    def _constraints(self) -> tuple:
        out = []
        for text in self.attrs.get("constraints") or ():
            res = self.tr(text, f"constraint '{text}'")
            if not res.boolean:
                raise EquationError(f"model '{self.model}', constraint '{text}' is not a condition; "
                                    "write a comparison such as 'V_reset < V_th'")
            bad = [s for s in res.sym.free_symbols if not s.name.startswith("p_")]
            if bad:
                raise EquationError(f"model '{self.model}', constraint '{text}' may use only parameters")
            out.append((text, res.sym))
        return tuple(out)


# --------------------------------------------------------------------------- Model
_DECL_TYPES = (Parameter, State, Input, Option, Receptor, PortGroup)
_PORT_NAME = re.compile(r"\b([A-Za-z_]\w*?)_j\b")


def _expand_ports(decl: dict, attrs: dict, counts: Mapping[str, int]) -> tuple[dict, dict]:
    """Declarations and attributes with each port group's states, weights and receptors
    repeated ``counts[group]`` times (see :class:`~neurounits.PortGroup`)."""
    decl, attrs = dict(decl), dict(attrs)
    head, tail, ports = [], [], {}
    for r, g in list(decl.items()):
        if not isinstance(g, PortGroup):
            continue
        n = int(counts.get(r, 0))
        subs = []
        for j in range(n):
            def sub(text: str, j: int = j, r: str = r) -> str:
                text = re.sub(r"\bw_j\b", f"w_{r}_{j}", text)
                return _PORT_NAME.sub(lambda hit: f"{hit.group(1)}_{j}", text)
            subs.append(sub)
            w = Parameter(None, unit=g.unit, doc=f"weight of port {j} of receptor '{r}'")
            rec = Receptor("1", sub(g.on_spike), doc=f"port {j} of receptor '{r}'")
            w.name, rec.name = f"w_{r}_{j}", f"{r}_{j}"
            decl[w.name], decl[rec.name] = w, rec
            tail.append(sub(g.equations))
        ports[r] = tuple(f"{r}_{j}" for j in range(n))
        for line in _logical_lines(g.sums):
            m = _DEF.match(line)
            if not m:
                raise EquationError(f"port group '{r}': cannot read the sum '{line}'; write "
                                    "'name = w_j*s_j : unit'")
            expr, unit, _ = _split_unit(m.group(2))
            if unit is None:
                raise EquationError(f"port group '{r}': write the unit of the sum '{m.group(1)}' after "
                                    "':'")
            terms = [f"({sub(expr)})" for sub in subs] or [f"0*({unit})"]
            head.append(f"{m.group(1)} = {' + '.join(terms)} : {unit}")
    attrs["equations"] = "\n".join([*head, attrs.get("equations") or "", *tail])
    attrs["_ports"] = ports
    return decl, attrs


class Model:
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

    Class attributes
    ----------------
    equations : str
        ``dX/dt = expr [: unit] [(unless refractory)]`` lines and named
        expressions ``name = expr : unit``.  With ``(unless refractory)`` on
        any equation, only those states are held during the refractory period;
        otherwise all states are held.
    threshold, reset, refractory, constraints
        A condition (``"V > V_th"``); statements (``"V = V_reset; w += b"``,
        ``=``, ``+=``, ``-=``, ``*=``, ``/=``); a parameter name, expression or
        duration; conditions on parameters checked at construction.
    refractory_integrates : bool
        If True, the held states (``refractory_hold``) are integrated with
        their equations during the refractory period and put back to their
        value at the start of the step afterwards (NEST's ``iaf_bw_2001``
        models clamp V this way); by default their derivatives are zero.
    record_expressions_before_events : bool
        If True, recorded named expressions are those of the integrated end
        state of each step, before its spike inputs, threshold, reset and
        refractory hold (NEST records the currents its right-hand side stored).
    unavailable_receptors : dict
        Receptor name -> why spike inputs cannot use it yet (simulate raises
        ParameterError with that text).
    """

    equations: ClassVar[str] = ""
    threshold: ClassVar[str | None] = None
    reset: ClassVar[str | None] = None
    refractory: ClassVar[Any] = None
    constraints: ClassVar[tuple[str, ...]] = ()
    receptor_by_sign: ClassVar[tuple[str, str] | None] = None
    integrator_options: ClassVar[dict[str, float]] = {}
    update: ClassVar[str | None] = None
    threshold_in_substeps: ClassVar[bool] = False
    refractory_hold: ClassVar[tuple[str, ...] | None] = None
    default_method: ClassVar[str | None] = None
    refractory_integrates: ClassVar[bool] = False
    record_expressions_before_events: ClassVar[bool] = False
    unavailable_receptors: ClassVar[dict[str, str]] = {}
    rate_input: ClassVar[str | None] = None
    rate_nonlinearity: ClassVar[str | None] = None
    rate_summation: ClassVar[str | None] = None
    _decl: ClassVar[dict[str, Any]] = {}
    _specs: ClassVar[dict[tuple, ModelSpec]] = {}
    _model_name: ClassVar[str] = "Model"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        decl: dict[str, Any] = {}
        for base in reversed(cls.__mro__[1:]):
            decl.update(getattr(base, "_decl", {}))
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
        key = tuple(sorted(options.items()))
        if ports and any(ports.values()):
            key += (("__ports__", tuple(sorted(ports.items()))),)
        spec = cls._specs.get(key)
        if spec is None:
            attrs = {a: getattr(cls, a) for a in ("equations", "threshold", "reset", "refractory",
                                                 "constraints", "receptor_by_sign", "update",
                                                 "threshold_in_substeps", "refractory_hold",
                                                 "default_method", "rate_input", "rate_nonlinearity",
                                                 "rate_summation", "refractory_integrates",
                                                 "record_expressions_before_events")}
            decl = cls._decl
            if any(isinstance(v, PortGroup) for v in decl.values()):
                decl, attrs = _expand_ports(decl, attrs, ports or {})
            spec = _Builder(cls._model_name, decl, attrs, options).build()
            cls._specs[key] = spec
        return spec

    @classmethod
    def parameter_table(cls) -> str:
        """The parameters with their units, defaults and docs, as text."""
        rows = [f"{k:<12} {fmt_unit(v.unit):<10} {v.default!s:<12} {v.doc}"
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
        attrs: dict[str, Any] = {"equations": equations, "threshold": threshold, "reset": reset,
                                 "refractory": refractory, "constraints": tuple(constraints),
                                 "_model_name": name}
        for k, v in (parameters or {}).items():
            attrs[k] = v if isinstance(v, Parameter) else Parameter(v)
        for k, u in (inputs or {}).items():
            attrs[k] = u if isinstance(u, Input) else Input(u)
        for line in _parse_equations(name, equations):
            if line.kind == "ode":
                if line.unit is None:
                    raise EquationError(f"model '{name}': write the unit of '{line.name}' after its "
                                        f"equation, e.g. 'd{line.name}/dt = ... : mV'")
                attrs[line.name] = State(line.unit, initial=(initial or {}).get(line.name))
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
            given = values.pop(k, p.default)
            where = f"model '{cls._model_name}', parameter '{k}'"
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
        if not problems:
            problems.extend(self._check_constraints())
        _raise_value_problems(cls._model_name, problems)

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

    def _check_constraints(self) -> list[Problem]:
        problems = []
        internal = self.internal_parameters()
        for text, rel in self.spec.constraints:
            syms, f = _numeric(rel)
            ok = np.broadcast_to(np.asarray(f(*[internal[s.name[2:]] for s in syms])), (self.n,))
            if ok.all():
                continue
            i = int(np.flatnonzero(~ok)[0])
            vals = ", ".join(f"{s.name[2:]} = {_fmt_at(self._parameters[s.name[2:]], i)}" for s in syms)
            at = f" (neuron {i})" if self.n > 1 else ""
            problems.append(Problem(f"model '{type(self)._model_name}': constraint '{text}' is violated"
                                    f"{at}: {vals}"))
        return problems

    # -- public accessors --------------------------------------------------------
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
        params = self.__dict__.get("_parameters")
        if params is not None and name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={_fmt_q(v)}" for k, v in self._parameters.items())
        return f"{self.name}(n={self.n}, {shown})"

    # -- values for simulation (internal units, one array per neuron) --------------------
    def internal_parameters(self) -> dict[str, np.ndarray]:
        """Every parameter as a float64 array of length n in internal units."""
        return {k: np.broadcast_to(np.asarray(to_internal(q), dtype=float), (self.n,)).copy()
                for k, q in self._parameters.items()}

    def evaluate(self, expr: sympy.Expr, params: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Evaluate an expression of the parameters for every neuron (internal units)."""
        params = self.internal_parameters() if params is None else params
        syms, f = _numeric(expr)
        return np.broadcast_to(np.asarray(f(*[params[s.name[2:]] for s in syms]), dtype=float),
                               (self.n,)).copy()

    def initial_values(self, overrides: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
        """Initial state per neuron, internal units; ``overrides`` maps state -> value."""
        overrides = dict(overrides or {})
        params = self.internal_parameters()
        out, problems = {}, []
        for k, unit in self.spec.states.items():
            if k in overrides:
                chk = check_value(f"model '{self.name}', initial value of '{k}'", overrides.pop(k),
                                  unit, self.n)
                problems.extend(chk.problems)
                if chk.quantity is not None:
                    out[k] = np.broadcast_to(np.asarray(to_internal(chk.quantity), float),
                                             (self.n,)).copy()
                continue
            out[k] = self.evaluate(self.spec.initial[k], params)
        for k in overrides:
            tip = did_you_mean(k, self.spec.states)
            problems.append(Problem(f"model '{self.name}' has no state '{k}' to set an initial value "
                                    f"for.{tip} States: {', '.join(self.spec.states)}"))
        _raise_value_problems(self.name, problems)
        return out


@functools.lru_cache(maxsize=1024)
def _numeric(expr: Any) -> tuple[list, Any]:
    """An expression's symbols (sorted by name) and a numpy function of them; cached, because
    lambdify costs ~1 ms and models are constructed often (every chunk of a sweep)."""
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    return syms, sympy.lambdify(syms, expr, modules="numpy")


def _raise_value_problems(model: str, problems: list[Problem]) -> None:
    raise_problems(f"invalid values for model '{model}'", problems)


def _fmt_q(q: Any) -> str:
    mag = np.asarray(q.magnitude)
    if mag.ndim == 0:
        return f"{mag.item():g} {fmt_unit(q.units)}"
    return f"[{mag.size} values] {fmt_unit(q.units)}"


def _fmt_at(q: Any, i: int) -> str:
    mag = np.asarray(q.magnitude)
    v = mag.item() if mag.ndim == 0 else mag[i]
    return f"{v:g} {fmt_unit(q.units)}"

