"""The intrinsics that generated kernels call at every use (part of :mod:`.runtime`, which re-exports them).

- :func:`at`, :func:`put`, :func:`lane`, :func:`grow`: array access without numba's full indexing code;
- :func:`sel`, :func:`min2`, :func:`max2`: ``a if c else b``, ``min(a, b)``, ``max(a, b)`` as selects;
- :func:`exp` and :func:`log`: branch-free, so that loops calling them vectorise (emitted as LLVM IR,
  operation for operation as numba compiles :func:`exp_reference` and :func:`log_reference`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import cast

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.extending import intrinsic
from numba.core.imputils import impl_ret_new_ref
from numba.cpython.builtins import do_minmax
from numba.np.arrayobj import make_array, populate_array

__all__ = ["at", "exp", "exp_reference", "grow", "lane", "log", "log_reference", "max2", "min2", "put", "sel"]


@intrinsic
def _bits_to_float(typingctx, bits):
    """Reinterpret the bits of an int64 as a float64."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def _float_to_bits(typingctx, x):
    """Reinterpret the bits of a float64 as an int64."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


# The intrinsics as compiled code calls them (numba's stubs type such a call as one of the typing
# function, typingctx first, that never returns); the same objects, for the type checker.
_as_float = cast("Callable[[int | np.integer], float]", _bits_to_float)
_as_int = cast("Callable[[float], int]", _float_to_bits)


# The helpers that generated code calls at every use (at, lane, sel, min2, max2, exp, log) are
# intrinsics: numba types each call cheaply and emits its few instructions in place.  As compiled
# functions (numba's overloads, or @njit with inline="always"), every signature would be a
# compilation of its own and every call site a call to lower (or a body to type and lower again),
# which cost seconds in a kernel with hundreds of calls.  They emit what numba emits for the
# Python they replace (the same instructions; the caller's fast-math flags apply to them).
def _lean(a: types.Type) -> bool:
    """A 1-d contiguous array, whose item i :func:`_load` reads."""
    return isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C"


def _load(context, builder, aty, arr, idx, idxty):
    """Item ``idx`` (>= 0) of the 1-d contiguous array ``arr``: numba's load of the item, without
    the rest of its indexing code (the array's fields through memory, negative indices), which it
    emits, and LLVM then removes, at every access."""
    data = builder.extract_value(arr, context.data_model_manager[aty].get_field_position("data"))
    i = context.cast(builder, idx, idxty, types.intp)
    return context.unpack_value(builder, aty.dtype, builder.gep(data, [i], inbounds=True),
                                align=None if aty.aligned else 1)


@intrinsic
def at(typingctx, a, i):
    """``a[i]`` for an array (i >= 0; generated code reads arrays with it), ``a`` itself for one
    value shared by all neurons (a parameter of neuron i, whether per-neuron or shared)."""
    if isinstance(a, types.Array) and isinstance(i, types.Integer):
        if not _lean(a):  # numba's indexing, as a[i]
            sig = typingctx.resolve_function_type(operator.getitem, (a, i), {})
            return sig, lambda context, builder, signature, args: context.get_function(
                operator.getitem, signature)(builder, args)
        return a.dtype(a, i), lambda context, builder, signature, args: _load(
            context, builder, a, args[0], args[1], signature.args[1])
    return a(a, i), lambda context, builder, signature, args: args[0]


@intrinsic
def put(typingctx, a, i, v):
    """``a[i] = v`` (i >= 0; generated code writes arrays with it), as numba stores the item, without
    the rest of its indexing code."""
    if not (isinstance(a, types.Array) and isinstance(i, types.Integer) and a.mutable):
        return None

    if not _lean(a):  # numba's indexing, as a[i] = v
        sig = typingctx.resolve_function_type(operator.setitem, (a, i, v), {})

        def generic(context, builder, signature, args):
            context.get_function(operator.setitem, sig)(builder, args)
            return context.get_dummy_value()
        return types.none(a, i, v), generic

    def codegen(context, builder, signature, args):
        aty, idx, val = a, args[1], context.cast(builder, args[2], signature.args[2], a.dtype)
        data = builder.extract_value(args[0], context.data_model_manager[aty].get_field_position("data"))
        i = context.cast(builder, idx, signature.args[1], types.intp)
        context.pack_value(builder, aty.dtype, val, builder.gep(data, [i], inbounds=True),
                           align=None if aty.aligned else 1)
        return context.get_dummy_value()
    return types.none(a, i, v), codegen


@intrinsic
def lane(typingctx, a, ls, k):
    """A lane's copy ``ls[k]`` (k >= 0) of a per-neuron value, or ``a`` itself when it is shared by
    all."""
    if isinstance(a, types.Array) and _lean(ls) and isinstance(k, types.Integer):
        def codegen(context, builder, signature, args):
            return _load(context, builder, ls, args[1], args[2], signature.args[2])
        return ls.dtype(a, ls, k), codegen
    return a(a, ls, k), lambda context, builder, signature, args: args[0]


@intrinsic
def grow(typingctx, a, need):
    """A copy of the 1-d array ``a`` with room for max(2 len(a), need) + 16 items (the spike
    list, when it is full): allocated and copied in place, as numba's ``np.empty`` and a copy loop
    would (which numba would compile, with the allocation's overloads, in every fresh process)."""
    if not (isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C"
            and isinstance(need, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        aty = signature.args[0]
        src = make_array(aty)(context, builder, args[0])
        n = builder.extract_value(src.shape, 0)
        want = context.cast(builder, args[1], signature.args[1], types.intp)
        twice = builder.mul(n, n.type(2))
        size = builder.add(builder.select(builder.icmp_signed(">", twice, want), twice, want), n.type(16))
        item = context.get_abi_sizeof(context.get_data_type(aty.dtype))
        meminfo = context.nrt.meminfo_alloc_aligned(builder, builder.mul(size, n.type(item)),
                                                     context.get_preferred_array_alignment(aty.dtype))
        data = builder.bitcast(context.nrt.meminfo_data(builder, meminfo), src.data.type)
        out = make_array(aty)(context, builder)
        populate_array(out, data=data, shape=cgutils.pack_array(builder, [size]),
                       strides=cgutils.pack_array(builder, [n.type(item)]), itemsize=n.type(item),
                       meminfo=meminfo)
        cgutils.raw_memcpy(builder, data, src.data, n, item)
        return impl_ret_new_ref(context, builder, aty, out._getvalue())
    return a(a, need), codegen


def _minmax(typingctx, a, b, op):
    ty = typingctx.unify_types(types.unliteral(a), types.unliteral(b))
    if ty is None or not all(isinstance(t, types.Number) for t in (a, b)):
        return None

    def codegen(context, builder, signature, args):
        return do_minmax(context, builder, list(signature.args), list(args), op)
    return ty(a, b), codegen


@intrinsic
def min2(typingctx, a, b):
    """``min(a, b)`` of two numbers, as numba computes it (``b if b < a else a``)."""
    return _minmax(typingctx, a, b, operator.lt)


@intrinsic
def max2(typingctx, a, b):
    """``max(a, b)`` of two numbers, as numba computes it (``b if b > a else a``)."""
    return _minmax(typingctx, a, b, operator.gt)


@intrinsic
def sel(typingctx, c, a, b):
    """``a if c else b`` as one select instruction: generated code uses it instead of a conditional
    expression (numba compiles every branch into blocks of its own, slowly) or a compiled function
    (each call costs numba a call site to lower, and LLVM an inlining); a and b are converted to
    their common type."""
    ty = typingctx.unify_types(types.unliteral(a), types.unliteral(b))
    if ty is None:
        return None

    def codegen(context, builder, signature, args):
        c_, a_, b_ = (context.cast(builder, v, t, to) for v, t, to in
                      zip(args, signature.args, (types.boolean, ty, ty), strict=True))
        return builder.select(c_, a_, b_)
    return ty(c, a, b), codegen


_LN2_HI = 0.6931471803691238
_LN2_LO = 1.9082149292705877e-10


def exp_reference(x):
    """:func:`exp` as Python, to be compiled by numba (what the intrinsic emits, operation for
    operation): e**x as
    2**k * p(r), |r| <= ln2/2, degree-13 Taylor polynomial: branch-free, so that LLVM
    vectorises loops that use it (libm's exp is an opaque call).  Error <= 2 ulp; 0 below -708."""
    k = math.floor(x * 1.4426950408889634 + 0.5)
    r = x - k * _LN2_HI - k * _LN2_LO
    # the Taylor polynomial by Estrin's scheme: the terms are independent, so the latency is a
    # few multiply-adds rather than 13 in a chain (sub-step loops wait on it)
    r2 = r * r
    r4 = r2 * r2
    q0 = (1.0 + r) + r2 * (0.5 + r * (1.0 / 6.0))
    q1 = (1.0 / 24.0 + r * (1.0 / 120.0)) + r2 * (1.0 / 720.0 + r * (1.0 / 5040.0))
    q2 = (1.0 / 40320.0 + r * (1.0 / 362880.0)) + r2 * (1.0 / 3628800.0 + r * (1.0 / 39916800.0))
    q3 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0)
    p = (q0 + r4 * q1) + (r4 * r4) * (q2 + r4 * q3)
    kk = min(max(k, -1022.0), 1023.0)
    y = p * _as_float((np.int64(kk) + 1023) << 52)
    y = y * 2.0 if k > 1023.0 else y  # 2**1024 is not a double: x in (709.09, 709.78]
    y = math.inf if x > 709.782712893384 else y
    y = 0.0 if x < -708.0 else y
    return x if x != x else y


def log_reference(x):
    """:func:`log` as Python, to be compiled by numba (what the intrinsic emits, operation for
    operation): natural logarithm, branch-free: exponent from the bits, 2 atanh(s) series for
    the mantissa."""
    tiny = x < 2.2250738585072014e-308  # subnormal: scale by 2**54 first
    bits = _as_int(x * 18014398509481984.0 if tiny else x)
    e = ((bits >> 52) & 0x7FF) - (1023 + 54 if tiny else 1023)
    m = _as_float((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)  # in [1, 2)
    big = m > 1.4142135623730951
    m = m * 0.5 if big else m
    e = e + 1 if big else e
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    z2 = z * z
    z4 = z2 * z2
    q = ((1.0 + z * (1.0 / 3.0)) + z2 * (1.0 / 5.0 + z * (1.0 / 7.0))
         + z4 * ((1.0 / 9.0 + z * (1.0 / 11.0)) + z2 * (1.0 / 13.0 + z * (1.0 / 15.0))
                 + z4 * ((1.0 / 17.0 + z * (1.0 / 19.0)) + z2 * (1.0 / 21.0))))
    y = e * _LN2_HI + (2.0 * s * q + e * _LN2_LO)
    y = -math.inf if x == 0.0 else y
    y = math.nan if x < 0.0 else y
    return x if (x == math.inf or x != x) else y


class _IR:
    """Emits numba's instructions for float64 and int64 arithmetic (see exp_reference)."""

    F64, I64 = ir.DoubleType(), ir.IntType(64)

    def __init__(self, builder):
        self.b = builder

    def f(self, v):  # a float64 constant
        return ir.Constant(self.F64, v)

    def i(self, v):  # an int64 constant
        return ir.Constant(self.I64, v)

    def add(self, a, b):
        return self.b.fadd(a, b)

    def sub(self, a, b):
        return self.b.fsub(a, b)

    def mul(self, a, b):
        return self.b.fmul(a, b)

    def cmp(self, op, a, b):  # ordered, as numba's float comparisons (!= unordered)
        return self.b.fcmp_unordered(op, a, b) if op == "!=" else self.b.fcmp_ordered(op, a, b)

    def sel(self, c, a, b):
        return self.b.select(c, a, b)

    def tofloat(self, k):
        return self.b.sitofp(k, self.F64)


def _exp_ir(builder, x):
    """The instructions of :func:`exp_reference` (numba's, for that Python) for x."""
    e = _IR(builder)
    floor = cgutils.insert_pure_function(builder.module, ir.FunctionType(e.F64, [e.F64]), name="floor")
    k = builder.fptosi(builder.call(floor, (e.add(e.mul(x, e.f(1.4426950408889634)), e.f(0.5)),)), e.I64)
    r = e.sub(e.sub(x, e.mul(e.tofloat(k), e.f(_LN2_HI))), e.mul(e.tofloat(k), e.f(_LN2_LO)))
    r2 = e.mul(r, r)
    r4 = e.mul(r2, r2)

    def pair(c0, c1):  # c0 + r * c1
        return e.add(e.f(c0), e.mul(r, e.f(c1)))
    q0 = e.add(e.add(e.f(1.0), r), e.mul(r2, pair(0.5, 1.0 / 6.0)))
    q1 = e.add(pair(1.0 / 24.0, 1.0 / 120.0), e.mul(r2, pair(1.0 / 720.0, 1.0 / 5040.0)))
    q2 = e.add(pair(1.0 / 40320.0, 1.0 / 362880.0), e.mul(r2, pair(1.0 / 3628800.0, 1.0 / 39916800.0)))
    q3 = pair(1.0 / 479001600.0, 1.0 / 6227020800.0)
    p = e.add(e.add(q0, e.mul(r4, q1)), e.mul(e.mul(r4, r4), e.add(q2, e.mul(r4, q3))))
    kf = e.tofloat(k)  # min(max(k, -1022.0), 1023.0), as numba's max and min
    kk = e.sel(e.cmp(">", e.f(-1022.0), kf), e.f(-1022.0), kf)
    kk = e.sel(e.cmp("<", e.f(1023.0), kk), e.f(1023.0), kk)
    scale = builder.shl(builder.add(builder.fptosi(kk, e.I64), e.i(1023)), e.i(52))
    y = e.mul(p, builder.bitcast(scale, e.F64))
    y = e.sel(e.cmp(">", e.tofloat(k), e.f(1023.0)), e.mul(y, e.f(2.0)), y)
    y = e.sel(e.cmp(">", x, e.f(709.782712893384)), e.f(math.inf), y)
    y = e.sel(e.cmp("<", x, e.f(-708.0)), e.f(0.0), y)
    return e.sel(e.cmp("!=", x, x), x, y)


def _log_ir(builder, x):
    """The instructions of :func:`log_reference` (numba's, for that Python) for x."""
    e = _IR(builder)
    tiny = e.cmp("<", x, e.f(2.2250738585072014e-308))
    bits = builder.bitcast(e.sel(tiny, e.mul(x, e.f(18014398509481984.0)), x), e.I64)
    ex = builder.sub(builder.and_(builder.ashr(bits, e.i(52)), e.i(0x7FF)),
                     e.sel(tiny, e.i(1023 + 54), e.i(1023)))
    mant = builder.or_(builder.and_(bits, e.i(0x000FFFFFFFFFFFFF)), e.i(0x3FF0000000000000))
    m = builder.bitcast(mant, e.F64)
    big = e.cmp(">", m, e.f(1.4142135623730951))
    m = e.sel(big, e.mul(m, e.f(0.5)), m)
    ex = e.sel(big, builder.add(ex, e.i(1)), ex)
    s = builder.fdiv(e.sub(m, e.f(1.0)), e.add(m, e.f(1.0)))
    z = e.mul(s, s)
    z2 = e.mul(z, z)
    z4 = e.mul(z2, z2)

    def pair(c0, c1):  # c0 + z * c1
        return e.add(e.f(c0), e.mul(z, e.f(c1)))
    inner = e.add(e.add(pair(1.0 / 9.0, 1.0 / 11.0), e.mul(z2, pair(1.0 / 13.0, 1.0 / 15.0))),
                  e.mul(z4, e.add(pair(1.0 / 17.0, 1.0 / 19.0), e.mul(z2, e.f(1.0 / 21.0)))))
    q = e.add(e.add(pair(1.0, 1.0 / 3.0), e.mul(z2, pair(1.0 / 5.0, 1.0 / 7.0))), e.mul(z4, inner))
    y = e.add(e.mul(e.tofloat(ex), e.f(_LN2_HI)),
              e.add(e.mul(e.mul(e.f(2.0), s), q), e.mul(e.tofloat(ex), e.f(_LN2_LO))))
    y = e.sel(e.cmp("==", x, e.f(0.0)), e.f(-math.inf), y)
    y = e.sel(e.cmp("<", x, e.f(0.0)), e.f(math.nan), y)
    return e.sel(builder.or_(e.cmp("==", x, e.f(math.inf)), e.cmp("!=", x, x)), x, y)


@intrinsic
def exp(typingctx, x):
    """e**x, branch-free, so that LLVM vectorises loops that use it (libm's exp is an opaque call):
    the instructions of :func:`exp_reference`, emitted in place.  Error <= 2 ulp; 0 below -708."""
    if not isinstance(x, types.Float):
        return None
    return types.float64(types.float64), lambda context, builder, signature, args: _exp_ir(builder, args[0])


@intrinsic
def log(typingctx, x):
    """Natural logarithm, branch-free: the instructions of :func:`log_reference`, emitted in place."""
    if not isinstance(x, types.Float):
        return None
    return types.float64(types.float64), lambda context, builder, signature, args: _log_ir(builder, args[0])


log_float = cast("Callable[[float], float]", log)  # log as compiled code calls it, typed for mypy
