"""Expansion of :class:`~neurounits.PortGroup` declarations into numbered ports.

A port group declares one port's states, weight and effect with the suffix
``_j`` (and its weight as ``w_j``); for ``n`` ports each is repeated with
``_0 .. _{n-1}``, and the group's sums add the ports' terms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import EquationError
from ..parameters import Parameter, PortGroup, Receptor
from .text import DEFINITION, logical_lines, split_unit

__all__ = ["expand_ports"]

_PORT_NAME = re.compile(r"\b([A-Za-z_]\w*?)_j\b")


def expand_ports(decl: dict, attrs: dict, counts: Mapping[str, int]) -> tuple[dict, dict]:
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
        for line in logical_lines(g.sums):
            m = DEFINITION.match(line)
            if not m:
                raise EquationError(f"port group '{r}': cannot read the sum '{line}'; write "
                                    "'name = w_j*s_j : unit'")
            expr, unit, _ = split_unit(m.group(2))
            if unit is None:
                raise EquationError(f"port group '{r}': write the unit of the sum '{m.group(1)}' after "
                                    "':'")
            terms = [f"({sub(expr)})" for sub in subs] or [f"0*({unit})"]
            head.append(f"{m.group(1)} = {' + '.join(terms)} : {unit}")
    attrs["equations"] = "\n".join([*head, attrs.get("equations") or "", *tail])
    attrs["_ports"] = ports
    return decl, attrs
