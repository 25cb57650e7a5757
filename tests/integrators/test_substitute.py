"""``integrators.explicit.substitute``: xreplace without evaluation (rkf45's stage statements)."""

from __future__ import annotations

import sympy

from neurounits.integrators.explicit import substitute


def test_substitute_keeps_values_and_untouched_subtrees():
    x, y, p, h = sympy.symbols("x y p h", real=True)
    untouched = sympy.exp(-p) + p**2
    e = untouched * x + sympy.exp(x + p) * y - x**3
    subs = {x: x + h * y}
    got = substitute(e, subs, {})
    vals = {x: 0.3, y: -1.1, p: 2.5, h: 0.01}
    assert abs(float(got.subs(vals)) - float(e.xreplace(subs).subs(vals))) < 1e-14
    # the subtree without x is the same object, not rebuilt
    assert any(a is untouched for a in sympy.preorder_traversal(got))

    # not evaluated: x + p becomes (x + h*y) + p, a sum inside a sum (xreplace flattens it)
    def nested(expr):
        return any(a.is_Add and any(b.is_Add for b in a.args) for a in sympy.preorder_traversal(expr))

    assert nested(got) and not nested(e.xreplace(subs))
    assert substitute(e, {}, {}) is e
