"""Consistency of every integrator given as a Butcher tableau (``c``, ``A``, ``b``).

For each one, in exact rational arithmetic: the tableau is explicit (A strictly lower
triangular), each row of A sums to its c, the weights sum to 1, and the order conditions hold
for every rooted tree up to the order the integrator claims, and not for all trees of the next
order (so the claimed order is the order).  An embedded pair (``b_embedded``, rkf45) is checked
the same way one order lower.  Finally the step each integrator expands for dx/dt = lambda x
is the tableau's stability polynomial, so the code uses the data that is checked here.

The order conditions are b . Phi(t) = 1/gamma(t) over rooted trees t (Butcher): a tree is the
sorted tuple of its subtrees, Phi(t)_i = prod over subtrees u of (A Phi(u))_i, and
gamma(t) = |t| prod gamma(u).  There are 1, 1, 2, 4, 9, 20 trees of orders 1 to 6.
"""

from __future__ import annotations

import functools
import math

import pytest
import sympy
from conftest import TABLEAU_METHODS

import neurounits as nu
from neurounits.equations import DT
from neurounits.integrators import INTEGRATORS
from neurounits.integrators.rkf45 import TT, H

pytestmark = pytest.mark.no_jit

Tree = tuple  # a rooted tree: the sorted tuple of its subtrees (a leaf is ())


@functools.cache
def forests(total: int) -> frozenset:
    """Every multiset of trees whose orders add up to ``total``, as sorted tuples."""
    if total == 0:
        return frozenset({()})
    out = set()
    for k in range(1, total + 1):
        for t in trees(k):
            for f in forests(total - k):
                out.add(tuple(sorted((t, *f), key=repr)))
    return frozenset(out)


def trees(order: int) -> frozenset:
    """Every rooted tree with ``order`` nodes."""
    return forests(order - 1)


def size(t: Tree) -> int:
    return 1 + sum(size(u) for u in t)


def gamma(t: Tree) -> int:
    return size(t) * math.prod(gamma(u) for u in t)


def tableau(method: str) -> tuple[list, list[list], list]:
    """(c, A, b) as exact sympy numbers, A padded to a full square matrix."""
    integ = INTEGRATORS[method]
    c = [sympy.nsimplify(x) for x in integ.c]
    s = len(c)
    A = [[sympy.nsimplify(x) for x in row] + [sympy.S.Zero] * (s - len(row)) for row in integ.A]
    b = [sympy.nsimplify(x) for x in integ.b]
    return c, A, b


def phi(A: list[list], t: Tree) -> list:
    s = len(A)
    out = [sympy.S.One] * s
    for u in t:
        pu = phi(A, u)
        au = [sum((A[i][j] * pu[j] for j in range(s)), sympy.S.Zero) for i in range(s)]
        out = [o * a for o, a in zip(out, au, strict=True)]
    return out


def residual(A: list[list], b: list, t: Tree) -> sympy.Expr:
    """b . Phi(t) - 1/gamma(t): zero when the order condition of t holds."""
    return sympy.nsimplify(sum((bi * p for bi, p in zip(b, phi(A, t), strict=True)), sympy.S.Zero)
                           - sympy.Rational(1, gamma(t)))


def failing(A: list[list], b: list, order: int) -> list[Tree]:
    return [t for t in trees(order) if residual(A, b, t) != 0]


def test_rooted_tree_counts():
    assert [len(trees(n)) for n in range(1, 7)] == [1, 1, 2, 4, 9, 20]
    assert gamma(((), ())) == 3 and gamma((((),),)) == 6  # the order-3 trees: 1/3 and 1/6


@pytest.mark.parametrize("method", TABLEAU_METHODS)
def test_tableau_is_explicit_and_consistent(method):
    integ = INTEGRATORS[method]
    s = len(integ.c)
    assert len(integ.A) == s and len(integ.b) == s
    assert all(len(row) <= i for i, row in enumerate(integ.A)), "A must be strictly lower triangular"
    c, A, b = tableau(method)
    assert c[0] == 0
    for i in range(s):
        assert sum(A[i]) == c[i], f"row {i} of A sums to {sum(A[i])}, c = {c[i]}"
    assert sum(b) == 1


@pytest.mark.parametrize("method", TABLEAU_METHODS)
def test_order_conditions_up_to_the_claimed_order(method):
    _, A, b = tableau(method)
    order = INTEGRATORS[method].order
    assert order >= 1
    for p in range(1, order + 1):
        assert not failing(A, b, p), f"{method}: order-{p} conditions fail for {failing(A, b, p)}"
    assert failing(A, b, order + 1), f"{method} is of order {order + 1} or more, not {order}"


@pytest.mark.parametrize("method", [m for m in TABLEAU_METHODS if hasattr(INTEGRATORS[m], "b_embedded")])
def test_embedded_weights_are_one_order_lower(method):
    integ = INTEGRATORS[method]
    _, A, b = tableau(method)
    b_hat = [sympy.nsimplify(x) for x in integ.b_embedded]
    assert len(b_hat) == len(b) and sum(b_hat) == 1
    for p in range(1, integ.order):
        assert not failing(A, b_hat, p), (method, p)
    assert failing(A, b_hat, integ.order), method
    assert b_hat != b  # the difference estimates the error: nonzero


Linear = nu.Model.from_equations("dx/dt = x/tau : 1", parameters={"tau": "1 ms"}, name="LinearTest")


@pytest.mark.parametrize("method", TABLEAU_METHODS)
def test_expanded_step_is_the_stability_polynomial(method):
    """One step of dx/dt = x/tau from x = 1 is R(z) = 1 + sum_k z^k b A^(k-1) 1, z = dt/tau."""
    integ = INTEGRATORS[method]
    spec = Linear(n=1).spec
    st = integ.step(spec)
    tau = spec.symbols["tau"]
    env: dict = {spec.symbols["x"]: sympy.S.One, H: DT, TT: sympy.S.Zero}
    for sym, e in st.derived + st.statements:
        env[sym] = e.xreplace(env)
    z = sympy.Symbol("z")
    got = sympy.expand(st.new["x"].xreplace(env).xreplace({DT: z * tau}))
    _, A, b = tableau(method)
    s = len(b)
    expected, v = sympy.S.One, [sympy.S.One] * s
    for k in range(1, s + 1):
        expected += z**k * sum((bi * vi for bi, vi in zip(b, v, strict=True)), sympy.S.Zero)
        v = [sum((A[i][j] * v[j] for j in range(s)), sympy.S.Zero) for i in range(s)]
    assert sympy.simplify(got - expected) == 0, (got, expected)
    # and it agrees with exp(z) to the claimed order
    poly = sympy.Poly(expected, z)
    for k in range(integ.order + 1):
        assert poly.coeff_monomial(z**k) == sympy.Rational(1, math.factorial(k)), (method, k)
