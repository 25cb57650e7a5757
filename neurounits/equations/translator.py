"""The translation of an expression's tree (``ast``) to sympy in internal units, checking every
term's dimension (used by :func:`.parse.translate`)."""

from __future__ import annotations

import ast
import math
from typing import Any, ClassVar

import sympy

from ..errors import EquationError, Problem, did_you_mean
from ..parameters import describe_dim
from ..units import factor_to_internal, fmt_unit, is_offset_unit, is_unit_name, ureg
from .functions import ANY_TO_ONE, DIMENSIONLESS, FUNCTIONS, SAME, SQRT
from .limits import MAX_EXPONENT
from .notation import NOTATIONS, unit_note
from .randomness import RANDOM_FUNCTIONS, random_call
from .scope import NOISE_NAME, NOISE_UNIT, ONE, Scope, Translated, noise_symbol, readable
from .userfunctions import USER_FUNCTIONS, call_user_function


def _is_sum(node: ast.AST) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))


class _Translator:
    def __init__(self, text: str, scope: Scope, where: str) -> None:
        self.text, self.scope, self.where = text, scope, where
        self.problems: list[Problem] = []
        self.infinite = False  # 'inf' was used: an infinite constant is meant

    # -- helpers ---------------------------------------------------------
    def seg(self, node: ast.AST) -> str:
        return (ast.get_source_segment(self.text, node) or ast.unparse(node)).strip()

    def problem(self, msg: str, dimension: bool = True) -> None:
        self.problems.append(Problem(f"model '{self.scope.model}', {self.where}: {msg}", dimension))

    def error(self, msg: str) -> EquationError:
        return EquationError(f"model '{self.scope.model}', {self.where}: {msg}")

    def number(self, node: ast.AST, t: Translated) -> Translated:
        """``t``, which must be a number, not a condition (``(V > V_th)*x`` is refused)."""
        if t.condition:
            raise self.error(
                f"'{self.seg(node)}' is a condition (true or false), not a number, and cannot be used in "
                "arithmetic; write 'x if condition else y' or heaviside(...) for a number that depends on it")
        return t

    def cond(self, node: ast.AST, t: Translated) -> Translated:
        """``t``, which must be a condition (the test of ``a if c else b``, and/or/not); the refractory
        flag ``not_refractory`` (1 or 0) is one: ``not_refractory > 0``."""
        if getattr(t.sym, "name", "") == "_active":
            return Translated(sympy.StrictGreaterThan(t.sym, 0), ONE, True)
        if not t.condition:
            raise self.error(f"'{self.seg(node)}' is not a condition; write a comparison such as 'V > V_th' "
                             "(a number is not true or false here)")
        return t

    def constant(self, node: ast.AST, sym: Any) -> None:
        """A constant (no names) must evaluate to a finite real number."""
        if sym.free_symbols or not sym.is_number:
            return
        try:
            val = float(sym.evalf(17))
        except (TypeError, ValueError, OverflowError):
            val = math.nan
        if not math.isfinite(val):
            raise self.error(f"the constant '{self.seg(node)}' is not a finite real number (floats reach "
                             "about 1.8e308); give a smaller value")

    def hint(self, node: ast.AST) -> str:
        """Which declared names the term uses, and a note for each name read as notation or as a
        unit although a modeller may have meant a variable (``e``, ``dt``, ``g``, ...)."""
        ids = list(dict.fromkeys(n.id for n in ast.walk(node) if isinstance(n, ast.Name)))
        notes = "".join(unit_note(u) for u in ids if u not in self.scope.names
                        and (u in NOTATIONS or is_unit_name(u)))
        used = [u for u in ids if u in self.scope.names and self.scope.names[u].kind != "time"]
        if not used:
            return notes
        if len(used) == 1:
            nm = self.scope.names[used[0]]
            return (f"\n  Hint: '{used[0]}' is declared in {fmt_unit(nm.unit)}; "
                    f"check its unit in the {nm.kind} table.") + notes
        parts = ", ".join(f"{u} [{fmt_unit(self.scope.names[u].unit)}]" for u in used)
        return f"\n  Hint: the term uses {parts}; check their units." + notes

    # -- entry -----------------------------------------------------------
    def top(self, node: ast.AST, expected: Any, what: str, scale: Any = ONE) -> Translated:
        """Translate ``node`` whose unit times ``scale`` must be ``expected``.

        Sums are checked term by term; the expected unit is carried through a
        division or a product by a factor, so that in ``(a*(V - E_L) - w)/tau_w``
        the offending term ``a*(V - E_L)`` is named, in the unit of the whole.
        """
        if expected is None:
            return self.visit(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            return self.sum(node, expected, what, scale)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Mult)):
            if _is_sum(node.left) and not _is_sum(node.right):
                r = self.number(node.right, self.visit(node.right))
                f = scale / r.unit if isinstance(node.op, ast.Div) else scale * r.unit
                left = self.top(node.left, expected, what, f)
                if isinstance(node.op, ast.Div):
                    return Translated(left.sym / r.sym, left.unit / r.unit)
                return Translated(left.sym * r.sym, left.unit * r.unit)
            if isinstance(node.op, ast.Mult) and _is_sum(node.right) and not _is_sum(node.left):
                lf = self.number(node.left, self.visit(node.left))
                right = self.top(node.right, expected, what, scale * lf.unit)
                return Translated(lf.sym * right.sym, lf.unit * right.unit)
        res = self.number(node, self.visit(node))
        if (res.unit * scale).dimensionality != expected.dimensionality:
            got = res.unit * scale
            self.problem(
                f"expected {what} in {readable(expected)} ({describe_dim(expected)}), "
                f"got {readable(got)} ({describe_dim(got)}) "
                f"from  {self.seg(node)}{self.hint(node)}")
        return res

    def visit(self, node: ast.AST) -> Translated:
        meth = getattr(self, "v_" + type(node).__name__, None)
        if meth is None:
            raise EquationError(
                f"model '{self.scope.model}', {self.where}: '{self.seg(node)}' is not allowed in an "
                "expression (use numbers, names, + - * / **, comparisons and functions such as exp())")
        return meth(node)

    # -- leaves ----------------------------------------------------------
    def v_Constant(self, node: ast.Constant) -> Translated:
        v = node.value
        if isinstance(v, bool):  # True, False: conditions (the values of bool states)
            return Translated(sympy.true if v else sympy.false, ONE, True)
        if not isinstance(v, int | float):
            raise EquationError(f"model '{self.scope.model}', {self.where}: {v!r} is not a number")
        sym = sympy.Integer(v) if isinstance(v, int) else sympy.Float(v)
        self.constant(node, sym)
        return Translated(sym, ONE)

    def v_Name(self, node: ast.Name) -> Translated:
        name = node.id
        if name in self.scope.names:
            nm = self.scope.names[name]
            return Translated(nm.sym, nm.unit)
        if NOISE_NAME.match(name):
            return self.noise(name)
        if name in NOTATIONS:
            return self.notation(name)
        if name in FUNCTIONS or name in USER_FUNCTIONS:
            raise EquationError(f"model '{self.scope.model}', {self.where}: the function '{name}' "
                                f"must be called, e.g. {name}(x)")
        if is_unit_name(name):
            unit = ureg.Unit(name)
            if len(name) == 1 and name.islower():  # h (hour), s, m, g, a, d, e, ...: model names
                raise self.error(
                    f"unknown name '{name}': it is not declared in this model, and pint would read it as "
                    f"the unit {unit} ({name} = 1 {unit}). Declare '{name}' (a parameter, state or input) if "
                    f"it is a model variable; a one-letter lower-case name is never read as a unit, so "
                    f"write the unit in full ('{unit}') or with a prefix (e.g. 'ms' for 's')")
            if is_offset_unit(unit):
                raise self.error(f"the offset unit '{name}' cannot be used in an expression (a temperature "
                                 "in degC cannot be added or multiplied); use K (kelvin), or give the "
                                 f"value as a parameter: parameters in {name} convert to kelvin")
            try:
                f = factor_to_internal(unit)
            except Exception:
                self.problem(f"the unit '{name}' cannot be used in an equation (offset units such as "
                             "degC cannot be multiplied); convert the value to kelvin first")
                return Translated(sympy.Integer(1), unit)
            return Translated(sympy.Float(f) if f != 1.0 else sympy.Integer(1), unit)
        tip = did_you_mean(name, [*self.scope.names, *FUNCTIONS])
        raise EquationError(
            f"model '{self.scope.model}', {self.where}: unknown name '{name}': it is not a parameter, "
            f"state, input, named expression, function or unit of this model.{tip}")

    def notation(self, name: str) -> Translated:
        """``t``, ``dt``, ``e`` or ``inf`` where the model defines no such name (see :mod:`.notation`)."""
        nt = NOTATIONS[name]
        if name in ("t", "dt") and not self.scope.time:
            raise self.error(f"'{name}' ({nt.meaning}) cannot be used here: {self.scope.time_why}")
        if name == "inf":
            self.infinite = True
        return Translated(nt.sym, nt.unit)

    # -- arithmetic ------------------------------------------------------
    def _terms(self, node: ast.AST, sign: int, out: list) -> None:
        """The terms of a sum, in order, with their signs (iterative: a sum may have many terms)."""
        stack = [(node, sign)]
        while stack:
            n, sg = stack.pop()
            if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub)):
                stack.append((n.right, sg if isinstance(n.op, ast.Add) else -sg))
                stack.append((n.left, sg))
            else:
                out.append((sg, n))

    def sum(self, node: ast.AST, expected: Any, what: str = "", scale: Any = ONE) -> Translated:
        terms: list = []
        self._terms(node, 1, terms)
        done = [(s, n, self.number(n, self.visit(n))) for s, n in terms]
        if expected is not None:
            ref_unit = expected / scale
        else:
            ref_unit = done[0][2].unit
        for _, n, r in done:
            if r.unit.dimensionality == ref_unit.dimensionality:
                continue
            if expected is not None:
                got = r.unit * scale
                self.problem(
                    f"expected {what} in {readable(expected)} ({describe_dim(expected)}), "
                    f"got {readable(got)} ({describe_dim(got)}) from term  {self.seg(n)}{self.hint(n)}")
            else:
                self.problem(
                    f"cannot add or subtract terms in different units: {self.seg(done[0][1])} is in "
                    f"{readable(ref_unit)} but {self.seg(n)} is in {readable(r.unit)}{self.hint(n)}")
        total = sympy.Add(*[r.sym if s > 0 else -r.sym for s, _, r in done])
        return Translated(total, ref_unit)

    def v_BinOp(self, node: ast.BinOp) -> Translated:
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return self.sum(node, None)
        if isinstance(node.op, ast.Pow):
            return self.power(node)
        if isinstance(node.op, (ast.Mult, ast.Div)):
            return self.product(node)
        raise EquationError(f"model '{self.scope.model}', {self.where}: the operator in "
                            f"'{self.seg(node)}' is not supported (use + - * / **)")

    def product(self, node: ast.BinOp) -> Translated:
        """A chain of * and / (iterative: a product may have many factors)."""
        factors: list[tuple[bool, ast.AST]] = []  # (divides, node), in order
        stack: list[tuple[bool, ast.AST]] = [(False, node)]
        while stack:
            div, n = stack.pop()
            if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mult, ast.Div)) and not div:
                stack.append((isinstance(n.op, ast.Div), n.right))
                stack.append((False, n.left))
            else:
                factors.append((div, n))
        sym, unit = sympy.Integer(1), ONE
        for k, (div, n) in enumerate(factors):
            t = self.number(n, self.visit(n))
            if k == 0:
                sym, unit = t.sym, t.unit
            elif div:
                try:
                    sym, unit = sym / t.sym, unit / t.unit
                except ZeroDivisionError:  # 0.0/0.0 in sympy's floats
                    raise self.error(f"'{self.seg(node)}' divides by zero") from None
            else:
                sym, unit = sym * t.sym, unit * t.unit
        if sym.has(sympy.zoo, sympy.nan) or (not self.infinite and sym.has(sympy.oo, -sympy.oo)):
            raise self.error(f"'{self.seg(node)}' divides by zero")
        return Translated(sym, unit)

    def power(self, node: ast.BinOp) -> Translated:
        base = self.number(node.left, self.visit(node.left))
        ex = self.number(node.right, self.visit(node.right))
        if ex.sym.is_number and not ex.sym.free_symbols:
            try:
                big = abs(float(ex.sym)) > MAX_EXPONENT
            except (TypeError, OverflowError):
                big = True
            if big:
                raise self.error(f"the exponent in  {self.seg(node)}  is larger than {MAX_EXPONENT} in "
                                 "magnitude; "
                                 "such a power is not a finite float")
        if ex.unit.dimensionality != ONE.dimensionality:
            self.problem(f"the exponent of  {self.seg(node)}  must be dimensionless, got "
                         f"{readable(ex.unit)}{self.hint(node.right)}")
            return Translated(base.sym, base.unit)
        if base.unit.dimensionality == ONE.dimensionality:
            out = base.sym ** ex.sym
            self.constant(node, out)
            return Translated(out, ONE)
        if not ex.sym.is_number:
            self.problem(f"in  {self.seg(node)}  a quantity in {readable(base.unit)} is raised to a "
                         "power that is not a constant number; the unit of the result would change "
                         "with the value")
            return Translated(base.sym, base.unit)
        p = sympy.nsimplify(ex.sym)
        return Translated(base.sym ** p, base.unit ** float(p))

    def v_UnaryOp(self, node: ast.UnaryOp) -> Translated:
        a = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            self.number(node.operand, a)
            return Translated(-a.sym, a.unit)
        if isinstance(node.op, ast.UAdd):
            return self.number(node.operand, a)
        if isinstance(node.op, ast.Not):
            self.cond(node.operand, a)
            return Translated(sympy.Not(a.sym), ONE, True)
        raise EquationError(f"model '{self.scope.model}', {self.where}: '{self.seg(node)}' is not supported")

    def v_Call(self, node: ast.Call) -> Translated:
        if isinstance(node.func, ast.Name) and node.func.id == "prev" and self.scope.allow_prev:
            return self.prev(node)
        if isinstance(node.func, ast.Name) and node.func.id == "pow" and not node.keywords:
            if len(node.args) != 2:
                raise self.error(f"pow() takes two arguments (pow(x, y) is x**y), got {len(node.args)} in  "
                                 f"{self.seg(node)}")
            return self.power(ast.copy_location(ast.BinOp(node.args[0], ast.Pow(), node.args[1]), node))
        if isinstance(node.func, ast.Name) and node.func.id in RANDOM_FUNCTIONS:
            return random_call(self, node)
        if isinstance(node.func, ast.Name) and node.func.id in USER_FUNCTIONS:
            return call_user_function(self, node)
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            fname = self.seg(node.func)
            tip = did_you_mean(fname, [*FUNCTIONS, *USER_FUNCTIONS])
            raise EquationError(f"model '{self.scope.model}', {self.where}: unknown function "
                                f"'{fname}'.{tip} Available: {', '.join(sorted(FUNCTIONS))}")
        fname = node.func.id
        func, rule, nargs = FUNCTIONS[fname]
        if (nargs is not None and len(node.args) != nargs) or (nargs is None and len(node.args) < 2):
            want = nargs if nargs is not None else "two or more"
            raise EquationError(f"model '{self.scope.model}', {self.where}: {fname}() takes {want} "
                                f"argument(s), got {len(node.args)} in  {self.seg(node)}")
        args = [self.number(a, self.visit(a)) for a in node.args]
        if all(a.sym.is_number for a in args):
            self.constant(node, func(*[a.sym for a in args]))
        if rule == DIMENSIONLESS:
            a = args[0]
            if a.unit.dimensionality != ONE.dimensionality:
                self.problem(
                    f"the argument of {fname}() must be dimensionless, got {readable(a.unit)} "
                    f"({describe_dim(a.unit)}) from  {self.seg(node.args[0])}{self.hint(node.args[0])}"
                    "\n  Divide it by a reference value in the same unit, e.g. exp((V - V_T)/Delta_T).")
            return Translated(func(a.sym), ONE)
        if rule == SQRT:
            return Translated(func(args[0].sym), args[0].unit ** 0.5)
        if rule == ANY_TO_ONE:
            return Translated(func(args[0].sym), ONE)
        assert rule == SAME
        ref = args[0].unit
        for a, n in zip(args[1:], node.args[1:], strict=True):
            if a.unit.dimensionality != ref.dimensionality:
                self.problem(f"the arguments of {fname}() must share one unit: "
                             f"{self.seg(node.args[0])} is in {readable(ref)} but {self.seg(n)} is in "
                             f"{readable(a.unit)}{self.hint(n)}")
        return Translated(func(*[a.sym for a in args]), ref)

    def noise(self, name: str) -> Translated:
        """White noise ``xi`` (``xi_<suffix>`` for further independent ones), in 1/sqrt(ms)."""
        if self.scope.noise is None:
            raise EquationError(f"model '{self.scope.model}', {self.where}: the white noise '{name}' may "
                                "appear only in differential equations, named expressions and update "
                                "statements")
        if name not in self.scope.noise:
            self.scope.noise.append(name)
        return Translated(noise_symbol(name), NOISE_UNIT)

    def prev(self, node: ast.Call) -> Translated:
        """``prev(V)``: the state's value at the start of the step (threshold and reset only)."""
        arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
        name = arg.id if isinstance(arg, ast.Name) else ""
        nm = self.scope.names.get(name) if name else None
        if nm is None or nm.kind != "state":
            raise EquationError(f"model '{self.scope.model}', {self.where}: prev() takes one state, "
                                f"e.g. prev(V), got  {self.seg(node)}")
        return Translated(sympy.Symbol(f"_prev_{name}", real=True), nm.unit)

    # -- logic -----------------------------------------------------------
    _CMP: ClassVar[dict] = {
        ast.Lt: sympy.StrictLessThan, ast.LtE: sympy.LessThan, ast.Gt: sympy.StrictGreaterThan,
        ast.GtE: sympy.GreaterThan, ast.Eq: sympy.Eq, ast.NotEq: sympy.Ne}

    def v_Compare(self, node: ast.Compare) -> Translated:
        operands = [node.left, *node.comparators]
        vals = [self.number(o, self.visit(o)) for o in operands]
        rels = []
        for k, op in enumerate(node.ops):
            a, b = vals[k], vals[k + 1]
            if type(op) not in self._CMP:
                raise EquationError(f"model '{self.scope.model}', {self.where}: comparison "
                                    f"'{self.seg(node)}' is not supported")
            if a.unit.dimensionality != b.unit.dimensionality:
                self.problem(
                    f"cannot compare {self.seg(operands[k])} ({readable(a.unit)}, {describe_dim(a.unit)}) "
                    f"with {self.seg(operands[k + 1])} ({readable(b.unit)}, {describe_dim(b.unit)})"
                    f"{self.hint(node)}")
            rels.append(self._CMP[type(op)](a.sym, b.sym, evaluate=False))
        return Translated(sympy.And(*rels) if len(rels) > 1 else rels[0], ONE, True)

    def v_BoolOp(self, node: ast.BoolOp) -> Translated:
        vals = [self.cond(v, self.visit(v)) for v in node.values]
        op = sympy.And if isinstance(node.op, ast.And) else sympy.Or
        return Translated(op(*[v.sym for v in vals]), ONE, True)

    def v_IfExp(self, node: ast.IfExp) -> Translated:
        cond = self.cond(node.test, self.visit(node.test))
        a = self.number(node.body, self.visit(node.body))
        b = self.number(node.orelse, self.visit(node.orelse))
        if a.unit.dimensionality != b.unit.dimensionality:
            self.problem(f"both branches of  {self.seg(node)}  must share one unit: "
                         f"{readable(a.unit)} vs {readable(b.unit)}")
        return Translated(sympy.Piecewise((a.sym, cond.sym), (b.sym, True)), a.unit)

