"""A model of your own as a NESTML model (``nu.export.nestml``), for NEST through NESTML.

The equations are neurounits' checked ones: every parameter, state, input and ``t`` enters them
divided by its unit (the internal units neurounits computes in: mV, ms, pA, nS, pF, ...), so that
NESTML's unit checker sees dimensionless expressions, and each derivative is multiplied back by its
state's unit per ms.  Refractoriness is a timer ``refr_t`` (``refr_t' = -1``) as in NESTML's own
models, compared with a billionth of a step (NESTML counts it down in floating point), so that it
lasts ``ceil(t_ref/dt - 1e-9)`` steps as in neurounits: the states held during the refractory
period (``: mV (unless refractory)``) are not integrated while it runs.  Each receptor is a spike
input port whose value times ``1 s`` is the weight, a number in the receptor's unit.

Checked with NESTML 9.0 (its parser and context conditions, ``target_platform="NONE"``); CubaLIF
and AdEx compiled into NEST 3.10 (tests/reference/nestml_to_nest.py, docs/nest_export.md) match
neurounits' traces to rounding with the same solver.  NESTML-generated models number several spike
ports from 1 in declaration order.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import sympy
from sympy.printing.str import StrPrinter

from ..equations import Model
from ..errors import ExportError
from ..units import factor_to_internal, fmt_unit, internal_unit, ureg

__all__ = ["nestml"]


def _unit_text(unit: Any) -> str:
    """A pint unit in NESTML's spelling (``mV/ms``, ``pA/mV``); ``1`` for dimensionless."""
    if unit.dimensionless:
        return "1"
    text = format(ureg.Unit(unit), "~").replace(" ", "").replace("µ", "u").replace("Ω", "Ohm")
    return text if not text.startswith("1/") else "1/" + text[2:]


class _Printer(StrPrinter):
    """sympy -> NESTML: symbols divided by their (internal) unit, min/max, ternaries, and/or/not."""

    def __init__(self, units: dict[str, str]) -> None:
        super().__init__()
        self.units = units

    def ex(self, e: Any) -> str:
        """An expression (anything sympy reads) in NESTML."""
        return self.doprint(sympy.sympify(e))

    def scaled(self, e: Any, unit_text: str) -> str:
        """An expression times its unit ``unit_text`` (as is when dimensionless)."""
        return self.ex(e) if unit_text == "1" else f"({self.ex(e)})*(1 {unit_text})"

    def _print_Symbol(self, expr: Any) -> str:
        name = expr.name
        if name == "t":
            return "(t/(1 ms))"
        bare = name[2:] if name[:2] in ("p_", "x_", "u_") else name
        unit = self.units.get(bare, "1")
        return bare if unit == "1" else f"({bare}/(1 {unit}))"

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_log(self, expr: Any) -> str:
        return f"ln({self._print(expr.args[0])})"

    def _print_Exp1(self, expr: Any) -> str:
        return "exp(1)"

    def _print_Pi(self, expr: Any) -> str:
        return "3.141592653589793"

    def _minmax(self, name: str, args: Any) -> str:
        out = self._print(args[0])
        for a in args[1:]:
            out = f"{name}({out}, {self._print(a)})"
        return out

    def _print_Min(self, expr: Any) -> str:
        return self._minmax("min", expr.args)

    def _print_Max(self, expr: Any) -> str:
        return self._minmax("max", expr.args)

    def _print_Piecewise(self, expr: Any) -> str:
        *pieces, (last, cond) = expr.args
        out = f"({self._print(last)})"
        if cond is not sympy.true:
            raise ExportError(
                "a piecewise expression without an 'otherwise' branch does not export to NESTML"
            )
        for e, c in reversed(pieces):
            out = f"(({self._print(c)}) ? ({self._print(e)}) : {out})"
        return out

    def _print_And(self, expr: Any) -> str:
        return " and ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Or(self, expr: Any) -> str:
        return " or ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Not(self, expr: Any) -> str:
        return f"not ({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "true"

    def _print_BooleanFalse(self, expr: Any) -> str:
        return "false"


def _value(model: Model, name: str) -> Any:
    """A parameter's value, one for all neurons (a NESTML model has one default per parameter)."""
    q = model.parameters[name]
    mag = np.atleast_1d(np.asarray(q.magnitude, float))
    if np.any(mag != mag[0]):
        raise ExportError(
            f"model '{model.name}': parameter {name} differs between neurons; a NESTML model has one "
            "default per parameter (export a model with one value, and set per-neuron values in NEST)"
        )
    return mag[0] * q.units


def nestml(model: Any, path: str | os.PathLike | None = None) -> str:
    """The NESTML text of ``model`` (a model instance, or a Model class for its defaults); written to
    ``path`` when given.  A model NESTML cannot take as it is (noise terms, port groups,
    discrete-time update statements, rate inputs, spike payloads) raises
    :class:`~neurounits.ExportError`.

    Examples
    --------
    >>> import neurounits as nu
    >>> text = nu.export.nestml(nu.models.CobaLIF(n=1))
    >>> print(text.splitlines()[3])
    model CobaLIF_neuron:
    >>> "g_ex += (1)*(ex*1 s)*(1 pA/mV)" in text
    True
    """
    if isinstance(model, type) and issubclass(model, Model):
        model = model(n=1)  # its defaults
    if not isinstance(model, Model):
        raise ExportError(f"nu.export.nestml exports a neurounits Model, got {type(model).__name__}")
    _check_exportable(model)
    spec = model.spec
    units = _units(spec)
    pr = _Printer(units)
    refr = spec.refractory is not None
    lines = [
        *_parameters_block(model),
        *_state_block(spec, pr, refr),
        *_equations_block(spec, pr, refr),
        *_input_block(spec),
        *_update_block(spec, refr),
        *_receive_blocks(spec, pr),
        *_condition_block(spec, pr, refr),
    ]
    text = "\n".join(lines) + "\n"
    if path is not None:
        Path(path).write_text(text)
    return text


def _check_exportable(model: Model) -> None:
    """Raise :class:`~neurounits.ExportError` listing what of ``model`` NESTML cannot take as it is."""
    spec, name = model.spec, model.name
    lacks = [
        what
        for what, has in (
            ("noise terms (xi)", spec.noise),
            ("port groups", spec.ports),
            ("discrete-time update statements", spec.update),
            ("after_step statements", spec.after_step),
            ("random numbers (rand, randn, poisson)", spec.random),
            ("int or bool states", spec.dtypes),
            ("derived parameters", spec.derived),
            ("rate inputs", spec.rate_channels),
            ("a spike payload", getattr(type(model), "spike_payload", None)),
        )
        if has
    ]
    special = sorted(
        {
            str(x)
            for e in [spec.threshold, *spec.odes.values()]
            if e is not None
            for x in sympy.sympify(e).free_symbols
            if str(x).startswith("_")
        }
    )
    if special:
        lacks.append(
            f"a threshold or equation on values NESTML does not have ({', '.join(special)}: "
            "e.g. the previous step's value of a state)"
        )
    if spec.refractory is not None and spec.refractory_convention != "nest":
        lacks.append("refractoriness in Brian2's convention (a condition, or Brian2's count of steps)")
    if lacks:
        raise ExportError(f"model '{name}' has {', '.join(lacks)}, which nu.export.nestml does not write yet")


def _units(spec: Any) -> dict[str, str]:
    """The internal unit of every parameter, state and input, in NESTML's spelling."""
    units: dict[str, str] = {}
    for k in spec.parameters:
        units[k] = _unit_text(internal_unit(spec.parameters[k].unit))
    for k, u in spec.states.items():
        units[k] = _unit_text(internal_unit(u))
    for k, u in spec.inputs.items():
        units[k] = _unit_text(internal_unit(u))
    return units


def _type(unit: Any) -> str:
    """The NESTML type of a quantity in ``unit``: ``real`` when dimensionless, else the unit."""
    return "real" if ureg.Unit(unit).dimensionless else _unit_text(unit)


def _parameters_block(model: Model) -> list[str]:
    """The header comment, the model line and the ``parameters`` block (each parameter's value)."""
    spec, name = model.spec, model.name
    lines = [
        f"# Written by neurounits (nu.export.nestml) from model '{name}'. Every quantity enters the",
        "# equations divided by its unit, as neurounits computes them; each derivative is multiplied",
        "# back by its state's unit per ms.",
        f"model {name}_neuron:",
        "    parameters:",
    ]
    for k, p in spec.parameters.items():
        q = _value(model, k)
        t = _type(p.unit)
        mag = float(q.to(p.unit).magnitude)
        lines.append(
            f"        {k} {t} = {mag!r}"
            + ("" if t == "real" else f" {t}")
            + (f"  # {p.doc}" if getattr(p, "doc", "") else "")
        )
    return lines


def _state_block(spec: Any, pr: _Printer, refr: bool) -> list[str]:
    """The ``state`` block: each state's initial value, and the refractory timer."""
    lines = ["    state:"]
    for k, u in spec.states.items():
        t = _type(u)
        lines.append(f"        {k} {t} = {pr.scaled(spec.initial[k], pr.units[k])}")
    if refr:
        lines.append("        refr_t ms = 0 ms  # time left in the refractory period")
    return lines


def _equations_block(spec: Any, pr: _Printer, refr: bool) -> list[str]:
    """The ``equations`` block: each derivative times its state's unit per ms."""
    lines = ["    equations:"]
    for k, rhs in spec.odes.items():
        per = f"1 {pr.units[k]}/ms" if pr.units[k] != "1" else "1/(1 ms)"
        lines.append(f"        {k}' = ({pr.ex(rhs)})*({per})")
    if refr:
        lines.append("        refr_t' = -1")
    return lines


def _input_block(spec: Any) -> list[str]:
    """The ``input`` block (continuous inputs and a spike port per receptor) and the ``output`` one."""
    lines = ["    input:"]
    for k, u in spec.inputs.items():
        lines.append(f"        {k} {_type(u)} <- continuous")
    for r, rec in spec.receptors.items():
        lines.append(f"        {r} <- spike  # weights in {fmt_unit(rec.unit)}")
    lines += ["    output:", "        spike"]
    return lines


# The timer counts down by the resolution in floating point (5 ms - 50 x 0.1 ms is 2.7e-15 ms, not 0):
# compared with a billionth of a step, it runs for ceil(t_ref/dt - 1e-9) steps, as neurounits counts.
_REFR_TOL = "1e-9 * resolution()"


def _update_block(spec: Any, refr: bool) -> list[str]:
    """The ``update`` block: the states held during the refractory period are not integrated."""
    lines = ["    update:"]
    states = list(spec.states)
    if refr:
        free = [s for s in states if s not in spec.hold]
        lines += [
            f"        if refr_t > {_REFR_TOL}:",
            f"            integrate_odes({', '.join([*free, 'refr_t'])})",
            "        else:",
            f"            integrate_odes({', '.join(states)})",
        ]
    else:
        lines.append("        integrate_odes()")
    return lines


def _receive_blocks(spec: Any, pr: _Printer) -> list[str]:
    """An ``onReceive`` block per receptor: its effects on the states, the weight times ``1 s``."""
    lines = []
    for r, rec in spec.receptors.items():
        lines.append(f"    onReceive({r}):")
        w = f"({r}*1 s)"
        factor = factor_to_internal(rec.unit)
        if factor != 1.0:
            w = f"{w}*{factor!r}"
        for state, coef in rec.effects:
            unit = "" if pr.units[state] == "1" else f"*(1 {pr.units[state]})"
            lines.append(f"        {state} += ({pr.ex(coef)})*{w}{unit}")
        if not rec.effects:
            lines.append("        pass")
    return lines


def _condition_block(spec: Any, pr: _Printer, refr: bool) -> list[str]:
    """The ``onCondition`` block of the threshold (none without one): the reset and the spike."""
    if spec.threshold is None:
        return []
    cond = pr.ex(spec.threshold)
    lines = [f"    onCondition(refr_t <= {_REFR_TOL} and ({cond})):" if refr else f"    onCondition({cond}):"]
    if refr:
        lines.append(f"        refr_t = ({pr.ex(spec.refractory)})*(1 ms)")
    for state, e in spec.reset:
        lines.append(f"        {state} = {pr.scaled(e, pr.units[state])}")
    lines.append("        emit_spike()")
    return lines
