"""Constructs of the model language for :func:`.builder.build_spec`: derived parameters, int and bool
states, statements run after each integration step (``after_step``) and random-number sites."""

from __future__ import annotations

import copy
from typing import Any

import sympy

from ..errors import EquationError, did_you_mean
from ..units import ureg
from .build_base import _MS, _BuilderBase
from .derived import Derived
from .functions import trunc
from .parse import _COMMON_UNITS, Name, Scope, translate
from .spec import DT
from .text import statements


def _common(unit: Any) -> Any:
    """``unit``, or the common unit of its dimension (pF/nS -> ms)."""
    for c in _COMMON_UNITS:
        cu = ureg.Unit(c)
        if cu.dimensionality == unit.dimensionality:
            return cu
    return unit


class _LangMixin(_BuilderBase):
    random: list

    def _derived(self, params: dict) -> dict[str, sympy.Expr]:
        """Each derived parameter's expression of the other parameters (translated in declaration
        order, so that one may use those declared before it); its unit is set on a copy of its
        declaration in ``params`` and ``self.decl``."""
        out: dict[str, sympy.Expr] = {}
        scope = Scope(self.model, {k: Name("parameter", v.unit, sympy.Symbol(f"p_{k}", real=True))
                                   for k, v in params.items() if not isinstance(v, Derived)})
        for k, v in list(params.items()):
            if not isinstance(v, Derived):
                continue
            where = f"derived parameter '{k}'"
            for other, decl in self.decl.items():  # other names only to be refused by name
                if other not in scope.names and other != k and not isinstance(decl, Derived):
                    scope.names.setdefault(other, Name(decl.kind, getattr(decl, "unit", ureg.dimensionless),
                                                       sympy.Symbol(f"_not_{other}", real=True)))
            res, probs = translate(v.expression, scope, where, expected=v.declared, what="the value")
            self.problems.extend(probs)
            bad = sorted(s.name[5:] for s in res.sym.free_symbols if s.name.startswith("_not_"))
            if bad or res.condition:
                self.fail_at(where, f"'{v.expression}' uses {bad or 'a condition'}; a derived parameter is "
                                    "a number computed from parameters only (and derived parameters "
                                    "declared before it)")
                continue
            resolved = copy.copy(v)
            resolved.unit = v.declared if v.declared is not None else _common(res.unit)
            params[k] = self.decl[k] = resolved
            out[k] = res.sym
            scope.names[k] = Name("parameter", resolved.unit, res.sym)
        return out

    def _typed_states(self, states: dict) -> dict[str, str]:
        """int and bool states (a flag reads as a condition in expressions)."""
        out = {k: st.dtype for k, st in states.items() if getattr(st, "dtype", "float") != "float"}
        for k, kind in out.items():
            if kind == "bool":
                nm = self.scope.names[k]
                self.scope.names[k] = Name("state", nm.unit, sympy.Ne(nm.sym, 0))
        return out

    def _typed_odes(self, typed: dict[str, str], odes: dict) -> None:
        for k, kind in typed.items():
            if k in odes:
                self.fail(f"the {kind} state '{k}' has a differential equation; an int or bool state "
                          "changes only in resets and after_step statements (declare it as a float State)")

    def _typed_initial(self, k: str, value: sympy.Expr, kind: str) -> sympy.Expr:
        if kind == "bool" and value.is_number and value not in (0, 1):
            self.fail_at(f"initial value of the bool state '{k}'",
                         f"expected True, False, 0 or 1, got {value}")
        if kind == "int" and value.is_number and not float(value).is_integer():
            self.fail_at(f"initial value of the int state '{k}'", f"expected a whole number, got {value}")
        return value

    def _assigned(self, target: str, op: str, expr: str, states: dict, where: str) -> sympy.Expr:
        """The new value of state ``target`` after ``target op expr`` (int: truncated; bool: 1 or 0)."""
        kind = getattr(states[target], "dtype", "float")
        old = sympy.Symbol(f"x_{target}", real=True)
        if kind == "bool":
            return self._flag_value(target, op, self.tr(expr, where), expr, where)
        unit = states[target].unit
        expected = ureg.dimensionless if op in ("*=", "/=") else unit
        res = self.tr(expr, where, expected, f"the value assigned to '{target}'")
        new = {"=": res.sym, "+=": old + res.sym, "-=": old - res.sym, "*=": old * res.sym,
               "/=": old / res.sym}[op]
        return trunc(new) if kind == "int" else new

    def _flag_value(self, target: str, op: str, res: Any, expr: str, where: str) -> sympy.Expr:
        """The value (1.0 or 0.0) a bool state takes from the condition ``res``."""
        if op != "=":
            raise EquationError(f"model '{self.model}', {where}: the bool state '{target}' can only be "
                                f"assigned with '=' (a condition, True or False), got '{op}'")
        if not res.condition:
            raise EquationError(f"model '{self.model}', {where}: the bool state '{target}' takes a "
                                f"condition, True or False, got '{expr}'")
        return sympy.Piecewise((sympy.Float(1.0), res.sym), (sympy.Float(0.0), True))

    def _after_step(self, states: dict, odes: dict) -> tuple:
        """Statements run after each integration step, in order (clamps, exact updates, counters)."""
        text = self.attrs.get("after_step")
        if not text:
            return ()
        if self.attrs.get("update"):
            raise EquationError(f"model '{self.model}': after_step statements go with differential "
                                "equations; a model of update statements writes them in its update")
        saved = self.scope
        self.scope = Scope(self.model, dict(saved.names), random=self.random)
        self.scope.names["dt"] = Name("time", _MS, DT)
        out = []
        try:
            for target, op, expr, stmt in statements(self.model, "after_step", text, "x = clip(x, 0, 1)"):
                if target not in states:
                    kind = self.decl[target].kind if target in self.decl else "unknown name"
                    raise EquationError(f"model '{self.model}', after_step: '{stmt}' assigns to '{target}' "
                                        f"({kind}); only states can be assigned."
                                        f"{did_you_mean(target, states)}")
                out.append((target, self._assigned(target, op, expr, states, f"after_step '{stmt}'")))
        finally:
            self.scope = saved
        return tuple(out)
