"""The spike events of a model for :func:`.builder.build_spec`: threshold, reset and the constraints on
its parameters (the refractory period: :mod:`.refractory`)."""

from __future__ import annotations

from typing import Any

from ..errors import EquationError, did_you_mean
from .build_base import _BuilderBase
from .text import statements


def _fmt_ms(sym: Any) -> str:
    try:
        return f"{float(sym):g} ms"
    except TypeError:
        return str(sym)


class _EventsMixin(_BuilderBase):
    def _threshold(self):
        text = self.attrs.get("threshold")
        if not text:
            return None
        self.scope.allow_prev = True
        self.scope.random = self.random  # type: ignore[attr-defined]
        try:
            res = self.tr(text, "threshold")
        finally:
            self.scope.allow_prev = False
            self.scope.random = None
        if not res.condition:
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
        for target, op, expr, stmt in statements(self.model, "reset", text, "V = V_reset; w += b"):
            if target not in states:
                kind = self.decl[target].kind if target in self.decl else "unknown name"
                raise EquationError(f"model '{self.model}', reset: '{stmt}' assigns to '{target}' "
                                    f"({kind}); only states can be reset.{did_you_mean(target, states)}")
            self.scope.allow_prev = True
            self.scope.random = self.random  # type: ignore[attr-defined]
            try:
                new = self._assigned(target, op, expr, states, f"reset of '{target}'")  # type: ignore[attr-defined]
            finally:
                self.scope.allow_prev = False
                self.scope.random = None
            out.append((target, new))
        return tuple(out)

    def _lower_bounds(self, states: dict) -> tuple:
        """(state, bound): the state is raised to the bound after each step and its spike inputs."""
        given = self.attrs.get("lower_bounds") or {}
        if not isinstance(given, dict):
            raise EquationError(f"model '{self.model}': lower_bounds must map states to expressions of the "
                                f"parameters, e.g. {{'V_m': 'V_min'}}, got {given!r}")
        params = {n.sym for n in self.scope.names.values() if n.kind == "parameter"}
        out = []
        for target, text in given.items():
            if target not in states:
                raise EquationError(f"model '{self.model}': lower_bounds names {target!r}, which is not a "
                                    f"state.{did_you_mean(str(target), states)}")
            res = self.tr(str(text), f"lower bound of '{target}'", states[target].unit,
                          f"the lower bound of '{target}'")
            if not res.sym.free_symbols <= params:
                raise EquationError(f"model '{self.model}': the lower bound of '{target}' ({text!r}) must be "
                                    "made of parameters and numbers")
            out.append((target, res.sym))
        return tuple(out)

    def _constraints(self) -> tuple:
        out = []
        for text in self.attrs.get("constraints") or ():
            res = self.tr(text, f"constraint '{text}'")
            if not res.condition:
                raise EquationError(f"model '{self.model}', constraint '{text}' is not a condition; "
                                    "write a comparison such as 'V_reset < V_th'")
            bad = [s for s in res.sym.free_symbols if not s.name.startswith("p_")]
            if bad:
                raise EquationError(f"model '{self.model}', constraint '{text}' may use only parameters")
            out.append((text, res.sym))
        return tuple(out)
