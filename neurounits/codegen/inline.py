"""Straight-line functions emitted in place: ``@inlined`` (numba does not compile them).

The adaptive kernels evaluate the right-hand sides (``_f``) and an rkf45 try (``_try``) with
hundreds of floating-point operations.  Compiled by numba, every operation costs it a typing by
template search and a lowering in Python (about 2-3 ms each, seconds per kernel), and every
function a compilation of its own.  A function decorated with :func:`inlined` is instead an
intrinsic: at each call from compiled code, its body (read from its source) is emitted in
place, operation by operation, with numba's own typing and lowering of that operation (looked up
once per operation and argument types), so the instructions are those numba would emit for the
same Python, and the caller's fast-math flags apply to them.

Only straight-line code is accepted (:func:`inlinable`): assignments to names or tuples of names (from
an inlined function, or the tuple a compiled function returns)
(also ``+=``), calls for their effect and an optional final ``return``, of expressions made of
numbers, names, ``+ - * / ** & |``, unary ``-`` and ``not``, ``and``/``or`` of booleans, single
comparisons, ``a if c else b`` (both computed, as LLVM selects anyway), and calls of ``math``
functions, ``abs``, some of the runtime's helpers (``_rt.sel``, ``min2``, ``max2``, ``exp``,
``log``, ``at``, ``put``, ``lane``, ``phi1``, ``sigmoid``, ``softplus``) and other inlined
functions of the same module.  Its arguments may be of any type (arrays are passed on to the
helpers).  This module imports numba only when a function is decorated.
"""

from __future__ import annotations

import ast
import inspect
import operator
import textwrap
from typing import Any, ClassVar

from .. import pyparse

__all__ = ["inlinable", "inlined"]

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.BitAnd: operator.and_, ast.BitOr: operator.or_}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}
_RUNTIME = {"sel", "min2", "max2", "exp", "log", "at", "put", "lane", "phi1", "sigmoid", "softplus"}


class Unsupported(Exception):
    """The function is not straight-line code that :func:`inlined` can emit."""


def _check_expr(node: ast.expr, local: set[str]) -> None:
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (bool, int, float)):
            raise Unsupported(f"constant {node.value!r}")
    elif isinstance(node, ast.Name):
        pass
    elif isinstance(node, ast.Attribute):
        if not (isinstance(node.value, ast.Name) and node.value.id in ("math", "_rt")):
            raise Unsupported(ast.unparse(node))
        if node.value.id == "_rt" and node.attr not in _RUNTIME:
            raise Unsupported(ast.unparse(node))
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        _check_expr(node.left, local)
        _check_expr(node.right, local)
    elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        _check_expr(node.operand, local)
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        _check_expr(node.left, local)
        _check_expr(node.comparators[0], local)
    elif isinstance(node, ast.BoolOp):
        for v in node.values:
            _check_expr(v, local)
    elif isinstance(node, ast.IfExp):
        for v in (node.test, node.body, node.orelse):
            _check_expr(v, local)
    elif isinstance(node, ast.Call) and not node.keywords:
        f = node.func
        if isinstance(f, ast.Name):
            if f.id in local:
                raise Unsupported(ast.unparse(node))
        elif isinstance(f, ast.Attribute):
            _check_expr(f, local)
        else:
            raise Unsupported(ast.unparse(node))
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise Unsupported(ast.unparse(node))
            _check_expr(a, local)
    else:
        raise Unsupported(ast.unparse(node))


def _parse(source: str) -> tuple[str, list[str], list[ast.stmt]]:
    """(name, parameters, statements) of the function in ``source``; Unsupported if it is not
    straight-line code of the accepted forms."""
    tree = pyparse.parse(textwrap.dedent(source))
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        raise Unsupported("not one function")
    fn = tree.body[0]
    a = fn.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or a.defaults:
        raise Unsupported("only plain positional parameters")
    params = [p.arg for p in a.args]
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body:
        raise Unsupported("no statements")
    local = set(params)
    for st in body[:-1] if isinstance(body[-1], ast.Return) else body:
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):  # a call for its effect
            _check_expr(st.value, local)
            continue
        if isinstance(st, ast.AugAssign) and isinstance(st.target, ast.Name) and type(st.op) in _BINOPS:
            _check_expr(st.value, local)
            continue
        if not (isinstance(st, ast.Assign) and len(st.targets) == 1):
            raise Unsupported(ast.unparse(st))
        _check_expr(st.value, local)
        t = st.targets[0]
        names = t.elts if isinstance(t, ast.Tuple) else [t]
        if not all(isinstance(n, ast.Name) for n in names):
            raise Unsupported(ast.unparse(st))
        local |= {n.id for n in names if isinstance(n, ast.Name)}
    ret = body[-1].value if isinstance(body[-1], ast.Return) else None
    for e in ret.elts if isinstance(ret, ast.Tuple) else [ret] if ret is not None else []:
        _check_expr(e, local)
    return fn.name, params, body


def inlinable(source: str) -> bool:
    """Whether the function defined by ``source`` is straight-line code that :func:`inlined`
    accepts (the names it calls are resolved when it is used)."""
    try:
        _parse(source)
    except (Unsupported, SyntaxError):
        return False
    return True


class _Function:
    """A parsed straight-line function and the globals its names resolve in."""

    def __init__(self, fn: Any) -> None:
        self.name, self.params, self.body = _parse(inspect.getsource(fn))
        self.globals = fn.__globals__


_INLINED: dict[Any, _Function] = {}  # intrinsic -> its function


class _Emit:
    """Walks a function's statements: types only (``builder`` None) or emitting instructions.
    A value is (LLVM value or None, numba type, Python constant or None); a tuple is a list."""

    _sigs: ClassVar[dict] = {}  # (callee, argument types) -> signature, as numba's typing resolves it
    _fntys: ClassVar[dict] = {}  # callee -> its numba type

    def __init__(self, typingctx, context=None, builder=None) -> None:
        self.typingctx, self.context, self.builder = typingctx, context, builder

    def call(self, fn: _Function, args: list) -> Any:
        env = dict(zip(fn.params, args, strict=True))
        returns = isinstance(fn.body[-1], ast.Return)
        for st in fn.body[:-1] if returns else fn.body:
            if isinstance(st, ast.Expr):
                self.expr(st.value, env, fn)
                continue
            if isinstance(st, ast.AugAssign):  # (numbers: as x = x <op> value)
                assert isinstance(st.target, ast.Name)
                target = st.target.id
                env[target] = self.op(_BINOPS[type(st.op)], [env[target], self.expr(st.value, env, fn)])
                continue
            assert isinstance(st, ast.Assign)
            value = self.expr(st.value, env, fn)
            t = st.targets[0]
            if isinstance(t, ast.Tuple):
                if not isinstance(value, list):  # the tuple a compiled call returns
                    value = self.unpack(value, len(t.elts), st)
                if len(value) != len(t.elts):
                    raise Unsupported(ast.unparse(st))
                for n, v in zip(t.elts, value, strict=True):
                    env[n.id] = v  # type: ignore[attr-defined]
            else:
                env[t.id] = value  # type: ignore[attr-defined]
        if not returns:
            return None
        ret = fn.body[-1].value  # type: ignore[attr-defined]
        if isinstance(ret, ast.Tuple):
            return [self.materialise(self.expr(e, env, fn)) for e in ret.elts]
        return self.materialise(self.expr(ret, env, fn))

    def unpack(self, v, n: int, st: ast.stmt) -> list:
        """The items of the tuple value ``v`` (of ``n`` items), e.g. the result of a compiled call."""
        from numba.core import types

        if v is None or not isinstance(v[1], types.BaseTuple) or len(v[1]) != n:
            raise Unsupported(ast.unparse(st))
        tup: Any = v[1]
        tys = list(tup.types)  # the items' types
        if self.builder is None:
            return [(None, ty, None) for ty in tys]
        return [(self.builder.extract_value(v[0], i), ty, None) for i, ty in enumerate(tys)]

    def materialise(self, v):
        """A constant as a typed value (for a result)."""
        if v is None or isinstance(v, list) or v[0] is not None or self.builder is None:
            return v
        return (self.context.get_constant_generic(self.builder, v[1], v[2]), v[1], v[2])

    def const(self, value) -> tuple:
        ty = self.typingctx.resolve_value_type(value)
        return (None, ty, value)

    def resolve(self, node: ast.expr, fn: _Function) -> Any:
        """The Python object a global name or attribute refers to."""
        if isinstance(node, ast.Name):
            if node.id in fn.globals:
                return fn.globals[node.id]
            import builtins
            return getattr(builtins, node.id)
        assert isinstance(node, ast.Attribute)
        return getattr(self.resolve(node.value, fn), node.attr)

    def expr(self, node: ast.expr, env: dict, fn: _Function) -> Any:
        if isinstance(node, ast.Constant):
            return self.const(node.value)
        if isinstance(node, ast.Name) and node.id in env:
            return env[node.id]
        if isinstance(node, (ast.Name, ast.Attribute)):
            obj = self.resolve(node, fn)
            if isinstance(obj, (bool, int, float)):  # a global constant, as numba freezes it
                return self.const(obj)
            raise Unsupported(ast.unparse(node))
        if isinstance(node, ast.BinOp):
            return self.op(_BINOPS[type(node.op)],
                           [self.expr(node.left, env, fn), self.expr(node.right, env, fn)])
        if isinstance(node, ast.UnaryOp):
            return self.op(_UNARY[type(node.op)], [self.expr(node.operand, env, fn)])
        if isinstance(node, ast.Compare):
            operands = [self.expr(node.left, env, fn), self.expr(node.comparators[0], env, fn)]
            return self.op(_COMPARE[type(node.ops[0])], operands, fold=False)
        if isinstance(node, ast.BoolOp):  # of booleans: & or |
            values = [self.expr(v, env, fn) for v in node.values]
            from numba.core import types
            if not all(isinstance(v, tuple) and isinstance(v[1], types.Boolean) for v in values):
                raise Unsupported(ast.unparse(node))
            key = operator.and_ if isinstance(node.op, ast.And) else operator.or_
            out = values[0]
            for v in values[1:]:
                out = self.op(key, [out, v], fold=False)
            return out
        if isinstance(node, ast.IfExp):  # both sides computed, then selected (runtime.sel)
            from . import runtime
            parts = [self.expr(v, env, fn) for v in (node.test, node.body, node.orelse)]
            return self.op(runtime.sel, parts, fold=False)
        if isinstance(node, ast.Call):
            callee = self.resolve(node.func, fn)
            args = [self.expr(a, env, fn) for a in node.args]
            if callee in _INLINED:
                return self.call(_INLINED[callee], [self.materialise(a) for a in args])
            return self.op(callee, args, fold=False)
        raise Unsupported(ast.unparse(node))

    def op(self, key, args: list, fold: bool = True) -> tuple:
        """``key(*args)``: folded when every argument is a number (as CPython folds constant
        arithmetic when it compiles), else typed and lowered as numba would."""
        if any(isinstance(a, list) for a in args):
            raise Unsupported("a tuple as an operand")
        if fold and all(a[2] is not None for a in args):
            return self.const(key(*(a[2] for a in args)))
        argtys = tuple(a[1] for a in args)
        fnty = self._fntys.get(key)
        if fnty is None:
            fnty = self._fntys[key] = self.typingctx.resolve_value_type(key)
        sig = self._sigs.get((key, argtys))
        if sig is None:
            sig = self.typingctx.resolve_function_type(fnty, argtys, {})
            if sig is None:
                raise Unsupported(f"{key} of {argtys}")
            self._sigs[(key, argtys)] = sig
        if self.builder is None:
            return (None, sig.return_type, None)
        ctx, b = self.context, self.builder
        vals = [self.materialise(a) for a in args]
        cast = [ctx.cast(b, v[0], v[1], t) for v, t in zip(vals, sig.args, strict=True)]
        return (ctx.get_function(fnty, sig)(b, cast), sig.return_type, None)


def _pack(emit: _Emit, result):
    """The numba type of a function's result and, when emitting, its value (a tuple is built)."""
    from numba.core import types

    if result is None:
        return types.none, None if emit.builder is None else emit.context.get_dummy_value()
    if not isinstance(result, list):
        return result[1], result[0]
    ty = types.BaseTuple.from_types([r[1] for r in result])
    if emit.builder is None:
        return ty, None
    return ty, emit.context.make_tuple(emit.builder, ty, [r[0] for r in result])


def inlined(fn: Any) -> Any:
    """The straight-line function ``fn`` as an intrinsic whose body is emitted at each call (see
    the module docstring)."""
    from numba.core.extending import intrinsic

    f = _Function(fn)

    def impl(typingctx, args):
        ret, _ = _pack(_Emit(typingctx), _Emit(typingctx).call(f, [(None, a, None) for a in args]))

        def codegen(context, builder, signature, llargs):
            emit = _Emit(context.typing_context, context, builder)
            result = emit.call(f, [(v, t, None) for v, t in zip(llargs, signature.args, strict=True)])
            return _pack(emit, result)[1]
        return ret(*args), codegen

    # the typing function, with fn's parameters (numba folds a call's arguments by its signature)
    params = ", ".join(f.params)
    packed = f"({params},)" if params else "()"
    scope: dict[str, Any] = {"_impl": impl}
    exec(f"def {f.name}(typingctx, {params}):\n    return _impl(typingctx, {packed})\n", scope)
    typer = scope[f.name]
    typer.__doc__ = fn.__doc__
    intr = intrinsic(typer)
    _INLINED[intr] = f
    return intr
