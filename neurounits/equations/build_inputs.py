"""The inputs of a model for :func:`.builder.build_spec`: receptors (and port groups), the receptors
by the sign of the weight, and the rate-input port."""

from __future__ import annotations

import re

import sympy

from ..errors import EquationError
from ..parameters import Input, PortGroup, Receptor
from ..units import ureg
from .build_base import _MS, _BuilderBase
from .parse import Name, Scope, translate
from .spec import DT, ReceptorSpec
from .text import statements

_RATE_H = sympy.Symbol("_h", real=True)  # the argument of a model's rate-input nonlinearity


class _InputsMixin(_BuilderBase):
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
        if "h" in self.scope.names:  # the nonlinearity's argument would hide the model's own h
            kind = self.scope.names["h"].kind
            raise EquationError(f"model '{self.model}': the model declares a {kind} 'h', but 'h' is the "
                                f"summed rate input in rate_nonlinearity; rename the {kind} (e.g. 'h_')")
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
    def _receptors(self, states: dict) -> dict[str, ReceptorSpec]:
        out = {}
        for name, rec in self.decl.items():
            if isinstance(rec, PortGroup):  # its ports are receptors of their own (see expand_ports)
                out[name] = ReceptorSpec(rec.unit, rec.number, ())
                continue
            if not isinstance(rec, Receptor):
                continue
            w = sympy.Symbol("_w", real=True)
            own = self.scope.names.get("w")  # the model's own w: hidden in receptor statements only
            self.scope.names["w"] = Name("input", rec.unit, w)
            effects = []
            for target, op, expr, stmt in statements(self.model, f"receptor '{name}'", rec.on_spike,
                                                      "g_ex += w"):
                if op not in ("+=", "-=") or target not in states:
                    raise EquationError(
                        f"model '{self.model}', receptor '{name}': cannot use '{stmt}'; write statements "
                        "that add to a state an amount proportional to the weight w, e.g. 'g_ex += w'")
                res = self.tr(expr, f"receptor '{name}', effect on '{target}'", states[target].unit,
                              f"the amount added to '{target}'")
                coef = sympy.diff(res.sym, w)
                if w in coef.free_symbols or sympy.simplify(res.sym - coef * w) != 0:
                    hint = (f" (in receptor statements 'w' is the summed weight; the model's own {own.kind} "
                            "'w' cannot be used there)" if own is not None else "")
                    raise EquationError(f"model '{self.model}', receptor '{name}': '{stmt}' is not "
                                        "proportional to the weight w, so spikes arriving together "
                                        f"would not add up{hint}")
                effects.append((target, coef if op == "+=" else -coef))
            if own is not None:
                self.scope.names["w"] = own
            else:
                del self.scope.names["w"]
            out[name] = ReceptorSpec(rec.unit, rec.number, tuple(effects), rec.refractory_input)
        return out
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

    def _input_effects(self, states: dict) -> tuple[tuple[str, sympy.Expr], ...]:
        """The ``on_step`` statements of the inputs: (state, amount added at the end of each step)."""
        out = []
        allowed = {n.sym for n in self.scope.names.values() if n.kind in ("parameter", "input")} | {DT}
        for name, inp in self.decl.items():
            if not isinstance(inp, Input) or not inp.on_step:
                continue
            self.scope.names["dt"] = Name("time", _MS, DT)
            try:
                for target, op, expr, stmt in statements(self.model, f"input '{name}', on_step",
                                                          inp.on_step, f"I_syn += (1 - exp(-dt/tau))*{name}"):
                    if op not in ("+=", "-=") or target not in states:
                        raise EquationError(
                            f"model '{self.model}', input '{name}', on_step: cannot use '{stmt}'; write "
                            f"statements that add to a state, e.g. 'I_syn += (1 - exp(-dt/tau))*{name}'; "
                            f"states: {list(states)}")
                    res = self.tr(expr, f"input '{name}', on_step effect on '{target}'", states[target].unit,
                                  f"the amount added to '{target}'")
                    if not res.sym.free_symbols <= allowed:
                        raise EquationError(
                            f"model '{self.model}', input '{name}', on_step: '{stmt}' may use only inputs, "
                            "parameters and dt (the states change during the step)")
                    out.append((target, res.sym if op == "+=" else -res.sym))
            finally:
                del self.scope.names["dt"]
        return tuple(out)
